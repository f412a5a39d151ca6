//! Queued jobs outlive the server. Each accepted job's run spec is kept in the store, sealed
//! whole with the data folder's key (its parameters may hold a credential's password or
//! SecureStrings), until the job starts; a server that starts again runs the jobs still
//! queued, oldest first, with the settings they were accepted under. A job that had started
//! is not run again: a script may not be safe to run twice.

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::{ParamValue, RunAs, RunSpec};
use crate::config::{EnvironmentConfig, ErrorAction};
use crate::secrets::SecretBox;

/// [`RunSpec`] as kept, but for what the engine fills in when the job starts.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Saved {
    script_file: PathBuf,
    script_full_path: String,
    parameters: Vec<SavedParam>,
    environment_name: String,
    environment: EnvironmentConfig,
    process_env: Vec<(String, String)>,
    run_as: Option<String>,
    timeout_seconds: Option<f64>,
    discard_pipeline: bool,
    retry_limit: u32,
    location: Option<PathBuf>,
    error_action: Option<ErrorAction>,
    load_profile: bool,
}

/// A parameter value; value trees as CliXml fragments.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
enum SavedParam {
    Value {
        name: String,
        clixml: String,
    },
    Credential {
        name: String,
        user: String,
        password: String,
    },
    Secured {
        name: String,
        clixml: String,
    },
}

/// The spec as the store keeps it: sealed JSON, in base64.
pub fn seal(spec: &RunSpec, secrets: &SecretBox) -> String {
    let parameters = spec
        .parameters
        .iter()
        .map(|(name, value)| {
            let name = name.clone();
            match value {
                ParamValue::Value(v) => SavedParam::Value {
                    name,
                    clixml: clixml::encode_fragment(v),
                },
                ParamValue::Credential { user, password } => SavedParam::Credential {
                    name,
                    user: user.clone(),
                    password: password.clone(),
                },
                ParamValue::Secured(v) => SavedParam::Secured {
                    name,
                    clixml: clixml::encode_fragment(v),
                },
            }
        })
        .collect();
    let saved = Saved {
        script_file: spec.script_file.clone(),
        script_full_path: spec.script_full_path.clone(),
        parameters,
        environment_name: spec.environment_name.clone(),
        environment: spec.environment.clone(),
        process_env: spec.process_env.clone(),
        run_as: spec.run_as.as_ref().map(|r| r.user.clone()),
        timeout_seconds: spec.timeout.map(|t| t.as_secs_f64()),
        discard_pipeline: spec.discard_pipeline,
        retry_limit: spec.retry_limit,
        location: spec.location.clone(),
        error_action: spec.error_action,
        load_profile: spec.load_profile,
    };
    let json = serde_json::to_vec(&saved).expect("a run spec serialises");
    STANDARD.encode(secrets.seal(&json))
}

/// The spec of job `job_id` from what [`seal`] made.
pub fn open(job_id: i64, sealed: &str, secrets: &SecretBox) -> Result<RunSpec, String> {
    let bytes = STANDARD
        .decode(sealed)
        .map_err(|e| format!("its kept run is not base64: {e}"))?;
    let json = secrets.open(&bytes).map_err(|e| e.to_string())?;
    let saved: Saved =
        serde_json::from_slice(&json).map_err(|e| format!("its kept run is unreadable: {e}"))?;
    let tree = |xml: &str| {
        clixml::decode_fragment(xml).map_err(|e| format!("a kept parameter is unreadable: {e}"))
    };
    let parameters = saved
        .parameters
        .into_iter()
        .map(|param| {
            Ok(match param {
                SavedParam::Value { name, clixml } => (name, ParamValue::Value(tree(&clixml)?)),
                SavedParam::Credential {
                    name,
                    user,
                    password,
                } => (name, ParamValue::Credential { user, password }),
                SavedParam::Secured { name, clixml } => (name, ParamValue::Secured(tree(&clixml)?)),
            })
        })
        .collect::<Result<_, String>>()?;
    Ok(RunSpec {
        job_id,
        script_file: saved.script_file,
        script_full_path: saved.script_full_path,
        parameters,
        environment_name: saved.environment_name,
        environment: saved.environment,
        process_env: saved.process_env,
        variables: Vec::new(),
        run_as: saved.run_as.map(|user| RunAs { user }),
        timeout: saved.timeout_seconds.map(Duration::from_secs_f64),
        discard_pipeline: saved.discard_pipeline,
        retry_limit: saved.retry_limit,
        location: saved.location,
        error_action: saved.error_action,
        load_profile: saved.load_profile,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> RunSpec {
        let secure = clixml::Value::SecureString("pin-1234".into());
        RunSpec {
            job_id: 0,
            script_file: "/repo/a.ps1".into(),
            script_full_path: "a.ps1".into(),
            parameters: vec![
                ("Count".into(), ParamValue::Value(clixml::Value::I32(5))),
                (
                    "Cred".into(),
                    ParamValue::Credential {
                        user: "svc".into(),
                        password: "pa55".into(),
                    },
                ),
                ("Pin".into(), ParamValue::Secured(secure)),
            ],
            environment_name: "7.6".into(),
            environment: EnvironmentConfig::default(),
            process_env: vec![("A".into(), "1".into())],
            variables: Vec::new(),
            run_as: Some(RunAs { user: "svc".into() }),
            timeout: Some(Duration::from_secs(90)),
            discard_pipeline: true,
            retry_limit: 3,
            location: Some("/repo/work".into()),
            error_action: Some(ErrorAction::Stop),
            load_profile: true,
        }
    }

    #[test]
    fn a_spec_comes_back_whole_and_its_secrets_are_not_readable_kept() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = SecretBox::open_or_create(dir.path()).unwrap();
        let sealed = seal(&spec(), &secrets);
        let bytes = STANDARD.decode(&sealed).unwrap();
        for secret in ["pa55", "pin-1234", "a.ps1"] {
            assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()));
        }
        let opened = open(7, &sealed, &secrets).unwrap();
        let expected = RunSpec {
            job_id: 7,
            ..spec()
        };
        assert_eq!(format!("{opened:?}"), format!("{expected:?}"));
    }

    #[test]
    fn a_spec_sealed_with_another_key_is_refused_with_the_reason() {
        let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let sealed = seal(&spec(), &SecretBox::open_or_create(one.path()).unwrap());
        let other = SecretBox::open_or_create(two.path()).unwrap();
        let why = open(1, &sealed, &other).unwrap_err();
        assert!(why.contains("another key"), "{why}");
        assert!(
            open(1, "not base64!", &other)
                .unwrap_err()
                .contains("base64")
        );
    }
}
