//! Following a job for a waiting or tailing job: new output records, job changes and prompts
//! are pushed as they are stored (the engine's change signal wakes the watch), never polled.

use std::sync::Arc;

use model::integrated::WatchEvent;
use model::{Job, JobFeedback};

use crate::engine::Engine;
use crate::store::StoreError;

/// Where a watch's events go; `false` means the receiver is gone and the watch stops.
pub trait Emit: Send {
    fn emit(&mut self, event: WatchEvent) -> impl Future<Output = bool> + Send;
}

/// Records read per store query while catching up.
const PAGE: i64 = 1000;

/// Sends `job_id`'s events to `emit` until the job ends (its final state is the last event).
/// Returns early with `Ok` when the receiver is gone.
pub async fn follow(
    engine: Arc<Engine>,
    job_id: i64,
    after: Option<i64>,
    emit: &mut impl Emit,
) -> Result<(), StoreError> {
    let mut changes = engine.subscribe();
    let mut cursor = after.unwrap_or(0);
    let mut last_job: Option<Job> = None;
    let mut last_prompt: Option<JobFeedback> = None;
    loop {
        // Marked seen before reading, so a change stored during the reads wakes the next wait.
        changes.borrow_and_update();
        // The job before its records: when it is already over, every record it wrote is
        // stored, and the records go out before the final state.
        let Some(job) = engine.store.job(job_id)? else {
            return Ok(());
        };
        loop {
            let records = engine.store.outputs(job_id, cursor, PAGE)?;
            let full = records.len() as i64 == PAGE;
            for record in records {
                cursor = cursor.max(record.id);
                if !emit.emit(WatchEvent::Output(record)).await {
                    return Ok(());
                }
            }
            if !full {
                break;
            }
        }
        if last_job.as_ref() != Some(&job) {
            last_job = Some(job.clone());
            if !emit.emit(WatchEvent::Job(Box::new(job.clone()))).await {
                return Ok(());
            }
        }
        if job.status.is_terminal() {
            return Ok(());
        }
        let prompt = engine.feedback(job_id);
        if prompt.is_some() && prompt != last_prompt {
            last_prompt.clone_from(&prompt);
            if let Some(prompt) = prompt
                && !emit.emit(WatchEvent::Feedback(prompt)).await
            {
                return Ok(());
            }
        }
        if changes.changed().await.is_err() || engine.is_shutting_down() {
            return Ok(());
        }
    }
}
