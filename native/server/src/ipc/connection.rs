//! One connection from a job's process: the hello that proves which job is calling, then
//! requests and watches served concurrently (each carries its id, so answers may come back in
//! any order) until the client hangs up or the job ends.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use futures::future::{AbortHandle, BoxFuture, FutureExt, abortable};
use futures::stream::FuturesUnordered;
use futures::{SinkExt, StreamExt};
use model::integrated::{self, ClientFrame, PROTOCOL_VERSION, ServerFrame};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::codec::{FramedRead, FramedWrite, LengthDelimitedCodec};

use super::Shared;
use super::dispatch::{self, Answer, Call};
use super::grants::Grant;
use super::watch;

/// How long a new connection may take to say hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(5);

pub fn codec() -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .max_frame_length(integrated::MAX_FRAME_BYTES)
        .new_codec()
}

pub async fn serve<S>(stream: S, shared: Arc<Shared>)
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let (read, write) = tokio::io::split(stream);
    let mut inbox = FramedRead::new(read, codec());
    let mut sink = FramedWrite::new(Box::new(write) as BoxedWrite, codec());

    let hello = match tokio::time::timeout(HELLO_TIMEOUT, inbox.next()).await {
        Err(_) => Err(("IntegratedHelloTimeout", "no hello within 5 s".to_string())),
        Ok(None) => Err(("IntegratedHelloMissing", "closed before hello".to_string())),
        Ok(Some(Err(e))) => Err(("IntegratedFrameInvalid", e.to_string())),
        Ok(Some(Ok(payload))) => Ok(payload),
    };
    let (job_id, grant) = match hello.and_then(|payload| admit(&shared, &payload)) {
        Ok(admitted) => admitted,
        Err((error_id, message)) => {
            tracing::warn!(%error_id, %message, "integrated connection refused");
            let refused = ServerFrame::Refused {
                error_id: error_id.into(),
                message,
            };
            let _ = sink
                .send(bytes::Bytes::from(integrated::encode(&refused, &[])))
                .await;
            return;
        }
    };
    let welcome = integrated::encode(&ServerFrame::Welcome { job_id }, &[]);
    if sink.send(bytes::Bytes::from(welcome)).await.is_err() {
        return;
    }

    // Requests and watches run inside this connection's task (no hop to another thread on
    // the way in) and write their own frames (none on the way out): the latency is the point.
    let outbox = Outbox::new(sink);
    let mut work: FuturesUnordered<BoxFuture<'static, u64>> = FuturesUnordered::new();
    let mut running: HashMap<u64, AbortHandle> = HashMap::new();
    loop {
        tokio::select! {
            () = grant.revoked.cancelled() => break,
            Some(id) = work.next(), if !work.is_empty() => {
                running.remove(&id);
            }
            frame = inbox.next() => {
                let Some(Ok(payload)) = frame else { break };
                let (id, task): (u64, BoxFuture<'static, ()>) = match integrated::decode::<ClientFrame>(&payload) {
                    Ok((ClientFrame::Request { id, method, path, query, accept }, body)) => {
                        let call = Call { method, path, query, accept, body: body.to_vec() };
                        (id, request(shared.clone(), grant.clone(), job_id, id, call, outbox.clone()).boxed())
                    }
                    Ok((ClientFrame::Watch { id, job, after }, _)) => {
                        (id, follow(shared.clone(), grant.clone(), job_id, id, job, after, outbox.clone()).boxed())
                    }
                    Ok((ClientFrame::Cancel { id }, _)) => {
                        if let Some(handle) = running.remove(&id) {
                            handle.abort();
                            outbox.send(&ServerFrame::End { id, status: 499 }, &[]).await;
                        }
                        continue;
                    }
                    Ok((ClientFrame::Hello { .. }, _)) => {
                        tracing::debug!(job = job_id, "ignoring a second hello");
                        continue;
                    }
                    Err(e) => {
                        tracing::warn!(job = job_id, error = %e, "closing an integrated connection");
                        break;
                    }
                };
                let (task, handle) = abortable(task);
                running.insert(id, handle);
                work.push(task.map(move |_| id).boxed());
            }
        }
    }
}

/// The connection's sending half, shared by its requests and watches.
#[derive(Clone)]
struct Outbox(Arc<tokio::sync::Mutex<FramedWrite<BoxedWrite, LengthDelimitedCodec>>>);

type BoxedWrite = Box<dyn AsyncWrite + Send + Unpin>;

impl Outbox {
    fn new(sink: FramedWrite<BoxedWrite, LengthDelimitedCodec>) -> Self {
        Outbox(Arc::new(tokio::sync::Mutex::new(sink)))
    }

    /// Writes one frame; false when the client is gone.
    async fn send(&self, header: &ServerFrame, body: &[u8]) -> bool {
        let frame = bytes::Bytes::from(integrated::encode(header, body));
        self.0.lock().await.send(frame).await.is_ok()
    }
}

