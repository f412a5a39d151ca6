//! Unix: integrated-channel requests on connections of their own, one request in flight on
//! each, the reply read by the calling thread itself for its first milliseconds.
//!
//! Why: through the runtime's reactor a reply wakes two threads, the reactor's worker and then
//! the caller parked in `block_on`; read here, it wakes only the caller. On a local socket those
//! wake-ups are most of a call's latency, and latency is what the integrated channel is for. A
//! reply slower than [`DIRECT_WAIT`] (a long-poll, a busy server) is then awaited through the
//! reactor, so it holds no thread and the caller's cancellation works as for any future.
//! Connections are pooled between calls; a dropped call drops its connection, which abandons
//! the request server-side.

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use model::integrated::{self, ServerFrame};
use tokio::io::AsyncReadExt;
use tokio_util::codec::{Decoder, Encoder, FramedRead};

use crate::error::{Error, Result};
use crate::integrated::{CONNECT_TIMEOUT, IntegratedEndpoint, Parts, codec, hello, welcomed};
use crate::transport::{ApiResponse, BodyStream, StreamedResponse};

/// How long the calling thread waits for a reply itself (as a socket timeout, which the kernel
/// rounds up to its clock tick: 4 ms at 250 Hz). A local server answers a plain call in well
/// under a millisecond; past this the reply is awaited through the reactor.
const DIRECT_WAIT: Duration = Duration::from_millis(2);

/// Idle connections kept for later calls (more than the calls one job makes at once).
const IDLE_CONNECTIONS: usize = 4;

/// How much is read at a time.
const READ_CHUNK: usize = 16 * 1024;

pub(crate) struct DirectRequests {
    endpoint: IntegratedEndpoint,
    idle: Mutex<Vec<UnixStream>>,
    next_id: AtomicU64,
}

impl std::fmt::Debug for DirectRequests {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectRequests")
            .field("address", &self.endpoint.address)
            .finish_non_exhaustive()
    }
}

impl DirectRequests {
    pub(crate) fn new(endpoint: IntegratedEndpoint) -> Self {
        Self {
            endpoint,
            idle: Mutex::new(Vec::new()),
            next_id: AtomicU64::new(1),
        }
    }

    /// Opens a connection now and keeps it for the next call, so that a wrong address or
    /// secret is reported at once.
    pub(crate) async fn connect(&self) -> Result<()> {
        let stream = self.open().await?;
        self.keep(stream);
        Ok(())
    }

    /// Sends the request `payload(id)` builds and returns the server's answer to it.
    pub(crate) async fn call(&self, payload: impl FnOnce(u64) -> Vec<u8>) -> Result<ApiResponse> {
        let mut pending = self.send_request(payload).await?;
        // A large answer comes in parts, frame after frame, all on this connection.
        let mut parts = Parts::default();
        loop {
            let (frame, body);
            (pending, frame, body) = self.next_frame(pending).await?;
            if let Some(answer) = parts.add(frame, &body)? {
                self.finish(pending)?;
                return Ok(answer);
            }
        }
    }

    /// [`DirectRequests::call`] with the answer's body handed over as it arrives: the parts of
    /// a large answer are read from its connection as the caller takes them. (That connection
    /// then ends with the body rather than going back to the pool, which the body outlives.)
    pub(crate) async fn call_streamed(
        &self,
        payload: impl FnOnce(u64) -> Vec<u8>,
    ) -> Result<StreamedResponse> {
        let pending = self.send_request(payload).await?;
        let (pending, frame, first) = self.next_frame(pending).await?;
        let (status, more) = match frame {
            ServerFrame::Response { status, more, .. } => (status, more),
            // Failed before its first part: the error is the answer.
            ServerFrame::End { status, .. } => (status, false),
            other => {
                return Err(Error::BadResponse(format!(
                    "expected an answer, got {other:?}"
                )));
            }
        };
        let first = futures::stream::iter([Ok(first)]);
        if !more {
            self.finish(pending)?;
            return Ok(StreamedResponse {
                status,
                body: first.boxed(),
            });
        }
        let rest = rest_of_answer(pending).map_err(|e| self.unreachable(&e))?;
        Ok(StreamedResponse {
            status,
            body: first.chain(rest).boxed(),
        })
    }

