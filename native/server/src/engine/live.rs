//! A job that is running: how to stop it, why it stopped, and the prompt it waits on.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use model::{Answer, FeedbackResponse, JobFeedback, JobStatus};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

pub struct Live {
    pub script_full_path: String,
    pub cancel: CancellationToken,
    /// Set before `cancel` fires: the status the job ends in (Canceled or TimedOut).
    stopped_as: Mutex<Option<JobStatus>>,
    pending: Mutex<Option<Pending>>,
    pub had_error: AtomicBool,
    pub had_warning: AtomicBool,
}

struct Pending {
    feedback: JobFeedback,
    reply: oneshot::Sender<Answer>,
}

/// Why a response was not taken as the answer to a job's prompt.
pub enum Refusal {
    /// The job waits on no prompt.
    NotWaiting,
    /// The response does not answer the prompt (the prompt keeps waiting).
    Invalid(String),
}

impl Live {
    pub fn new(script_full_path: String) -> Self {
        Self {
            script_full_path,
            cancel: CancellationToken::new(),
            stopped_as: Mutex::new(None),
            pending: Mutex::new(None),
            had_error: AtomicBool::new(false),
            had_warning: AtomicBool::new(false),
        }
    }

    /// Stops the job; the first reason wins (a timeout racing a cancel stays one of them).
    pub fn stop(&self, status: JobStatus) {
        let mut stopped = self.stopped_as.lock().unwrap_or_else(|p| p.into_inner());
        stopped.get_or_insert(status);
        self.cancel.cancel();
    }

    pub fn stopped_as(&self) -> Option<JobStatus> {
        *self.stopped_as.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set_pending(&self, feedback: JobFeedback) -> oneshot::Receiver<Answer> {
        let (reply, rx) = oneshot::channel();
        *self.pending.lock().unwrap_or_else(|p| p.into_inner()) = Some(Pending { feedback, reply });
        rx
    }

    pub fn pending(&self) -> Option<JobFeedback> {
        let pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        pending.as_ref().map(|p| p.feedback.clone())
    }

    /// Whether a prompt waits (without copying it, as [`Live::pending`] does).
    pub fn has_pending(&self) -> bool {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    /// Whether `response` answers the waiting prompt, which stays waiting.
    pub fn check_answer(&self, response: &FeedbackResponse) -> Result<(), Refusal> {
        let pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        let prompt = pending.as_ref().ok_or(Refusal::NotWaiting)?;
        match prompt.feedback.read(response.clone()) {
            Ok(_) => Ok(()),
            Err(why) => Err(Refusal::Invalid(why)),
        }
    }

    /// Takes the waiting prompt off the job with `response` read as its answer, and the channel
    /// to send that on; an answer that does not fit leaves the prompt waiting.
    pub fn take_answer(
        &self,
        response: FeedbackResponse,
    ) -> Result<(oneshot::Sender<Answer>, Answer), Refusal> {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        let prompt = pending.take().ok_or(Refusal::NotWaiting)?;
        match prompt.feedback.read(response) {
            Ok(answer) => Ok((prompt.reply, answer)),
            Err(why) => {
                *pending = Some(prompt);
                Err(Refusal::Invalid(why))
            }
        }
    }

    /// Forgets the errors and warnings of a failed attempt: the job's status is its last
    /// attempt's.
    pub fn new_attempt(&self) {
        self.had_error.store(false, Ordering::Relaxed);
        self.had_warning.store(false, Ordering::Relaxed);
    }

    pub fn note(&self, error: bool, warning: bool) {
        if error {
            self.had_error.store(true, Ordering::Relaxed);
        }
        if warning {
            self.had_warning.store(true, Ordering::Relaxed);
        }
    }
}
