//! TLS to PostgreSQL over rustls (ring, as the HTTPS side uses), checking the server's
//! certificate as the connection string's `sslmode` asks: managed databases (Azure, RDS,
//! Cloud SQL) require TLS, and their connection strings say how to trust them.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::Socket;
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};

use super::channel_binding::end_point;
use super::postgres_options::{ClientCert, SslMode, TlsOptions};

/// Opens TLS sessions for tokio-postgres with one client configuration.
#[derive(Clone)]
pub struct Rustls(Arc<ClientConfig>);

impl Rustls {
    /// The connector for `options`, with its trusted roots loaded. The mode itself goes to
    /// tokio-postgres, which decides whether TLS is tried; this decides what is trusted.
    pub fn new(options: &TlsOptions) -> Result<Self, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let (chain, names) = match (options.mode, &options.root_cert) {
            (SslMode::VerifyFull, _) => (true, true),
            (SslMode::VerifyCa, _) | (SslMode::Require, Some(_)) => (true, false),
            _ => (false, false),
        };
        let chain = match chain {
            false => None,
            true => Some(
                WebPkiServerVerifier::builder_with_provider(
                    Arc::new(roots(options.root_cert.as_deref())?),
                    provider.clone(),
                )
                .build()
                .map_err(|e| format!("cannot check the database's certificate: {e}"))?,
            ),
        };
        let verifier = Arc::new(Checks {
            chain,
            names,
            algorithms: provider.signature_verification_algorithms,
        });
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        let config = match &options.client {
            None => config.with_no_client_auth(),
            Some(client) => {
                let (chain, key) = client_identity(client)?;
                config.with_client_auth_cert(chain, key).map_err(|e| {
                    format!(
                        "cannot use sslcert {} with sslkey {}: {e}",
                        client.cert, client.key
                    )
                })?
            }
        };
        Ok(Rustls(Arc::new(config)))
    }
}

/// The certificate chain and private key a client shows a server that authenticates by
/// certificate, read from their PEM files.
fn client_identity(
    client: &ClientCert,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), String> {
    let chain = CertificateDer::pem_file_iter(&client.cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("cannot read sslcert {}: {e}", client.cert))?;
    if chain.is_empty() {
        return Err(format!(
            "cannot read sslcert {}: it holds no PEM certificate",
            client.cert
        ));
    }
    // PKCS#8, PKCS#1 (RSA) or SEC1 (EC), as openssl and libpq write them; an encrypted key
    // (libpq's sslpassword) is not read.
    let key = PrivateKeyDer::from_pem_file(&client.key).map_err(|e| {
        format!(
            "cannot read sslkey {} (an unencrypted PEM private key): {e}",
            client.key
        )
    })?;
    Ok((chain, key))
}

/// The certificates `sslrootcert` names, or the platform's own for `system` or none given.
fn roots(root_cert: Option<&str>) -> Result<RootCertStore, String> {
    let mut roots = RootCertStore::empty();
    match root_cert {
        None | Some("system") => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = roots.add_parsable_certificates(found.certs);
            if added == 0 {
                return Err(
                    "no trusted root certificates on this machine: name the database's CA with sslrootcert=<PEM file>"
                        .into(),
                );
            }
        }
        Some(path) => {
            let read = |e: &dyn std::fmt::Display| format!("cannot read sslrootcert {path}: {e}");
            for cert in CertificateDer::pem_file_iter(path).map_err(|e| read(&e))? {
                roots
                    .add(cert.map_err(|e| read(&e))?)
                    .map_err(|e| read(&e))?;
            }
            if roots.is_empty() {
                return Err(read(&"it holds no PEM certificate"));
            }
        }
    }
    Ok(roots)
}

