//! PIPELINE_HOST_CALL decoding and PIPELINE_HOST_RESPONSE encoding (design psrp.md §5.2–5.4).

use std::sync::Arc;

use clixml::{Object, Value};
use secrecy::ExposeSecret;

use crate::crypto::SessionKey;
use crate::error::{Error, Result};
use crate::host::{
    Choice, Credential, FieldDescription, FieldValue, Host, HostError, HostWrite, HostWriteKind,
};
use crate::values::{bag, hashtable, prop, prop_str, text};

/// What a host call asks of us.
pub enum Request {
    /// A void call that only displays text.
    Write(HostWrite),
    /// `exit N` at the top of script text.
    SetShouldExit(i32),
    /// A void call with nothing for us to do (cursor, colours, progress echo, …).
    Ignore,
    /// A call the server blocks on until we respond.
    Answer(Pending),
}

/// A non-void call awaiting its response.
pub struct Pending {
    call_id: i64,
    method_info: Value,
    method: i32,
    params: Vec<Value>,
}

const METHOD_SET_SHOULD_EXIT: i32 = 6;

pub fn parse(body: &str) -> Result<Request> {
    let value = clixml::decode_fragment(body).map_err(|e| Error::Clixml(e.to_string()))?;
    let call_id = prop(&value, "ci")
        .and_then(Value::as_i64)
        .ok_or_else(|| Error::Protocol("host call without a call id".into()))?;
    let method_info = prop(&value, "mi")
        .cloned()
        .ok_or_else(|| Error::Protocol("host call without a method".into()))?;
    let method = method_info
        .as_i64()
        .and_then(|n| i32::try_from(n).ok())
        .ok_or_else(|| Error::Protocol("host call method is not an enum value".into()))?;
    let params: Vec<Value> = prop(&value, "mp")
        .and_then(Value::as_object)
        .and_then(Object::list)
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    let param_text = |i: usize| params.get(i).and_then(text).unwrap_or_default();
    let write = |kind, text, newline| {
        Request::Write(HostWrite {
            kind,
            text,
            newline,
            foreground_color: None,
            background_color: None,
        })
    };
    // `Write(fg, bg, text)` and `WriteLine(fg, bg, text)`.
    let coloured = |newline| {
        Request::Write(HostWrite {
            kind: HostWriteKind::Output,
            text: param_text(2),
            newline,
            foreground_color: params.first().and_then(text),
            background_color: params.get(1).and_then(text),
        })
    };
    Ok(match method {
        METHOD_SET_SHOULD_EXIT => Request::SetShouldExit(
            params
                .first()
                .and_then(Value::as_i64)
                .and_then(|n| i32::try_from(n).ok())
                .unwrap_or_default(),
        ),
        13 => write(HostWriteKind::Output, param_text(0), false),
        14 => coloured(false),
        15 => write(HostWriteKind::Output, String::new(), true),
        16 => write(HostWriteKind::Output, param_text(0), true),
        17 => coloured(true),
        18 => write(HostWriteKind::Error, param_text(0), true),
        19 => write(HostWriteKind::Debug, param_text(0), true),
        21 => write(HostWriteKind::Verbose, param_text(0), true),
        22 => write(HostWriteKind::Warning, param_text(0), true),
        _ if call_id == VOID_CALL_ID => Request::Ignore,
        _ => Request::Answer(Pending {
            call_id,
            method_info,
            method,
            params,
        }),
    })
}

/// PowerShell's call id for calls that expect no response.
const VOID_CALL_ID: i64 = -100;

/// Gives the server a SecureString in wire form: the session key is fetched (and the key
/// exchange run) only when an answer actually holds a secret.
#[async_trait::async_trait]
pub trait SecretSealer: Send + Sync {
    async fn session_key(&self) -> Result<SessionKey>;
}

impl Pending {
    /// Asks `host` and builds the PIPELINE_HOST_RESPONSE body.
    pub async fn respond(&self, host: &Arc<dyn Host>, sealer: &dyn SecretSealer) -> Value {
        let result = self.ask(host.as_ref(), sealer).await;
        let mut members = Vec::new();
        match result {
            Ok(value) => members.push(("mr", value)),
            Err(message) => members.push(("me", error_record(&message))),
        }
        members.push(("ci", Value::I64(self.call_id)));
        members.push(("mi", self.method_info.clone()));
        bag(members)
    }

