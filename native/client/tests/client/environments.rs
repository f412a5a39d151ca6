use serde_json::json;
use wiremock::matchers::{bearer_token, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::{TOKEN, server_and_client};

#[tokio::test]
async fn lists_environments_in_our_shape_and_psus() {
    let (server, client) = server_and_client().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/environment"))
        .and(bearer_token(TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"name": "pwsh", "path": "/usr/bin/pwsh", "arguments": "-s", "kind": "powershell"},
            {"Id": 3, "Name": "7.4", "Path": "pwsh.exe", "Arguments": null, "Modules": []}
        ])))
        .expect(1)
        .mount(&server)
        .await;
    let environments = client.environments().await.unwrap();
    let names: Vec<&str> = environments.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["pwsh", "7.4"]);
    assert_eq!(environments[0].arguments.as_deref(), Some("-s"));
    assert_eq!(environments[1].path, "pwsh.exe");
}

#[tokio::test]
async fn a_server_without_the_route_is_not_found() {
    let (_server, client) = server_and_client().await;
    let err = client.environments().await.unwrap_err();
    assert_eq!(err.id(), "NotFound", "{err}");
}
