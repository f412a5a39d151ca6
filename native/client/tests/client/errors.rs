use std::time::{Duration, Instant};

use client::{Client, Connection, JobRef};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{connection, server_and_client};

async fn answering(status: u16, body: serde_json::Value) -> (MockServer, Client) {
    let (server, client) = server_and_client().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    (server, client)
}

#[tokio::test]
async fn status_codes_map_to_stable_ids() {
    let cases = [
        (401, "Unauthorized"),
        (403, "Forbidden"),
        (409, "ServerError"),
        (429, "ServerError"),
        (500, "ServerError"),
    ];
    for (status, id) in cases {
        let (_server, client) =
            answering(status, json!({"id": "x.y", "message": "told you"})).await;
        let err = client.job(JobRef::Id(1)).await.unwrap_err();
        assert_eq!((err.id(), err.status()), (id, Some(status)), "{status}");
        assert!(err.to_string().contains("told you"), "{err}");
    }
    // Our server's "the job has ended" (a cancel that came too late) is named apart.
    let (_server, client) = answering(
        409,
        json!({"id": "job.finished", "message": "job 1 has already finished"}),
    )
    .await;
    let err = client.job(JobRef::Id(1)).await.unwrap_err();
    assert_eq!(err.id(), "JobFinished");
}

#[tokio::test]
async fn not_found_names_the_job_or_the_script() {
    let (_server, client) = answering(404, json!({"id": "job.not_found", "message": "gone"})).await;
    let err = client.job(JobRef::Id(77)).await.unwrap_err();
    assert_eq!(err.id(), "JobNotFound");
    assert_eq!(err.to_string(), "job 77 was not found: gone");
    let err = client.script(5).await.unwrap_err();
    assert_eq!(err.id(), "ScriptNotFound");
}

#[tokio::test]
async fn a_body_that_is_not_the_expected_json_is_a_bad_response() {
    let (server, client) = server_and_client().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/job/1"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>login</html>"))
        .mount(&server)
        .await;
    let err = client.job(JobRef::Id(1)).await.unwrap_err();
    assert_eq!(err.id(), "BadResponse");
    assert!(err.to_string().contains("<html>login"), "{err}");
}

#[tokio::test]
async fn a_closed_port_is_unreachable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::new(connection(&url)).unwrap();
    let err = client.scripts().await.unwrap_err();
    assert_eq!(err.id(), "ServerUnreachable");
    assert!(err.to_string().contains(&url), "{err}");
}

#[tokio::test]
async fn a_slow_answer_is_a_request_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([]))
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let client = Client::new(Connection {
        timeout: Duration::from_millis(300),
        ..connection(&server.uri())
    })
    .unwrap();
    let started = Instant::now();
    let err = client.scripts().await.unwrap_err();
    assert_eq!(err.id(), "RequestTimeout");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_bad_address_or_token_is_an_invalid_argument() {
    for url in ["not a url", "ftp://host", "http://"] {
        let err = Client::new(connection(url)).unwrap_err();
        assert_eq!(err.id(), "InvalidArgument", "{url}");
    }
    let err =
        Client::new(Connection::new("http://localhost").with_app_token("bad\ntoken")).unwrap_err();
    assert_eq!(err.id(), "InvalidArgument");
}

#[tokio::test]
async fn no_token_sends_no_authorization_header() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let client = Client::new(Connection::new(server.uri())).unwrap();
    client.scripts().await.unwrap();
    let requests = server.received_requests().await.unwrap();
    assert!(requests[0].headers.get("authorization").is_none());
}

#[tokio::test]
async fn a_base_path_is_kept() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/psu/api/v1/script"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::new(connection(&format!("{}/psu/", server.uri()))).unwrap();
    client.scripts().await.unwrap();
}
