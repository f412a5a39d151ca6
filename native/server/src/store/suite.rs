//! The behaviour every `Store` implementation must have; each implementation's tests run it.

use std::collections::HashMap;
use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use model::{
    Job, JobOutput, JobQuery, JobStatus, OrderBy, OrderDirection, OutputType, ScriptParameter,
};

use super::{Appended, Candidate, Store, StoreError, StoredCredential};

fn job(store: &dyn Store, path: &str, status: JobStatus, ended_days_ago: Option<i64>) -> Job {
    let mut job = Job {
        status,
        script_full_path: path.into(),
        created_time: Some(Utc::now()),
        ..Job::default()
    };
    store.insert_job(&mut job).unwrap();
    job.end_time = ended_days_ago.map(|d| Utc::now() - Duration::days(d));
    store.update_job(&job).unwrap();
    job
}

pub fn run_all(store: &dyn Store) {
    store.ping().unwrap();
    scripts(store);
    jobs_and_queries(store);
    outputs(store);
    appends_from_many_threads(store);
    ordering_by_time(store);
    grooming(store);
    tokens_and_credentials(store);
    saved_runs(store);
    claimed_runs(store);
    claims_within_script_limits(store);
    racing_claims_keep_a_limit(store);
    nodes_cancels_and_prompts(store);
}

/// A second server of the same node on the store is refused until the first closes it.
pub fn one_server_at_a_time<S: Store>(open: &dyn Fn() -> S) {
    let first = open();
    first.lock_for_server("node").unwrap();
    let second = open();
    let refused = second.lock_for_server("node").unwrap_err();
    assert!(
        matches!(refused, StoreError::InUse(_)),
        "{refused:?} should say the store is in use"
    );
    assert!(refused.to_string().contains("another psujobs server"));
    drop(first);
    second.lock_for_server("node").unwrap();
}

/// What was stored is there when the store is opened again.
pub fn data_survives_reopening<S: Store>(open: &dyn Fn() -> S) {
    let mut job = Job {
        script_full_path: "a.ps1".into(),
        ..Job::default()
    };
    {
        let store = open();
        store.insert_job(&mut job).unwrap();
        store
            .append(job.id, &mut [Appended::Pipeline("<S>kept</S>".into())])
            .unwrap();
    }
    let store = open();
    assert_eq!(
        store.job(job.id).unwrap().unwrap().script_full_path,
        "a.ps1"
    );
    assert_eq!(
        store.pipeline(job.id, 0, 10).unwrap()[0].data,
        "<S>kept</S>"
    );
}

fn scripts(store: &dyn Store) {
    let a = store.script_id("a.ps1").unwrap();
    let b = store.script_id("b.ps1").unwrap();
    assert_ne!(a, b);
    assert_eq!(store.script_id("a.ps1").unwrap(), a, "ids are stable");
    assert_eq!(store.script_path(b).unwrap().as_deref(), Some("b.ps1"));
    assert_eq!(store.script_path(999).unwrap(), None);
    let params = vec![ScriptParameter {
        name: "N".into(),
        ..Default::default()
    }];
    assert_eq!(store.cached_parameters(a, "h1").unwrap(), None);
    store.cache_parameters(a, "h1", &params).unwrap();
    assert_eq!(store.cached_parameters(a, "h1").unwrap(), Some(params));
    assert_eq!(
        store.cached_parameters(a, "h2").unwrap(),
        None,
        "a changed file misses"
    );
}