    async fn ask(
        &self,
        host: &dyn Host,
        sealer: &dyn SecretSealer,
    ) -> std::result::Result<Value, String> {
        let param_text = |i: usize| self.params.get(i).and_then(text).unwrap_or_default();
        let host_err = |e: HostError| e.0;
        match self.method {
            11 => host.read_line().await.map(Value::Str).map_err(host_err),
            12 => {
                let secret = host.read_line_secure().await.map_err(host_err)?;
                seal(sealer, secret.expose_secret()).await
            }
            23 => {
                let fields = self.fields();
                let answers = host
                    .prompt(&param_text(0), &param_text(1), &fields)
                    .await
                    .map_err(host_err)?;
                let mut entries = Vec::new();
                for (name, answer) in answers {
                    let value = match answer {
                        FieldValue::Text(s) => Value::Str(s),
                        FieldValue::Secure(s) => seal(sealer, s.expose_secret()).await?,
                        FieldValue::Credential(c) => credential(sealer, &c).await?,
                    };
                    entries.push((name, value));
                }
                Ok(hashtable(entries))
            }
            24 | 25 => {
                let c = host
                    .prompt_for_credential(
                        &param_text(0),
                        &param_text(1),
                        &param_text(2),
                        &param_text(3),
                    )
                    .await
                    .map_err(host_err)?;
                credential(sealer, &c).await
            }
            26 => {
                let default = self
                    .params
                    .get(3)
                    .and_then(Value::as_i64)
                    .and_then(|n| i32::try_from(n).ok())
                    .unwrap_or(-1);
                host.prompt_for_choice(&param_text(0), &param_text(1), &self.choices(), default)
                    .await
                    .map(Value::I32)
                    .map_err(host_err)
            }
            other => Err(format!("host method {other} is not supported by this host")),
        }
    }

    fn list_param(&self, index: usize) -> &[Value] {
        self.params
            .get(index)
            .and_then(Value::as_object)
            .and_then(Object::list)
            .unwrap_or_default()
    }

    fn fields(&self) -> Vec<FieldDescription> {
        self.list_param(2)
            .iter()
            .map(|f| FieldDescription {
                name: prop_str(f, "name").unwrap_or_default(),
                label: prop_str(f, "label").unwrap_or_default(),
                parameter_type: prop_str(f, "parameterTypeFullName").unwrap_or_default(),
                help_message: prop_str(f, "helpMessage").unwrap_or_default(),
                is_mandatory: prop(f, "isMandatory")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            })
            .collect()
    }

    fn choices(&self) -> Vec<Choice> {
        self.list_param(2)
            .iter()
            .map(|c| Choice {
                label: prop_str(c, "label").unwrap_or_default(),
                help_message: prop_str(c, "helpMessage").unwrap_or_default(),
            })
            .collect()
    }
}

async fn seal(sealer: &dyn SecretSealer, plain: &str) -> std::result::Result<Value, String> {
    let key = sealer.session_key().await.map_err(|e| e.to_string())?;
    Ok(Value::SecureString(key.encrypt(plain)))
}

/// A PSCredential the way the server rebuilds one: `UserName` and `Password` properties.
pub async fn credential(
    sealer: &dyn SecretSealer,
    c: &Credential,
) -> std::result::Result<Value, String> {
    let password = seal(sealer, c.password.expose_secret()).await?;
    Ok(Value::Object(Box::new(Object {
        type_names: Some(
            ["System.Management.Automation.PSCredential", "System.Object"]
                .map(String::from)
                .into(),
        ),
        adapted: vec![
            ("UserName".into(), Value::Str(c.user_name.clone())),
            ("Password".into(), password),
        ],
        ..Object::default()
    })))
}

/// The remoting ErrorRecord shape `ErrorRecord.FromPSObjectForRemoting` requires; the
/// server rethrows its exception inside the script.
fn error_record(message: &str) -> Value {
    let exception = Value::Object(Box::new(Object {
        type_names: Some(
            [
                "System.Management.Automation.Host.HostException",
                "System.Exception",
                "System.Object",
            ]
            .map(String::from)
            .into(),
        ),
        to_string: Some(message.to_string()),
        adapted: vec![("Message".into(), Value::Str(message.to_string()))],
        ..Object::default()
    }));
    let mut record = bag(vec![
        ("Exception", exception),
        ("TargetObject", Value::Nil),
        ("FullyQualifiedErrorId", Value::Str("HostCallFailed".into())),
        ("ErrorCategory_Category", Value::I32(0)),
        ("ErrorCategory_Activity", Value::Str(String::new())),
        ("ErrorCategory_Reason", Value::Str("HostException".into())),
        ("ErrorCategory_TargetName", Value::Str(String::new())),
        ("ErrorCategory_TargetType", Value::Str(String::new())),
        ("ErrorCategory_Message", Value::Str(message.to_string())),
        ("SerializeExtendedInfo", Value::Bool(false)),
    ]);
    if let Value::Object(o) = &mut record {
        o.type_names = Some(
            ["System.Management.Automation.ErrorRecord", "System.Object"]
                .map(String::from)
                .into(),
        );
        o.to_string = Some(message.to_string());
    }
    record
}
