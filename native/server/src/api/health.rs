//! Health, version and metrics.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use model::{Alive, ServerStatus, VersionInfo};

use super::AppState;
use super::error::{ApiResult, Failure};
use crate::auth::{Action, Caller};

pub async fn alive() -> Json<Alive> {
    Json(Alive { loading: false })
}

pub async fn version() -> Json<VersionInfo> {
    Json(VersionInfo {
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

/// 200 when the server can serve, 503 when its store does not answer: what a load balancer's
/// or an operator's probe asks.
pub async fn status(State(app): State<AppState>) -> ApiResult<Json<ServerStatus>> {
    let store = app.engine.store.clone();
    match tokio::task::spawn_blocking(move || store.ping()).await {
        Ok(Ok(())) => Ok(Json(ServerStatus {
            status: "ok".into(),
        })),
        Ok(Err(e)) => Err(Failure::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "server.store.unavailable",
            format!("the job store does not answer: {e}"),
        )),
        Err(e) => Err(Failure::internal(e)),
    }
}

pub async fn metrics(State(app): State<AppState>, caller: Caller) -> ApiResult<impl IntoResponse> {
    caller.require(Action::Read)?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        app.engine.render_metrics(),
    ))
}