fn jobs_and_queries(store: &dyn Store) {
    let first = job(store, "q.ps1", JobStatus::Completed, Some(0));
    let second = job(store, "q.ps1", JobStatus::Failed, Some(0));
    let mut child = Job {
        parent_job_id: Some(first.id),
        script_full_path: "c.ps1".into(),
        ..Job::default()
    };
    store.insert_job(&mut child).unwrap();
    assert!(first.run_id.is_some() && first.run_id != second.run_id);
    assert_eq!(
        store
            .job_by_run_id(second.run_id.unwrap())
            .unwrap()
            .unwrap()
            .id,
        second.id
    );
    let page = store
        .list_jobs(&JobQuery {
            script_full_path: Some("q.ps1".into()),
            order_by: Some(OrderBy::Id),
            order_direction: Some(OrderDirection::Ascending),
            take: Some(1),
            ..Default::default()
        })
        .unwrap();
    assert_eq!((page.total, page.page[0].id), (2, first.id));
    let failed = store
        .list_jobs(&JobQuery {
            status: Some(3),
            ..Default::default()
        })
        .unwrap();
    assert!(failed.page.iter().all(|j| j.status == JobStatus::Failed));
    let children = store
        .list_jobs(&JobQuery {
            parent_job_id: Some(first.id),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(children.page[0].id, child.id);
    let skipped = store
        .list_jobs(&JobQuery {
            skip: Some(1_000),
            ..Default::default()
        })
        .unwrap();
    assert!(skipped.page.is_empty() && skipped.total >= 3);
    assert!(
        store
            .jobs_in_status(&[JobStatus::Queued])
            .unwrap()
            .iter()
            .any(|j| j.id == child.id)
    );
}

fn outputs(store: &dyn Store) {
    let j = job(store, "o.ps1", JobStatus::Running, None);
    let warning = |text: &str| {
        Appended::Output(JobOutput {
            output_type: OutputType::Warning,
            message: text.into(),
            ..Default::default()
        })
    };
    // Two batches, records and objects interleaved: each kind is numbered on from its last.
    let mut first = [warning("one"), Appended::Pipeline("<S>a</S>".into())];
    store.append(j.id, &mut first).unwrap();
    let mut second = [
        warning("two"),
        Appended::Pipeline("<S>b</S>".into()),
        warning("three"),
    ];
    store.append(j.id, &mut second).unwrap();
    let Appended::Output(three) = &second[2] else {
        unreachable!()
    };
    assert_eq!(three.id, 3, "the caller's record gets its id");
    let after = store.outputs(j.id, 1, 10).unwrap();
    assert_eq!(after.iter().map(|r| r.id).collect::<Vec<_>>(), [2, 3]);
    assert_eq!(after[1].message, "three");
    assert_eq!(store.outputs(j.id, 0, 1).unwrap()[0].message, "one");
    let objects = store.pipeline(j.id, 0, 10).unwrap();
    let objects: Vec<_> = objects.iter().map(|o| (o.id, o.data.as_str())).collect();
    assert_eq!(objects, [(1, "<S>a</S>"), (2, "<S>b</S>")]);
    let page = store.pipeline(j.id, 1, 10).unwrap();
    assert_eq!((page.len(), page[0].id), (1, 2), "the records after id 1");
    assert_eq!(store.pipeline(j.id, 0, 1).unwrap().len(), 1, "at most take");
    store.delete_pipeline(j.id).unwrap();
    assert!(store.pipeline(j.id, 0, 10).unwrap().is_empty());
}

/// Concurrent appends to one job number its records densely, none lost or doubled.
fn appends_from_many_threads(store: &dyn Store) {
    let j = job(store, "t.ps1", JobStatus::Running, None);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..25 {
                    let mut batch = [
                        Appended::Output(JobOutput::default()),
                        Appended::Pipeline("<Nil />".into()),
                    ];
                    store.append(j.id, &mut batch).unwrap();
                }
            });
        }
    });
    let ids: Vec<i64> = store
        .outputs(j.id, 0, 1000)
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, (1..=100).collect::<Vec<_>>());
    assert_eq!(store.pipeline(j.id, 0, 1000).unwrap().len(), 100);
}

