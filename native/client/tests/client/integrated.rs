//! The integrated transport against a scripted channel server on a Unix socket: plain calls
//! answered at once and late (past the calling thread's own wait), an idle connection the
//! server closed, a refused hello, and a call abandoned while the server still works on it.

#![cfg(unix)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use client::{
    ApiRequest, Client, Error, IntegratedEndpoint, IntegratedTransport, JobRef, Method, Transport,
};
use futures::{SinkExt, StreamExt, TryStreamExt};
use model::integrated::{self, ClientFrame, ServerFrame};
use serde_json::json;
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{Notify, mpsc};
use tokio_util::codec::{Framed, LengthDelimitedCodec};

/// What the scripted server does with each request after welcoming its connection.
#[derive(Clone, Copy)]
enum Script {
    /// Answers every request with job 1.
    Answer,
    /// Answers after this long.
    AnswerAfter(Duration),
    /// Answers one request, then closes the connection.
    AnswerOnceThenClose,
    /// Refuses the hello.
    Refuse,
    /// Never answers; reports when the client hangs up.
    Hold,
    /// Answers in three parts, sent back to back.
    AnswerInParts,
    /// Starts an answer in parts, then fails it.
    FailMidway,
    /// Fails an answer before its first part.
    FailAtOnce,
    /// Sends the first part of an answer, and the rest once the test releases it.
    PartsOnRelease,
}

struct Channel {
    _dir: tempfile::TempDir,
    endpoint: IntegratedEndpoint,
    connections: Arc<AtomicUsize>,
    hung_up: mpsc::UnboundedReceiver<()>,
    release: Arc<Notify>,
}

/// A channel server following `script` on every connection.
fn channel(script: Script) -> Channel {
    let dir = tempfile::tempdir().expect("temp dir");
    let address = dir.path().join("channel.sock");
    let listener = UnixListener::bind(&address).expect("bind");
    let connections = Arc::new(AtomicUsize::new(0));
    let (hang_up, hung_up) = mpsc::unbounded_channel();
    let counted = connections.clone();
    let release = Arc::new(Notify::new());
    let released = release.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(serve(stream, script, hang_up.clone(), released.clone()));
        }
    });
    Channel {
        _dir: dir,
        endpoint: IntegratedEndpoint {
            address: address.display().to_string(),
            job_id: 7,
            secret: "s".repeat(64),
        },
        connections,
        hung_up,
        release,
    }
}

async fn serve(
    stream: UnixStream,
    script: Script,
    hang_up: mpsc::UnboundedSender<()>,
    release: Arc<Notify>,
) {
    let mut framed = Framed::new(stream, LengthDelimitedCodec::new());
    let send =
        |frame: &ServerFrame, body: &[u8]| bytes::Bytes::from(integrated::encode(frame, body));
    let Some(Ok(hello)) = framed.next().await else {
        return;
    };
    assert!(matches!(
        integrated::decode::<ClientFrame>(&hello),
        Ok((ClientFrame::Hello { job_id: 7, .. }, _))
    ));
    let greeting = match script {
        Script::Refuse => ServerFrame::Refused {
            error_id: "IntegratedSecretRefused".into(),
            message: "no".into(),
        },
        _ => ServerFrame::Welcome { job_id: 7 },
    };
    let _ = framed.send(send(&greeting, &[])).await;
    while let Some(Ok(payload)) = framed.next().await {
        let Ok((ClientFrame::Request { id, path, .. }, _)) =
            integrated::decode::<ClientFrame>(&payload)
        else {
            panic!("not a request");
        };
        assert_eq!(path, "job/1");
        let job = json!({ "id": 1, "status": 3 }).to_string();
        let answer = send(
            &ServerFrame::Response {
                id,
                status: 200,
                more: false,
            },
            job.as_bytes(),
        );
        let first = |more| ServerFrame::Response {
            id,
            status: 200,
            more,
        };
        let failed = || {
            let error = json!({ "id": "ipc.response.failed", "message": "store gone" });
            send(
                &ServerFrame::End { id, status: 500 },
                error.to_string().as_bytes(),
            )
        };
        match script {
            Script::AnswerInParts => {
                let (a, rest) = job.as_bytes().split_at(5);
                let (b, c) = rest.split_at(5);
                let _ = framed.feed(send(&first(true), a)).await;
                let _ = framed
                    .feed(send(&ServerFrame::Chunk { id, more: true }, b))
                    .await;
                let _ = framed
                    .feed(send(&ServerFrame::Chunk { id, more: false }, c))
                    .await;
                let _ = SinkExt::<bytes::Bytes>::flush(&mut framed).await;
            }
            Script::PartsOnRelease => {
                let (a, rest) = job.as_bytes().split_at(5);
                let _ = framed.send(send(&first(true), a)).await;
                release.notified().await;
                let _ = framed
                    .send(send(&ServerFrame::Chunk { id, more: false }, rest))
                    .await;
            }
            Script::FailAtOnce => {
                let _ = framed.send(failed()).await;
            }
            Script::FailMidway => {
                let _ = framed.feed(send(&first(true), &job.as_bytes()[..5])).await;
                let _ = framed.send(failed()).await;
            }
            Script::Answer | Script::AnswerOnceThenClose => {
                let _ = framed.send(answer).await;
            }
            Script::AnswerAfter(delay) => {
                tokio::time::sleep(delay).await;
                let _ = framed.send(answer).await;
            }
            Script::Hold => {
                // The client abandoned the call when its connection ends.
                assert!(framed.next().await.is_none());
                let _ = hang_up.send(());
                return;
            }
            Script::Refuse => unreachable!("a refused client sends no request"),
        }
        if matches!(script, Script::AnswerOnceThenClose) {
            return;
        }
    }
}

