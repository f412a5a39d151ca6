//! Following a job (`Wait-PSUJob`, `Invoke-PSUScript -Wait`), pull-based: `psuj_wait_start`
//! runs the client's wait on the shared runtime and queues its events; the cmdlet pulls them
//! with `psuj_wait_next` on its own pipeline thread, because PowerShell only allows
//! `WriteError`, `WriteProgress` and host prompts from that thread. Answering a relayed prompt
//! is an ordinary `psuj_client_answer_feedback` call while the wait keeps running.

use std::time::Duration;

use client::{CancellationToken, JobProgress, WaitEvent, WaitOptions};
use model::Job;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::buffer::{PsujBuffer, write_out};
use crate::cancel::{CancelToken, PsujCancel};
use crate::client_connection::{
    PsujClient, client_arg, client_error, job_arg, json_arg, write_json,
};
use crate::error::{FfiError, PsujError, PsujStatus};
use crate::panic::{boundary, boundary_void};
use crate::runtime::{block_on_cancellable, runtime};

/// What the wait task queues for the puller.
enum Message {
    Event(Value),
    /// Boxed: a finished job is large and arrives once.
    End(Box<Result<Job, FfiError>>),
}

/// Opaque handle over one running wait. Freeing it stops the wait (never the job).
pub struct PsujWait {
    events: mpsc::UnboundedReceiver<Message>,
    stop: CancellationToken,
    task: JoinHandle<()>,
    ended: bool,
}

impl Drop for PsujWait {
    fn drop(&mut self) {
        self.stop.cancel();
        self.task.abort();
    }
}

/// `psuj_wait_start`'s options (JSON, camelCase; every field optional).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
struct WaitArgs {
    /// Give up after this many seconds (`-Timeout`, `-WaitTimeout`); absent waits for ever.
    timeout_seconds: Option<f64>,
    /// `-Silent`: no stream records and no prompts, only status and the end.
    silent: bool,
    /// Stream records up to this id were seen already.
    after: Option<i64>,
}

impl WaitArgs {
    fn into_options(self, stop: CancellationToken) -> Result<WaitOptions, FfiError> {
        let timeout = self
            .timeout_seconds
            .map(|s| {
                Duration::try_from_secs_f64(s).map_err(|_| {
                    FfiError::invalid_argument(format!("timeoutSeconds {s} is not a duration"))
                })
            })
            .transpose()?;
        Ok(WaitOptions {
            timeout,
            cancel: stop,
            follow_output: !self.silent,
            follow_feedback: !self.silent,
            after: self.after,
            ..WaitOptions::default()
        })
    }
}

/// An event as the module reads it: `{"kind": "output"|"status"|"progress"|"feedback", …}`.
fn event_json(event: WaitEvent) -> Value {
    match event {
        WaitEvent::Output(record) => json!({"kind": "output", "output": record}),
        WaitEvent::Status(status) => json!({"kind": "status", "status": status}),
        WaitEvent::Progress(progress) => {
            json!({"kind": "progress", "progress": progress_json(&progress)})
        }
        WaitEvent::Feedback(prompt) => json!({"kind": "feedback", "feedback": prompt}),
    }
}

fn progress_json(p: &JobProgress) -> Value {
    json!({
        "activity": p.activity,
        "currentOperation": p.current_operation,
        "percentComplete": p.percent_complete,
        "secondsRemaining": p.seconds_remaining,
        "statusDescription": p.status_description,
    })
}

fn wait_mut<'a>(wait: *mut PsujWait) -> Result<&'a mut PsujWait, FfiError> {
    // SAFETY: a non-null handle comes from `psuj_wait_start` and, per the contract, is used by
    // one thread at a time and not freed during the call.
    unsafe { wait.as_mut() }.ok_or_else(|| FfiError::null_argument("wait"))
}

