//! `JobStatus`, numbered as PSU numbers it (C# enum order, confirmed by third-party clients).

use serde_repr::{Deserialize_repr, Serialize_repr};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize_repr, Deserialize_repr)]
#[repr(i32)]
pub enum JobStatus {
    #[default]
    Queued = 0,
    Running = 1,
    Completed = 2,
    /// A terminating error or a non-zero exit code.
    Failed = 3,
    /// Blocked on `Read-Host`, a choice or a credential prompt.
    WaitingOnFeedback = 4,
    Canceled = 5,
    Canceling = 6,
    /// PSU lists it; its meaning is undocumented and our server never assigns it.
    Historical = 7,
    /// PSU lists it; its meaning is undocumented and our server never assigns it.
    Active = 8,
    TimedOut = 9,
    /// Completed, having written warnings.
    Warning = 10,
    /// Completed, having written non-terminating errors.
    Error = 11,
}

impl JobStatus {
    /// A job in a terminal status never changes again.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Completed
                | Self::Failed
                | Self::Canceled
                | Self::TimedOut
                | Self::Warning
                | Self::Error
                | Self::Historical
        )
    }

    /// The number on the wire (also the `status` query value).
    pub fn as_i32(self) -> i32 {
        self as i32
    }

    pub fn from_i32(n: i32) -> Option<Self> {
        Some(match n {
            0 => Self::Queued,
            1 => Self::Running,
            2 => Self::Completed,
            3 => Self::Failed,
            4 => Self::WaitingOnFeedback,
            5 => Self::Canceled,
            6 => Self::Canceling,
            7 => Self::Historical,
            8 => Self::Active,
            9 => Self::TimedOut,
            10 => Self::Warning,
            11 => Self::Error,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip_and_match_psu() {
        for n in 0..12 {
            let s = JobStatus::from_i32(n).unwrap();
            assert_eq!(s.as_i32(), n);
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, n.to_string());
            assert_eq!(serde_json::from_str::<JobStatus>(&json).unwrap(), s);
        }
        assert_eq!(JobStatus::from_i32(12), None);
        assert_eq!(serde_json::to_string(&JobStatus::TimedOut).unwrap(), "9");
    }

    #[test]
    fn terminal_statuses() {
        assert!(JobStatus::Completed.is_terminal());
        assert!(JobStatus::Error.is_terminal());
        assert!(!JobStatus::WaitingOnFeedback.is_terminal());
        assert!(!JobStatus::Canceling.is_terminal());
    }
}