fn client(channel: &Channel) -> Client {
    Client::with_transport(Arc::new(IntegratedTransport::new(channel.endpoint.clone())))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_reuse_one_connection() {
    let channel = channel(Script::Answer);
    let client = client(&channel);
    for _ in 0..3 {
        assert_eq!(client.job(JobRef::from(1)).await.expect("job").id, 1);
    }
    assert_eq!(channel.connections.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_in_parts_is_put_back_together() {
    let channel = channel(Script::AnswerInParts);
    let client = client(&channel);
    for _ in 0..2 {
        assert_eq!(client.job(JobRef::from(1)).await.expect("job").id, 1);
    }
    assert_eq!(channel.connections.load(Ordering::SeqCst), 1);
    // Streamed, the parts that arrived together with the first come out of the read-ahead.
    let transport = IntegratedTransport::new(channel.endpoint.clone());
    let request = ApiRequest::new(Method::Get, "job/1");
    let answer = transport.send_streamed(request).await.expect("answer");
    let parts: Vec<bytes::Bytes> = answer.body.try_collect().await.expect("every part");
    assert_eq!(parts.len(), 3);
    assert_eq!(
        parts.concat(),
        json!({ "id": 1, "status": 3 }).to_string().as_bytes()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_answer_hands_over_each_part_as_it_arrives() {
    let channel = channel(Script::PartsOnRelease);
    let transport = IntegratedTransport::new(channel.endpoint.clone());
    let request = ApiRequest::new(Method::Get, "job/1");
    let mut answer = transport.send_streamed(request).await.expect("answer");
    assert_eq!(answer.status, 200);
    // The first part is here while the server still holds the rest.
    let first = answer.body.next().await.expect("a part").expect("a part");
    channel.release.notify_one();
    let rest: Vec<bytes::Bytes> = answer.body.try_collect().await.expect("the rest");
    let whole = [vec![first], rest].concat().concat();
    assert_eq!(
        whole,
        json!({ "id": 1, "status": 3 }).to_string().as_bytes()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_failed_before_its_first_part_is_the_servers_error() {
    let channel = channel(Script::FailAtOnce);
    let error = client(&channel)
        .job(JobRef::from(1))
        .await
        .expect_err("a failed answer");
    assert!(error.to_string().contains("store gone"), "{error}");
    let transport = IntegratedTransport::new(channel.endpoint.clone());
    let request = ApiRequest::new(Method::Get, "job/1");
    let answer = transport.send_streamed(request).await.expect("answer");
    assert_eq!(answer.status, 500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_failed_midway_is_the_servers_error() {
    let channel = channel(Script::FailMidway);
    let client = client(&channel);
    let error = client
        .job(JobRef::from(1))
        .await
        .expect_err("a failed answer");
    assert!(error.to_string().contains("store gone"), "{error}");
    // The connection is still good for the next call.
    let again = client
        .job(JobRef::from(1))
        .await
        .expect_err("a failed answer");
    assert!(again.to_string().contains("store gone"), "{again}");
    assert_eq!(channel.connections.load(Ordering::SeqCst), 1);
    // Streamed, the parts before the failure come, then the failure.
    let transport = IntegratedTransport::new(channel.endpoint.clone());
    let request = ApiRequest::new(Method::Get, "job/1");
    let answer = transport.send_streamed(request).await.expect("answer");
    let parts: Vec<_> = answer.body.collect().await;
    assert!(parts[0].is_ok() && parts.len() == 2, "{parts:?}");
    let error = parts[1].as_ref().expect_err("the failure");
    assert!(error.to_string().contains("store gone"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_answer_is_awaited_through_the_runtime() {
    let channel = channel(Script::AnswerAfter(Duration::from_millis(50)));
    let client = client(&channel);
    assert_eq!(client.job(JobRef::from(1)).await.expect("job").id, 1);
    // The connection came back from the runtime usable for the next call.
    assert_eq!(client.job(JobRef::from(1)).await.expect("job").id, 1);
    assert_eq!(channel.connections.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_idle_connection_is_replaced() {
    let channel = channel(Script::AnswerOnceThenClose);
    let client = client(&channel);
    assert_eq!(client.job(JobRef::from(1)).await.expect("job").id, 1);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(client.job(JobRef::from(1)).await.expect("job").id, 1);
    assert_eq!(channel.connections.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_hello_is_reported_with_the_servers_id() {
    let channel = channel(Script::Refuse);
    let transport = IntegratedTransport::new(channel.endpoint.clone());
    match transport.connect().await {
        Err(Error::IntegratedRefused { server_id, .. }) => {
            assert_eq!(server_id, "IntegratedSecretRefused");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_abandoned_call_hangs_up_its_connection() {
    let mut channel = channel(Script::Hold);
    let client = client(&channel);
    let call = tokio::time::timeout(Duration::from_millis(100), client.job(JobRef::from(1)));
    assert!(call.await.is_err(), "the server never answers");
    tokio::time::timeout(Duration::from_secs(5), channel.hung_up.recv())
        .await
        .expect("the server saw the client hang up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_server_is_unreachable() {
    let channel = channel(Script::Answer);
    let mut endpoint = channel.endpoint.clone();
    endpoint.address.push_str(".missing");
    let transport = IntegratedTransport::new(endpoint);
    assert!(matches!(
        transport.connect().await,
        Err(Error::Unreachable { .. })
    ));
}
