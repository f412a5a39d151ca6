//! Starting a script: `POST /script/{id}` or `/script/path/{fullPath}` with a JobContext body.

use model::JobContext;
use serde_json::Value;
use uuid::Uuid;

use crate::client::{Client, parse_json};
use crate::error::{Error, Resource, Result};
use crate::job_ref::JobRef;
use crate::path::repository_path;
use crate::transport::{ApiRequest, Method};

impl Client {
    /// Starts script `id`; returns the new job's id (or its run id in Job Run ID mode).
    pub async fn run_script(&self, id: i64, context: &JobContext) -> Result<JobRef> {
        self.run(format!("script/{id}"), id.to_string(), context)
            .await
    }

    /// Starts the script at a repository path.
    pub async fn run_script_path(&self, full_path: &str, context: &JobContext) -> Result<JobRef> {
        let path = format!("script/path/{}", repository_path(full_path)?);
        self.run(path, full_path.to_owned(), context).await
    }

    async fn run(&self, path: String, script: String, context: &JobContext) -> Result<JobRef> {
        let body = serde_json::to_value(context)
            .map_err(|e| Error::InvalidArgument(format!("cannot send the job context: {e}")))?;
        let request = ApiRequest::new(Method::Post, path.clone()).body(body);
        let response = self.send(request, Resource::Script(script)).await?;
        started_job(parse_json(&response.body, &path)?)
    }
}

/// The started job's reference in any of the shapes servers answer with: a bare number (PSU,
/// ours), a string holding a number or a run id, or an object with `id` and/or `runId`.
fn started_job(answer: Value) -> Result<JobRef> {
    let found = match &answer {
        Value::Number(n) => n.as_i64().map(JobRef::Id),
        Value::String(text) => text_ref(text),
        Value::Object(fields) => {
            let field = |names: [&str; 2]| names.iter().find_map(|n| fields.get(*n));
            let id = field(["id", "Id"]).and_then(|v| match v {
                Value::Number(n) => n.as_i64().filter(|&id| id > 0).map(JobRef::Id),
                Value::String(text) => text_ref(text),
                _ => None,
            });
            let run_id = field(["runId", "RunId"])
                .and_then(Value::as_str)
                .and_then(|t| Uuid::parse_str(t).ok())
                .map(JobRef::RunId);
            id.or(run_id)
        }
        _ => None,
    };
    found.ok_or_else(|| Error::BadResponse(format!("no job id in the answer to a run: {answer}")))
}

fn text_ref(text: &str) -> Option<JobRef> {
    let text = text.trim();
    text.parse::<i64>()
        .ok()
        .map(JobRef::Id)
        .or_else(|| Uuid::parse_str(text).ok().map(JobRef::RunId))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_answer_shape_gives_the_job() {
        let run_id = Uuid::from_u128(0xabc);
        assert_eq!(started_job(json!(12)).unwrap(), JobRef::Id(12));
        assert_eq!(started_job(json!("13")).unwrap(), JobRef::Id(13));
        assert_eq!(
            started_job(json!(run_id.to_string())).unwrap(),
            JobRef::RunId(run_id)
        );
        assert_eq!(started_job(json!({"id": 14})).unwrap(), JobRef::Id(14));
        assert_eq!(
            started_job(json!({"Id": 15, "RunId": run_id})).unwrap(),
            JobRef::Id(15)
        );
        assert_eq!(
            started_job(json!({"id": 0, "runId": run_id})).unwrap(),
            JobRef::RunId(run_id)
        );
    }

    #[test]
    fn answers_without_a_job_are_bad_responses() {
        for bad in [
            json!(null),
            json!("nope"),
            json!({}),
            json!([1]),
            json!(1.5),
        ] {
            assert_eq!(started_job(bad).unwrap_err().id(), "BadResponse");
        }
    }
}
