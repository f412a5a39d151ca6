//! TLS setup: rustls with the ring provider, the platform's trust store (reqwest's
//! rustls-platform-verifier), and telling a certificate failure apart from any other
//! connection failure.

use std::error::Error as StdError;
use std::sync::Once;

/// reqwest is built with `rustls-no-provider`, so a process-wide provider must exist before the
/// first client is built; otherwise reqwest panics. Installing fails harmlessly when the host
/// process (a server embedding this crate) already chose one, and that one is then used.
pub(crate) fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _already_installed = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Whether a request failure was the TLS handshake (bad certificate, protocol mismatch) rather
/// than the network. rustls errors reach reqwest wrapped in `io::Error`s, whose `source()`
/// skips the wrapped error, so `io::Error::get_ref` is followed explicitly.
pub(crate) fn tls_failure(err: &(dyn StdError + 'static)) -> Option<String> {
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls.to_string());
        }
        if let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            && let Some(found) = tls_failure(inner)
        {
            return Some(found);
        }
        next = e.source();
    }
    None
}

/// The innermost cause's text: reqwest's own message ("error sending request") says nothing.
pub(crate) fn root_cause(err: &(dyn StdError + 'static)) -> String {
    let mut last = err;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_rustls_error_inside_io_errors() {
        let tls = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let io = std::io::Error::other(tls);
        let outer = std::io::Error::other(io);
        let found = tls_failure(&outer).expect("rustls error found");
        assert!(
            found.contains("UnknownIssuer") || found.contains("unknown issuer"),
            "{found}"
        );
    }

    #[test]
    fn a_plain_network_error_is_not_tls() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(tls_failure(&io), None);
        assert_eq!(root_cause(&io), "refused");
    }
}
