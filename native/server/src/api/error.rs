//! Every failure a route returns: an HTTP status and the JSON `{id, message}` body.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use model::ApiError;

use crate::engine::EngineError;
use crate::repository::PathError;
use crate::script_params::ParamsError;
use crate::store::StoreError;

#[derive(Debug)]
pub struct Failure {
    pub status: StatusCode,
    pub body: ApiError,
}

pub type ApiResult<T> = Result<T, Failure>;

impl Failure {
    pub fn new(status: StatusCode, id: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ApiError::new(id, message),
        }
    }

    pub fn bad_request(id: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, id, message)
    }

    pub fn not_found(id: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, id, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "auth.role.refused", message)
    }

    pub fn internal(message: impl std::fmt::Display) -> Self {
        tracing::error!(error = %message, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server.error",
            message.to_string(),
        )
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Self::internal(e)
    }
}

impl From<PathError> for Failure {
    fn from(e: PathError) -> Self {
        match e {
            PathError::Escapes(_) => Self::bad_request("script.path.invalid", e.to_string()),
            PathError::NotFound(_) => Self::not_found("script.not_found", e.to_string()),
        }
    }
}

impl From<ParamsError> for Failure {
    fn from(e: ParamsError) -> Self {
        match e {
            ParamsError::Syntax { .. } => Self::bad_request("script.syntax", e.to_string()),
            _ => Self::internal(e),
        }
    }
}

impl From<EngineError> for Failure {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Store(s) => s.into(),
            EngineError::NoFeedback(_) => Self::not_found("job.feedback.none", e.to_string()),
            EngineError::BadAnswer(..) => Self::bad_request("feedback.invalid", e.to_string()),
            EngineError::Finished(_) => {
                Self::new(StatusCode::CONFLICT, "job.finished", e.to_string())
            }
            EngineError::ShuttingDown => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "server.stopping",
                e.to_string(),
            ),
        }
    }
}
