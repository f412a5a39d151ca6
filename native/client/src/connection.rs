//! What a caller knows about the server it wants to talk to (`Connect-PSUServer`'s arguments).

use std::time::Duration;

/// The connection settings of one server. A [`crate::Client`] is built from one and keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// `http(s)://host[:port][/base]`; `/api/v1/...` is appended to it.
    pub base_url: String,
    /// Sent as `Authorization: Bearer <token>`.
    pub app_token: Option<String>,
    /// Skip TLS certificate validation (`-TrustCertificate`), for self-signed or internal CAs.
    pub trust_certificate: bool,
    /// Windows integrated authentication (`-UseDefaultCredentials`). Recorded so the cmdlets can
    /// pass it through, but not implemented: reqwest has no Negotiate/NTLM support, so a server
    /// that demands it answers 401 and the error says so.
    pub use_default_credentials: bool,
    /// The limit for one request (a long-poll adds its own wait on top).
    pub timeout: Duration,
}

impl Connection {
    /// Default per-request timeout: generous enough for a slow server, short enough that a
    /// dead one is reported while the user still waits.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(100);

    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            app_token: None,
            trust_certificate: false,
            use_default_credentials: false,
            timeout: Self::DEFAULT_TIMEOUT,
        }
    }

    pub fn with_app_token(mut self, token: impl Into<String>) -> Self {
        self.app_token = Some(token.into());
        self
    }
}