/// Ordering by a time puts jobs without one first when ascending and last when descending.
fn ordering_by_time(store: &dyn Store) {
    let mut started = job(store, "time.ps1", JobStatus::Running, None);
    started.start_time = Some(Utc::now());
    store.update_job(&started).unwrap();
    let waiting = job(store, "time.ps1", JobStatus::Queued, None);
    let order = |direction| -> Vec<i64> {
        let q = JobQuery {
            script_full_path: Some("time.ps1".into()),
            order_by: Some(OrderBy::StartTime),
            order_direction: Some(direction),
            ..Default::default()
        };
        store
            .list_jobs(&q)
            .unwrap()
            .page
            .iter()
            .map(|j| j.id)
            .collect()
    };
    assert_eq!(order(OrderDirection::Ascending), [waiting.id, started.id]);
    assert_eq!(order(OrderDirection::Descending), [started.id, waiting.id]);
}

fn grooming(store: &dyn Store) {
    let old = job(store, "g.ps1", JobStatus::Completed, Some(40));
    let newer: Vec<Job> = (0..3)
        .map(|_| job(store, "g.ps1", JobStatus::Completed, Some(1)))
        .collect();
    let running = job(store, "g.ps1", JobStatus::Running, None);
    let ids = store
        .groom_candidates(Utc::now() - Duration::days(30), &|p| {
            if p == "g.ps1" { 2 } else { 100 }
        })
        .unwrap();
    assert!(ids.contains(&old.id), "older than GroomDays");
    assert!(ids.contains(&newer[0].id), "beyond MaxHistory");
    assert!(!ids.contains(&newer[1].id) && !ids.contains(&newer[2].id));
    assert!(
        !ids.contains(&running.id),
        "unfinished jobs are never groomed"
    );
    store
        .append(old.id, &mut [Appended::Output(JobOutput::default())])
        .unwrap();
    store.delete_jobs(&ids).unwrap();
    assert!(store.job(old.id).unwrap().is_none());
    assert!(
        store.outputs(old.id, 0, 10).unwrap().is_empty(),
        "output goes with the job"
    );
}

fn saved_runs(store: &dyn Store) {
    let first = job(store, "q.ps1", JobStatus::Queued, None);
    let second = job(store, "q.ps1", JobStatus::Queued, None);
    store.save_run(second.id, "second").unwrap();
    store.save_run(first.id, "draft").unwrap();
    store.save_run(first.id, "first").unwrap();
    assert_eq!(
        store.saved_runs().unwrap(),
        [
            (first.id, "first".to_owned()),
            (second.id, "second".to_owned())
        ],
        "oldest job first, the last save kept"
    );
    assert!(store.forget_run(first.id).unwrap());
    assert!(!store.forget_run(first.id).unwrap(), "forgotten already");
    let mut ended = second;
    ended.status = JobStatus::Canceled;
    ended.end_time = Some(Utc::now());
    store.update_job(&ended).unwrap();
    store.delete_jobs(&[ended.id]).unwrap();
    assert!(
        store.saved_runs().unwrap().is_empty(),
        "a deleted job's run goes with it"
    );
}

fn claimed_runs(store: &dyn Store) {
    let ids: Vec<i64> = ["a.ps1", "b.ps1", "a.ps1"]
        .into_iter()
        .map(|path| queued(store, path).id)
        .collect();
    let queued = store.queued_runs(10).unwrap();
    assert_eq!(
        queued,
        [
            (ids[0], "a.ps1".to_owned()),
            (ids[1], "b.ps1".to_owned()),
            (ids[2], "a.ps1".to_owned())
        ]
    );
    assert_eq!(store.queued_runs(1).unwrap().len(), 1);
    assert_eq!(store.queued_count().unwrap(), 3);
    // The oldest of the candidates given, once only.
    let claim = |ids: &[i64]| store.claim_run(&unlimited(ids), "node a").unwrap();
    assert_eq!(
        claim(&[ids[2], ids[1]]),
        Some((ids[1], format!("run {}", ids[1])))
    );
    assert_eq!(claim(&[ids[1]]), None, "claimed already");
    assert_eq!(claim(&[]), None);
    assert!(!store.forget_run(ids[1]).unwrap());
    assert_eq!(claim(&ids), Some((ids[0], format!("run {}", ids[0]))));
    assert_eq!(
        store.queued_runs(10).unwrap(),
        [(ids[2], "a.ps1".to_owned())]
    );
    assert_eq!(
        store.queued_count().unwrap(),
        1,
        "claimed jobs are not queued"
    );
    assert!(store.forget_run(ids[2]).unwrap());
    assert_eq!(
        store.job_nodes(&ids).unwrap(),
        HashMap::from([(ids[0], "node a".to_owned()), (ids[1], "node a".to_owned())]),
        "the claims, by the node that made them"
    );
}

