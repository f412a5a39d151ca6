//! Settings: defaults, overridden by the TOML config file, overridden by flags and
//! `PSUJOBS_*` environment variables (clap reads those in `cli.rs`).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::pwsh_location::default_pwsh;

/// Per-script settings, named as PSU names them (`MaxHistory`, `TimeOut`…), keyed in the
/// file by the script's path relative to the repository (`[scripts."folder/a.ps1"]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default, deny_unknown_fields)]
pub struct ScriptSettings {
    pub max_history: i64,
    /// Minutes; 0 means no limit. Fractions are allowed.
    pub time_out: f64,
    /// 0 means no limit.
    pub concurrent_jobs: usize,
    pub discard_pipeline: bool,
    /// Times a Failed job runs again before it stays Failed.
    pub retry_limit: u32,
    /// The folder jobs run in; relative to the repository unless absolute.
    pub working_directory: Option<PathBuf>,
    /// The job's `$ErrorActionPreference` (`Stop` makes any error end the job Failed).
    pub script_error_action: Option<ErrorAction>,
    pub environment: Option<String>,
    pub credential: Option<String>,
    /// Roles allowed to run the script; empty means every role that may run scripts.
    pub roles: Vec<String>,
    /// Only other jobs may run the script (`-Integrated`), not a person or a REST client.
    pub disable_manual_invocation: bool,
    /// Jobs run the PowerShell profiles first, as a console does.
    pub load_profile: bool,
    pub description: Option<String>,
    pub tags: Vec<String>,
}

impl Default for ScriptSettings {
    fn default() -> Self {
        Self {
            max_history: 100,
            time_out: 0.0,
            concurrent_jobs: 0,
            discard_pipeline: false,
            retry_limit: 0,
            working_directory: None,
            script_error_action: None,
            environment: None,
            credential: None,
            roles: Vec::new(),
            disable_manual_invocation: false,
            load_profile: false,
            description: None,
            tags: Vec::new(),
        }
    }
}

/// The `ScriptErrorAction` values a job can run under (PSU's `Suspend` and `Break` have no
/// meaning in a job: PowerShell 7 refuses the first as a preference, and the second would
/// wait for a debugger no one attaches).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorAction {
    SilentlyContinue,
    Stop,
    Continue,
    Inquire,
    Ignore,
}

impl ErrorAction {
    pub fn name(self) -> &'static str {
        match self {
            ErrorAction::SilentlyContinue => "SilentlyContinue",
            ErrorAction::Stop => "Stop",
            ErrorAction::Continue => "Continue",
            ErrorAction::Inquire => "Inquire",
            ErrorAction::Ignore => "Ignore",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EnvironmentKind {
    #[default]
    Powershell,
    Minimal,
}

/// A named environment: which executable runs jobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EnvironmentConfig {
    pub kind: EnvironmentKind,
    pub executable: PathBuf,
    /// Replaces the default `-s -NoLogo -NoProfile` for PowerShell.
    pub args: Option<Vec<String>>,
    pub variables: BTreeMap<String, String>,
}

impl Default for EnvironmentConfig {
    fn default() -> Self {
        Self {
            kind: EnvironmentKind::Powershell,
            executable: default_pwsh(),
            args: None,
            variables: BTreeMap::new(),
        }
    }
}

/// The file, every key optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<SocketAddr>,
    pub data: Option<PathBuf>,
    pub database: Option<String>,
    pub repository: Option<PathBuf>,
    pub concurrent_jobs: Option<usize>,
    pub groom_days: Option<u32>,
    pub groom_interval_seconds: Option<u64>,
    pub job_run_id: Option<bool>,
    pub max_body_bytes: Option<usize>,
    pub default_environment: Option<String>,
    pub pwsh: Option<PathBuf>,
    pub warm_processes: Option<usize>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub environments: BTreeMap<String, EnvironmentConfig>,
    pub scripts: BTreeMap<String, ScriptSettings>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the config file {path} is invalid: {source}")]
    Parse {
        path: String,
        source: toml::de::Error,
    },
    #[error("default environment {0:?} is not defined")]
    UnknownEnvironment(String),
    #[error("HTTPS needs both a certificate and a key: {0} is set, {1} is not")]
    TlsIncomplete(&'static str, &'static str),
}

impl FileConfig {
    /// Reads `path`; a missing file is only an error when it was named explicitly.
    pub fn load(path: &Path, explicit: bool) -> Result<Self, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
                return Ok(Self::default());
            }
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.display().to_string(),
            source,
        })
    }
}

/// The PEM files HTTPS serves with: the certificate chain (leaf first) and its private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl TlsFiles {
    /// Both files or neither: one alone is a mistake worth stopping for, not a quiet fall back
    /// to HTTP.
    pub fn pair(cert: Option<PathBuf>, key: Option<PathBuf>) -> Result<Option<Self>, ConfigError> {
        match (cert, key) {
            (Some(cert), Some(key)) => Ok(Some(Self { cert, key })),
            (None, None) => Ok(None),
            (Some(_), None) => Err(ConfigError::TlsIncomplete("the certificate", "the key")),
            (None, Some(_)) => Err(ConfigError::TlsIncomplete("the key", "the certificate")),
        }
    }
}

