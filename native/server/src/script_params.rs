//! Script parameters, read by PowerShell's own parser (`read_params.ps1`) in one `pwsh` run
//! for every script whose content changed, and cached in the store by content hash.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use model::ScriptParameter;
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

/// Parameters of each `(script id, file)`, from the cache or from one `pwsh` run.
pub async fn read(
    store: &dyn Store,
    pwsh: &Path,
    scripts: &[(i64, PathBuf)],
) -> Result<HashMap<i64, Vec<ScriptParameter>>, ParamsError> {
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
    if stale.is_empty() {
        return Ok(known);
    }
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
