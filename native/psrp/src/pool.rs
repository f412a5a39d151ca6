//! A warm pool per environment: processes started and handshaken ahead of demand, one job
//! each, replaced in the background after they are taken.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinHandle;

use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::session::Session;

const RETRY_MIN: Duration = Duration::from_millis(500);
const RETRY_MAX: Duration = Duration::from_secs(30);

/// Keeps `size` opened sessions of one environment ready. Per-job values (the integrated
/// channel address and secret) cannot be in a warm process's environment block, because the
/// process predates the job: pass them as [`crate::Invocation::env`], which sets them inside
/// the process before the script runs.
pub struct Pool {
    env: Environment,
    ready: Option<Mutex<mpsc::Receiver<Session>>>,
    /// Sessions in `ready` (for metrics: a server shows how warm it is).
    warm: Arc<AtomicUsize>,
    filler: Option<JoinHandle<()>>,
}

impl Drop for Pool {
    fn drop(&mut self) {
        if let Some(f) = &self.filler {
            f.abort();
        }
    }
}

impl Pool {
    /// Starts filling in the background. `size` 0 disables warming: every `take` starts a
    /// cold process. Must be called inside a tokio runtime.
    pub fn new(env: Environment, size: usize) -> Pool {
        if size == 0 {
            return Pool {
                env,
                ready: None,
                warm: Arc::default(),
                filler: None,
            };
        }
        let (tx, rx) = mpsc::channel(size);
        let warm = Arc::new(AtomicUsize::new(0));
        let filler = tokio::spawn(fill(env.clone(), tx, warm.clone()));
        Pool {
            env,
            ready: Some(Mutex::new(rx)),
            warm,
            filler: Some(filler),
        }
    }

    pub fn environment(&self) -> &Environment {
        &self.env
    }

    /// How many warm sessions are ready now.
    pub fn warm(&self) -> usize {
        self.warm.load(Ordering::Relaxed)
    }

    /// A ready session if one is warm, else a freshly opened one (never waits for the
    /// filler: a cold start is faster than waiting behind one).
    pub async fn take(&self) -> Result<Session> {
        if let Some(ready) = &self.ready {
            let mut ready = ready.lock().await;
            while let Ok(session) = ready.try_recv() {
                self.warm.fetch_sub(1, Ordering::Relaxed);
                if session.is_alive() {
                    return Ok(session);
                }
            }
        }
        Session::open(&self.env).await
    }

    /// Takes a warm session, waiting for the filler if none is ready yet. For callers that
    /// prefer a short wait over a cold start (and for measuring warm starts).
    pub async fn take_warm(&self) -> Result<Session> {
        let Some(ready) = &self.ready else {
            return Session::open(&self.env).await;
        };
        let mut ready = ready.lock().await;
        loop {
            let Some(session) = ready.recv().await else {
                return Err(Error::PoolClosed(self.env.name.clone()));
            };
            self.warm.fetch_sub(1, Ordering::Relaxed);
            if session.is_alive() {
                return Ok(session);
            }
        }
    }
}

/// Opens sessions one at a time whenever there is room: a slot is reserved before the
/// process starts, so at most `size` warm processes exist.
async fn fill(env: Environment, tx: mpsc::Sender<Session>, warm: Arc<AtomicUsize>) {
    let mut retry = RETRY_MIN;
    loop {
        let Ok(permit) = tx.reserve().await else {
            return;
        };
        let warmed = async {
            let session = Session::open(&env).await?;
            session.warm_up().await?;
            Ok::<_, Error>(session)
        };
        match warmed.await {
            Ok(session) => {
                // Counted before it is sent, so a take never makes the count wrap.
                warm.fetch_add(1, Ordering::Relaxed);
                permit.send(session);
                retry = RETRY_MIN;
            }
            Err(e) => {
                tracing::warn!(env = env.name, "cannot warm a session: {e}");
                drop(permit);
                tokio::time::sleep(retry).await;
                retry = (retry * 2).min(RETRY_MAX);
            }
        }
    }
}
