//! Script routes: list, get (by id or path), parameters.

use axum::Json;
use axum::extract::{Path, State};
use model::{Script, ScriptParameter};

use super::AppState;
use super::error::{ApiResult, Failure};
use crate::auth::{Action, Caller};

/// A script known to the server: its stable id, repository path and file.
pub struct Located {
    pub id: i64,
    pub full_path: String,
    pub file: std::path::PathBuf,
}

pub fn locate_id(app: &AppState, id: &str) -> ApiResult<Located> {
    let number: i64 = id.parse().map_err(|_| {
        Failure::bad_request("script.id.invalid", format!("{id:?} is not a script id"))
    })?;
    let full_path = app.engine.store.script_path(number)?.ok_or_else(|| {
        Failure::not_found("script.not_found", format!("script {id} does not exist"))
    })?;
    let file = app.repo.resolve(&full_path)?;
    Ok(Located {
        id: number,
        full_path,
        file,
    })
}

pub fn locate_path(app: &AppState, requested: &str) -> ApiResult<Located> {
    let full_path = crate::repository::Repository::normalize(requested)?;
    let file = app.repo.resolve(&full_path)?;
    let id = app.engine.store.script_id(&full_path)?;
    Ok(Located {
        id,
        full_path,
        file,
    })
}

fn describe(app: &AppState, at: &Located, with_content: bool) -> Script {
    let s = app.engine.settings().script(&at.full_path);
    Script {
        id: at.id,
        name: at
            .full_path
            .rsplit('/')
            .next()
            .unwrap_or(&at.full_path)
            .to_string(),
        full_path: at.full_path.clone(),
        description: s.description,
        tags: s.tags,
        environment: Some(
            s.environment
                .unwrap_or_else(|| app.engine.settings().default_environment.clone()),
        ),
        credential: s.credential,
        max_history: s.max_history.try_into().unwrap_or(i32::MAX),
        time_out: s.time_out,
        concurrent_jobs: s.concurrent_jobs.try_into().unwrap_or(i32::MAX),
        discard_pipeline: s.discard_pipeline,
        retry_limit: s.retry_limit.try_into().unwrap_or(i32::MAX),
        working_directory: s.working_directory.map(|dir| dir.display().to_string()),
        script_error_action: s.script_error_action.map(|a| a.name().to_owned()),
        roles: s.roles,
        disable_manual_invocation: s.disable_manual_invocation,
        load_profile: s.load_profile,
        content: with_content.then(|| std::fs::read_to_string(&at.file).unwrap_or_default()),
    }
}

pub async fn list(State(app): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<Script>>> {
    caller.require(Action::Read)?;
    let paths = app.repo.list().map_err(Failure::internal)?;
    let mut scripts = Vec::with_capacity(paths.len());
    for full_path in paths {
        let at = locate_path(&app, &full_path)?;
        scripts.push(describe(&app, &at, false));
    }
    Ok(Json(scripts))
}

pub async fn get(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Script>> {
    caller.require(Action::Read)?;
    Ok(Json(describe(&app, &locate_id(&app, &id)?, true)))
}

pub async fn by_path(
    State(app): State<AppState>,
    caller: Caller,
    Path(path): Path<String>,
) -> ApiResult<Json<Script>> {
    caller.require(Action::Read)?;
    Ok(Json(describe(&app, &locate_path(&app, &path)?, true)))
}

pub async fn parameters(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<ScriptParameter>>> {
    caller.require(Action::Read)?;
    let at = locate_id(&app, &id)?;
    Ok(Json(read_parameters(&app, &at).await?))
}

pub async fn read_parameters(app: &AppState, at: &Located) -> ApiResult<Vec<ScriptParameter>> {
    let pwsh = app.engine.settings().pwsh.clone();
    let mut found = app
        .engine
        .parameters
        .read(
            &pwsh,
            app.engine.store.as_ref(),
            &[(at.id, at.file.clone())],
        )
        .await?;
    Ok(found.remove(&at.id).unwrap_or_default())
}
