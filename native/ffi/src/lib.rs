//! `psujobs_native`: the C ABI the PowerShell module calls (header: `include/psujobs.h`).
//!
//! Contract, shared by every export:
//! - Every export is named `psuj_*` and returns a [`PsujStatus`]; failure details are written
//!   into the caller's [`PsujError`] (never only into a thread-local).
//! - Strings in are UTF-8 pointer + length; bytes out are Rust-owned [`PsujBuffer`]s released
//!   with `psuj_buffer_free`.
//! - Every handle has a `psuj_*_free` that accepts NULL.
//! - Every body runs inside [`panic::boundary`], so a Rust panic becomes `PSUJ_STATUS_PANIC`.
//! - A handle is used by one thread at a time (the module's cmdlets own theirs), except a
//!   cancellation token, which any thread may trigger.

// The workspace denies `unsafe_code`; this crate is the one place allowed to use it, because a
// C ABI has to dereference the raw pointers its callers pass. Every unsafe block states why the
// pointer is valid.
#![allow(unsafe_code)]
// Exports take raw pointers from C#; their validity is the documented C contract (psujobs.h),
// which Rust's `unsafe fn` marker cannot express to a C caller. Helpers that dereference them
// say why in their SAFETY comments.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

pub mod buffer;
pub mod cancel;
pub mod client_connection;
pub mod client_environments;
pub mod client_feedback;
pub mod client_integrated;
pub mod client_jobs;
pub mod client_pipeline;
pub mod client_run;
pub mod client_scripts;
pub mod client_wait;
pub mod clixml;
pub mod error;
pub mod panic;
pub mod runtime;
pub mod version;
pub mod wire;

pub use buffer::PsujBuffer;
pub use cancel::PsujCancel;
pub use error::{FfiError, PsujError, PsujStatus};
