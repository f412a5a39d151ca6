//! Starting a job: `POST /api/v1/script/{id}` and `/script/path/{fullPath}`.

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use model::{Identity, Job, JobContext, JobParameter, ScriptParameter};
use serde_json::Value;

use super::AppState;
use super::error::{ApiResult, Failure};
use super::extract::{Body, Q};
use super::scripts::{Located, locate_id, locate_path, read_parameters};
use super::{param_value, secret_param};
use crate::auth::{Action, Caller, Role};
use crate::config::EnvironmentKind;
use crate::engine::{ParamValue, RunAs, RunSpec};

/// Marks a request that a running job made over its integrated channel: the one way past a
/// script's `DisableManualInvocation`.
#[derive(Debug, Clone, Copy)]
pub struct CallingJob;

pub async fn by_id(
    State(app): State<AppState>,
    caller: Caller,
    calling: Option<Extension<CallingJob>>,
    Path(id): Path<String>,
    Q(query): Q<Vec<(String, String)>>,
    Body(ctx): Body<JobContext>,
) -> ApiResult<Json<Value>> {
    caller.require(Action::Run)?;
    let at = locate_id(&app, &id)?;
    start(&app, &caller, calling.is_some(), at, query, ctx).await
}

pub async fn by_path(
    State(app): State<AppState>,
    caller: Caller,
    calling: Option<Extension<CallingJob>>,
    Path(path): Path<String>,
    Q(query): Q<Vec<(String, String)>>,
    Body(ctx): Body<JobContext>,
) -> ApiResult<Json<Value>> {
    caller.require(Action::Run)?;
    let at = locate_path(&app, &path)?;
    start(&app, &caller, calling.is_some(), at, query, ctx).await
}

async fn start(
    app: &AppState,
    caller: &Caller,
    from_job: bool,
    at: Located,
    query: Vec<(String, String)>,
    ctx: JobContext,
) -> ApiResult<Json<Value>> {
    let settings = app.engine.settings();
    let script = settings.script(&at.full_path);
    if script.disable_manual_invocation && !from_job {
        return Err(Failure::new(
            StatusCode::FORBIDDEN,
            "script.manual_invocation_disabled",
            format!(
                "script {} has DisableManualInvocation set: only other jobs may run it, with -Integrated",
                at.full_path
            ),
        ));
    }
    if !script.roles.is_empty()
        && caller.role != Role::Administrator
        && !script
            .roles
            .iter()
            .any(|r| r.eq_ignore_ascii_case(&caller.role.to_string()))
    {
        return Err(Failure::forbidden(format!(
            "script {} may be run only by {}",
            at.full_path,
            script.roles.join(", ")
        )));
    }
    let environment_name = ctx
        .environment
        .or(script.environment.clone())
        .unwrap_or_else(|| settings.default_environment.clone());
    let environment = settings
        .environments
        .get(&environment_name)
        .cloned()
        .ok_or_else(|| {
            Failure::bad_request(
                "environment.unknown",
                format!("environment {environment_name:?} is not defined"),
            )
        })?;
    let supplied = query
        .into_iter()
        .map(|(name, value)| JobParameter {
            name,
            value: Value::String(value),
            ..Default::default()
        })
        .chain(ctx.job_parameters);
    // Minimal environments run any executable: parameters reach it as environment
    // variables, and there is no PowerShell param block to check them against.
    let (parameters, shown, process_env) = if environment.kind == EnvironmentKind::Minimal {
        let shown: Vec<JobParameter> = supplied.collect();
        let vars = shown
            .iter()
            .map(|p| (p.name.clone(), display(&p.value)))
            .collect();
        (Vec::new(), shown, vars)
    } else {
        let declared = read_parameters(app, &at).await?;
        misplaced(&declared, ctx.other_fields.keys())?;
        let (parameters, shown) = bind(app, &declared, supplied)?;
        (parameters, shown, Vec::new())
    };
    let credential = ctx.credential.or(script.credential.clone());
    let run_as = match &credential {
        Some(name) => {
            let stored = app.engine.store.credential(name)?.ok_or_else(|| {
                Failure::bad_request(
                    "credential.unknown",
                    format!("credential {name:?} is not stored"),
                )
            })?;
            Some(RunAs { user: stored.user })
        }
        None => None,
    };
    if let Some(parent) = ctx.parent_job_id
        && app.engine.store.job(parent)?.is_none()
    {
        return Err(Failure::bad_request(
            "job.parent.unknown",
            format!("parent job {parent} does not exist"),
        ));
    }
    let job = Job {
        script_id: Some(at.id),
        script_full_path: at.full_path.clone(),
        environment: Some(environment_name.clone()),
        identity: Some(Identity {
            id: Some(caller.token_id),
            name: caller.name.clone(),
            role: caller.role.to_string(),
        }),
        parent_job_id: ctx.parent_job_id,
        computer_name: Some(crate::host_name()),
        parameters: shown,
        notes: ctx.notes,
        tags: ctx.tags,
        credential,
        ..Job::default()
    };
    let spec = RunSpec {
        job_id: 0,
        script_file: at.file,
        script_full_path: at.full_path,
        parameters,
        environment_name,
        environment,
        process_env,
        variables: Vec::new(),
        run_as,
        timeout: (script.time_out > 0.0).then(|| Duration::from_secs_f64(script.time_out * 60.0)),
        discard_pipeline: script.discard_pipeline,
        retry_limit: script.retry_limit,
        location: script
            .working_directory
            .as_ref()
            .map(|dir| app.repo.root().join(dir)),
        error_action: script.script_error_action,
        load_profile: script.load_profile,
    };
    let job = app.engine.submit(job, spec)?;
    tracing::info!(job = job.id, script = %job.script_full_path, by = %caller.name, "job queued");
    Ok(Json(match (settings.job_run_id, job.run_id) {
        (true, Some(run_id)) => Value::String(run_id.to_string()),
        _ => Value::from(job.id),
    }))
}

