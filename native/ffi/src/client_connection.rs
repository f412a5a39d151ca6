//! The client handle (`psuj_client_*`): one REST client per server the module talks to, plus
//! the helpers every client export shares: reading a job reference, running a client call on
//! the shared runtime under a cancellation token, and handing JSON back.

use std::sync::Arc;
use std::time::Duration;

use client::{Client, Connection, Error as ClientError, JobRef};
use serde::Deserialize;

use crate::buffer::{PsujBuffer, utf8_arg, write_out};
use crate::cancel::{CancelToken, PsujCancel};
use crate::error::{FfiError, PsujError, PsujStatus};
use crate::panic::{boundary, boundary_void};
use crate::runtime::{block_on_cancellable, runtime};

/// Opaque handle over a [`Client`]. The client is shared (`Arc`) so a wait started from it
/// keeps working even if the module frees the handle first.
pub struct PsujClient {
    pub(crate) client: Arc<Client>,
}

/// The connection settings as the module sends them (JSON, camelCase).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConnectionArgs {
    base_url: String,
    #[serde(default)]
    app_token: Option<String>,
    #[serde(default)]
    trust_certificate: bool,
    #[serde(default)]
    use_default_credentials: bool,
    /// Per-request limit; absent means the client's default.
    #[serde(default)]
    timeout_seconds: Option<f64>,
}

impl ConnectionArgs {
    fn into_connection(self) -> Result<Connection, FfiError> {
        let mut connection = Connection::new(self.base_url);
        connection.app_token = self.app_token.filter(|t| !t.is_empty());
        connection.trust_certificate = self.trust_certificate;
        connection.use_default_credentials = self.use_default_credentials;
        if let Some(seconds) = self.timeout_seconds {
            connection.timeout = Duration::try_from_secs_f64(seconds)
                .ok()
                .filter(|t| !t.is_zero())
                .ok_or_else(|| {
                    FfiError::invalid_argument(format!("timeoutSeconds {seconds} is not positive"))
                })?;
        }
        Ok(connection)
    }
}

/// A client error as it crosses the boundary: the client's stable id, its message, and the
/// server's own error id when it sent one (so a script can tell `job.feedback.none` apart).
pub(crate) fn client_error(err: ClientError) -> FfiError {
    match err {
        ClientError::Canceled => FfiError::cancelled(),
        other => {
            let message = match other.server_id() {
                Some(server_id) => format!("{other} [{server_id}]"),
                None => other.to_string(),
            };
            FfiError::failed(other.id(), message)
        }
    }
}

/// Borrows the client behind a handle argument.
pub(crate) fn client_arg(client: *const PsujClient) -> Result<Arc<Client>, FfiError> {
    // SAFETY: a non-null handle was returned by `psuj_client_new` and not yet freed; the caller
    // keeps it alive for the duration of the call.
    unsafe { client.as_ref() }
        .map(|handle| handle.client.clone())
        .ok_or_else(|| FfiError::null_argument("client"))
}

/// A job given as its number (`42`) or its run id (a GUID).
pub(crate) fn job_arg(ptr: *const u8, len: usize) -> Result<JobRef, FfiError> {
    let text = utf8_arg(ptr, len, "job")?.trim();
    if let Ok(id) = text.parse::<i64>() {
        return Ok(JobRef::Id(id));
    }
    uuid::Uuid::parse_str(text).map(JobRef::RunId).map_err(|_| {
        FfiError::invalid_argument(format!("{text:?} is neither a job id nor a run id"))
    })
}

/// A JSON argument; empty means the type's default.
pub(crate) fn json_arg<T: serde::de::DeserializeOwned + Default>(
    ptr: *const u8,
    len: usize,
    what: &'static str,
) -> Result<T, FfiError> {
    let text = utf8_arg(ptr, len, what)?;
    if text.trim().is_empty() {
        return Ok(T::default());
    }
    serde_json::from_str(text)
        .map_err(|e| FfiError::invalid_argument(format!("{what} is not valid JSON: {e}")))
}

