//! The integrated channel (docs/integrated.md): a local socket (a Unix domain socket, or a
//! named pipe on Windows) over which scripts running as jobs call the API as their own job,
//! without an app token. Each job's process is told the address and a per-job secret in its
//! environment; requests run through the same router as REST, as the job's identity.

mod address;
mod connection;
mod dispatch;
mod grants;
mod module_path;
#[cfg(unix)]
mod stale_socket;
#[cfg(test)]
mod tests;
mod variables;
mod watch;

use std::sync::{Arc, Weak};

use axum::Router;
use interprocess::local_socket::traits::tokio::Listener as _;
use model::integrated::{ENV_ADDRESS, ENV_JOB_ID, ENV_SECRET};
use tokio::task::JoinHandle;

use crate::auth::Caller;
use crate::engine::Engine;

pub use address::Address;
pub use grants::{Grant, Grants};
pub use module_path::module_env;
pub use variables::job_variables;

/// What every connection needs. The engine is weak: it owns the channel.
pub(crate) struct Shared {
    router: Router,
    engine: Weak<Engine>,
    grants: Arc<Grants>,
}

/// The listening channel. Dropping it stops accepting and removes the socket file.
pub struct Channel {
    address: Address,
    grants: Arc<Grants>,
    acceptor: JoinHandle<()>,
}

impl Drop for Channel {
    fn drop(&mut self) {
        self.close_listener();
    }
}

impl Channel {
    /// Listens at a fresh address; must be called inside a tokio runtime.
    pub fn start(router: Router, engine: &Arc<Engine>) -> std::io::Result<Channel> {
        #[cfg(unix)]
        if let Some(stale) = stale_socket::reclaim(&engine.settings().data_dir) {
            tracing::info!(socket = %stale.display(), "removed a killed server's channel socket");
        }
        let address = Address::unique();
        let listener = address.listen()?;
        #[cfg(unix)]
        if let Err(e) = stale_socket::record(&engine.settings().data_dir, &address) {
            // Only the cleanup after a crash depends on the record; the channel works without it.
            tracing::warn!(error = %e, "cannot record the channel socket in the data folder");
        }
        let grants = Arc::new(Grants::default());
        let shared = Arc::new(Shared {
            router,
            engine: Arc::downgrade(engine),
            grants: grants.clone(),
        });
        let acceptor = tokio::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok(stream) => {
                        tokio::spawn(connection::serve(stream, shared.clone()));
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "integrated channel accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    }
                }
            }
        });
        tracing::info!(address = %address.0, "integrated channel listening");
        module_path::log_module_folder();
        Ok(Channel {
            address,
            grants,
            acceptor,
        })
    }

    /// Stops accepting and removes the socket file (the engine keeps the channel alive until
    /// the process ends, so a server stopping cleanly calls this itself).
    pub fn close_listener(&self) {
        self.acceptor.abort();
        #[cfg(unix)]
        let _ = std::fs::remove_file(&self.address.0);
    }

    pub fn address(&self) -> &Address {
        &self.address
    }

    pub fn grants(&self) -> &Arc<Grants> {
        &self.grants
    }

    /// Opens the channel to job `job_id` (run as `caller`): the variables its process gets.
    /// The secret lasts until [`Channel::close`] for the job.
    pub fn open(&self, job_id: i64, caller: Caller) -> Vec<(String, String)> {
        let secret = self.grants.issue(job_id, caller);
        vec![
            (ENV_ADDRESS.into(), self.address.0.clone()),
            (ENV_SECRET.into(), secret),
            (ENV_JOB_ID.into(), job_id.to_string()),
        ]
    }

    /// Ends job `job_id`'s access: its secret is refused and its connections close.
    pub fn close(&self, job_id: i64) {
        self.grants.revoke(job_id);
    }
}
