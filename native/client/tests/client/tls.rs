//! Against a real TLS server with a self-signed certificate: refused by default with a hint,
//! accepted with `trust_certificate`.

use std::sync::Arc;

use client::{Client, Connection};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::common::connection;

/// Serves `[]` to every request over TLS until the test ends; returns the base URL.
async fn self_signed_server() -> String {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buffer = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                let answer = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n[]";
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    format!("https://localhost:{port}")
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_tls_failure_with_a_hint() {
    let url = self_signed_server().await;
    let client = Client::new(connection(&url)).unwrap();
    let err = client.scripts().await.unwrap_err();
    assert_eq!(err.id(), "TlsFailure", "{err}");
    assert!(err.to_string().contains("-TrustCertificate"), "{err}");
}

#[tokio::test]
async fn trust_certificate_accepts_it() {
    let url = self_signed_server().await;
    let client = Client::new(Connection {
        trust_certificate: true,
        ..connection(&url)
    })
    .unwrap();
    assert!(client.scripts().await.unwrap().is_empty());
}
