//! Runs one job in PowerShell through `psrp`: picks a process (a warm one from the
//! environment's pool, or a fresh one for run-as), adapts psrp's events to store writes,
//! turns host calls into feedback prompts, and stops the process tree on cancel.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use model::{ConsoleColor, JobOutput, OutputType};
use psrp::{
    Credential, Environment, Event, FinalState, Invocation, Pool, RunHandle, SecretString, Session,
};
use tokio_util::sync::CancellationToken;

use crate::config::{EnvironmentConfig, EnvironmentKind, Settings};
use crate::engine::{JobSink, ParamValue, Progress, RunSpec};
use crate::feedback_host::FeedbackHost;
use crate::host_lines::HostLines;
use crate::store::Appended;

/// How long a stopped job may take to end its pipeline before its process tree is killed.
const STOP_GRACE: Duration = Duration::from_secs(2);
/// Most events stored in one transaction, so that readers waiting on a fast job still see
/// its output arrive in steps.
const BATCH_MAX: usize = 256;

/// How a job's script ended (when it was not stopped from outside).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub exit_code: Option<i32>,
    /// The terminating error's message, when the script failed with one.
    pub terminating_error: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Psrp(#[from] psrp::Error),
    #[error("cannot run as {user:?}: {reason}")]
    RunAs { user: String, reason: String },
}

/// The warm pools, one per PowerShell environment, rebuilt as the settings change.
pub struct Runner {
    pools: RwLock<HashMap<String, Warm>>,
}

/// One environment's pool and what it was built from.
struct Warm {
    config: EnvironmentConfig,
    size: usize,
    pool: Arc<Pool>,
}

impl Runner {
    pub fn new(settings: &Settings) -> Self {
        let runner = Self {
            pools: RwLock::default(),
        };
        runner.apply(settings);
        runner
    }

    /// Brings the pools in line with `settings`: an environment added or changed, or a new
    /// number of warm processes, gets a new pool, and a removed environment loses its own; the
    /// idle processes of a pool go with it, while a job keeps the process it took.
    pub fn apply(&self, settings: &Settings) {
        let mut pools = self.pools.write().unwrap_or_else(|p| p.into_inner());
        pools.retain(|name, warm| {
            warm.size == settings.warm_processes
                && settings.environments.get(name) == Some(&warm.config)
        });
        for (name, config) in &settings.environments {
            if config.kind == EnvironmentKind::Powershell && !pools.contains_key(name) {
                let pool = Pool::new(environment(name, config), settings.warm_processes);
                pools.insert(
                    name.clone(),
                    Warm {
                        config: config.clone(),
                        size: settings.warm_processes,
                        pool: Arc::new(pool),
                    },
                );
            }
        }
    }

    fn pool(&self, environment: &str) -> Option<Arc<Pool>> {
        let pools = self.pools.read().unwrap_or_else(|p| p.into_inner());
        pools.get(environment).map(|warm| warm.pool.clone())
    }

    /// Warm processes ready now, over all environments.
    pub fn warm(&self) -> usize {
        let pools = self.pools.read().unwrap_or_else(|p| p.into_inner());
        pools.values().map(|warm| warm.pool.warm()).sum()
    }

    pub async fn run(
        &self,
        spec: &RunSpec,
        sink: Arc<JobSink>,
        cancel: &CancellationToken,
    ) -> Result<Outcome, RunError> {
        let mut env = environment(&spec.environment_name, &spec.environment);
        let handle = if spec.environment.kind == EnvironmentKind::Minimal {
            env.args.push(spec.script_file.display().to_string());
            env.working_dir = spec.location.clone();
            psrp::run_minimal(&env, &spec.process_env).await?
        } else {
            let session = match &spec.run_as {
                Some(run_as) => Session::open(&run_as_environment(env, &run_as.user)?)
                    .await
                    .map_err(|e| RunError::RunAs {
                        user: run_as.user.clone(),
                        reason: e.to_string(),
                    })?,
                None => match self.pool(&spec.environment_name) {
                    Some(pool) => pool.take().await?,
                    None => Session::open(&env).await?,
                },
            };
            let mut invocation = Invocation::file(&spec.script_file);
            invocation.env = spec.process_env.clone();
            invocation.variables = spec.variables.clone();
            if let Some(action) = spec.error_action {
                invocation.variables.push((
                    "ErrorActionPreference".into(),
                    clixml::Value::Str(action.name().into()),
                ));
            }
            invocation.location = spec.location.clone();
            invocation.load_profile = spec.load_profile;
            for (name, value) in &spec.parameters {
                invocation = invocation.param(name, to_psrp(value));
            }
            session
                .run(invocation, Arc::new(FeedbackHost { sink: sink.clone() }))
                .await?
        };
        sink.process_started(handle.pid());
        drive(handle, &sink, cancel).await
    }
}

