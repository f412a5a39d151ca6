//! The engine's side of sharing a store with other servers (nodes). Every tick a node tells the
//! store it is alive, repairs the jobs of nodes gone silent, stops the jobs running here that a
//! cancel on another node asked for, hands them the answers given there to their prompts,
//! claims jobs queued elsewhere, and wakes its long polls for changes other nodes made.
//! A server alone on its store (SQLite) keeps no such bookkeeping, so an idle one writes
//! nothing; its ticks only claim.

use std::sync::Arc;

use model::JobStatus;

use super::recovery::{Gone, repair};
use super::{Engine, Refusal};
use crate::node::{DEAD_AFTER, TICK};
use crate::store::StoreError;

impl Engine {
    /// Ticks until the server shuts down.
    pub fn spawn_ticker(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let engine = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(TICK).await;
                if engine.is_shutting_down() {
                    return;
                }
                let e = engine.clone();
                match tokio::task::spawn_blocking(move || e.tick()).await {
                    Ok(Ok(())) => {}
                    Ok(Err(err)) => {
                        tracing::warn!(error = %err, "the store could not be read for cancels, answers and queued jobs this time; trying again in a second")
                    }
                    Err(err) => tracing::error!(error = %err, "the server's tick failed"),
                }
            }
        })
    }

    fn tick(self: &Arc<Self>) -> Result<(), StoreError> {
        if !self.store.shared() {
            // Alone on its store (SQLite): cancels and answers reach its jobs directly.
            self.dispatch();
            return Ok(());
        }
        self.keep_in_touch()?;
        // Cancels and answers given on other servers.
        let running: Vec<i64> = self.state().running.keys().copied().collect();
        if !running.is_empty() {
            for id in self.store.take_cancel_requests(&running)? {
                if let Some(live) = self.live(id) {
                    live.stop(JobStatus::Canceled);
                }
            }
            for (id, json) in self.store.take_answers(&running)? {
                self.deliver(id, &json);
            }
        }
        self.dispatch();
        // Long polls here wait on this server's changes; another's reach them this way.
        if self.store.live_nodes(DEAD_AFTER)?.len() > 1 {
            self.changed();
        }
        Ok(())
    }

    /// Tells the store this node is alive, and repairs the jobs of nodes gone silent.
    fn keep_in_touch(&self) -> Result<(), StoreError> {
        if !self.store.heartbeat(&self.node.id, &self.node.name)? {
            tracing::error!(
                "this server was not heard from for {} s, so the other servers took it for dead and marked the jobs it was running Failed; they run on here",
                DEAD_AFTER.as_secs()
            );
        }
        let others = self.store.reap_nodes(DEAD_AFTER)?;
        if !others.is_empty() {
            let names: Vec<&str> = others.iter().map(|(_, name)| name.as_str()).collect();
            let gone = Gone {
                restarted: None,
                others: others.iter().cloned().collect(),
                alone: false,
            };
            let repaired = repair(self.store.as_ref(), &gone)?.repaired;
            tracing::warn!(
                servers = names.join(", "),
                jobs = repaired,
                "servers stopped answering: their unfinished jobs are marked"
            );
            self.changed();
        }
        Ok(())
    }

    /// Hands job `id` the answer another server took for its prompt (and checked).
    fn deliver(&self, id: i64, json: &str) {
        let Some(live) = self.live(id) else {
            return;
        };
        let taken = serde_json::from_str(json)
            .map_err(|e| e.to_string())
            .and_then(|response| {
                live.take_answer(response).map_err(|refusal| match refusal {
                    Refusal::NotWaiting => "the job waits on no prompt".to_owned(),
                    Refusal::Invalid(why) => why,
                })
            });
        match taken {
            Ok((reply, answer)) => {
                let _ = reply.send(answer);
            }
            Err(why) => {
                tracing::warn!(job = id, reason = %why, "an answer given on another server was not taken")
            }
        }
    }
}
