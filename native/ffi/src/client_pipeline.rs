//! Pipeline output exports. The objects travel as the job's whole CliXml document (one
//! request with `Accept: application/clixml`, so `Ref`s across objects resolve); the module
//! decodes it with the same `psuj_clixml_decoder_*` that `ConvertFrom-PSUCliXml` uses.

use crate::buffer::{PsujBuffer, write_out};
use crate::cancel::PsujCancel;
use crate::client_connection::{PsujClient, call, client_arg, job_arg};
use crate::error::{PsujError, PsujStatus};
use crate::panic::boundary;

/// The job's pipeline output as one CliXml document (UTF-8 bytes).
#[unsafe(no_mangle)]
pub extern "C" fn psuj_client_pipeline_clixml(
    client: *const PsujClient,
    job: *const u8,
    job_len: usize,
    cancel: *const PsujCancel,
    out_clixml: *mut PsujBuffer,
    error: *mut PsujError,
) -> PsujStatus {
    boundary(error, || {
        let client = client_arg(client)?;
        let job = job_arg(job, job_len)?;
        let document = call(cancel, client.pipeline_output_clixml(job))?;
        write_out(out_clixml, document.into_bytes())
    })
}

/// Deletes the job's stored pipeline output.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_client_delete_pipeline_output(
    client: *const PsujClient,
    job: *const u8,
    job_len: usize,
    cancel: *const PsujCancel,
    error: *mut PsujError,
) -> PsujStatus {
    boundary(error, || {
        let client = client_arg(client)?;
        let job = job_arg(job, job_len)?;
        call(cancel, client.delete_pipeline_output(job))
    })
}
