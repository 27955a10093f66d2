//! Request budgets and backoff: the arithmetic the pollers use to stay inside each
//! provider's documented rate limit.
//!
//! A budget scope (a domain, an API key …) gets a sliding window of
//! `limit − margin` requests per `per`. A slot is taken when a job is dispatched and
//! stamped with the time its response arrived, which is never earlier than the time the
//! provider counted the request; so our window can only free a slot after the
//! provider's has. A 429 pauses the scope until the window resets (or `Retry-After`).
//!
//! Written by hand rather than with `governor`: the console must show "requests left in
//! this window" and "next slot in N s", and must reserve several requests for one job,
//! which a GCRA limiter does not expose.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use tokio::time::Instant;

/// A documented request budget: `requests` per `per` for each budget scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: u32,
    pub per: Duration,
}

/// The request budget as the scheduler last reported it (the status bar shows it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BudgetView {
    /// Requests left in the current window of the tightest scope.
    pub remaining: u32,
    /// Requests the console allows itself per window (documented limit minus margin).
    pub limit: u32,
    pub window_s: u32,
    /// How many budget scopes (domains, where each has its own limit) the provider has.
    pub scopes: u32,
    /// 429 responses received since start (should stay 0).
    pub throttled: u32,
    /// Requests counted in the busiest scope's window (sent or in flight).
    pub used: u32,
    /// The provider's documented limit per window.
    pub documented: u32,
    /// Seconds until the oldest of those requests leaves the window.
    pub resets_in_s: u32,
    /// Seconds until the next refresh of the calls and the stats lists (None: no such job).
    pub next_refresh_s: [Option<u32>; 2],
}

/// One budget scope's figures (a domain, a customer, an account …), for a
/// collector's per-scope gauges. Scope names are the provider's configured or discovered
/// account names, never a number or call id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeBudget {
    pub scope: String,
    /// Requests left in the current window.
    pub remaining: u32,
    /// Requests allowed per window (after a 429, below the configured figure for a while).
    pub limit: u32,
}

/// The sliding window of one budget scope.
#[derive(Debug, Clone)]
pub struct Window {
    capacity: u32,
    /// The configured capacity; `capacity` drops below it after a 429 and creeps back.
    configured: u32,
    last_throttle: Option<Instant>,
    per: Duration,
    /// Completion times of the requests still inside the window, oldest first, and
    /// whether the provider accepted them (false: answered 429).
    done: VecDeque<(Instant, bool)>,
    in_flight: u32,
    paused_until: Option<Instant>,
}

impl Window {
    pub fn new(capacity: u32, per: Duration) -> Window {
        Window {
            capacity: capacity.max(1),
            configured: capacity.max(1),
            last_throttle: None,
            per,
            done: VecDeque::new(),
            in_flight: 0,
            paused_until: None,
        }
    }

    fn prune(&mut self, now: Instant) {
        while let Some(&(t, _)) = self.done.front() {
            if now.duration_since(t) >= self.per {
                self.done.pop_front();
            } else {
                break;
            }
        }
        if self.paused_until.is_some_and(|p| now >= p) {
            self.paused_until = None;
        }
    }

    /// Requests that may start now.
    pub fn available(&mut self, now: Instant) -> u32 {
        self.prune(now);
        if self.paused_until.is_some() {
            return 0;
        }
        self.capacity
            .saturating_sub(self.done.len() as u32 + self.in_flight)
    }

    /// Takes `cost` slots if they are all free now.
    pub fn try_reserve(&mut self, now: Instant, cost: u32) -> bool {
        if cost <= self.available(now) {
            self.in_flight += cost;
            true
        } else {
            false
        }
    }

    /// The job that reserved `cost` slots has finished, `accepted` unless it got a 429.
    pub fn complete(&mut self, now: Instant, cost: u32, accepted: bool) {
        self.complete_used(now, cost, cost, accepted);
    }

