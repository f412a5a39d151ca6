use serde_json::json;
use wiremock::matchers::{bearer_token, header, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::{TOKEN, only_request, server_and_client};

#[tokio::test]
async fn lists_scripts_with_the_token_and_reads_psu_shapes() {
    let (server, client) = server_and_client().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/script"))
        .and(bearer_token(TOKEN))
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": 1, "name": "a.ps1", "fullPath": "a.ps1", "tags": "x, y", "timeOut": null,
             "content": null, "isScriptDeleted": false},
            {"id": 2, "name": "b.ps1", "fullPath": "f\\b.ps1"}
        ])))
        .expect(1)
        .mount(&server)
        .await;
    let scripts = client.scripts().await.unwrap();
    assert_eq!(scripts.len(), 2);
    assert_eq!(scripts[0].tags, ["x", "y"]);
    assert_eq!(scripts[1].full_path, "f\\b.ps1");
}

#[tokio::test]
async fn gets_a_script_by_id_and_its_parameters() {
    let (server, client) = server_and_client().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/script/7"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 7, "name": "s.ps1"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/script/7/parameter"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"name": "Count", "type": "System.Int32", "mandatory": true, "position": 0,
             "validateSet": null, "defaultValue": "3"}
        ])))
        .mount(&server)
        .await;
    assert_eq!(client.script(7).await.unwrap().name, "s.ps1");
    let parameters = client.script_parameters(7).await.unwrap();
    assert_eq!(parameters[0].type_name, "System.Int32");
    assert!(parameters[0].mandatory);
    assert_eq!(parameters[0].default_value.as_deref(), Some("3"));
}

#[tokio::test]
async fn a_repository_path_is_encoded_segment_by_segment() {
    let (server, client) = server_and_client().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/script/path/Folder/My%20Script.ps1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 4})))
        .mount(&server)
        .await;
    assert_eq!(
        client
            .script_by_path("Folder/My Script.ps1")
            .await
            .unwrap()
            .id,
        4
    );
    let request = only_request(&server).await;
    assert_eq!(
        request.url.path(),
        "/api/v1/script/path/Folder/My%20Script.ps1"
    );
}

#[tokio::test]
async fn a_name_falls_back_to_searching_the_list() {
    let (server, client) = server_and_client().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/script/path/Deploy.ps1"))
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/script"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": 1, "name": "Other.ps1", "fullPath": "Other.ps1"},
            {"id": 9, "name": "Deploy.ps1", "fullPath": "Ops\\Deploy.ps1"}
        ])))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(client.script_by_name("Deploy.ps1").await.unwrap().id, 9);
}

#[tokio::test]
async fn an_unknown_name_is_script_not_found() {
    let (server, client) = server_and_client().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/script/path/Nope.ps1"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"id": "script.not_found", "message": "no"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/script"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let err = client.script_by_name("Nope.ps1").await.unwrap_err();
    assert_eq!(err.id(), "ScriptNotFound");
    assert!(err.to_string().contains("Nope.ps1"), "{err}");
}