/// Claim candidates of scripts without a limit.
fn unlimited(ids: &[i64]) -> Vec<Candidate> {
    ids.iter()
        .map(|&job_id| Candidate {
            job_id,
            script_limit: 0,
        })
        .collect()
}

/// A queued job of `path` with a kept run.
fn queued(store: &dyn Store, path: &str) -> Job {
    let job = job(store, path, JobStatus::Queued, None);
    store.save_run(job.id, &format!("run {}", job.id)).unwrap();
    job
}

/// A script's limit counts its jobs claimed and not ended, whichever server claimed them; it
/// holds back no other script's jobs.
fn claims_within_script_limits(store: &dyn Store) {
    let (a1, a2, b, a3) = (
        queued(store, "limited.ps1"),
        queued(store, "limited.ps1"),
        queued(store, "free.ps1"),
        queued(store, "limited.ps1"),
    );
    let candidates: Vec<Candidate> = [(&a1, 2), (&a2, 2), (&b, 0), (&a3, 2)]
        .into_iter()
        .map(|(job, script_limit)| Candidate {
            job_id: job.id,
            script_limit,
        })
        .collect();
    let claim = |node: &str| {
        store
            .claim_run(&candidates, node)
            .unwrap()
            .map(|(id, _)| id)
    };
    assert_eq!(claim("node a"), Some(a1.id));
    assert_eq!(claim("node b"), Some(a2.id));
    assert_eq!(
        claim("node a"),
        Some(b.id),
        "limited.ps1 has two claimed, one on each node: only free.ps1 may start"
    );
    assert_eq!(claim("node a"), None);
    let mut started = a2;
    started.status = JobStatus::Running;
    store.update_job(&started).unwrap();
    assert_eq!(
        claim("node a"),
        None,
        "a running job counts as a claimed one"
    );
    let mut ended = a1;
    ended.status = JobStatus::Completed;
    ended.end_time = Some(Utc::now());
    store.update_job(&ended).unwrap();
    assert_eq!(claim("node a"), Some(a3.id), "an ended job leaves room");
}

/// Servers claiming at the same moment together keep a script's limit.
fn racing_claims_keep_a_limit(store: &dyn Store) {
    let candidates: Vec<Candidate> = (0..8)
        .map(|_| Candidate {
            job_id: queued(store, "one at a time.ps1").id,
            script_limit: 1,
        })
        .collect();
    let claimed: usize = std::thread::scope(|s| {
        let racers: Vec<_> = (0..4)
            .map(|n| {
                let candidates = &candidates;
                s.spawn(move || {
                    let node = format!("node {n}");
                    usize::from(store.claim_run(candidates, &node).unwrap().is_some())
                })
            })
            .collect();
        racers.into_iter().map(|r| r.join().unwrap()).sum()
    });
    assert_eq!(
        claimed, 1,
        "one job of the script, however many servers race"
    );
}