/// What is checked of the server's certificate. Whatever the mode, the server must prove it
/// holds the key of the certificate it shows; `prefer` and `require` without `sslrootcert`
/// check no more than that, as libpq.
#[derive(Debug)]
struct Checks {
    /// That the certificate chains to a trusted root (`verify-ca`, `verify-full`).
    chain: Option<Arc<WebPkiServerVerifier>>,
    /// ...and names the host connected to (`verify-full`).
    names: bool,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Checks {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        // The name is checked last, once the chain is known to be trusted.
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.names => Ok(ServerCertVerified::assertion()),
            checked => checked,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

impl MakeTlsConnect<Socket> for Rustls {
    type Stream = Session;
    type TlsConnect = Connect;
    type Error = std::convert::Infallible;

    /// `host` is empty for a Unix socket, over which PostgreSQL offers no TLS: the name is
    /// checked only if a handshake is made.
    fn make_tls_connect(&mut self, host: &str) -> Result<Connect, Self::Error> {
        Ok(Connect {
            config: self.0.clone(),
            host: host.to_owned(),
        })
    }
}

/// One connection's handshake, to the host it was opened to.
pub struct Connect {
    config: Arc<ClientConfig>,
    host: String,
}

impl TlsConnect<Socket> for Connect {
    type Stream = Session;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Session>> + Send>>;

    fn connect(self, socket: Socket) -> Self::Future {
        let connector = tokio_rustls::TlsConnector::from(self.config);
        Box::pin(async move {
            let name = ServerName::try_from(self.host.clone()).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("no certificate can name the host {:?}: {e}", self.host),
                )
            })?;
            Ok(Session(connector.connect(name, socket).await?))
        })
    }
}

/// An encrypted connection.
pub struct Session(tokio_rustls::client::TlsStream<Socket>);

impl TlsStream for Session {
    fn channel_binding(&self) -> ChannelBinding {
        let (_, session) = self.0.get_ref();
        let shown = session.peer_certificates().and_then(|chain| chain.first());
        match shown.and_then(|cert| end_point(cert)) {
            Some(hash) => ChannelBinding::tls_server_end_point(hash),
            None => ChannelBinding::none(),
        }
    }
}

impl AsyncRead for Session {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Session {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use crate::store::PostgresStore;
    use crate::store::postgres_scratch::{Scratch, count, test_ca};

    /// A schema of its own on the test cluster, which offers TLS with a certificate for
    /// `localhost` only, issued by the CA at `ca`.
    fn scratch() -> Option<(Scratch, String)> {
        let ca = test_ca()?;
        Some((Scratch::new()?, ca))
    }

    /// The test cluster's own folder, where its CA file is.
    fn cluster_folder(ca: &str) -> String {
        std::path::Path::new(ca)
            .parent()
            .unwrap()
            .display()
            .to_string()
    }

