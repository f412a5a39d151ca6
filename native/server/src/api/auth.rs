//! Bearer-token authentication for every route but the health ones, with throttling of
//! clients that keep failing.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::Failure;
use crate::auth::{self, Action, Caller};

pub async fn require_token(State(app): State<AppState>, mut req: Request, next: Next) -> Response {
    // The integrated channel (crate::ipc) puts the job's caller in the request itself; no
    // request from the network can carry an extension.
    if req.extensions().get::<Caller>().is_some() {
        return next.run(req).await;
    }
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
    if let Some(seconds) = app.limiter.blocked(ip) {
        let mut response = Failure::new(
            StatusCode::TOO_MANY_REQUESTS,
            "auth.rate_limited",
            format!("too many failed authentication attempts; retry in {seconds} s"),
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        return response;
    }
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_string());
    let Some(token) = presented else {
        return Failure::new(
            StatusCode::UNAUTHORIZED,
            "auth.token.missing",
            "this route needs an Authorization: Bearer <app token> header",
        )
        .into_response();
    };
    match auth::verify(app.engine.store.as_ref(), &token) {
        Ok(Some(caller)) => {
            req.extensions_mut().insert(caller);
            next.run(req).await
        }
        Ok(None) => {
            app.limiter.record_failure(ip);
            app.engine.metrics.auth_failures.inc();
            tracing::warn!(%ip, "request with an unknown or revoked app token");
            Failure::new(
                StatusCode::UNAUTHORIZED,
                "auth.token.invalid",
                "the app token is unknown or revoked",
            )
            .into_response()
        }
        Err(e) => Failure::from(e).into_response(),
    }
}

/// The authenticated caller, put in the request by [`require_token`].
impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Caller>().cloned().ok_or_else(|| {
            Failure::new(
                StatusCode::UNAUTHORIZED,
                "auth.token.missing",
                "no app token",
            )
        })
    }
}

impl Caller {
    pub fn require(&self, action: Action) -> Result<(), Failure> {
        if self.role.allows(action) {
            Ok(())
        } else {
            Err(Failure::forbidden(format!(
                "the {} role may not do this ({action:?})",
                self.role
            )))
        }
    }
}
