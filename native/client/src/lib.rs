//! The PSU API client: every call the PSUJobs cmdlets make, against our server or a real
//! PowerShell Universal, plus following a job to its end.
//!
//! A [`Client`] wraps one [`Transport`] (HTTP by default, or the integrated channel of a job). Calls
//! take and return plain owned data (the `model` crate's JSON types) and fail with a typed
//! [`Error`] whose [`Error::id`] is stable.

mod client;
mod connection;
mod environments;
mod error;
mod feedback;
mod http;
mod integrated;
#[cfg(unix)]
mod integrated_direct;
mod integrated_wait;
mod job_ref;
mod jobs;
mod output_cursor;
mod path;
mod pipeline;
mod pipeline_decode;
mod run;
mod scripts;
mod tls;
mod transport;
mod wait;
mod wait_event;

pub use client::Client;
pub use connection::Connection;
pub use error::{Error, Resource, Result};
pub use http::HttpTransport;
pub use integrated::{IntegratedEndpoint, IntegratedTransport};
pub use job_ref::JobRef;
pub use pipeline::PipelineObjects;
pub use transport::{
    Accept, ApiRequest, ApiResponse, BodyStream, Method, StreamedResponse, Transport,
};
pub use wait_event::{JobProgress, WaitEvent, WaitOptions};

pub use clixml;
pub use model;
pub use tokio_util::sync::CancellationToken;