    /// Sends request `payload(id)` on a connection of its own.
    async fn send_request(&self, payload: impl FnOnce(u64) -> Vec<u8>) -> Result<Pending> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let frame = wire(payload(id)).map_err(|e| self.unreachable(&e))?;
        let stream = match self.take() {
            // An idle connection the server has closed since (the server restarted) refuses
            // the write: the request never left, so it goes on a new connection.
            Some(stream) => match (&stream).write_all(&frame) {
                Ok(()) => stream,
                Err(e) if gone(&e) => self.open_and_send(&frame).await?,
                Err(e) => return Err(self.unreachable(&e)),
            },
            None => self.open_and_send(&frame).await?,
        };
        Ok(Pending {
            id,
            stream,
            read: BytesMut::new(),
        })
    }

    /// The next frame of the answer to `pending`, and its body.
    async fn next_frame(&self, pending: Pending) -> Result<(Pending, ServerFrame, Bytes)> {
        let Pending {
            id,
            stream,
            mut read,
        } = pending;
        let (stream, payload) = read_frame(stream, &mut read)
            .await
            .map_err(|e| self.unreachable(&e))?;
        let (frame, body) = answer_frame(id, payload.freeze())?;
        Ok((Pending { id, stream, read }, frame, body))
    }

    /// Ends an answered request, keeping its connection for the next.
    fn finish(&self, pending: Pending) -> Result<()> {
        if !pending.read.is_empty() {
            return Err(Error::BadResponse(
                "the server sent more than the answer asked for".into(),
            ));
        }
        self.keep(pending.stream);
        Ok(())
    }

    async fn open_and_send(&self, frame: &[u8]) -> Result<UnixStream> {
        let stream = self.open().await?;
        (&stream)
            .write_all(frame)
            .map_err(|e| self.unreachable(&e))?;
        Ok(stream)
    }

    /// A new connection, welcomed.
    async fn open(&self) -> Result<UnixStream> {
        let stream =
            UnixStream::connect(&self.endpoint.address).map_err(|e| self.unreachable(&e))?;
        // Blocking reads wait at most this long: the rest of a wait is the reactor's.
        stream
            .set_read_timeout(Some(DIRECT_WAIT))
            .map_err(|e| self.unreachable(&e))?;
        wire(hello(&self.endpoint))
            .and_then(|frame| (&stream).write_all(&frame))
            .map_err(|e| self.unreachable(&e))?;
        let mut read = BytesMut::new();
        let (stream, reply) = tokio::time::timeout(CONNECT_TIMEOUT, read_frame(stream, &mut read))
            .await
            .map_err(|_| Error::Unreachable {
                url: self.endpoint.address.clone(),
                detail: format!("no welcome within {CONNECT_TIMEOUT:?}"),
            })?
            .map_err(|e| self.unreachable(&e))?;
        welcomed(&reply)?;
        if !read.is_empty() {
            return Err(Error::BadResponse(
                "the server sent more than a welcome".into(),
            ));
        }
        Ok(stream)
    }

    fn take(&self) -> Option<UnixStream> {
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop()
    }

    fn keep(&self, stream: UnixStream) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < IDLE_CONNECTIONS {
            idle.push(stream);
        }
    }

    fn unreachable(&self, e: &io::Error) -> Error {
        Error::Unreachable {
            url: self.endpoint.address.clone(),
            detail: e.to_string(),
        }
    }
}

/// A request on its own connection, whose answer is being read.
struct Pending {
    id: u64,
    stream: UnixStream,
    /// What has been read past the frames taken so far.
    read: BytesMut,
}

/// A frame of the answer to request `id`, and its body.
fn answer_frame(id: u64, payload: Bytes) -> Result<(ServerFrame, Bytes)> {
    let (frame, body) = integrated::decode::<ServerFrame>(&payload)
        .map_err(|e| Error::BadResponse(e.to_string()))?;
    let of = match &frame {
        ServerFrame::Response { id, .. }
        | ServerFrame::Chunk { id, .. }
        | ServerFrame::End { id, .. } => Some(*id),
        _ => None,
    };
    if of != Some(id) {
        return Err(Error::BadResponse(format!(
            "expected the answer to request {id}, got {frame:?}"
        )));
    }
    let body = payload.slice_ref(body);
    Ok((frame, body))
}

/// The parts of an answer after its first, read from its connection through the runtime as
/// they are taken. A part that ends the answer with an error (`end`) is that error.
fn rest_of_answer(pending: Pending) -> io::Result<BodyStream> {
    pending.stream.set_nonblocking(true)?;
    let stream = tokio::net::UnixStream::from_std(pending.stream)?;
    // What was read past the first part comes first (it may hold every other part).
    let read = AsyncReadExt::chain(std::io::Cursor::new(pending.read), stream);
    let frames = FramedRead::new(read, codec());
    let id = pending.id;
    let parts = futures::stream::unfold(Some(frames), move |frames| async move {
        let mut frames = frames?;
        let payload = match frames.next().await {
            Some(Ok(payload)) => payload.freeze(),
            Some(Err(e)) => return Some((Err(Error::BadResponse(e.to_string())), None)),
            None => return Some((Err(Error::BadResponse(closed().to_string())), None)),
        };
        let (part, rest) = match answer_frame(id, payload) {
            Ok((ServerFrame::Chunk { more, .. }, body)) => (Ok(body), more.then_some(frames)),
            Ok((ServerFrame::End { .. }, body)) => (Err(failed_midway(&body)), None),
            Ok((other, _)) => (
                Err(Error::BadResponse(format!(
                    "expected the rest of an answer, got {other:?}"
                ))),
                None,
            ),
            Err(e) => (Err(e), None),
        };
        Some((part, rest))
    });
    Ok(parts.boxed())
}

