//! The integrated channel's [`Transport`] (docs/integrated.md): the same API calls as HTTP,
//! carried over the job server's local socket as the calling job, with no app token. One
//! connection carries any number of overlapping watches and calls (each frame names its
//! request id), and waits stream the job's events instead of polling. On Unix, plain calls
//! take connections of their own instead, read by the calling thread (`integrated_direct`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::{SinkExt, StreamExt};
use interprocess::local_socket::tokio::Stream as LocalStream;
use interprocess::local_socket::traits::tokio::Stream as _;
use model::integrated::{self, ClientFrame, PROTOCOL_VERSION, ServerFrame, WatchEvent};
use tokio::io::WriteHalf;
use tokio::sync::mpsc;
#[cfg(not(unix))]
use tokio::sync::oneshot;
use tokio_util::codec::{FramedRead, FramedWrite, LengthDelimitedCodec};

use crate::client::status_error;
use crate::error::{Error, Resource, Result};
#[cfg(unix)]
use crate::integrated_direct::DirectRequests;
use crate::job_ref::JobRef;
#[cfg(unix)]
use crate::transport::StreamedResponse;
use crate::transport::{Accept, ApiRequest, ApiResponse, Method, Transport};

/// How long connecting and the hello may take: the server is local, so this is generous.
pub(crate) const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Events a watch may buffer before the reader waits for the consumer.
const WATCH_BUFFER: usize = 256;

/// Where a job's channel is and how the job proves itself: the `PSUJOBS_IPC_ADDRESS`,
/// `PSUJOBS_JOB_ID` and `PSUJOBS_IPC_SECRET` variables of a job's process.
#[derive(Clone, PartialEq, Eq)]
pub struct IntegratedEndpoint {
    pub address: String,
    pub job_id: i64,
    pub secret: String,
}

impl std::fmt::Debug for IntegratedEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntegratedEndpoint")
            .field("address", &self.address)
            .field("job_id", &self.job_id)
            .finish_non_exhaustive()
    }
}

/// The transport. The connection is opened on first use and again after it broke (the
/// server restarted); a refused hello is reported, never retried.
#[derive(Debug)]
pub struct IntegratedTransport {
    endpoint: IntegratedEndpoint,
    connection: tokio::sync::Mutex<Option<Arc<Connection>>>,
    #[cfg(unix)]
    direct: DirectRequests,
}

impl IntegratedTransport {
    pub fn new(endpoint: IntegratedEndpoint) -> Self {
        Self {
            #[cfg(unix)]
            direct: DirectRequests::new(endpoint.clone()),
            endpoint,
            connection: tokio::sync::Mutex::new(None),
        }
    }

    /// Opens a connection now (instead of on the first call), so a wrong address or secret
    /// is reported at once.
    pub async fn connect(&self) -> Result<()> {
        #[cfg(unix)]
        return self.direct.connect().await;
        #[cfg(not(unix))]
        self.connection().await.map(drop)
    }

    async fn connection(&self) -> Result<Arc<Connection>> {
        let mut slot = self.connection.lock().await;
        if let Some(open) = slot.as_ref().filter(|c| !c.is_closed()) {
            return Ok(open.clone());
        }
        let opened = tokio::time::timeout(CONNECT_TIMEOUT, Connection::open(&self.endpoint))
            .await
            .map_err(|_| Error::Unreachable {
                url: self.endpoint.address.clone(),
                detail: format!("no welcome within {CONNECT_TIMEOUT:?}"),
            })??;
        let fresh = Arc::new(opened);
        *slot = Some(fresh.clone());
        Ok(fresh)
    }

    #[cfg(unix)]
    async fn execute(&self, request: ApiRequest) -> Result<ApiResponse> {
        self.direct.call(|id| request_payload(id, &request)).await
    }

    #[cfg(not(unix))]
    async fn execute(&self, request: ApiRequest) -> Result<ApiResponse> {
        let connection = self.connection().await?;
        let (id, answer) = connection.register_request();
        connection.send(request_payload(id, &request)).await?;
        // Dropping this future (a canceled call) abandons the request server-side too.
        // (After the answer the reader already forgot the id, and the guard does nothing.)
        let _guard = CancelOnDrop {
            connection: &connection,
            id,
        };
        answer.await.map_err(|_| connection.closed_error())?
    }

