//! Start-up repair: jobs the previous server process left unfinished (it died, or was
//! killed) can no longer be running; they are marked Failed with the reason. Queued jobs whose
//! run was kept stay Queued, for [`super::Engine::resume`] to run.

use std::collections::HashSet;

use chrono::Utc;
use model::JobStatus;

use crate::store::{Store, StoreError};

const UNFINISHED: [JobStatus; 4] = [
    JobStatus::Queued,
    JobStatus::Running,
    JobStatus::WaitingOnFeedback,
    JobStatus::Canceling,
];

/// Returns how many jobs were repaired.
pub fn recover(store: &dyn Store) -> Result<usize, StoreError> {
    let kept: HashSet<i64> = store.saved_runs()?.into_iter().map(|(id, _)| id).collect();
    let mut jobs = store.jobs_in_status(&UNFINISHED)?;
    jobs.retain(|j| !(j.status == JobStatus::Queued && kept.contains(&j.id)));
    for mut job in jobs.iter().cloned() {
        let was = job.status;
        job.status = if was == JobStatus::Canceling {
            JobStatus::Canceled
        } else {
            JobStatus::Failed
        };
        job.end_time = Some(Utc::now());
        job.output = Some(format!(
            "the server stopped while the job was {}; it was marked on restart",
            match was {
                JobStatus::Queued => "queued",
                JobStatus::Canceling => "canceling",
                _ => "running",
            }
        ));
        store.update_job(&job)?;
        tracing::warn!(
            job = job.id,
            "job left unfinished by the previous server marked {:?}",
            job.status
        );
    }
    Ok(jobs.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SqliteStore;
    use model::Job;

    #[test]
    fn marks_unfinished_jobs() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        for status in [
            JobStatus::Running,
            JobStatus::Completed,
            JobStatus::Canceling,
        ] {
            let mut job = Job {
                status,
                script_full_path: "a.ps1".into(),
                ..Job::default()
            };
            store.insert_job(&mut job).unwrap();
        }
        assert_eq!(recover(&store).unwrap(), 2);
        let statuses: Vec<_> = (1..=3)
            .map(|i| store.job(i).unwrap().unwrap().status)
            .collect();
        assert_eq!(
            statuses,
            [JobStatus::Failed, JobStatus::Completed, JobStatus::Canceled]
        );
        assert!(
            store
                .job(1)
                .unwrap()
                .unwrap()
                .output
                .unwrap()
                .contains("server stopped")
        );
        assert_eq!(recover(&store).unwrap(), 0);
    }

    #[test]
    fn leaves_queued_jobs_whose_run_was_kept_for_the_engine() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let mut ids = Vec::new();
        for _ in 0..2 {
            let mut job = Job {
                status: JobStatus::Queued,
                script_full_path: "a.ps1".into(),
                ..Job::default()
            };
            store.insert_job(&mut job).unwrap();
            ids.push(job.id);
        }
        store.save_run(ids[0], "sealed").unwrap();
        assert_eq!(recover(&store).unwrap(), 1);
        let status = |id| store.job(id).unwrap().unwrap().status;
        assert_eq!(status(ids[0]), JobStatus::Queued);
        assert_eq!(status(ids[1]), JobStatus::Failed);
    }
}
