//! The client against wiremock servers: request shapes, response parsing (ours and PSU's),
//! error mapping, TLS, and following jobs.

mod common;
mod environments;
mod errors;
mod fake_job;
mod feedback;
mod integrated;
mod jobs;
mod run;
mod scripts;
mod tls;
mod wait;