    async fn start_watch(
        &self,
        job: JobRef,
        after: Option<i64>,
    ) -> Result<mpsc::Receiver<Result<WatchEvent>>> {
        let connection = self.connection().await?;
        let (id, events) = connection.register_watch(job);
        let header = ClientFrame::Watch {
            id,
            job: job.to_string(),
            after,
        };
        connection.send(integrated::encode(&header, &[])).await?;
        Ok(events)
    }
}

impl Transport for IntegratedTransport {
    fn send(&self, request: ApiRequest) -> BoxFuture<'_, Result<ApiResponse>> {
        Box::pin(self.execute(request))
    }

    /// On Unix a large answer (a job's pipeline document) is handed over part by part as it
    /// arrives; on a shared connection it is read whole first.
    #[cfg(unix)]
    fn send_streamed(&self, request: ApiRequest) -> BoxFuture<'_, Result<StreamedResponse>> {
        Box::pin(
            self.direct
                .call_streamed(move |id| request_payload(id, &request)),
        )
    }

    fn watch(&self, job: JobRef, after: Option<i64>) -> Option<BoxStream<'_, Result<WatchEvent>>> {
        let stream =
            futures::stream::once(self.start_watch(job, after)).flat_map(|started| match started {
                Ok(events) => tokio_stream_of(events).boxed(),
                Err(e) => futures::stream::iter([Err(e)]).boxed(),
            });
        Some(stream.boxed())
    }
}

/// The frame payload of `request` as request `id`.
fn request_payload(id: u64, request: &ApiRequest) -> Vec<u8> {
    let header = ClientFrame::Request {
        id,
        method: match request.method {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
        .into(),
        path: request.path.clone(),
        query: request.query.clone(),
        accept: match request.accept {
            Accept::Json => "json",
            Accept::CliXml => "clixml",
        }
        .into(),
    };
    let body = request
        .body
        .as_ref()
        .map(|b| serde_json::to_vec(b).unwrap_or_default())
        .unwrap_or_default();
    integrated::encode(&header, &body)
}

/// The frame payload a connection opens with: which job is calling, and its secret.
pub(crate) fn hello(endpoint: &IntegratedEndpoint) -> Vec<u8> {
    let hello = ClientFrame::Hello {
        version: PROTOCOL_VERSION,
        job_id: endpoint.job_id,
        secret: endpoint.secret.clone(),
    };
    integrated::encode(&hello, &[])
}

/// An answer as it comes in: a `response` frame, then `chunk`s while it says there is more
/// (docs/integrated.md §Requests). Fed one request's frames in order.
#[derive(Debug, Default)]
pub(crate) struct Parts {
    answer: Option<ApiResponse>,
}

impl Parts {
    /// Takes the answer's next frame; the answer once it is whole.
    pub(crate) fn add(&mut self, frame: ServerFrame, body: &[u8]) -> Result<Option<ApiResponse>> {
        let (answer, more) = match (frame, self.answer.take()) {
            (ServerFrame::Response { status, more, .. }, None) => {
                let body = body.to_vec();
                (ApiResponse { status, body }, more)
            }
            (ServerFrame::Chunk { more, .. }, Some(mut answer)) => {
                answer.body.extend_from_slice(body);
                (answer, more)
            }
            // The answer failed (midway, or before its first part): the error the server
            // sent replaces it.
            (ServerFrame::End { status, .. }, _) => {
                let body = body.to_vec();
                (ApiResponse { status, body }, false)
            }
            (other, _) => {
                return Err(Error::BadResponse(format!(
                    "expected (the rest of) an answer, got {other:?}"
                )));
            }
        };
        if more {
            self.answer = Some(answer);
            return Ok(None);
        }
        Ok(Some(answer))
    }
}

/// Checks the server's answer to a hello.
pub(crate) fn welcomed(reply: &[u8]) -> Result<()> {
    match integrated::decode::<ServerFrame>(reply) {
        Ok((ServerFrame::Welcome { .. }, _)) => Ok(()),
        Ok((ServerFrame::Refused { error_id, message }, _)) => Err(Error::IntegratedRefused {
            server_id: error_id,
            message,
        }),
        Ok((other, _)) => Err(Error::BadResponse(format!(
            "expected a welcome, got {other:?}"
        ))),
        Err(e) => Err(Error::BadResponse(e.to_string())),
    }
}

fn tokio_stream_of<T: Send + 'static>(
    mut receiver: mpsc::Receiver<T>,
) -> impl futures::Stream<Item = T> + Send {
    futures::stream::poll_fn(move |cx| receiver.poll_recv(cx))
}

