//! Job calls: list, get, log, stream output, parameters, children, cancel.

use std::time::Duration;

use model::{Job, JobLog, JobOutput, JobParameter, JobQuery, OutputQuery, Page};
use serde::Deserialize;

use crate::client::Client;
use crate::error::{Error, Resource, Result};
use crate::job_ref::JobRef;
use crate::transport::{ApiRequest, Method};

impl Client {
    /// One page of jobs. A server that answers a bare array (no paging envelope) is read as one
    /// page whose total is its length.
    pub async fn jobs(&self, query: &JobQuery) -> Result<Page<Job>> {
        let request = ApiRequest::new(Method::Get, "job").query_from(query);
        let answer: PageOrList = self.json(request, Resource::Route("job".into())).await?;
        Ok(answer.into_page())
    }

    pub async fn job(&self, job: JobRef) -> Result<Job> {
        self.json(
            ApiRequest::new(Method::Get, format!("job/{job}")),
            job_resource(job),
        )
        .await
    }

    /// The job's whole log: every stream record as text, one per line.
    pub async fn job_log(&self, job: JobRef) -> Result<String> {
        let request = ApiRequest::new(Method::Get, format!("job/{job}/log"));
        let log: JobLog = self.json(request, job_resource(job)).await?;
        Ok(log.log)
    }

    /// Stream records. With `query.wait` the server may hold the answer that many seconds until
    /// a newer record exists (a server without long-polling answers at once).
    pub async fn job_output(&self, job: JobRef, query: &OutputQuery) -> Result<Vec<JobOutput>> {
        let mut request =
            ApiRequest::new(Method::Get, format!("job/{job}/output")).query_from(query);
        request.hold = Duration::from_secs(query.wait.unwrap_or(0).into());
        let records: Vec<JobOutput> = self.json(request, job_resource(job)).await?;
        Ok(records.into_iter().map(with_message).collect())
    }

    /// The parameters the job was started with (secrets redacted). A server without the route
    /// (PSU) is asked for the job, which carries them too.
    pub async fn job_parameters(&self, job: JobRef) -> Result<Vec<JobParameter>> {
        let request = ApiRequest::new(Method::Get, format!("job/{job}/parameters"));
        match self.json(request, job_resource(job)).await {
            Err(err) if route_missing(&err) => Ok(self.job(job).await?.parameters),
            other => other,
        }
    }

    /// The jobs this job started. A server without the route (PSU) is asked for the jobs whose
    /// parent is this one.
    pub async fn job_children(&self, job: JobRef) -> Result<Vec<Job>> {
        let request = ApiRequest::new(Method::Get, format!("job/{job}/children"));
        match self.json(request, job_resource(job)).await {
            Err(err) if route_missing(&err) => {
                let parent = self.job(job).await?;
                let query = JobQuery {
                    parent_job_id: Some(parent.id),
                    ..JobQuery::default()
                };
                Ok(self.jobs(&query).await?.page)
            }
            other => other,
        }
    }

    /// Asks the job (and its children) to stop; it goes through Canceling to Canceled.
    pub async fn cancel_job(&self, job: JobRef) -> Result<()> {
        let request = ApiRequest::new(Method::Post, format!("job/{job}/cancel"));
        self.send(request, job_resource(job)).await.map(drop)
    }
}

pub(crate) fn job_resource(job: JobRef) -> Resource {
    Resource::Job(job.to_string())
}

/// A 404 without our server's error id: the route itself is unknown (a real PSU), not the job.
fn route_missing(err: &Error) -> bool {
    matches!(
        err,
        Error::NotFound {
            server_id: None,
            ..
        }
    )
}

/// PSU records may carry their text in `data` rather than `message`; ours keep CliXml there.
fn with_message(mut record: JobOutput) -> JobOutput {
    if let Some(data) = record.data.as_deref()
        && record.message.is_empty()
        && !data.trim_start().starts_with('<')
    {
        record.message = data.to_owned();
    }
    record
}

#[derive(Deserialize)]
#[serde(untagged)]
enum PageOrList {
    Page(Page<Job>),
    List(Vec<Job>),
}

impl PageOrList {
    fn into_page(self) -> Page<Job> {
        match self {
            Self::Page(page) => page,
            Self::List(page) => Page {
                total: page.len() as i64,
                page,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psu_text_in_data_becomes_the_message() {
        let psu: JobOutput =
            serde_json::from_str(r#"{"type":0,"message":null,"data":"hi"}"#).unwrap();
        assert_eq!(with_message(psu).message, "hi");
        let ours = JobOutput {
            message: String::new(),
            data: Some("<Obj RefId=\"0\"/>".into()),
            ..JobOutput::default()
        };
        assert_eq!(with_message(ours).message, "");
    }

    #[test]
    fn a_bare_list_is_one_page() {
        let page: PageOrList = serde_json::from_str(r#"[{"id":1},{"id":2}]"#).unwrap();
        assert_eq!(page.into_page().total, 2);
        let page: PageOrList = serde_json::from_str(r#"{"page":[{"id":1}],"total":40}"#).unwrap();
        assert_eq!(page.into_page().total, 40);
    }
}