/// Starts following `job`. `options_json`: `{"timeoutSeconds": 30, "silent": false,
/// "after": 12}` (all optional; empty means none). Pull its events with `psuj_wait_next`.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_wait_start(
    client: *const PsujClient,
    job: *const u8,
    job_len: usize,
    options_json: *const u8,
    options_json_len: usize,
    out_wait: *mut *mut PsujWait,
    error: *mut PsujError,
) -> PsujStatus {
    boundary(error, || {
        let client = client_arg(client)?;
        let job = job_arg(job, job_len)?;
        let args: WaitArgs = json_arg(options_json, options_json_len, "options")?;
        if out_wait.is_null() {
            return Err(FfiError::null_argument("out wait"));
        }
        let stop = CancellationToken::new();
        let options = args.into_options(stop.clone())?;
        let (sender, events) = mpsc::unbounded_channel();
        let task = runtime()?.spawn(async move {
            let events = sender.clone();
            let sink = move |event| {
                // A closed channel means the handle is gone and the task is being stopped.
                let _ignored = events.send(Message::Event(event_json(event)));
            };
            let end = client.wait(job, options, sink).await.map_err(client_error);
            let _ignored = sender.send(Message::End(Box::new(end)));
        });
        let handle = Box::new(PsujWait {
            events,
            stop,
            task,
            ended: false,
        });
        // SAFETY: non-null pointer to the caller's handle slot; overwritten without reading.
        unsafe { out_wait.write(Box::into_raw(handle)) };
        Ok(())
    })
}

/// Waits up to `timeout_ms` for the next event and writes it as JSON into `out_event`. An empty
/// buffer means nothing happened in time (call again). The last event is
/// `{"kind": "done", "job": Job}`; a wait that fails (`WaitTimeout`, `JobNotFound`, …) returns
/// that error instead. `cancel` (may be NULL) stops this call promptly with
/// `PSUJ_STATUS_CANCELLED`; free the handle to stop the wait itself.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_wait_next(
    wait: *mut PsujWait,
    timeout_ms: u32,
    cancel: *const PsujCancel,
    out_event: *mut PsujBuffer,
    error: *mut PsujError,
) -> PsujStatus {
    boundary(error, || {
        let wait = wait_mut(wait)?;
        if wait.ended {
            return Err(FfiError::invalid_argument("the wait has already ended"));
        }
        let limit = Duration::from_millis(timeout_ms.into());
        let received = block_on_cancellable(CancelToken::from_handle(cancel), async {
            Ok(tokio::time::timeout(limit, wait.events.recv()).await)
        })?;
        match received {
            Err(_elapsed) => write_out(out_event, Vec::new()),
            Ok(Some(Message::Event(event))) => write_json(out_event, &event),
            Ok(Some(Message::End(end))) => {
                wait.ended = true;
                write_json(out_event, &json!({"kind": "done", "job": (*end)?}))
            }
            Ok(None) => {
                wait.ended = true;
                Err(FfiError::failed(
                    "Internal",
                    "the wait stopped without a result",
                ))
            }
        }
    })
}

/// Stops the wait (the job keeps running) and releases it. NULL is accepted.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_wait_free(wait: *mut PsujWait) {
    boundary_void(|| {
        if !wait.is_null() {
            // SAFETY: non-null handles come from `Box::into_raw` in `psuj_wait_start`, freed once.
            drop(unsafe { Box::from_raw(wait) });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::{JobOutput, JobStatus, OutputType};

    #[test]
    fn events_have_a_kind_and_the_model_json() {
        let record = JobOutput {
            id: 3,
            output_type: OutputType::Warning,
            message: "careful".into(),
            ..JobOutput::default()
        };
        let value = event_json(WaitEvent::Output(record));
        assert_eq!(value["kind"], "output");
        assert_eq!(value["output"]["type"], 3);
        assert_eq!(
            event_json(WaitEvent::Status(JobStatus::Running))["status"],
            1
        );
        let progress = event_json(WaitEvent::Progress(JobProgress {
            activity: "copy".into(),
            percent_complete: Some(40),
            ..JobProgress::default()
        }));
        assert_eq!(progress["progress"]["percentComplete"], 40);
    }

    #[test]
    fn options_read_timeout_and_silence() {
        let args: WaitArgs =
            serde_json::from_str(r#"{"timeoutSeconds":1.5,"silent":true}"#).unwrap();
        let options = args.into_options(CancellationToken::new()).unwrap();
        assert_eq!(options.timeout, Some(Duration::from_millis(1500)));
        assert!(!options.follow_output && !options.follow_feedback);
        let bad: WaitArgs = serde_json::from_str(r#"{"timeoutSeconds":-1}"#).unwrap();
        assert!(bad.into_options(CancellationToken::new()).is_err());
    }
}
