//! The `Job` object (PSU's `$UAJob` fields in camelCase).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::context::JobParameter;
use crate::lenient::{null_default, opt_time, string_list};
use crate::status::JobStatus;

/// Who started a job: the app token's identity.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Identity {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(deserialize_with = "null_default")]
    pub name: String,
    /// The role the job was started under (PSU sends a string or null).
    #[serde(deserialize_with = "null_default")]
    pub role: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Job {
    pub id: i64,
    pub run_id: Option<Uuid>,
    pub status: JobStatus,
    #[serde(deserialize_with = "opt_time")]
    pub created_time: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "opt_time")]
    pub start_time: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "opt_time")]
    pub end_time: Option<DateTime<Utc>>,
    pub script_id: Option<i64>,
    #[serde(deserialize_with = "null_default")]
    pub script_full_path: String,
    pub environment: Option<String>,
    pub identity: Option<Identity>,
    pub parent_job_id: Option<i64>,
    pub computer_name: Option<String>,
    pub process_id: Option<i64>,
    /// PSU's summary text: for a failed job, the reason.
    pub output: Option<String>,
    /// `Write-Progress` fields of the latest progress record.
    pub activity: Option<String>,
    pub current_operation: Option<String>,
    pub percent_complete: Option<i32>,
    pub seconds_remaining: Option<i32>,
    pub status_description: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub parameters: Vec<JobParameter>,
    pub notes: Option<String>,
    #[serde(deserialize_with = "string_list")]
    pub tags: Vec<String>,
    /// The name of the stored credential the job ran as (never the secret).
    pub credential: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub retry_count: i32,
    #[serde(deserialize_with = "null_default")]
    pub archived: bool,
    pub exit_code: Option<i32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_psu_shaped_job() {
        // Fields and quirks as a PSU 5 server returns them: PascalCase-free camelCase, extra
        // fields we do not model, zone-less times, tags as text, nulls everywhere.
        let json = r#"{"id":42,"createdTime":"2025-03-01T10:00:00.1234567",
            "startTime":"0001-01-01T00:00:00","endTime":null,"status":9,"output":null,
            "scriptFullPath":"Folder\\Test.ps1","identity":{"id":1,"name":"admin","source":0,
            "role":null},"parentJob":null,"computerName":"HOST","processId":1234,
            "memoryBytes":0,"runspaceId":1,"parameters":null,"tags":"a,b","runId":
            "0d2b34ff-43ce-4b0e-9b8c-3f3a1f8b1d00","archived":false,"retryCount":0,
            "children":null,"schedule":null}"#;
        let job: Job = serde_json::from_str(json).unwrap();
        assert_eq!(job.id, 42);
        assert_eq!(job.status, JobStatus::TimedOut);
        assert!(job.start_time.is_none());
        assert_eq!(job.tags, ["a", "b"]);
        assert_eq!(job.identity.unwrap().name, "admin");
        assert_eq!(job.process_id, Some(1234));
        assert!(job.parameters.is_empty());
    }

    #[test]
    fn round_trips_our_own_json() {
        let job = Job {
            id: 7,
            run_id: Some(Uuid::nil()),
            status: JobStatus::Completed,
            script_full_path: "a.ps1".into(),
            tags: vec!["x".into()],
            exit_code: Some(0),
            ..Job::default()
        };
        let text = serde_json::to_string(&job).unwrap();
        assert!(text.contains(r#""scriptFullPath":"a.ps1""#));
        assert!(text.contains(r#""status":2"#));
        assert_eq!(serde_json::from_str::<Job>(&text).unwrap(), job);
    }
}
