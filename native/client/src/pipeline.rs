//! A job's pipeline output: all of its objects at once (our server's whole CliXml document, or
//! a real PSU's records decoded), and deleting them.

use model::PipelineOutput;

use crate::client::{Client, parse_json};
use crate::error::Result;
use crate::job_ref::JobRef;
use crate::jobs::job_resource;
use crate::pipeline_decode::decode_record;
use crate::transport::{Accept, ApiRequest, Method};

/// A job's pipeline objects as the server gave them.
#[derive(Debug, PartialEq)]
pub enum PipelineObjects {
    /// Our server: every object in one CliXml document, the form `Import-Clixml` reads, so
    /// `Ref`s across objects resolve and the document can be decoded as it streams.
    Document(Vec<u8>),
    /// A real PSU, which answers `Accept: application/clixml` with its JSON records: the
    /// values they hold, in order.
    Values(Vec<clixml::Value>),
}

impl Client {
    /// Every pipeline object (what `Get-PSUJobPipelineOutput` returns), asked for as one
    /// CliXml document (`Accept: application/clixml`).
    pub async fn pipeline_objects(&self, job: JobRef) -> Result<PipelineObjects> {
        let mut request = ApiRequest::new(Method::Get, format!("job/{job}/pipelineOutput"));
        request.accept = Accept::CliXml;
        let path = request.path.clone();
        let body = self.send(request, job_resource(job)).await?.body;
        // A CliXml document starts with markup (or a byte-order mark); JSON records with `[`.
        if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'[') {
            return Ok(PipelineObjects::Document(body));
        }
        let records: Vec<PipelineOutput> = parse_json(&body, &path)?;
        let mut values = Vec::new();
        for record in &records {
            values.extend(decode_record(record)?);
        }
        Ok(PipelineObjects::Values(values))
    }

    pub async fn delete_pipeline_output(&self, job: JobRef) -> Result<()> {
        let request = ApiRequest::new(Method::Delete, format!("job/{job}/pipelineOutput"));
        self.send(request, job_resource(job)).await.map(drop)
    }
}
