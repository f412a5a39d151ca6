//! `psuj_client_new_integrated`: a client over a job's integrated channel
//! (docs/integrated.md) instead of HTTP. The module reads the job's channel variables through
//! .NET (a warm job process gets them set in .NET's environment block, which `getenv` does not
//! see) and passes them here.

use std::sync::Arc;

use client::{Client, IntegratedEndpoint, IntegratedTransport};
use serde::Deserialize;

use crate::buffer::utf8_arg;
use crate::client_connection::{PsujClient, client_error};
use crate::error::{FfiError, PsujError, PsujStatus};
use crate::panic::boundary;
use crate::runtime::runtime;

/// The endpoint as the module sends it (JSON, camelCase).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EndpointArgs {
    address: String,
    job_id: i64,
    secret: String,
}

/// Creates a client over the integrated channel from
/// `{"address": "/tmp/psujobs-1-ab.sock", "jobId": 5, "secret": "..."}` and connects at once,
/// so a refused secret (`IntegratedRefused`) or a missing server (`ServerUnreachable`) is
/// reported here rather than on the first call.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_client_new_integrated(
    endpoint_json: *const u8,
    endpoint_json_len: usize,
    out_client: *mut *mut PsujClient,
    error: *mut PsujError,
) -> PsujStatus {
    boundary(error, || {
        let text = utf8_arg(endpoint_json, endpoint_json_len, "endpoint")?;
        let args: EndpointArgs = serde_json::from_str(text)
            .map_err(|e| FfiError::invalid_argument(format!("endpoint is not valid: {e}")))?;
        if out_client.is_null() {
            return Err(FfiError::null_argument("out client"));
        }
        let transport = IntegratedTransport::new(IntegratedEndpoint {
            address: args.address,
            job_id: args.job_id,
            secret: args.secret,
        });
        runtime()?
            .block_on(transport.connect())
            .map_err(client_error)?;
        let handle = Box::new(PsujClient {
            client: Arc::new(Client::with_transport(Arc::new(transport))),
        });
        // SAFETY: non-null pointer to the caller's handle slot; overwritten without reading.
        unsafe { out_client.write(Box::into_raw(handle)) };
        Ok(())
    })
}