/// Abandons a request whose caller went away.
#[cfg(not(unix))]
struct CancelOnDrop<'a> {
    connection: &'a Arc<Connection>,
    id: u64,
}

#[cfg(not(unix))]
impl Drop for CancelOnDrop<'_> {
    fn drop(&mut self) {
        self.connection.abandon(self.id);
    }
}

/// What a reply goes to.
enum Waiter {
    /// A call, and the part of its answer that has come so far.
    #[cfg(not(unix))]
    Request(oneshot::Sender<Result<ApiResponse>>, Parts),
    Watch(JobRef, mpsc::Sender<Result<WatchEvent>>),
}

/// One open, welcomed connection: a writer task owns the socket's sending half, a reader task
/// routes replies to their waiters by id.
struct Connection {
    address: String,
    /// Callers write their own frames (no hop through a writer task).
    writer: Arc<tokio::sync::Mutex<FramedWrite<WriteHalf<LocalStream>, LengthDelimitedCodec>>>,
    next_id: AtomicU64,
    waiters: Arc<Mutex<HashMap<u64, Waiter>>>,
    reader: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Waiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            #[cfg(not(unix))]
            Waiter::Request(..) => "Request",
            Waiter::Watch(..) => "Watch",
        })
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl Connection {
    async fn open(endpoint: &IntegratedEndpoint) -> Result<Connection> {
        let unreachable = |detail: String| Error::Unreachable {
            url: endpoint.address.clone(),
            detail,
        };
        let name = local_name(&endpoint.address).map_err(|e| unreachable(e.to_string()))?;
        let stream = LocalStream::connect(name)
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        let (read, write) = tokio::io::split(stream);
        let mut inbox = FramedRead::new(read, codec());
        let mut sink = FramedWrite::new(write, codec());

        sink.send(bytes::Bytes::from(hello(endpoint)))
            .await
            .map_err(|e: std::io::Error| unreachable(e.to_string()))?;
        let reply = inbox
            .next()
            .await
            .ok_or_else(|| unreachable("the server closed the channel before answering".into()))?
            .map_err(|e| unreachable(e.to_string()))?;
        welcomed(&reply)?;

        let waiters: Arc<Mutex<HashMap<u64, Waiter>>> = Arc::default();
        let reader = tokio::spawn(route_replies(inbox, waiters.clone()));
        Ok(Connection {
            address: endpoint.address.clone(),
            writer: Arc::new(tokio::sync::Mutex::new(sink)),
            next_id: AtomicU64::new(1),
            waiters,
            reader,
        })
    }

    fn is_closed(&self) -> bool {
        self.reader.is_finished()
    }

    fn closed_error(&self) -> Error {
        Error::Unreachable {
            url: self.address.clone(),
            detail: "the integrated channel closed (the job ended or the server stopped)".into(),
        }
    }

    fn register(&self, waiter: Waiter) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        lock(&self.waiters).insert(id, waiter);
        id
    }

    #[cfg(not(unix))]
    fn register_request(&self) -> (u64, oneshot::Receiver<Result<ApiResponse>>) {
        let (tx, rx) = oneshot::channel();
        (self.register(Waiter::Request(tx, Parts::default())), rx)
    }

    fn register_watch(&self, job: JobRef) -> (u64, mpsc::Receiver<Result<WatchEvent>>) {
        let (tx, rx) = mpsc::channel(WATCH_BUFFER);
        (self.register(Waiter::Watch(job, tx)), rx)
    }

    async fn send(&self, frame: Vec<u8>) -> Result<()> {
        self.writer
            .lock()
            .await
            .send(bytes::Bytes::from(frame))
            .await
            .map_err(|_| self.closed_error())
    }

    /// Forgets `id` and tells the server to stop working on it.
    #[cfg(not(unix))]
    fn abandon(&self, id: u64) {
        if lock(&self.waiters).remove(&id).is_some()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let cancel = bytes::Bytes::from(integrated::encode(&ClientFrame::Cancel { id }, &[]));
            let writer = self.writer.clone();
            runtime.spawn(async move { writer.lock().await.send(cancel).await });
        }
    }
}