/// Checks the hello: the protocol version, and that the secret is the named job's current one.
fn admit(shared: &Shared, payload: &[u8]) -> Result<(i64, Grant), (&'static str, String)> {
    match integrated::decode::<ClientFrame>(payload) {
        Ok((
            ClientFrame::Hello {
                version,
                job_id,
                secret,
            },
            _,
        )) => {
            if version != PROTOCOL_VERSION {
                return Err((
                    "IntegratedVersionUnsupported",
                    format!("protocol version {version} is not {PROTOCOL_VERSION}"),
                ));
            }
            match shared.grants.check(job_id, &secret) {
                Some(grant) => Ok((job_id, grant)),
                None => Err((
                    "IntegratedSecretRefused",
                    format!("the secret is not the one of running job {job_id}"),
                )),
            }
        }
        Ok(_) => Err((
            "IntegratedHelloMissing",
            "the first frame must be a hello".into(),
        )),
        Err(e) => Err(("IntegratedFrameInvalid", e.to_string())),
    }
}

async fn request(
    shared: Arc<Shared>,
    grant: Grant,
    job_id: i64,
    id: u64,
    call: Call,
    outbox: Outbox,
) {
    let answer = dispatch::dispatch(&shared.router, &grant.caller, job_id, call).await;
    send_answer(&outbox, id, answer).await;
}

/// Sends an answer as it is produced, in parts of at most [`integrated::CHUNK_BYTES`]: a
/// `response` frame, then `chunk`s while there is more. A body that fails midway (its store
/// read failed) ends with an `end` frame carrying the error instead.
async fn send_answer(outbox: &Outbox, id: u64, answer: Answer) {
    let status = answer.status;
    let mut body = answer.body.into_data_stream();
    let mut part = bytes::BytesMut::new();
    let mut first = true;
    let mut send = async |part: bytes::BytesMut, more: bool| {
        let header = if std::mem::take(&mut first) {
            ServerFrame::Response { id, status, more }
        } else {
            ServerFrame::Chunk { id, more }
        };
        outbox.send(&header, &part).await
    };
    loop {
        let last = match body.next().await {
            Some(Ok(data)) => {
                part.extend_from_slice(&data);
                false
            }
            Some(Err(e)) => {
                let message = format!("the answer failed midway: {e}");
                let end = ServerFrame::End {
                    id,
                    status: StatusCode::INTERNAL_SERVER_ERROR.as_u16(),
                };
                let failed = dispatch::error_body("ipc.response.failed", message);
                outbox.send(&end, failed.as_bytes()).await;
                return;
            }
            None => true,
        };
        // Full parts go as they fill; at the end, the rest (perhaps nothing) as the last.
        while part.len() > integrated::CHUNK_BYTES
            || (!last && part.len() == integrated::CHUNK_BYTES)
        {
            if !send(part.split_to(integrated::CHUNK_BYTES), true).await {
                return;
            }
        }
        if last {
            send(part.split(), false).await;
            return;
        }
    }
}

/// A watch: the job is looked up through the REST route first, so a watch is allowed exactly
/// when reading the job is, and fails with the same error.
async fn follow(
    shared: Arc<Shared>,
    grant: Grant,
    job_id: i64,
    id: u64,
    job: String,
    after: Option<i64>,
    outbox: Outbox,
) {
    let lookup = Call {
        method: "GET".into(),
        path: format!("job/{}", job.trim()),
        query: Vec::new(),
        accept: "json".into(),
        body: Vec::new(),
    };
    let (status, found) = dispatch::dispatch(&shared.router, &grant.caller, job_id, lookup)
        .await
        .whole()
        .await;
    let watched = match serde_json::from_slice::<model::Job>(&found) {
        Ok(job) if status == 200 => job.id,
        Ok(_) | Err(_) => {
            outbox.send(&ServerFrame::End { id, status }, &found).await;
            return;
        }
    };
    let Some(engine) = shared.engine.upgrade() else {
        return;
    };
    let end = match watch::follow(
        engine,
        watched,
        after,
        &mut Frames {
            id,
            outbox: &outbox,
        },
    )
    .await
    {
        Ok(()) => (ServerFrame::End { id, status: 200 }, Vec::new()),
        Err(e) => (
            ServerFrame::End {
                id,
                status: StatusCode::INTERNAL_SERVER_ERROR.as_u16(),
            },
            dispatch::error_body("store.failed", e.to_string()).into_bytes(),
        ),
    };
    outbox.send(&end.0, &end.1).await;
}

/// A watch's events as `event` frames on the connection's outbox.
struct Frames<'a> {
    id: u64,
    outbox: &'a Outbox,
}

impl watch::Emit for Frames<'_> {
    async fn emit(&mut self, event: model::integrated::WatchEvent) -> bool {
        let body = serde_json::to_vec(&event).unwrap_or_default();
        self.outbox
            .send(&ServerFrame::Event { id: self.id }, &body)
            .await
    }
}
