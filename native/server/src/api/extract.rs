//! Extractors whose rejections are our JSON errors (axum's own answer in plain text).

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::Failure;

/// A JSON body that may also be empty (PSU accepts an empty body for "no context"). Over
/// the size limit it is 413; malformed or mistyped JSON is 400 naming the problem.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for Body<T> {
    type Rejection = Failure;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|r| {
            if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Failure::new(
                    r.status(),
                    "request.too_large",
                    "the request body is too large",
                )
            } else {
                Failure::bad_request("request.body.unreadable", r.body_text())
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Body(T::default()));
        }
        serde_json::from_slice(&bytes).map(Body).map_err(|e| {
            Failure::bad_request("request.body.invalid", format!("invalid JSON body: {e}"))
        })
    }
}

/// A query string; a value of the wrong type is 400.
pub struct Q<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Q<T> {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| Q(q))
            .map_err(|e| Failure::bad_request("request.query.invalid", e.body_text()))
    }
}
