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

/// A response read against the prompt it answers ([`JobFeedback::read`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// `Read-Host`, with or without `-AsSecureString`.
    Text(String),
    /// An index into the prompt's `choices`.
    Choice(i32),
    /// Every field's text by name; a credential field's password is under `Password`.
    Fields(BTreeMap<String, String>),
    /// `Get-Credential`: the user name, when one was given, and the password.
    Credential {
        user: Option<String>,
        password: String,
    },
}

impl JobFeedback {
    /// Reads `response` as the answer to this prompt, or says why it is none. Checked before
    /// the prompt is taken off the job, so that an answer that does not fit is refused and the
    /// prompt keeps waiting for one that does.
    pub fn read(&self, response: FeedbackResponse) -> Result<Answer, String> {
        let FeedbackResponse {
            response: text,
            responses,
            choice,
        } = response;
        let mut responses = responses.unwrap_or_default();
        match self.kind {
            FeedbackKind::ReadLine | FeedbackKind::SecureString => text
                .or_else(|| responses.into_values().next())
                .map(Answer::Text)
                .ok_or_else(|| "this prompt takes its answer as response".into()),
            FeedbackKind::Choice => {
                let index = match (choice, text) {
                    (Some(index), _) => index,
                    (None, Some(text)) => self.choice_named(&text)?,
                    (None, None) => return Err("this prompt takes its answer as choice".into()),
                };
                if usize::try_from(index).is_ok_and(|i| i < self.choices.len()) {
                    Ok(Answer::Choice(index))
                } else {
                    Err(format!(
                        "choice {index} is not one of {}",
                        self.choice_list()
                    ))
                }
            }
            FeedbackKind::Prompt => {
                // A single-field prompt (`Read-Host -Prompt x`) may be answered with `response`.
                if let (Some(text), [only]) = (text, self.fields.as_slice()) {
                    responses.entry(only.name.clone()).or_insert(text);
                }
                let missing: Vec<&str> = self
                    .fields
                    .iter()
                    .filter(|f| !responses.contains_key(&f.name))
                    .map(|f| f.name.as_str())
                    .collect();
                if missing.is_empty() {
                    Ok(Answer::Fields(responses))
                } else {
                    Err(format!("responses has no value for {}", quoted(&missing)))
                }
            }
            FeedbackKind::Credential => {
                let password = responses
                    .remove("Password")
                    .or(text)
                    .ok_or("this prompt takes the password as responses.Password")?;
                let user = responses.remove("User").filter(|u| !u.is_empty());
                Ok(Answer::Credential { user, password })
            }
        }
    }

    /// The choice a text answer names: its index, its label (the `&` hot-key marker may be
    /// left out; any case), or nothing for the default.
    fn choice_named(&self, text: &str) -> Result<i32, String> {
        let text = text.trim();
        if text.is_empty() {
            return self
                .default_choice
                .ok_or_else(|| "this prompt has no default choice".into());
        }
        if let Ok(index) = text.parse() {
            return Ok(index);
        }
        self.choices
            .iter()
            .position(|c| c.label.replace('&', "").eq_ignore_ascii_case(text))
            .and_then(|i| i32::try_from(i).ok())
            .ok_or_else(|| format!("{text:?} is not one of {}", self.choice_list()))
    }

    fn choice_list(&self) -> String {
        let labels: Vec<String> = self
            .choices
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{i} ({})", c.label.replace('&', "")))
            .collect();
        labels.join(", ")
    }
}

fn quoted(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
    quoted.join(", ")
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

    fn prompt(kind: FeedbackKind, fields: &[&str]) -> JobFeedback {
        JobFeedback {
            kind,
            choices: ["&Yes", "&No"]
                .map(|label| FeedbackChoice {
                    label: label.into(),
                    help_message: None,
                })
                .to_vec(),
            default_choice: Some(1),
            fields: fields
                .iter()
                .map(|name| FeedbackField {
                    name: (*name).into(),
                    ..FeedbackField::default()
                })
                .collect(),
            ..JobFeedback::default()
        }
    }

    fn text(s: &str) -> FeedbackResponse {
        FeedbackResponse {
            response: Some(s.into()),
            ..FeedbackResponse::default()
        }
    }

    fn responses(pairs: &[(&str, &str)]) -> FeedbackResponse {
        FeedbackResponse {
            responses: Some(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            ..FeedbackResponse::default()
        }
    }

    #[test]
    fn answers_are_read_against_their_prompt() {
        let read_line = prompt(FeedbackKind::ReadLine, &[]);
        assert_eq!(read_line.read(text("a")), Ok(Answer::Text("a".into())));
        assert_eq!(
            read_line.read(responses(&[("x", "b")])),
            Ok(Answer::Text("b".into()))
        );
        assert!(read_line.read(FeedbackResponse::default()).is_err());

        let choice = prompt(FeedbackKind::Choice, &[]);
        let chosen = |r| choice.read(r);
        let pick = |n| FeedbackResponse {
            choice: Some(n),
            ..FeedbackResponse::default()
        };
        assert_eq!(chosen(pick(0)), Ok(Answer::Choice(0)));
        assert_eq!(chosen(text(" 1 ")), Ok(Answer::Choice(1)));
        assert_eq!(chosen(text("yes")), Ok(Answer::Choice(0)));
        assert_eq!(chosen(text("")), Ok(Answer::Choice(1)));
        assert_eq!(
            chosen(pick(2)),
            Err("choice 2 is not one of 0 (Yes), 1 (No)".into())
        );
        assert_eq!(
            chosen(text("maybe")),
            Err("\"maybe\" is not one of 0 (Yes), 1 (No)".into())
        );
        assert!(chosen(responses(&[("a", "0")])).is_err());

        let one = prompt(FeedbackKind::Prompt, &["Name"]);
        let fields = |pairs: &[(&str, &str)]| {
            Answer::Fields(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )
        };
        assert_eq!(one.read(text("n")), Ok(fields(&[("Name", "n")])));
        let two = prompt(FeedbackKind::Prompt, &["A", "B"]);
        assert_eq!(
            two.read(responses(&[("A", "1"), ("B", "2")])),
            Ok(fields(&[("A", "1"), ("B", "2")]))
        );
        assert_eq!(
            two.read(text("1")),
            Err("responses has no value for \"A\", \"B\"".into())
        );

        let credential = prompt(FeedbackKind::Credential, &["User", "Password"]);
        assert_eq!(
            credential.read(responses(&[("User", ""), ("Password", "pw")])),
            Ok(Answer::Credential {
                user: None,
                password: "pw".into()
            })
        );
        assert_eq!(
            credential.read(responses(&[("User", "u")])),
            Err("this prompt takes the password as responses.Password".into())
        );
    }
}
