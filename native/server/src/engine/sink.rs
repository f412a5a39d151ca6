//! Where a running job's events land: stored as they arrive (nothing is held back in memory,
//! so a crash loses nothing already received) and readers are woken.

use std::sync::Arc;

use chrono::Utc;
use model::{Answer, JobFeedback, JobStatus, OutputType};

use super::{Engine, Live, RunSpec};
use crate::store::Appended;

pub struct JobSink {
    engine: Arc<Engine>,
    live: Arc<Live>,
    job_id: i64,
    discard_pipeline: bool,
}

/// `Write-Progress` fields copied onto the job.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Progress {
    pub activity: String,
    pub status_description: String,
    pub current_operation: Option<String>,
    pub percent_complete: i32,
    pub seconds_remaining: i32,
}

impl JobSink {
    pub fn new(engine: Arc<Engine>, live: Arc<Live>, spec: &RunSpec) -> Self {
        Self {
            engine,
            live,
            job_id: spec.job_id,
            discard_pipeline: spec.discard_pipeline,
        }
    }

    pub fn job_id(&self) -> i64 {
        self.job_id
    }

    /// Stores what the job produced, in one go (records get their ids and, when missing,
    /// timestamps here), and wakes readers. Pipeline objects are dropped when the script
    /// discards its pipeline.
    pub fn append(&self, mut entries: Vec<Appended>) {
        if self.discard_pipeline {
            entries.retain(|e| !matches!(e, Appended::Pipeline(_)));
        }
        for entry in &mut entries {
            if let Appended::Output(record) = entry {
                self.live.note(
                    record.output_type == OutputType::Error,
                    record.output_type == OutputType::Warning,
                );
                record.timestamp.get_or_insert_with(Utc::now);
                self.engine.metrics.output_records.inc();
            }
        }
        if entries.is_empty() {
            return;
        }
        if let Err(e) = self.engine.store.append(self.job_id, &mut entries) {
            tracing::error!(job = self.job_id, error = %e, count = entries.len(), "cannot store job output");
        }
        self.engine.changed();
    }

    pub fn progress(&self, p: Progress) {
        let _ = self.engine.update(self.job_id, |j| {
            j.activity = Some(p.activity);
            j.status_description = Some(p.status_description);
            j.current_operation = p.current_operation;
            j.percent_complete = Some(p.percent_complete);
            j.seconds_remaining = Some(p.seconds_remaining);
        });
    }

    pub fn process_started(&self, pid: u32) {
        let _ = self
            .engine
            .update(self.job_id, |j| j.process_id = Some(pid.into()));
    }

    /// Puts the job in WaitingOnFeedback until someone answers over REST; `None` when the
    /// job was stopped meanwhile.
    pub async fn ask(&self, mut feedback: JobFeedback) -> Option<Answer> {
        feedback.job_id = self.job_id;
        feedback.created_time = Some(Utc::now());
        let job = self.engine.store.job(self.job_id).ok().flatten();
        feedback.run_id = job.as_ref().and_then(|j| j.run_id);
        feedback.id = chrono::Utc::now().timestamp_micros();
        // Stored too, so that any server can show and answer it.
        match serde_json::to_string(&feedback) {
            Ok(json) => {
                if let Err(e) = self.engine.store.put_prompt(self.job_id, &json) {
                    tracing::warn!(job = self.job_id, error = %e, "cannot store the prompt: only this server can answer it");
                }
            }
            Err(e) => tracing::warn!(job = self.job_id, error = %e, "cannot store the prompt"),
        }
        let reply = self.live.set_pending(feedback);
        let _ = self
            .engine
            .update(self.job_id, |j| j.status = JobStatus::WaitingOnFeedback);
        // The answer comes through `Engine::answer` (or, given on another server, a tick),
        // which has taken the prompt off the job and set it Running again.
        reply.await.ok()
    }
}
