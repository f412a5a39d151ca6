//! The job engine: a FIFO queue, kept in the store, under a server-wide and per-script
//! concurrency limit; one task per running job, timeouts, cancellation (with children), and
//! the change signal that long-polling readers wait on.

#[cfg(test)]
mod claim_window_tests;
mod cluster;
mod live;
mod recovery;
mod retention;
mod saved;
mod sink;
mod spec;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock, TryLockError};

use chrono::Utc;
use model::{FeedbackResponse, Job, JobFeedback, JobOutput, JobQuery, JobStatus, OutputType};
use tokio::sync::watch;

use crate::auth::Caller;
use crate::config::Settings;
use crate::ipc::{self, Channel};
use crate::metrics::Metrics;
use crate::node::Node;
use crate::runner::{self, Outcome, Runner};
use crate::script_params::ParameterReader;
use crate::secrets::SecretBox;
use crate::store::{Appended, Candidate, Store, StoreError};

pub use live::{Live, Refusal};
pub use recovery::{Recovered, recover};
pub use retention::{groom, spawn_groomer};
pub use sink::{JobSink, Progress};
pub use spec::{ParamValue, RunAs, RunSpec};

/// How many of the oldest queued jobs a claiming round looks at: enough that a few scripts at
/// their limit do not hide the jobs of others behind them.
const CLAIM_WINDOW: i64 = 1000;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("job {0} is not waiting on feedback")]
    NoFeedback(i64),
    #[error("that does not answer job {0}'s prompt: {1}")]
    BadAnswer(i64, String),
    #[error("job {0} has already finished")]
    Finished(i64),
    #[error("the server is shutting down")]
    ShuttingDown,
}

pub struct Engine {
    pub store: Arc<dyn Store>,
    /// This server, as the store's other servers know it.
    node: Node,
    /// Read anew by each call: a change to the config file applies while the server runs
    /// (see [`Engine::apply_settings`]).
    settings: RwLock<Arc<Settings>>,
    pub metrics: Arc<Metrics>,
    /// Seals the run specs of queued jobs kept in the store.
    secrets: Arc<SecretBox>,
    /// Script parameters, read once per script content.
    pub parameters: ParameterReader,
    runner: Runner,
    state: Mutex<State>,
    /// One claiming round at a time, so that two cannot both fill the last free slot.
    dispatching: Mutex<()>,
    /// Set by every call for a round; the round in progress looks again while it is set.
    dispatch_wanted: AtomicBool,
    /// Serialises read-modify-write of job documents.
    job_lock: Mutex<()>,
    /// Bumped after every stored change; long polls wait on it.
    changes: watch::Sender<u64>,
    /// The integrated channel, once the server has opened it: each job gets its address and
    /// a secret that lives as long as the job runs.
    channel: OnceLock<Arc<Channel>>,
}

#[derive(Default)]
struct State {
    running: HashMap<i64, Arc<Live>>,
    shutting_down: bool,
}

impl Engine {
    /// Must be called inside a tokio runtime (the runner starts its warm pools).
    pub fn new(
        store: Arc<dyn Store>,
        settings: Arc<Settings>,
        metrics: Arc<Metrics>,
        secrets: Arc<SecretBox>,
        node: Node,
    ) -> Arc<Self> {
        Arc::new(Self {
            node,
            secrets,
            runner: Runner::new(&settings),
            parameters: ParameterReader::new(metrics.parameter_reads.clone()),
            store,
            settings: RwLock::new(settings),
            metrics,
            state: Mutex::new(State::default()),
            dispatching: Mutex::new(()),
            dispatch_wanted: AtomicBool::new(false),
            job_lock: Mutex::new(()),
            changes: watch::channel(0).0,
            channel: OnceLock::new(),
        })
    }

    /// The metrics text, with the gauges that are read rather than counted brought up to date.
    pub fn render_metrics(&self) -> String {
        let warm = i64::try_from(self.runner.warm()).unwrap_or(i64::MAX);
        self.metrics.warm_processes.set(warm);
        match self.store.queued_count() {
            Ok(queued) => {
                self.metrics.jobs_queued.set(queued);
            }
            // The gauge keeps its last reading; the rest of the metrics still answer.
            Err(e) => tracing::warn!(error = %e, "cannot count the queued jobs for the metrics"),
        }
        self.metrics.render()
    }

