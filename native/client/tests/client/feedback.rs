use client::JobRef;
use client::model::{FeedbackKind, FeedbackResponse};
use serde_json::json;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::server_and_client;

#[tokio::test]
async fn reads_a_pending_prompt() {
    let (server, client) = server_and_client().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/job/3/feedback"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "jobId": 3, "id": 1, "kind": 2, "message": "Continue?",
            "choices": [{"label": "&Yes"}, {"label": "&No", "helpMessage": "stop"}], "defaultChoice": 1
        })))
        .mount(&server)
        .await;
    let prompt = client
        .feedback(JobRef::Id(3))
        .await
        .unwrap()
        .expect("a prompt");
    assert_eq!(prompt.kind, FeedbackKind::Choice);
    assert_eq!(prompt.choices[1].help_message.as_deref(), Some("stop"));
    assert_eq!(prompt.default_choice, Some(1));
}

#[tokio::test]
async fn no_pending_prompt_is_none_but_a_missing_job_is_an_error() {
    let (server, client) = server_and_client().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/job/3/feedback"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"id": "job.feedback.none", "message": "not waiting"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/job/4/feedback"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"id": "job.not_found", "message": "no job 4"})),
        )
        .mount(&server)
        .await;
    assert_eq!(client.feedback(JobRef::Id(3)).await.unwrap(), None);
    let err = client.feedback(JobRef::Id(4)).await.unwrap_err();
    assert_eq!(
        (err.id(), err.server_id()),
        ("FeedbackNotFound", Some("job.not_found"))
    );
}

#[tokio::test]
async fn answers_post_the_response_body() {
    let (server, client) = server_and_client().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/job/3/feedback"))
        .and(body_json(json!({"response": "Ada"})))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/job/3/feedback"))
        .and(body_json(json!({"choice": 1})))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let text = FeedbackResponse {
        response: Some("Ada".into()),
        ..FeedbackResponse::default()
    };
    client.answer_feedback(JobRef::Id(3), &text).await.unwrap();
    let choice = FeedbackResponse {
        choice: Some(1),
        ..FeedbackResponse::default()
    };
    client
        .answer_feedback(JobRef::Id(3), &choice)
        .await
        .unwrap();
}
