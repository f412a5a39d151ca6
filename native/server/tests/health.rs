//! Health routes, Prometheus metrics and the OpenAPI document.

mod common;

use common::Server;
use reqwest::Method;
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test]
async fn health_version_metrics_and_openapi() {
    let s = Server::start("", &[("a.ps1", "Write-Warning 'w'")]).await;
    let version = s.public_json("/api/v1/version").await;
    assert_eq!(version, json!({"version": env!("CARGO_PKG_VERSION")}));
    let status = s.public_json("/api/v1/status").await;
    assert_eq!(status, json!({"status": "ok"}));
    // The log goes to a file here: plain text, without a terminal's colour codes.
    let log = s.log();
    assert!(log.contains("psujobs listening"), "{log}");
    assert!(!log.contains('\u{1b}'), "escape codes in\n{log}");

    let id = s.run("a.ps1", json!({})).await;
    s.wait_done(id).await;
    let r = s.get("/metrics").await;
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = r.text().await.unwrap();
    for line in [
        "psujobs_jobs_submitted_total 1",
        "psujobs_jobs_finished_total{status=\"Warning\"} 1",
        "psujobs_output_records_total 1",
        "psujobs_jobs_running 0",
        "psujobs_warm_processes ",
    ] {
        assert!(text.contains(line), "{line} in\n{text}");
    }

    let doc = s.get_json("/swagger/v1/swagger.json").await;
    assert_eq!(doc["openapi"], "3.0.3");
    let routes = [
        ("get", "/api/v1/alive"),
        ("get", "/api/v1/version"),
        ("get", "/api/v1/status"),
        ("get", "/metrics"),
        ("get", "/api/v1/environment"),
        ("get", "/api/v1/script"),
        ("get", "/api/v1/script/{id}"),
        ("post", "/api/v1/script/{id}"),
        ("get", "/api/v1/script/{id}/parameter"),
        ("get", "/api/v1/script/path/{fullPath}"),
        ("post", "/api/v1/script/path/{fullPath}"),
        ("get", "/api/v1/job"),
        ("get", "/api/v1/job/{id}"),
        ("get", "/api/v1/job/{id}/log"),
        ("get", "/api/v1/job/{id}/output"),
        ("get", "/api/v1/job/{id}/pipelineOutput"),
        ("delete", "/api/v1/job/{id}/pipelineOutput"),
        ("get", "/api/v1/job/{id}/parameters"),
        ("get", "/api/v1/job/{id}/feedback"),
        ("post", "/api/v1/job/{id}/feedback"),
        ("post", "/api/v1/job/{id}/cancel"),
        ("get", "/api/v1/job/{id}/children"),
        ("get", "/swagger/v1/swagger.json"),
    ];
    for (method, path) in routes {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} documented"
        );
    }
    assert_eq!(
        doc["paths"]["/api/v1/alive"]["get"]["security"],
        json!([]),
        "public routes need no token"
    );
    assert_eq!(
        doc["paths"]["/api/v1/job/{id}"]["get"]["parameters"][0]["name"],
        "id"
    );
}

#[tokio::test]
async fn execute_may_cancel_its_own_jobs() {
    let s = Server::start("", &[("sleep.ps1", "Start-Sleep 60")]).await;
    let execute = s.token("Execute");
    let r = s
        .req(
            Method::POST,
            "/api/v1/script/path/sleep.ps1",
            Some(&execute),
        )
        .send()
        .await
        .unwrap();
    let id: i64 = r.text().await.unwrap().parse().unwrap();
    let job = s.get_json(&format!("/api/v1/job/{id}")).await;
    assert_eq!(
        job["identity"],
        json!({"id": 2, "name": "Execute", "role": "Execute"})
    );
    let r = s
        .req(
            Method::POST,
            &format!("/api/v1/job/{id}/cancel"),
            Some(&execute),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    assert_eq!(s.wait_done(id).await["status"], 5);
}

#[tokio::test]
async fn status_answers_503_when_the_store_cannot_serve() {
    let s = Server::start("warm_processes = 0\n", &[]).await;
    // Another writer breaks the database under the running server.
    let db = rusqlite::Connection::open(s.data().join("jobs.db")).unwrap();
    db.execute_batch("DROP TABLE jobs").unwrap();
    let r = s
        .client()
        .get(s.url("/api/v1/status"))
        .send()
        .await
        .unwrap();
    let message = common::expect_error(r, 503, "server.store.unavailable").await;
    assert!(message.contains("no such table: jobs"), "{message}");
}

#[tokio::test]
async fn a_writer_holding_the_database_does_not_stall_the_liveness_probe() {
    let s = Server::start("warm_processes = 0\n", &[("a.ps1", "1")]).await;
    // Another writer (an operator's sqlite3, a backup) holds the database, so job starts wait
    // in SQLite's busy handler, and the calls behind them wait for the store.
    let db = rusqlite::Connection::open(s.data().join("jobs.db")).unwrap();
    db.execute_batch("BEGIN IMMEDIATE").unwrap();
    let workers = std::thread::available_parallelism().map_or(2, usize::from);
    let starts: Vec<_> = (0..workers * 2 + 2)
        .map(|_| {
            let start = s
                .req(Method::POST, "/api/v1/script/path/a.ps1", Some(&s.admin))
                .json(&json!({}))
                .send();
            tokio::spawn(start)
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let began = Instant::now();
    let alive = s
        .client()
        .get(s.url("/api/v1/alive"))
        .timeout(Duration::from_secs(2))
        .send()
        .await;
    let answered_in = began.elapsed();
    assert!(
        alive.is_ok_and(|r| r.status() == 200),
        "no answer to /alive in {answered_in:?}"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        starts.iter().all(|start| !start.is_finished()),
        "the starts wait for the database"
    );
    db.execute_batch("ROLLBACK").unwrap();
    for start in starts {
        assert_eq!(start.await.unwrap().unwrap().status(), 200);
    }
}
