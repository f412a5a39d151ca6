//! Grooming: finished jobs older than GroomDays, and per script all but its MaxHistory
//! newest finished jobs, are deleted with their output on a timer.

use std::sync::Arc;

use chrono::Utc;

use super::Engine;
use crate::store::StoreError;

/// One grooming pass; returns how many jobs were deleted.
pub fn groom(engine: &Engine) -> Result<usize, StoreError> {
    let settings = engine.settings();
    let cutoff = Utc::now() - chrono::Duration::days(settings.groom_days.into());
    let ids = engine
        .store
        .groom_candidates(cutoff, &|path| settings.script(path).max_history.max(0))?;
    engine.store.delete_jobs(&ids)?;
    if !ids.is_empty() {
        tracing::info!(count = ids.len(), "groomed jobs");
        engine.metrics.jobs_groomed.inc_by(ids.len() as u64);
        engine.changed();
    }
    Ok(ids.len())
}

pub fn spawn_groomer(engine: Arc<Engine>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let e = engine.clone();
            match tokio::task::spawn_blocking(move || groom(&e)).await {
                Ok(Ok(_)) => {}
                Ok(Err(err)) => tracing::error!(error = %err, "grooming failed"),
                Err(err) => tracing::error!(error = %err, "grooming task failed"),
            }
            // Read each time: the interval may have changed in the config file.
            tokio::time::sleep(engine.settings().groom_interval).await;
        }
    })
}
