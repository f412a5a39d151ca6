//! Running one job in a session: the event stream, stop (signal, then kill after a grace
//! period), and the final outcome.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clixml::Value;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::create_pipeline::CommandSpec;
use crate::error::{Error, Result};
use crate::host::{Host, HostWrite, HostWriteKind};
use crate::host_call::{self, Request};
use crate::invocation::{Invocation, ScriptSource};
use crate::message::{Message, MessageType};
use crate::process::ProcessWatcher;
use crate::records::{
    ErrorRecord, InformationRecord, InformationalRecord, OutputRecord, ProgressRecord,
};
use crate::session::{Session, SessionInner, decode};
use crate::transport::Transport;
use crate::values::{hashtable, prop};

pub(crate) const PIPELINE_STOPPED: i64 = 3;
pub(crate) const PIPELINE_COMPLETED: i64 = 4;

/// Events buffered for a slow consumer before the pipeline is paused.
const EVENT_CAPACITY: usize = 256;
/// How long a stopped pipeline may take before its process tree is killed.
pub const DEFAULT_STOP_GRACE: Duration = Duration::from_secs(5);

/// Something a running job produced, in the order it arrived.
#[derive(Debug, Clone)]
pub enum Event {
    Output(OutputRecord),
    Error(ErrorRecord),
    Warning(InformationalRecord),
    Verbose(InformationalRecord),
    Debug(InformationalRecord),
    Information(InformationRecord),
    Progress(ProgressRecord),
    /// Text written straight to the host (`$host.UI.Write*`). PowerShell also echoes the
    /// records it displays (`Write-Host`, and `Write-Warning`/`-Verbose`/`-Debug`/
    /// `-Information` when their preference shows them) as host writes; those echoes are dropped here because
    /// the records are canonical.
    HostWrite(HostWrite),
    /// A line of stdout (minimal environments only).
    Stdout(String),
    /// A line of stderr (minimal environments only).
    Stderr(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinalState {
    Completed,
    Failed,
    Stopped,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub state: FinalState,
    /// `exit N` of the script (script text or file), else `$LASTEXITCODE` if it was set;
    /// for minimal environments the process exit code.
    pub exit_code: Option<i32>,
    /// The terminating error of a failed (or stopped) pipeline.
    pub error: Option<ErrorRecord>,
}

/// A running job: read its events, stop it, await its outcome.
pub struct RunHandle {
    events: mpsc::Receiver<Event>,
    outcome: oneshot::Receiver<Result<Outcome>>,
    stopper: Stopper,
}

impl RunHandle {
    pub(crate) fn new(
        events: mpsc::Receiver<Event>,
        outcome: oneshot::Receiver<Result<Outcome>>,
        stopper: Stopper,
    ) -> RunHandle {
        RunHandle {
            events,
            outcome,
            stopper,
        }
    }

    /// The next event; `None` once the job has finished and every event was read.
    pub async fn next_event(&mut self) -> Option<Event> {
        self.events.recv().await
    }

    /// The next event if one has already arrived; never waits.
    pub fn try_next_event(&mut self) -> Option<Event> {
        self.events.try_recv().ok()
    }

    /// A handle that can stop the job from another task.
    pub fn stopper(&self) -> Stopper {
        self.stopper.clone()
    }

    /// The process id of the job (also its process group id).
    pub fn pid(&self) -> u32 {
        self.stopper.process.pid()
    }

    /// Waits for the job to end. Unread events are discarded. `Err` when the process died
    /// under the job (not when it was killed by [`Stopper::stop`]).
    pub async fn outcome(self) -> Result<Outcome> {
        drop(self.events);
        self.outcome.await.unwrap_or_else(|_| {
            Err(Error::Protocol(
                "the job driver ended without an outcome".into(),
            ))
        })
    }
}

/// Stops a running job: the pipeline is signalled, and if it has not ended within the
/// grace period the whole process tree is killed.
#[derive(Clone)]
pub struct Stopper {
    process: ProcessWatcher,
    pipeline: Option<(Arc<Transport>, Uuid)>,
    requested: Arc<AtomicBool>,
    finished: watch::Receiver<bool>,
}

impl Stopper {
    pub(crate) fn new(
        process: ProcessWatcher,
        pipeline: Option<(Arc<Transport>, Uuid)>,
        finished: watch::Receiver<bool>,
    ) -> Stopper {
        Stopper {
            process,
            pipeline,
            requested: Arc::new(AtomicBool::new(false)),
            finished,
        }
    }

    pub(crate) fn was_requested(&self) -> bool {
        self.requested.load(Ordering::SeqCst)
    }

    pub async fn stop(&self) {
        self.stop_with_grace(DEFAULT_STOP_GRACE).await;
    }

    /// Returns once the job has ended or its process tree was killed. Without a pipeline
    /// to signal (minimal environments) the tree is killed at once.
    pub async fn stop_with_grace(&self, grace: Duration) {
        self.requested.store(true, Ordering::SeqCst);
        let Some((transport, pid)) = &self.pipeline else {
            self.process.kill_tree().await;
            return;
        };
        let (transport, pid) = (transport.clone(), *pid);
        tokio::spawn(async move {
            let _ = transport.signal(pid).await;
        });
        let mut finished = self.finished.clone();
        // Reduced to a bool at once: the `watch` guard `wait_for` returns is not `Send`, and
        // holding it across the kill below would make this future unusable in `tokio::spawn`.
        let ended = matches!(
            tokio::time::timeout(grace, finished.wait_for(|f| *f)).await,
            Ok(Ok(_))
        );
        if !ended {
            self.process.kill_tree().await;
        }
    }
}

impl Session {
    /// Runs `invocation` as this session's one job. Host calls go to `host`.
    pub async fn run(self, invocation: Invocation, host: Arc<dyn Host>) -> Result<RunHandle> {
        let inner = self.inner.clone();
        if !invocation.env.is_empty()
            || !invocation.variables.is_empty()
            || invocation.location.is_some()
        {
            inner
                .run_helper(prepare_command(
                    &invocation.env,
                    &invocation.variables,
                    invocation.location.as_deref(),
                ))
                .await?;
        }
        let mut args = Vec::with_capacity(invocation.parameters.len());
        for (name, value) in &invocation.parameters {
            args.push((name.clone(), value.to_wire(inner.as_ref()).await?));
        }
        let spec = match invocation.script {
            ScriptSource::File(path) if invocation.load_profile => CommandSpec {
                command: WITH_PROFILE_SCRIPT.into(),
                is_script: true,
                args: vec![
                    (
                        "__PSUJobsScript".into(),
                        Value::Str(path.to_string_lossy().into_owned()),
                    ),
                    ("__PSUJobsParameters".into(), hashtable(args)),
                ],
            },
            ScriptSource::File(path) => CommandSpec {
                command: path.to_string_lossy().into_owned(),
                is_script: false,
                args,
            },
            ScriptSource::Text(text) => CommandSpec {
                command: text,
                is_script: true,
                args,
            },
        };
        let (pid, rx) = inner.start_pipeline(spec).await?;
        let (events_tx, events_rx) = mpsc::channel(EVENT_CAPACITY);
        let (outcome_tx, outcome_rx) = oneshot::channel();
        let (finished_tx, finished_rx) = watch::channel(false);
        let stopper = Stopper::new(
            inner.transport.process().watcher(),
            Some((inner.transport.clone(), pid)),
            finished_rx,
        );
        let driver = Driver {
            session: self,
            pid,
            events: events_tx,
            host,
            stopper: stopper.clone(),
        };
        tokio::spawn(async move {
            let outcome = driver.run(rx, finished_tx).await;
            let _ = outcome_tx.send(outcome);
        });
        Ok(RunHandle::new(events_rx, outcome_rx, stopper))
    }
}

/// The job's pipeline when its script loads the profiles: the paths and `$PROFILE` a console
/// sets, each profile that exists dot-sourced into the global scope (one that fails is a
/// warning, and the job goes on, as in a console), then the script with its parameters.
/// Engine APIs only, for the reason [`prepare_command`] gives; the names are unlikely to meet
/// a script's own, since script text runs in the global scope.
const WITH_PROFILE_SCRIPT: &str = r#"param($__PSUJobsScript, $__PSUJobsParameters)
$__PSUJobsUser = if ($IsWindows) { [IO.Path]::Combine([Environment]::GetFolderPath('MyDocuments'), 'PowerShell') } elseif ($env:XDG_CONFIG_HOME) { [IO.Path]::Combine($env:XDG_CONFIG_HOME, 'powershell') } else { [IO.Path]::Combine($HOME, '.config', 'powershell') }
$__PSUJobsProfiles = [ordered]@{
    AllUsersAllHosts = [IO.Path]::Combine($PSHOME, 'profile.ps1')
    AllUsersCurrentHost = [IO.Path]::Combine($PSHOME, 'Microsoft.PowerShell_profile.ps1')
    CurrentUserAllHosts = [IO.Path]::Combine($__PSUJobsUser, 'profile.ps1')
    CurrentUserCurrentHost = [IO.Path]::Combine($__PSUJobsUser, 'Microsoft.PowerShell_profile.ps1')
}
$global:PROFILE = [psobject]$__PSUJobsProfiles.CurrentUserCurrentHost
foreach ($__PSUJobsEntry in $__PSUJobsProfiles.GetEnumerator()) { $PROFILE.PSObject.Properties.Add([psnoteproperty]::new($__PSUJobsEntry.Key, $__PSUJobsEntry.Value)) }
foreach ($__PSUJobsEntry in $__PSUJobsProfiles.Values) {
    if ([IO.File]::Exists($__PSUJobsEntry)) { try { . $__PSUJobsEntry } catch { Write-Warning "the profile $__PSUJobsEntry failed: $_" } }
}
& $__PSUJobsScript @__PSUJobsParameters
"#;

const PREPARE_SCRIPT: &str = "param($Variables, $Globals, $Location) foreach ($e in $Variables.GetEnumerator()) { [Environment]::SetEnvironmentVariable([string]$e.Key, [string]$e.Value) }; foreach ($g in $Globals.GetEnumerator()) { $ExecutionContext.SessionState.PSVariable.Set([string]$g.Key, $g.Value) }; if ($Location) { try { $null = $ExecutionContext.SessionState.Path.SetLocation([WildcardPattern]::Escape($Location)) } catch { throw $_ }; [Environment]::CurrentDirectory = $Location }";

/// Sets per-job environment variables, global variables and the location inside an already
/// running (warm) process, in one round trip. A location that cannot be set fails the helper
/// (`throw`: a method's exception alone would only be reported, and the script would run
/// elsewhere); the script text runs in the global scope, so no preference is changed for it.
pub(crate) fn prepare_command(
    env: &[(String, String)],
    variables: &[(String, Value)],
    location: Option<&std::path::Path>,
) -> CommandSpec {
    let vars = env
        .iter()
        .map(|(k, v)| (k.clone(), Value::Str(v.clone())))
        .collect();
    CommandSpec {
        // Engine APIs only: a cmdlet here (Set-Variable) would autoload its module in the
        // job's critical path, which costs a warm process about 400 ms.
        command: PREPARE_SCRIPT.into(),
        is_script: true,
        args: vec![
            ("Variables".into(), hashtable(vars)),
            ("Globals".into(), hashtable(variables.to_vec())),
            (
                "Location".into(),
                location.map_or(Value::Nil, |l| Value::Str(l.to_string_lossy().into_owned())),
            ),
        ],
    }
}

struct Driver {
    session: Session,
    pid: Uuid,
    events: mpsc::Sender<Event>,
    host: Arc<dyn Host>,
    stopper: Stopper,
}

impl Driver {
    async fn run(
        self,
        mut rx: mpsc::Receiver<Message>,
        finished: watch::Sender<bool>,
    ) -> Result<Outcome> {
        let inner = self.session.inner.clone();
        // Host calls are answered on their own tasks: the caller may take minutes to reply
        // and output queued before the call must keep flowing meanwhile. Dropping the set
        // at the end abandons any still waiting.
        let mut host_calls = JoinSet::new();
        let mut seen = Seen::default();
        let end = loop {
            let Some(m) = rx.recv().await else {
                break Err(inner.transport.closed_error().await);
            };
            match self.handle(&m, &inner, &mut host_calls, &mut seen).await {
                Ok(Some(state)) => break Ok(state),
                Ok(None) => {}
                Err(e) => tracing::warn!("skipping a message of pipeline {}: {e}", self.pid),
            }
        };
        finished.send_replace(true);
        drop(host_calls);
        let outcome = match end {
            Ok((state, error)) => {
                inner.close_pipeline(self.pid).await;
                let exit_code = match (seen.should_exit, state) {
                    (Some(code), _) => Some(code),
                    (None, FinalState::Stopped) => None,
                    (None, _) => last_exit_code(&inner).await,
                };
                Ok(Outcome {
                    state,
                    exit_code,
                    error,
                })
            }
            Err(_) if self.stopper.was_requested() => Ok(Outcome {
                state: FinalState::Stopped,
                exit_code: None,
                error: None,
            }),
            Err(e) => Err(e),
        };
        inner.close().await;
        outcome
    }

    /// Handles one message; `Some` when it ended the pipeline.
    async fn handle(
        &self,
        m: &Message,
        inner: &Arc<SessionInner>,
        host_calls: &mut JoinSet<()>,
        seen: &mut Seen,
    ) -> Result<Option<(FinalState, Option<ErrorRecord>)>> {
        let record = |m: &Message| decode(&m.body);
        let event = match m.message_type {
            MessageType::PipelineOutput => Event::Output(OutputRecord {
                clixml: m.body.clone(),
            }),
            MessageType::ErrorRecord => {
                Event::Error(ErrorRecord::from_value(&record(m)?, m.body.clone()))
            }
            MessageType::WarningRecord => {
                Event::Warning(InformationalRecord::from_value(&record(m)?, m.body.clone()))
            }
            MessageType::VerboseRecord => {
                Event::Verbose(InformationalRecord::from_value(&record(m)?, m.body.clone()))
            }
            MessageType::DebugRecord => {
                Event::Debug(InformationalRecord::from_value(&record(m)?, m.body.clone()))
            }
            MessageType::InformationRecord => {
                Event::Information(InformationRecord::from_value(&record(m)?, m.body.clone()))
            }
            MessageType::ProgressRecord => {
                Event::Progress(ProgressRecord::from_value(&record(m)?, m.body.clone()))
            }
            MessageType::PipelineHostCall => match host_call::parse(&m.body)? {
                Request::Write(w) => {
                    if seen
                        .echo
                        .take()
                        .is_some_and(|(kind, text)| kind == w.kind && text == w.text)
                    {
                        return Ok(None);
                    }
                    Event::HostWrite(w)
                }
                Request::SetShouldExit(code) => {
                    seen.should_exit = Some(code);
                    return Ok(None);
                }
                Request::Ignore => return Ok(None),
                Request::Answer(pending) => {
                    let (inner, host, pid) = (inner.clone(), self.host.clone(), self.pid);
                    host_calls.spawn(async move {
                        let body = pending.respond(&host, inner.as_ref()).await;
                        if let Err(e) = inner.send_host_response(pid, &body).await {
                            tracing::warn!("cannot answer a host call: {e}");
                        }
                    });
                    return Ok(None);
                }
            },
            MessageType::PipelineState => return Ok(Some(final_state(&record(m)?))),
            _ => return Ok(None),
        };
        seen.echo = echo_of(&event);
        // A consumer that went away just stops receiving; the job still runs to its end.
        let _ = self.events.send(event).await;
        Ok(None)
    }
}

/// What the driver remembers between messages.
#[derive(Default)]
struct Seen {
    /// `exit N` of top-level script text.
    should_exit: Option<i32>,
    /// The host write that would merely echo the record just emitted.
    echo: Option<(HostWriteKind, String)>,
}

/// The host write PowerShell sends right after displaying `event`, if any.
fn echo_of(event: &Event) -> Option<(HostWriteKind, String)> {
    match event {
        Event::Warning(r) => Some((HostWriteKind::Warning, r.message.clone())),
        Event::Verbose(r) => Some((HostWriteKind::Verbose, r.message.clone())),
        Event::Debug(r) => Some((HostWriteKind::Debug, r.message.clone())),
        // Write-Host, and Write-Information when its preference is Continue.
        Event::Information(r) => Some((HostWriteKind::Output, r.message.clone())),
        _ => None,
    }
}

fn final_state(body: &Value) -> (FinalState, Option<ErrorRecord>) {
    let state = match prop(body, "PipelineState").and_then(Value::as_i64) {
        Some(PIPELINE_COMPLETED) => FinalState::Completed,
        Some(PIPELINE_STOPPED) => FinalState::Stopped,
        // PIPELINE_FAILED, and anything unexpected.
        _ => FinalState::Failed,
    };
    let error = prop(body, "ExceptionAsErrorRecord")
        .filter(|v| !matches!(v, Value::Nil))
        .map(|e| ErrorRecord::from_value(e, clixml::encode_fragment(e)));
    (state, error)
}

/// `$LASTEXITCODE` after the job: how `exit N` in a script file is observable.
async fn last_exit_code(inner: &SessionInner) -> Option<i32> {
    let outputs = inner
        .run_helper(CommandSpec {
            command: "$global:LASTEXITCODE".into(),
            is_script: true,
            args: Vec::new(),
        })
        .await
        .ok()?;
    let value = decode(outputs.first()?).ok()?;
    value.as_i64().and_then(|n| i32::try_from(n).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server stops jobs from a spawned task, so the stop future must be `Send`; this
    /// fails to compile if it is not.
    #[test]
    fn stop_with_grace_is_send() {
        fn assert_send<T: Send>(_: &T) {}
        fn check(stopper: &Stopper) {
            assert_send(&stopper.stop_with_grace(Duration::ZERO));
        }
        let _ = check;
    }
}
