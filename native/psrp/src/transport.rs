//! The out-of-process transport over a child's stdin/stdout (design psrp.md §1).
//!
//! Outgoing: messages are fragmented, packed into `Data` packets, and sent with at most one
//! unacknowledged `Data` per PSGuid — the server processes lines concurrently, so the ack is
//! the only ordering it offers. Incoming: one reader task parses lines, reassembles
//! fragments per (PSGuid, stream) and routes whole messages to the subscriber of that
//! PSGuid through a bounded channel: a slow consumer stops the reader, the pipe fills, and
//! pwsh blocks — back-pressure instead of unbounded buffering.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{ChildStderr, ChildStdin};
use tokio::sync::{mpsc, oneshot, watch};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::fragment::{self, MAX_FRAGMENT, Reassembler};
use crate::message::Message;
use crate::packet::{Ack, Packet, Stream};
use crate::process::{ChildProcess, Pipes, ProcessWatcher};

/// PowerShell's own client waits 60 s for any ack before calling the transport broken.
const ACK_TIMEOUT: Duration = Duration::from_secs(60);
/// A server line is ≈ 44 KB; anything far beyond is not PSRP.
const MAX_LINE: u64 = 1 << 20;
/// Largest message we reassemble (PowerShell's default receive limit is 10 MiB per object;
/// we allow more because pipeline output is stored, not re-materialised).
const MAX_MESSAGE: usize = 64 << 20;
/// Messages buffered per subscriber before the reader stops reading stdout.
const ROUTE_CAPACITY: usize = 64;
const STDERR_TAIL: usize = 4096;
/// How long output may still trickle in after the process has exited.
const DRAIN_AFTER_EXIT: Duration = Duration::from_millis(300);

/// Fragment object ids: one process-wide counter, as in PowerShell.
static NEXT_OBJECT_ID: AtomicU64 = AtomicU64::new(1);

pub struct Transport {
    process: ChildProcess,
    stdin: tokio::sync::Mutex<ChildStdin>,
    shared: Arc<Shared>,
}

