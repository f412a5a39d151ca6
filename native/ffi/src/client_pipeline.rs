//! Pipeline output exports. The objects travel as the job's whole CliXml document (one
//! request with `Accept: application/clixml`, so `Ref`s across objects resolve) and go
//! straight into a `psuj_clixml_decoder_*` handle, the one `ConvertFrom-PSUCliXml` uses: the
//! document never crosses into .NET as text (which would hold it twice more, as UTF-16 and
//! again as UTF-8). A real PSU answers with its JSON records instead; the values they hold go
//! into the same kind of handle.

use client::PipelineObjects;

use crate::cancel::PsujCancel;
use crate::client_connection::{PsujClient, call, client_arg, job_arg};
use crate::clixml::{PsujClixmlDecoder, write_handle};
use crate::error::{PsujError, PsujStatus};
use crate::panic::boundary;

/// Fetches the job's pipeline output and opens a decoder over it; pull its objects with
/// `psuj_clixml_decoder_next` and release it with `psuj_clixml_decoder_free`.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_client_pipeline_decoder(
    client: *const PsujClient,
    job: *const u8,
    job_len: usize,
    cancel: *const PsujCancel,
    out_decoder: *mut *mut PsujClixmlDecoder,
    error: *mut PsujError,
) -> PsujStatus {
    boundary(error, || {
        let client = client_arg(client)?;
        let job = job_arg(job, job_len)?;
        let decoder = match call(cancel, client.pipeline_objects(job))? {
            PipelineObjects::Document(document) => PsujClixmlDecoder::over_bytes(document),
            PipelineObjects::Values(values) => PsujClixmlDecoder::over_values(values),
        };
        write_handle(out_decoder, decoder)
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
