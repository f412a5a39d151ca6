//! A job's pipeline output: all of its objects (our server's CliXml document as it downloads,
//! or a real PSU's records decoded), and deleting them.

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use model::PipelineOutput;

use crate::client::{Client, parse_json};
use crate::error::Result;
use crate::job_ref::JobRef;
use crate::jobs::job_resource;
use crate::pipeline_decode::decode_record;
use crate::transport::{Accept, ApiRequest, BodyStream, Method};

/// A job's pipeline objects as the server gave them.
pub enum PipelineObjects {
    /// Our server: every object in one CliXml document, the form `Import-Clixml` reads, so
    /// `Ref`s across objects resolve. Handed over as it arrives, to be decoded as it streams:
    /// a job's output can be larger than the client should hold whole.
    Document(BodyStream),
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
        let mut body = self.send_streamed(request, job_resource(job)).await?;
        // A CliXml document starts with markup (or a byte-order mark); JSON records with `[`.
        let mut head: Vec<Bytes> = Vec::new();
        let first = loop {
            let Some(chunk) = body.try_next().await? else {
                break None;
            };
            let first = chunk.iter().copied().find(|b| !b.is_ascii_whitespace());
            head.push(chunk);
            if first.is_some() {
                break first;
            }
        };
        match first {
            // Blank, as some servers answer for a job without pipeline output: no objects.
            None => Ok(PipelineObjects::Values(Vec::new())),
            Some(b'[') => {
                head.extend(body.try_collect::<Vec<_>>().await?);
                let records: Vec<PipelineOutput> = parse_json(&head.concat(), &path)?;
                let mut values = Vec::new();
                for record in &records {
                    values.extend(decode_record(record)?);
                }
                Ok(PipelineObjects::Values(values))
            }
            Some(_) => {
                let document = futures::stream::iter(head.into_iter().map(Ok)).chain(body);
                Ok(PipelineObjects::Document(document.boxed()))
            }
        }
    }

    pub async fn delete_pipeline_output(&self, job: JobRef) -> Result<()> {
        let request = ApiRequest::new(Method::Delete, format!("job/{job}/pipelineOutput"));
        self.send(request, job_resource(job)).await.map(drop)
    }
}
