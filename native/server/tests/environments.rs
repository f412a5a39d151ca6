//! `GET /api/v1/environment`: the configured environments, for readers and up.

mod common;

use common::{Server, expect_error, pwsh};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn lists_configured_environments_without_their_variables() {
    let config = r#"
[environments.shell]
kind = "minimal"
executable = "/bin/sh"
args = ["-e", "two words"]
variables = { API_KEY = "do-not-show" }
"#;
    let s = Server::start(config, &[]).await;
    let reader = s.token("Reader");
    let r = s
        .req(Method::GET, "/api/v1/environment", Some(&reader))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(
        !text.contains("do-not-show") && !text.contains("API_KEY"),
        "{text}"
    );
    let list: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        list,
        json!([
            {"name": "pwsh", "path": pwsh(), "arguments": "-s -NoLogo -NoProfile", "kind": "powershell"},
            {"name": "shell", "path": "/bin/sh", "arguments": "-e \"two words\"", "kind": "minimal"}
        ])
    );

    let r = s
        .req(Method::GET, "/api/v1/environment", None)
        .send()
        .await
        .unwrap();
    expect_error(r, 401, "auth.token.missing").await;
}