fn nodes_cancels_and_prompts(store: &dyn Store) {
    let minute = StdDuration::from_secs(60);
    assert!(!store.heartbeat("n1", "one").unwrap(), "new");
    assert!(store.heartbeat("n1", "one").unwrap());
    assert!(!store.heartbeat("n2", "two").unwrap());
    assert_eq!(
        store.live_nodes(minute).unwrap(),
        [
            ("n1".to_owned(), "one".to_owned()),
            ("n2".to_owned(), "two".to_owned())
        ]
    );
    assert!(
        store.reap_nodes(minute).unwrap().is_empty(),
        "both were heard from"
    );
    std::thread::sleep(StdDuration::from_millis(300));
    store.heartbeat("n2", "two").unwrap();
    let silent = StdDuration::from_millis(150);
    assert_eq!(
        store.reap_nodes(silent).unwrap(),
        [("n1".to_owned(), "one".to_owned())]
    );
    assert!(store.reap_nodes(silent).unwrap().is_empty(), "reaped once");
    assert_eq!(store.live_nodes(minute).unwrap().len(), 1);
    assert!(
        !store.heartbeat("n1", "one").unwrap(),
        "taken for dead, so not known"
    );

    store.request_cancel(7).unwrap();
    store.request_cancel(7).unwrap();
    store.request_cancel(9).unwrap();
    assert_eq!(store.take_cancel_requests(&[7, 8]).unwrap(), [7]);
    assert!(
        store.take_cancel_requests(&[7]).unwrap().is_empty(),
        "taken"
    );
    assert_eq!(store.take_cancel_requests(&[9]).unwrap(), [9]);

    store.put_prompt(7, "draft").unwrap();
    store.put_prompt(7, "prompt").unwrap();
    assert_eq!(store.prompt(7).unwrap().as_deref(), Some("prompt"));
    assert!(store.answer_prompt(7, "answer").unwrap());
    assert!(
        !store.answer_prompt(7, "again").unwrap(),
        "answered already"
    );
    assert_eq!(store.prompt(7).unwrap(), None, "answered, so not shown");
    assert!(store.take_answers(&[8]).unwrap().is_empty());
    assert_eq!(
        store.take_answers(&[7, 8]).unwrap(),
        [(7, "answer".to_owned())]
    );
    assert!(store.take_answers(&[7]).unwrap().is_empty(), "taken");
    store.put_prompt(9, "prompt").unwrap();
    store.drop_prompt(9).unwrap();
    assert!(!store.answer_prompt(9, "answer").unwrap(), "dropped");
    // The server running a job answers its prompt by withdrawing it: first come, first served.
    store.put_prompt(10, "prompt").unwrap();
    assert!(store.withdraw_prompt(10).unwrap(), "withdrawn unanswered");
    assert!(!store.answer_prompt(10, "late").unwrap(), "withdrawn");
    store.put_prompt(11, "prompt").unwrap();
    assert!(store.answer_prompt(11, "first").unwrap());
    assert!(
        !store.withdraw_prompt(11).unwrap(),
        "answered on another server first"
    );
    assert_eq!(
        store.take_answers(&[11]).unwrap(),
        [(11, "first".to_owned())],
        "the first answer is kept for the job"
    );
    assert!(store.withdraw_prompt(12).unwrap(), "no prompt stored");

    assert_eq!(store.fact("check", "first").unwrap(), "first");
    assert_eq!(
        store.fact("check", "second").unwrap(),
        "first",
        "the first stays"
    );
}

fn tokens_and_credentials(store: &dyn Store) {
    let before = store.token_count().unwrap();
    let id = store.insert_token("hash-1", "ci", "Reader").unwrap();
    assert_eq!(store.token_count().unwrap(), before + 1);
    assert!(!store.token_by_hash("hash-1").unwrap().unwrap().revoked);
    assert!(store.revoke_token(id).unwrap());
    assert!(store.token_by_hash("hash-1").unwrap().unwrap().revoked);
    assert!(!store.revoke_token(id + 100).unwrap());
    let cred = StoredCredential {
        name: "svc".into(),
        user: "u".into(),
        secret: vec![1, 2, 3],
    };
    store.put_credential(&cred).unwrap();
    store
        .put_credential(&StoredCredential {
            user: "u2".into(),
            ..cred
        })
        .unwrap();
    assert_eq!(
        store.credential("svc").unwrap().unwrap().user,
        "u2",
        "set replaces"
    );
    assert_eq!(store.credential("none").unwrap(), None);
}