    /// Like [`Window::complete`] for a job that reserved `reserved` slots but sent only
    /// `used` requests (a paged list that ended early): the rest are given back.
    pub fn complete_used(&mut self, now: Instant, reserved: u32, used: u32, accepted: bool) {
        self.in_flight = self.in_flight.saturating_sub(reserved);
        for _ in 0..used.min(reserved) {
            self.done.push_back((now, accepted));
        }
        // After three quiet windows, give back one request of a learned-down capacity.
        if self.capacity < self.configured
            && self
                .last_throttle
                .is_some_and(|t| now.duration_since(t) >= self.per * 3)
        {
            self.capacity += 1;
            self.last_throttle = Some(now);
        }
    }

    /// The provider answered 429 although our window had room: it allows fewer requests
    /// than configured (or someone else shares the key). Use what it did accept in this
    /// window as the capacity from now on.
    pub fn learn_from_429(&mut self, now: Instant) -> u32 {
        self.prune(now);
        // With nothing of ours in the window someone else spent the budget: the pause
        // covers that; there is nothing to learn.
        // Requests still in flight may yet be accepted: count them, so a burst whose
        // 429s arrive before its 200s still teaches something; the last 429 of the
        // burst, with the fewest in flight, sets the tightest value.
        let accepted = self.done.iter().filter(|(_, ok)| *ok).count() as u32 + self.in_flight;
        if accepted > 0 {
            self.capacity = self.capacity.min(accepted).max(1);
            self.last_throttle = Some(now);
        }
        self.capacity
    }

    /// How long until `cost` slots are free (zero if they are now). In-flight requests
    /// count as finishing now, which is the earliest they could.
    pub fn wait_for(&mut self, now: Instant, cost: u32) -> Duration {
        self.prune(now);
        if let Some(p) = self.paused_until {
            return p.duration_since(now);
        }
        let cost = cost.min(self.capacity);
        let used = self.done.len() as u32 + self.in_flight;
        if used + cost <= self.capacity {
            return Duration::ZERO;
        }
        // Slots to free = used + cost − capacity; the k-th oldest completion frees one.
        let need = (used + cost - self.capacity) as usize;
        match self.done.get(need.saturating_sub(1)) {
            Some(&(t, _)) => (t + self.per).saturating_duration_since(now),
            None => self.per,
        }
    }

    /// Requests counted in the window now (sent, or in flight).
    pub fn used(&mut self, now: Instant) -> u32 {
        self.prune(now);
        self.done.len() as u32 + self.in_flight
    }

    /// How long until the oldest request in the window leaves it (zero when empty).
    pub fn resets_in(&mut self, now: Instant) -> Duration {
        self.prune(now);
        self.done.front().map_or(Duration::ZERO, |&(t, _)| {
            (t + self.per).saturating_duration_since(now)
        })
    }

    /// Stops all requests in this scope until `until` (after a 429).
    pub fn pause_until(&mut self, until: Instant) {
        self.paused_until = Some(self.paused_until.map_or(until, |p| p.max(until)));
    }

    pub fn paused_until(&self) -> Option<Instant> {
        self.paused_until
    }

    pub fn capacity(&self) -> u32 {
        self.capacity
    }
}

/// All budget scopes of one provider connection.
#[derive(Debug)]
pub struct Budgets {
    limit: RateLimit,
    capacity: u32,
    scopes: HashMap<String, Window>,
    pub throttled: u32,
}

/// Requests kept in reserve per window for operator actions and clock skew:
/// one in ten, at least one.
pub fn margin(requests: u32) -> u32 {
    (requests / 10).max(1).min(requests.saturating_sub(1))
}

impl Budgets {
    pub fn new(limit: RateLimit) -> Budgets {
        Budgets {
            limit,
            capacity: limit.requests.saturating_sub(margin(limit.requests)).max(1),
            scopes: HashMap::new(),
            throttled: 0,
        }
    }

    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    pub fn scope(&mut self, name: &str) -> &mut Window {
        let (cap, per) = (self.capacity, self.limit.per);
        self.scopes
            .entry(name.to_string())
            .or_insert_with(|| Window::new(cap, per))
    }