/// The process an environment starts: its executable, arguments and variables.
pub(crate) fn environment(name: &str, config: &EnvironmentConfig) -> Environment {
    let mut env = match config.kind {
        EnvironmentKind::Powershell => Environment::pwsh(name, &config.executable),
        EnvironmentKind::Minimal => Environment::minimal(name, &config.executable, Vec::new()),
    };
    if let Some(args) = &config.args {
        env.args = args.clone();
    }
    env.env = config
        .variables
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if config.kind == EnvironmentKind::Powershell {
        // Spawn-time, so warm processes have it too: `-Integrated` cmdlets autoload.
        env.env.extend(crate::ipc::module_env());
    }
    env
}

/// Starts the environment's process as `user`. On Unix that needs the server to run as
/// root (it switches user with `runuser`); elsewhere it is refused with the reason.
fn run_as_environment(mut env: Environment, user: &str) -> Result<Environment, RunError> {
    let refuse = |reason: &str| RunError::RunAs {
        user: user.into(),
        reason: reason.into(),
    };
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        // /proc/self is owned by the process's effective user.
        let euid = std::fs::metadata("/proc/self")
            .map(|m| m.uid())
            .map_err(|e| refuse(&e.to_string()))?;
        if euid != 0 {
            return Err(refuse(
                "switching users needs the server to run as root on Linux",
            ));
        }
        let mut args = vec!["-u".to_string(), user.to_string(), "--".to_string()];
        args.push(env.executable.display().to_string());
        args.append(&mut env.args);
        env.executable = "runuser".into();
        env.args = args;
        Ok(env)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = &mut env;
        Err(refuse("run-as is not supported on this platform yet"))
    }
}

fn to_psrp(value: &ParamValue) -> psrp::ParamValue {
    match value {
        ParamValue::Value(v) => psrp::ParamValue::Value(v.clone()),
        ParamValue::Credential { user, password } => psrp::ParamValue::Credential(Credential {
            user_name: user.clone(),
            password: SecretString::from(password.clone()),
        }),
        ParamValue::Secured(v) => psrp::ParamValue::Secured(v.clone()),
    }
}

/// Reads events until the job ends; on cancel, stops it (signal, then kill after a grace).
async fn drive(
    mut handle: RunHandle,
    sink: &JobSink,
    cancel: &CancellationToken,
) -> Result<Outcome, RunError> {
    let stopper = handle.stopper();
    let mut stopping = None;
    let mut lines = HostLines::default();
    loop {
        tokio::select! {
            event = handle.next_event() => match event {
                Some(first) => {
                    // What has already arrived behind it is stored with it, in one
                    // transaction: a busy job's records cost a commit per batch, not one
                    // each. Nothing is held back waiting for a batch to fill.
                    let mut batch = vec![first];
                    while batch.len() < BATCH_MAX
                        && let Some(more) = handle.try_next_event()
                    {
                        batch.push(more);
                    }
                    let records = batch.into_iter().filter_map(|e| stored(sink, &mut lines, e));
                    sink.append(records.collect());
                }
                None => {
                    if let Some(rest) = lines.finish() {
                        sink.append(vec![Appended::Output(rest)]);
                    }
                    break;
                }
            },
            () = cancel.cancelled(), if stopping.is_none() => {
                let stopper = stopper.clone();
                // Spawned so events keep being recorded while the pipeline winds down.
                stopping = Some(tokio::spawn(async move {
                    stopper.stop_with_grace(STOP_GRACE).await;
                }));
            }
        }
    }
    let outcome = handle.outcome().await;
    if let Some(stopping) = stopping {
        let _ = stopping.await;
    }
    let outcome = outcome?;
    Ok(Outcome {
        exit_code: outcome.exit_code,
        terminating_error: match outcome.state {
            FinalState::Failed => Some(
                outcome
                    .error
                    .map_or_else(|| "the script failed".to_string(), |e| e.message),
            ),
            FinalState::Completed | FinalState::Stopped => None,
        },
    })
}

