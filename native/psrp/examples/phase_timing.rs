use std::sync::Arc;
use std::time::Instant;
use psrp::{Environment, Event, Invocation, NoHost, Pool};
#[tokio::main]
async fn main() {
    let env = Environment::pwsh("pwsh", std::env::args().nth(1).unwrap());
    let pool = Pool::new(env.clone(), 1);
    for i in 0..6 {
        let session = pool.take_warm().await.expect("warm");
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let t = Instant::now();
        let mut inv = if i%2==0 { Invocation::text("$UAJobId; $env:PSUJOBS_X; Get-Date") } else { Invocation::file("/work/main/tests/scripts/Trivial.ps1") };
        if i % 2 == 0 { inv = inv.env("PSUJOBS_X", "1"); inv.variables.push(("UAJobId".into(), clixml::Value::I64(3))); }
        let mut h = session.run(inv, Arc::new(NoHost)).await.unwrap();
        let started = t.elapsed();
        let mut first = None;
        while let Some(e) = h.next_event().await { if let Event::Output(o) = &e { if i%2==0 {println!("{:?}", o.clixml);} if first.is_none() { first = Some(t.elapsed()); } } }
        let ended = t.elapsed();
        h.outcome().await.unwrap();
        println!("prep={} started={:?} first={:?} events_end={:?} outcome={:?}", i%2==0, started, first, ended, t.elapsed());
    }
}
