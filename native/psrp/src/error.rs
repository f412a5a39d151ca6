//! The crate's error type: every failure names what went wrong in words a job log can show.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot start {}: {source}", executable.display())]
    Spawn {
        executable: PathBuf,
        source: std::io::Error,
    },
    #[error("I/O error talking to the PowerShell process: {0}")]
    Io(#[from] std::io::Error),
    /// The peer sent something this client cannot make sense of.
    #[error("PSRP protocol error: {0}")]
    Protocol(String),
    #[error("cannot decode a CliXml message body: {0}")]
    Clixml(String),
    /// The process ended (or was killed) while the operation needed it.
    #[error("the PowerShell process exited unexpectedly{}{}", exit_suffix(*code), stderr_suffix(stderr))]
    ProcessExited { code: Option<i32>, stderr: String },
    #[error("timed out after {seconds} s waiting for {what}")]
    Timeout { what: &'static str, seconds: u64 },
    /// The runspace pool reported Broken or failed to open.
    #[error("the runspace pool failed to open: {0}")]
    PoolBroken(String),
    #[error("SecureString encryption failed: {0}")]
    Crypto(String),
    /// An operation that needs a PowerShell session was asked of a `minimal` environment.
    #[error("environment {0:?} is a minimal environment and cannot host a PowerShell session")]
    NotPowerShell(String),
    #[error("the warm pool for {0:?} is shut down")]
    PoolClosed(String),
}

fn exit_suffix(code: Option<i32>) -> String {
    code.map(|c| format!(" with code {c}")).unwrap_or_default()
}

fn stderr_suffix(stderr: &str) -> String {
    if stderr.trim().is_empty() {
        String::new()
    } else {
        format!(": {}", stderr.trim())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
