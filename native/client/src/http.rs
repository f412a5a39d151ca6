//! The HTTP [`Transport`]: one reqwest client per connection, reused for every call so
//! connections stay alive (and multiplex over HTTP/2 where the server offers it).

use std::time::Duration;

use futures::StreamExt;
use futures::future::BoxFuture;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};

use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::tls;
use crate::transport::{Accept, ApiRequest, ApiResponse, Method, StreamedResponse, Transport};

#[derive(Debug)]
pub struct HttpTransport {
    http: reqwest::Client,
    /// `<base>/api/v1/`, always ending in a slash.
    api_base: String,
    timeout: Duration,
}

impl HttpTransport {
    pub fn new(connection: &Connection) -> Result<Self> {
        let base = url::Url::parse(connection.base_url.trim())
            .map_err(|e| invalid_url(&connection.base_url, &e.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
            return Err(invalid_url(
                &connection.base_url,
                "expected http://host[:port] or https://host[:port]",
            ));
        }
        let api_base = format!("{}/api/v1/", base.as_str().trim_end_matches('/'));

        let mut headers = HeaderMap::new();
        if let Some(token) = &connection.app_token {
            let mut value =
                HeaderValue::from_str(&format!("Bearer {}", token.trim())).map_err(|_| {
                    Error::InvalidArgument("the app token has invalid characters".into())
                })?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }

        tls::install_crypto_provider();
        let http = reqwest::Client::builder()
            .user_agent(concat!("PSUJobs/", env!("CARGO_PKG_VERSION")))
            .default_headers(headers)
            .gzip(true)
            .tls_danger_accept_invalid_certs(connection.trust_certificate)
            .connect_timeout(connection.timeout)
            .build()
            .map_err(|e| Error::InvalidArgument(format!("cannot configure HTTP: {e}")))?;
        Ok(Self {
            http,
            api_base,
            timeout: connection.timeout,
        })
    }

    /// The request, and how long it may take: the connection's timeout plus what the server
    /// may legitimately hold it.
    fn prepare(&self, request: &ApiRequest) -> (reqwest::RequestBuilder, Duration) {
        let url = format!("{}{}", self.api_base, request.path);
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Delete => reqwest::Method::DELETE,
        };
        let accept = match request.accept {
            Accept::Json => "application/json",
            Accept::CliXml => "application/clixml",
        };
        let mut builder = self.http.request(method, &url).header(ACCEPT, accept);
        if !request.query.is_empty() {
            builder = builder.query(&request.query);
        }
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        (builder, self.timeout + request.hold)
    }

    async fn execute(&self, request: ApiRequest) -> Result<ApiResponse> {
        let (builder, timeout) = self.prepare(&request);
        let failure = |e| failure(&self.api_base, e, timeout);
        let response = builder.timeout(timeout).send().await.map_err(failure)?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(failure)?;
        Ok(ApiResponse {
            status,
            body: body.to_vec(),
        })
    }

    /// The timeout bounds the wait for the answer to start and then each wait for more of
    /// it, not the whole download: a large document arriving steadily is not a dead server.
    async fn execute_streamed(&self, request: ApiRequest) -> Result<StreamedResponse> {
        let (builder, timeout) = self.prepare(&request);
        let response = tokio::time::timeout(timeout, builder.send())
            .await
            .map_err(|_| Error::RequestTimeout(timeout))?
            .map_err(|e| failure(&self.api_base, e, timeout))?;
        let status = response.status().as_u16();
        let url = self.api_base.clone();
        let chunks = response.bytes_stream();
        let body = futures::stream::unfold(Some(chunks), move |chunks| {
            let url = url.clone();
            async move {
                let mut chunks = chunks?;
                let next = match tokio::time::timeout(timeout, chunks.next()).await {
                    Err(_) => Err(Error::RequestTimeout(timeout)),
                    Ok(None) => return None,
                    Ok(Some(chunk)) => chunk.map_err(|e| failure(&url, e, timeout)),
                };
                // After an error the body ends.
                let rest = next.is_ok().then_some(chunks);
                Some((next, rest))
            }
        });
        Ok(StreamedResponse {
            status,
            body: body.boxed(),
        })
    }
}

fn failure(url: &str, err: reqwest::Error, timeout: Duration) -> Error {
    let url = url.to_owned();
    if let Some(detail) = tls::tls_failure(&err) {
        return Error::Tls { url, detail };
    }
    if err.is_timeout() {
        return Error::RequestTimeout(timeout);
    }
    let detail = tls::root_cause(&err);
    if err.is_connect() {
        Error::Unreachable { url, detail }
    } else if err.is_body() || err.is_decode() {
        Error::BadResponse(detail)
    } else {
        // Connection reset mid-request and the like: the server is not answering.
        Error::Unreachable { url, detail }
    }
}

impl Transport for HttpTransport {
    fn send(&self, request: ApiRequest) -> BoxFuture<'_, Result<ApiResponse>> {
        Box::pin(self.execute(request))
    }

    fn send_streamed(&self, request: ApiRequest) -> BoxFuture<'_, Result<StreamedResponse>> {
        Box::pin(self.execute_streamed(request))
    }
}

fn invalid_url(url: &str, why: &str) -> Error {
    Error::InvalidArgument(format!("invalid server address {url:?}: {why}"))
}
