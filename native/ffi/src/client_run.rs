//! Starting a script (`Invoke-PSUScript`): POST the JobContext, then read the new job back so
//! the module can return it (or wait on it) without another call.

use model::JobContext;

use crate::buffer::{PsujBuffer, utf8_arg};
use crate::cancel::PsujCancel;
use crate::client_connection::{PsujClient, call, client_arg, json_arg, write_json};
use crate::error::{FfiError, PsujError, PsujStatus};
use crate::panic::boundary;

/// Starts a script and answers the new `Job` as JSON. The script is `script_id` when it is
/// positive, else the repository path `script_path`. `context_json` is a JobContext
/// (`{environment, credential, notes, tags, jobParameters}`); empty means none.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_client_run_script(
    client: *const PsujClient,
    script_id: i64,
    script_path: *const u8,
    script_path_len: usize,
    context_json: *const u8,
    context_json_len: usize,
    cancel: *const PsujCancel,
    out_json: *mut PsujBuffer,
    error: *mut PsujError,
) -> PsujStatus {
    boundary(error, || {
        let client = client_arg(client)?;
        let path = utf8_arg(script_path, script_path_len, "script path")?;
        let context: JobContext = json_arg(context_json, context_json_len, "context")?;
        if script_id <= 0 && path.trim().is_empty() {
            return Err(FfiError::invalid_argument(
                "name the script by a positive id or a path",
            ));
        }
        let job = call(cancel, async {
            let started = if script_id > 0 {
                client.run_script(script_id, &context).await?
            } else {
                client.run_script_path(path, &context).await?
            };
            client.job(started).await
        })?;
        write_json(out_json, &job)
    })
}