struct Shared {
    acks: Mutex<HashMap<(Ack, Uuid), oneshot::Sender<()>>>,
    routes: Mutex<HashMap<Uuid, mpsc::Sender<Message>>>,
    send_locks: Mutex<HashMap<Uuid, Arc<tokio::sync::Mutex<()>>>>,
    stderr: Mutex<String>,
    /// Set once the reader has stopped: why the transport is gone (empty = the process
    /// ended) and the exit code if it had one.
    dead: watch::Sender<Option<(String, Option<i32>)>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Transport {
    pub fn start(process: ChildProcess, pipes: Pipes) -> Arc<Transport> {
        let shared = Arc::new(Shared {
            acks: Mutex::default(),
            routes: Mutex::default(),
            send_locks: Mutex::default(),
            stderr: Mutex::default(),
            dead: watch::Sender::new(None),
        });
        let (stderr_done_tx, stderr_done) = watch::channel(false);
        tokio::spawn(read_stderr(pipes.stderr, shared.clone(), stderr_done_tx));
        tokio::spawn(read_stdout(
            pipes.stdout,
            shared.clone(),
            process.watcher(),
            stderr_done,
        ));
        Arc::new(Transport {
            process,
            stdin: tokio::sync::Mutex::new(pipes.stdin),
            shared,
        })
    }

    pub fn process(&self) -> &ChildProcess {
        &self.process
    }

    /// Routes every message that arrives for `guid` to the returned receiver. Register
    /// before sending anything that can provoke a reply.
    pub fn subscribe(&self, guid: Uuid) -> mpsc::Receiver<Message> {
        let (tx, rx) = mpsc::channel(ROUTE_CAPACITY);
        // Checked under the routes lock: the reader marks death before it clears routes,
        // so a late subscriber either sees death (and gets a closed channel) or is cleared.
        let mut routes = lock(&self.shared.routes);
        if self.shared.dead.borrow().is_none() {
            routes.insert(guid, tx);
        }
        rx
    }

    pub fn unsubscribe(&self, guid: Uuid) {
        lock(&self.shared.routes).remove(&guid);
    }

    /// Sends messages for `guid`, packed into as few packets as fit, each acknowledged
    /// before the next is written.
    pub async fn send(&self, guid: Uuid, stream: Stream, messages: &[Message]) -> Result<()> {
        let mut bytes = Vec::new();
        for m in messages {
            let id = NEXT_OBJECT_ID.fetch_add(1, Ordering::Relaxed);
            for f in fragment::split(id, &m.encode(), MAX_FRAGMENT) {
                bytes.extend(f);
            }
        }
        let send_lock = lock(&self.shared.send_locks)
            .entry(guid)
            .or_default()
            .clone();
        let _one_at_a_time = send_lock.lock().await;
        for payload in bytes.chunks(MAX_FRAGMENT) {
            let packet = Packet::Data {
                stream,
                guid,
                payload: payload.to_vec(),
            };
            self.exchange(&packet, Ack::Data, guid).await?;
        }
        Ok(())
    }

    /// `Command` → `CommandAck`: creates the server side of a pipeline.
    pub async fn command(&self, guid: Uuid) -> Result<()> {
        self.exchange(&Packet::Command(guid), Ack::Command, guid)
            .await
    }

    /// `Signal` → `SignalAck`: stops a pipeline. Never for the session GUID (kills pwsh).
    pub async fn signal(&self, guid: Uuid) -> Result<()> {
        if guid.is_nil() {
            return Err(Error::Protocol(
                "refusing to signal the session GUID".into(),
            ));
        }
        self.exchange(&Packet::Signal(guid), Ack::Signal, guid)
            .await
    }

    /// `Close` → `CloseAck`: ends a pipeline, or with the nil GUID the session.
    pub async fn close(&self, guid: Uuid) -> Result<()> {
        self.exchange(&Packet::Close(guid), Ack::Close, guid)
            .await?;
        lock(&self.shared.send_locks).remove(&guid);
        Ok(())
    }

    /// The error describing why the transport is gone, once it is.
    pub fn failure(&self) -> Option<Error> {
        self.shared.failure()
    }

    /// Waits until the reader has stopped and returns why.
    pub async fn closed_error(&self) -> Error {
        let mut dead = self.shared.dead.subscribe();
        let _ = dead.wait_for(Option::is_some).await;
        self.shared
            .failure()
            .unwrap_or_else(|| Error::Protocol("the transport stopped".into()))
    }

    async fn exchange(&self, packet: &Packet, ack: Ack, guid: Uuid) -> Result<()> {
        let (tx, rx) = oneshot::channel();
        {
            let mut acks = lock(&self.shared.acks);
            if let Some(e) = self.shared.failure() {
                return Err(e);
            }
            acks.insert((ack, guid), tx);
        }
        if let Err(e) = self.write(packet).await {
            lock(&self.shared.acks).remove(&(ack, guid));
            return Err(self.shared.failure().unwrap_or(e));
        }
        match tokio::time::timeout(ACK_TIMEOUT, rx).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(self.closed_error().await),
            Err(_) => {
                lock(&self.shared.acks).remove(&(ack, guid));
                Err(Error::Timeout {
                    what: "an acknowledgement from the PowerShell process",
                    seconds: ACK_TIMEOUT.as_secs(),
                })
            }
        }
    }

    async fn write(&self, packet: &Packet) -> Result<()> {
        let mut line = packet.to_line();
        line.push('\n');
        let mut stdin = self.stdin.lock().await;
        stdin.write_all(line.as_bytes()).await?;
        stdin.flush().await?;
        Ok(())
    }
}

impl Shared {
    fn failure(&self) -> Option<Error> {
        let (reason, code) = self.dead.borrow().clone()?;
        let stderr = lock(&self.stderr).clone();
        Some(if reason.is_empty() {
            Error::ProcessExited { code, stderr }
        } else {
            Error::Protocol(reason)
        })
    }

    fn deliver_ack(&self, ack: Ack, guid: Uuid) {
        if let Some(tx) = lock(&self.acks).remove(&(ack, guid)) {
            let _ = tx.send(());
        }
    }
}

