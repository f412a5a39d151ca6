//! Start-up repair: jobs the previous server process left unfinished (it died, or was
//! killed) can no longer be running; they are marked Failed with the reason.

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
    let jobs = store.jobs_in_status(&UNFINISHED)?;
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
}
