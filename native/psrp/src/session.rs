//! A handshaken PowerShell process: capability exchange, runspace pool open, the session
//! key exchange on demand, and the session-level (PSGuid 0) traffic that follows.

use std::sync::Arc;
use std::time::Duration;

use clixml::Value;
use tokio::sync::{OnceCell, mpsc, watch};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::create_pipeline::{self, CommandSpec};
use crate::crypto::{self, SessionKey};
use crate::environment::{EnvKind, Environment};
use crate::error::{Error, Result};
use crate::handshake;
use crate::host::{Host, NoHost};
use crate::host_call::{self, Request, SecretSealer};
use crate::message::{Message, MessageType};
use crate::packet::Stream;
use crate::process::ChildProcess;
use crate::transport::Transport;
use crate::values::{bag, prop, prop_str};

const OPEN_TIMEOUT: Duration = Duration::from_secs(60);
const KEY_TIMEOUT: Duration = Duration::from_secs(30);
/// Loads the modules of the cmdlets nearly every script uses (Write-Output, Get-Date,
/// Start-Sleep, Get-ChildItem, …) so a job does not pay their autoload.
/// It also removes the variable the helper's warm-up run set (an empty environment variable
/// is removed by setting it).
const WARM_UP_SCRIPT: &str = "Import-Module Microsoft.PowerShell.Utility, Microsoft.PowerShell.Management; $ExecutionContext.SessionState.PSVariable.Remove('PSUJobsWarmUp')";
/// The variable (and environment variable) the warm-up sets, so the helper's code paths are
/// compiled and bound before a job needs them.
const WARM_UP_NAME: &str = "PSUJobsWarmUp";
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);
const RUNSPACE_OPENED: i64 = 2;

/// One `pwsh -s` process with an opened runspace pool, ready to run one job.
pub struct Session {
    pub(crate) inner: Arc<SessionInner>,
    /// Handles PSGuid-0 traffic; aborted with the session so nothing keeps pwsh alive.
    session_task: JoinHandle<()>,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.session_task.abort();
    }
}

pub(crate) struct SessionInner {
    pub transport: Arc<Transport>,
    pub pool_id: Uuid,
    server_version: Option<String>,
    key: OnceCell<SessionKey>,
    key_rx: watch::Receiver<KeySlot>,
}

/// Facts the server told us while the pool opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerInfo {
    /// `PSVersionTable.PSVersion` of the process, e.g. `7.6.9`.
    pub ps_version: Option<String>,
}

impl Session {
    /// Starts `env`'s executable and opens a runspace pool whose host is us.
    pub async fn open(env: &Environment) -> Result<Session> {
        if env.kind != EnvKind::PowerShell {
            return Err(Error::NotPowerShell(env.name.clone()));
        }
        let (process, pipes) = ChildProcess::spawn(env, &[])?;
        let transport = Transport::start(process, pipes);
        match tokio::time::timeout(OPEN_TIMEOUT, Self::handshake(transport.clone())).await {
            Ok(result) => result,
            Err(_) => {
                transport.process().kill_tree().await;
                Err(Error::Timeout {
                    what: "the runspace pool to open",
                    seconds: OPEN_TIMEOUT.as_secs(),
                })
            }
        }
    }

    async fn handshake(transport: Arc<Transport>) -> Result<Session> {
        let pool_id = Uuid::new_v4();
        let mut rx = transport.subscribe(Uuid::nil());
        let opening = [
            (
                MessageType::SessionCapability,
                handshake::session_capability(),
            ),
            (
                MessageType::InitRunspacePool,
                handshake::init_runspace_pool(),
            ),
        ]
        .map(|(t, body)| message(t, pool_id, Uuid::nil(), &body));
        // PowerShell queues both at once; one packet, one round trip. The DataAck only
        // comes after the pool opened, so read replies while waiting for it.
        let send = transport.send(Uuid::nil(), Stream::Default, &opening);
        let opened = async {
            let mut server_version = None;
            loop {
                let Some(m) = rx.recv().await else {
                    return Err(transport.closed_error().await);
                };
                match m.message_type {
                    MessageType::ApplicationPrivateData => server_version = ps_version(&m.body),
                    MessageType::RunspacePoolState => {
                        let body = decode(&m.body)?;
                        let state = prop(&body, "RunspaceState").and_then(Value::as_i64);
                        if state == Some(RUNSPACE_OPENED) {
                            return Ok(server_version);
                        }
                        let reason = prop(&body, "ExceptionAsErrorRecord")
                            .and_then(|e| {
                                prop_str(e, "ErrorCategory_Message")
                                    .or_else(|| crate::values::text(e))
                            })
                            .unwrap_or_else(|| format!("runspace pool state {state:?}"));
                        return Err(Error::PoolBroken(reason));
                    }
                    _ => {}
                }
            }
        };
        let ((), server_version) = tokio::try_join!(send, opened)?;
        let (key_tx, key_rx) = watch::channel(None);
        let inner = Arc::new(SessionInner {
            transport,
            pool_id,
            server_version,
            key: OnceCell::new(),
            key_rx,
        });
        let session_task = tokio::spawn(session_traffic(inner.clone(), rx, key_tx));
        Ok(Session {
            inner,
            session_task,
        })
    }

