//! Job exports (`Get-PSUJob`, `Get-PSUJobOutput`, `Get-PSUJobParameter`, `Stop-PSUJob`). A
//! job is named by its number or run id as text; answers are the model's JSON.

use model::{JobQuery, OutputQuery};

use crate::buffer::{PsujBuffer, write_out};
use crate::cancel::PsujCancel;
use crate::client_connection::{PsujClient, call, client_arg, job_arg, json_arg, write_json};
use crate::error::{PsujError, PsujStatus};
use crate::panic::boundary;

/// One page of jobs: `{page: Job[], total}`. `query_json` is a JobQuery (`take`, `skip`,
/// `orderBy`, `orderDirection`, `status`, `scriptId`, …); empty means the server's defaults.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_client_jobs(
    client: *const PsujClient,
    query_json: *const u8,
    query_json_len: usize,
    cancel: *const PsujCancel,
    out_json: *mut PsujBuffer,
    error: *mut PsujError,
) -> PsujStatus {
    boundary(error, || {
        let client = client_arg(client)?;
        let query: JobQuery = json_arg(query_json, query_json_len, "query")?;
        write_json(out_json, &call(cancel, client.jobs(&query))?)
    })
}

/// One job.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_client_job(
    client: *const PsujClient,
    job: *const u8,
    job_len: usize,
    cancel: *const PsujCancel,
    out_json: *mut PsujBuffer,
    error: *mut PsujError,
) -> PsujStatus {
    boundary(error, || {
        let client = client_arg(client)?;
        let job = job_arg(job, job_len)?;
        write_json(out_json, &call(cancel, client.job(job))?)
    })
}

/// The job's log as UTF-8 text (not JSON): one line per stream record.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_client_job_log(
    client: *const PsujClient,
    job: *const u8,
    job_len: usize,
    cancel: *const PsujCancel,
    out_text: *mut PsujBuffer,
    error: *mut PsujError,
) -> PsujStatus {
    boundary(error, || {
        let client = client_arg(client)?;
        let job = job_arg(job, job_len)?;
        write_out(out_text, call(cancel, client.job_log(job))?.into_bytes())
    })
}

/// Stream records (`JobOutput[]`). `query_json` is an OutputQuery (`after`, `take`).
#[unsafe(no_mangle)]
pub extern "C" fn psuj_client_job_output(
    client: *const PsujClient,
    job: *const u8,
    job_len: usize,
    query_json: *const u8,
    query_json_len: usize,
    cancel: *const PsujCancel,
    out_json: *mut PsujBuffer,
    error: *mut PsujError,
) -> PsujStatus {
    boundary(error, || {
        let client = client_arg(client)?;
        let job = job_arg(job, job_len)?;
        let query: OutputQuery = json_arg(query_json, query_json_len, "query")?;
        write_json(out_json, &call(cancel, client.job_output(job, &query))?)
    })
}

/// The parameters the job was started with (`JobParameter[]`).
#[unsafe(no_mangle)]
pub extern "C" fn psuj_client_job_parameters(
    client: *const PsujClient,
    job: *const u8,
    job_len: usize,
    cancel: *const PsujCancel,
    out_json: *mut PsujBuffer,
    error: *mut PsujError,
) -> PsujStatus {
    boundary(error, || {
        let client = client_arg(client)?;
        let job = job_arg(job, job_len)?;
        write_json(out_json, &call(cancel, client.job_parameters(job))?)
    })
}

/// Asks the job to stop, then answers the job (`Job`) as it is after the request.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_client_cancel_job(
    client: *const PsujClient,
    job: *const u8,
    job_len: usize,
    cancel: *const PsujCancel,
    out_json: *mut PsujBuffer,
    error: *mut PsujError,
) -> PsujStatus {
    boundary(error, || {
        let client = client_arg(client)?;
        let job = job_arg(job, job_len)?;
        let stopped = call(cancel, async {
            client.cancel_job(job).await?;
            client.job(job).await
        })?;
        write_json(out_json, &stopped)
    })
}