    /// A 429 arrived for `scope`: pause it for `retry_after`, or a whole window.
    pub fn throttle(
        &mut self,
        scope: &str,
        now: Instant,
        retry_after: Option<Duration>,
    ) -> Instant {
        self.throttled += 1;
        let per = self.limit.per;
        let until = now + retry_after.unwrap_or(per).max(Duration::from_millis(500));
        let w = self.scope(scope);
        let before = w.capacity();
        let after = w.learn_from_429(now);
        if after < before {
            tracing::warn!(
                scope,
                before,
                after,
                "provider allows fewer requests than configured; lowering this scope's budget"
            );
        }
        w.pause_until(until);
        until
    }

    /// Every scope's figures, by scope name.
    pub fn scope_views(&mut self, now: Instant) -> Vec<ScopeBudget> {
        let mut out: Vec<ScopeBudget> = self
            .scopes
            .iter_mut()
            .map(|(name, w)| ScopeBudget {
                scope: name.clone(),
                remaining: w.available(now),
                limit: w.capacity(),
            })
            .collect();
        out.sort_by(|a, b| a.scope.cmp(&b.scope));
        out
    }

    /// The tightest scope's state, for the status bar.
    pub fn view(&mut self, now: Instant) -> BudgetView {
        let (used, resets_in_s) = self
            .scopes
            .values_mut()
            .map(|w| (w.used(now), w.resets_in(now).as_secs_f64().ceil() as u32))
            .max()
            .unwrap_or((0, 0));
        let remaining = self
            .scopes
            .values_mut()
            .map(|w| w.available(now))
            .min()
            .unwrap_or(self.capacity);
        let limit = self
            .scopes
            .values()
            .map(Window::capacity)
            .min()
            .unwrap_or(self.capacity);
        BudgetView {
            remaining,
            limit,
            window_s: self.limit.per.as_secs().max(1) as u32,
            scopes: self.scopes.len() as u32,
            throttled: self.throttled,
            used,
            documented: self.limit.requests,
            resets_in_s,
            next_refresh_s: [None; 2],
        }
    }
}

/// Exponential backoff with jitter: 1 s, 2 s, 4 s … capped at `cap`, each scaled by a
/// random factor in [0.5, 1.0] so many clients do not retry in step.
pub fn backoff(failures: u32, cap: Duration, jitter: &mut Jitter) -> Duration {
    let exp = failures.saturating_sub(1).min(16);
    let base = Duration::from_secs(1).saturating_mul(1 << exp).min(cap);
    base.mul_f64(0.5 + 0.5 * jitter.next_unit())
}

/// A tiny xorshift generator for jitter (no need for a crypto RNG here).
#[derive(Debug, Clone)]
pub struct Jitter(u64);

impl Jitter {
    pub fn new(seed: u64) -> Jitter {
        Jitter(seed | 1)
    }

