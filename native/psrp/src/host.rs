//! The caller's side of host calls: what a script asks interactively (`Read-Host`,
//! `Read-Host -AsSecureString`, prompts, choices, `Get-Credential`) and how the answer goes
//! back (design psrp.md §5).

use async_trait::async_trait;
use secrecy::SecretString;

/// Why the host could not answer. The script sees it as an exception from the host call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HostError(pub String);

impl HostError {
    fn not_supported(what: &str) -> HostError {
        HostError(format!("this host does not support {what}"))
    }
}

/// One field of a `Prompt` call (`Read-Host -Prompt`, missing mandatory parameters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDescription {
    pub name: String,
    pub label: String,
    /// The .NET type the script wants, e.g. `System.String`, `System.Security.SecureString`.
    pub parameter_type: String,
    pub help_message: String,
    pub is_mandatory: bool,
}

impl FieldDescription {
    pub fn is_secure(&self) -> bool {
        self.parameter_type == "System.Security.SecureString"
    }

    pub fn is_credential(&self) -> bool {
        self.parameter_type == "System.Management.Automation.PSCredential"
    }
}

/// The answer for one prompt field.
#[derive(Debug, Clone)]
pub enum FieldValue {
    Text(String),
    Secure(SecretString),
    Credential(Credential),
}

/// One choice of `PromptForChoice` (`&Yes` style labels as the script wrote them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub label: String,
    pub help_message: String,
}

#[derive(Debug, Clone)]
pub struct Credential {
    pub user_name: String,
    pub password: SecretString,
}

/// Output a script wrote straight to the host (`$host.UI.Write*`, and the display echo of
/// `Write-Host`/`Write-Warning`/… — see [`crate::Event::HostWrite`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostWrite {
    pub kind: HostWriteKind,
    pub text: String,
    /// True when the text ends a line (`WriteLine*`, `Write*Line`).
    pub newline: bool,
    /// `$host.UI.Write(fg, bg, text)` / `WriteLine(fg, bg, text)`: the `ConsoleColor`s, as
    /// sent (their numeric values).
    pub foreground_color: Option<String>,
    pub background_color: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostWriteKind {
    Output,
    Error,
    Warning,
    Verbose,
    Debug,
}

/// Answers a running script's interactive requests. Every method may take as long as it
/// needs (the script waits); an `Err` is raised in the script as an exception. Methods not
/// overridden refuse, which is what a non-interactive host does.
#[async_trait]
pub trait Host: Send + Sync {
    /// `Read-Host` (no `-Prompt`).
    async fn read_line(&self) -> Result<String, HostError> {
        Err(HostError::not_supported("Read-Host"))
    }

    /// `Read-Host -AsSecureString` / `-MaskInput`.
    async fn read_line_secure(&self) -> Result<SecretString, HostError> {
        Err(HostError::not_supported("Read-Host -AsSecureString"))
    }

    /// `Read-Host -Prompt …` and prompts for missing mandatory parameters: one answer per
    /// field, by field name.
    async fn prompt(
        &self,
        _caption: &str,
        _message: &str,
        _fields: &[FieldDescription],
    ) -> Result<Vec<(String, FieldValue)>, HostError> {
        Err(HostError::not_supported("prompts"))
    }

    /// `$host.UI.PromptForChoice`, `-Confirm`: the index of the chosen choice.
    async fn prompt_for_choice(
        &self,
        _caption: &str,
        _message: &str,
        _choices: &[Choice],
        _default: i32,
    ) -> Result<i32, HostError> {
        Err(HostError::not_supported("PromptForChoice"))
    }

    /// `Get-Credential`, `$host.UI.PromptForCredential`.
    async fn prompt_for_credential(
        &self,
        _caption: &str,
        _message: &str,
        _user_name: &str,
        _target_name: &str,
    ) -> Result<Credential, HostError> {
        Err(HostError::not_supported("PromptForCredential"))
    }
}

/// A host that answers nothing: for jobs that must never wait on a person.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoHost;

impl Host for NoHost {}