async fn read_stdout(
    stdout: impl AsyncRead + Unpin,
    shared: Arc<Shared>,
    process: ProcessWatcher,
    mut stderr_done: watch::Receiver<bool>,
) {
    let mut reader = BufReader::new(stdout);
    let mut reassembly: HashMap<(Uuid, Stream), Reassembler> = HashMap::new();
    let mut exited = false;
    // Kept across iterations: a read cancelled by the exit branch resumes the same line.
    let mut line = Vec::new();
    let reason = loop {
        let mut limited = (&mut reader).take(MAX_LINE);
        let read = limited.read_until(b'\n', &mut line);
        // Once pwsh has exited, a grandchild holding the pipe open must not keep us here:
        // drain what is buffered, then stop.
        let read = if exited {
            match tokio::time::timeout(DRAIN_AFTER_EXIT, read).await {
                Ok(r) => r,
                Err(_) => break String::new(),
            }
        } else {
            tokio::select! {
                r = read => r,
                _ = process.wait() => {
                    exited = true;
                    continue;
                }
            }
        };
        match read {
            Ok(0) => break String::new(),
            Ok(_) if !line.ends_with(b"\n") => {
                if line.len() as u64 >= MAX_LINE {
                    break format!("a stdout line exceeded {MAX_LINE} bytes");
                }
                continue;
            }
            Ok(_) => {}
            Err(e) => break format!("reading stdout failed: {e}"),
        }
        let handled = handle_line(&line, &shared, &mut reassembly).await;
        line.clear();
        if let Err(reason) = handled {
            break reason;
        }
    };
    if !reason.is_empty() {
        // A protocol failure leaves pwsh in an unknown state: end it.
        tracing::warn!("PSRP transport failed: {reason}");
        process.kill_tree().await;
    }
    // Give stderr and the exit status a moment so the error can say why it died.
    let code = tokio::time::timeout(DRAIN_AFTER_EXIT, async {
        let _ = stderr_done.wait_for(|d| *d).await;
        process.wait().await
    })
    .await
    .ok()
    .flatten();
    shared.dead.send_replace(Some((reason, code)));
    lock(&shared.acks).clear();
    lock(&shared.routes).clear();
}

/// Parses one stdout line and delivers what it carries. `Err` = the transport is unusable.
async fn handle_line(
    line: &[u8],
    shared: &Shared,
    reassembly: &mut HashMap<(Uuid, Stream), Reassembler>,
) -> Result<(), String> {
    let Ok(text) = std::str::from_utf8(line) else {
        tracing::warn!("skipping a non-UTF-8 stdout line from pwsh");
        return Ok(());
    };
    if !text.trim_start().starts_with('<') {
        // A grandchild may write to the inherited stdout (design psrp.md §1.5).
        tracing::warn!(line = text.trim_end(), "skipping a non-PSRP stdout line");
        return Ok(());
    }
    match Packet::parse(text).map_err(|e| e.to_string())? {
        Packet::Ack(ack, guid) => shared.deliver_ack(ack, guid),
        Packet::Data {
            stream,
            guid,
            payload,
        } => {
            let messages = reassembly
                .entry((guid, stream))
                .or_insert_with(|| Reassembler::new(MAX_MESSAGE))
                .push(&payload)
                .map_err(|e| e.to_string())?;
            for bytes in messages {
                let message = match Message::decode(&bytes) {
                    Ok(m) => m,
                    Err(e) => {
                        tracing::warn!("dropping an undecodable message: {e}");
                        continue;
                    }
                };
                let route = lock(&shared.routes).get(&guid).cloned();
                match route {
                    // Awaiting here is the back-pressure point.
                    Some(tx) => {
                        let _ = tx.send(message).await;
                    }
                    None => tracing::debug!(%guid, "dropping a message nobody awaits"),
                }
            }
        }
        other => return Err(format!("the server sent a client-only packet: {other:?}")),
    }
    Ok(())
}

async fn read_stderr(stderr: ChildStderr, shared: Arc<Shared>, done: watch::Sender<bool>) {
    let mut lines = BufReader::new(stderr).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        tracing::warn!(line, "pwsh stderr");
        let mut tail = lock(&shared.stderr);
        tail.push_str(&line);
        tail.push('\n');
        if tail.len() > STDERR_TAIL {
            let cut = tail.len() - STDERR_TAIL;
            let cut = (cut..tail.len())
                .find(|i| tail.is_char_boundary(*i))
                .unwrap_or(0);
            tail.drain(..cut);
        }
    }
    let _ = done.send(true);
}
