//! The JSON shapes of the PSU-compatible REST API (`docs/api.md`), shared by the client and the
//! server so both sides agree by construction.
//!
//! Every type serialises the way our server answers (camelCase, enums as numbers, times as
//! RFC 3339 UTC) and deserialises leniently, so the same types read a real PowerShell Universal
//! server's JSON: unknown fields are ignored, missing fields take defaults, PascalCase names are
//! accepted where PSU documents them, and PSU's quirks (times without a zone, tags as one
//! comma-separated string) are absorbed in [`lenient`].

pub mod context;
pub mod environment;
pub mod error;
pub mod feedback;
pub mod health;
pub mod integrated;
pub mod job;
pub mod lenient;
pub mod output;
pub mod page;
pub mod script;
pub mod status;

pub use context::{JobContext, JobParameter};
pub use environment::Environment;
pub use error::ApiError;
pub use feedback::{
    Answer, FeedbackChoice, FeedbackField, FeedbackKind, FeedbackResponse, JobFeedback,
};
pub use health::{Alive, ServerStatus, VersionInfo};
pub use job::{Identity, Job};
pub use output::{ConsoleColor, JobLog, JobOutput, OutputQuery, OutputType, PipelineOutput};
pub use page::{JobQuery, OrderBy, OrderDirection, Page};
pub use script::{Script, ScriptParameter};
pub use status::JobStatus;
