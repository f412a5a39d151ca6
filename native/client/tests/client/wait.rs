use std::time::{Duration, Instant};

use client::model::FeedbackResponse;
use client::model::{Job, JobStatus};
use client::{CancellationToken, Client, JobRef, Result, WaitEvent, WaitOptions};
use tokio::sync::mpsc;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::server_and_client;
use crate::fake_job::{FakeJob, Flavor};

fn options() -> WaitOptions {
    WaitOptions {
        long_poll: Duration::from_secs(1),
        min_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(100),
        ..WaitOptions::default()
    }
}

async fn fake(flavor: Flavor) -> (MockServer, Client, FakeJob) {
    let (server, client) = server_and_client().await;
    let fake = FakeJob::mount(&server, flavor).await;
    (server, client, fake)
}

/// Runs a wait in the background, collecting its events.
fn follow(
    client: &Client,
    options: WaitOptions,
) -> (
    tokio::task::JoinHandle<Result<Job>>,
    mpsc::UnboundedReceiver<WaitEvent>,
) {
    let (events, received) = mpsc::unbounded_channel();
    let client = client.clone();
    let waiting = tokio::spawn(async move {
        client
            .wait(JobRef::Id(1), options, move |event| {
                let _ = events.send(event);
            })
            .await
    });
    (waiting, received)
}

fn messages(events: &mut mpsc::UnboundedReceiver<WaitEvent>) -> Vec<String> {
    let mut out = Vec::new();
    while let Ok(event) = events.try_recv() {
        if let WaitEvent::Output(record) = event {
            out.push(record.message);
        }
    }
    out
}

/// Writes `count` records a few milliseconds apart, then ends the job.
async fn run_job(fake: &FakeJob, count: usize) {
    for i in 1..=count {
        fake.push(&format!("m{i}"));
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    fake.push("last words");
    fake.set_status(2);
}

fn expected(count: usize) -> Vec<String> {
    (1..=count)
        .map(|i| format!("m{i}"))
        .chain(["last words".to_owned()])
        .collect()
}

#[tokio::test]
async fn long_poll_delivers_every_record_once_in_order() {
    let (_server, client, fake) = fake(Flavor::LongPoll).await;
    let (waiting, mut events) = follow(&client, options());
    run_job(&fake, 30).await;
    let job = waiting.await.unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Completed);
    assert_eq!(messages(&mut events), expected(30));

    // While the job runs every request long-polls; the drain after its end does not wait.
    let (running, ended) = fake.output_queries_by_phase();
    assert!(
        running
            .iter()
            .all(|q| q.contains(&("wait".into(), "1".into()))),
        "{running:?}"
    );
    let drain = ended.last().expect("the end is drained");
    assert!(!drain.iter().any(|(k, _)| k == "wait"), "{ended:?}");
    let queries = fake.output_queries();
    let afters: Vec<u64> = queries
        .iter()
        .filter_map(|q| {
            q.iter()
                .find(|(k, _)| k == "after")
                .map(|(_, v)| v.parse().unwrap())
        })
        .collect();
    assert!(afters.windows(2).all(|w| w[0] <= w[1]), "{afters:?}");
}

#[tokio::test]
async fn polling_a_psu_that_repeats_everything_delivers_each_record_once() {
    for flavor in [Flavor::PsuNumbered, Flavor::PsuUnnumbered] {
        let (_server, client, fake) = fake(flavor).await;
        let (waiting, mut events) = follow(&client, options());
        run_job(&fake, 25).await;
        let job = waiting.await.unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Completed);
        assert_eq!(messages(&mut events), expected(25), "{flavor:?}");
    }
}

#[tokio::test]
async fn a_server_that_answers_at_once_is_polled_without_wait() {
    let (_server, client, fake) = fake(Flavor::PsuNumbered).await;
    let (waiting, _events) = follow(&client, options());
    tokio::time::sleep(Duration::from_millis(600)).await;
    fake.set_status(2);
    waiting.await.unwrap().unwrap();
    let queries = fake.output_queries();
    assert!(queries.len() >= 3, "{queries:?}");
    assert!(
        queries[0].iter().any(|(k, _)| k == "wait"),
        "first request tries long-polling"
    );
    let later_waits = queries[2..]
        .iter()
        .filter(|q| q.iter().any(|(k, _)| k == "wait"))
        .count();
    assert_eq!(later_waits, 0, "{queries:?}");
    // Polled with a growing delay, not in a tight loop: at most one request per min_delay.
    assert!(queries.len() < 600 / 20, "{} requests", queries.len());
}

