//! The stream records a pipeline produces, with the text and metadata a job log needs and
//! the exact CliXml they arrived as (clixml.md §7 "Well-known shapes").

use std::time::SystemTime;

use clixml::{DateTime, Value};

use crate::values::{prop, prop_nonempty, prop_str, text};

/// One pipeline output object, kept as the CliXml fragment it arrived as.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputRecord {
    pub clixml: String,
}

impl OutputRecord {
    /// Decodes the object on demand.
    pub fn decode(&self) -> Result<Value, clixml::Error> {
        clixml::decode_fragment(&self.clixml)
    }
}

/// An ErrorRecord: from the error stream, or the terminating error of a failed pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorRecord {
    /// The error text PowerShell shows (`ErrorDetails` message if set, else the exception's).
    pub message: String,
    pub fully_qualified_error_id: Option<String>,
    /// The ErrorCategory name (`NotSpecified`, `ObjectNotFound`, …).
    pub category: Option<String>,
    /// The category line PowerShell shows: `NotSpecified: (:) [Write-Error], WriteErrorException`.
    pub category_message: Option<String>,
    pub exception_type: Option<String>,
    /// The target object as text.
    pub target: Option<String>,
    pub script_stack_trace: Option<String>,
    /// `At /path/x.ps1:3 char:1` plus the offending line.
    pub position_message: Option<String>,
    pub received: SystemTime,
    pub clixml: String,
}

/// A warning, verbose or debug record.
#[derive(Debug, Clone, PartialEq)]
pub struct InformationalRecord {
    pub message: String,
    pub position_message: Option<String>,
    pub received: SystemTime,
    pub clixml: String,
}

/// An information-stream record. `Write-Host` arrives here with the `PSHOST` tag.
#[derive(Debug, Clone, PartialEq)]
pub struct InformationRecord {
    /// The message data as text (for `Write-Host`, the text written).
    pub message: String,
    pub tags: Vec<String>,
    /// True for `Write-Host` / host output (tag `PSHOST`).
    pub is_host: bool,
    /// `Write-Host -NoNewline`: the text does not end its line.
    pub no_newline: bool,
    /// `Write-Host -ForegroundColor` / `-BackgroundColor`: the `ConsoleColor` as written
    /// (its name, or its value when the enum came without its `ToString`).
    pub foreground_color: Option<String>,
    pub background_color: Option<String>,
    pub source: Option<String>,
    pub time_generated: Option<DateTime>,
    pub received: SystemTime,
    pub clixml: String,
}

/// A `Write-Progress` record.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressRecord {
    pub activity: String,
    pub activity_id: i32,
    pub status: String,
    pub current_operation: Option<String>,
    pub parent_activity_id: i32,
    pub percent_complete: i32,
    pub seconds_remaining: i32,
    /// True when the record ends its activity (`-Completed`).
    pub completed: bool,
    pub received: SystemTime,
    pub clixml: String,
}

/// ErrorCategory names by value (`System.Management.Automation.ErrorCategory`).
const ERROR_CATEGORIES: &[&str] = &[
    "NotSpecified",
    "OpenError",
    "CloseError",
    "DeviceError",
    "DeadlockDetected",
    "InvalidArgument",
    "InvalidData",
    "InvalidOperation",
    "InvalidResult",
    "InvalidType",
    "MetadataError",
    "NotImplemented",
    "NotInstalled",
    "ObjectNotFound",
    "OperationStopped",
    "OperationTimeout",
    "SyntaxError",
    "ParserError",
    "PermissionDenied",
    "ResourceBusy",
    "ResourceExists",
    "ResourceUnavailable",
    "ReadError",
    "WriteError",
    "FromStdErr",
    "SecurityError",
    "ProtocolError",
    "ConnectionError",
    "AuthenticationError",
    "LimitsExceeded",
    "QuotaExceeded",
    "NotEnabled",
];

fn i32_prop(value: &Value, name: &str) -> Option<i32> {
    prop(value, name)?
        .as_i64()
        .and_then(|n| i32::try_from(n).ok())
}