    /// The pwsh process id (its process group id too).
    pub fn pid(&self) -> u32 {
        self.inner.transport.process().pid()
    }

    pub fn server_info(&self) -> ServerInfo {
        ServerInfo {
            ps_version: self.inner.server_version.clone(),
        }
    }

    /// False once the process has gone away (e.g. killed while waiting in a pool).
    pub fn is_alive(&self) -> bool {
        self.inner.transport.failure().is_none()
    }

    /// Pays ahead what the first job would otherwise pay: the SecureString key exchange, the
    /// per-job helper and the core modules (the first pipeline of a process JIT-compiles the
    /// execution path, about a second; a core module's autoload about 400 ms). Used by the
    /// warm pool.
    pub async fn warm_up(&self) -> Result<()> {
        self.inner.session_key().await?;
        self.inner
            .run_helper(crate::run::prepare_command(
                &[(WARM_UP_NAME.into(), String::new())],
                &[(WARM_UP_NAME.into(), Value::Nil)],
                None,
            ))
            .await?;
        self.inner
            .run_helper(CommandSpec {
                command: WARM_UP_SCRIPT.into(),
                is_script: true,
                args: Vec::new(),
            })
            .await
            .map(drop)
    }

    /// Ends the session in order (pool close) and then the process tree.
    pub async fn close(self) {
        self.inner.close().await;
    }
}

impl SessionInner {
    /// Runs a one-command helper pipeline and returns its output bodies; used for work
    /// around the job (environment injection, `$LASTEXITCODE`).
    pub async fn run_helper(&self, spec: CommandSpec) -> Result<Vec<String>> {
        let (pid, mut rx) = self.start_pipeline(spec).await?;
        let mut outputs = Vec::new();
        let result = loop {
            let Some(m) = rx.recv().await else {
                break Err(self.transport.closed_error().await);
            };
            match m.message_type {
                MessageType::PipelineOutput => outputs.push(m.body),
                MessageType::PipelineState => {
                    let state = decode(&m.body)?;
                    break match prop(&state, "PipelineState").and_then(Value::as_i64) {
                        Some(crate::run::PIPELINE_COMPLETED) => Ok(outputs),
                        _ => Err(Error::Protocol(format!(
                            "helper pipeline failed: {}",
                            prop(&state, "ExceptionAsErrorRecord")
                                .and_then(crate::values::text)
                                .unwrap_or_default()
                        ))),
                    };
                }
                MessageType::PipelineHostCall => {
                    // Helpers never prompt; refuse anything that blocks so they cannot hang.
                    if let Request::Answer(p) = host_call::parse(&m.body)? {
                        let host: Arc<dyn Host> = Arc::new(NoHost);
                        let body = p.respond(&host, self).await;
                        self.send_host_response(pid, &body).await?;
                    }
                }
                _ => {}
            }
        };
        self.close_pipeline(pid).await;
        result
    }

    /// `Command`/`CommandAck`, then CREATE_PIPELINE; messages for it arrive on the receiver.
    pub async fn start_pipeline(
        &self,
        spec: CommandSpec,
    ) -> Result<(Uuid, mpsc::Receiver<Message>)> {
        let pid = Uuid::new_v4();
        let rx = self.transport.subscribe(pid);
        let body = create_pipeline::body(spec);
        let create = message(MessageType::CreatePipeline, self.pool_id, pid, &body);
        let started = async {
            self.transport.command(pid).await?;
            self.transport.send(pid, Stream::Default, &[create]).await
        };
        match started.await {
            Ok(()) => Ok((pid, rx)),
            Err(e) => {
                self.transport.unsubscribe(pid);
                Err(e)
            }
        }
    }

    pub async fn send_host_response(&self, pid: Uuid, body: &Value) -> Result<()> {
        let m = message(MessageType::PipelineHostResponse, self.pool_id, pid, body);
        self.transport.send(pid, Stream::PromptResponse, &[m]).await
    }

    /// Best effort: a pipeline that will not close is ended with the process anyway.
    pub async fn close_pipeline(&self, pid: Uuid) {
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, self.transport.close(pid)).await;
        self.transport.unsubscribe(pid);
    }

    pub async fn close(&self) {
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, self.transport.close(Uuid::nil())).await;
        self.transport.process().kill_tree().await;
    }
}

