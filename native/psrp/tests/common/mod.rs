//! Shared by the integration tests: where pwsh is, a scripted host, event collection.
#![allow(dead_code)] // each test binary uses a different subset

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use psrp::{
    Choice, Credential, Environment, Event, FieldDescription, FieldValue, Host, HostError,
    Invocation, NoHost, Outcome, SecretString, Session,
};

/// pwsh from `PSUJOBS_PWSH`, `PATH`, or the dotnet tool location.
pub fn pwsh() -> PathBuf {
    if let Some(p) = std::env::var_os("PSUJOBS_PWSH") {
        return PathBuf::from(p);
    }
    let candidates = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("pwsh"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let home_tool = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".dotnet/tools/pwsh"));
    candidates
        .into_iter()
        .chain(home_tool)
        .find(|p| p.is_file())
        .expect("pwsh not found: set PSUJOBS_PWSH")
}

pub fn env() -> Environment {
    Environment::pwsh("pwsh", pwsh())
}

/// Runs `invocation` in a fresh session and collects every event and the outcome.
pub async fn run(invocation: Invocation, host: Arc<dyn Host>) -> (Vec<Event>, Outcome) {
    let session = Session::open(&env()).await.expect("open session");
    let mut handle = session.run(invocation, host).await.expect("start run");
    let mut events = Vec::new();
    while let Some(e) = handle.next_event().await {
        events.push(e);
    }
    (events, handle.outcome().await.expect("outcome"))
}

pub async fn run_text(script: &str) -> (Vec<Event>, Outcome) {
    run(Invocation::text(script), Arc::new(NoHost)).await
}

/// Output objects decoded to their display text.
pub fn outputs(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Output(o) => Some(display(&o.decode().expect("decode output"))),
            _ => None,
        })
        .collect()
}

pub fn display(v: &clixml::Value) -> String {
    match v {
        clixml::Value::Str(s) => s.clone(),
        clixml::Value::Object(o) => o.to_string.clone().unwrap_or_default(),
        other => other
            .as_i64()
            .map(|n| n.to_string())
            .unwrap_or_else(|| format!("{other:?}")),
    }
}

/// Is a process with this pid still around (and not a zombie)?
pub fn process_alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.contains(") Z "))
        .unwrap_or(false)
}

/// Whether the process group `pgid` (the job's tree) empties within a second. A group kill
/// is asynchronous: a big process can take a moment to be torn down after its leader is
/// reaped, but one that survives the kill is still there a second later.
pub fn group_gone(pgid: u32) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
    while !group_members(pgid).is_empty() {
        if std::time::Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    true
}

/// Processes whose process group is `pgid`.
fn group_members(pgid: u32) -> Vec<u32> {
    let mut members = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // Fields after the parenthesised command: state ppid pgrp …
        let Some(after) = stat.rsplit_once(") ").map(|(_, a)| a) else {
            continue;
        };
        let fields: Vec<&str> = after.split_whitespace().collect();
        if fields.first() != Some(&"Z") && fields.get(2) == Some(&pgid.to_string().as_str()) {
            members.push(pid);
        }
    }
    members
}

/// A host that answers from a script and records what it was asked.
#[derive(Default)]
pub struct ScriptedHost {
    pub lines: Mutex<Vec<String>>,
    pub secure: Mutex<Vec<String>>,
    pub choice: Mutex<Option<i32>>,
    pub credential: Mutex<Option<(String, String)>>,
    pub asked: Mutex<Vec<String>>,
}

#[async_trait::async_trait]
impl Host for ScriptedHost {
    async fn read_line(&self) -> Result<String, HostError> {
        self.asked.lock().unwrap().push("read_line".into());
        self.lines
            .lock()
            .unwrap()
            .pop()
            .ok_or_else(|| HostError("no more lines".into()))
    }

    async fn read_line_secure(&self) -> Result<SecretString, HostError> {
        self.asked.lock().unwrap().push("read_line_secure".into());
        let s = self.secure.lock().unwrap().pop();
        s.map(SecretString::from)
            .ok_or_else(|| HostError("no more secrets".into()))
    }

    async fn prompt(
        &self,
        caption: &str,
        message: &str,
        fields: &[FieldDescription],
    ) -> Result<Vec<(String, FieldValue)>, HostError> {
        self.asked
            .lock()
            .unwrap()
            .push(format!("prompt:{caption}:{message}"));
        let mut answers = Vec::new();
        for f in fields {
            self.asked
                .lock()
                .unwrap()
                .push(format!("field:{}:{}", f.name, f.parameter_type));
            let line = self.lines.lock().unwrap().pop().unwrap_or_default();
            let value = if f.is_secure() {
                FieldValue::Secure(SecretString::from(line))
            } else {
                FieldValue::Text(line)
            };
            answers.push((f.name.clone(), value));
        }
        Ok(answers)
    }

    async fn prompt_for_choice(
        &self,
        caption: &str,
        message: &str,
        choices: &[Choice],
        default: i32,
    ) -> Result<i32, HostError> {
        let labels: Vec<&str> = choices.iter().map(|c| c.label.as_str()).collect();
        self.asked.lock().unwrap().push(format!(
            "choice:{caption}:{message}:{}:{default}",
            labels.join("|")
        ));
        self.choice
            .lock()
            .unwrap()
            .ok_or_else(|| HostError("no choice".into()))
    }

    async fn prompt_for_credential(
        &self,
        caption: &str,
        _message: &str,
        user_name: &str,
        _target_name: &str,
    ) -> Result<Credential, HostError> {
        self.asked
            .lock()
            .unwrap()
            .push(format!("credential:{caption}:{user_name}"));
        let (user, password) = self
            .credential
            .lock()
            .unwrap()
            .clone()
            .ok_or_else(|| HostError("no credential".into()))?;
        Ok(Credential {
            user_name: user,
            password: SecretString::from(password),
        })
    }
}

/// Writes `text` to a fresh `.ps1` under the temp directory.
pub fn script_file(text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join("psujobs-psrp-tests");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{}.ps1", uuid::Uuid::new_v4()));
    std::fs::write(&path, text).expect("write script");
    path
}
