//! Job routes: list, get, log, output (long-poll), pipeline output, parameters, feedback,
//! cancel, children.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use model::{
    FeedbackResponse, Job, JobFeedback, JobLog, JobOutput, JobParameter, JobQuery, OutputQuery,
    Page,
};

use super::AppState;
use super::error::{ApiResult, Failure};
use super::extract::{Body, Q};
use super::job_ref::find;
use super::pipeline_stream::{self, Form};
use crate::auth::{Action, Caller};

/// The longest a single `wait` may hold a request.
const MAX_WAIT_SECONDS: u32 = 60;

pub async fn list(
    State(app): State<AppState>,
    caller: Caller,
    Q(query): Q<JobQuery>,
) -> ApiResult<Json<Page<Job>>> {
    caller.require(Action::Read)?;
    if let Some(status) = query.status
        && model::JobStatus::from_i32(status).is_none()
    {
        return Err(Failure::bad_request(
            "request.query.invalid",
            format!("{status} is not a job status"),
        ));
    }
    for (name, value) in [("take", query.take), ("skip", query.skip)] {
        if let Some(n) = value.filter(|n| *n < 0) {
            return Err(Failure::bad_request(
                "request.query.invalid",
                format!("{name} {n} is negative"),
            ));
        }
    }
    Ok(Json(app.engine.store.list_jobs(&query)?))
}

pub async fn get(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Job>> {
    caller.require(Action::Read)?;
    Ok(Json(find(&app, &id)?))
}

pub async fn log(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<JobLog>> {
    caller.require(Action::Read)?;
    let job = find(&app, &id)?;
    let records = app.engine.store.outputs(job.id, 0, i64::MAX)?;
    let log = records
        .iter()
        .map(|r| format!("[{}] {}\n", r.output_type.label(), r.message))
        .collect();
    Ok(Json(JobLog { log }))
}

pub async fn output(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Q(query): Q<OutputQuery>,
) -> ApiResult<Json<Vec<JobOutput>>> {
    caller.require(Action::Read)?;
    let job = find(&app, &id)?;
    let after = query.after.unwrap_or(0);
    let take = query.take.unwrap_or(1000).clamp(1, 10_000);
    let wait = Duration::from_secs(query.wait.unwrap_or(0).min(MAX_WAIT_SECONDS).into());
    let deadline = tokio::time::Instant::now() + wait;
    let mut changes = app.engine.subscribe();
    loop {
        // Subscribed before reading, so a record stored between the read and the wait
        // still wakes us.
        changes.mark_unchanged();
        let records = app.engine.store.outputs(job.id, after, take)?;
        let finished = app
            .engine
            .store
            .job(job.id)?
            .is_none_or(|j| j.status.is_terminal());
        if !records.is_empty() || finished || wait.is_zero() || app.engine.is_shutting_down() {
            return Ok(Json(records));
        }
        if tokio::time::timeout_at(deadline, changes.changed())
            .await
            .is_err()
        {
            return Ok(Json(records));
        }
    }
}

pub async fn pipeline(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    caller.require(Action::Read)?;
    let job = find(&app, &id)?;
    let form = if headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/clixml"))
    {
        Form::CliXml
    } else {
        Form::Json
    };
    let store = Arc::clone(&app.engine.store);
    let first = store.pipeline(job.id, 0, pipeline_stream::PAGE)?;
    Ok((
        [(header::CONTENT_TYPE, form.content_type())],
        pipeline_stream::body(store, job.id, first, form),
    )
        .into_response())
}

pub async fn delete_pipeline(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    caller.require(Action::DeleteOutput)?;
    let job = find(&app, &id)?;
    app.engine.store.delete_pipeline(job.id)?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn parameters(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<JobParameter>>> {
    caller.require(Action::Read)?;
    Ok(Json(find(&app, &id)?.parameters))
}

pub async fn feedback(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<JobFeedback>> {
    caller.require(Action::Read)?;
    let job = find(&app, &id)?;
    app.engine.feedback(job.id).map(Json).ok_or_else(|| {
        Failure::not_found(
            "job.feedback.none",
            format!("job {id} is not waiting on feedback"),
        )
    })
}

pub async fn answer(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(response): Body<FeedbackResponse>,
) -> ApiResult<StatusCode> {
    caller.require(Action::Answer)?;
    let job = find(&app, &id)?;
    if response == FeedbackResponse::default() {
        return Err(Failure::bad_request(
            "feedback.empty",
            "give response, responses or choice",
        ));
    }
    app.engine.answer(job.id, response)?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn cancel(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let job = find(&app, &id)?;
    let own = job
        .identity
        .as_ref()
        .is_some_and(|i| i.id == Some(caller.token_id));
    caller.require(if own {
        Action::CancelOwn
    } else {
        Action::CancelAny
    })?;
    app.engine.cancel(job.id)?;
    Ok(StatusCode::ACCEPTED)
}

pub async fn children(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Job>>> {
    caller.require(Action::Read)?;
    let job = find(&app, &id)?;
    let query = JobQuery {
        parent_job_id: Some(job.id),
        take: Some(1000),
        ..Default::default()
    };
    Ok(Json(app.engine.store.list_jobs(&query)?.page))
}
