//! Start-up repair: jobs the previous server process left unfinished (it died, or was
//! killed) can no longer be running; they are marked Failed with the reason. Queued jobs whose
//! run was kept stay Queued, and their runs go to [`super::Engine::resume`], unless the job
//! that started them was among the unfinished: an integrated call whose caller is gone would
//! run for nobody.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use model::JobStatus;

use crate::store::{Store, StoreError};

const UNFINISHED: [JobStatus; 4] = [
    JobStatus::Queued,
    JobStatus::Running,
    JobStatus::WaitingOnFeedback,
    JobStatus::Canceling,
];

/// What start-up repair found.
pub struct Recovered {
    /// How many jobs were marked.
    pub repaired: usize,
    /// The kept runs of the jobs still queued, oldest first, to run again.
    pub queued: Vec<(i64, String)>,
}

pub fn recover(store: &dyn Store) -> Result<Recovered, StoreError> {
    let mut kept: HashMap<i64, String> = store.saved_runs()?.into_iter().collect();
    let mut recovered = Recovered {
        repaired: 0,
        queued: Vec::new(),
    };
    let mut unfinished = store.jobs_in_status(&UNFINISHED)?;
    // A parent before its children: it started them, so its id is the lower.
    unfinished.sort_unstable_by_key(|job| job.id);
    let mut marked = HashSet::new();
    for mut job in unfinished {
        let was = job.status;
        let orphan = job.parent_job_id.filter(|parent| marked.contains(parent));
        if was == JobStatus::Queued
            && orphan.is_none()
            && let Some(run) = kept.remove(&job.id)
        {
            recovered.queued.push((job.id, run));
            continue;
        }
        job.status = if was == JobStatus::Canceling {
            JobStatus::Canceled
        } else {
            JobStatus::Failed
        };
        job.end_time = Some(Utc::now());
        job.output = Some(match orphan {
            Some(parent) => format!(
                "the server stopped while the job was queued; it was not run on restart, as job {parent}, which started it, had not finished"
            ),
            None => format!(
                "the server stopped while the job was {}; it was marked on restart",
                match was {
                    JobStatus::Queued => "queued",
                    JobStatus::Canceling => "canceling",
                    _ => "running",
                }
            ),
        });
        store.update_job(&job)?;
        marked.insert(job.id);
        tracing::warn!(
            job = job.id,
            "job left unfinished by the previous server marked {:?}",
            job.status
        );
        recovered.repaired += 1;
    }
    // Runs left over from jobs that had started (their run could not be dropped then), and
    // from the children not run.
    for id in kept.keys() {
        store.forget_run(*id)?;
    }
    recovered.queued.sort_unstable_by_key(|(id, _)| *id);
    Ok(recovered)
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
        assert_eq!(recover(&store).unwrap().repaired, 2);
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
        assert_eq!(recover(&store).unwrap().repaired, 0);
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
        assert_eq!(recover(&store).unwrap().repaired, 1);
        let status = |id| store.job(id).unwrap().unwrap().status;
        assert_eq!(status(ids[0]), JobStatus::Queued);
        assert_eq!(status(ids[1]), JobStatus::Failed);
    }

    #[test]
    fn does_not_run_a_queued_child_of_a_job_the_crash_ended() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let insert = |status, parent_job_id| {
            let mut job = Job {
                status,
                parent_job_id,
                script_full_path: "a.ps1".into(),
                ..Job::default()
            };
            store.insert_job(&mut job).unwrap();
            job.id
        };
        let running = insert(JobStatus::Running, None);
        let finished = insert(JobStatus::Completed, None);
        let orphan = insert(JobStatus::Queued, Some(running));
        let fire_and_forget = insert(JobStatus::Queued, Some(finished));
        for id in [orphan, fire_and_forget] {
            store.save_run(id, "sealed").unwrap();
        }
        let recovered = recover(&store).unwrap();
        assert_eq!(recovered.repaired, 2);
        assert_eq!(recovered.queued, [(fire_and_forget, "sealed".to_string())]);
        let job = store.job(orphan).unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Failed);
        assert!(
            job.output
                .unwrap()
                .contains(&format!("job {running}, which started it"))
        );
        assert_eq!(store.saved_runs().unwrap(), recovered.queued);
    }
}
