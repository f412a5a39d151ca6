//! Bodies of the unauthenticated health routes.

use serde::{Deserialize, Serialize};

/// `GET /api/v1/alive`. PSU writes `Loading`; both casings are read.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Alive {
    #[serde(alias = "Loading")]
    pub loading: bool,
}

/// `GET /api/v1/version`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct VersionInfo {
    pub version: String,
}

/// `GET /api/v1/status`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerStatus {
    pub status: String,
}
