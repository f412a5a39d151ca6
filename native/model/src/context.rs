//! The body of `POST /api/v1/script/{id}` (PSU's JobContext) and the job parameter record.

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::lenient::{null_default, string_list};

/// One parameter, both as sent in a JobContext and as listed on a job.
///
/// Sent: `value` is a CliXml string (as `[PSSerializer]::Serialize` makes) or a plain JSON
/// value; with `isVariable` it names a stored credential instead. Listed on a job: `value` is
/// display text, redacted for secrets.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JobParameter {
    #[serde(alias = "Name", deserialize_with = "null_default")]
    pub name: String,
    #[serde(alias = "Value")]
    pub value: Value,
    #[serde(alias = "IsVariable", deserialize_with = "null_default")]
    pub is_variable: bool,
    /// The .NET type name, when the sender knows it.
    #[serde(
        rename = "type",
        alias = "Type",
        skip_serializing_if = "Option::is_none"
    )]
    pub type_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JobContext {
    #[serde(alias = "Environment", skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// The name of a stored credential to run as.
    #[serde(alias = "Credential", skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
    #[serde(alias = "Notes", skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(
        alias = "Tags",
        deserialize_with = "string_list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tags: Vec<String>,
    #[serde(alias = "ParentJobId", skip_serializing_if = "Option::is_none")]
    pub parent_job_id: Option<i64>,
    #[serde(alias = "JobParameters", deserialize_with = "null_default")]
    pub job_parameters: Vec<JobParameter>,
    /// The names of any other body fields. PSU ignores them, and so does the server, unless
    /// one names a script parameter: its sender meant a parameter, and is better told where
    /// parameters go than given a job without it.
    #[serde(flatten, skip_serializing)]
    pub other_fields: BTreeMap<String, IgnoredAny>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_psu_pascal_case() {
        let ctx: JobContext = serde_json::from_str(
            r#"{"Environment":"pwsh","Credential":"svc","JobParameters":[{"Name":"N",
            "Value":"<Objs/>","IsVariable":false}],"Unknown":1}"#,
        )
        .unwrap();
        assert_eq!(ctx.environment.as_deref(), Some("pwsh"));
        assert_eq!(ctx.credential.as_deref(), Some("svc"));
        assert_eq!(ctx.job_parameters[0].name, "N");
        assert_eq!(ctx.job_parameters[0].value, Value::from("<Objs/>"));
        assert_eq!(ctx.other_fields.keys().collect::<Vec<_>>(), ["Unknown"]);
    }

    #[test]
    fn accepts_camel_case_and_plain_values() {
        let ctx: JobContext = serde_json::from_str(
            r#"{"notes":"n","tags":["t"],"parentJobId":3,"jobParameters":[{"name":"Count",
            "value":5,"type":"System.Int32"}]}"#,
        )
        .unwrap();
        assert_eq!(ctx.parent_job_id, Some(3));
        assert_eq!(ctx.job_parameters[0].value, Value::from(5));
        assert_eq!(
            ctx.job_parameters[0].type_name.as_deref(),
            Some("System.Int32")
        );
        let back = serde_json::to_string(&ctx).unwrap();
        assert!(back.contains(r#""jobParameters""#) && back.contains(r#""type":"System.Int32""#));
    }

    #[test]
    fn empty_body_is_default() {
        assert_eq!(
            serde_json::from_str::<JobContext>("{}").unwrap(),
            JobContext::default()
        );
    }
}
