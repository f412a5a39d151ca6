//! Script exports (`Get-PSUScript`, `Invoke-PSUScript`'s dynamic parameters). Answers are the
//! model's JSON: `Script`, `Script[]`, `ScriptParameter[]`.

use crate::buffer::{PsujBuffer, utf8_arg};
use crate::cancel::PsujCancel;
use crate::client_connection::{PsujClient, call, client_arg, write_json};
use crate::error::{PsujError, PsujStatus};
use crate::panic::boundary;

/// Every script, as a JSON array.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_client_scripts(
    client: *const PsujClient,
    cancel: *const PsujCancel,
    out_json: *mut PsujBuffer,
    error: *mut PsujError,
) -> PsujStatus {
    boundary(error, || {
        let client = client_arg(client)?;
        write_json(out_json, &call(cancel, client.scripts())?)
    })
}

/// One script by id.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_client_script(
    client: *const PsujClient,
    id: i64,
    cancel: *const PsujCancel,
    out_json: *mut PsujBuffer,
    error: *mut PsujError,
) -> PsujStatus {
    boundary(error, || {
        let client = client_arg(client)?;
        write_json(out_json, &call(cancel, client.script(id))?)
    })
}

/// One script by name or repository path (`Script.ps1`, `Folder\Script.ps1`).
#[unsafe(no_mangle)]
pub extern "C" fn psuj_client_script_by_name(
    client: *const PsujClient,
    name: *const u8,
    name_len: usize,
    cancel: *const PsujCancel,
    out_json: *mut PsujBuffer,
    error: *mut PsujError,
) -> PsujStatus {
    boundary(error, || {
        let client = client_arg(client)?;
        let name = utf8_arg(name, name_len, "name")?;
        write_json(out_json, &call(cancel, client.script_by_name(name))?)
    })
}

/// The parameters of script `id`'s `param` block.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_client_script_parameters(
    client: *const PsujClient,
    id: i64,
    cancel: *const PsujCancel,
    out_json: *mut PsujBuffer,
    error: *mut PsujError,
) -> PsujStatus {
    boundary(error, || {
        let client = client_arg(client)?;
        write_json(out_json, &call(cancel, client.script_parameters(id))?)
    })
}
