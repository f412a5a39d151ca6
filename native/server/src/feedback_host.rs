//! Answers a job's host calls (`Read-Host`, `PromptForChoice`, `Prompt`, `Get-Credential`)
//! with feedback given over REST: each call becomes the job's pending prompt, and the answer,
//! already read against that prompt ([`model::JobFeedback::read`]), becomes the call's result.

use std::sync::Arc;

use async_trait::async_trait;
use model::{Answer, FeedbackChoice, FeedbackField, FeedbackKind, JobFeedback};
use psrp::{Choice, Credential, FieldDescription, FieldValue, Host, HostError, SecretString};

use crate::engine::JobSink;

pub struct FeedbackHost {
    pub sink: Arc<JobSink>,
}

impl FeedbackHost {
    async fn ask(&self, feedback: JobFeedback) -> Result<Answer, HostError> {
        self.sink
            .ask(feedback)
            .await
            .ok_or_else(|| HostError("the job was stopped while waiting for feedback".into()))
    }

    async fn text(&self, kind: FeedbackKind) -> Result<String, HostError> {
        match self
            .ask(JobFeedback {
                kind,
                ..JobFeedback::default()
            })
            .await?
        {
            Answer::Text(text) => Ok(text),
            other => Err(unfit(&other)),
        }
    }
}

/// An answer of another kind than the prompt's: [`JobFeedback::read`] never gives one.
fn unfit(answer: &Answer) -> HostError {
    HostError(format!("the answer {answer:?} does not fit the prompt"))
}

#[async_trait]
impl Host for FeedbackHost {
    async fn read_line(&self) -> Result<String, HostError> {
        self.text(FeedbackKind::ReadLine).await
    }

    async fn read_line_secure(&self) -> Result<SecretString, HostError> {
        Ok(SecretString::from(
            self.text(FeedbackKind::SecureString).await?,
        ))
    }

    async fn prompt(
        &self,
        caption: &str,
        message: &str,
        fields: &[FieldDescription],
    ) -> Result<Vec<(String, FieldValue)>, HostError> {
        let answer = self
            .ask(JobFeedback {
                kind: FeedbackKind::Prompt,
                caption: Some(caption.into()).filter(|c: &String| !c.is_empty()),
                message: message.into(),
                fields: fields
                    .iter()
                    .map(|f| FeedbackField {
                        name: f.name.clone(),
                        type_name: f.parameter_type.clone(),
                        is_secure: f.is_secure(),
                    })
                    .collect(),
                ..JobFeedback::default()
            })
            .await?;
        let Answer::Fields(responses) = answer else {
            return Err(unfit(&answer));
        };
        let value_of = |name: &str| responses.get(name).cloned();
        fields
            .iter()
            .map(|f| {
                let text = value_of(&f.name).ok_or_else(|| {
                    HostError(format!("the answer has no value for {:?}", f.name))
                })?;
                let value = if f.is_secure() {
                    FieldValue::Secure(SecretString::from(text))
                } else if f.is_credential() {
                    FieldValue::Credential(Credential {
                        user_name: text,
                        password: SecretString::from(value_of("Password").unwrap_or_default()),
                    })
                } else {
                    FieldValue::Text(text)
                };
                Ok((f.name.clone(), value))
            })
            .collect()
    }

    async fn prompt_for_choice(
        &self,
        caption: &str,
        message: &str,
        choices: &[Choice],
        default: i32,
    ) -> Result<i32, HostError> {
        let answer = self
            .ask(JobFeedback {
                kind: FeedbackKind::Choice,
                caption: Some(caption.into()),
                message: message.into(),
                choices: choices
                    .iter()
                    .map(|c| FeedbackChoice {
                        label: c.label.clone(),
                        help_message: Some(c.help_message.clone()).filter(|h| !h.is_empty()),
                    })
                    .collect(),
                default_choice: Some(default),
                ..JobFeedback::default()
            })
            .await?;
        match answer {
            Answer::Choice(index) => Ok(index),
            other => Err(unfit(&other)),
        }
    }

    async fn prompt_for_credential(
        &self,
        caption: &str,
        message: &str,
        user_name: &str,
        _target_name: &str,
    ) -> Result<Credential, HostError> {
        let answer = self
            .ask(JobFeedback {
                kind: FeedbackKind::Credential,
                caption: Some(caption.into()),
                message: message.into(),
                fields: vec![
                    FeedbackField {
                        name: "User".into(),
                        type_name: "System.String".into(),
                        is_secure: false,
                    },
                    FeedbackField {
                        name: "Password".into(),
                        type_name: "System.Security.SecureString".into(),
                        is_secure: true,
                    },
                ],
                ..JobFeedback::default()
            })
            .await?;
        let Answer::Credential { user, password } = answer else {
            return Err(unfit(&answer));
        };
        Ok(Credential {
            user_name: user.unwrap_or_else(|| user_name.to_string()),
            password: SecretString::from(password),
        })
    }
}
