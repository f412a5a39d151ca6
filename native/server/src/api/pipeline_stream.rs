//! The body of `GET /job/{id}/pipelineOutput`, streamed a page of records at a time: a job's
//! pipeline output can run to hundreds of megabytes, and neither it nor the answer built from
//! it is ever held whole.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use futures::Stream;
use model::PipelineOutput;

use super::json_data::json_data;
use crate::store::{Store, StoreError};

/// Records read from the store per page.
pub const PAGE: i64 = 1000;

/// The two forms of the answer.
#[derive(Clone, Copy)]
pub enum Form {
    /// `PipelineOutput[]`.
    Json,
    /// One `Import-Clixml`-readable document holding every object, in order.
    CliXml,
}

impl Form {
    pub fn content_type(self) -> &'static str {
        match self {
            Form::Json => "application/json",
            Form::CliXml => "application/clixml",
        }
    }

    fn open(self) -> Bytes {
        match self {
            Form::Json => Bytes::from_static(b"["),
            Form::CliXml => format!("{}>", clixml::DOCUMENT_ROOT).into(),
        }
    }

    fn close(self) -> &'static str {
        match self {
            Form::Json => "]",
            Form::CliXml => "</Objs>",
        }
    }

    /// One page of records; `first` when nothing was written before it. JSON records carry
    /// PSU's `jsonData` beside the CliXml, made as they are written.
    fn page(self, records: &mut [PipelineOutput], first: bool) -> Result<Bytes, StoreError> {
        let mut out = Vec::new();
        for (i, record) in records.iter_mut().enumerate() {
            match self {
                Form::Json => {
                    if !(first && i == 0) {
                        out.push(b',');
                    }
                    record.json_data = json_data(&record.data);
                    serde_json::to_writer(&mut out, record)?;
                }
                Form::CliXml => out.extend_from_slice(record.data.as_bytes()),
            }
        }
        Ok(out.into())
    }
}

/// The answer for `job_id`, whose first page the caller has read already (so that a store
/// failure before anything is sent is still an error answer).
pub fn body(store: Arc<dyn Store>, job_id: i64, first: Vec<PipelineOutput>, form: Form) -> Body {
    Body::from_stream(pages(store, job_id, first, form))
}

fn pages(
    store: Arc<dyn Store>,
    job_id: i64,
    first: Vec<PipelineOutput>,
    form: Form,
) -> impl Stream<Item = Result<Bytes, StoreError>> {
    async_stream::try_stream! {
        yield form.open();
        let mut page = first;
        let mut written = false;
        while let Some(last) = page.last().map(|record| record.id) {
            yield form.page(&mut page, !written)?;
            written = true;
            if (page.len() as i64) < PAGE {
                break;
            }
            page = store.pipeline(job_id, last, PAGE)?;
        }
        yield Bytes::from_static(form.close().as_bytes());
    }
}
