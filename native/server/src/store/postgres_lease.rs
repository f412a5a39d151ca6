//! The lock a serving server holds on its node of a PostgreSQL store: a session advisory lock
//! keyed by the schema the tables live in and the node (the server's data folder), so that
//! several nodes share a store while two servers of one node exclude each other. A session
//! ends when the database restarts or fails over; the lock goes with it, so it is checked
//! every few seconds and taken again on a new connection.

use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Object, Pool};
use tokio::sync::Mutex;

use super::StoreResult;

/// The lock's first key: "psuj" in ASCII. The second is the hash of the schema's name and the
/// node's id.
pub(super) const CLASS: i32 = 0x7073_756a;

/// How often the lock's connection is checked.
const CHECK: Duration = Duration::from_secs(2);

/// The connection holding the lock, and the node it is held for; `None` before it is taken
/// and after it is released.
#[derive(Clone, Default)]
pub struct Lease(Arc<Mutex<Option<(Object, String)>>>);

impl Lease {
    /// Takes `node`'s lock on a connection of its own; false when another session holds it.
    pub async fn take(&self, pool: &Pool, node: &str) -> StoreResult<bool> {
        let Some(conn) = try_lock(pool, node).await? else {
            return Ok(false);
        };
        *self.0.lock().await = Some((conn, node.to_owned()));
        Ok(true)
    }

    /// Runs until the lease is released, taking the lock again whenever its session ended.
    pub async fn keep(self, pool: Pool) {
        let mut reported = false;
        loop {
            tokio::time::sleep(CHECK).await;
            let mut held = self.0.lock().await;
            let node = match held.as_ref() {
                None => return,
                Some((conn, _)) if !conn.is_closed() => continue,
                Some((_, node)) => node.clone(),
            };
            match try_lock(&pool, &node).await {
                Ok(Some(conn)) => {
                    *held = Some((conn, node));
                    reported = false;
                    tracing::warn!(
                        "the session holding this server's lock on the database ended (a restart?); the lock is held again"
                    );
                }
                Ok(None) if !reported => {
                    reported = true;
                    tracing::error!(
                        "lost this server's lock on the database: another psujobs server with the same data folder now serves from it"
                    );
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "cannot take the server's lock again yet"),
            }
        }
    }

    /// Releases the lock now rather than when the database notices the session has gone, so
    /// a server started right after this one finds the store free.
    pub async fn release(&self) -> StoreResult<()> {
        if let Some((conn, node)) = self.0.lock().await.take() {
            conn.execute(
                "SELECT pg_advisory_unlock($1, hashtext(current_schema() || '/' || $2))",
                &[&CLASS, &node],
            )
            .await?;
        }
        Ok(())
    }
}

async fn try_lock(pool: &Pool, node: &str) -> StoreResult<Option<Object>> {
    let conn = pool.get().await?;
    let row = conn
        .query_one(
            "SELECT pg_try_advisory_lock($1, hashtext(current_schema() || '/' || $2))",
            &[&CLASS, &node],
        )
        .await?;
    Ok(row.get::<_, bool>(0).then_some(conn))
}
