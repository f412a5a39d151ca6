//! Crash and shutdown: nothing stored is lost, jobs the server could not finish are marked
//! Failed with the reason, and jobs it had not started yet run after the restart.

mod common;

use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::Server;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use serde_json::json;

const SLEEPER: &str = "'started'; Write-Warning 'before'; Start-Sleep 60; 'never'";

fn kill_group(pid: i64) {
    // Group 1 or 0 would reach every process we may signal, not one job's group.
    assert!(pid > 1, "not a job's process id: {pid}");
    let group = Pid::from_raw(i32::try_from(pid).unwrap());
    let _ = killpg(group, Signal::SIGKILL);
}

async fn running_with_output(s: &Server, id: i64) -> i64 {
    let job = s
        .wait_for(id, |j| j["status"] == 1 && j["processId"].is_i64())
        .await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while s.get_json(&format!("/api/v1/job/{id}/output")).await == json!([]) {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    job["processId"].as_i64().unwrap()
}

/// How many jobs run when the server is killed (the figure).
const RUNNING: usize = 20;

#[tokio::test]
async fn kill_9_with_20_jobs_running_then_restart_marks_them_failed_and_runs_the_queued_one() {
    // No warm processes: a killed server would leave them behind.
    let mut s = Server::start(
        &format!("warm_processes = 0\nconcurrent_jobs = {RUNNING}\n"),
        &[("sleep.ps1", SLEEPER)],
    )
    .await;
    let mut running = Vec::with_capacity(RUNNING);
    for _ in 0..RUNNING {
        running.push(s.run("sleep.ps1", json!({})).await);
    }
    let queued = s.run("sleep.ps1", json!({})).await;
    let mut pids = Vec::with_capacity(RUNNING);
    for &id in &running {
        pids.push(running_with_output(&s, id).await);
    }
    s.kill();
    pids.into_iter().for_each(kill_group);
    s.restart().await;

    for &id in &running {
        let job = s.get_json(&format!("/api/v1/job/{id}")).await;
        assert_eq!(job["status"], 3, "{job}");
        assert!(
            job["output"]
                .as_str()
                .unwrap()
                .contains("server stopped while the job was running")
        );
        assert!(job["endTime"].is_string());
        // Output written before the crash survived it.
        let pipeline = s
            .get_json(&format!("/api/v1/job/{id}/pipelineOutput"))
            .await;
        assert_eq!(pipeline[0]["data"], "<S>started</S>", "job {id}");
        let output = s.get_json(&format!("/api/v1/job/{id}/output")).await;
        assert_eq!(output[0]["message"], "before", "job {id}");
    }
    let job = s.wait_for(queued, |j| j["status"] == 1).await;
    assert!(job["startTime"].is_string(), "{job}");
    // The admin token file is not rewritten, and the old token still works.
    assert_eq!(
        std::fs::read_to_string(s.data().join("admin.token")).unwrap(),
        s.admin
    );
}

#[tokio::test]
async fn queued_jobs_run_after_a_crash_in_order_with_their_parameters_and_credentials() {
    let echo = "param([string]$Text, [pscredential]$Cred)\n\"$Text|$($Cred.UserName):$($Cred.GetNetworkCredential().Password)\"";
    let mut s = Server::start(
        "warm_processes = 0\nconcurrent_jobs = 1\n",
        &[("sleep.ps1", SLEEPER), ("echo.ps1", echo)],
    )
    .await;
    s.set_credential("svc", "svc-user", "queued-secret");
    let running = s.run("sleep.ps1", json!({})).await;
    let pid = running_with_output(&s, running).await;
    let queue = |text: &str| {
        json!({"jobParameters": [
            {"name": "Text", "value": text},
            {"name": "Cred", "value": "svc", "isVariable": true}
        ]})
    };
    let first = s.run("echo.ps1", queue("first")).await;
    let canceled = s.run("echo.ps1", queue("canceled")).await;
    let second = s.run("echo.ps1", queue("second")).await;
    let r = s
        .post(&format!("/api/v1/job/{canceled}/cancel"), json!({}))
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    for file in ["jobs.db", "jobs.db-wal"] {
        let bytes = std::fs::read(s.data().join(file)).unwrap_or_default();
        assert!(
            !bytes.windows(13).any(|w| w == b"queued-secret"),
            "the kept runs are sealed ({file})"
        );
    }
    s.kill();
    kill_group(pid);
    s.restart().await;

    let job = s.get_json(&format!("/api/v1/job/{running}")).await;
    assert_eq!(job["status"], 3, "{job}");
    let mut started = Vec::new();
    for (id, text) in [(first, "first"), (second, "second")] {
        let job = s.wait_done(id).await;
        assert_eq!(job["status"], 2, "{job}");
        started.push(job["startTime"].as_str().unwrap().to_owned());
        let pipeline = s
            .get_json(&format!("/api/v1/job/{id}/pipelineOutput"))
            .await;
        assert_eq!(
            pipeline[0]["data"],
            format!("<S>{text}|svc-user:queued-secret</S>")
        );
    }
    assert!(started[0] < started[1], "oldest first: {started:?}");
    let job = s.get_json(&format!("/api/v1/job/{canceled}")).await;
    assert_eq!(job["status"], 5, "a canceled job stays canceled: {job}");
}

#[tokio::test]
async fn sigterm_stops_jobs_and_exits_cleanly() {
    let mut s = Server::start("", &[("sleep.ps1", SLEEPER)]).await;
    let id = s.run("sleep.ps1", json!({})).await;
    let pid = running_with_output(&s, id).await;
    // A long poll in flight must not hold the shutdown for its whole wait.
    let poll = s
        .req(
            reqwest::Method::GET,
            &format!("/api/v1/job/{id}/output?after=99&wait=60"),
            Some(&s.admin),
        )
        .send();
    let poll = tokio::spawn(poll);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let status = s.terminate();
    let _ = poll.await;
    assert!(status.success(), "{status:?}\n{}", s.log());
    // Well under the 10 seconds the server gives its jobs to stop: it does not sit them out
    // once the job has ended.
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    let gone = !std::path::Path::new(&format!("/proc/{pid}")).exists();
    kill_group(pid);
    assert!(gone, "the job's process was stopped with the server");
    s.restart().await;
    let job = s.get_json(&format!("/api/v1/job/{id}")).await;
    assert_eq!(job["status"], 3, "{job}");
    assert!(job["output"].as_str().unwrap().contains("server stopped"));
}

/// A client that opened an HTTP/2 connection and then stopped reading it (hung, or hostile)
/// never answers the server's closing PING; SIGTERM must still end the server promptly.
#[tokio::test]
async fn sigterm_does_not_wait_for_a_stalled_http2_client() {
    let mut s = Server::start("", &[]).await;
    let url = s.url("/api/v1/alive");
    let (connected, stalled) = std::sync::mpsc::channel();
    let (release, wait_release) = std::sync::mpsc::channel::<()>();
    let client = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let client = reqwest::Client::builder()
            .http2_prior_knowledge()
            .build()
            .unwrap();
        let status = runtime.block_on(async { client.get(&url).send().await.unwrap().status() });
        connected.send(status).unwrap();
        // The runtime that owns the connection is not polled from here on.
        let _ = wait_release.recv();
    });
    assert!(stalled.recv().unwrap().is_success());
    let started = Instant::now();
    let status = s.terminate();
    let took = started.elapsed();
    release.send(()).unwrap();
    client.join().unwrap();
    assert!(status.success(), "{status:?}\n{}", s.log());
    assert!(took < Duration::from_secs(12), "shutdown took {took:?}");
    assert!(s.log().contains("connections still open"), "{}", s.log());
}

