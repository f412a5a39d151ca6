//! Turns one channel request into a call of the REST router, as the job's identity: every
//! route, rule and error of the REST API applies unchanged, and a job started from a job is
//! recorded as its child.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::Value;
use tower::ServiceExt;

use crate::api::CallingJob;
use crate::auth::Caller;

/// A request as it came off the channel.
pub struct Call {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub accept: String,
    pub body: Vec<u8>,
}

/// The status and body the router answered, the body as the route produces it (a job's
/// pipeline document is read from the store page by page while it is sent).
pub struct Answer {
    pub status: u16,
    pub body: Body,
}

impl Answer {
    /// An answer in the REST API's error shape (`{id, message}`).
    pub fn error(status: StatusCode, id: &str, message: impl Into<String>) -> Self {
        Answer {
            status: status.as_u16(),
            body: Body::from(error_body(id, message)),
        }
    }

    /// The whole body, for an answer read here rather than sent on (a job, a few KB).
    pub async fn whole(self) -> (u16, Vec<u8>) {
        match axum::body::to_bytes(self.body, model::integrated::MAX_FRAME_BYTES).await {
            Ok(bytes) => (self.status, bytes.to_vec()),
            Err(e) => (
                StatusCode::INTERNAL_SERVER_ERROR.as_u16(),
                error_body(
                    "ipc.response.failed",
                    format!("cannot read the answer: {e}"),
                )
                .into(),
            ),
        }
    }
}

/// The REST API's error shape, `{id, message}`.
pub fn error_body(id: &str, message: impl Into<String>) -> String {
    serde_json::json!({ "id": id, "message": message.into() }).to_string()
}

/// Runs `call` through `router` as `caller`, on behalf of job `job_id`.
pub async fn dispatch(router: &Router, caller: &Caller, job_id: i64, call: Call) -> Answer {
    let method = match call.method.to_ascii_uppercase().as_str() {
        "GET" => Method::GET,
        "POST" => Method::POST,
        "DELETE" => Method::DELETE,
        other => {
            return Answer::error(
                StatusCode::METHOD_NOT_ALLOWED,
                "ipc.method.invalid",
                format!("method {other:?} is not one the API uses"),
            );
        }
    };
    let starts_job = method == Method::POST && call.path.starts_with("script/");
    let body = if starts_job {
        match with_parent(&call.body, job_id) {
            Ok(body) => body,
            Err(message) => {
                return Answer::error(StatusCode::BAD_REQUEST, "request.body.invalid", message);
            }
        }
    } else {
        call.body
    };
    let mut uri = format!("/api/v1/{}", call.path.trim_start_matches('/'));
    if !call.query.is_empty() {
        uri.push('?');
        uri.push_str(&encode_query(&call.query));
    }
    let accept = if call.accept.eq_ignore_ascii_case("clixml") {
        "application/clixml"
    } else {
        "application/json"
    };
    let mut builder = Request::builder()
        .method(method)
        .uri(&uri)
        .header(header::ACCEPT, accept);
    if !body.is_empty() {
        builder = builder.header(header::CONTENT_TYPE, "application/json");
    }
    let Ok(mut request) = builder.body(Body::from(body)) else {
        return Answer::error(
            StatusCode::BAD_REQUEST,
            "ipc.path.invalid",
            format!("{:?} is not a valid API path", call.path),
        );
    };
    // The identity the REST auth layer would have put here from an app token.
    request.extensions_mut().insert(caller.clone());
    request.extensions_mut().insert(CallingJob);
    let response = match router.clone().oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    Answer {
        status: response.status().as_u16(),
        body: response.into_body(),
    }
}

/// A job-start body with `parentJobId` set to the calling job, whatever the caller sent: a
/// job cannot claim another parent.
fn with_parent(body: &[u8], job_id: i64) -> Result<Vec<u8>, String> {
    let mut context = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(serde_json::Map::new())
    } else {
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?
    };
    let Value::Object(fields) = &mut context else {
        return Err("the body must be a JSON object (a JobContext)".into());
    };
    fields.retain(|k, _| !k.eq_ignore_ascii_case("parentJobId"));
    fields.insert("parentJobId".into(), Value::from(job_id));
    Ok(context.to_string().into_bytes())
}

/// `application/x-www-form-urlencoded` query text: everything but unreserved characters is
/// percent-encoded.
fn encode_query(pairs: &[(String, String)]) -> String {
    let encode = |text: &str| {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parent_is_always_the_calling_job() {
        let body = with_parent(br#"{"notes":"x","ParentJobId":99}"#, 7).unwrap();
        let value: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(value["parentJobId"], 7);
        assert_eq!(value["notes"], "x");
        assert!(value.get("ParentJobId").is_none());
        let empty: Value = serde_json::from_slice(&with_parent(b"", 3).unwrap()).unwrap();
        assert_eq!(empty["parentJobId"], 3);
        assert!(with_parent(b"[1]", 3).is_err());
        assert!(with_parent(b"{", 3).is_err());
    }

    #[test]
    fn query_values_are_encoded() {
        let query = [("name".to_string(), "a b&c=d/é".to_string())];
        assert_eq!(encode_query(&query), "name=a%20b%26c%3Dd%2F%C3%A9");
    }
}
