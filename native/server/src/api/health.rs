//! Health, version and metrics.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use model::{Alive, ServerStatus, VersionInfo};

use super::AppState;
use super::error::ApiResult;
use crate::auth::{Action, Caller};

pub async fn alive() -> Json<Alive> {
    Json(Alive { loading: false })
}

pub async fn version() -> Json<VersionInfo> {
    Json(VersionInfo {
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

pub async fn status() -> Json<ServerStatus> {
    Json(ServerStatus {
        status: "ok".into(),
    })
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
