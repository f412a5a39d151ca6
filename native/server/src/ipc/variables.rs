//! PSU's job variables (`$UAJob`, `$UAJobId`, `$UAScript`, `$UAScriptId`) as the values the
//! runner sets in a job's runspace before its script starts.

use std::sync::Arc;

use clixml::{Member, Object, Value};
use model::Job;

use crate::api::param_value;

/// The variables of `job`. `$UAJob` is the job as the API shows it, as a PSCustomObject
/// (nested objects too), so `$UAJob.Identity.Name` reads as in PSU.
pub fn job_variables(job: &Job) -> Vec<(String, Value)> {
    let json = serde_json::to_value(job).unwrap_or_default();
    let name = job
        .script_full_path
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    let script = serde_json::json!({
        "id": job.script_id,
        "fullPath": job.script_full_path,
        "name": name,
    });
    vec![
        ("UAJob".into(), custom_object(&json)),
        ("UAJobId".into(), Value::I64(job.id)),
        ("UAScript".into(), custom_object(&script)),
        (
            "UAScriptId".into(),
            Value::I64(job.script_id.unwrap_or_default()),
        ),
    ]
}

/// JSON objects become PSCustomObjects; everything else converts as a parameter value would.
fn custom_object(json: &serde_json::Value) -> Value {
    let serde_json::Value::Object(fields) = json else {
        // Parameter conversion only fails on CliXml text, which it never sees here.
        return param_value::from_json(json).unwrap_or(Value::Nil);
    };
    let type_names: Arc<[String]> = [
        "System.Management.Automation.PSCustomObject",
        "System.Object",
    ]
    .map(String::from)
    .into();
    Value::Object(Box::new(Object {
        type_names: Some(type_names),
        extended: fields
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    // Plain strings stay strings even when they look like CliXml.
                    serde_json::Value::String(text) => Value::Str(text.clone()),
                    other => custom_object(other),
                };
                Member::Property(name.clone(), value)
            })
            .collect(),
        ..Object::default()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_job_and_its_script_as_psu_names_them() {
        let job = Job {
            id: 9,
            script_id: Some(4),
            script_full_path: "folder/Run.ps1".into(),
            ..Job::default()
        };
        let vars = job_variables(&job);
        let names: Vec<&str> = vars.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["UAJob", "UAJobId", "UAScript", "UAScriptId"]);
        assert_eq!(vars[1].1, Value::I64(9));
        assert_eq!(vars[3].1, Value::I64(4));
        let Value::Object(script) = &vars[2].1 else {
            panic!("not an object")
        };
        assert!(script.extended.contains(&Member::Property(
            "name".into(),
            Value::Str("Run.ps1".into())
        )));
        let Value::Object(job) = &vars[0].1 else {
            panic!("not an object")
        };
        assert!(
            job.extended
                .contains(&Member::Property("id".into(), Value::I32(9)))
        );
    }
}
