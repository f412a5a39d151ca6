//! A job's pipeline output: the stored CliXml records, the whole CliXml document, the decoded
//! values, and deleting them.

use model::PipelineOutput;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::job_ref::JobRef;
use crate::jobs::job_resource;
use crate::pipeline_decode::decode_record;
use crate::transport::{Accept, ApiRequest, Method};

impl Client {
    /// One record per pipeline object, each holding the object's CliXml fragment as the job
    /// sent it.
    pub async fn pipeline_output(&self, job: JobRef) -> Result<Vec<PipelineOutput>> {
        let request = ApiRequest::new(Method::Get, format!("job/{job}/pipelineOutput"));
        self.json(request, job_resource(job)).await
    }

    /// Every pipeline object as one CliXml document (`Accept: application/clixml`), the form
    /// `Import-Clixml` reads.
    pub async fn pipeline_output_clixml(&self, job: JobRef) -> Result<String> {
        let mut request = ApiRequest::new(Method::Get, format!("job/{job}/pipelineOutput"));
        request.accept = Accept::CliXml;
        let response = self.send(request, job_resource(job)).await?;
        String::from_utf8(response.body)
            .map_err(|e| Error::BadResponse(format!("the pipeline output is not UTF-8: {e}")))
    }

    /// The pipeline objects decoded, in order (what `Get-PSUJobPipelineOutput` returns).
    pub async fn pipeline_values(&self, job: JobRef) -> Result<Vec<clixml::Value>> {
        let mut values = Vec::new();
        for record in self.pipeline_output(job).await? {
            values.extend(decode_record(&record)?);
        }
        Ok(values)
    }

    pub async fn delete_pipeline_output(&self, job: JobRef) -> Result<()> {
        let request = ApiRequest::new(Method::Delete, format!("job/{job}/pipelineOutput"));
        self.send(request, job_resource(job)).await.map(drop)
    }
}
