//! `psujobs backup`: taken while the server serves, and restored as an operator would after
//! losing the data folder: jobs, their output and the stored credentials come back.

mod common;

use common::{Server, expect_error};
use serde_json::json;

#[tokio::test]
async fn a_backup_taken_while_serving_restores_jobs_output_and_credentials() {
    let cred = "param([pscredential]$Cred)\n\"$($Cred.UserName):$($Cred.GetNetworkCredential().Password)\"";
    let mut s = Server::start(
        "",
        &[("hello.ps1", "'hello from before'"), ("cred.ps1", cred)],
    )
    .await;
    s.set_credential("svc", "svc-user", "kept-secret");
    let kept = s.run("hello.ps1", json!({})).await;
    assert_eq!(s.wait_done(kept).await["status"], 2);

    let folder = s.data().parent().unwrap().join("backups/monday");
    let backup = || s.command().arg("backup").arg(&folder).output().unwrap();
    let out = backup();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("backed up 1 job and"), "{said}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&folder).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "it holds the credentials' key");
    }
    let out = backup();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
    let out = s
        .command()
        .args(["--database", "postgres://db.invalid/jobs", "backup"])
        .arg(folder.with_file_name("tuesday"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("back them up with pg_dump"));

    // A job after the backup, then the data folder's store and key are lost.
    let lost = s.run("hello.ps1", json!({})).await;
    s.wait_done(lost).await;
    s.kill();
    for file in ["jobs.db", "jobs.db-wal", "jobs.db-shm", "secret.key"] {
        let _ = std::fs::remove_file(s.data().join(file));
    }
    for file in ["jobs.db", "secret.key"] {
        std::fs::copy(folder.join(file), s.data().join(file)).unwrap();
    }
    s.restart().await;

    let pipeline = s
        .get_json(&format!("/api/v1/job/{kept}/pipelineOutput"))
        .await;
    assert_eq!(pipeline[0]["data"], "<S>hello from before</S>");
    expect_error(
        s.get(&format!("/api/v1/job/{lost}")).await,
        404,
        "job.not_found",
    )
    .await;
    let id = s
        .run(
            "cred.ps1",
            json!({"jobParameters": [{"name": "Cred", "value": "svc", "isVariable": true}]}),
        )
        .await;
    assert_eq!(s.wait_done(id).await["status"], 2);
    let pipeline = s
        .get_json(&format!("/api/v1/job/{id}/pipelineOutput"))
        .await;
    assert_eq!(pipeline[0]["data"], "<S>svc-user:kept-secret</S>");
}
