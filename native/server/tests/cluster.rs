//! Several servers share one PostgreSQL store, each with its own data folder: a job queued on
//! one runs once, on whichever has room; any server answers for any job (its output, a wait
//! on it, a cancel, its prompt); a server that dies has its running jobs marked by the others;
//! a script's limit counts the jobs of every server; and a server whose key differs from the
//! store's is refused. A server alone on SQLite keeps none of that bookkeeping.

mod common;

use std::time::{Duration, Instant};

use common::{Server, until};
use serde_json::json;

/// How long a change made on one server may take to show on another.
const WITHIN: Duration = Duration::from_secs(60);

/// A schema of its own on the test cluster (`build.ps1 Test` starts one and names it in
/// `PSUJOBS_TEST_POSTGRES`), and the URL that reaches only it.
async fn schema() -> Option<String> {
    let Ok(base) = std::env::var("PSUJOBS_TEST_POSTGRES") else {
        eprintln!(
            "skipped: PSUJOBS_TEST_POSTGRES names no test database (build.ps1 Test starts one)"
        );
        return None;
    };
    let (client, connection) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let name = format!("cluster_{}", uuid::Uuid::new_v4().simple());
    client
        .batch_execute(&format!("CREATE SCHEMA {name}"))
        .await
        .unwrap();
    let join = if base.contains('?') { '&' } else { '?' };
    Some(format!("{base}{join}options=-csearch_path%3D{name}"))
}

async fn running(s: &Server) -> bool {
    let metrics = s.get("/metrics").await.text().await.unwrap();
    metrics.lines().any(|l| l == "psujobs_jobs_running 1")
}

const SCRIPTS: &[(&str, &str)] = &[
    ("busy.ps1", "Write-Information 'started'; Start-Sleep 120"),
    (
        "ask.ps1",
        "$n = Read-Host -Prompt 'Your name'; \"hello $n\"",
    ),
];

#[tokio::test]
async fn servers_sharing_a_store_share_its_jobs() {
    let Some(url) = schema().await else {
        return;
    };
    let config = format!("database = {url:?}\nconcurrent_jobs = 1\nwarm_processes = 0\n");
    let mut a = Server::start(&config, SCRIPTS).await;

    // A server with a key of its own would fail the jobs and credentials sealed with A's.
    let stranger = Server::new(&config, SCRIPTS, false);
    let refused = stranger
        .command()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("sealed with another key"), "{said}");

    let b = Server::start_beside(&a, SCRIPTS).await;
    // A has room for one job: it runs the first, and B claims the second.
    let on_a = a.run("busy.ps1", json!({})).await;
    a.wait_for(on_a, |j| j["status"] == 1).await;
    let on_b = a.run("busy.ps1", json!({})).await;
    b.wait_for(on_b, |j| j["status"] == 1).await;
    until("each server runs one job", &[&a, &b], WITHIN, async || {
        running(&a).await && running(&b).await
    })
    .await;

    // B reads A's job as it runs, and a wait on B ends when a cancel on B stops it on A.
    let output = b
        .get_json(&format!("/api/v1/job/{on_a}/output?wait=30"))
        .await;
    assert_eq!(output[0]["message"], "started", "{output}");
    let after = output[0]["id"].as_i64().unwrap();
    let waiting = format!("/api/v1/job/{on_a}/output?after={after}&wait=60");
    let wait = b.get(&waiting);
    let cancel = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let asked = Instant::now();
        let r = b
            .post(&format!("/api/v1/job/{on_a}/cancel"), json!({}))
            .await;
        assert!(r.status().is_success(), "{}", r.status());
        asked
    };
    let (waited, asked) = tokio::join!(wait, cancel);
    assert!(waited.status().is_success());
    let canceled = b.wait_done(on_a).await;
    assert_eq!(canceled["status"], 5, "{canceled}");
    assert!(
        asked.elapsed() < Duration::from_secs(15),
        "the wait on B ended {:?} after the cancel",
        asked.elapsed()
    );

    // A, free again, runs a job that prompts; B shows the prompt, checks an answer against
    // it, and passes a good one on.
    let asking = b.run("ask.ps1", json!({})).await;
    // B runs a job already: A runs this one.
    a.wait_for(asking, |j| j["status"] == 4).await;
    let prompt = b.get_json(&format!("/api/v1/job/{asking}/feedback")).await;
    assert_eq!(prompt["fields"][0]["name"], "Your name", "{prompt}");
    let feedback = format!("/api/v1/job/{asking}/feedback");
    let r = b.post(&feedback, json!({"responses": {"Nope": "x"}})).await;
    common::expect_error(r, 400, "feedback.invalid").await;
    let r = b.post(&feedback, json!({"response": "carol"})).await;
    assert_eq!(r.status(), 204);
    // An answer given on A just after, before A took B's, is refused, not put in its place.
    let r = a.post(&feedback, json!({"response": "dave"})).await;
    common::expect_error(r, 404, "job.feedback.none").await;
    let answered = a.wait_done(asking).await;
    assert_eq!(answered["status"], 2, "{answered}");
    let said = a
        .get(&format!("/api/v1/job/{asking}/pipelineOutput"))
        .await
        .text()
        .await
        .unwrap();
    assert!(said.contains("hello carol"), "{said}");

    // A takes the next job; then it dies, and B marks that job.
    let lost = b.run("busy.ps1", json!({})).await;
    a.wait_for(lost, |j| j["status"] == 1).await;
    until("A runs the new job", &[&a, &b], WITHIN, async || {
        running(&a).await
    })
    .await;
    a.kill();
    let marked = b.wait_done(lost).await;
    assert_eq!(marked["status"], 3, "{marked}");
    assert!(
        marked["output"]
            .as_str()
            .unwrap()
            .contains("stopped answering"),
        "{marked}"
    );
    // B's own job ran on untouched.
    assert_eq!(
        b.get_json(&format!("/api/v1/job/{on_b}")).await["status"],
        1
    );
}

