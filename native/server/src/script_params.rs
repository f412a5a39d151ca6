//! Script parameters, read by PowerShell's own parser (`read_params.ps1`) in one `pwsh` run
//! for every script whose content changed, and cached in the store by content hash.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use model::ScriptParameter;
use prometheus_client::metrics::counter::Counter;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::store::{Store, StoreError};

const READ_PARAMS: &str = include_str!("read_params.ps1");

#[derive(Debug, thiserror::Error)]
pub enum ParamsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot run {pwsh} to read script parameters: {source}")]
    Spawn {
        pwsh: String,
        source: std::io::Error,
    },
    #[error("PowerShell failed to read script parameters: {0}")]
    Pwsh(String),
    #[error("script {path} does not parse: {message}")]
    Syntax { path: String, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Deserialize)]
struct Parsed {
    error: Option<String>,
    #[serde(default)]
    parameters: Vec<ScriptParameter>,
}

/// The content hash that keys the cache.
pub fn fingerprint(file: &Path) -> Result<String, ParamsError> {
    let bytes = std::fs::read(file).map_err(|source| ParamsError::Read {
        path: file.display().to_string(),
        source,
    })?;
    Ok(hex::encode(Sha256::digest(&bytes)))
}

/// Reads script parameters: from the cache, or by one `pwsh` run at a time. A burst of first
/// calls to a script (or calls arriving while the start-up read runs) would otherwise each
/// start a `pwsh` to parse the same file: measured, 20 at once on two cores kept every one of
/// those calls waiting 30 to over 100 seconds. Waiters find the cache filled instead.
pub struct ParameterReader {
    parsing: tokio::sync::Mutex<()>,
    /// Counts the `pwsh` runs.
    runs: Counter,
}

/// A script whose cached parameters are missing or out of date: id, file, content hash.
type Stale = (i64, PathBuf, String);

/// Parameters by script id.
type Found = HashMap<i64, Vec<ScriptParameter>>;

impl ParameterReader {
    pub fn new(runs: Counter) -> Self {
        Self {
            parsing: tokio::sync::Mutex::new(()),
            runs,
        }
    }

    /// Parameters of each `(script id, file)`, read with the PowerShell at `pwsh` where not
    /// cached.
    pub async fn read(
        &self,
        pwsh: &Path,
        store: &dyn Store,
        scripts: &[(i64, PathBuf)],
    ) -> Result<Found, ParamsError> {
        let (mut known, stale) = cached(store, scripts)?;
        if stale.is_empty() {
            return Ok(known);
        }
        let _parsing = self.parsing.lock().await;
        // A run that finished while this call waited has cached what it parsed: the store is
        // asked again, the files (hashed already) are not read again.
        let mut still_stale = Vec::new();
        for (id, file, print) in stale {
            match store.cached_parameters(id, &print)? {
                Some(params) => {
                    known.insert(id, params);
                }
                None => still_stale.push((id, file, print)),
            }
        }
        if still_stale.is_empty() {
            return Ok(known);
        }
        self.runs.inc();
        parse(pwsh, store, still_stale, known).await
    }
}

/// The cached parameters of `scripts`, and the scripts that have none for their content.
fn cached(
    store: &dyn Store,
    scripts: &[(i64, PathBuf)],
) -> Result<(Found, Vec<Stale>), ParamsError> {
    let mut known = HashMap::new();
    let mut stale = Vec::new();
    for (id, file) in scripts {
        let print = fingerprint(file)?;
        match store.cached_parameters(*id, &print)? {
            Some(params) => {
                known.insert(*id, params);
            }
            None => stale.push((*id, file.clone(), print)),
        }
    }
    Ok((known, stale))
}

/// Parses the `stale` scripts in one `pwsh` run, caches what parses, and adds it to `known`.
async fn parse(
    pwsh: &Path,
    store: &dyn Store,
    stale: Vec<Stale>,
    mut known: Found,
) -> Result<Found, ParamsError> {
    let paths = stale
        .iter()
        .map(|(_, f, _)| f.display().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    let out = tokio::process::Command::new(pwsh)
        .args([
            "-NoLogo",
            "-NoProfile",
            "-NonInteractive",
            "-Command",
            READ_PARAMS,
        ])
        .env("PSUJOBS_PARSE_PATHS", paths)
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|source| ParamsError::Spawn {
            pwsh: pwsh.display().to_string(),
            source,
        })?;
    if !out.status.success() {
        return Err(ParamsError::Pwsh(
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ));
    }
    let parsed: Vec<Parsed> = serde_json::from_slice(&out.stdout)
        .map_err(|e| ParamsError::Pwsh(format!("unreadable parser output: {e}")))?;
    // Scripts that parse are cached even when another one in the batch does not.
    let mut syntax_error = None;
    for ((id, file, print), result) in stale.into_iter().zip(parsed) {
        match result.error {
            Some(message) => {
                syntax_error.get_or_insert(ParamsError::Syntax {
                    path: file.display().to_string(),
                    message,
                });
            }
            None => {
                store.cache_parameters(id, &print, &result.parameters)?;
                known.insert(id, result.parameters);
            }
        }
    }
    syntax_error.map_or(Ok(known), Err)
}
