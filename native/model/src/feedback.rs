//! A job's pending prompt (`Read-Host`, choice, credential) and the answer to it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_repr::{Deserialize_repr, Serialize_repr};
use uuid::Uuid;

use crate::lenient::{null_default, opt_time};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize_repr, Deserialize_repr)]
#[repr(i32)]
pub enum FeedbackKind {
    /// `Read-Host`
    #[default]
    ReadLine = 0,
    /// `Read-Host -AsSecureString`
    SecureString = 1,
    /// `$Host.UI.PromptForChoice`
    Choice = 2,
    /// `$Host.UI.Prompt` (several fields), e.g. a mandatory parameter prompt
    Prompt = 3,
    /// `Get-Credential`
    Credential = 4,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FeedbackChoice {
    #[serde(deserialize_with = "null_default")]
    pub label: String,
    pub help_message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FeedbackField {
    #[serde(deserialize_with = "null_default")]
    pub name: String,
    #[serde(rename = "type", deserialize_with = "null_default")]
    pub type_name: String,
    #[serde(deserialize_with = "null_default")]
    pub is_secure: bool,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JobFeedback {
    pub job_id: i64,
    pub run_id: Option<Uuid>,
    /// Identifies this prompt; a job prompts once at a time.
    pub id: i64,
    pub kind: FeedbackKind,
    #[serde(deserialize_with = "null_default")]
    pub message: String,
    pub caption: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub choices: Vec<FeedbackChoice>,
    pub default_choice: Option<i32>,
    #[serde(deserialize_with = "null_default")]
    pub fields: Vec<FeedbackField>,
    #[serde(deserialize_with = "opt_time")]
    pub created_time: Option<DateTime<Utc>>,
}

/// Body of `POST /job/{id}/feedback`: one of the three forms, chosen by the prompt's kind.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FeedbackResponse {
    #[serde(alias = "Response", skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    /// Field name → value, for a multi-field prompt or a credential (`User`, `Password`).
    #[serde(alias = "Responses", skip_serializing_if = "Option::is_none")]
    pub responses: Option<BTreeMap<String, String>>,
    /// Index into `choices`.
    #[serde(alias = "Choice", skip_serializing_if = "Option::is_none")]
    pub choice: Option<i32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feedback_shapes() {
        let f = JobFeedback {
            job_id: 1,
            kind: FeedbackKind::Choice,
            choices: vec![FeedbackChoice {
                label: "&Yes".into(),
                help_message: None,
            }],
            default_choice: Some(0),
            ..Default::default()
        };
        let text = serde_json::to_string(&f).unwrap();
        assert!(text.contains(r#""kind":2"#) && text.contains(r#""defaultChoice":0"#));
        assert_eq!(serde_json::from_str::<JobFeedback>(&text).unwrap(), f);

        let r: FeedbackResponse = serde_json::from_str(r#"{"Response":"hi"}"#).unwrap();
        assert_eq!(r.response.as_deref(), Some("hi"));
        let r: FeedbackResponse = serde_json::from_str(r#"{"choice":1}"#).unwrap();
        assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"choice":1}"#);
    }
}