fn lock(waiters: &Mutex<HashMap<u64, Waiter>>) -> std::sync::MutexGuard<'_, HashMap<u64, Waiter>> {
    waiters.lock().unwrap_or_else(|p| p.into_inner())
}

/// The channel's framing (docs/integrated.md §Framing).
pub(crate) fn codec() -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .max_frame_length(integrated::MAX_FRAME_BYTES)
        .new_codec()
}

fn local_name(address: &str) -> std::io::Result<interprocess::local_socket::Name<'_>> {
    #[cfg(windows)]
    {
        use interprocess::local_socket::{GenericNamespaced, ToNsName};
        address.to_ns_name::<GenericNamespaced>()
    }
    #[cfg(not(windows))]
    {
        use interprocess::local_socket::{GenericFilePath, ToFsName};
        address.to_fs_name::<GenericFilePath>()
    }
}

/// Adds a frame of call `id`'s answer; a whole answer (or a malformed one) goes to its caller.
#[cfg(not(unix))]
fn answer_part(waiters: &Mutex<HashMap<u64, Waiter>>, id: u64, frame: ServerFrame, body: &[u8]) {
    let mut waiters = lock(waiters);
    let Some(Waiter::Request(_, parts)) = waiters.get_mut(&id) else {
        return;
    };
    let whole = match parts.add(frame, body) {
        Ok(None) => return,
        Ok(Some(answer)) => Ok(answer),
        Err(e) => Err(e),
    };
    if let Some(Waiter::Request(reply, _)) = waiters.remove(&id) {
        let _ = reply.send(whole);
    }
}

/// Reads replies until the connection ends, then fails whatever still waits.
async fn route_replies<R>(
    mut inbox: FramedRead<R, LengthDelimitedCodec>,
    waiters: Arc<Mutex<HashMap<u64, Waiter>>>,
) where
    R: tokio::io::AsyncRead + Unpin,
{
    while let Some(Ok(payload)) = inbox.next().await {
        let Ok((frame, body)) = integrated::decode::<ServerFrame>(&payload) else {
            tracing::warn!("dropping a malformed frame from the integrated channel");
            continue;
        };
        match frame {
            #[cfg(not(unix))]
            ServerFrame::Response { id, .. } | ServerFrame::Chunk { id, .. } => {
                answer_part(&waiters, id, frame, body);
            }
            #[cfg(not(unix))]
            ServerFrame::End { id, .. }
                if matches!(lock(&waiters).get(&id), Some(Waiter::Request(..))) =>
            {
                answer_part(&waiters, id, frame, body);
            }
            ServerFrame::Event { id } => {
                let sender = match lock(&waiters).get(&id) {
                    Some(Waiter::Watch(_, events)) => events.clone(),
                    _ => continue,
                };
                let event = serde_json::from_slice::<WatchEvent>(body)
                    .map_err(|e| Error::BadResponse(format!("watch event: {e}")));
                // Waiting for room is back-pressure: the server's watch waits in turn.
                if sender.send(event).await.is_err() {
                    lock(&waiters).remove(&id);
                }
            }
            ServerFrame::End { id, status } => {
                if let Some(Waiter::Watch(job, events)) = lock(&waiters).remove(&id)
                    && !(200..300).contains(&status)
                {
                    let response = ApiResponse {
                        status,
                        body: body.to_vec(),
                    };
                    let _ = events
                        .try_send(Err(status_error(&response, Resource::Job(job.to_string()))));
                }
            }
            // (On Unix, answers to calls come on the calls' own connections.)
            #[cfg(unix)]
            ServerFrame::Response { .. } | ServerFrame::Chunk { .. } => {}
            ServerFrame::Welcome { .. } | ServerFrame::Refused { .. } => {}
        }
    }
    // Dropping the senders wakes every waiter with "closed".
    lock(&waiters).clear();
}