    /// The settings as they are now.
    pub fn settings(&self) -> Arc<Settings> {
        self.settings
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Applies settings read again from the config file: all of them at once (a higher job
    /// limit starts queued jobs now, a changed environment gets new warm processes, a queued
    /// job keeps the environment it was queued with) but those fixed while the server runs
    /// (listening, TLS, the data folder, the database, the repository, the body limit).
    /// Returns the names of changed settings left as they were.
    pub fn apply_settings(self: &Arc<Self>, read: Settings) -> Vec<&'static str> {
        let kept = {
            let mut current = self.settings.write().unwrap_or_else(|p| p.into_inner());
            let kept = current.fixed_differences(&read);
            *current = Arc::new(Settings {
                listen: current.listen,
                tls: current.tls.clone(),
                data_dir: current.data_dir.clone(),
                database: current.database.clone(),
                repository: current.repository.clone(),
                max_body_bytes: current.max_body_bytes,
                ..read
            });
            self.runner.apply(&current);
            kept
        };
        self.changed();
        self.dispatch();
        kept
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Gives every job started from now on the integrated channel (a second call is ignored).
    pub fn attach_channel(&self, channel: Arc<Channel>) {
        let _ = self.channel.set(channel);
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    pub(crate) fn changed(&self) {
        self.changes.send_modify(|n| *n += 1);
    }

    /// Applies `edit` to the stored job and saves it.
    pub(crate) fn update(
        &self,
        id: i64,
        edit: impl FnOnce(&mut Job),
    ) -> Result<Option<Job>, StoreError> {
        let guard = self.job_lock.lock().unwrap_or_else(|p| p.into_inner());
        let Some(mut job) = self.store.job(id)? else {
            return Ok(None);
        };
        edit(&mut job);
        self.store.update_job(&job)?;
        drop(guard);
        self.changed();
        Ok(Some(job))
    }

    /// Stores a new Queued job with its run, which queues it; returns the stored job.
    pub fn submit(self: &Arc<Self>, mut job: Job, mut spec: RunSpec) -> Result<Job, EngineError> {
        if self.state().shutting_down {
            return Err(EngineError::ShuttingDown);
        }
        job.status = JobStatus::Queued;
        job.created_time = Some(Utc::now());
        self.store.insert_job(&mut job)?;
        spec.job_id = job.id;
        if let Err(e) = self
            .store
            .save_run(job.id, &saved::seal(&spec, &self.secrets))
        {
            // Without its run the job can never start: it ends here, and the caller hears why.
            let _ = self.update(job.id, |j| {
                j.status = JobStatus::Failed;
                j.end_time = Some(Utc::now());
                j.output = Some(format!("cannot queue the job: {e}"));
            });
            return Err(e.into());
        }
        self.metrics.jobs_submitted.inc();
        self.changed();
        self.dispatch();
        Ok(job)
    }

    /// Starts queued jobs, oldest first, while limits allow: each is claimed from the store,
    /// so that a job runs once however many servers share it. A job held back by its
    /// script's limit does not block jobs of other scripts behind it. Never waits for a round
    /// in progress (which may be waiting for the store): that round looks again instead.
    pub(crate) fn dispatch(self: &Arc<Self>) {
        self.dispatch_wanted.store(true, Ordering::SeqCst);
        loop {
            let round = match self.dispatching.try_lock() {
                Ok(round) => round,
                Err(TryLockError::Poisoned(p)) => p.into_inner(),
                Err(TryLockError::WouldBlock) => return,
            };
            while self.dispatch_wanted.swap(false, Ordering::SeqCst) {
                self.claim_round();
            }
            drop(round);
            // Asked for after the last look but before the round ended: look again.
            if !self.dispatch_wanted.load(Ordering::SeqCst) {
                return;
            }
        }
    }

    /// Claims and starts queued jobs until there is no room or nothing this server may run.
    fn claim_round(self: &Arc<Self>) {
        loop {
            let settings = self.settings();
            let per_script = {
                let state = self.state();
                // Jobs still queued at shutdown stay Queued for the next start.
                if state.shutting_down {
                    return;
                }
                let limit = settings.concurrent_jobs;
                if limit != 0 && state.running.len() >= limit {
                    return;
                }
                let mut per_script = HashMap::<String, usize>::new();
                for live in state.running.values() {
                    *per_script.entry(live.script_full_path.clone()).or_default() += 1;
                }
                per_script
            };
            let claimed = self.store.queued_runs(CLAIM_WINDOW).and_then(|queued| {
                // A script's limit counts the jobs of every server on the store, and the store
                // checks it as it claims; one already reached here needs no asking.
                let candidates: Vec<Candidate> = queued
                    .into_iter()
                    .filter_map(|(job_id, path)| {
                        let limit = settings.script(&path).concurrent_jobs;
                        let here = per_script.get(&path).copied().unwrap_or(0);
                        (limit == 0 || here < limit).then(|| Candidate {
                            job_id,
                            script_limit: i64::try_from(limit).unwrap_or(i64::MAX),
                        })
                    })
                    .collect();
                match candidates.is_empty() {
                    true => Ok(None),
                    false => self.store.claim_run(&candidates, &self.node.id),
                }
            });
            match claimed {
                Ok(Some((id, sealed))) => self.start(id, &sealed),
                Ok(None) => return,
                Err(e) => {
                    tracing::error!(error = %e, "cannot claim queued jobs; trying again at the next change");
                    return;
                }
            }
        }
    }

    /// Starts a claimed job, or marks it Failed when its kept run cannot be opened.
    fn start(self: &Arc<Self>, id: i64, sealed: &str) {
        let spec = match saved::open(id, sealed, &self.secrets) {
            Ok(spec) => spec,
            Err(why) => {
                tracing::error!(job = id, reason = %why, "cannot run a queued job");
                let _ = self.update(id, |j| {
                    j.status = JobStatus::Failed;
                    j.end_time = Some(Utc::now());
                    j.output = Some(format!("cannot be run: {why}"));
                });
                return;
            }
        };
        let live = Arc::new(Live::new(spec.script_full_path.clone()));
        let running = {
            let mut state = self.state();
            state.running.insert(id, live.clone());
            state.running.len()
        };
        self.metrics.jobs_running.set(running as i64);
        let engine = self.clone();
        tokio::spawn(async move { engine.run(spec, live).await });
    }

    async fn run(self: Arc<Self>, mut spec: RunSpec, live: Arc<Live>) {
        let id = spec.job_id;
        let mut started = self.update(id, |j| {
            // A cancel asked of it while it was being claimed stands: it is stopped below.
            if j.status != JobStatus::Canceling {
                j.status = JobStatus::Running;
            }
            j.start_time = Some(Utc::now());
            j.computer_name = Some(crate::host_name());
        });
        // Registered as running before this read, so a cancel asked after it finds the job
        // here (see `cancel`): between them, no cancel goes unseen.
        if matches!(&started, Ok(Some(job)) if job.status == JobStatus::Canceling) {
            live.stop(JobStatus::Canceled);
        }
        // The script's TimeOut bounds the whole job, its retries included.
        let timer = spec.timeout.map(|t| {
            let live = live.clone();
            tokio::spawn(async move {
                tokio::time::sleep(t).await;
                live.stop(JobStatus::TimedOut);
            })
        });
        let own_env = spec.process_env.len();
        let mut retries = 0;
        let (status, output, exit_code) = loop {
            spec.process_env.truncate(own_env);
            if let (Some(channel), Ok(Some(job))) = (self.channel.get(), &started) {
                spec.process_env.extend(channel.open(id, job_caller(job)));
                spec.variables = ipc::job_variables(job);
            }
            let sink = Arc::new(JobSink::new(self.clone(), live.clone(), &spec));
            // The runner watches `live.cancel` and stops the process tree itself.
            let result = self.runner.run(&spec, sink, &live.cancel).await;
            if let Some(channel) = self.channel.get() {
                channel.close(id);
            }
            let (status, output, exit_code) = final_status(&live, result);
            if status != JobStatus::Failed || retries >= spec.retry_limit {
                break (status, output, exit_code);
            }
            match self.retry(&spec, &live, retries + 1, output.as_deref()) {
                Some(job) => {
                    retries += 1;
                    started = Ok(Some(job));
                }
                None => break (status, output, exit_code),
            }
        };
        if let Some(timer) = timer {
            timer.abort();
        }
        let _ = self.update(id, |j| {
            j.status = status;
            j.end_time = Some(Utc::now());
            j.exit_code = exit_code;
            if output.is_some() {
                j.output = output;
            }
        });
        self.metrics.job_finished(status);
        tracing::info!(job = id, status = ?status, "job finished");
        // A prompt answered here or taken by a tick is gone from the store already; only one
        // still waiting when the job ended is left there.
        if live.has_pending()
            && let Err(e) = self.store.drop_prompt(id)
        {
            tracing::warn!(job = id, error = %e, "cannot drop the ended job's prompt");
        }
        // A cancel filed for it while it was being claimed, when this server stopped it itself.
        if status == JobStatus::Canceled
            && let Err(e) = self.store.take_cancel_requests(&[id])
        {
            tracing::warn!(job = id, error = %e, "cannot drop the ended job's cancel request");
        }
        let running = {
            let mut state = self.state();
            state.running.remove(&id);
            state.running.len()
        };
        self.metrics.jobs_running.set(running as i64);
        // After the removal, not only after the final update above: a shutdown waiting for the
        // running jobs to end looks at them when woken, and would otherwise sit out its wait.
        self.changed();
        self.dispatch();
    }

    /// After a Failed run that the script's `RetryLimit` lets run again (`retry` counts from 1):
    /// notes the failure in the job's output, drops the run's pipeline objects (a job's objects
    /// are its last run's) and returns the job as it runs again, in the same slot. `None`: the
    /// job ends as it is.
    fn retry(&self, spec: &RunSpec, live: &Live, retry: u32, reason: Option<&str>) -> Option<Job> {
        // A stop (cancel, timeout, shutdown) is never undone by a retry.
        if live.cancel.is_cancelled() {
            return None;
        }
        let id = spec.job_id;
        if let Err(e) = self.store.delete_pipeline(id) {
            tracing::error!(job = id, error = %e, "cannot drop a failed run's pipeline output; the job is not retried");
            return None;
        }
        let note = JobOutput {
            output_type: OutputType::Information,
            message: format!(
                "run {retry} of {} failed: {}; running the script again",
                spec.retry_limit.saturating_add(1),
                reason.unwrap_or("the job failed")
            ),
            timestamp: Some(Utc::now()),
            ..JobOutput::default()
        };
        if let Err(e) = self.store.append(id, &mut [Appended::Output(note)]) {
            tracing::error!(job = id, error = %e, "cannot store a retry note");
        }
        live.new_attempt();
        self.metrics.job_retries.inc();
        tracing::info!(job = id, run = retry + 1, "job failed; running it again");
        self.update(id, |j| {
            j.retry_count = i32::try_from(retry).unwrap_or(i32::MAX);
            j.output = None;
            j.exit_code = None;
            j.process_id = None;
            j.activity = None;
            j.status_description = None;
            j.current_operation = None;
            j.percent_complete = None;
            j.seconds_remaining = None;
        })
        .ok()
        .flatten()
    }

    pub fn live(&self, id: i64) -> Option<Arc<Live>> {
        self.state().running.get(&id).cloned()
    }

    /// Cancels a job and, first, its unfinished children.
    pub fn cancel(self: &Arc<Self>, id: i64) -> Result<(), EngineError> {
        let children = self.store.list_jobs(&JobQuery {
            parent_job_id: Some(id),
            take: Some(1000),
            ..Default::default()
        })?;
        for child in children.page.iter().filter(|c| !c.status.is_terminal()) {
            self.cancel(child.id)?;
        }
        // Dropping its run takes a queued job out of the queue, unless a server claimed it.
        if self.store.forget_run(id)? {
            self.update(id, |j| {
                j.status = JobStatus::Canceled;
                j.end_time = Some(Utc::now());
            })?;
            self.metrics.job_finished(JobStatus::Canceled);
            return Ok(());
        }
        match self.live(id) {
            Some(live) => {
                // Unless the job ended meanwhile: its final status stands.
                self.update(id, |j| {
                    if !j.status.is_terminal() {
                        j.status = JobStatus::Canceling;
                    }
                })?;
                live.stop(JobStatus::Canceled);
                Ok(())
            }
            // Claimed by another server, which stops the job at its next tick; or by this one,
            // starting it: it reads Canceling as it starts, or, if it read the status first,
            // is found running here now.
            None => {
                let asked = self.update(id, |j| {
                    if !j.status.is_terminal() {
                        j.status = JobStatus::Canceling;
                    }
                })?;
                match asked {
                    Some(job) if job.status == JobStatus::Canceling => {
                        self.store.request_cancel(id)?;
                        if let Some(live) = self.live(id) {
                            live.stop(JobStatus::Canceled);
                        }
                        Ok(())
                    }
                    _ => Err(EngineError::Finished(id)),
                }
            }
        }
    }

    /// The prompt job `id` waits on: its own when it runs here, else as the server running it
    /// stored it.
    pub fn feedback(&self, id: i64) -> Option<JobFeedback> {
        if let Some(live) = self.live(id) {
            return live.pending();
        }
        match self.store.prompt(id) {
            Ok(prompt) => prompt.and_then(|json| serde_json::from_str(&json).ok()),
            Err(e) => {
                tracing::warn!(job = id, error = %e, "cannot read the job's prompt");
                None
            }
        }
    }

    pub fn answer(&self, id: i64, response: FeedbackResponse) -> Result<(), EngineError> {
        let Some(live) = self.live(id) else {
            return self.answer_elsewhere(id, response);
        };
        let refused = |refusal| match refusal {
            Refusal::NotWaiting => EngineError::NoFeedback(id),
            Refusal::Invalid(why) => EngineError::BadAnswer(id, why),
        };
        live.check_answer(&response).map_err(refused)?;
        // Another server may have taken an answer for the prompt it shows: the first answer
        // stored wins, and this one is refused rather than silently replacing it.
        match self.store.withdraw_prompt(id) {
            Ok(true) => {}
            Ok(false) => return Err(EngineError::NoFeedback(id)),
            // The job is here and waits: a store that does not answer does not keep it waiting.
            Err(e) => {
                tracing::warn!(job = id, error = %e, "cannot withdraw the prompt from the store; answering it here")
            }
        }
        let (reply, answer) = live.take_answer(response).map_err(refused)?;
        self.running_again(id);
        reply.send(answer).map_err(|_| EngineError::NoFeedback(id))
    }

    /// Answers the prompt of a job another server runs: checked here against the prompt it
    /// stored, then stored for it to take at its next tick.
    fn answer_elsewhere(&self, id: i64, response: FeedbackResponse) -> Result<(), EngineError> {
        let prompt: JobFeedback = self
            .store
            .prompt(id)?
            .and_then(|json| serde_json::from_str(&json).ok())
            .ok_or(EngineError::NoFeedback(id))?;
        let json = serde_json::to_string(&response).map_err(StoreError::from)?;
        prompt
            .read(response)
            .map_err(|why| EngineError::BadAnswer(id, why))?;
        if !self.store.answer_prompt(id, &json)? {
            return Err(EngineError::NoFeedback(id));
        }
        self.running_again(id);
        Ok(())
    }

    /// Running again before the job can read the answer (and ask again): a client never sees
    /// WaitingOnFeedback with no prompt left to answer.
    fn running_again(&self, id: i64) {
        let _ = self.update(id, |j| {
            if j.status == JobStatus::WaitingOnFeedback {
                j.status = JobStatus::Running;
            }
        });
    }

    /// Refuses new jobs from now on and wakes long polls so they answer at once.
    pub fn begin_shutdown(&self) {
        self.state().shutting_down = true;
        self.changed();
    }

    pub fn is_shutting_down(&self) -> bool {
        self.state().shutting_down
    }

    /// Stops the running jobs (they end Failed: the server stopped) and waits for them.
    pub async fn shutdown(&self) {
        self.begin_shutdown();
        let running: Vec<Arc<Live>> = self.state().running.values().cloned().collect();
        for live in &running {
            live.cancel.cancel();
        }
        let mut changes = self.subscribe();
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        while !self.state().running.is_empty() {
            if tokio::time::timeout_at(deadline, changes.changed())
                .await
                .is_err()
            {
                break;
            }
        }
    }
}

/// The identity a job's integrated calls run as: the one that started it.
fn job_caller(job: &Job) -> Caller {
    let identity = job.identity.clone().unwrap_or_default();
    Caller {
        token_id: identity.id.unwrap_or_default(),
        name: identity.name,
        // A job whose role cannot be read may only read.
        role: identity.role.parse().unwrap_or(crate::auth::Role::Reader),
    }
}

/// PSU's rules: stopped jobs keep the reason they were stopped for; a terminating error or
/// a non-zero exit code is Failed; otherwise non-terminating errors make Error, warnings
/// make Warning, and a clean run is Completed.
fn final_status(
    live: &Live,
    result: Result<Outcome, runner::RunError>,
) -> (JobStatus, Option<String>, Option<i32>) {
    use std::sync::atomic::Ordering::Relaxed;
    if live.cancel.is_cancelled() {
        return match live.stopped_as() {
            Some(JobStatus::TimedOut) => {
                (JobStatus::TimedOut, Some("the job timed out".into()), None)
            }
            Some(status) => (status, None, None),
            None => (
                JobStatus::Failed,
                Some("the server stopped while the job was running".into()),
                None,
            ),
        };
    }
    match result {
        Err(e) => (JobStatus::Failed, Some(e.to_string()), None),
        Ok(outcome) => {
            if let Some(error) = outcome.terminating_error {
                (JobStatus::Failed, Some(error), outcome.exit_code)
            } else if let Some(code) = outcome.exit_code.filter(|c| *c != 0) {
                (
                    JobStatus::Failed,
                    Some(format!("the script exited with code {code}")),
                    Some(code),
                )
            } else if live.had_error.load(Relaxed) {
                (JobStatus::Error, None, outcome.exit_code)
            } else if live.had_warning.load(Relaxed) {
                (JobStatus::Warning, None, outcome.exit_code)
            } else {
                (JobStatus::Completed, None, outcome.exit_code)
            }
        }
    }
}
