//! Environment export (`-Environment` completion). The answer is the model's JSON:
//! `Environment[]`.

use crate::buffer::PsujBuffer;
use crate::cancel::PsujCancel;
use crate::client_connection::{PsujClient, call, client_arg, write_json};
use crate::error::{PsujError, PsujStatus};
use crate::panic::boundary;

/// Every environment the server has, as a JSON array.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_client_environments(
    client: *const PsujClient,
    cancel: *const PsujCancel,
    out_json: *mut PsujBuffer,
    error: *mut PsujError,
) -> PsujStatus {
    boundary(error, || {
        let client = client_arg(client)?;
        write_json(out_json, &call(cancel, client.environments())?)
    })
}
