use bytes::Bytes;
use client::clixml::{Member, Value};
use client::model::{JobQuery, JobStatus, OrderBy, OrderDirection, OutputQuery, OutputType};
use client::{Client, JobRef, PipelineObjects};
use futures::TryStreamExt;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, ResponseTemplate};

use crate::common::{connection, only_request, server_and_client};

#[tokio::test]
async fn lists_jobs_with_every_filter_in_the_query() {
    let (server, client) = server_and_client().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/job"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "page": [{"id": 3, "status": 1}, {"id": 2, "status": 2}], "total": 17
        })))
        .mount(&server)
        .await;
    let query = JobQuery {
        take: Some(2),
        skip: Some(4),
        order_by: Some(OrderBy::StartTime),
        order_direction: Some(OrderDirection::Ascending),
        status: Some(JobStatus::Running.as_i32()),
        script_id: Some(9),
        parent_job_id: Some(1),
        ..JobQuery::default()
    };
    let page = client.jobs(&query).await.unwrap();
    assert_eq!((page.page.len(), page.total), (2, 17));
    assert_eq!(page.page[0].status, JobStatus::Running);
    let request = only_request(&server).await;
    let mut pairs: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
    pairs.sort();
    let expected = [
        ("orderBy", "StartTime"),
        ("orderDirection", "Ascending"),
        ("parentJobId", "1"),
        ("scriptId", "9"),
        ("skip", "4"),
        ("status", "1"),
        ("take", "2"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(pairs, expected);
}

#[tokio::test]
async fn a_bare_array_of_jobs_is_one_page() {
    let (server, client) = server_and_client().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/job"))
        .and(query_param_is_missing("take"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([{"id": 1}, {"id": 2}, {"id": 3}])),
        )
        .mount(&server)
        .await;
    let page = client.jobs(&JobQuery::default()).await.unwrap();
    assert_eq!((page.page.len(), page.total), (3, 3));
}

#[tokio::test]
async fn gets_a_job_by_id_or_run_id() {
    let (server, client) = server_and_client().await;
    let run_id = Uuid::from_u128(0xfeed);
    let job = json!({"id": 12, "runId": run_id, "status": 4, "scriptFullPath": "a.ps1",
        "createdTime": "2025-03-01T10:00:00.1234567", "activity": "Copying"});
    Mock::given(method("GET"))
        .and(path("/api/v1/job/12"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&job))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/job/{run_id}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(&job))
        .mount(&server)
        .await;
    let by_id = client.job(JobRef::Id(12)).await.unwrap();
    assert_eq!(by_id.status, JobStatus::WaitingOnFeedback);
    assert_eq!(by_id.activity.as_deref(), Some("Copying"));
    assert!(by_id.created_time.is_some());
    assert_eq!(client.job(JobRef::RunId(run_id)).await.unwrap(), by_id);
}

#[tokio::test]
async fn reads_the_log() {
    let (server, client) = server_and_client().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/job/3/log"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"log": "[information] hi\n"})),
        )
        .mount(&server)
        .await;
    assert_eq!(
        client.job_log(JobRef::Id(3)).await.unwrap(),
        "[information] hi\n"
    );
}

#[tokio::test]
async fn reads_output_after_a_record_and_psu_records() {
    let (server, client) = server_and_client().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/job/3/output"))
        .and(query_param("after", "10"))
        .and(query_param("take", "2"))
        .and(query_param_is_missing("wait"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": 11, "type": 3, "message": "careful", "timestamp": "2025-01-01T00:00:00Z"},
            {"id": 12, "type": 4, "message": null, "data": "PSU text", "errorId": "E"}
        ])))
        .mount(&server)
        .await;
    let query = OutputQuery {
        after: Some(10),
        take: Some(2),
        wait: None,
    };
    let records = client.job_output(JobRef::Id(3), &query).await.unwrap();
    assert_eq!(records[0].output_type, OutputType::Warning);
    assert_eq!(records[1].message, "PSU text");
    assert_eq!(records[1].error_id.as_deref(), Some("E"));
}

