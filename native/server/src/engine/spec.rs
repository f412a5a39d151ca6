//! What a queued job needs to start: everything resolved at submit time, so a job runs with
//! the settings it was accepted under.

use std::path::PathBuf;
use std::time::Duration;

use crate::config::{EnvironmentConfig, ErrorAction};

/// One parameter value as the runner hands it to PowerShell.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    /// A value tree: from a CliXml parameter, or converted from plain JSON (query-string
    /// values arrive as strings; PowerShell's parameter binding converts them to the
    /// declared type).
    Value(clixml::Value),
    /// A stored credential, passed as a `PSCredential`.
    Credential { user: String, password: String },
    /// A value tree holding SecureStrings (alone, in a `PSCredential`, or nested), their text
    /// the plaintext: sealed with the session key on the way to PowerShell, never shown.
    Secured(clixml::Value),
}

/// The account a job's process runs as (from a stored credential).
#[derive(Debug, Clone)]
pub struct RunAs {
    pub user: String,
}

#[derive(Debug, Clone)]
pub struct RunSpec {
    pub job_id: i64,
    pub script_file: PathBuf,
    pub script_full_path: String,
    pub parameters: Vec<(String, ParamValue)>,
    pub environment_name: String,
    pub environment: EnvironmentConfig,
    /// Per-job environment variables for the job's process (the engine adds the integrated
    /// channel's address and secret when the job starts).
    pub process_env: Vec<(String, String)>,
    /// Global PowerShell variables set before the script runs (PSU's `$UAJob`, `$UAJobId`,
    /// `$UAScript`, `$UAScriptId`), filled by the engine when the job starts.
    pub variables: Vec<(String, clixml::Value)>,
    pub run_as: Option<RunAs>,
    pub timeout: Option<Duration>,
    pub discard_pipeline: bool,
    /// Times a Failed run is run again (the script's `RetryLimit`).
    pub retry_limit: u32,
    /// The folder the script runs in (absolute), when its settings name one.
    pub location: Option<PathBuf>,
    /// `$ErrorActionPreference` for the script, when its settings set one.
    pub error_action: Option<ErrorAction>,
    /// Run the PowerShell profiles before the script (`LoadProfile`).
    pub load_profile: bool,
}
