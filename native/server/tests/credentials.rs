//! Stored credentials: encrypted at rest, passed as PSCredential parameters, never shown,
//! and run-as that fails with its reason where the process cannot be started as the user.

mod common;

use common::{Server, expect_error};
use serde_json::json;

#[tokio::test]
async fn credential_parameters_are_decrypted_only_for_the_job() {
    let script = "param([pscredential]$Cred)\n\"$($Cred.UserName):$($Cred.GetNetworkCredential().Password)\"";
    let s = Server::start("", &[("cred.ps1", script)]).await;
    s.set_credential("svc", "svc-user", "Pa55-unique-secret");
    let db = std::fs::read(s.data().join("jobs.db")).unwrap();
    let wal = std::fs::read(s.data().join("jobs.db-wal")).unwrap_or_default();
    for bytes in [&db, &wal] {
        assert!(
            !bytes.windows(18).any(|w| w == b"Pa55-unique-secret"),
            "stored encrypted"
        );
    }
    let id = s
        .run(
            "cred.ps1",
            json!({"jobParameters": [{"name": "Cred", "value": "svc", "isVariable": true}]}),
        )
        .await;
    let job = s.wait_done(id).await;
    assert_eq!(job["status"], 2, "{job}");
    let pipeline = s
        .get_json(&format!("/api/v1/job/{id}/pipelineOutput"))
        .await;
    assert_eq!(pipeline[0]["data"], "<S>svc-user:Pa55-unique-secret</S>");
    let params = s.get_json(&format!("/api/v1/job/{id}/parameters")).await;
    assert_eq!(
        params,
        json!([{"name": "Cred", "value": "********", "isVariable": true, "type": "System.Management.Automation.PSCredential"}])
    );
    assert!(!s.log().contains("Pa55-unique-secret"), "never logged");

    let r = s
        .post(
            "/api/v1/script/path/cred.ps1",
            json!({"jobParameters": [{"name": "Cred", "value": "nope", "isVariable": true}]}),
        )
        .await;
    expect_error(r, 400, "credential.unknown").await;
}

#[tokio::test]
async fn run_as_fails_with_a_clear_reason_when_it_cannot_switch() {
    let s = Server::start("", &[("who.ps1", "[Environment]::UserName")]).await;
    s.set_credential("other", "nobody", "x");
    let id = s.run("who.ps1", json!({"credential": "other"})).await;
    let job = s.wait_done(id).await;
    assert_eq!(job["credential"], "other");
    if job["status"] == 2 {
        // The platform allowed it: the job really ran as that account.
        let pipeline = s
            .get_json(&format!("/api/v1/job/{id}/pipelineOutput"))
            .await;
        assert_eq!(pipeline[0]["data"], "<S>nobody</S>");
    } else {
        assert_eq!(job["status"], 3, "{job}");
        let reason = job["output"].as_str().unwrap();
        assert!(reason.starts_with("cannot run as \"nobody\""), "{reason}");
    }
}