#[async_trait::async_trait]
impl SecretSealer for SessionInner {
    async fn session_key(&self) -> Result<SessionKey> {
        self.key
            .get_or_try_init(|| async {
                let pair = crypto::key_pair().await?;
                let blob = crypto::public_key_blob(pair);
                let body = bag(vec![(
                    "PublicKey",
                    Value::Str(base64::Engine::encode(
                        &base64::engine::general_purpose::STANDARD,
                        blob,
                    )),
                )]);
                let m = message(MessageType::PublicKey, self.pool_id, Uuid::nil(), &body);
                self.transport
                    .send(Uuid::nil(), Stream::Default, &[m])
                    .await?;
                let waited = tokio::time::timeout(KEY_TIMEOUT, next_key(self.key_rx.clone()));
                let Ok(received) = waited.await else {
                    return Err(Error::Timeout {
                        what: "the session key",
                        seconds: KEY_TIMEOUT.as_secs(),
                    });
                };
                let Some(received) = received else {
                    return Err(self.transport.closed_error().await);
                };
                match received {
                    Some(Ok(k)) => Ok(k),
                    Some(Err(e)) => Err(Error::Crypto(e)),
                    None => Err(Error::Crypto("no session key".into())),
                }
            })
            .await
            .cloned()
    }
}

type KeySlot = Option<std::result::Result<SessionKey, String>>;

/// The first key (or key failure) the session task reports; `None` if it ended first.
async fn next_key(mut rx: watch::Receiver<KeySlot>) -> Option<KeySlot> {
    // Cloned out inside this function so no watch guard lives across an await.
    rx.wait_for(Option::is_some).await.ok().map(|k| k.clone())
}

/// PSGuid-0 messages after the pool opened.
async fn session_traffic(
    inner: Arc<SessionInner>,
    mut rx: mpsc::Receiver<Message>,
    key_tx: watch::Sender<KeySlot>,
) {
    while let Some(m) = rx.recv().await {
        match m.message_type {
            MessageType::EncryptedSessionKey => {
                let key = async {
                    let body = decode(&m.body).map_err(|e| e.to_string())?;
                    let blob = prop_str(&body, "EncryptedSessionKey")
                        .ok_or("ENCRYPTED_SESSION_KEY without a key")?;
                    let pair = crypto::key_pair().await.map_err(|e| e.to_string())?;
                    SessionKey::unwrap(pair, &blob).map_err(|e| e.to_string())
                };
                key_tx.send_replace(Some(key.await));
            }
            MessageType::PublicKeyRequest => {
                // Old servers ask; answering is starting the exchange ourselves.
                let inner = inner.clone();
                tokio::spawn(async move {
                    if let Err(e) = inner.session_key().await {
                        tracing::warn!("session key exchange failed: {e}");
                    }
                });
            }
            MessageType::RunspacePoolHostCall => {
                // Host calls outside any pipeline: nothing to show them to; refuse the
                // blocking ones so the server does not wait forever.
                if let Ok(Request::Answer(p)) = host_call::parse(&m.body) {
                    let host: Arc<dyn Host> = Arc::new(NoHost);
                    let body = p.respond(&host, inner.as_ref()).await;
                    let reply = message(
                        MessageType::RunspacePoolHostResponse,
                        inner.pool_id,
                        Uuid::nil(),
                        &body,
                    );
                    let _ = inner
                        .transport
                        .send(Uuid::nil(), Stream::PromptResponse, &[reply])
                        .await;
                }
            }
            MessageType::RunspacePoolState => {
                tracing::debug!(body = m.body, "runspace pool state changed");
            }
            _ => {}
        }
    }
}

pub(crate) fn message(t: MessageType, pool_id: Uuid, pid: Uuid, body: &Value) -> Message {
    Message {
        message_type: t,
        runspace_pool: pool_id,
        pipeline: pid,
        body: clixml::encode_fragment(body),
    }
}

pub(crate) fn decode(body: &str) -> Result<Value> {
    clixml::decode_fragment(body).map_err(|e| Error::Clixml(e.to_string()))
}

fn ps_version(body: &str) -> Option<String> {
    let data = decode(body).ok()?;
    let table = prop(&data, "ApplicationPrivateData")?;
    let entries = table.as_object()?.dict()?;
    let ps_table = entries
        .iter()
        .find(|(k, _)| k.as_str() == Some("PSVersionTable"))
        .map(|(_, v)| v)?;
    ps_table
        .as_object()?
        .dict()?
        .iter()
        .find(|(k, _)| k.as_str() == Some("PSVersion"))
        .and_then(|(_, v)| match v {
            Value::Version(s) => Some(s.clone()),
            other => crate::values::text(other),
        })
}
