//! 100,000 pipeline objects stream through with bounded memory: consumed as they arrive,
//! our side's resident memory must not grow with the count.

mod common;

use std::sync::Arc;

use psrp::{Event, FinalState, Invocation, NoHost, Session};

/// Resident set size of this test process, in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_thousand_objects_with_bounded_memory() {
    const COUNT: u64 = 100_000;
    let session = Session::open(&common::env()).await.unwrap();
    let script = "1..100000 | ForEach-Object { [pscustomobject]@{ Id = $_; Name = \"item $_\" } }";
    let mut handle = session
        .run(Invocation::text(script), Arc::new(NoHost))
        .await
        .unwrap();
    let mut seen = 0u64;
    let mut last_id = 0i64;
    let mut rss_at_10k = 0;
    let mut rss_peak = 0;
    while let Some(event) = handle.next_event().await {
        if let Event::Output(o) = event {
            seen += 1;
            // Spot-check content without keeping anything.
            if seen.is_multiple_of(10_000) {
                let v = o.decode().unwrap();
                last_id = v
                    .as_object()
                    .and_then(|x| x.property("Id"))
                    .and_then(|i| i.as_i64())
                    .unwrap();
            }
            if seen == 10_000 {
                rss_at_10k = rss_kib();
            }
            if seen.is_multiple_of(5_000) {
                rss_peak = rss_peak.max(rss_kib());
            }
        }
    }
    let outcome = handle.outcome().await.unwrap();
    assert_eq!(outcome.state, FinalState::Completed);
    assert_eq!(seen, COUNT);
    assert_eq!(last_id, 100_000);
    // Holding 90,000 more objects would cost tens of MiB; allow noise, not growth.
    let growth = rss_peak.saturating_sub(rss_at_10k);
    assert!(
        growth < 8 * 1024,
        "RSS grew by {growth} KiB between 10k and 100k objects"
    );
}
