//! Repair of jobs whose server is gone: at start, those this node left unfinished (it died,
//! or was killed); while serving, those of other nodes gone silent. They can no longer be
//! running, so they are marked Failed with the reason. Queued jobs whose run is kept stay
//! Queued, for any server to start, unless the job that started them was among those ended:
//! an integrated call whose caller is gone would run for nobody.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use model::JobStatus;

use crate::node::{DEAD_AFTER, Node};
use crate::store::{Store, StoreError};

const UNFINISHED: [JobStatus; 4] = [
    JobStatus::Queued,
    JobStatus::Running,
    JobStatus::WaitingOnFeedback,
    JobStatus::Canceling,
];

/// What a repair found.
pub struct Recovered {
    /// How many jobs were marked.
    pub repaired: usize,
    /// How many jobs stay queued, their runs kept.
    pub queued: usize,
}

/// Whose unfinished jobs a repair ends.
pub struct Gone {
    /// This node, starting again: its jobs from before.
    pub restarted: Option<String>,
    /// Other nodes gone silent, by id, with their names.
    pub others: HashMap<String, String>,
    /// No other node is alive: jobs no node claimed (queued with no run left, or from before
    /// nodes were kept) are ended too.
    pub alone: bool,
}

/// Start-up repair for `node`, which also ends the jobs of nodes gone silent meanwhile.
pub fn recover(store: &dyn Store, node: &Node) -> Result<Recovered, StoreError> {
    let others = store
        .reap_nodes(DEAD_AFTER)?
        .into_iter()
        .filter(|(id, _)| *id != node.id)
        .collect();
    let alone = store
        .live_nodes(DEAD_AFTER)?
        .iter()
        .all(|(id, _)| *id == node.id);
    let recovered = repair(
        store,
        &Gone {
            restarted: Some(node.id.clone()),
            others,
            alone,
        },
    )?;
    store.heartbeat(&node.id, &node.name)?;
    Ok(recovered)
}

pub fn repair(store: &dyn Store, gone: &Gone) -> Result<Recovered, StoreError> {
    let kept: HashSet<i64> = store.saved_runs()?.into_iter().map(|(id, _)| id).collect();
    let mut recovered = Recovered {
        repaired: 0,
        queued: 0,
    };
    let mut unfinished = store.jobs_in_status(&UNFINISHED)?;
    // A parent before its children: it started them, so its id is the lower.
    unfinished.sort_unstable_by_key(|job| job.id);
    let ids: Vec<i64> = unfinished.iter().map(|job| job.id).collect();
    let owners = store.job_nodes(&ids)?;
    let mut marked = HashSet::new();
    for mut job in unfinished {
        let was = job.status;
        let owner = owners.get(&job.id);
        let owner_gone = match owner {
            Some(node) => gone.others.contains_key(node) || gone.restarted.as_ref() == Some(node),
            None => gone.alone,
        };
        let orphan = job.parent_job_id.filter(|parent| marked.contains(parent));
        let queued = was == JobStatus::Queued && kept.contains(&job.id);
        if orphan.is_none() && (queued || !owner_gone) {
            recovered.queued += usize::from(queued);
            continue;
        }
        if queued {
            store.forget_run(job.id)?;
        }
        job.status = if was == JobStatus::Canceling {
            JobStatus::Canceled
        } else {
            JobStatus::Failed
        };
        job.end_time = Some(Utc::now());
        let state = match was {
            JobStatus::Queued => "queued",
            JobStatus::Canceling => "canceling",
            _ => "running",
        };
        job.output = Some(
            match (orphan, owner.and_then(|node| gone.others.get(node))) {
                (Some(parent), _) => format!(
                    "the server stopped while the job was queued; it was not run, as job {parent}, which started it, had not finished"
                ),
                (None, Some(name)) => format!(
                    "the server running it ({name}) stopped answering while the job was {state}; another server marked it"
                ),
                (None, None) => {
                    format!(
                        "the server stopped while the job was {state}; it was marked on restart"
                    )
                }
            },
        );
        store.update_job(&job)?;
        marked.insert(job.id);
        tracing::warn!(
            job = job.id,
            "job left unfinished by a server that is gone marked {:?}",
            job.status
        );
        recovered.repaired += 1;
    }
    Ok(recovered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Candidate, SqliteStore};
    use model::Job;

    fn node() -> Node {
        Node {
            id: "this".into(),
            name: "here".into(),
        }
    }

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
        assert_eq!(recover(&store, &node()).unwrap().repaired, 2);
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
        assert_eq!(recover(&store, &node()).unwrap().repaired, 0);
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
        assert_eq!(recover(&store, &node()).unwrap().repaired, 1);
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
        let recovered = recover(&store, &node()).unwrap();
        assert_eq!(recovered.repaired, 2);
        assert_eq!(recovered.queued, 1);
        let job = store.job(orphan).unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Failed);
        assert!(
            job.output
                .unwrap()
                .contains(&format!("job {running}, which started it"))
        );
        assert_eq!(
            store.saved_runs().unwrap(),
            [(fire_and_forget, "sealed".to_string())]
        );
    }

    #[test]
    fn while_serving_ends_only_the_jobs_of_nodes_gone_silent() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let job = |node: Option<&str>| {
            let mut job = Job {
                status: JobStatus::Queued,
                script_full_path: "a.ps1".into(),
                ..Job::default()
            };
            store.insert_job(&mut job).unwrap();
            if let Some(node) = node {
                store.save_run(job.id, "sealed").unwrap();
                let claim = Candidate {
                    job_id: job.id,
                    script_limit: 0,
                };
                store.claim_run(&[claim], node).unwrap().unwrap();
            }
            job.status = JobStatus::Running;
            store.update_job(&job).unwrap();
            job.id
        };
        let (dead, alive, unclaimed) = (job(Some("dead")), job(Some("alive")), job(None));
        let gone = Gone {
            restarted: None,
            others: HashMap::from([("dead".to_owned(), "far away".to_owned())]),
            alone: false,
        };
        assert_eq!(repair(&store, &gone).unwrap().repaired, 1);
        let ended = store.job(dead).unwrap().unwrap();
        assert_eq!(ended.status, JobStatus::Failed);
        assert!(
            ended
                .output
                .unwrap()
                .contains("(far away) stopped answering"),
            "the reason names the node"
        );
        for id in [alive, unclaimed] {
            assert_eq!(store.job(id).unwrap().unwrap().status, JobStatus::Running);
        }
    }
}
