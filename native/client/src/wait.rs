//! Following a job to its end (`Wait-PSUJob`, `Invoke-PSUScript -Wait`): new stream records,
//! status, progress and prompts go to the caller's sink as they happen.
//!
//! Two loops run side by side. The output loop long-polls `/output?after=&wait=` on a server
//! that supports it, or polls with a growing delay on one that does not (a real PSU answers at
//! once and ignores `after`: the cursor drops what was delivered). The status loop reads the job
//! for status, progress and prompts, with its own growing delay. A long-poll answered early and
//! empty means the job ended or the server does not long-poll; an immediate status check tells
//! which. When the status is terminal the remaining records are drained and the job returned.

use std::time::{Duration, Instant};

use futures::future::{BoxFuture, FutureExt};
use model::{Job, JobFeedback, JobOutput, JobStatus, OutputQuery};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::job_ref::JobRef;
use crate::output_cursor::OutputCursor;
use crate::wait_event::{JobProgress, WaitEvent, WaitOptions};

/// Transient failures (server restarting, a dropped connection) tolerated in a row before the
/// wait gives up.
const MAX_RETRIES: u32 = 5;

impl Client {
    /// Follows `job` until its status is terminal and returns the final job. Events go to
    /// `sink` in the order they were observed. Ends with [`Error::WaitTimeout`] after
    /// `options.timeout` and [`Error::Canceled`] as soon as `options.cancel` fires.
    pub async fn wait<F>(&self, job: JobRef, options: WaitOptions, sink: F) -> Result<Job>
    where
        F: FnMut(WaitEvent) + Send,
    {
        let cancel = options.cancel.clone();
        let timeout = options.timeout;
        let expired = async {
            match timeout {
                Some(limit) => tokio::time::sleep(limit).await,
                None => std::future::pending().await,
            }
        };
        // A transport that pushes events (the integrated channel) is followed; others polled.
        let follow = async {
            match self.transport.watch(job, options.after) {
                Some(events) => crate::integrated_wait::follow(events, &options, sink).await,
                None => Follower::new(self, job, options, sink).run().await,
            }
        };
        tokio::select! {
            biased;
            () = cancel.cancelled() => Err(Error::Canceled),
            () = expired => Err(Error::WaitTimeout(timeout.unwrap_or_default())),
            result = follow => result,
        }
    }
}

/// One output request's answer and how long the server held it.
type Fetched = (Vec<JobOutput>, Duration);

struct Follower<'a, F> {
    client: &'a Client,
    job: JobRef,
    options: WaitOptions,
    sink: F,
    cursor: OutputCursor,
    long_poll: bool,
    last_status: Option<JobStatus>,
    last_progress: Option<JobProgress>,
    last_prompt: Option<JobFeedback>,
    failures: u32,
}

impl<'a, F: FnMut(WaitEvent) + Send> Follower<'a, F> {
    fn new(client: &'a Client, job: JobRef, options: WaitOptions, sink: F) -> Self {
        Self {
            client,
            job,
            cursor: OutputCursor::starting_after(options.after),
            long_poll: !options.long_poll.is_zero(),
            options,
            sink,
            last_status: None,
            last_progress: None,
            last_prompt: None,
            failures: 0,
        }
    }

    async fn run(mut self) -> Result<Job> {
        let min = self.options.min_delay;
        let mut output_delay = Duration::ZERO;
        let mut status_delay = min;
        // Set when a long-poll came back early and empty: the next status says why.
        let mut suspect_early = false;
        let mut output = self.fetch_output(Duration::ZERO);
        let mut status = self.fetch_job(Duration::ZERO);
        // When the pending status check starts: new output brings it forward (a prompt or the
        // end often follows), never back, so a busy job cannot starve it.
        let mut status_due = Instant::now();
        loop {
            tokio::select! {
                fetched = &mut output => {
                    let Some((records, held)) = self.tolerate(fetched)? else {
                        output = self.fetch_output(self.options.max_delay);
                        continue;
                    };
                    let fresh = self.cursor.take_new(records);
                    if !fresh.is_empty() {
                        output_delay = Duration::ZERO;
                        status_delay = min;
                        fresh.into_iter().for_each(|r| (self.sink)(WaitEvent::Output(r)));
                        if Instant::now() + min < status_due {
                            status = self.fetch_job(min);
                            status_due = Instant::now() + min;
                        }
                    } else if self.long_poll && held < self.options.long_poll / 2 {
                        suspect_early = true;
                        output_delay = self.grow(output_delay);
                        status = self.fetch_job(Duration::ZERO);
                        status_due = Instant::now();
                    } else if self.long_poll {
                        output_delay = Duration::ZERO;
                    } else {
                        output_delay = self.grow(output_delay);
                    }
                    output = self.fetch_output(output_delay);
                }
                fetched = &mut status => {
                    let Some(job) = self.tolerate(fetched)? else {
                        status = self.fetch_job(self.options.max_delay);
                        status_due = Instant::now() + self.options.max_delay;
                        continue;
                    };
                    if job.status.is_terminal() {
                        drop(output);
                        // Records written before the end come before the final status.
                        self.drain().await?;
                        self.observe(&job).await?;
                        return Ok(job);
                    }
                    if std::mem::take(&mut suspect_early)
                        && matches!(job.status, JobStatus::Running | JobStatus::Queued)
                    {
                        // Nothing new, job still running, and yet the server answered at once:
                        // it does not long-poll. Poll it instead.
                        self.long_poll = false;
                    }
                    let changed = self.observe(&job).await?;
                    status_delay = if changed { min } else { self.grow(status_delay) };
                    status = self.fetch_job(status_delay);
                    status_due = Instant::now() + status_delay;
                }
            }
        }
    }

