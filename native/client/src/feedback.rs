//! A job's pending prompt (`Read-Host` and friends) and answering it.

use model::{FeedbackResponse, JobFeedback};

use crate::client::Client;
use crate::error::{Error, Resource, Result};
use crate::job_ref::JobRef;
use crate::transport::{ApiRequest, Method};

impl Client {
    /// The prompt the job waits on, or `None` when it waits on nothing.
    pub async fn feedback(&self, job: JobRef) -> Result<Option<JobFeedback>> {
        let request = ApiRequest::new(Method::Get, format!("job/{job}/feedback"));
        match self.json(request, feedback_resource(job)).await {
            Ok(feedback) => Ok(Some(feedback)),
            Err(Error::NotFound {
                server_id: Some(id),
                ..
            }) if id == "job.feedback.none" => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// Answers the job's pending prompt.
    pub async fn answer_feedback(&self, job: JobRef, response: &FeedbackResponse) -> Result<()> {
        let body = serde_json::to_value(response)
            .map_err(|e| Error::InvalidArgument(format!("cannot send the answer: {e}")))?;
        let request = ApiRequest::new(Method::Post, format!("job/{job}/feedback")).body(body);
        self.send(request, feedback_resource(job)).await.map(drop)
    }
}

fn feedback_resource(job: JobRef) -> Resource {
    Resource::Feedback(job.to_string())
}