    /// Whether a session opened with `url` is encrypted, as the server sees it.
    fn encrypted(url: &str) -> bool {
        count(
            url,
            "SELECT ssl::int FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        ) == 1
    }

    fn refusal(url: &str) -> String {
        match PostgresStore::connect(url) {
            Ok(_) => panic!("{url} connected"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn tls_is_used_when_offered_or_asked_for_and_not_when_disabled() {
        let Some((scratch, _)) = scratch() else {
            return;
        };
        assert!(
            encrypted(&scratch.url),
            "the default, prefer, takes TLS when offered"
        );
        assert!(encrypted(&format!("{}&sslmode=require", scratch.url)));
        assert!(!encrypted(&format!("{}&sslmode=disable", scratch.url)));
        // require checks nothing: the test CA is not trusted by this machine.
        PostgresStore::connect(&format!("{}&sslmode=require", scratch.url)).unwrap();
    }

    #[test]
    fn verify_full_trusts_the_named_root_for_the_certificate_s_own_host_only() {
        let Some((scratch, ca)) = scratch() else {
            return;
        };
        let by_name = scratch.url.replacen("127.0.0.1", "localhost", 1);
        let full = format!("{by_name}&sslmode=verify-full&sslrootcert={ca}");
        PostgresStore::connect(&full).unwrap();
        assert!(encrypted(&full));

        let by_address = format!("{}&sslmode=verify-full&sslrootcert={ca}", scratch.url);
        let e = refusal(&by_address);
        assert!(
            e.contains("certificate not valid for name \"127.0.0.1\""),
            "{e}"
        );
        // verify-ca, and require with a root, check the chain but not the name.
        for mode in ["verify-ca", "require"] {
            let chain = format!("{}&sslmode={mode}&sslrootcert={ca}", scratch.url);
            PostgresStore::connect(&chain).unwrap();
            assert!(encrypted(&chain), "{mode}");
        }
    }

    #[test]
    fn a_unix_socket_connects_without_tls_unless_tls_is_required() {
        let Some((scratch, ca)) = scratch() else {
            return;
        };
        // The test cluster keeps its socket in its own folder.
        let folder = cluster_folder(&ca);
        let port = scratch
            .url
            .rsplit(':')
            .next()
            .unwrap()
            .split('/')
            .next()
            .unwrap();
        let socket = format!("host={folder} port={port} user=psujobs dbname=postgres");
        assert!(
            !encrypted(&socket),
            "PostgreSQL offers no TLS over a Unix socket"
        );
        let e = refusal(&format!("{socket} sslmode=require"));
        assert!(e.contains("server does not support TLS"), "{e}");
    }

    #[test]
    fn a_password_login_is_bound_to_the_certificate_the_server_showed() {
        let Some((scratch, _)) = scratch() else {
            return;
        };
        // The test cluster lets psujobs_scram in only with its password (SCRAM) over TLS.
        let url = scratch
            .url
            .replacen("psujobs@", "psujobs_scram:scram-secret@", 1);
        // channel_binding=require: the login fails unless the server took the binding we
        // offered, which it checks against the certificate it holds.
        let bound = format!("{url}&sslmode=require&channel_binding=require");
        assert!(encrypted(&bound));
    }

    #[test]
    fn a_client_certificate_logs_in_where_the_server_asks_for_one() {
        let Some((scratch, ca)) = scratch() else {
            return;
        };
        // The test cluster lets psujobs_cert in only with a certificate its CA issued to that
        // name, kept in its folder.
        let folder = cluster_folder(&ca);
        let url = scratch.url.replacen("psujobs@", "psujobs_cert@", 1);
        let e = refusal(&url);
        assert!(e.contains("certificate"), "{e}");
        let with_cert = format!("{url}&sslcert={folder}/client.crt&sslkey={folder}/client.key");
        assert!(encrypted(&with_cert));
        let e = refusal(&format!(
            "{url}&sslcert={folder}/client.crt&sslkey={folder}/nonexistent.key"
        ));
        assert!(
            e.contains("cannot read sslkey") && e.contains("nonexistent.key"),
            "{e}"
        );
    }

    #[test]
    fn a_certificate_from_an_untrusted_root_is_refused() {
        let Some((scratch, _)) = scratch() else {
            return;
        };
        // The machine's own roots, which do not hold the test CA.
        for roots in ["", "&sslrootcert=system"] {
            let e = refusal(&format!("{}&sslmode=verify-ca{roots}", scratch.url));
            assert!(e.contains("UnknownIssuer"), "{e}");
        }
    }

    #[test]
    fn an_unreadable_root_file_or_an_unknown_mode_stops_the_start_with_the_reason() {
        let Some((scratch, _)) = scratch() else {
            return;
        };
        let e = refusal(&format!(
            "{}&sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
            scratch.url
        ));
        assert!(
            e.contains("PostgreSQL TLS") && e.contains("/nonexistent/ca.pem"),
            "{e}"
        );
        let e = refusal(&format!("{}&sslmode=allow", scratch.url));
        assert!(e.contains("sslmode `allow` is not supported"), "{e}");
    }
}
