//! Authentication and the role matrix, over HTTP against the real binary.

mod common;

use common::{Server, expect_error};
use reqwest::Method;
use serde_json::json;

const SCRIPT: &str = "param([string]$Name = 'x')\n\"hello $Name\"\n";

#[tokio::test]
async fn health_routes_are_public_and_others_need_a_token() {
    let s = Server::start("", &[("a.ps1", SCRIPT)]).await;
    for path in ["/api/v1/alive", "/api/v1/version", "/api/v1/status"] {
        let r = s.req(Method::GET, path, None).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
    let alive = s.public_json("/api/v1/alive").await;
    assert_eq!(alive, json!({"loading": false}));
    for path in [
        "/api/v1/script",
        "/api/v1/job",
        "/metrics",
        "/swagger/v1/swagger.json",
        "/api/v1/job/1/output",
    ] {
        let r = s.req(Method::GET, path, None).send().await.unwrap();
        expect_error(r, 401, "auth.token.missing").await;
        let r = s
            .req(Method::GET, path, Some("psuj_bogus"))
            .send()
            .await
            .unwrap();
        expect_error(r, 401, "auth.token.invalid").await;
    }
}

#[tokio::test]
async fn admin_token_file_is_private_and_revocation_works() {
    let s = Server::start("", &[]).await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(s.data().join("admin.token"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert!(
        s.log().contains("admin.token"),
        "the log says where the token is"
    );
    let reader = s.token("Reader");
    let r = s
        .req(Method::GET, "/api/v1/script", Some(&reader))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Token ids: admin is 1, this one 2.
    let out = s.command().args(["token", "revoke", "2"]).output().unwrap();
    assert!(out.status.success());
    let r = s
        .req(Method::GET, "/api/v1/script", Some(&reader))
        .send()
        .await
        .unwrap();
    expect_error(r, 401, "auth.token.invalid").await;
    let out = s
        .command()
        .args(["token", "revoke", "99"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let out = s
        .command()
        .args(["token", "new", "--role", "root"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "unknown roles are refused");
}

#[tokio::test]
async fn roles_limit_what_each_token_may_do() {
    let config = "[scripts.\"ops.ps1\"]\nRoles = [\"Operator\"]\n";
    let s = Server::start(config, &[("a.ps1", SCRIPT), ("ops.ps1", SCRIPT)]).await;
    let reader = s.token("Reader");
    let execute = s.token("Execute");
    let operator = s.token("Operator");
    let post = |token: &str, path: &str| s.req(Method::POST, path, Some(token)).json(&json!({}));

    // Reader reads but may not run, answer, cancel or delete.
    let r = post(&reader, "/api/v1/script/path/a.ps1")
        .send()
        .await
        .unwrap();
    expect_error(r, 403, "auth.role.refused").await;
    let job = s.run("a.ps1", json!({})).await; // started by the admin
    for (method, path) in [
        (Method::POST, format!("/api/v1/job/{job}/cancel")),
        (Method::POST, format!("/api/v1/job/{job}/feedback")),
        (Method::DELETE, format!("/api/v1/job/{job}/pipelineOutput")),
    ] {
        let r = s
            .req(method, &path, Some(&reader))
            .json(&json!({"response": "x"}))
            .send()
            .await
            .unwrap();
        expect_error(r, 403, "auth.role.refused").await;
    }
    let r = s
        .req(Method::GET, &format!("/api/v1/job/{job}"), Some(&reader))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Execute runs, but may not cancel someone else's job or delete output.
    let r = post(&execute, "/api/v1/script/path/a.ps1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = post(&execute, &format!("/api/v1/job/{job}/cancel"))
        .send()
        .await
        .unwrap();
    expect_error(r, 403, "auth.role.refused").await;
    let r = s
        .req(
            Method::DELETE,
            &format!("/api/v1/job/{job}/pipelineOutput"),
            Some(&execute),
        )
        .send()
        .await
        .unwrap();
    expect_error(r, 403, "auth.role.refused").await;

    // A script's Roles narrow who may run it; Administrator always may.
    let r = post(&execute, "/api/v1/script/path/ops.ps1")
        .send()
        .await
        .unwrap();
    let message = expect_error(r, 403, "auth.role.refused").await;
    assert!(message.contains("Operator"), "{message}");
    let r = post(&operator, "/api/v1/script/path/ops.ps1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = post(&s.admin, "/api/v1/script/path/ops.ps1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Operator deletes pipeline output.
    let r = s
        .req(
            Method::DELETE,
            &format!("/api/v1/job/{job}/pipelineOutput"),
            Some(&operator),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
}

#[tokio::test]
async fn repeated_bad_tokens_are_rate_limited() {
    let s = Server::start("", &[]).await;
    for _ in 0..10 {
        let r = s
            .req(Method::GET, "/api/v1/job", Some("psuj_wrong"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    // Blocked now, even with a good token, until the window passes.
    let r = s
        .req(Method::GET, "/api/v1/job", Some(&s.admin))
        .send()
        .await
        .unwrap();
    assert!(r.headers().contains_key("retry-after"));
    expect_error(r, 429, "auth.rate_limited").await;
    // Health routes stay reachable.
    let r = s
        .req(Method::GET, "/api/v1/alive", None)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
