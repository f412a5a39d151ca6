//! The JSON error body every failing route answers with.

use serde::{Deserialize, Serialize};

/// `{"id": "<stable.error.id>", "message": "<human text>"}`. The id is stable and machine
/// matched (`job.not_found`, `auth.token.invalid`…); the message is for people.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiError {
    pub id: String,
    pub message: String,
}

impl ApiError {
    pub fn new(id: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.id)
    }
}

impl std::error::Error for ApiError {}
