use client::JobRef;
use client::model::{JobContext, JobParameter};
use serde_json::json;
use uuid::Uuid;
use wiremock::matchers::{bearer_token, body_json, header, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::{TOKEN, server_and_client};

fn context() -> JobContext {
    JobContext {
        environment: Some("pwsh".into()),
        notes: Some("from a test".into()),
        tags: vec!["t1".into()],
        parent_job_id: Some(3),
        job_parameters: vec![JobParameter {
            name: "Count".into(),
            value: json!(5),
            type_name: Some("System.Int32".into()),
            ..JobParameter::default()
        }],
        ..JobContext::default()
    }
}

#[tokio::test]
async fn runs_by_id_posting_the_job_context() {
    let (server, client) = server_and_client().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/script/5"))
        .and(bearer_token(TOKEN))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "environment": "pwsh",
            "notes": "from a test",
            "tags": ["t1"],
            "parentJobId": 3,
            "jobParameters": [{"name": "Count", "value": 5, "isVariable": false, "type": "System.Int32"}]
        })))
        .respond_with(ResponseTemplate::new(200).set_body_string("42"))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client.run_script(5, &context()).await.unwrap(),
        JobRef::Id(42)
    );
}

#[tokio::test]
async fn runs_by_path_and_reads_psu_and_run_id_answers() {
    let (server, client) = server_and_client().await;
    let run_id = Uuid::from_u128(0x1234);
    Mock::given(method("POST"))
        .and(path("/api/v1/script/path/Ops/Deploy.ps1"))
        .and(body_json(json!({"jobParameters": []})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 8, "status": 0})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/script/path/Ops/Deploy.ps1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!(run_id.to_string())))
        .mount(&server)
        .await;
    let default = JobContext::default();
    assert_eq!(
        client
            .run_script_path("Ops/Deploy.ps1", &default)
            .await
            .unwrap(),
        JobRef::Id(8)
    );
    assert_eq!(
        client
            .run_script_path("/Ops/Deploy.ps1", &default)
            .await
            .unwrap(),
        JobRef::RunId(run_id)
    );
}

#[tokio::test]
async fn invalid_parameters_pass_the_server_error_through() {
    let (server, client) = server_and_client().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/script/5"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "id": "script.parameters.invalid",
            "message": "Unknown parameter Nope. Parameters for this script are Count"
        })))
        .mount(&server)
        .await;
    let err = client.run_script(5, &context()).await.unwrap_err();
    assert_eq!(err.id(), "BadRequest");
    assert_eq!(err.server_id(), Some("script.parameters.invalid"));
    assert_eq!(
        err.to_string(),
        "Unknown parameter Nope. Parameters for this script are Count"
    );
}
