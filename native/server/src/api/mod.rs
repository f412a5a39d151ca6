//! The REST API (docs/api.md): routes, auth, body limits, JSON errors.

mod auth;
mod environments;
mod error;
mod extract;
mod health;
mod job_ref;
mod jobs;
mod json_data;
mod openapi;
pub(crate) mod param_value;
mod pipeline_stream;
mod run;
mod scripts;
mod secret_param;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, StatusCode, Uri};
use axum::middleware;
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use crate::engine::Engine;
use crate::rate_limit::FailureLimiter;
use crate::repository::Repository;
use crate::secrets::SecretBox;

pub use error::Failure;
pub use run::CallingJob;

#[derive(Clone)]
pub struct AppState {
    pub engine: Arc<Engine>,
    pub repo: Repository,
    pub secrets: Arc<SecretBox>,
    pub limiter: Arc<FailureLimiter>,
}

pub fn router(state: AppState) -> Router {
    let body_limit = state.engine.settings().max_body_bytes;
    let public = Router::new()
        .route("/api/v1/alive", get(health::alive))
        .route("/api/v1/version", get(health::version))
        .route("/api/v1/status", get(health::status));
    let protected = Router::new()
        .route("/metrics", get(health::metrics))
        .route("/swagger/v1/swagger.json", get(openapi::document))
        .route("/api/v1/environment", get(environments::list))
        .route("/api/v1/script", get(scripts::list))
        .route("/api/v1/script/{id}", get(scripts::get).post(run::by_id))
        .route("/api/v1/script/{id}/parameter", get(scripts::parameters))
        .route(
            "/api/v1/script/path/{*path}",
            get(scripts::by_path).post(run::by_path),
        )
        .route("/api/v1/job", get(jobs::list))
        .route("/api/v1/job/{id}", get(jobs::get))
        .route("/api/v1/job/{id}/log", get(jobs::log))
        .route("/api/v1/job/{id}/output", get(jobs::output))
        .route(
            "/api/v1/job/{id}/pipelineOutput",
            get(jobs::pipeline).delete(jobs::delete_pipeline),
        )
        .route("/api/v1/job/{id}/parameters", get(jobs::parameters))
        .route(
            "/api/v1/job/{id}/feedback",
            get(jobs::feedback).post(jobs::answer),
        )
        .route("/api/v1/job/{id}/cancel", post(jobs::cancel))
        .route("/api/v1/job/{id}/children", get(jobs::children))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ));
    public
        .merge(protected)
        .merge(crate::web::routes())
        .fallback(|| async { Failure::not_found("route.not_found", "no such route") })
        .method_not_allowed_fallback(|method: Method, uri: Uri| async move {
            Failure::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "route.method_not_allowed",
                format!("{method} is not allowed on {}", uri.path()),
            )
        })
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(CatchPanicLayer::custom(|_| {
            axum::response::IntoResponse::into_response(Failure::internal(
                "the request handler panicked",
            ))
        }))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
