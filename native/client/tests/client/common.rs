//! Helpers shared by the tests: a mock server and a client pointed at it.

use std::time::Duration;

use client::{Client, Connection};
use wiremock::MockServer;

pub const TOKEN: &str = "test-token";

pub fn connection(base_url: &str) -> Connection {
    Connection {
        timeout: Duration::from_secs(5),
        ..Connection::new(base_url).with_app_token(TOKEN)
    }
}

pub async fn server_and_client() -> (MockServer, Client) {
    let server = MockServer::start().await;
    let client = Client::new(connection(&server.uri())).expect("client");
    (server, client)
}

/// The one request the server received.
pub async fn only_request(server: &MockServer) -> wiremock::Request {
    let mut requests = server.received_requests().await.expect("recording on");
    assert_eq!(requests.len(), 1, "requests: {requests:?}");
    requests.remove(0)
}
