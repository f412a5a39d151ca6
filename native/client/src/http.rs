//! The HTTP [`Transport`]: one reqwest client per connection, reused for every call so
//! connections stay alive (and multiplex over HTTP/2 where the server offers it).

use futures::future::BoxFuture;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};

use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::tls;
use crate::transport::{Accept, ApiRequest, ApiResponse, Method, Transport};

#[derive(Debug)]
pub struct HttpTransport {
    http: reqwest::Client,
    /// `<base>/api/v1/`, always ending in a slash.
    api_base: String,
    timeout: std::time::Duration,
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

    async fn execute(&self, request: ApiRequest) -> Result<ApiResponse> {
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
        let timeout = self.timeout + request.hold;
        let mut builder = self
            .http
            .request(method, &url)
            .header(ACCEPT, accept)
            .timeout(timeout);
        if !request.query.is_empty() {
            builder = builder.query(&request.query);
        }
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        let response = builder.send().await.map_err(|e| self.failure(e, timeout))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| self.failure(e, timeout))?;
        Ok(ApiResponse {
            status,
            body: body.to_vec(),
        })
    }

    fn failure(&self, err: reqwest::Error, timeout: std::time::Duration) -> Error {
        let url = self.api_base.clone();
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
}

impl Transport for HttpTransport {
    fn send(&self, request: ApiRequest) -> BoxFuture<'_, Result<ApiResponse>> {
        Box::pin(self.execute(request))
    }
}

fn invalid_url(url: &str, why: &str) -> Error {
    Error::InvalidArgument(format!("invalid server address {url:?}: {why}"))
}