    /// A value in [0, 1).
    pub fn next_unit(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_never_admits_more_than_capacity_per_period() {
        let mut w = Window::new(3, Duration::from_secs(10));
        let t0 = Instant::now();
        assert!(w.try_reserve(t0, 2));
        assert!(w.try_reserve(t0, 1));
        assert!(!w.try_reserve(t0, 1));
        w.complete(t0 + Duration::from_secs(1), 3, true);
        // All three completed at t0+1 s: nothing frees before t0+11 s.
        assert_eq!(
            w.wait_for(t0 + Duration::from_secs(1), 1),
            Duration::from_secs(10)
        );
        assert_eq!(w.available(t0 + Duration::from_millis(10_999)), 0);
        assert_eq!(w.available(t0 + Duration::from_secs(11)), 3);
    }

    #[test]
    fn pause_blocks_until_its_deadline() {
        let mut b = Budgets::new(RateLimit {
            requests: 10,
            per: Duration::from_secs(10),
        });
        let t0 = Instant::now();
        let until = b.throttle("d1", t0, Some(Duration::from_secs(4)));
        assert_eq!(until, t0 + Duration::from_secs(4));
        assert_eq!(b.scope("d1").available(t0), 0);
        assert_eq!(b.scope("d1").wait_for(t0, 1), Duration::from_secs(4));
        assert_eq!(b.scope("d1").available(t0 + Duration::from_secs(4)), 9);
        assert_eq!(b.throttled, 1);
        // Another scope is unaffected.
        assert_eq!(b.scope("d2").available(t0), 9);
    }

    #[test]
    fn a_429_teaches_the_real_capacity_which_recovers_slowly() {
        let per = Duration::from_secs(10);
        let mut w = Window::new(9, per);
        let t0 = Instant::now();
        assert!(w.try_reserve(t0, 3));
        w.complete(t0, 3, true);
        // The provider refused the fourth although we believed in nine.
        assert_eq!(w.learn_from_429(t0), 3);
        assert_eq!(w.capacity(), 3);
        assert_eq!(w.available(t0 + per), 3);
        // Three quiet windows later one request comes back, then another three later.
        let t1 = t0 + per * 3;
        assert!(w.try_reserve(t1, 1));
        w.complete(t1, 1, true);
        assert_eq!(w.capacity(), 4);
        let t2 = t1 + per;
        assert!(w.try_reserve(t2, 1));
        w.complete(t2, 1, true);
        assert_eq!(w.capacity(), 4, "not faster than one per three windows");
    }

    #[test]
    fn a_429_before_the_bursts_200s_still_teaches() {
        let per = Duration::from_secs(10);
        let mut w = Window::new(9, per);
        let t0 = Instant::now();
        // Five sent at once; the provider accepts two, refuses three, and the refusals
        // come back first.
        assert!(w.try_reserve(t0, 5));
        w.complete(t0, 1, false);
        assert_eq!(w.learn_from_429(t0), 4);
        w.complete(t0, 1, false);
        w.complete(t0, 1, false);
        assert_eq!(w.learn_from_429(t0), 2);
        w.complete(t0, 2, true);
        assert_eq!(w.capacity(), 2);
    }

    #[test]
    fn unused_pages_are_given_back_and_the_view_counts_the_rest() {
        let per = Duration::from_secs(900);
        let mut b = Budgets::new(RateLimit { requests: 100, per });
        let t0 = Instant::now();
        assert!(b.scope("pbx").try_reserve(t0, 6));
        assert_eq!(b.scope("pbx").available(t0), 84);
        // Two lists of one page each: four reserved pages come back.
        b.scope("pbx")
            .complete_used(t0 + Duration::from_secs(1), 6, 2, true);
        assert_eq!(b.scope("pbx").available(t0 + Duration::from_secs(2)), 88);
        let v = b.view(t0 + Duration::from_secs(61));
        assert_eq!((v.used, v.documented), (2, 100));
        // The oldest request leaves at t0 + 1 s + 900 s: 840 s from t0 + 61 s.
        assert_eq!(v.resets_in_s, 840);
    }

    #[test]
    fn margin_keeps_a_spare_request() {
        assert_eq!(margin(10), 1);
        assert_eq!(margin(100), 10);
        assert_eq!(margin(5), 1);
        assert_eq!(margin(1), 0);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let mut j = Jitter::new(42);
        let cap = Duration::from_secs(60);
        let b1 = backoff(1, cap, &mut j);
        assert!(b1 >= Duration::from_millis(500) && b1 <= Duration::from_secs(1));
        let b4 = backoff(4, cap, &mut j);
        assert!(b4 >= Duration::from_secs(4) && b4 <= Duration::from_secs(8));
        let b20 = backoff(20, cap, &mut j);
        assert!(b20 <= cap && b20 >= cap / 2);
    }
}
