//! The channel end to end in one process: the real router, engine and store behind the
//! socket, and a raw frame client in front of it. (The client crate's transport is exercised
//! end to end by tests/Integrated.Tests.ps1; depending on it here would switch on reqwest
//! features that break the server's own HTTP tests.) No job process is needed: a job row is
//! inserted and granted the way the engine grants a starting job.

use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use interprocess::local_socket::tokio::Stream;
use interprocess::local_socket::traits::tokio::Stream as _;
use model::integrated::{self, ClientFrame, PROTOCOL_VERSION, ServerFrame, WatchEvent};
use model::{Identity, Job, JobOutput, JobStatus, OutputType};
use tokio_util::codec::{Framed, LengthDelimitedCodec};

use super::Channel;
use crate::api::{self, AppState};
use crate::auth::{Caller, Role};
use crate::config::Settings;
use crate::engine::Engine;
use crate::metrics::Metrics;
use crate::rate_limit::FailureLimiter;
use crate::repository::Repository;
use crate::secrets::SecretBox;
use crate::store::{Appended, SqliteStore, Store};

struct Fixture {
    _dir: tempfile::TempDir,
    engine: Arc<Engine>,
    channel: Channel,
}

fn admin() -> Caller {
    Caller {
        token_id: 1,
        name: "admin".into(),
        role: Role::Administrator,
    }
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("scripts")).unwrap();
        let settings = Arc::new(Settings {
            data_dir: dir.path().to_path_buf(),
            repository: dir.path().join("scripts"),
            ..Settings::default()
        });
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).unwrap());
        let secrets = Arc::new(SecretBox::open_or_create(dir.path()).unwrap());
        let engine = Engine::new(
            store,
            settings,
            Arc::new(Metrics::default()),
            secrets.clone(),
            crate::node::Node {
                id: "test".into(),
                name: "test".into(),
            },
        );
        let state = AppState {
            engine: engine.clone(),
            repo: Repository::open(&dir.path().join("scripts")).unwrap(),
            secrets,
            limiter: Arc::new(FailureLimiter::new(10, Duration::from_secs(60))),
        };
        let channel = Channel::start(api::router(state), &engine).unwrap();
        Fixture {
            _dir: dir,
            engine,
            channel,
        }
    }

    /// A running job, granted its channel; returns its id and secret.
    fn job(&self) -> (i64, String) {
        let mut job = Job {
            status: JobStatus::Running,
            script_full_path: "a.ps1".into(),
            identity: Some(Identity {
                id: Some(1),
                name: "admin".into(),
                role: "Administrator".into(),
            }),
            ..Job::default()
        };
        self.engine.store.insert_job(&mut job).unwrap();
        let env = self.channel.open(job.id, admin());
        let var = |name: &str| env.iter().find(|(k, _)| k == name).unwrap().1.clone();
        assert_eq!(var("PSUJOBS_IPC_ADDRESS"), self.channel.address().0);
        assert_eq!(var("PSUJOBS_JOB_ID"), job.id.to_string());
        (job.id, var("PSUJOBS_IPC_SECRET"))
    }

    async fn dial(&self) -> Raw {
        let stream = Stream::connect(self.channel.address().name().unwrap())
            .await
            .unwrap();
        Raw(Framed::new(stream, LengthDelimitedCodec::new()))
    }

    /// A connection that has said hello as `job_id`, and the server's answer.
    async fn connect(&self, job_id: i64, secret: &str) -> (Raw, ServerFrame) {
        let mut raw = self.dial().await;
        let hello = ClientFrame::Hello {
            version: PROTOCOL_VERSION,
            job_id,
            secret: secret.into(),
        };
        raw.send(&hello).await;
        let (answer, _) = raw.recv().await.expect("an answer to the hello");
        (raw, answer)
    }
}

/// Frames in and out, nothing else.
struct Raw(Framed<Stream, LengthDelimitedCodec>);

impl Raw {
    async fn send(&mut self, frame: &ClientFrame) {
        let payload = bytes::Bytes::from(integrated::encode(frame, &[]));
        self.0.send(payload).await.unwrap();
    }

    async fn get(&mut self, id: u64, path: &str) {
        let request = ClientFrame::Request {
            id,
            method: "GET".into(),
            path: path.into(),
            query: Vec::new(),
            accept: "json".into(),
        };
        self.send(&request).await;
    }

