//! A cancel asked while this server claims and starts a job (it is no longer queued, and not
//! yet running here) stops the job as it starts, with no tick to take the filed request.

use std::sync::Arc;
use std::time::{Duration, Instant};

use model::{Job, JobStatus};

use super::{Engine, RunSpec, saved};
use crate::config::{EnvironmentConfig, Settings};
use crate::metrics::Metrics;
use crate::node::Node;
use crate::secrets::SecretBox;
use crate::store::{Candidate, SqliteStore, Store};

#[tokio::test(flavor = "multi_thread")]
async fn a_job_canceled_while_claimed_stops_as_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let scripts = dir.path().join("scripts");
    std::fs::create_dir_all(&scripts).unwrap();
    std::fs::write(scripts.join("slow.ps1"), "Start-Sleep 120").unwrap();
    let settings = Arc::new(Settings {
        data_dir: dir.path().to_path_buf(),
        repository: scripts.clone(),
        warm_processes: 0,
        ..Settings::default()
    });
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let secrets = Arc::new(SecretBox::open_or_create(dir.path()).unwrap());
    let node = Node {
        id: "here".into(),
        name: "here".into(),
    };
    // Built without its ticker, as no server would run: nothing but the start may stop it.
    let engine = Engine::new(
        store.clone(),
        settings,
        Arc::new(Metrics::default()),
        secrets.clone(),
        node,
    );
    let mut job = Job {
        status: JobStatus::Queued,
        script_full_path: "slow.ps1".into(),
        ..Job::default()
    };
    store.insert_job(&mut job).unwrap();
    let spec = RunSpec {
        job_id: job.id,
        script_file: scripts.join("slow.ps1"),
        script_full_path: "slow.ps1".into(),
        parameters: Vec::new(),
        environment_name: "pwsh".into(),
        environment: EnvironmentConfig::default(),
        process_env: Vec::new(),
        variables: Vec::new(),
        run_as: None,
        timeout: None,
        discard_pipeline: false,
        retry_limit: 0,
        location: None,
        error_action: None,
        load_profile: false,
    };
    store
        .save_run(job.id, &saved::seal(&spec, &secrets))
        .unwrap();
    let claim = Candidate {
        job_id: job.id,
        script_limit: 0,
    };
    let (id, sealed) = store.claim_run(&[claim], "here").unwrap().unwrap();
    // The cancel, finding the job neither queued nor running here.
    engine.cancel(id).unwrap();
    engine.start(id, &sealed);
    let deadline = Instant::now() + Duration::from_secs(30);
    let ended = loop {
        let job = store.job(id).unwrap().unwrap();
        if job.status.is_terminal() {
            break job;
        }
        assert!(Instant::now() < deadline, "still {:?}", job.status);
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(ended.status, JobStatus::Canceled);
    assert!(
        store.take_cancel_requests(&[id]).unwrap().is_empty(),
        "the filed request goes with the job it was for"
    );
}
