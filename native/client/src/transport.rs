//! The seam between the API calls and the wire. The calls build an [`ApiRequest`] and read an
//! [`ApiResponse`]; HTTP is one [`Transport`], and the integrated channel (a local socket to
//! the job server) will be another carrying the same requests, so every call and every error
//! mapping is written once.

use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use futures::stream::{BoxStream, StreamExt};
use model::integrated::WatchEvent;

use crate::error::Result;
use crate::job_ref::JobRef;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Delete,
}

/// What the caller wants back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Accept {
    #[default]
    Json,
    /// `application/clixml`: one CliXml document (pipeline output).
    CliXml,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApiRequest {
    pub method: Method,
    /// Below `/api/v1/`, each segment already percent-encoded (`job/5/output`).
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<serde_json::Value>,
    pub accept: Accept,
    /// How long the server may legitimately hold the request (a long-poll's `wait`): added to
    /// the transport's own timeout so a long-poll is not mistaken for a dead server.
    pub hold: Duration,
}

impl ApiRequest {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            accept: Accept::Json,
            hold: Duration::ZERO,
        }
    }

    /// Adds every field of a query struct (model's `JobQuery`, `OutputQuery`) that is set.
    pub fn query_from(mut self, query: &impl serde::Serialize) -> Self {
        if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(query) {
            for (key, value) in fields {
                match value {
                    serde_json::Value::Null => {}
                    serde_json::Value::String(text) => self.query.push((key, text)),
                    other => self.query.push((key, other.to_string())),
                }
            }
        }
        self
    }

    pub fn body(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }
}

/// A response of any status: mapping statuses to errors is the caller's job, shared by all
/// transports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

/// A response body as it arrives, chunk by chunk.
pub type BodyStream = BoxStream<'static, Result<Bytes>>;

/// A response whose body is read as it arrives: a job's pipeline document may be larger than a
/// client should hold at once, and its first objects are wanted before its last arrive.
pub struct StreamedResponse {
    pub status: u16,
    pub body: BodyStream,
}

/// Carries requests to a server. Errors are only the ones below HTTP semantics: unreachable,
/// TLS, timeout, a broken body.
pub trait Transport: Send + Sync + std::fmt::Debug {
    fn send(&self, request: ApiRequest) -> BoxFuture<'_, Result<ApiResponse>>;

    /// [`Transport::send`] with the body handed over as it arrives. By default it is read
    /// whole first, for transports whose answers come in one piece.
    fn send_streamed(&self, request: ApiRequest) -> BoxFuture<'_, Result<StreamedResponse>> {
        Box::pin(async move {
            let response = self.send(request).await?;
            let body = Bytes::from(response.body);
            Ok(StreamedResponse {
                status: response.status,
                body: futures::stream::iter([Ok(body)]).boxed(),
            })
        })
    }

    /// The job's events as the server pushes them (records after `after`, job changes,
    /// prompts), ending after the job's final state; `None` when the transport cannot push
    /// (HTTP), and waiters poll instead.
    fn watch(
        &self,
        _job: JobRef,
        _after: Option<i64>,
    ) -> Option<BoxStream<'_, Result<WatchEvent>>> {
        None
    }
}
