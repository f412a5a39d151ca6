//! Feedback exports (`Get-PSUJobFeedback`, `Set-PSUJobFeedback`, and the prompts a wait
//! relays to the caller's console).

use model::FeedbackResponse;

use crate::buffer::PsujBuffer;
use crate::cancel::PsujCancel;
use crate::client_connection::{PsujClient, call, client_arg, job_arg, json_arg, write_json};
use crate::error::{FfiError, PsujError, PsujStatus};
use crate::panic::boundary;

/// The prompt the job waits on (`JobFeedback`), or JSON `null` when it waits on nothing.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_client_feedback(
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
        write_json(out_json, &call(cancel, client.feedback(job))?)
    })
}

/// Answers the job's pending prompt. `response_json` is a FeedbackResponse: `{response}`,
/// `{responses: {field: value}}` or `{choice: n}`.
#[unsafe(no_mangle)]
pub extern "C" fn psuj_client_answer_feedback(
    client: *const PsujClient,
    job: *const u8,
    job_len: usize,
    response_json: *const u8,
    response_json_len: usize,
    cancel: *const PsujCancel,
    error: *mut PsujError,
) -> PsujStatus {
    boundary(error, || {
        let client = client_arg(client)?;
        let job = job_arg(job, job_len)?;
        let response: FeedbackResponse = json_arg(response_json, response_json_len, "response")?;
        if response == FeedbackResponse::default() {
            return Err(FfiError::invalid_argument("the answer is empty"));
        }
        call(cancel, client.answer_feedback(job, &response))
    })
}
