//! The History pane's stored calls: what the call-history store held at start (the last
//! days, loaded off the UI thread and delivered as `Action::HistoryLoaded`) plus every
//! finished call a poll has shown since. Each poll's history is merged with them: a call
//! the provider still returns shows as the provider sends it now, a call it no longer
//! returns (yesterday's, or older than its list) shows as stored. One row per provider
//! and call id. Without a store (`None` in `State`) the pane shows what polls return.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::model::{Call, ProviderId};

/// Call ids remembered as stored at most (a 64-bit hash each, ~16 bytes with the set).
pub const MAX_IDS: usize = 200_000;

#[derive(Debug)]
pub struct StoredHistory {
    /// Calls kept at most: the History pane's `[ui] history_rows` (the newest are
    /// loaded; later polls add up to this many).
    cap: usize,
    /// By (provider, account), then call id.
    calls: BTreeMap<(ProviderId, String), HashMap<String, Call>>,
    /// Hashes of the call ids stored (provider and id, the store's key), for
    /// [`StoredHistory::contains`]: those in `calls` and those seen past the cap.
    ids: HashSet<u64>,
    len: usize,
}

impl Default for StoredHistory {
    fn default() -> Self {
        StoredHistory::with_cap(crate::retention::DEFAULT_HISTORY_ROWS)
    }
}

/// The store's key of a call, hashed: ids are kept by the hundred thousand, and a
/// collision (one in 2^64) costs only that call's record not being sent again.
fn id_hash(call: &Call) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    call.provider.hash(&mut h);
    call.id.hash(&mut h);
    h.finish()
}

impl StoredHistory {
    pub fn with_cap(cap: usize) -> StoredHistory {
        StoredHistory {
            cap,
            calls: BTreeMap::new(),
            ids: HashSet::new(),
            len: 0,
        }
    }

