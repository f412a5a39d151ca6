//! The panic boundary every export runs inside: a panic must never unwind into C# (that
//! aborts the process), so it becomes `PSUJ_STATUS_PANIC` with the panic message.

use crate::error::{FfiError, PsujError, PsujStatus};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Runs an export body; `Err` and panics are reported into `error`. Each export is one call
/// to this.
pub fn boundary(error: *mut PsujError, body: impl FnOnce() -> Result<(), FfiError>) -> PsujStatus {
    // AssertUnwindSafe: after a panic the only state we touch is the error out-parameter;
    // handles a panicking call mutated are documented as "free them".
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => PsujStatus::Ok,
        Ok(Err(e)) => e.report(error),
        Err(payload) => {
            FfiError::new(PsujStatus::Panic, "Panic", panic_message(&*payload)).report(error)
        }
    }
}

/// For exports with no status to return (the `*_free` functions): a panic is swallowed,
/// because there is nobody to report it to and unwinding would abort.
pub fn boundary_void(body: impl FnOnce()) {
    let _ignored = catch_unwind(AssertUnwindSafe(body));
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic payload".to_owned());
    format!("internal error (panic) in psujobs_native: {text}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::buffer::PsujBuffer;

    fn zeroed() -> PsujError {
        PsujError {
            status: PsujStatus::Ok,
            position: -1,
            id: PsujBuffer::empty(),
            message: PsujBuffer::empty(),
        }
    }

    fn text(buf: &PsujBuffer) -> String {
        // SAFETY: test-only view of a buffer we just created.
        let bytes = unsafe { std::slice::from_raw_parts(buf.ptr, buf.len) };
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[test]
    fn panic_becomes_status_with_message() {
        let mut err = zeroed();
        let status = boundary(&mut err, || panic!("boom"));
        assert_eq!(status, PsujStatus::Panic);
        assert_eq!(text(&err.id), "Panic");
        assert!(text(&err.message).contains("boom"));
        crate::error::psuj_error_free(&mut err);
    }

    #[test]
    fn error_carries_id_and_position() {
        let mut err = zeroed();
        let status = boundary(&mut err, || {
            Err(FfiError::failed("ClixmlInvalid", "bad").at(42))
        });
        assert_eq!(status, PsujStatus::Failed);
        assert_eq!(err.position, 42);
        assert_eq!(text(&err.id), "ClixmlInvalid");
        crate::error::psuj_error_free(&mut err);
        // A null error pointer is allowed: only the status comes back.
        assert_eq!(
            boundary(std::ptr::null_mut(), || Err(FfiError::cancelled())),
            PsujStatus::Cancelled
        );
    }
}