impl ErrorRecord {
    pub fn from_value(value: &Value, clixml: String) -> ErrorRecord {
        let exception = prop(value, "Exception");
        let message = prop_str(value, "ErrorDetails_Message")
            .or_else(|| exception.and_then(|e| prop_str(e, "Message")))
            .or_else(|| text(value))
            .unwrap_or_default();
        let exception_type = exception
            .and_then(Value::as_object)
            .and_then(|o| o.type_names().first().cloned());
        let category = i32_prop(value, "ErrorCategory_Category")
            .and_then(|n| usize::try_from(n).ok())
            .and_then(|n| ERROR_CATEGORIES.get(n))
            .map(|s| s.to_string());
        ErrorRecord {
            message,
            fully_qualified_error_id: prop_str(value, "FullyQualifiedErrorId"),
            category,
            category_message: prop_str(value, "ErrorCategory_Message"),
            exception_type,
            target: prop(value, "TargetObject").and_then(text),
            script_stack_trace: prop_nonempty(value, "ErrorDetails_ScriptStackTrace"),
            position_message: position_message(value),
            received: SystemTime::now(),
            clixml,
        }
    }
}

/// Flattened `InvocationInfo_*` notes when the record was serialized with extended info,
/// else the nested `InvocationInfo` object (terminating errors arrive that way).
fn position_message(value: &Value) -> Option<String> {
    prop_nonempty(value, "InvocationInfo_PositionMessage")
        .or_else(|| prop(value, "InvocationInfo").and_then(|i| prop_nonempty(i, "PositionMessage")))
}

impl InformationalRecord {
    pub fn from_value(value: &Value, clixml: String) -> InformationalRecord {
        InformationalRecord {
            message: prop_str(value, "InformationalRecord_Message")
                .or_else(|| text(value))
                .unwrap_or_default(),
            position_message: position_message(value),
            received: SystemTime::now(),
            clixml,
        }
    }
}

impl InformationRecord {
    pub fn from_value(value: &Value, clixml: String) -> InformationRecord {
        // Write-Host sends a HostInformationMessage whose text is its `Message` property.
        let data = prop(value, "MessageData");
        let message = data
            .map(|data| prop_str(data, "Message").or_else(|| text(data)))
            .unwrap_or_default()
            .unwrap_or_default();
        let no_newline = matches!(
            data.and_then(|data| prop(data, "NoNewLine")),
            Some(Value::Bool(true))
        );
        let color = |name| data.and_then(|data| prop_str(data, name));
        let tags: Vec<String> = prop(value, "Tags")
            .and_then(Value::as_object)
            .and_then(|o| o.list())
            .map(|items| items.iter().filter_map(text).collect())
            .unwrap_or_default();
        let time_generated = match prop(value, "TimeGenerated") {
            Some(Value::DateTime(dt)) => Some(*dt),
            _ => None,
        };
        InformationRecord {
            message,
            is_host: tags.iter().any(|t| t == "PSHOST"),
            no_newline,
            foreground_color: color("ForegroundColor"),
            background_color: color("BackgroundColor"),
            tags,
            source: prop_str(value, "Source"),
            time_generated,
            received: SystemTime::now(),
            clixml,
        }
    }
}

impl ProgressRecord {
    pub fn from_value(value: &Value, clixml: String) -> ProgressRecord {
        let record_type = prop(value, "Type").and_then(|t| match t {
            Value::Object(o) => o.to_string.clone(),
            other => text(other),
        });
        ProgressRecord {
            activity: prop_str(value, "Activity").unwrap_or_default(),
            activity_id: i32_prop(value, "ActivityId").unwrap_or_default(),
            status: prop_str(value, "StatusDescription").unwrap_or_default(),
            current_operation: prop_str(value, "CurrentOperation"),
            parent_activity_id: i32_prop(value, "ParentActivityId").unwrap_or(-1),
            percent_complete: i32_prop(value, "PercentComplete").unwrap_or(-1),
            seconds_remaining: i32_prop(value, "SecondsRemaining").unwrap_or(-1),
            completed: record_type.is_some_and(|t| t == "Completed" || t == "1"),
            received: SystemTime::now(),
            clixml,
        }
    }
}