/// A parameter value as text: strings as they are, anything else as JSON.
fn display(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

/// Refuses a body field that is not a JobContext field but names a script parameter, such as
/// `{"Count": 5}`: the job would start without it.
fn misplaced<'a>(
    declared: &[ScriptParameter],
    mut other_fields: impl Iterator<Item = &'a String>,
) -> ApiResult<()> {
    match other_fields.find(|field| declared.iter().any(|d| d.name.eq_ignore_ascii_case(field))) {
        Some(field) => Err(Failure::bad_request(
            "script.parameters.invalid",
            format!(
                "body field {field:?} names a parameter of the script, but the body is a JobContext: \
                 pass parameters as \"jobParameters\": [{{\"name\": {field:?}, \"value\": …}}] or in the query string"
            ),
        )),
        None => Ok(()),
    }
}

/// The values to pass to the script, and the parameters to show on the job.
type Bound = (Vec<(String, ParamValue)>, Vec<JobParameter>);

/// Query-string values are strings, and PowerShell will not bind the string "true" to a
/// `[switch]` or `[bool]`: those are converted here (an empty value means present).
fn coerce_flag(type_name: &str, value: Value) -> Value {
    let flag = type_name == "System.Management.Automation.SwitchParameter"
        || type_name == "System.Boolean";
    match value {
        Value::String(text) if flag => match text
            .trim()
            .trim_start_matches('$')
            .to_ascii_lowercase()
            .as_str()
        {
            "" | "true" | "1" => Value::Bool(true),
            "false" | "0" => Value::Bool(false),
            _ => Value::String(text),
        },
        other => other,
    }
}

/// Matches supplied parameters to the declared ones: unknown names and missing mandatory
/// parameters are refused with the script's parameter list. Returns the values to pass
/// and the values to show on the job (secrets redacted).
fn bind(
    app: &AppState,
    declared: &[ScriptParameter],
    supplied: impl Iterator<Item = JobParameter>,
) -> ApiResult<Bound> {
    let listing = || {
        let names: Vec<String> = declared
            .iter()
            .map(|p| {
                format!(
                    "{}{} [{}]",
                    if p.mandatory { "*" } else { "" },
                    p.name,
                    p.type_name
                )
            })
            .collect();
        if names.is_empty() {
            "it takes no parameters".to_string()
        } else {
            format!("its parameters are {}", names.join(", "))
        }
    };
    let mut values = Vec::new();
    let mut shown = Vec::new();
    for p in supplied {
        let Some(decl) = declared
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(&p.name))
        else {
            return Err(Failure::bad_request(
                "script.parameters.invalid",
                format!("unknown parameter {:?}: {}", p.name, listing()),
            ));
        };
        let declared_secret =
            decl.type_name.contains("SecureString") || decl.type_name.ends_with("PSCredential");
        let (value, display) = if p.is_variable {
            let name = p.value.as_str().unwrap_or_default().to_string();
            let cred = app.engine.store.credential(&name)?.ok_or_else(|| {
                Failure::bad_request(
                    "credential.unknown",
                    format!("credential {name:?} is not stored"),
                )
            })?;
            let password = app.secrets.open(&cred.secret).map_err(Failure::internal)?;
            let password = String::from_utf8(password).map_err(Failure::internal)?;
            (
                ParamValue::Credential {
                    user: cred.user,
                    password,
                },
                Value::String(name),
            )
        } else {
            let display = display(&p.value);
            let value = param_value::from_json(&coerce_flag(&decl.type_name, p.value))
                .and_then(secret_param::to_param)
                .map_err(|e| {
                    Failure::bad_request(
                        "script.parameters.invalid",
                        format!("parameter {:?}: {e}", decl.name),
                    )
                })?;
            (value, Value::String(display))
        };
        let secret = declared_secret || matches!(value, ParamValue::Secured(_));
        shown.push(JobParameter {
            name: decl.name.clone(),
            value: if secret {
                Value::String("********".into())
            } else {
                display
            },
            is_variable: p.is_variable,
            type_name: Some(decl.type_name.clone()),
        });
        values.push((decl.name.clone(), value));
    }
    if let Some(missing) = declared
        .iter()
        .filter(|d| d.mandatory)
        // A parameter mandatory in one named set only is not required by every call.
        .filter(|d| {
            d.parameter_set
                .as_deref()
                .is_none_or(|s| s == "__AllParameterSets")
        })
        .find(|d| !values.iter().any(|(n, _)| n.eq_ignore_ascii_case(&d.name)))
    {
        return Err(Failure::bad_request(
            "script.parameters.invalid",
            format!(
                "missing mandatory parameter {:?}: {}",
                missing.name,
                listing()
            ),
        ));
    }
    Ok((values, shown))
}