/// The effective settings of a running server.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    /// HTTPS when set, else plain HTTP.
    pub tls: Option<TlsFiles>,
    pub data_dir: PathBuf,
    /// A PostgreSQL connection string; jobs are then kept there instead of in SQLite in
    /// `data_dir` (which still holds the key file and the first admin token).
    pub database: Option<String>,
    pub repository: PathBuf,
    /// Server-wide limit of running jobs; 0 means no limit.
    pub concurrent_jobs: usize,
    pub groom_days: u32,
    pub groom_interval: Duration,
    /// When on, jobs are addressed only by run id; numeric ids answer 404.
    pub job_run_id: bool,
    pub max_body_bytes: usize,
    pub default_environment: String,
    pub environments: BTreeMap<String, EnvironmentConfig>,
    pub scripts: BTreeMap<String, ScriptSettings>,
    /// The PowerShell used for parsing scripts and for the built-in `pwsh` environment.
    pub pwsh: PathBuf,
    /// PowerShell processes kept started per environment so jobs skip the cold start.
    pub warm_processes: usize,
}

impl Settings {
    pub fn script(&self, full_path: &str) -> ScriptSettings {
        self.scripts.get(full_path).cloned().unwrap_or_default()
    }

    /// Names of the settings fixed while a server runs that differ between `self` and `other`.
    pub fn fixed_differences(&self, other: &Settings) -> Vec<&'static str> {
        let fixed = [
            ("listen", self.listen != other.listen),
            ("tls", self.tls != other.tls),
            ("data", self.data_dir != other.data_dir),
            ("database", self.database != other.database),
            ("repository", self.repository != other.repository),
            (
                "max_body_bytes",
                self.max_body_bytes != other.max_body_bytes,
            ),
        ];
        fixed
            .into_iter()
            .filter_map(|(name, changed)| changed.then_some(name))
            .collect()
    }

    /// Fills the built-in `pwsh` environment and checks references.
    pub fn finish(mut self) -> Result<Self, ConfigError> {
        let pwsh = self.pwsh.clone();
        self.environments
            .entry("pwsh".into())
            .or_insert_with(|| EnvironmentConfig {
                executable: pwsh,
                ..EnvironmentConfig::default()
            });
        if !self.environments.contains_key(&self.default_environment) {
            return Err(ConfigError::UnknownEnvironment(
                self.default_environment.clone(),
            ));
        }
        Ok(self)
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 5000)),
            tls: None,
            data_dir: PathBuf::from(".psujobs"),
            database: None,
            repository: PathBuf::from("scripts"),
            concurrent_jobs: 10,
            groom_days: 30,
            groom_interval: Duration::from_secs(3600),
            job_run_id: false,
            max_body_bytes: 1 << 20,
            default_environment: "pwsh".into(),
            environments: BTreeMap::new(),
            scripts: BTreeMap::new(),
            pwsh: default_pwsh(),
            warm_processes: 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_with_scripts_and_environments() {
        let file: FileConfig = toml::from_str(
            r#"
            concurrent_jobs = 3
            [environments.other]
            executable = "/opt/pwsh"
            [scripts."a/b.ps1"]
            MaxHistory = 5
            TimeOut = 0.5
            Tags = ["x"]
            "#,
        )
        .unwrap();
        assert_eq!(file.concurrent_jobs, Some(3));
        let s = &file.scripts["a/b.ps1"];
        assert_eq!((s.max_history, s.time_out, s.concurrent_jobs), (5, 0.5, 0));
        assert!(toml::from_str::<FileConfig>("[scripts.\"x\"]\nMaxHistry = 1").is_err());
        let stop: FileConfig = toml::from_str("[scripts.x]\nScriptErrorAction = 'Stop'").unwrap();
        assert_eq!(
            stop.scripts["x"].script_error_action,
            Some(ErrorAction::Stop)
        );
        let refused = toml::from_str::<FileConfig>("[scripts.x]\nScriptErrorAction = 'Suspend'");
        assert!(
            refused
                .unwrap_err()
                .to_string()
                .contains("unknown variant `Suspend`")
        );
    }

    #[test]
    fn finish_adds_pwsh_and_checks_default() {
        let s = Settings::default().finish().unwrap();
        assert!(s.environments.contains_key("pwsh"));
        let bad = Settings {
            default_environment: "nope".into(),
            ..Settings::default()
        };
        assert!(matches!(
            bad.finish(),
            Err(ConfigError::UnknownEnvironment(_))
        ));
    }

    #[test]
    fn tls_needs_both_files() {
        let (cert, key) = (Some(PathBuf::from("c.pem")), Some(PathBuf::from("k.pem")));
        assert_eq!(TlsFiles::pair(None, None).unwrap(), None);
        assert_eq!(
            TlsFiles::pair(cert.clone(), key.clone()).unwrap(),
            Some(TlsFiles {
                cert: "c.pem".into(),
                key: "k.pem".into()
            })
        );
        let alone = TlsFiles::pair(cert, None).unwrap_err().to_string();
        assert!(
            alone.contains("the certificate is set, the key is not"),
            "{alone}"
        );
        assert!(TlsFiles::pair(None, key).is_err());
        let file: FileConfig =
            toml::from_str("tls_cert = \"/etc/c.pem\"\ntls_key = \"/etc/k.pem\"").unwrap();
        assert_eq!(file.tls_key, Some(PathBuf::from("/etc/k.pem")));
    }
}