/// Runs one client call on the shared runtime, returning promptly when `cancel` fires.
pub(crate) fn call<T>(
    cancel: *const PsujCancel,
    work: impl Future<Output = client::Result<T>>,
) -> Result<T, FfiError> {
    block_on_cancellable(CancelToken::from_handle(cancel), async {
        work.await.map_err(client_error)
    })
}

/// Serialises `value` into the caller's out buffer.
pub(crate) fn write_json(
    out: *mut PsujBuffer,
    value: &impl serde::Serialize,
) -> Result<(), FfiError> {
    let bytes = serde_json::to_vec(value)
        .map_err(|e| FfiError::failed("Internal", format!("cannot encode the answer: {e}")))?;
    write_out(out, bytes)
}

/// Creates a client from connection JSON:
/// `{"baseUrl": "http://host:5000", "appToken": "...", "trustCertificate": false,
///   "useDefaultCredentials": false, "timeoutSeconds": 100}`. No request is sent yet.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_client_new(
    connection_json: *const u8,
    connection_json_len: usize,
    out_client: *mut *mut PsujClient,
    error: *mut PsujError,
) -> PsujStatus {
    boundary(error, || {
        let text = utf8_arg(connection_json, connection_json_len, "connection")?;
        let args: ConnectionArgs = serde_json::from_str(text)
            .map_err(|e| FfiError::invalid_argument(format!("connection is not valid: {e}")))?;
        let connection = args.into_connection()?;
        if out_client.is_null() {
            return Err(FfiError::null_argument("out client"));
        }
        // reqwest's connector captures the runtime it is built in.
        let _entered = runtime()?.enter();
        let client = Client::new(connection).map_err(client_error)?;
        let handle = Box::new(PsujClient {
            client: Arc::new(client),
        });
        // SAFETY: non-null pointer to the caller's handle slot; overwritten without reading.
        unsafe { out_client.write(Box::into_raw(handle)) };
        Ok(())
    })
}

/// Releases a client. Waits started from it keep their own reference. NULL is accepted.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_client_free(client: *mut PsujClient) {
    boundary_void(|| {
        if !client.is_null() {
            // SAFETY: non-null handles come from `Box::into_raw` in `psuj_client_new`, freed once.
            drop(unsafe { Box::from_raw(client) });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_references_and_connection_arguments() {
        let text = "42";
        assert_eq!(job_arg(text.as_ptr(), text.len()).unwrap(), JobRef::Id(42));
        let guid = "0d2b34ff-43ce-4b0e-9b8c-3f3a1f8b1d00";
        assert!(matches!(
            job_arg(guid.as_ptr(), guid.len()).unwrap(),
            JobRef::RunId(_)
        ));
        let bad = "job";
        assert_eq!(
            job_arg(bad.as_ptr(), bad.len()).unwrap_err().id,
            "InvalidArgument"
        );

        let args: ConnectionArgs =
            serde_json::from_str(r#"{"baseUrl":"http://x","appToken":"","timeoutSeconds":0}"#)
                .unwrap();
        assert!(args.into_connection().is_err());
        let args: ConnectionArgs = serde_json::from_str(
            r#"{"baseUrl":"http://x","appToken":"t","trustCertificate":true}"#,
        )
        .unwrap();
        let connection = args.into_connection().unwrap();
        assert_eq!(connection.app_token.as_deref(), Some("t"));
        assert!(connection.trust_certificate);
    }

    #[test]
    fn client_errors_keep_their_ids() {
        assert_eq!(
            client_error(ClientError::Canceled).status,
            PsujStatus::Cancelled
        );
        let err = client_error(ClientError::BadRequest {
            server_id: Some("script.parameters.invalid".into()),
            message: "Unknown parameter X".into(),
        });
        assert_eq!(err.id, "BadRequest");
        assert!(err.message.ends_with("[script.parameters.invalid]"));
    }
}
