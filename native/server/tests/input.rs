//! Bad input to the job routes: malformed and mistyped bodies, oversized bodies, bad and
//! unknown ids, parameter validation, and the Job Run ID mode.

mod common;

use common::{Server, expect_error};
use reqwest::Method;
use serde_json::{Value, json};

const SCRIPT: &str = "param([Parameter(Mandatory)][string]$Name, [int]$Count)\n$Name\n";

#[tokio::test]
async fn bodies_are_validated() {
    let s = Server::start("max_body_bytes = 2048\n", &[("a.ps1", SCRIPT)]).await;
    let post_raw = |body: &'static str| {
        s.req(Method::POST, "/api/v1/script/path/a.ps1", Some(&s.admin))
            .header("content-type", "application/json")
            .body(body)
    };
    let r = post_raw("{not json").send().await.unwrap();
    expect_error(r, 400, "request.body.invalid").await;
    let r = post_raw(r#"{"jobParameters": "Name"}"#)
        .send()
        .await
        .unwrap();
    let message = expect_error(r, 400, "request.body.invalid").await;
    assert!(message.contains("invalid type"), "{message}");
    let r = post_raw(r#"{"parentJobId": "seven"}"#)
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "request.body.invalid").await;
    let big = json!({"notes": "x".repeat(4096)});
    let r = s.post("/api/v1/script/path/a.ps1", big).await;
    expect_error(r, 413, "request.too_large").await;
    let r = s
        .post(
            "/api/v1/job/1/feedback",
            json!({"response": "y".repeat(4096)}),
        )
        .await;
    expect_error(r, 413, "request.too_large").await;
}

#[tokio::test]
async fn parameters_are_checked_against_the_script() {
    let s = Server::start("", &[("a.ps1", SCRIPT)]).await;
    let r = s.post("/api/v1/script/path/a.ps1", json!({})).await;
    let message = expect_error(r, 400, "script.parameters.invalid").await;
    assert!(
        message.contains("missing mandatory parameter \"Name\"")
            && message.contains("Count [System.Int32]"),
        "{message}"
    );
    let r = s
        .post("/api/v1/script/path/a.ps1?Name=x&Bogus=1", json!({}))
        .await;
    let message = expect_error(r, 400, "script.parameters.invalid").await;
    assert!(
        message.contains("Bogus") && message.contains("*Name [System.String]"),
        "{message}"
    );
    let r = s
        .post(
            "/api/v1/script/path/a.ps1?Name=x",
            json!({"environment": "nope"}),
        )
        .await;
    expect_error(r, 400, "environment.unknown").await;
    let r = s
        .post(
            "/api/v1/script/path/a.ps1?Name=x",
            json!({"credential": "nope"}),
        )
        .await;
    expect_error(r, 400, "credential.unknown").await;
    let r = s
        .post(
            "/api/v1/script/path/a.ps1?Name=x",
            json!({"parentJobId": 4242}),
        )
        .await;
    expect_error(r, 400, "job.parent.unknown").await;
    // A parameter sent as a body field would be dropped: it is refused with where it goes.
    // Other unknown fields are ignored, as PSU ignores them.
    let r = s
        .post("/api/v1/script/path/a.ps1?Name=x", json!({"count": 5}))
        .await;
    let message = expect_error(r, 400, "script.parameters.invalid").await;
    assert!(
        message.contains("\"count\"") && message.contains("jobParameters"),
        "{message}"
    );
    let r = s
        .post(
            "/api/v1/script/path/a.ps1?Name=x",
            json!({"computerName": "x"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    // PascalCase JobContext and an empty body are both accepted.
    let r = s
        .post(
            "/api/v1/script/path/a.ps1",
            json!({"JobParameters": [{"Name": "name", "Value": "v"}], "Notes": "n"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let id: i64 = r.text().await.unwrap().parse().unwrap();
    let job = s.get_json(&format!("/api/v1/job/{id}")).await;
    assert_eq!(job["notes"], "n");
    assert_eq!(
        job["parameters"],
        json!([{"name": "Name", "value": "v", "isVariable": false, "type": "System.String"}])
    );
    let r = s
        .req(
            Method::POST,
            "/api/v1/script/path/a.ps1?Name=q",
            Some(&s.admin),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "no body at all");
}

#[tokio::test]
async fn unknown_and_malformed_job_ids() {
    let s = Server::start("", &[]).await;
    for suffix in [
        "",
        "/log",
        "/output",
        "/pipelineOutput",
        "/parameters",
        "/feedback",
        "/children",
    ] {
        expect_error(
            s.get(&format!("/api/v1/job/77{suffix}")).await,
            404,
            "job.not_found",
        )
        .await;
        expect_error(
            s.get(&format!("/api/v1/job/abc{suffix}")).await,
            400,
            "job.id.invalid",
        )
        .await;
        let guid = "0d2b34ff-43ce-4b0e-9b8c-3f3a1f8b1d00";
        expect_error(
            s.get(&format!("/api/v1/job/{guid}{suffix}")).await,
            404,
            "job.not_found",
        )
        .await;
    }
    expect_error(
        s.post("/api/v1/job/77/cancel", json!({})).await,
        404,
        "job.not_found",
    )
    .await;
    expect_error(
        s.post("/api/v1/job/77/feedback", json!({"response": "x"}))
            .await,
        404,
        "job.not_found",
    )
    .await;
    let r = s.get("/api/v1/job?status=banana").await;
    expect_error(r, 400, "request.query.invalid").await;
    let r = s.get("/api/v1/job?status=42").await;
    expect_error(r, 400, "request.query.invalid").await;
    let r = s.get("/api/v1/job?orderBy=Nope").await;
    expect_error(r, 400, "request.query.invalid").await;
    for query in ["take=-1", "skip=-5"] {
        let r = s.get(&format!("/api/v1/job?{query}")).await;
        let why = expect_error(r, 400, "request.query.invalid").await;
        assert!(why.ends_with("is negative"), "{why}");
    }
}

#[tokio::test]
async fn run_id_mode_hides_numeric_ids() {
    let s = Server::start("job_run_id = true\n", &[("a.ps1", "'hi'")]).await;
    let r = s.post("/api/v1/script/path/a.ps1", json!({})).await;
    assert_eq!(r.status(), 200);
    let run_id: Value = r.json().await.unwrap();
    let run_id = run_id
        .as_str()
        .expect("a run id string in Job Run ID mode")
        .to_string();
    let job = s.get_json(&format!("/api/v1/job/{run_id}")).await;
    assert_eq!(job["runId"], run_id.as_str());
    let numeric = job["id"].as_i64().unwrap();
    for suffix in ["", "/output", "/log", "/parameters", "/pipelineOutput"] {
        expect_error(
            s.get(&format!("/api/v1/job/{numeric}{suffix}")).await,
            404,
            "job.not_found",
        )
        .await;
        assert_eq!(
            s.get(&format!("/api/v1/job/{run_id}{suffix}"))
                .await
                .status(),
            200,
            "{suffix}"
        );
    }
}
