//! What to run: a script file or script text, its named parameters, and per-job
//! environment variables.

use std::path::PathBuf;

use clixml::Value;
use secrecy::SecretString;

use crate::error::{Error, Result};
use crate::host::Credential;
use crate::host_call::{SecretSealer, credential};

#[derive(Debug, Clone)]
pub enum ScriptSource {
    /// A `.ps1` run as a command: parameters bind to its `param()` block; `exit N` sets the
    /// exit code.
    File(PathBuf),
    /// Script text run as a script block: parameters bind to its `param()` block.
    Text(String),
}

/// One parameter value.
#[derive(Debug, Clone)]
pub enum ParamValue {
    /// A value tree (`Value::Bool(true)` for a switch).
    Value(Value),
    /// One CliXml fragment in remoting form (no `<Objs>` root), e.g. as stored by a caller.
    CliXml(String),
    /// Reaches the script as a `SecureString`.
    SecureString(SecretString),
    /// Reaches the script as a `PSCredential`.
    Credential(Credential),
    /// A value tree whose `SecureString` leaves hold plaintext (e.g. a hashtable holding a
    /// credential, as decoded from Export-Clixml and unprotected); each is sealed.
    Secured(Value),
}

#[derive(Debug, Clone)]
pub struct Invocation {
    pub script: ScriptSource,
    pub parameters: Vec<(String, ParamValue)>,
    /// Environment variables set in the job's process before the script runs. With a warm
    /// pool the process already exists, so they are applied inside it
    /// (`[Environment]::SetEnvironmentVariable`, which child processes inherit too).
    pub env: Vec<(String, String)>,
    /// Global variables set in the job's runspace before the script runs (PSU's `$UAJob`,
    /// `$UAJobId`, …), in the same helper call as `env`.
    pub variables: Vec<(String, Value)>,
    /// The folder the script runs in: PowerShell's location and the process's current
    /// directory (which .NET's file APIs resolve relative paths against), set in the same
    /// helper call. `None`: where the process started.
    pub location: Option<PathBuf>,
    /// Dot-source the PowerShell profiles (all users' and the user's, all hosts and the
    /// console's) in the job's pipeline before the script, as a console would at start.
    pub load_profile: bool,
}

impl Invocation {
    pub fn file(path: impl Into<PathBuf>) -> Invocation {
        Invocation {
            script: ScriptSource::File(path.into()),
            parameters: Vec::new(),
            env: Vec::new(),
            variables: Vec::new(),
            location: None,
            load_profile: false,
        }
    }

    pub fn text(script: impl Into<String>) -> Invocation {
        Invocation {
            script: ScriptSource::Text(script.into()),
            parameters: Vec::new(),
            env: Vec::new(),
            variables: Vec::new(),
            location: None,
            load_profile: false,
        }
    }

    pub fn param(mut self, name: impl Into<String>, value: ParamValue) -> Invocation {
        self.parameters.push((name.into(), value));
        self
    }

    pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> Invocation {
        self.env.push((name.into(), value.into()));
        self
    }
}

impl ParamValue {
    /// The wire value; secrets are sealed with the session key.
    pub(crate) async fn to_wire(&self, sealer: &dyn SecretSealer) -> Result<Value> {
        use secrecy::ExposeSecret;
        match self {
            ParamValue::Value(v) => Ok(v.clone()),
            ParamValue::CliXml(text) => {
                clixml::decode_fragment(text).map_err(|e| Error::Clixml(e.to_string()))
            }
            ParamValue::SecureString(s) => Ok(Value::SecureString(
                sealer.session_key().await?.encrypt(s.expose_secret()),
            )),
            ParamValue::Credential(c) => credential(sealer, c).await.map_err(Error::Crypto),
            ParamValue::Secured(v) => {
                let key = sealer.session_key().await?;
                let mut wire = v.clone();
                clixml::for_each_secure_string(&mut wire, &mut |text: &mut String| {
                    *text = key.encrypt(text);
                    Ok::<_, Error>(())
                })?;
                Ok(wire)
            }
        }
    }
}
