//! HTTPS: `serve --tls-cert/--tls-key` with a self-signed certificate, and the start refused
//! with a clear error when the files are missing, unreadable as PEM or only half given.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Server, http};
use serde_json::json;

#[tokio::test]
async fn serves_the_api_over_https() {
    let mut s = Server::start_https("", &[("a.ps1", "'over tls'")]).await;
    assert!(s.base.starts_with("https://127.0.0.1:"), "{}", s.base);
    let alive = s.public_json("/api/v1/alive").await;
    assert_eq!(alive, json!({"loading": false}));

    // Jobs run as over HTTP: the listener is the only thing that changed.
    let id = s.run("a.ps1", json!({})).await;
    assert_eq!(s.wait_done(id).await["status"], 2, "{}", s.log());

    // A client that does not trust the certificate is refused in the handshake.
    let refused = http().get(s.url("/api/v1/alive")).send().await.unwrap_err();
    assert!(refused.is_connect(), "{refused:?}");
    // Plain HTTP to the HTTPS port gets no API answer.
    let plain = s.base.replacen("https", "http", 1);
    let answer = http().get(format!("{plain}/api/v1/alive")).send().await;
    assert!(
        answer.is_err() || !answer.unwrap().status().is_success(),
        "plain HTTP must not be served"
    );

    // SIGTERM still ends it cleanly (the HTTPS listener honours the graceful shutdown).
    let started = Instant::now();
    assert!(s.terminate().success(), "{}", s.log());
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

/// `psujobs serve` on any free port with `s`'s config and data folder.
fn serve(s: &Server) -> Command {
    let mut command = s.command();
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    command
}

/// Runs the command and returns its stderr; it must exit non-zero on its own within 20 s (a
/// start that wrongly succeeds is killed and fails the test).
fn failed_start(mut command: Command) -> String {
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{command:?} started instead of failing");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success(), "{command:?} exited with success");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test]
async fn bad_certificate_files_stop_the_start() {
    let s = Server::start_https("", &[]).await;
    let cert = s.dir.path().join("cert.pem");
    let key = s.dir.path().join("key.pem");
    let missing = s.dir.path().join("missing.pem");
    let (cert, key, missing) = (
        cert.to_str().unwrap(),
        key.to_str().unwrap(),
        missing.to_str().unwrap(),
    );

    let with = |args: &[&str]| {
        let mut command = serve(&s);
        command.args(args);
        failed_start(command)
    };
    let err = with(&["--tls-cert", missing, "--tls-key", key]);
    assert!(
        err.contains("cannot read the TLS certificate") && err.contains("missing.pem"),
        "{err}"
    );

    // The key file given as the certificate: PEM, but no certificate in it.
    let err = with(&["--tls-cert", key, "--tls-key", key]);
    assert!(err.contains("not a usable PEM pair"), "{err}");
    let not_pem = s.dir.path().join("server.log");
    let err = with(&["--tls-cert", cert, "--tls-key", not_pem.to_str().unwrap()]);
    assert!(err.contains("not a usable PEM pair"), "{err}");

    let err = with(&["--tls-cert", cert]);
    assert!(
        err.contains("the certificate is set, the key is not"),
        "{err}"
    );

    // The variables work as the flags do.
    let mut by_env = serve(&s);
    by_env
        .env("PSUJOBS_TLS_CERT", missing)
        .env("PSUJOBS_TLS_KEY", key);
    let err = failed_start(by_env);
    assert!(err.contains("missing.pem"), "{err}");

    // The running server was never disturbed.
    assert!(s.get("/api/v1/script").await.status().is_success());
}

#[tokio::test]
async fn the_config_file_names_the_files_too() {
    let s = Server::start_https("", &[]).await;
    let config = format!(
        "tls_cert = {:?}\ntls_key = {:?}\n",
        s.dir.path().join("cert.pem"),
        s.dir.path().join("no-key.pem")
    );
    let file = s.dir.path().join("tls.toml");
    std::fs::write(&file, config).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_psujobs"));
    command
        .arg("--config")
        .arg(&file)
        .arg("--data")
        .arg(s.data())
        .args(["serve", "--listen", "127.0.0.1:0"]);
    let err = failed_start(command);
    assert!(
        err.contains("cannot read the TLS private key") && err.contains("no-key.pem"),
        "{err}"
    );
}
