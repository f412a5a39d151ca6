//! Edits to the config file apply while the server runs: script settings and the job limit at
//! once, without failing the running jobs a restart would; a file that does not parse, or a
//! setting fixed while serving, is reported in the log and changes nothing.

mod common;

use std::time::{Duration, Instant};

use common::{Server, expect_error};
use serde_json::json;

const BEFORE: &str = "warm_processes = 0\nconcurrent_jobs = 1\n\
    [scripts.\"gate.ps1\"]\nDescription = \"before\"\n";

async fn until(what: &str, s: &Server, done: impl AsyncFn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done().await {
        assert!(Instant::now() < deadline, "{what}\n{}", s.log());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_changed_config_file_applies_without_a_restart() {
    let s = Server::start(
        BEFORE,
        &[("sleep.ps1", "Start-Sleep 60"), ("gate.ps1", "'through'")],
    )
    .await;
    let config = s.data().parent().unwrap().join("psujobs.toml");
    let running = s.run("sleep.ps1", json!({})).await;
    s.wait_for(running, |j| j["status"] == 1).await;
    let queued = s.run("gate.ps1", json!({})).await;
    assert_eq!(
        s.get_json(&format!("/api/v1/job/{queued}")).await["status"],
        0
    );

    // Not TOML: reported, and the settings stay as they were.
    std::fs::write(&config, format!("{BEFORE}concurrent_jobs = [")).unwrap();
    until("the broken file is reported", &s, async || {
        s.log()
            .contains("cannot be used; the settings stay as they were")
    })
    .await;

    let after = "warm_processes = 3\nconcurrent_jobs = 2\n\
        [scripts.\"gate.ps1\"]\nDescription = \"after\"\nDisableManualInvocation = true\n";
    std::fs::write(&config, after).unwrap();
    // The higher limit starts the queued job now, beside the running one.
    let job = s.wait_done(queued).await;
    assert_eq!(job["status"], 2, "{job}");
    assert_eq!(
        s.get_json(&format!("/api/v1/job/{running}")).await["status"],
        1
    );
    let script = s.get_json("/api/v1/script/path/gate.ps1").await;
    assert_eq!(script["description"], "after");
    let r = s.post("/api/v1/script/path/gate.ps1", json!({})).await;
    expect_error(r, 403, "script.manual_invocation_disabled").await;
    until("the fixed setting is reported", &s, async || {
        s.log()
            .contains("these apply at the next start settings=\"warm_processes\"")
    })
    .await;
}