    async fn watch(&mut self, id: u64, job: &str) {
        let watch = ClientFrame::Watch {
            id,
            job: job.into(),
            after: None,
        };
        self.send(&watch).await;
    }

    /// The next frame, or `None` when the server closed the connection.
    async fn recv(&mut self) -> Option<(ServerFrame, Vec<u8>)> {
        let payload = tokio::time::timeout(Duration::from_secs(5), self.0.next())
            .await
            .expect("a frame within 5 s")?
            .ok()?;
        let (frame, body) = integrated::decode(&payload).unwrap();
        Some((frame, body.to_vec()))
    }
}

fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body).unwrap()
}

#[tokio::test]
async fn a_job_reads_the_api_as_its_own_identity() {
    let fixture = Fixture::new();
    let (id, secret) = fixture.job();
    let (mut raw, welcome) = fixture.connect(id, &secret).await;
    assert_eq!(welcome, ServerFrame::Welcome { job_id: id });
    raw.get(1, &format!("job/{id}")).await;
    let (frame, body) = raw.recv().await.unwrap();
    assert_eq!(
        frame,
        ServerFrame::Response {
            id: 1,
            status: 200,
            more: false
        }
    );
    assert_eq!(json(&body)["id"], id);
    // REST errors come through unchanged.
    raw.get(2, "job/999").await;
    let (frame, body) = raw.recv().await.unwrap();
    assert_eq!(
        frame,
        ServerFrame::Response {
            id: 2,
            status: 404,
            more: false
        }
    );
    assert_eq!(json(&body)["id"], "job.not_found");
}

#[tokio::test]
async fn an_answer_larger_than_a_part_comes_in_parts() {
    let fixture = Fixture::new();
    let (id, secret) = fixture.job();
    // Ten objects of 1 MiB: a 10 MiB answer, where frames hold 4 MiB of body at most.
    let object = format!("<S>{}</S>", "x".repeat(1 << 20));
    let mut objects: Vec<Appended> = (0..10)
        .map(|_| Appended::Pipeline(object.clone()))
        .collect();
    fixture.engine.store.append(id, &mut objects).unwrap();
    let (mut raw, _) = fixture.connect(id, &secret).await;
    raw.get(1, &format!("job/{id}/pipelineOutput")).await;
    let mut body = Vec::new();
    let mut parts = Vec::new();
    loop {
        let (frame, part) = raw.recv().await.unwrap();
        assert!(part.len() <= integrated::CHUNK_BYTES);
        body.extend_from_slice(&part);
        let more = match frame {
            ServerFrame::Response {
                id: 1,
                status: 200,
                more,
            } if parts.is_empty() => more,
            ServerFrame::Chunk { id: 1, more } if !parts.is_empty() => more,
            other => panic!("unexpected {other:?}"),
        };
        parts.push(part.len());
        if !more {
            break;
        }
    }
    let (last, full) = parts.split_last().unwrap();
    assert!(
        !full.is_empty() && full.iter().all(|&n| n == integrated::CHUNK_BYTES),
        "{parts:?}"
    );
    assert!(*last <= integrated::CHUNK_BYTES);
    let records: Vec<model::PipelineOutput> = serde_json::from_slice(&body).unwrap();
    assert_eq!(records.len(), 10);
    assert!(records.iter().all(|r| r.data == object));
    // The connection goes on serving.
    raw.get(2, &format!("job/{id}")).await;
    let (frame, _) = raw.recv().await.unwrap();
    assert!(matches!(
        frame,
        ServerFrame::Response {
            id: 2,
            status: 200,
            more: false
        }
    ));
}

#[tokio::test]
async fn calls_overlap_on_one_connection() {
    let fixture = Fixture::new();
    let (id, secret) = fixture.job();
    let (mut raw, _) = fixture.connect(id, &secret).await;
    for n in 1..=32 {
        raw.get(n, &format!("job/{id}")).await;
    }
    let mut answered = Vec::new();
    for _ in 1..=32 {
        match raw.recv().await.unwrap() {
            (
                ServerFrame::Response {
                    id: n,
                    status: 200,
                    more: false,
                },
                _,
            ) => answered.push(n),
            other => panic!("unexpected {other:?}"),
        }
    }
    answered.sort_unstable();
    assert_eq!(answered, (1..=32).collect::<Vec<u64>>());
}

