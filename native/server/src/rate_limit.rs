//! Throttles clients that keep presenting bad tokens: after `max_failures` failures within
//! `window` from one address, that address gets 429 until the window has passed.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct FailureLimiter {
    max_failures: u32,
    window: Duration,
    seen: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl FailureLimiter {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        Self {
            max_failures,
            window,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Seconds until `ip` may try again, when it is blocked.
    pub fn blocked(&self, ip: IpAddr) -> Option<u64> {
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let (start, count) = seen.get(&ip)?;
        let left = self.window.checked_sub(start.elapsed())?;
        (*count >= self.max_failures).then(|| left.as_secs().max(1))
    }

    pub fn record_failure(&self, ip: IpAddr) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        // Forget expired windows so the map cannot grow without bound.
        seen.retain(|_, (start, _)| start.elapsed() < self.window);
        let entry = seen.entry(ip).or_insert((Instant::now(), 0));
        entry.1 += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_and_forgets_after_the_window() {
        let ip: IpAddr = [127, 0, 0, 1].into();
        let limiter = FailureLimiter::new(2, Duration::from_millis(200));
        limiter.record_failure(ip);
        assert_eq!(limiter.blocked(ip), None);
        limiter.record_failure(ip);
        assert!(limiter.blocked(ip).is_some());
        std::thread::sleep(Duration::from_millis(250));
        assert_eq!(limiter.blocked(ip), None);
    }
}
