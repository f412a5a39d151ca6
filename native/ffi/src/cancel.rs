//! Cancellation tokens: C# creates one per cmdlet invocation, passes it to every blocking call,
//! and triggers it from `StopProcessing` (another thread) so Ctrl+C reaches Rust promptly.

use crate::panic::boundary_void;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::Notify;

/// Opaque handle. Internally shared (`Arc`) so a running operation keeps it alive even if the
/// caller frees its handle first.
pub struct PsujCancel {
    token: CancelToken,
}

/// The Rust-side token: a flag for synchronous loops to poll and a `Notify` for async waits.
#[derive(Clone, Default)]
pub struct CancelToken(Arc<CancelState>);

#[derive(Default)]
struct CancelState {
    triggered: AtomicBool,
    notify: Notify,
}

impl CancelToken {
    pub fn is_cancelled(&self) -> bool {
        self.0.triggered.load(Ordering::Acquire)
    }

    pub fn cancel(&self) {
        self.0.triggered.store(true, Ordering::Release);
        self.0.notify.notify_waiters();
    }

    /// Resolves once the token is triggered (immediately if it already was).
    pub async fn cancelled(&self) {
        loop {
            let notified = self.0.notify.notified();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }

    /// Borrows the token behind a handle argument that may be NULL (no cancellation).
    pub fn from_handle(handle: *const PsujCancel) -> Option<CancelToken> {
        // SAFETY: a non-null handle was returned by `psuj_cancel_new` and not yet freed; the
        // contract says the caller keeps it alive for the duration of the call.
        unsafe { handle.as_ref() }.map(|h| h.token.clone())
    }
}

/// Creates a cancellation token. Never returns NULL.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_cancel_new() -> *mut PsujCancel {
    Box::into_raw(Box::new(PsujCancel {
        token: CancelToken::default(),
    }))
}

/// Triggers the token: every call using it returns `PSUJ_STATUS_CANCELLED` promptly. Safe to
/// call from any thread, repeatedly. NULL is ignored.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_cancel_trigger(cancel: *const PsujCancel) {
    boundary_void(|| {
        if let Some(token) = CancelToken::from_handle(cancel) {
            token.cancel();
        }
    });
}

/// Releases the token. NULL is accepted.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_cancel_free(cancel: *mut PsujCancel) {
    boundary_void(|| {
        if !cancel.is_null() {
            // SAFETY: non-null handles come from `Box::into_raw` in `psuj_cancel_new` and the
            // caller frees each once.
            drop(unsafe { Box::from_raw(cancel) });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigger_reaches_an_async_waiter() {
        let handle = psuj_cancel_new();
        let token = CancelToken::from_handle(handle).unwrap();
        let waiter = std::thread::spawn({
            let token = token.clone();
            move || {
                crate::runtime::runtime()
                    .unwrap()
                    .block_on(token.cancelled())
            }
        });
        psuj_cancel_trigger(handle);
        waiter.join().unwrap();
        assert!(token.is_cancelled());
        psuj_cancel_free(handle);
        psuj_cancel_free(std::ptr::null_mut());
        psuj_cancel_trigger(std::ptr::null());
    }
}