    /// The next output request, after `delay`; never completes when output is not followed.
    fn fetch_output(&self, delay: Duration) -> BoxFuture<'a, Result<Fetched>> {
        if !self.options.follow_output {
            return std::future::pending().boxed();
        }
        let (client, job) = (self.client, self.job);
        let query = OutputQuery {
            after: self.cursor.after(),
            take: None,
            wait: self
                .long_poll
                .then(|| self.options.long_poll.as_secs().clamp(1, u32::MAX.into()) as u32),
        };
        async move {
            tokio::time::sleep(delay).await;
            let started = Instant::now();
            let records = client.job_output(job, &query).await?;
            Ok((records, started.elapsed()))
        }
        .boxed()
    }

    fn fetch_job(&self, delay: Duration) -> BoxFuture<'a, Result<Job>> {
        let (client, job) = (self.client, self.job);
        async move {
            tokio::time::sleep(delay).await;
            client.job(job).await
        }
        .boxed()
    }

    /// Passes successes through, turns a transient failure into `None` (retry later) until
    /// too many came in a row.
    fn tolerate<T>(&mut self, result: Result<T>) -> Result<Option<T>> {
        match result {
            Ok(value) => {
                self.failures = 0;
                Ok(Some(value))
            }
            Err(err) if is_transient(&err) && self.failures < MAX_RETRIES => {
                self.failures += 1;
                tracing::debug!(job = %self.job, error = %err, "retrying after a transient error");
                Ok(None)
            }
            Err(err) => Err(err),
        }
    }

    fn grow(&self, delay: Duration) -> Duration {
        (delay * 2).clamp(self.options.min_delay, self.options.max_delay)
    }

    /// Reports what changed in the job; true when anything did.
    async fn observe(&mut self, job: &Job) -> Result<bool> {
        let mut changed = false;
        if self.last_status != Some(job.status) {
            self.last_status = Some(job.status);
            (self.sink)(WaitEvent::Status(job.status));
            changed = true;
        }
        let progress = JobProgress::of(job);
        if progress.is_some() && progress != self.last_progress {
            self.last_progress.clone_from(&progress);
            if let Some(progress) = progress {
                (self.sink)(WaitEvent::Progress(progress));
            }
            changed = true;
        }
        if job.status == JobStatus::WaitingOnFeedback && self.options.follow_feedback {
            changed |= self.report_prompt().await?;
        }
        Ok(changed)
    }

    async fn report_prompt(&mut self) -> Result<bool> {
        let prompt = match self.client.feedback(self.job).await {
            Ok(prompt) => prompt,
            // A server without the feedback route (PSU) cannot relay prompts; keep waiting.
            Err(Error::NotFound {
                server_id: None, ..
            }) => None,
            Err(err) => return Err(err),
        };
        let Some(prompt) = prompt else {
            return Ok(false);
        };
        if self
            .last_prompt
            .as_ref()
            .is_some_and(|last| same_prompt(last, &prompt))
        {
            return Ok(false);
        }
        self.last_prompt = Some(prompt.clone());
        (self.sink)(WaitEvent::Feedback(prompt));
        Ok(true)
    }

    /// Delivers the records written before the job ended, page by page until none are new.
    async fn drain(&mut self) -> Result<()> {
        if !self.options.follow_output {
            return Ok(());
        }
        loop {
            let query = OutputQuery {
                after: self.cursor.after(),
                ..OutputQuery::default()
            };
            let fresh = self
                .cursor
                .take_new(self.client.job_output(self.job, &query).await?);
            if fresh.is_empty() {
                return Ok(());
            }
            fresh
                .into_iter()
                .for_each(|r| (self.sink)(WaitEvent::Output(r)));
        }
    }
}

fn same_prompt(a: &JobFeedback, b: &JobFeedback) -> bool {
    (a.id, a.created_time, &a.message) == (b.id, b.created_time, &b.message)
}

fn is_transient(err: &Error) -> bool {
    match err {
        Error::Unreachable { .. } | Error::RequestTimeout(_) => true,
        Error::Server { status, .. } => matches!(status, 429 | 502 | 503 | 504),
        _ => false,
    }
}