/// The integrated channel's socket, as the server records it in its data folder.
fn channel_socket(s: &Server) -> PathBuf {
    let recorded = std::fs::read_to_string(s.data().join("channel.address")).unwrap();
    PathBuf::from(recorded)
}

#[tokio::test]
async fn kill_9_then_restart_removes_the_stale_channel_socket() {
    let mut s = Server::start("warm_processes = 0\n", &[]).await;
    let stale = channel_socket(&s);
    s.kill();
    assert!(stale.exists(), "kill -9 left no socket file to clean up");
    s.restart().await;
    assert!(!stale.exists(), "stale socket kept:\n{}", s.log());
    let fresh = channel_socket(&s);
    assert_ne!(fresh, stale);
    UnixStream::connect(&fresh).expect("the restarted server's channel listens");
}

#[tokio::test]
async fn a_restart_leaves_a_live_channel_socket_alone() {
    let mut s = Server::start("warm_processes = 0\n", &[]).await;
    assert!(s.terminate().success(), "{}", s.log());
    // The recorded socket is one something still listens on, as a second server on the
    // same data folder would.
    let live = s.dir.path().join("live.sock");
    let _listener = UnixListener::bind(&live).unwrap();
    std::fs::write(s.data().join("channel.address"), live.display().to_string()).unwrap();
    s.restart().await;
    assert!(live.exists(), "a live socket was removed:\n{}", s.log());
    UnixStream::connect(&live).expect("the live socket still accepts connections");
    assert_ne!(channel_socket(&s), live);
}

#[tokio::test]
async fn a_second_server_on_the_same_data_folder_stops_at_once_saying_why() {
    let s = Server::start("warm_processes = 0\n", &[]).await;
    let log = s.dir.path().join("second.log");
    let mut second = s
        .command()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = second.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = second.kill();
            panic!("a second server kept running on the same data folder");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(!status.success());
    let said = std::fs::read_to_string(&log).unwrap();
    assert!(
        said.contains("another psujobs server is serving from"),
        "{said}"
    );
    // The first server is untouched.
    assert!(s.get("/api/v1/alive").await.status().is_success());
}
