//! What a waiter reports while it follows a job, and the knobs of following.

use std::time::Duration;

use model::{Job, JobFeedback, JobOutput, JobStatus};
use tokio_util::sync::CancellationToken;

/// Something that happened to the job while [`crate::Client::wait`] followed it.
#[derive(Debug, Clone, PartialEq)]
pub enum WaitEvent {
    /// A new stream record; records arrive in order and each exactly once.
    Output(JobOutput),
    /// The job's status changed (the first status seen is reported too).
    Status(JobStatus),
    /// The job's latest `Write-Progress` state changed.
    Progress(JobProgress),
    /// The job waits on a prompt; answer it with [`crate::Client::answer_feedback`]. Each
    /// prompt is reported once.
    Feedback(JobFeedback),
}

/// The `Write-Progress` fields a job object carries.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JobProgress {
    pub activity: String,
    pub current_operation: Option<String>,
    pub percent_complete: Option<i32>,
    pub seconds_remaining: Option<i32>,
    pub status_description: Option<String>,
}

impl JobProgress {
    /// The job's progress, when it has reported any.
    pub fn of(job: &Job) -> Option<Self> {
        let activity = job.activity.clone().filter(|a| !a.is_empty())?;
        Some(Self {
            activity,
            current_operation: job.current_operation.clone(),
            percent_complete: job.percent_complete,
            seconds_remaining: job.seconds_remaining,
            status_description: job.status_description.clone(),
        })
    }
}

#[derive(Debug, Clone)]
pub struct WaitOptions {
    /// Give up after this long (`-Timeout`); `None` waits for as long as the job runs.
    pub timeout: Option<Duration>,
    /// Stops the wait promptly when canceled (Ctrl+C). Dropping the future works too.
    pub cancel: CancellationToken,
    /// Deliver stream records as [`WaitEvent::Output`].
    pub follow_output: bool,
    /// Deliver prompts as [`WaitEvent::Feedback`].
    pub follow_feedback: bool,
    /// Records up to this id were seen already (`-After`).
    pub after: Option<i64>,
    /// How long the server may hold one output request (its `wait`); zero never long-polls.
    pub long_poll: Duration,
    /// Bounds of the delay between polls of a server that does not long-poll, and between
    /// status checks. The delay starts at `min_delay`, doubles while nothing changes and goes
    /// back to `min_delay` when something does.
    pub min_delay: Duration,
    pub max_delay: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        Self {
            timeout: None,
            cancel: CancellationToken::new(),
            follow_output: true,
            follow_feedback: true,
            after: None,
            long_poll: Duration::from_secs(20),
            min_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(2),
        }
    }
}