/// The error an answer failed with midway, from the REST error body the server sent.
fn failed_midway(body: &[u8]) -> Error {
    let message = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    Error::BadResponse(format!("the answer failed midway: {message}"))
}

/// A frame on the wire: the payload behind its length.
fn wire(payload: Vec<u8>) -> io::Result<BytesMut> {
    let mut frame = BytesMut::new();
    codec().encode(Bytes::from(payload), &mut frame)?;
    Ok(frame)
}

/// Whether a write failed because the server side of the connection is gone.
fn gone(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset | io::ErrorKind::NotConnected
    )
}

/// Reads one frame's payload: from what `read` holds already (the frames of an answer in
/// parts follow each other), else on this thread for [`DIRECT_WAIT`], then through the
/// reactor. Returns the stream (blocking again) with it; `read` keeps what came after it.
async fn read_frame(stream: UnixStream, read: &mut BytesMut) -> io::Result<(UnixStream, BytesMut)> {
    let mut codec = codec();
    if let Some(payload) = codec.decode(read)? {
        return Ok((stream, payload));
    }
    let started = Instant::now();
    while started.elapsed() < DIRECT_WAIT {
        match read_some(&stream, read) {
            Ok(()) => {
                if let Some(payload) = codec.decode(read)? {
                    return Ok((stream, payload));
                }
            }
            Err(e) if waiting(&e) => {}
            Err(e) => return Err(e),
        }
    }
    stream.set_nonblocking(true)?;
    let mut watched = tokio::net::UnixStream::from_std(stream)?;
    let payload = loop {
        if watched.read_buf(read).await? == 0 {
            return Err(closed());
        }
        if let Some(payload) = codec.decode(read)? {
            break payload;
        }
    };
    let stream = watched.into_std()?;
    stream.set_nonblocking(false)?;
    Ok((stream, payload))
}

/// Appends what one blocking read returns to `read`.
fn read_some(mut stream: &UnixStream, read: &mut BytesMut) -> io::Result<()> {
    let filled = read.len();
    // All the room the codec reserved for a frame it knows the length of, at least a chunk.
    read.resize(filled + READ_CHUNK.max(read.capacity() - filled), 0);
    let got = stream.read(&mut read[filled..]);
    read.truncate(filled + got.as_ref().map_or(0, |n| *n));
    match got? {
        0 => Err(closed()),
        _ => Ok(()),
    }
}

fn closed() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the integrated channel closed (the job ended or the server stopped)",
    )
}

/// A read that ran into its timeout (or a signal) rather than failing.
fn waiting(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(header: &ServerFrame, body: &[u8]) -> (Vec<u8>, BytesMut) {
        let payload = integrated::encode(header, body);
        let wire = wire(payload.clone()).unwrap();
        (payload, wire)
    }

    #[tokio::test]
    async fn frames_are_read_across_short_reads_and_back_to_back() {
        let (ours, theirs) = UnixStream::pair().unwrap();
        ours.set_read_timeout(Some(DIRECT_WAIT)).unwrap();
        let first = ServerFrame::Response {
            id: 3,
            status: 200,
            more: true,
        };
        let (first, first_wire) = frame(&first, b"{\"a\":");
        let (last, last_wire) = frame(&ServerFrame::Chunk { id: 3, more: false }, b"1}");
        let writer = std::thread::spawn(move || {
            // The first frame a few bytes at a time, the last right behind it.
            for piece in first_wire.chunks(3) {
                (&theirs).write_all(piece).unwrap();
                std::thread::sleep(Duration::from_millis(1));
            }
            (&theirs).write_all(&last_wire).unwrap();
            theirs
        });
        let mut read = BytesMut::new();
        let (ours, got) = read_frame(ours, &mut read).await.unwrap();
        assert_eq!(&got[..], &first[..]);
        let _theirs = writer.join().unwrap();
        let (_, got) = read_frame(ours, &mut read).await.unwrap();
        assert_eq!(&got[..], &last[..]);
        assert!(read.is_empty());
    }

    #[tokio::test]
    async fn refuses_end_of_input_and_oversized_frames() {
        let (ours, theirs) = UnixStream::pair().unwrap();
        drop(theirs);
        assert_eq!(
            read_some(&ours, &mut BytesMut::new()).unwrap_err().kind(),
            io::ErrorKind::UnexpectedEof
        );
        let (ours, _theirs) = UnixStream::pair().unwrap();
        let mut read = BytesMut::from(&u32::MAX.to_be_bytes()[..]);
        assert_eq!(
            read_frame(ours, &mut read).await.unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
    }
}
