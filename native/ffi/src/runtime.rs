//! The one tokio runtime per module load, created on first use, and the helper that runs a
//! future on it until it finishes or its cancellation token fires.

use crate::cancel::CancelToken;
use crate::error::FfiError;
use std::future::Future;
use std::sync::OnceLock;
use tokio::runtime::Runtime;

static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();

/// The shared multi-threaded runtime (2 workers: the module's I/O is network-bound).
pub fn runtime() -> Result<&'static Runtime, FfiError> {
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("psujobs-native")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| {
            FfiError::failed(
                "RuntimeUnavailable",
                format!("cannot start the async runtime: {e}"),
            )
        })
}

/// Blocks the calling (PowerShell pipeline) thread on `work`, returning
/// `PSUJ_STATUS_CANCELLED` as soon as `cancel` is triggered. Exports for long calls (wait,
/// tail, HTTP) are one-liners around this.
pub fn block_on_cancellable<T>(
    cancel: Option<CancelToken>,
    work: impl Future<Output = Result<T, FfiError>>,
) -> Result<T, FfiError> {
    let rt = runtime()?;
    match cancel {
        None => rt.block_on(work),
        Some(token) => rt.block_on(async {
            tokio::select! {
                biased;
                () = token.cancelled() => Err(FfiError::cancelled()),
                result = work => result,
            }
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn cancellation_interrupts_a_pending_future() {
        let token = CancelToken::default();
        let trigger = token.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            trigger.cancel();
        });
        let result: Result<(), _> = block_on_cancellable(Some(token), std::future::pending());
        assert_eq!(result.unwrap_err().id, "Cancelled");
        assert_eq!(block_on_cancellable(None, async { Ok(7) }).unwrap(), 7);
    }
}
