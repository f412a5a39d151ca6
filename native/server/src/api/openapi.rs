//! The OpenAPI 3 document of every route, built from one table.

use axum::Json;
use serde_json::{Value, json};

use super::error::ApiResult;
use crate::auth::{Action, Caller};

/// (method, path, summary, response description, needs a token)
const ROUTES: &[(&str, &str, &str, &str, bool)] = &[
    ("get", "/api/v1/alive", "Liveness", "{loading}", false),
    (
        "get",
        "/api/v1/version",
        "Server version",
        "{version}",
        false,
    ),
    ("get", "/api/v1/status", "Readiness", "{status}", false),
    (
        "get",
        "/metrics",
        "Prometheus metrics",
        "OpenMetrics text",
        true,
    ),
    (
        "get",
        "/swagger/v1/swagger.json",
        "This document",
        "OpenAPI 3 JSON",
        true,
    ),
    (
        "get",
        "/api/v1/environment",
        "List environments",
        "Environment[]",
        true,
    ),
    ("get", "/api/v1/script", "List scripts", "Script[]", true),
    ("get", "/api/v1/script/{id}", "Get a script", "Script", true),
    (
        "post",
        "/api/v1/script/{id}",
        "Run a script; body JobContext; query pairs are string parameters",
        "the job id (a run id string in Job Run ID mode)",
        true,
    ),
    (
        "get",
        "/api/v1/script/{id}/parameter",
        "Script parameters",
        "ScriptParameter[]",
        true,
    ),
    (
        "get",
        "/api/v1/script/path/{fullPath}",
        "Get a script by repository path",
        "Script",
        true,
    ),
    (
        "post",
        "/api/v1/script/path/{fullPath}",
        "Run a script by repository path",
        "the job id",
        true,
    ),
    (
        "get",
        "/api/v1/job",
        "List jobs (take, skip, orderBy, orderDirection, status, scriptId, scriptFullPath, parentJobId)",
        "{page: Job[], total}",
        true,
    ),
    (
        "get",
        "/api/v1/job/{id}",
        "Get a job by id or run id",
        "Job",
        true,
    ),
    (
        "get",
        "/api/v1/job/{id}/log",
        "The job's stream records as text",
        "{log}",
        true,
    ),
    (
        "get",
        "/api/v1/job/{id}/output",
        "Stream records (after, take, wait)",
        "JobOutput[]",
        true,
    ),
    (
        "get",
        "/api/v1/job/{id}/pipelineOutput",
        "Pipeline objects (Accept: application/clixml for one document)",
        "PipelineOutput[]",
        true,
    ),
    (
        "delete",
        "/api/v1/job/{id}/pipelineOutput",
        "Delete stored pipeline objects",
        "204",
        true,
    ),
    (
        "get",
        "/api/v1/job/{id}/parameters",
        "Parameters the job ran with",
        "JobParameter[]",
        true,
    ),
    (
        "get",
        "/api/v1/job/{id}/feedback",
        "The prompt the job waits on",
        "JobFeedback",
        true,
    ),
    (
        "post",
        "/api/v1/job/{id}/feedback",
        "Answer the prompt: {response} | {responses} | {choice}",
        "204",
        true,
    ),
    (
        "post",
        "/api/v1/job/{id}/cancel",
        "Cancel the job and its children",
        "202",
        true,
    ),
    (
        "get",
        "/api/v1/job/{id}/children",
        "Child jobs",
        "Job[]",
        true,
    ),
];

pub fn build() -> Value {
    let mut paths = serde_json::Map::new();
    for (method, path, summary, returns, secured) in ROUTES {
        let params: Vec<Value> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        let mut op = json!({
            "summary": summary,
            "parameters": params,
            "responses": {
                "200": {"description": returns},
                "400": {"description": "bad input", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}},
                "401": {"description": "no or invalid token"},
                "403": {"description": "role refused"},
                "404": {"description": "unknown"}
            }
        });
        if !secured {
            op["security"] = json!([]);
        }
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[method] = op;
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "PSUJobs", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"ApiError": {"type": "object", "properties": {"id": {"type": "string"}, "message": {"type": "string"}}}}
        }
    })
}

pub async fn document(caller: Caller) -> ApiResult<Json<Value>> {
    caller.require(Action::Read)?;
    Ok(Json(build()))
}
