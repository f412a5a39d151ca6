//! `Script` and `ScriptParameter`.

use serde::{Deserialize, Serialize};

use crate::lenient::{null_default, string_list};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Script {
    pub id: i64,
    #[serde(deserialize_with = "null_default")]
    pub name: String,
    /// Relative to the repository, `/`-separated on our server (PSU may use `\`).
    #[serde(deserialize_with = "null_default")]
    pub full_path: String,
    pub description: Option<String>,
    #[serde(deserialize_with = "string_list")]
    pub tags: Vec<String>,
    pub environment: Option<String>,
    pub credential: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub max_history: i32,
    /// Minutes; 0 means no limit.
    #[serde(deserialize_with = "null_default")]
    pub time_out: f64,
    /// 0 means no limit.
    #[serde(deserialize_with = "null_default")]
    pub concurrent_jobs: i32,
    #[serde(deserialize_with = "null_default")]
    pub discard_pipeline: bool,
    /// Times a Failed job runs again before it stays Failed.
    #[serde(deserialize_with = "null_default")]
    pub retry_limit: i32,
    /// The folder jobs start in, as the settings give it.
    pub working_directory: Option<String>,
    /// The jobs' `$ErrorActionPreference`, when set.
    pub script_error_action: Option<String>,
    #[serde(deserialize_with = "string_list")]
    pub roles: Vec<String>,
    /// Only other jobs may run it (integrated calls), not people or REST clients.
    #[serde(deserialize_with = "null_default")]
    pub disable_manual_invocation: bool,
    /// Jobs run the PowerShell profiles before the script.
    #[serde(deserialize_with = "null_default")]
    pub load_profile: bool,
    pub content: Option<String>,
}

/// One parameter of a script's `param` block, as PowerShell's parser reads it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ScriptParameter {
    #[serde(deserialize_with = "null_default")]
    pub name: String,
    /// The .NET full name (`System.Int32`, `System.String[]`, an enum's name…).
    #[serde(rename = "type", deserialize_with = "null_default")]
    pub type_name: String,
    #[serde(deserialize_with = "null_default")]
    pub mandatory: bool,
    /// `None` when the parameter is named only.
    pub position: Option<i32>,
    pub parameter_set: Option<String>,
    pub help_message: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub validate_set: Vec<String>,
    /// The default value's source text.
    pub default_value: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub enum_values: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_sparse_psu_script() {
        let s: Script = serde_json::from_str(
            r#"{"id":3,"name":"a.ps1","fullPath":"x\\a.ps1","maxHistory":100,"timeOut":null,
            "tags":null,"content":"param()","somethingElse":true}"#,
        )
        .unwrap();
        assert_eq!((s.id, s.max_history, s.time_out), (3, 100, 0.0));
        assert_eq!(s.content.as_deref(), Some("param()"));
    }

    #[test]
    fn parameter_type_field_is_named_type() {
        let p = ScriptParameter {
            name: "N".into(),
            type_name: "System.Int32".into(),
            position: Some(0),
            ..Default::default()
        };
        let text = serde_json::to_string(&p).unwrap();
        assert!(text.contains(r#""type":"System.Int32""#));
        assert_eq!(serde_json::from_str::<ScriptParameter>(&text).unwrap(), p);
    }
}
