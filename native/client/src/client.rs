//! [`Client`]: the connection to one server, and the one place responses become values or
//! typed errors. The calls themselves live in `scripts.rs`, `jobs.rs`, `run.rs`,
//! `feedback.rs` and `wait.rs`.

use std::sync::Arc;

use bytes::Bytes;
use futures::TryStreamExt;
use serde::de::DeserializeOwned;

use crate::connection::Connection;
use crate::error::{Error, Resource, Result};
use crate::http::HttpTransport;
use crate::transport::{ApiRequest, ApiResponse, BodyStream, Transport};

/// A client of one server. Cheap to clone (an `Arc`) and safe to share between threads; every
/// clone reuses the same connection pool.
#[derive(Debug, Clone)]
pub struct Client {
    pub(crate) transport: Arc<dyn Transport>,
}

impl Client {
    /// A client over HTTP(S).
    pub fn new(connection: Connection) -> Result<Self> {
        Ok(Self::with_transport(Arc::new(HttpTransport::new(
            &connection,
        )?)))
    }

    /// A client over any transport (the integrated channel, a test double).
    pub fn with_transport(transport: Arc<dyn Transport>) -> Self {
        Self { transport }
    }

    /// Sends a request and turns a non-success status into its typed error. `resource` names
    /// what a 404 means for this call.
    pub(crate) async fn send(
        &self,
        request: ApiRequest,
        resource: Resource,
    ) -> Result<ApiResponse> {
        let response = self.transport.send(request).await?;
        if (200..300).contains(&response.status) {
            Ok(response)
        } else {
            Err(status_error(&response, resource))
        }
    }

    /// [`Client::send`] with a successful answer's body handed over as it arrives (an error's
    /// is read whole, to map it).
    pub(crate) async fn send_streamed(
        &self,
        request: ApiRequest,
        resource: Resource,
    ) -> Result<BodyStream> {
        let response = self.transport.send_streamed(request).await?;
        if (200..300).contains(&response.status) {
            return Ok(response.body);
        }
        let status = response.status;
        let body: Vec<Bytes> = response.body.try_collect().await?;
        Err(status_error(
            &ApiResponse {
                status,
                body: body.concat(),
            },
            resource,
        ))
    }

    /// Sends a request and reads its JSON answer.
    pub(crate) async fn json<T: DeserializeOwned>(
        &self,
        request: ApiRequest,
        resource: Resource,
    ) -> Result<T> {
        let path = request.path.clone();
        let response = self.send(request, resource).await?;
        parse_json(&response.body, &path)
    }
}

pub(crate) fn parse_json<T: DeserializeOwned>(body: &[u8], path: &str) -> Result<T> {
    serde_json::from_slice(body)
        .map_err(|e| Error::BadResponse(format!("{path}: {e} (body starts {:?})", preview(body))))
}

/// The error body of our server (`{id, message}`), or of ASP.NET (PSU: `{title, detail}`
/// problem details), or anything else, read as leniently as possible.
#[derive(Default, serde::Deserialize)]
#[serde(default)]
struct ErrorBody {
    #[serde(alias = "Id")]
    id: Option<String>,
    #[serde(alias = "Message")]
    message: Option<String>,
    title: Option<String>,
    detail: Option<String>,
}

pub(crate) fn status_error(response: &ApiResponse, resource: Resource) -> Error {
    let body: ErrorBody = serde_json::from_slice(&response.body).unwrap_or_default();
    let server_id = body.id.filter(|id| !id.is_empty());
    let message = body
        .message
        .or(body.detail)
        .or(body.title)
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| {
            let text = preview(&response.body);
            if text.trim().is_empty() {
                format!("HTTP {}", response.status)
            } else {
                text
            }
        });
    match response.status {
        400 => Error::BadRequest { server_id, message },
        401 => Error::Unauthorized { message },
        403 => Error::Forbidden { message },
        404 => Error::NotFound {
            resource,
            server_id,
            message,
        },
        status => Error::Server {
            status,
            server_id,
            message,
        },
    }
}

/// The start of a body, for error messages: enough to recognise an HTML login page or a proxy's
/// error without flooding the console.
fn preview(body: &[u8]) -> String {
    const LIMIT: usize = 200;
    let text = String::from_utf8_lossy(&body[..body.len().min(LIMIT)]);
    text.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> ApiResponse {
        ApiResponse {
            status,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn our_error_body_is_passed_through() {
        let err = status_error(
            &response(
                400,
                r#"{"id":"script.parameters.invalid","message":"Unknown parameter X"}"#,
            ),
            Resource::Script("1".into()),
        );
        assert_eq!(err.id(), "BadRequest");
        assert_eq!(err.server_id(), Some("script.parameters.invalid"));
        assert_eq!(err.to_string(), "Unknown parameter X");
    }

    #[test]
    fn problem_details_and_plain_text_bodies() {
        let err = status_error(
            &response(404, r#"{"title":"Not Found","status":404}"#),
            Resource::Job("9".into()),
        );
        assert_eq!(err.id(), "JobNotFound");
        assert_eq!(err.to_string(), "job 9 was not found: Not Found");
        let err = status_error(
            &response(502, "<html>Bad gateway</html>"),
            Resource::Route("x".into()),
        );
        assert_eq!((err.id(), err.status()), ("ServerError", Some(502)));
        assert!(err.to_string().contains("Bad gateway"));
        let err = status_error(&response(401, ""), Resource::Route("x".into()));
        assert_eq!(
            err.to_string(),
            "the server refused the credentials (401): HTTP 401"
        );
    }
}