#[tokio::test]
async fn a_forged_secret_or_another_jobs_id_is_refused() {
    let fixture = Fixture::new();
    let (id, secret) = fixture.job();
    let (other, _) = fixture.job();
    let forged = "0".repeat(64);
    for (job, secret) in [(id, forged.as_str()), (other, &secret), (id + 99, &secret)] {
        let (mut raw, answer) = fixture.connect(job, secret).await;
        assert!(
            matches!(&answer, ServerFrame::Refused { error_id, .. } if error_id == "IntegratedSecretRefused"),
            "{answer:?}"
        );
        assert!(
            raw.recv().await.is_none(),
            "the server closes after refusing"
        );
    }
}

#[tokio::test]
async fn the_secret_dies_with_the_job() {
    let fixture = Fixture::new();
    let (id, secret) = fixture.job();
    let (mut open, welcome) = fixture.connect(id, &secret).await;
    assert_eq!(welcome, ServerFrame::Welcome { job_id: id });
    fixture.channel.close(id);
    // The open connection is closed by the server...
    assert!(open.recv().await.is_none());
    // ...and the stale secret opens nothing new.
    let (_, answer) = fixture.connect(id, &secret).await;
    assert!(matches!(answer, ServerFrame::Refused { .. }), "{answer:?}");
}

#[tokio::test]
async fn a_watch_streams_records_and_ends_after_the_final_job() {
    let fixture = Fixture::new();
    let (id, secret) = fixture.job();
    let (mut raw, _) = fixture.connect(id, &secret).await;
    raw.watch(7, &id.to_string()).await;
    let engine = fixture.engine.clone();
    let writer = tokio::spawn(async move {
        for n in 1..=3 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let record = JobOutput {
                output_type: OutputType::Information,
                message: format!("line {n}"),
                ..JobOutput::default()
            };
            engine
                .store
                .append(id, &mut [Appended::Output(record)])
                .unwrap();
            engine.changed();
        }
        engine
            .update(id, |j| j.status = JobStatus::Completed)
            .unwrap();
    });
    let mut lines = Vec::new();
    let mut statuses = Vec::new();
    loop {
        match raw.recv().await.unwrap() {
            (ServerFrame::Event { id: 7 }, body) => match serde_json::from_slice(&body).unwrap() {
                WatchEvent::Output(r) => lines.push(r.message),
                WatchEvent::Job(j) => statuses.push(j.status),
                WatchEvent::Feedback(_) => panic!("no prompt was asked"),
            },
            (ServerFrame::End { id: 7, status }, _) => {
                assert_eq!(status, 200);
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    writer.await.unwrap();
    assert_eq!(lines, ["line 1", "line 2", "line 3"]);
    assert_eq!(statuses.first(), Some(&JobStatus::Running));
    assert_eq!(statuses.last(), Some(&JobStatus::Completed));
}

#[tokio::test]
async fn an_unknown_job_ends_a_watch_like_rest_and_cancel_ends_one() {
    let fixture = Fixture::new();
    let (id, secret) = fixture.job();
    let (mut raw, _) = fixture.connect(id, &secret).await;
    raw.watch(1, "999").await;
    let (frame, body) = raw.recv().await.unwrap();
    assert_eq!(frame, ServerFrame::End { id: 1, status: 404 });
    assert_eq!(json(&body)["id"], "job.not_found");

    raw.watch(2, &id.to_string()).await;
    assert!(matches!(
        raw.recv().await,
        Some((ServerFrame::Event { id: 2 }, _))
    ));
    raw.send(&ClientFrame::Cancel { id: 2 }).await;
    let (frame, _) = raw.recv().await.unwrap();
    assert_eq!(frame, ServerFrame::End { id: 2, status: 499 });
}

#[tokio::test]
async fn garbage_instead_of_a_hello_is_refused_without_harm() {
    let fixture = Fixture::new();
    let (id, secret) = fixture.job();
    let mut raw = fixture.dial().await;
    raw.0
        .send(bytes::Bytes::from_static(b"\x00\x00\x00\x05hello"))
        .await
        .unwrap();
    let (frame, _) = raw.recv().await.unwrap();
    assert!(matches!(
        frame,
        ServerFrame::Refused { ref error_id, .. } if error_id == "IntegratedFrameInvalid"
    ));
    // The channel still serves the job.
    let (_, welcome) = fixture.connect(id, &secret).await;
    assert_eq!(welcome, ServerFrame::Welcome { job_id: id });
}
