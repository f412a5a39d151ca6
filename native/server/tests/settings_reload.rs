//! Edits to the config file apply while the server runs: script settings, the job limit and
//! environments at once, without failing the running jobs a restart would; a file that does
//! not parse, or a setting fixed while serving, is reported in the log and changes nothing.

mod common;

use std::time::Duration;

use common::{Server, expect_error, until};
use serde_json::json;

const BEFORE: &str = "warm_processes = 0\nconcurrent_jobs = 1\n\
    [scripts.\"gate.ps1\"]\nDescription = \"before\"\n";

/// How long a change to the config file may take to apply.
const WITHIN: Duration = Duration::from_secs(30);

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
    until("the broken file is reported", &[&s], WITHIN, async || {
        s.log()
            .contains("cannot be used; the settings stay as they were")
    })
    .await;

    let after = "max_body_bytes = 2048\nconcurrent_jobs = 2\n\
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
    until("the fixed setting is reported", &[&s], WITHIN, async || {
        s.log()
            .contains("these apply at the next start settings=\"max_body_bytes\"")
    })
    .await;
}

/// The warm processes the metrics count now.
async fn warm(s: &Server) -> String {
    let metrics = s.get("/metrics").await.text().await.unwrap();
    let line = metrics
        .lines()
        .find(|l| l.starts_with("psujobs_warm_processes "));
    line.unwrap_or_default().to_owned()
}

#[tokio::test]
async fn environments_and_warm_processes_change_without_a_restart() {
    let s = Server::start(
        "warm_processes = 0\n",
        &[("stage.ps1", "Write-Information \"stage=$env:STAGE\"")],
    )
    .await;
    let config = s.data().parent().unwrap().join("psujobs.toml");
    // A new environment, made the default, with two warm processes for it and two for the
    // built-in one.
    let pwsh = common::pwsh();
    std::fs::write(
        &config,
        format!(
            "warm_processes = 2\ndefault_environment = \"staged\"\n\
             [environments.staged]\nexecutable = {pwsh:?}\nvariables = {{ STAGE = \"after\" }}\n"
        ),
    )
    .unwrap();
    until("four processes are warm", &[&s], WITHIN, async || {
        warm(&s).await == "psujobs_warm_processes 4"
    })
    .await;
    assert!(s.children() >= 4, "{} children", s.children());
    let id = s.run("stage.ps1", json!({})).await;
    let job = s.wait_done(id).await;
    assert_eq!(
        (job["status"].as_i64(), &job["environment"]),
        (Some(2), &json!("staged")),
        "{job}"
    );
    let output = s.get_json(&format!("/api/v1/job/{id}/output")).await;
    assert_eq!(output[0]["message"], "stage=after", "{output}");

    // None warm: the idle processes end.
    std::fs::write(&config, "warm_processes = 0\n").unwrap();
    until(
        "no process is warm, and none is left",
        &[&s],
        WITHIN,
        async || warm(&s).await == "psujobs_warm_processes 0" && s.children() == 0,
    )
    .await;
    let job = s.wait_done(s.run("stage.ps1", json!({})).await).await;
    assert_eq!(job["environment"], "pwsh", "{job}");
}
