//! Exit codes, terminating errors, stop, a process dying under a job, minimal
//! environments and the warm pool.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use psrp::{EnvKind, Environment, Error, Event, FinalState, Invocation, NoHost, Pool, Session};

#[tokio::test]
async fn exit_code_of_script_text_and_file() {
    let (_, outcome) = common::run_text("'before'; exit 3").await;
    assert_eq!(outcome.exit_code, Some(3));

    let path = common::script_file("'x'\nexit 3\n");
    let (events, outcome) = common::run(Invocation::file(path), Arc::new(NoHost)).await;
    assert_eq!(common::outputs(&events), ["x"]);
    assert_eq!(outcome.exit_code, Some(3));

    let (_, outcome) = common::run_text("'no exit'").await;
    assert_eq!(outcome.exit_code, None);
    assert_eq!(outcome.state, FinalState::Completed);
}

#[tokio::test]
async fn terminating_error_is_reported_with_its_error_record() {
    let path = common::script_file(
        "'first'\nthrow [System.IO.FileNotFoundException]::new('gone missing')\n'never'\n",
    );
    let (events, outcome) = common::run(Invocation::file(&path), Arc::new(NoHost)).await;
    assert_eq!(common::outputs(&events), ["first"]);
    assert_eq!(outcome.state, FinalState::Failed);
    let error = outcome.error.expect("the terminating error");
    assert_eq!(error.message, "gone missing");
    assert_eq!(
        error.exception_type.as_deref(),
        Some("System.IO.FileNotFoundException")
    );
    let position = error.position_message.as_deref().unwrap_or_default();
    assert!(position.contains(":2"), "{position}");
    assert!(error.clixml.contains("ErrorRecord"));
}

#[tokio::test]
async fn stop_ends_a_long_sleep_quickly_and_leaves_no_process() {
    let session = Session::open(&common::env()).await.unwrap();
    let mut handle = session
        .run(
            Invocation::text("'started'; Start-Sleep 600; 'never'"),
            Arc::new(NoHost),
        )
        .await
        .unwrap();
    assert!(matches!(handle.next_event().await, Some(Event::Output(_))));
    let pid = handle.pid();
    let started = Instant::now();
    handle.stopper().stop().await;
    let outcome = handle.outcome().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(outcome.state, FinalState::Stopped);
    assert!(!common::process_alive(pid));
    assert!(common::group_gone(pid));
}

#[tokio::test]
async fn stop_kills_the_tree_when_the_pipeline_ignores_the_signal() {
    // A native child keeps running after pwsh is gone unless the whole group is killed.
    let session = Session::open(&common::env()).await.unwrap();
    let mut handle = session
        .run(Invocation::text("'go'; & sleep 600"), Arc::new(NoHost))
        .await
        .unwrap();
    assert!(matches!(handle.next_event().await, Some(Event::Output(_))));
    let pid = handle.pid();
    handle
        .stopper()
        .stop_with_grace(Duration::from_millis(500))
        .await;
    let outcome = handle.outcome().await.unwrap();
    assert_eq!(outcome.state, FinalState::Stopped);
    assert!(common::group_gone(pid));
}

#[tokio::test]
async fn a_process_killed_mid_run_is_an_error_within_two_seconds() {
    let session = Session::open(&common::env()).await.unwrap();
    let mut handle = session
        .run(Invocation::text("'up'; Start-Sleep 600"), Arc::new(NoHost))
        .await
        .unwrap();
    assert!(matches!(handle.next_event().await, Some(Event::Output(_))));
    let pid = handle.pid();
    std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    let started = Instant::now();
    let result = tokio::time::timeout(Duration::from_secs(5), handle.outcome()).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    match result.expect("no hang") {
        Err(Error::ProcessExited { .. }) => {}
        other => panic!("expected ProcessExited, got {other:?}"),
    }
}

#[tokio::test]
async fn warm_pool_serves_ready_sessions_and_injects_job_env() {
    let pool = Pool::new(common::env(), 1);
    let session = pool.take_warm().await.unwrap();
    let first_pid = session.pid();
    let mut handle = session
        .run(
            Invocation::text("$env:PSUJOBS_TEST_SECRET").env("PSUJOBS_TEST_SECRET", "s3cret"),
            Arc::new(NoHost),
        )
        .await
        .unwrap();
    let mut outputs = Vec::new();
    while let Some(e) = handle.next_event().await {
        outputs.push(e);
    }
    assert_eq!(common::outputs(&outputs), ["s3cret"]);
    handle.outcome().await.unwrap();
    // Replaced in the background: the next one is a different, live process.
    let next = pool.take_warm().await.unwrap();
    assert_ne!(next.pid(), first_pid);
    assert!(next.is_alive());
    let pid = next.pid();
    drop(next);
    drop(pool);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!common::process_alive(pid));
}

#[tokio::test]
async fn minimal_environment_captures_stdout_and_stderr() {
    let env = Environment::minimal(
        "sh",
        "/bin/sh",
        vec!["-c".into(), "echo out; echo err >&2; exit 4".into()],
    );
    assert_eq!(env.kind, EnvKind::Minimal);
    let mut handle = psrp::run_minimal(&env, &[]).await.unwrap();
    let mut events = Vec::new();
    while let Some(e) = handle.next_event().await {
        events.push(e);
    }
    let outcome = handle.outcome().await.unwrap();
    assert_eq!(outcome.exit_code, Some(4));
    assert_eq!(outcome.state, FinalState::Failed);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Stdout(l) if l == "out"))
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Stderr(l) if l == "err"))
    );
    assert!(matches!(
        Session::open(&env).await,
        Err(Error::NotPowerShell(_))
    ));
}
