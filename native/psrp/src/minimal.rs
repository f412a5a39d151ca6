//! `minimal` environments: any executable, stdout and stderr captured line by line.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::{mpsc, oneshot, watch};

use crate::environment::{EnvKind, Environment};
use crate::error::{Error, Result};
use crate::process::ChildProcess;
use crate::run::{Event, FinalState, Outcome, RunHandle, Stopper};

const EVENT_CAPACITY: usize = 256;
const DRAIN_AFTER_EXIT: Duration = Duration::from_millis(300);

/// Starts `env` (which must be `Minimal`) with `extra_env` added to its variables. The
/// outcome is Completed for exit code 0, Failed otherwise, Stopped when stopped; stopping
/// kills the process tree at once (there is no protocol to ask it nicely).
pub async fn run_minimal(env: &Environment, extra_env: &[(String, String)]) -> Result<RunHandle> {
    if env.kind != EnvKind::Minimal {
        return Err(Error::Protocol(format!(
            "environment {:?} is not a minimal environment",
            env.name
        )));
    }
    let (process, pipes) = ChildProcess::spawn(env, extra_env)?;
    // No input: a tool waiting on stdin sees end-of-file instead of hanging the job.
    drop(pipes.stdin);
    let (events_tx, events_rx) = mpsc::channel(EVENT_CAPACITY);
    let (outcome_tx, outcome_rx) = oneshot::channel();
    let (finished_tx, finished_rx) = watch::channel(false);
    let stopper = Stopper::new(process.watcher(), None, finished_rx);
    let driver_stopper = stopper.clone();
    tokio::spawn(async move {
        let out = tokio::spawn(forward_lines(
            pipes.stdout,
            events_tx.clone(),
            Event::Stdout,
        ));
        let err = tokio::spawn(forward_lines(pipes.stderr, events_tx, Event::Stderr));
        let code = process.wait().await;
        // A grandchild holding the pipes open must not keep the job running.
        let _ = tokio::time::timeout(DRAIN_AFTER_EXIT, async {
            let _ = tokio::join!(out, err);
        })
        .await;
        finished_tx.send_replace(true);
        let state = if driver_stopper.was_requested() {
            FinalState::Stopped
        } else if code == Some(0) {
            FinalState::Completed
        } else {
            FinalState::Failed
        };
        // Whatever it started goes with it.
        process.kill_tree().await;
        let _ = outcome_tx.send(Ok(Outcome {
            state,
            exit_code: code,
            error: None,
        }));
    });
    Ok(RunHandle::new(events_rx, outcome_rx, stopper))
}

async fn forward_lines(
    pipe: impl AsyncRead + Unpin,
    events: mpsc::Sender<Event>,
    wrap: fn(String) -> Event,
) {
    let mut lines = BufReader::new(pipe).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        // Keep reading after the consumer left so the process never blocks on a full pipe.
        let _ = events.send(wrap(line)).await;
    }
}
