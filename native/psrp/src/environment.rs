//! Environments are data: which executable to start, how, and what it is for.

use std::path::PathBuf;

/// What kind of process an environment starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvKind {
    /// A PowerShell that speaks PSRP on stdin/stdout (`pwsh -s`, `powershell.exe -s`).
    PowerShell,
    /// Any executable; the job only captures its stdout and stderr lines.
    Minimal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    pub name: String,
    pub kind: EnvKind,
    pub executable: PathBuf,
    /// The complete argument list. For PowerShell it must put the process in server mode
    /// (see [`Environment::pwsh`]); for Windows PowerShell put `-Version 5.1` first.
    pub args: Vec<String>,
    pub working_dir: Option<PathBuf>,
    /// Variables added to (or overriding) the server's own environment for every process.
    pub env: Vec<(String, String)>,
}

impl Environment {
    /// A PowerShell environment started exactly as `Start-Job` starts it.
    pub fn pwsh(name: impl Into<String>, executable: impl Into<PathBuf>) -> Environment {
        Environment {
            name: name.into(),
            kind: EnvKind::PowerShell,
            executable: executable.into(),
            args: ["-s", "-NoLogo", "-NoProfile"].map(String::from).to_vec(),
            working_dir: None,
            env: Vec::new(),
        }
    }

    /// A minimal environment: `executable args…`, stdout/stderr captured line by line.
    pub fn minimal(
        name: impl Into<String>,
        executable: impl Into<PathBuf>,
        args: Vec<String>,
    ) -> Environment {
        Environment {
            name: name.into(),
            kind: EnvKind::Minimal,
            executable: executable.into(),
            args,
            working_dir: None,
            env: Vec::new(),
        }
    }
}
