//! Edits to the config file apply while the server runs, as PSU applies edits to its
//! configuration: a script's settings, the job limit, retention and environments change
//! without a restart, which would fail the jobs running. The file is read every couple of seconds (no signal
//! needed, and it works the same on Windows); a changed file that does not parse is reported
//! and the settings stay as they were.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::config::Settings;
use crate::engine::Engine;

/// How often the config file is read.
const EVERY: Duration = Duration::from_secs(2);

/// Reads the settings again: the config file, with the same flags and environment variables
/// over it as at start.
pub type ReadSettings = Box<dyn Fn() -> anyhow::Result<Settings> + Send + Sync>;

pub fn spawn(engine: Arc<Engine>, file: PathBuf, read: ReadSettings) {
    tokio::spawn(async move {
        let mut last = tokio::fs::read(&file).await.ok();
        loop {
            tokio::time::sleep(EVERY).await;
            let now = tokio::fs::read(&file).await.ok();
            if now == last {
                continue;
            }
            last = now;
            match read() {
                Ok(settings) => {
                    let kept = engine.apply_settings(settings);
                    tracing::info!(file = %file.display(), "settings read again from the config file");
                    if !kept.is_empty() {
                        tracing::warn!(
                            settings = kept.join(", "),
                            "changed in the config file; these apply at the next start"
                        );
                    }
                }
                Err(e) => tracing::error!(
                    file = %file.display(),
                    // The config errors name their cause themselves; `{:#}` would repeat it.
                    error = %e,
                    "the config file changed but cannot be used; the settings stay as they were"
                ),
            }
        }
    });
}