#[tokio::test]
async fn a_scripts_limit_holds_across_servers() {
    let Some(url) = schema().await else {
        return;
    };
    let config = format!(
        "database = {url:?}\nwarm_processes = 0\n[scripts.\"busy.ps1\"]\nConcurrentJobs = 1\n"
    );
    let a = Server::start(&config, SCRIPTS).await;
    let b = Server::start_beside(&a, SCRIPTS).await;
    let first = a.run("busy.ps1", json!({})).await;
    a.wait_for(first, |j| j["status"] == 1).await;
    // B has room of its own, but the script has none: through several of B's ticks, the
    // second job stays queued.
    let second = b.run("busy.ps1", json!({})).await;
    tokio::time::sleep(psujobs_server::node::TICK * 3).await;
    let held = b.get_json(&format!("/api/v1/job/{second}")).await;
    assert_eq!(held["status"], 0, "{held}");
    let r = b
        .post(&format!("/api/v1/job/{first}/cancel"), json!({}))
        .await;
    assert!(r.status().is_success(), "{}", r.status());
    b.wait_for(second, |j| j["status"] == 1).await;
    let ended = b.get_json(&format!("/api/v1/job/{first}")).await;
    assert_eq!(ended["status"], 5, "{ended}");
}

#[tokio::test]
async fn a_server_alone_on_sqlite_writes_nothing_while_idle() {
    // No scripts: reading their parameters at start would be a write of its own.
    let s = Server::start("warm_processes = 0\n", &[]).await;
    let db = rusqlite::Connection::open(s.data().join("jobs.db")).unwrap();
    // Changes when any other connection commits to the database.
    let version = || -> i64 {
        db.query_row("PRAGMA data_version", [], |r| r.get(0))
            .unwrap()
    };
    let before = version();
    tokio::time::sleep(psujobs_server::node::TICK * 3).await;
    assert_eq!(version(), before, "the idle server wrote to its database");
}
