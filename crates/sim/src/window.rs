//! Sliding-window rate limiting: at most `limit` accepted requests per bucket in any
//! `window`. Rejected requests are not recorded, so they do not extend the wait.
//!
//! The windows run on tokio's clock ([`now`]): wall time, except in a test whose runtime
//! pauses time, where an hour of polling against the simulators passes in seconds.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// The instant rate-limit windows count from: tokio's clock (paused and advanced by tests
/// that simulate hours; the wall clock otherwise).
pub fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    window: Duration,
    buckets: HashMap<String, VecDeque<Instant>>,
}

impl RateLimiter {
    pub fn new(limit: u32, window: Duration) -> RateLimiter {
        RateLimiter {
            limit,
            window,
            buckets: HashMap::new(),
        }
    }

    /// Change the limit; hits already recorded keep counting under the new window.
    pub fn set(&mut self, limit: u32, window: Duration) {
        self.limit = limit;
        self.window = window;
    }

    pub fn limit(&self) -> (u32, Duration) {
        (self.limit, self.window)
    }

    /// Record a hit on `bucket` at `now` if a slot is free; otherwise return the whole
    /// seconds until one frees (at least 1).
    pub fn check(&mut self, bucket: &str, now: Instant) -> Result<(), u64> {
        let window = self.window;
        let limit = self.limit as usize;
        if !self.buckets.contains_key(bucket) {
            self.buckets.insert(bucket.to_string(), VecDeque::new());
        }
        let Some(hits) = self.buckets.get_mut(bucket) else {
            return Ok(());
        };
        while let Some(first) = hits.front() {
            if now.saturating_duration_since(*first) >= window {
                hits.pop_front();
            } else {
                break;
            }
        }
        if hits.len() < limit {
            hits.push_back(now);
            return Ok(());
        }
        // The slot frees when the hit that keeps the count at the limit expires.
        let wait = match hits.get(hits.len() - limit) {
            Some(t) => (*t + window).saturating_duration_since(now),
            None => window,
        };
        Err((wait.as_secs_f64().ceil() as u64).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_limit_then_rejects_then_recovers() {
        let mut rl = RateLimiter::new(3, Duration::from_secs(10));
        let t0 = Instant::now();
        for i in 0..3 {
            assert!(rl.check("d:1", t0 + Duration::from_millis(i)).is_ok());
        }
        let err = rl.check("d:1", t0 + Duration::from_secs(2)).unwrap_err();
        assert_eq!(err, 8);
        // Other buckets are independent.
        assert!(rl.check("d:2", t0).is_ok());
        // Rejections do not count: after the first hit expires one slot is free.
        assert!(rl.check("d:1", t0 + Duration::from_secs(10)).is_ok());
        assert!(rl.check("d:1", t0 + Duration::from_secs(10)).is_err());
    }

    #[test]
    fn zero_limit_always_rejects_with_at_least_one_second() {
        let mut rl = RateLimiter::new(0, Duration::from_millis(100));
        assert_eq!(rl.check("k", Instant::now()), Err(1));
    }
}
