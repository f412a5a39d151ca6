//! Resolving the `{id}` of job routes: a numeric id or a run id (GUID). With the Job Run ID
//! setting on, numeric ids are refused as unknown, as PSU does.

use model::Job;
use uuid::Uuid;

use super::AppState;
use super::error::{ApiResult, Failure};

pub fn find(app: &AppState, key: &str) -> ApiResult<Job> {
    let store = &app.engine.store;
    let found = if let Ok(id) = key.parse::<i64>() {
        if app.engine.settings().job_run_id {
            None
        } else {
            store.job(id)?
        }
    } else if let Ok(run_id) = Uuid::parse_str(key) {
        store.job_by_run_id(run_id)?
    } else {
        return Err(Failure::bad_request(
            "job.id.invalid",
            format!("{key:?} is neither a job id nor a run id"),
        ));
    };
    found.ok_or_else(|| Failure::not_found("job.not_found", format!("job {key} does not exist")))
}
