//! Status codes and the error details that travel back with a failed call.

use crate::buffer::PsujBuffer;
use crate::panic::boundary_void;

/// What every export returns.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PsujStatus {
    Ok = 0,
    /// A null or malformed argument: a bug in the caller.
    InvalidArgument = 1,
    /// The operation failed; `PsujError` says why (its `id` is stable, e.g. `ClixmlInvalid`).
    Failed = 2,
    /// The call's cancellation token was triggered.
    Cancelled = 3,
    /// Rust panicked; the message is in `PsujError`. The handle involved should be freed.
    Panic = 4,
}

/// Failure details, filled in by the callee when it returns anything but `PSUJ_STATUS_OK`.
/// The caller zero-initialises it, passes its address, and releases it with `psuj_error_free`.
#[repr(C)]
#[derive(Debug)]
pub struct PsujError {
    pub status: PsujStatus,
    /// Byte offset into the input the error refers to, or -1 when it has none.
    pub position: i64,
    /// Stable UTF-8 identifier (`ClixmlInvalid`, `IoError`, `Cancelled`, `InvalidArgument`,
    /// `Panic`, …) that callers may branch on.
    pub id: PsujBuffer,
    /// Human-readable UTF-8 message.
    pub message: PsujBuffer,
}

/// The Rust side of an error before it crosses the boundary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FfiError {
    pub status: PsujStatus,
    pub id: &'static str,
    pub message: String,
    pub position: Option<u64>,
}

impl FfiError {
    pub fn new(status: PsujStatus, id: &'static str, message: impl Into<String>) -> Self {
        FfiError {
            status,
            id,
            message: message.into(),
            position: None,
        }
    }

    pub fn failed(id: &'static str, message: impl Into<String>) -> Self {
        Self::new(PsujStatus::Failed, id, message)
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(PsujStatus::InvalidArgument, "InvalidArgument", message)
    }

    pub fn null_argument(what: &str) -> Self {
        Self::invalid_argument(format!("{what} must not be NULL"))
    }

    pub fn cancelled() -> Self {
        Self::new(
            PsujStatus::Cancelled,
            "Cancelled",
            "the operation was cancelled",
        )
    }

    pub fn at(mut self, position: u64) -> Self {
        self.position = Some(position);
        self
    }

    /// Writes this error into the caller's struct (if it gave one) and returns its status.
    pub fn report(self, out: *mut PsujError) -> PsujStatus {
        // SAFETY: a non-null `out` points at a writable PsujError owned by the caller; we
        // overwrite without reading so its previous content (zeroes) is not interpreted.
        if let Some(out) = unsafe { out.as_mut() } {
            let details = PsujError {
                status: self.status,
                position: self
                    .position
                    .and_then(|p| i64::try_from(p).ok())
                    .unwrap_or(-1),
                id: PsujBuffer::from_vec(self.id.as_bytes().to_vec()),
                message: PsujBuffer::from_vec(self.message.into_bytes()),
            };
            // SAFETY: see above; `write` avoids dropping whatever bytes were there.
            unsafe { std::ptr::write(out, details) };
        }
        self.status
    }
}

impl std::fmt::Display for FfiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.id, self.message)
    }
}

impl std::error::Error for FfiError {}

/// Releases the buffers inside an error filled by a failed call. NULL is accepted.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_error_free(error: *mut PsujError) {
    boundary_void(|| {
        // SAFETY: null is checked; otherwise it is the caller's PsujError, filled by us or zeroed.
        if let Some(error) = unsafe { error.as_mut() } {
            crate::buffer::psuj_buffer_free(&mut error.id);
            crate::buffer::psuj_buffer_free(&mut error.message);
        }
    });
}
