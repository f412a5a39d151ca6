//! One API call (`GET job/{id}`) timed over the integrated channel and over HTTP, from inside a
//! job: `roundtrip_bench <count> <url> <app-token>`, with the job's `PSUJOBS_IPC_ADDRESS`,
//! `PSUJOBS_JOB_ID` and `PSUJOBS_IPC_SECRET` in the environment. Prints one JSON line with the
//! mean milliseconds of each. This is the transport alone, under the cmdlets (whose own
//! PowerShell cost is the same for both); bench/integrated prints it beside the cmdlet figures.
//! Calls are made as the module makes them: `block_on` from the caller's thread on a
//! two-worker runtime.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use client::{Client, Connection, IntegratedEndpoint, IntegratedTransport, JobRef};

fn main() -> ExitCode {
    match run() {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("roundtrip_bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<String, Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [count, url, token] = args.as_slice() else {
        return Err("usage: roundtrip_bench <count> <url> <app-token>".into());
    };
    let count: u32 = count.parse()?;
    let var = |name: &str| {
        std::env::var(name).map_err(|_| format!("{name} is not set: run me inside a job"))
    };
    let endpoint = IntegratedEndpoint {
        address: var("PSUJOBS_IPC_ADDRESS")?,
        job_id: var("PSUJOBS_JOB_ID")?.parse()?,
        secret: var("PSUJOBS_IPC_SECRET")?,
    };
    let job = JobRef::from(endpoint.job_id);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let integrated = Client::with_transport(Arc::new(IntegratedTransport::new(endpoint)));
    let rest = Client::new(Connection::new(url.as_str()).with_app_token(token.as_str()))?;
    let mean_ms = |client: &Client| -> Result<f64, client::Error> {
        // The first call opens the connection; it is not what is measured.
        runtime.block_on(client.job(job))?;
        let started = Instant::now();
        for _ in 0..count {
            std::hint::black_box(runtime.block_on(client.job(job))?);
        }
        Ok(started.elapsed().as_secs_f64() * 1000.0 / f64::from(count))
    };
    let integrated_ms = mean_ms(&integrated)?;
    let rest_ms = mean_ms(&rest)?;
    Ok(format!(
        "{{\"integratedMs\":{integrated_ms:.4},\"restMs\":{rest_ms:.4}}}"
    ))
}
