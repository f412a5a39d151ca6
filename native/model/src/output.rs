//! Stream records (`/output`), pipeline records (`/pipelineOutput`) and the log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_repr::{Deserialize_repr, Serialize_repr};

use crate::lenient::{null_default, opt_time};

/// The stream a record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize_repr, Deserialize_repr)]
#[repr(i32)]
pub enum OutputType {
    #[default]
    Information = 0,
    Verbose = 1,
    Debug = 2,
    Warning = 3,
    Error = 4,
    Progress = 5,
    /// `Write-Host` and other host UI writes.
    Host = 6,
}

impl OutputType {
    /// The prefix used in the job log (`[warning] text`).
    pub fn label(self) -> &'static str {
        match self {
            Self::Information => "information",
            Self::Verbose => "verbose",
            Self::Debug => "debug",
            Self::Warning => "warning",
            Self::Error => "error",
            Self::Progress => "progress",
            Self::Host => "host",
        }
    }

    pub fn from_i32(n: i32) -> Option<Self> {
        Some(match n {
            0 => Self::Information,
            1 => Self::Verbose,
            2 => Self::Debug,
            3 => Self::Warning,
            4 => Self::Error,
            5 => Self::Progress,
            6 => Self::Host,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JobOutput {
    /// Increasing within the job; pass it back as `after` to read only newer records.
    pub id: i64,
    #[serde(rename = "type")]
    pub output_type: OutputType,
    #[serde(deserialize_with = "null_default")]
    pub message: String,
    #[serde(deserialize_with = "opt_time")]
    pub timestamp: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub script_stack_trace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position_message: Option<String>,
    /// Host output written with `-ForegroundColor` / `-BackgroundColor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub foreground_color: Option<ConsoleColor>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background_color: Option<ConsoleColor>,
    /// The whole record as CliXml, as the job's PowerShell sent it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

/// `System.ConsoleColor`, by name in JSON as PowerShell names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConsoleColor {
    Black,
    DarkBlue,
    DarkGreen,
    DarkCyan,
    DarkRed,
    DarkMagenta,
    DarkYellow,
    Gray,
    DarkGray,
    Blue,
    Green,
    Cyan,
    Red,
    Magenta,
    Yellow,
    White,
}

impl ConsoleColor {
    /// In `System.ConsoleColor`'s order: a colour's position is its value.
    const ALL: [ConsoleColor; 16] = [
        Self::Black,
        Self::DarkBlue,
        Self::DarkGreen,
        Self::DarkCyan,
        Self::DarkRed,
        Self::DarkMagenta,
        Self::DarkYellow,
        Self::Gray,
        Self::DarkGray,
        Self::Blue,
        Self::Green,
        Self::Cyan,
        Self::Red,
        Self::Magenta,
        Self::Yellow,
        Self::White,
    ];

    /// The colour a serialized `ConsoleColor` names: its value as text (how host calls send
    /// it, read without formatting any name), or its name.
    pub fn from_text(text: &str) -> Option<Self> {
        match text.parse::<usize>() {
            Ok(value) => Self::ALL.get(value).copied(),
            Err(_) => Self::ALL
                .into_iter()
                .find(|c| format!("{c:?}").eq_ignore_ascii_case(text)),
        }
    }
}

/// One pipeline object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PipelineOutput {
    pub id: i64,
    /// The object's CliXml fragment (one `<Obj>` or primitive element), as the job sent it.
    #[serde(deserialize_with = "null_default")]
    pub data: String,
    /// PSU's field: a JSON string of `[{"value": …}]`, the object as `ConvertTo-Json` would
    /// give it. Our server makes it from `data` as it answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub json_data: Option<String>,
}

/// `GET /job/{id}/log`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct JobLog {
    #[serde(deserialize_with = "null_default")]
    pub log: String,
}

/// Query of `GET /job/{id}/output`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OutputQuery {
    /// Only records with a greater id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub take: Option<i64>,
    /// Seconds to long-poll for a newer record (or the job's end) before answering empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_colors_read_by_name_or_value_and_write_by_name() {
        assert_eq!(ConsoleColor::from_text("Green"), Some(ConsoleColor::Green));
        assert_eq!(
            ConsoleColor::from_text("darkred"),
            Some(ConsoleColor::DarkRed)
        );
        assert_eq!(ConsoleColor::from_text("15"), Some(ConsoleColor::White));
        assert_eq!(ConsoleColor::from_text("16"), None);
        assert_eq!(ConsoleColor::from_text("Teal"), None);
        let record = JobOutput {
            foreground_color: Some(ConsoleColor::DarkYellow),
            ..JobOutput::default()
        };
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(json["foregroundColor"], "DarkYellow");
        assert!(json.get("backgroundColor").is_none());
        assert_eq!(serde_json::from_value::<JobOutput>(json).unwrap(), record);
    }

    #[test]
    fn error_record_round_trip() {
        let rec = JobOutput {
            id: 3,
            output_type: OutputType::Error,
            message: "boom".into(),
            error_id: Some("E1".into()),
            ..Default::default()
        };
        let text = serde_json::to_string(&rec).unwrap();
        assert!(text.contains(r#""type":4"#) && text.contains(r#""errorId":"E1""#));
        assert!(!text.contains("targetName"));
        assert_eq!(serde_json::from_str::<JobOutput>(&text).unwrap(), rec);
    }

    #[test]
    fn psu_output_and_pipeline_shapes() {
        let o: JobOutput = serde_json::from_str(r#"{"type":4,"message":null,"data":"x"}"#).unwrap();
        assert_eq!(o.output_type, OutputType::Error);
        let p: PipelineOutput =
            serde_json::from_str(r#"{"id":1,"jsonData":"[{\"value\":1}]"}"#).unwrap();
        assert_eq!(p.json_data.as_deref(), Some(r#"[{"value":1}]"#));
        for n in 0..7 {
            assert_eq!(OutputType::from_i32(n).unwrap() as i32, n);
        }
        assert_eq!(OutputType::Host.label(), "host");
    }
}
