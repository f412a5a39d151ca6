//! The client's typed errors. Each has a stable [`Error::id`] the cmdlets surface as the
//! `FullyQualifiedErrorId`, so scripts can `catch` on it; the messages are for people.

use std::time::Duration;

/// What a 404 was about, so the error can say "job 5 not found" instead of "not found".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    Job(String),
    Script(String),
    /// A job that is not waiting on feedback (or whose feedback is gone).
    Feedback(String),
    /// Anything else (a route the server does not have).
    Route(String),
}

impl std::fmt::Display for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Job(j) => write!(f, "job {j}"),
            Self::Script(s) => write!(f, "script {s}"),
            Self::Feedback(j) => write!(f, "pending feedback of job {j}"),
            Self::Route(r) => write!(f, "route {r}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    #[error("cannot reach the server at {url}: {detail}")]
    Unreachable { url: String, detail: String },
    #[error(
        "the TLS connection to {url} failed: {detail}. If the server uses a self-signed or \
         internal certificate, use -TrustCertificate"
    )]
    Tls { url: String, detail: String },
    #[error("the server refused the credentials (401): {message}")]
    Unauthorized { message: String },
    #[error("the server denied access (403): {message}")]
    Forbidden { message: String },
    #[error("{resource} was not found: {message}")]
    NotFound {
        resource: Resource,
        server_id: Option<String>,
        message: String,
    },
    /// A 400: the server's own `{id, message}` is passed through.
    #[error("{message}")]
    BadRequest {
        server_id: Option<String>,
        message: String,
    },
    /// Any other non-success status (409 wrong state, 413, 429, 5xx).
    #[error("the server answered {status}: {message}")]
    Server {
        status: u16,
        server_id: Option<String>,
        message: String,
    },
    #[error("the request timed out after {0:?}")]
    RequestTimeout(Duration),
    #[error("the job did not finish within {0:?}")]
    WaitTimeout(Duration),
    #[error("the operation was canceled")]
    Canceled,
    #[error("the server's answer could not be understood: {0}")]
    BadResponse(String),
    #[error("{0}")]
    InvalidArgument(String),
    /// The job server refused the integrated channel's hello (a forged or stale secret).
    #[error("the integrated channel refused this job: {message}")]
    IntegratedRefused { server_id: String, message: String },
}

impl Error {
    /// The stable identifier of this kind of failure.
    pub fn id(&self) -> &'static str {
        match self {
            Self::Unreachable { .. } => "ServerUnreachable",
            Self::Tls { .. } => "TlsFailure",
            Self::Unauthorized { .. } => "Unauthorized",
            Self::Forbidden { .. } => "Forbidden",
            Self::NotFound { resource, .. } => match resource {
                Resource::Job(_) => "JobNotFound",
                Resource::Script(_) => "ScriptNotFound",
                Resource::Feedback(_) => "FeedbackNotFound",
                Resource::Route(_) => "NotFound",
            },
            Self::BadRequest { .. } => "BadRequest",
            Self::Server {
                server_id: Some(id),
                ..
            } if id == "job.finished" => "JobFinished",
            Self::Server { .. } => "ServerError",
            Self::RequestTimeout(_) => "RequestTimeout",
            Self::WaitTimeout(_) => "WaitTimeout",
            Self::Canceled => "Canceled",
            Self::BadResponse(_) => "BadResponse",
            Self::InvalidArgument(_) => "InvalidArgument",
            Self::IntegratedRefused { .. } => "IntegratedRefused",
        }
    }

    /// The server's own error id (`script.parameters.invalid`, …) when it sent one.
    pub fn server_id(&self) -> Option<&str> {
        match self {
            Self::NotFound { server_id, .. }
            | Self::BadRequest { server_id, .. }
            | Self::Server { server_id, .. } => server_id.as_deref(),
            Self::IntegratedRefused { server_id, .. } => Some(server_id),
            _ => None,
        }
    }

    /// The HTTP status behind this error, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Unauthorized { .. } => Some(401),
            Self::Forbidden { .. } => Some(403),
            Self::NotFound { .. } => Some(404),
            Self::BadRequest { .. } => Some(400),
            Self::Server { status, .. } => Some(*status),
            _ => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