/// What a job event adds to the job's stored output, host output joined into whole lines.
fn stored(sink: &JobSink, lines: &mut HostLines, event: Event) -> Option<Appended> {
    let ends_line = ends_line(&event);
    match appended(sink, event) {
        Appended::Output(record) => lines.join(record, ends_line).map(Appended::Output),
        pipeline => Some(pipeline),
    }
}

/// False for a piece of host output that leaves its line open ([`HostLines`]).
fn ends_line(event: &Event) -> bool {
    match event {
        Event::Information(r) if r.is_host => !r.no_newline,
        Event::HostWrite(w) => w.newline,
        _ => true,
    }
}

fn time(t: SystemTime) -> Option<DateTime<Utc>> {
    Some(t.into())
}

/// `record` in the colours its host write gave (`ConsoleColor` names or values, as sent).
fn painted(record: JobOutput, foreground: Option<String>, background: Option<String>) -> JobOutput {
    let color = |c: Option<String>| c.as_deref().and_then(ConsoleColor::from_text);
    JobOutput {
        foreground_color: color(foreground),
        background_color: color(background),
        ..record
    }
}

/// What a job event adds to the job's stored output (progress also updates the job).
fn appended(sink: &JobSink, event: Event) -> Appended {
    let simple = |output_type, message: String, timestamp, data: Option<String>| JobOutput {
        output_type,
        message,
        timestamp,
        data,
        ..JobOutput::default()
    };
    let rec = match event {
        Event::Output(o) => return Appended::Pipeline(o.clixml),
        Event::Error(e) => JobOutput {
            output_type: OutputType::Error,
            message: e.message,
            timestamp: time(e.received),
            error_id: e.fully_qualified_error_id,
            category: e.category_message.or(e.category),
            target_name: e.target,
            script_stack_trace: e.script_stack_trace,
            position_message: e.position_message,
            data: Some(e.clixml),
            ..JobOutput::default()
        },
        Event::Warning(r) => simple(
            OutputType::Warning,
            r.message,
            time(r.received),
            Some(r.clixml),
        ),
        Event::Verbose(r) => simple(
            OutputType::Verbose,
            r.message,
            time(r.received),
            Some(r.clixml),
        ),
        Event::Debug(r) => simple(
            OutputType::Debug,
            r.message,
            time(r.received),
            Some(r.clixml),
        ),
        Event::Information(r) => painted(
            simple(
                if r.is_host {
                    OutputType::Host
                } else {
                    OutputType::Information
                },
                r.message,
                time(r.received),
                Some(r.clixml),
            ),
            r.foreground_color,
            r.background_color,
        ),
        Event::Progress(p) => {
            let message = format!("{}: {} ({}%)", p.activity, p.status, p.percent_complete);
            sink.progress(Progress {
                activity: p.activity,
                status_description: p.status,
                current_operation: p.current_operation,
                percent_complete: p.percent_complete,
                seconds_remaining: p.seconds_remaining,
            });
            simple(
                OutputType::Progress,
                message,
                time(p.received),
                Some(p.clixml),
            )
        }
        Event::HostWrite(w) => painted(
            simple(OutputType::Host, w.text, None, None),
            w.foreground_color,
            w.background_color,
        ),
        Event::Stdout(line) => simple(OutputType::Information, line, None, None),
        Event::Stderr(line) => simple(OutputType::Error, line, None, None),
    };
    Appended::Output(rec)
}
