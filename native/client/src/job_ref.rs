//! How a caller names a job: its number or its run id (every job route takes either).

use model::Job;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobRef {
    Id(i64),
    RunId(Uuid),
}

impl JobRef {
    /// The reference for a job object: the number, unless the server sent none (a PSU in Job
    /// Run ID mode), then the run id.
    pub fn of(job: &Job) -> Self {
        match job.run_id {
            Some(run_id) if job.id == 0 => Self::RunId(run_id),
            _ => Self::Id(job.id),
        }
    }
}

impl std::fmt::Display for JobRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Id(id) => write!(f, "{id}"),
            Self::RunId(run_id) => write!(f, "{run_id}"),
        }
    }
}

impl From<i64> for JobRef {
    fn from(id: i64) -> Self {
        Self::Id(id)
    }
}

impl From<Uuid> for JobRef {
    fn from(run_id: Uuid) -> Self {
        Self::RunId(run_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefers_the_number_and_falls_back_to_the_run_id() {
        let run_id = Uuid::from_u128(7);
        let numbered = Job {
            id: 4,
            run_id: Some(run_id),
            ..Job::default()
        };
        assert_eq!(JobRef::of(&numbered), JobRef::Id(4));
        let unnumbered = Job {
            id: 0,
            run_id: Some(run_id),
            ..Job::default()
        };
        assert_eq!(JobRef::of(&unnumbered), JobRef::RunId(run_id));
        assert_eq!(JobRef::RunId(run_id).to_string(), run_id.to_string());
    }
}
