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

use model::integrated::{self, ClientFrame, PROTOCOL_VERSION, ServerFrame};
use tokio::io::AsyncReadExt;

use crate::error::{Error, Result};
use crate::integrated::{CONNECT_TIMEOUT, IntegratedEndpoint, welcomed};
use crate::transport::ApiResponse;

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
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let frame = wire(payload(id));
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
        let (stream, reply) = read_frame(stream).await.map_err(|e| self.unreachable(&e))?;
        match integrated::decode::<ServerFrame>(&reply) {
            Ok((
                ServerFrame::Response {
                    id: answered,
                    status,
                },
                body,
            )) if answered == id => {
                self.keep(stream);
                Ok(ApiResponse {
                    status,
                    body: body.to_vec(),
                })
            }
            Ok((other, _)) => Err(Error::BadResponse(format!(
                "expected the answer to request {id}, got {other:?}"
            ))),
            Err(e) => Err(Error::BadResponse(e.to_string())),
        }
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
        let hello = ClientFrame::Hello {
            version: PROTOCOL_VERSION,
            job_id: self.endpoint.job_id,
            secret: self.endpoint.secret.clone(),
        };
        (&stream)
            .write_all(&wire(integrated::encode(&hello, &[])))
            .map_err(|e| self.unreachable(&e))?;
        let (stream, reply) = tokio::time::timeout(CONNECT_TIMEOUT, read_frame(stream))
            .await
            .map_err(|_| Error::Unreachable {
                url: self.endpoint.address.clone(),
                detail: format!("no welcome within {CONNECT_TIMEOUT:?}"),
            })?
            .map_err(|e| self.unreachable(&e))?;
        welcomed(&reply)?;
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

/// A frame on the wire: the payload behind its 4-byte big-endian length.
fn wire(payload: Vec<u8>) -> Vec<u8> {
    let mut frame = Vec::with_capacity(4 + payload.len());
    frame.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    frame.extend_from_slice(&payload);
    frame
}

/// Whether a write failed because the server side of the connection is gone.
fn gone(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset | io::ErrorKind::NotConnected
    )
}

/// Reads one frame's payload: on this thread for [`DIRECT_WAIT`], then through the reactor.
/// Returns the stream (blocking again) with it.
async fn read_frame(stream: UnixStream) -> io::Result<(UnixStream, Vec<u8>)> {
    let mut frame = Frame::default();
    let started = Instant::now();
    while started.elapsed() < DIRECT_WAIT {
        match (&stream).read(frame.spare()) {
            Ok(n) => {
                if let Some(payload) = frame.filled(n)? {
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
        let read = watched.read(frame.spare()).await?;
        if let Some(payload) = frame.filled(read)? {
            break payload;
        }
    };
    let stream = watched.into_std()?;
    stream.set_nonblocking(false)?;
    Ok((stream, payload))
}

/// A read that ran into its timeout (or a signal) rather than failing.
fn waiting(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

/// One frame being read: its length prefix, then its payload.
#[derive(Default)]
struct Frame {
    bytes: Vec<u8>,
    filled: usize,
}

impl Frame {
    /// Room for the next read.
    fn spare(&mut self) -> &mut [u8] {
        let want = match self.expected() {
            Some(total) => total.max(self.filled + 1),
            None => self.filled + READ_CHUNK,
        };
        if self.bytes.len() < want {
            self.bytes.resize(want, 0);
        }
        &mut self.bytes[self.filled..]
    }

    /// Counts `n` more bytes read; the payload once the frame is complete.
    fn filled(&mut self, n: usize) -> io::Result<Option<Vec<u8>>> {
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the integrated channel closed (the job ended or the server stopped)",
            ));
        }
        self.filled += n;
        let Some(total) = self.expected() else {
            return Ok(None);
        };
        if total > 4 + integrated::MAX_FRAME_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a {total}-byte frame is over the channel's limit"),
            ));
        }
        if self.filled < total {
            return Ok(None);
        }
        if self.filled > total {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the server sent more than the one answer asked for",
            ));
        }
        self.bytes.truncate(total);
        Ok(Some(self.bytes.split_off(4)))
    }

    /// The whole frame's length, once its prefix is in.
    fn expected(&self) -> Option<usize> {
        let prefix: [u8; 4] = self.bytes.get(..4)?.try_into().ok()?;
        (self.filled >= 4).then(|| 4 + u32::from_be_bytes(prefix) as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_read_across_short_reads() {
        let payload = integrated::encode(&ServerFrame::Response { id: 3, status: 200 }, b"{}");
        let bytes = wire(payload.clone());
        let mut frame = Frame::default();
        let mut done = None;
        for chunk in bytes.chunks(3) {
            let spare = frame.spare();
            spare[..chunk.len()].copy_from_slice(chunk);
            done = frame.filled(chunk.len()).unwrap();
        }
        assert_eq!(done, Some(payload));
    }

    #[test]
    fn refuses_end_of_input_oversized_and_extra_bytes() {
        let mut frame = Frame::default();
        assert_eq!(
            frame.filled(0).unwrap_err().kind(),
            io::ErrorKind::UnexpectedEof
        );

        let mut frame = Frame::default();
        frame.spare()[..4].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(
            frame.filled(4).unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );

        let mut frame = Frame::default();
        let bytes = [0, 0, 0, 1, b'x', b'y'];
        frame.spare()[..6].copy_from_slice(&bytes);
        assert_eq!(
            frame.filled(6).unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
    }
}