    pub fn new(calls: Vec<Call>, cap: usize) -> StoredHistory {
        let mut s = StoredHistory::with_cap(cap);
        for c in &calls {
            s.add(c);
        }
        if s.len > s.cap {
            s.trim();
        }
        s
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn add(&mut self, call: &Call) {
        if self.contains(call) {
            return;
        }
        // The ids of calls already sent to the store, beyond the calls kept for the pane
        // (bounded: past the cap they start again; the store ignores a call it holds).
        if self.ids.len() >= MAX_IDS {
            self.ids.clear();
        }
        self.ids.insert(id_hash(call));
        let key = (call.provider, call.account.clone());
        let slot = self.calls.entry(key).or_default();
        if slot.insert(call.id.clone(), call.clone()).is_none() {
            self.len += 1;
        }
        // Past the cap the oldest go (by end, else start), a quarter at a time: a call
        // that ends now stays even when the provider later stops returning it.
        if self.len > self.cap.saturating_add(self.cap / 4) {
            self.trim();
        }
    }

    /// Keeps the `cap` newest calls.
    fn trim(&mut self) {
        let mut all: Vec<Call> = std::mem::take(&mut self.calls)
            .into_values()
            .flat_map(HashMap::into_values)
            .collect();
        crate::retention::keep_newest(&mut all, self.cap);
        self.len = all.len();
        for c in all {
            let key = (c.provider, c.account.clone());
            self.calls.entry(key).or_default().insert(c.id.clone(), c);
        }
    }

    /// A write failed: forget which calls were sent, so the next polls send every call
    /// they show again (the calls kept for the pane stay).
    pub fn forget_written(&mut self) {
        self.ids.clear();
    }

    /// Whether this call (by provider and call id, as the store keys it) was stored.
    pub fn contains(&self, call: &Call) -> bool {
        self.ids.contains(&id_hash(call))
    }

    /// Every stored call (any order).
    pub fn all(&self) -> impl Iterator<Item = &Call> {
        self.calls.values().flat_map(HashMap::values)
    }

    /// Remembers the finished calls of `fetched` (one poll's history of `provider`, of
    /// one account or of all) and appends the stored calls of the same provider and
    /// account that it lacks.
    pub fn merge(&mut self, provider: ProviderId, account: Option<&str>, fetched: &mut Vec<Call>) {
        for c in fetched.iter().filter(|c| !c.state.is_live()) {
            self.add(c);
        }
        let seen: HashSet<&str> = fetched.iter().map(|c| c.id.as_str()).collect();
        let lo = (provider, account.unwrap_or_default().to_string());
        let mut missing = Vec::new();
        for ((p, a), calls) in self.calls.range(lo..) {
            if *p != provider || account.is_some_and(|want| want != a) {
                break;
            }
            missing.extend(
                calls
                    .values()
                    .filter(|c| !seen.contains(c.id.as_str()))
                    .cloned(),
            );
        }
        drop(seen);
        fetched.extend(missing);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CallState;

    fn call(p: u16, account: &str, id: &str, state: CallState) -> Call {
        Call {
            provider: ProviderId(p),
            account: account.into(),
            account_name: String::new(),
            id: id.into(),
            from: "+15550001111".into(),
            to: "+15550002222".into(),
            direction: Default::default(),
            state,
            started_at_ms: Some(1),
            answered_at_ms: None,
            ended_at_ms: Some(2),
            extra: Vec::new(),
        }
    }

    fn ids(calls: &[Call]) -> Vec<&str> {
        let mut v: Vec<&str> = calls.iter().map(|c| c.id.as_str()).collect();
        v.sort();
        v
    }

    #[test]
    fn a_poll_shows_stored_calls_it_lacks_once_and_only_for_its_scope() {
        let mut s = StoredHistory::new(
            vec![
                call(0, "a", "old", CallState::Completed),
                call(0, "a", "both", CallState::Busy),
                call(0, "b", "other-account", CallState::Completed),
                call(1, "a", "other-provider", CallState::Completed),
            ],
            100,
        );
        // The provider still returns "both" (now completed): its own row wins.
        let mut fetched = vec![
            call(0, "a", "both", CallState::Completed),
            call(0, "a", "new", CallState::Completed),
            call(0, "a", "live", CallState::InCall),
        ];
        s.merge(ProviderId(0), Some("a"), &mut fetched);
        assert_eq!(ids(&fetched), ["both", "live", "new", "old"]);
        let both = fetched.iter().find(|c| c.id == "both").unwrap();
        assert_eq!(both.state, CallState::Completed);
        // The finished new call is remembered; the live one is not.
        let mut next = Vec::new();
        s.merge(ProviderId(0), Some("a"), &mut next);
        assert_eq!(ids(&next), ["both", "new", "old"]);
        // A provider-wide poll gets every account of that provider, nothing else.
        let mut all = Vec::new();
        s.merge(ProviderId(0), None, &mut all);
        assert_eq!(ids(&all), ["both", "new", "old", "other-account"]);
        assert_eq!(s.len(), 5);
        assert!(s.contains(&call(0, "a", "new", CallState::Completed)));
        assert!(!s.contains(&call(0, "a", "live", CallState::InCall)));
        assert!(!s.contains(&call(2, "a", "new", CallState::Completed)));
    }

    #[test]
    fn after_a_failed_write_the_calls_count_as_not_stored() {
        let mut s = StoredHistory::with_cap(10);
        let mut fetched = vec![call(0, "a", "c1", CallState::Completed)];
        s.merge(ProviderId(0), Some("a"), &mut fetched);
        assert!(s.contains(&fetched[0]));
        s.forget_written();
        assert!(!s.contains(&fetched[0]), "sent again with the next poll");
        let mut again = Vec::new();
        s.merge(ProviderId(0), Some("a"), &mut again);
        assert_eq!(ids(&again), ["c1"], "still shown in the pane");
    }

    #[test]
    fn past_the_cap_the_oldest_go_and_every_call_stays_known_as_stored() {
        let cap = 100;
        let calls: Vec<Call> = (0..cap + cap / 4 + 1)
            .map(|i| {
                let mut c = call(0, "a", &format!("c{i}"), CallState::Completed);
                c.ended_at_ms = Some(1_000 + i as i64);
                c
            })
            .collect();
        let mut s = StoredHistory::with_cap(cap);
        let mut fetched = calls.clone();
        s.merge(ProviderId(0), Some("a"), &mut fetched);
        assert_eq!(s.len(), cap, "trimmed back to the cap");
        let kept: Vec<&Call> = s.all().collect();
        let oldest = kept.iter().filter_map(|c| c.ended_at_ms).min();
        assert_eq!(
            oldest,
            Some(1_000 + (cap / 4 + 1) as i64),
            "the newest are kept"
        );
        assert_eq!(fetched.len(), calls.len(), "nothing shown twice");
        assert!(calls.iter().all(|c| s.contains(c)), "none is sent again");
    }
}