#[tokio::test]
async fn pipeline_output_as_clixml_and_deleted() {
    let (server, client) = server_and_client().await;
    let document = "<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><I32>5</I32></Objs>";
    Mock::given(method("GET"))
        .and(path("/api/v1/job/3/pipelineOutput"))
        .and(header("accept", "application/clixml"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(document, "application/clixml"))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v1/job/3/pipelineOutput"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let PipelineObjects::Document(body) = client.pipeline_objects(JobRef::Id(3)).await.unwrap()
    else {
        panic!("not taken as a CliXml document")
    };
    let chunks: Vec<Bytes> = body.try_collect().await.unwrap();
    assert_eq!(chunks.concat(), document.as_bytes());
    client.delete_pipeline_output(JobRef::Id(3)).await.unwrap();
}

#[tokio::test]
async fn a_blank_pipeline_answer_holds_no_objects() {
    let (server, client) = server_and_client().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/job/3/pipelineOutput"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(" \r\n", "application/clixml"))
        .mount(&server)
        .await;
    let PipelineObjects::Values(values) = client.pipeline_objects(JobRef::Id(3)).await.unwrap()
    else {
        panic!("a blank answer taken as a document")
    };
    assert!(values.is_empty());
}

/// The document is handed over as it arrives: its first part is there while the server has
/// not sent the rest (which it sends only once the test has read that first part).
#[tokio::test]
async fn a_pipeline_document_streams_as_it_arrives() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (first_read, wait_for_read) = tokio::sync::oneshot::channel::<()>();
    let head = "<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><S>first</S>";
    let tail = "<S>second</S></Objs>";
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await.unwrap();
        let headers = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/clixml\r\nContent-Length: {}\r\n\r\n",
            head.len() + tail.len()
        );
        socket.write_all(headers.as_bytes()).await.unwrap();
        socket.write_all(head.as_bytes()).await.unwrap();
        socket.flush().await.unwrap();
        wait_for_read.await.unwrap();
        socket.write_all(tail.as_bytes()).await.unwrap();
    });
    let client = Client::new(connection(&format!("http://{address}"))).unwrap();
    let PipelineObjects::Document(mut body) = client.pipeline_objects(JobRef::Id(3)).await.unwrap()
    else {
        panic!("not taken as a CliXml document")
    };
    let mut received = Vec::new();
    while received.len() < head.len() {
        received.extend_from_slice(&body.try_next().await.unwrap().unwrap());
    }
    assert_eq!(received, head.as_bytes());
    first_read.send(()).unwrap();
    while let Some(chunk) = body.try_next().await.unwrap() {
        received.extend_from_slice(&chunk);
    }
    assert_eq!(received, format!("{head}{tail}").as_bytes());
    server.await.unwrap();
}

#[tokio::test]
async fn parameters_and_children_from_their_routes() {
    let (server, client) = server_and_client().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/job/3/parameters"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"name": "Password", "value": "*****", "type": "System.Security.SecureString", "isVariable": false}
        ])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/job/3/children"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([{"id": 4, "parentJobId": 3}])),
        )
        .mount(&server)
        .await;
    let parameters = client.job_parameters(JobRef::Id(3)).await.unwrap();
    assert_eq!(parameters[0].value, json!("*****"));
    let children = client.job_children(JobRef::Id(3)).await.unwrap();
    assert_eq!(children[0].parent_job_id, Some(3));
}

#[tokio::test]
async fn parameters_and_children_fall_back_on_a_server_without_the_routes() {
    let (server, client) = server_and_client().await;
    // A PSU has neither route: its 404 carries no error id of ours.
    Mock::given(method("GET"))
        .and(path("/api/v1/job/3"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 3, "parameters": [{"Name": "N", "Value": "1"}]
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/job"))
        .and(query_param("parentJobId", "3"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"page": [{"id": 5, "parentJobId": 3}], "total": 1})),
        )
        .mount(&server)
        .await;
    let parameters = client.job_parameters(JobRef::Id(3)).await.unwrap();
    assert_eq!(parameters[0].name, "N");
    let children = client.job_children(JobRef::Id(3)).await.unwrap();
    assert_eq!(children[0].id, 5);
}

#[tokio::test]
async fn a_missing_job_is_not_confused_with_a_missing_route() {
    let (server, client) = server_and_client().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/job/3/parameters"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"id": "job.not_found", "message": "job 3 does not exist"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client.job_parameters(JobRef::Id(3)).await.unwrap_err();
    assert_eq!(err.id(), "JobNotFound");
    assert_eq!(err.server_id(), Some("job.not_found"));
}

#[tokio::test]
async fn cancel_posts_to_the_cancel_route() {
    let (server, client) = server_and_client().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/job/3/cancel"))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&server)
        .await;
    client.cancel_job(JobRef::Id(3)).await.unwrap();
}

/// A real PSU answers `Accept: application/clixml` with its JSON records, which hold
/// `jsonData`; records holding CliXml fragments, as ours do, are read too.
#[tokio::test]
async fn pipeline_objects_from_json_records_are_decoded_values() {
    let (server, client) = server_and_client().await;
    // As `[PSSerializer]::Serialize([pscustomobject]@{Name='disk';Size=5})` writes the object.
    let fragment = r#"<Obj RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN><MS><S N="Name">disk</S><I32 N="Size">5</I32></MS></Obj>"#;
    Mock::given(method("GET"))
        .and(path("/api/v1/job/3/pipelineOutput"))
        .and(header("accept", "application/clixml"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": 1, "data": fragment},
            {"id": 2, "data": "<S>second</S>"},
            {"id": 3, "jsonData": "[{\"value\":\"from psu\"}]"}
        ])))
        .mount(&server)
        .await;
    let PipelineObjects::Values(values) = client.pipeline_objects(JobRef::Id(3)).await.unwrap()
    else {
        panic!("not decoded as JSON records")
    };
    assert_eq!(values.len(), 3);
    let Value::Object(disk) = &values[0] else {
        panic!("{values:?}")
    };
    assert_eq!(
        disk.type_names.as_deref().unwrap()[0],
        "System.Management.Automation.PSCustomObject"
    );
    assert_eq!(
        disk.extended[1],
        Member::Property("Size".into(), Value::I32(5))
    );
    assert_eq!(values[1], Value::Str("second".into()));
    assert_eq!(values[2], Value::Str("from psu".into()));
}
