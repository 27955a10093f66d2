//! The History pane's stored calls: what the call-history store held at start (the last
//! days, loaded off the UI thread and delivered as `Action::HistoryLoaded`) plus every
//! finished call a poll has shown since. Each poll's history is merged with them: a call
//! the provider still returns shows as the provider sends it now, a call it no longer
//! returns (yesterday's, or older than its list) shows as stored. One row per provider
//! and call id. Without a store (`None` in `State`) the pane shows what polls return.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::model::{Call, ProviderId};

/// Calls kept at most (the newest are loaded; later polls add up to this many).
pub const MAX_STORED: usize = 20_000;

/// Call ids remembered as stored at most (about 60 bytes each).
pub const MAX_IDS: usize = 200_000;

#[derive(Debug, Default)]
pub struct StoredHistory {
    /// By (provider, account), then call id.
    calls: BTreeMap<(ProviderId, String), HashMap<String, Call>>,
    /// The call ids stored per provider (the store's key), for [`StoredHistory::contains`]:
    /// those in `calls` and those seen past `MAX_STORED`.
    ids: HashMap<ProviderId, HashSet<String>>,
    id_count: usize,
    len: usize,
}

impl StoredHistory {
    pub fn new(calls: Vec<Call>) -> StoredHistory {
        let mut s = StoredHistory::default();
        for c in &calls {
            s.add(c);
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
        if self.id_count >= MAX_IDS {
            self.ids.clear();
            self.id_count = 0;
        }
        self.ids
            .entry(call.provider)
            .or_default()
            .insert(call.id.clone());
        self.id_count += 1;
        if self.len >= MAX_STORED {
            return;
        }
        let key = (call.provider, call.account.clone());
        let slot = self.calls.entry(key).or_default();
        if slot.insert(call.id.clone(), call.clone()).is_none() {
            self.len += 1;
        }
    }

    /// Whether this call (by provider and call id, as the store keys it) was stored.
    pub fn contains(&self, call: &Call) -> bool {
        self.ids
            .get(&call.provider)
            .is_some_and(|ids| ids.contains(call.id.as_str()))
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
        let mut s = StoredHistory::new(vec![
            call(0, "a", "old", CallState::Completed),
            call(0, "a", "both", CallState::Busy),
            call(0, "b", "other-account", CallState::Completed),
            call(1, "a", "other-provider", CallState::Completed),
        ]);
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
    fn past_the_cap_calls_are_not_kept_but_known_as_stored() {
        let calls: Vec<Call> = (0..MAX_STORED + 10)
            .map(|i| call(0, "a", &format!("c{i}"), CallState::Completed))
            .collect();
        let mut s = StoredHistory::default();
        let mut fetched = calls.clone();
        s.merge(ProviderId(0), Some("a"), &mut fetched);
        assert_eq!(s.len(), MAX_STORED);
        assert_eq!(fetched.len(), calls.len(), "nothing shown twice");
        assert!(calls.iter().all(|c| s.contains(c)), "none is sent again");
    }
}