#[tokio::test]
async fn status_and_progress_are_reported_on_change() {
    let (_server, client, fake) = fake(Flavor::LongPoll).await;
    fake.set_activity("Copying");
    let (waiting, mut events) = follow(&client, options());
    tokio::time::sleep(Duration::from_millis(200)).await;
    fake.set_status(2);
    waiting.await.unwrap().unwrap();
    let mut seen = Vec::new();
    while let Ok(event) = events.try_recv() {
        seen.push(event);
    }
    let statuses: Vec<JobStatus> = seen
        .iter()
        .filter_map(|e| match e {
            WaitEvent::Status(s) => Some(*s),
            _ => None,
        })
        .collect();
    assert_eq!(statuses, [JobStatus::Running, JobStatus::Completed]);
    let progress: Vec<&str> = seen
        .iter()
        .filter_map(|e| match e {
            WaitEvent::Progress(p) => Some(p.activity.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(progress, ["Copying"]);
}

#[tokio::test]
async fn a_prompt_is_reported_once_and_can_be_answered() {
    let (_server, client, fake) = fake(Flavor::LongPoll).await;
    let (waiting, mut events) = follow(&client, options());
    fake.prompt("Your name?");
    let mut prompts = 0;
    while let Some(event) = events.recv().await {
        match event {
            WaitEvent::Feedback(prompt) => {
                prompts += 1;
                assert_eq!(prompt.message, "Your name?");
                // Let a few status checks see the same prompt before answering.
                tokio::time::sleep(Duration::from_millis(150)).await;
                let answer = FeedbackResponse {
                    response: Some("Ada".into()),
                    ..FeedbackResponse::default()
                };
                client
                    .answer_feedback(JobRef::Id(1), &answer)
                    .await
                    .unwrap();
            }
            WaitEvent::Output(record) => assert_eq!(record.message, "answered \"Ada\""),
            _ => {}
        }
    }
    assert_eq!(prompts, 1);
    assert_eq!(waiting.await.unwrap().unwrap().status, JobStatus::Completed);
    assert_eq!(fake.answers(), [serde_json::json!({"response": "Ada"})]);
}

#[tokio::test]
async fn a_finished_job_returns_at_once_with_its_records() {
    let (_server, client, fake) = fake(Flavor::LongPoll).await;
    fake.push("only");
    fake.set_status(3);
    let started = Instant::now();
    let (waiting, mut events) = follow(&client, options());
    let job = waiting.await.unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Failed);
    assert_eq!(messages(&mut events), ["only"]);
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_timeout_ends_the_wait() {
    let (_server, client, _fake) = fake(Flavor::LongPoll).await;
    let started = Instant::now();
    let (waiting, _events) = follow(
        &client,
        WaitOptions {
            timeout: Some(Duration::from_millis(300)),
            ..options()
        },
    );
    let err = waiting.await.unwrap().unwrap_err();
    assert_eq!(err.id(), "WaitTimeout");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed < Duration::from_millis(550),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn cancel_ends_a_held_long_poll_promptly() {
    let (_server, client, _fake) = fake(Flavor::LongPoll).await;
    let cancel = CancellationToken::new();
    let (waiting, _events) = follow(
        &client,
        WaitOptions {
            cancel: cancel.clone(),
            long_poll: Duration::from_secs(10),
            ..options()
        },
    );
    // By now the output request is being held by the server.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let canceled = Instant::now();
    cancel.cancel();
    let err = waiting.await.unwrap().unwrap_err();
    assert_eq!(err.id(), "Canceled");
    assert!(
        canceled.elapsed() < Duration::from_millis(100),
        "{:?}",
        canceled.elapsed()
    );
}

#[tokio::test]
async fn transient_failures_are_retried_and_lasting_ones_end_the_wait() {
    let (server, client) = server_and_client().await;
    // Mounted first, so they answer before the fake until used up.
    Mock::given(method("GET"))
        .and(path("/api/v1/job/1"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    let fake = FakeJob::mount(&server, Flavor::LongPoll).await;
    fake.push("still here");
    fake.set_status(2);
    let (waiting, mut events) = follow(&client, options());
    assert_eq!(waiting.await.unwrap().unwrap().status, JobStatus::Completed);
    assert_eq!(messages(&mut events), ["still here"]);

    let (server, client) = server_and_client().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let (waiting, _events) = follow(&client, options());
    assert_eq!(waiting.await.unwrap().unwrap_err().id(), "Unauthorized");
}

#[test]
fn the_client_and_its_wait_can_cross_threads() {
    fn shared<T: Send + Sync + Clone + 'static>() {}
    shared::<Client>();
    fn sendable<T: Send>(_: &T) {}
    let client = Client::new(client::Connection::new("http://127.0.0.1:1")).unwrap();
    let wait = client.wait(JobRef::Id(1), WaitOptions::default(), |_| {});
    sendable(&wait);
}
