//! Time from "run this script" to its first output record, with a warm pool and with a
//! cold process. Usage: `first_output [pwsh path] [runs]`; prints one line per mode:
//! `<mode> median_ms=<x> p90_ms=<y> runs=<n>` (parsed by bench/runner/runner.ps1).

use std::sync::Arc;
use std::time::{Duration, Instant};

use psrp::{Environment, Event, Invocation, NoHost, Pool, Session};

async fn first_output(session: Session, started: Instant) -> Duration {
    let mut handle = session
        .run(Invocation::text("1"), Arc::new(NoHost))
        .await
        .expect("run");
    loop {
        match handle.next_event().await {
            Some(Event::Output(_)) => break,
            Some(_) => {}
            None => panic!("the script produced no output"),
        }
    }
    let elapsed = started.elapsed();
    handle.outcome().await.expect("outcome");
    elapsed
}

fn report(mode: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at =
        |q: f64| samples[((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1];
    println!(
        "{mode} median_ms={:.2} p90_ms={:.2} runs={}",
        ms(at(0.5)),
        ms(at(0.9)),
        samples.len()
    );
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let pwsh = args.next().unwrap_or_else(|| "pwsh".into());
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(20);
    let env = Environment::pwsh("pwsh", pwsh);

    let pool = Pool::new(env.clone(), 1);
    let mut warm = Vec::with_capacity(runs);
    for _ in 0..runs {
        // Waiting for the pool to refill is not part of the measured path.
        let session = pool.take_warm().await.expect("warm session");
        warm.push(first_output(session, Instant::now()).await);
    }
    drop(pool);
    report("warm", warm);

    let mut cold = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let session = Session::open(&env).await.expect("cold session");
        cold.push(first_output(session, started).await);
    }
    report("cold", cold);
}
