//! The History pane's stored calls: what the call-history store held at start (the last
//! days, loaded off the UI thread and delivered as `Action::HistoryLoaded`) plus every
//! finished call a poll has shown since. Each poll's history is merged with them: a call
//! the provider still returns shows as the provider sends it now, a call it no longer
//! returns (yesterday's, or older than its list) shows as stored. One row per provider
//! and call id. Without a store (`None` in `State`) the pane shows what polls return.
//!
//! The calls themselves live in the pane's table only: what is kept here is the hashes
//! of the ids sent to the store, and the loaded calls until they are handed to the table
//! ([`StoredHistory::take_unshown`]). A poll's merge moves the stored calls it lacks out
//! of the table's rows it is about to replace ([`StoredHistory::merge`]).

use std::collections::HashSet;

use crate::model::{Call, ProviderId};
use crate::state::table::TableView;

/// Call ids remembered as stored at most (a 64-bit hash each, ~16 bytes with the set).
pub const MAX_IDS: usize = 200_000;

#[derive(Debug, Default)]
pub struct StoredHistory {
    /// Hashes of the call ids sent to the store (provider and id, the store's key), for
    /// [`StoredHistory::contains`].
    ids: HashSet<u64>,
    /// Calls read from the store that the pane does not show yet (the newest
    /// `[ui] history_rows`), until [`StoredHistory::take_unshown`] or a merge of their
    /// provider and account takes them.
    loaded: Vec<Call>,
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

/// Whether a row of the pane is one it keeps when a poll no longer returns it: a
/// finished call. Every finished call the pane shows came from the store or was sent to
/// it when a poll showed it (a failed write forgets that it was sent, not the row).
fn kept(call: &Call) -> bool {
    !call.state.is_live()
}

impl StoredHistory {
    /// The store's calls at start: the `cap` newest are kept for the pane (one per
    /// provider and call id), every one counts as stored.
    pub fn new(calls: Vec<Call>, cap: usize) -> StoredHistory {
        let mut s = StoredHistory::default();
        let mut loaded = calls;
        loaded.retain(|c| s.mark(c));
        crate::retention::keep_newest(&mut loaded, cap);
        s.loaded = loaded;
        s
    }

    /// Calls held here (loaded from the store, not in the pane yet).
    pub fn held(&self) -> usize {
        self.loaded.len()
    }

    /// Hands the loaded calls over to the pane: those it does not show yet (by provider
    /// and call id; the pane's row of a call it shows wins). None is held afterwards.
    pub fn take_unshown(&mut self, shown: &[Call]) -> Vec<Call> {
        let shown: HashSet<(ProviderId, &str)> =
            shown.iter().map(|r| (r.provider, r.id.as_str())).collect();
        let mut loaded = std::mem::take(&mut self.loaded);
        loaded.retain(|c| !shown.contains(&(c.provider, c.id.as_str())));
        loaded
    }

    /// Marks a call as sent to the store; false when it was already.
    fn mark(&mut self, call: &Call) -> bool {
        let h = id_hash(call);
        if self.ids.contains(&h) {
            return false;
        }
        // The ids of calls already sent to the store (bounded: past the cap they start
        // again; the store ignores a call it holds).
        if self.ids.len() >= MAX_IDS {
            self.ids.clear();
        }
        self.ids.insert(h)
    }

    /// A write failed: forget which calls were sent, so the next polls send every call
    /// they show again (the pane keeps its rows).
    pub fn forget_written(&mut self) {
        self.ids.clear();
    }

    /// Whether this call (by provider and call id, as the store keys it) was stored.
    pub fn contains(&self, call: &Call) -> bool {
        self.ids.contains(&id_hash(call))
    }

    /// Remembers the finished calls of `fetched` (one poll's history of `provider`, of
    /// one account or of all) as stored and appends the stored calls of the same
    /// provider and account that it lacks: moved out of `shown`'s rows (the pane, whose
    /// rows of that provider and account the caller replaces with `fetched` next), and
    /// loaded calls not handed over yet.
    ///
    /// A row moved out leaves a husk of its provider and account (and id, when it is the
    /// selected row, so the selection follows the call) that the replacement drops.
    pub fn merge(
        &mut self,
        provider: ProviderId,
        account: Option<&str>,
        fetched: &mut Vec<Call>,
        shown: &mut TableView<Call>,
    ) {
        for c in fetched.iter().filter(|c| !c.state.is_live()) {
            self.mark(c);
        }
        let in_scope = |c: &Call| c.provider == provider && account.is_none_or(|a| c.account == a);
        let seen: HashSet<&str> = fetched.iter().map(|c| c.id.as_str()).collect();
        let selected = shown.view.get(shown.selected).map(|&i| i as usize);
        let mut missing = Vec::new();
        for (i, row) in shown.rows.iter_mut().enumerate() {
            if !in_scope(row) || !kept(row) || seen.contains(row.id.as_str()) {
                continue;
            }
            let husk = Call {
                provider,
                account: if account.is_some() {
                    row.account.clone()
                } else {
                    String::new().into()
                },
                account_name: Default::default(),
                id: if selected == Some(i) {
                    row.id.clone()
                } else {
                    Default::default()
                },
                from: String::new().into(),
                to: String::new().into(),
                direction: crate::model::Direction::Unknown,
                state: crate::model::CallState::Completed,
                started_at_ms: None,
                answered_at_ms: None,
                ended_at_ms: None,
                extra: Default::default(),
            };
            missing.push(std::mem::replace(row, husk));
        }
        // Loaded calls of this scope join the pane now (those the poll shows go: its row
        // wins).
        if !self.loaded.is_empty() {
            let taken = self.loaded.extract_if(.., |c| in_scope(c));
            missing.extend(taken.filter(|c| !seen.contains(c.id.as_str())));
        }
        drop(seen);
        fetched.extend(missing);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CallState;
    use crate::state::table::Ctx;

    fn call(p: u16, account: &str, id: &str, state: CallState) -> Call {
        Call {
            provider: ProviderId(p),
            account: account.into(),
            account_name: Default::default(),
            id: id.into(),
            from: "+15550001111".into(),
            to: "+15550002222".into(),
            direction: Default::default(),
            state,
            started_at_ms: Some(1),
            answered_at_ms: None,
            ended_at_ms: Some(2),
            extra: Default::default(),
        }
    }

    fn ids(calls: &[Call]) -> Vec<&str> {
        let mut v: Vec<&str> = calls.iter().map(|c| c.id.as_str()).collect();
        v.sort();
        v
    }

    /// The History pane's table, as the fold keeps it.
    struct Pane {
        names: Vec<String>,
        tz: jiff::tz::TimeZone,
        table: TableView<Call>,
    }

    impl Pane {
        fn new() -> Pane {
            Pane {
                names: vec!["p0".into(), "p1".into()],
                tz: jiff::tz::TimeZone::UTC,
                table: TableView::new(crate::state::columns::HISTORY_COLUMNS, None),
            }
        }

        /// One poll's history of `provider` (and `account`), as `fold::apply_data`
        /// folds it with a store: merged, then the slice replaced.
        fn poll(
            &mut self,
            s: &mut StoredHistory,
            provider: u16,
            account: Option<&str>,
            mut fetched: Vec<Call>,
        ) {
            s.merge(ProviderId(provider), account, &mut fetched, &mut self.table);
            let ctx = Ctx {
                now_ms: 0,
                provider_names: &self.names,
                tz: &self.tz,
                thresholds: Default::default(),
            };
            self.table
                .replace_slice(ProviderId(provider), account, fetched, &ctx);
        }

        fn ids(&self) -> Vec<&str> {
            ids(&self.table.rows)
        }
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
        let mut pane = Pane::new();
        let loaded = s.take_unshown(&pane.table.rows);
        pane.table.rows.extend(loaded);
        // The provider still returns "both" (now completed): its own row wins.
        pane.poll(
            &mut s,
            0,
            Some("a"),
            vec![
                call(0, "a", "both", CallState::Completed),
                call(0, "a", "new", CallState::Completed),
                call(0, "a", "live", CallState::InCall),
            ],
        );
        assert_eq!(
            pane.ids(),
            [
                "both",
                "live",
                "new",
                "old",
                "other-account",
                "other-provider"
            ]
        );
        let both = pane.table.rows.iter().find(|c| c.id == "both").unwrap();
        assert_eq!(both.state, CallState::Completed);
        // The finished new call stays when the provider no longer returns it; the live
        // one does not.
        pane.poll(&mut s, 0, Some("a"), Vec::new());
        assert_eq!(
            pane.ids(),
            ["both", "new", "old", "other-account", "other-provider"]
        );
        // A provider-wide poll keeps every account of that provider, nothing else.
        pane.poll(&mut s, 0, None, Vec::new());
        assert_eq!(
            pane.ids(),
            ["both", "new", "old", "other-account", "other-provider"]
        );
        assert_eq!(pane.table.rows.len(), 5, "one row per call");
        assert!(s.contains(&call(0, "a", "new", CallState::Completed)));
        assert!(!s.contains(&call(0, "a", "live", CallState::InCall)));
        assert!(!s.contains(&call(2, "a", "new", CallState::Completed)));
    }

    #[test]
    fn after_a_failed_write_the_calls_count_as_not_stored_and_stay_shown() {
        let mut s = StoredHistory::default();
        let mut pane = Pane::new();
        let c1 = call(0, "a", "c1", CallState::Completed);
        pane.poll(&mut s, 0, Some("a"), vec![c1.clone()]);
        assert!(s.contains(&c1));
        s.forget_written();
        assert!(!s.contains(&c1), "sent again with the next poll");
        pane.poll(&mut s, 0, Some("a"), Vec::new());
        assert_eq!(pane.ids(), ["c1"], "still shown in the pane");
    }

    #[test]
    fn the_newest_loaded_calls_are_kept_and_every_one_counts_as_stored() {
        let cap = 100;
        let calls: Vec<Call> = (0..cap + 30)
            .map(|i| {
                let mut c = call(0, "a", &format!("c{i}"), CallState::Completed);
                c.ended_at_ms = Some(1_000 + i as i64);
                c
            })
            .collect();
        let mut s = StoredHistory::new(calls.clone(), cap);
        assert_eq!(s.held(), cap, "the cap newest");
        let kept = s.take_unshown(&[]);
        let oldest = kept.iter().filter_map(|c| c.ended_at_ms).min();
        assert_eq!(oldest, Some(1_030), "the newest are kept");
        assert!(calls.iter().all(|c| s.contains(c)), "none is sent again");
    }

    #[test]
    fn a_call_in_the_table_is_held_only_there_and_moved_not_copied() {
        // Rows whose text lives inline carry a detail field: its buffer is on the heap.
        let noted = |id: &str| Call {
            extra: [("note", id)].into_iter().collect(),
            ..call(0, "a", id, CallState::Completed)
        };
        let shown_already = noted("shown");
        let mut s = StoredHistory::new(vec![shown_already.clone(), noted("loaded")], 100);
        assert_eq!(s.held(), 2, "held until the pane takes them");
        let mut pane = Pane::new();
        pane.poll(&mut s, 0, Some("a"), vec![shown_already]);
        // The loaded call the poll lacked moved into the table; the one it showed is the
        // poll's row. Nothing is held twice.
        assert_eq!(pane.ids(), ["loaded", "shown"]);
        assert_eq!(s.held(), 0);
        assert!(s.take_unshown(&pane.table.rows).is_empty());
        // The next polls lack both: the same rows (the same heap buffers) stay.
        let bufs = |p: &Pane| -> Vec<*const u8> {
            let mut rows: Vec<&Call> = p.table.rows.iter().collect();
            rows.sort_by(|a, b| a.id.cmp(&b.id));
            rows.iter()
                .filter_map(|c| c.extra.iter().next())
                .map(|(_, v)| v.as_ptr())
                .collect()
        };
        let before = bufs(&pane);
        assert_eq!(before.len(), 2);
        pane.poll(&mut s, 0, Some("a"), Vec::new());
        pane.poll(&mut s, 0, None, Vec::new());
        assert_eq!(pane.ids(), ["loaded", "shown"]);
        assert_eq!(bufs(&pane), before, "moved, not cloned");
        assert_eq!(s.held(), 0);
    }

    #[test]
    fn the_selected_stored_call_stays_selected_when_the_provider_no_longer_returns_it() {
        let mut s = StoredHistory::default();
        let mut pane = Pane::new();
        pane.poll(
            &mut s,
            0,
            Some("a"),
            vec![
                call(0, "a", "c1", CallState::Completed),
                call(0, "a", "c2", CallState::Completed),
                call(0, "a", "c3", CallState::Completed),
            ],
        );
        let at = pane
            .table
            .view
            .iter()
            .position(|&i| pane.table.rows[i as usize].id == "c2");
        pane.table.selected = at.unwrap();
        pane.poll(
            &mut s,
            0,
            Some("a"),
            vec![call(0, "a", "c4", CallState::Completed)],
        );
        assert_eq!(pane.ids(), ["c1", "c2", "c3", "c4"]);
        let sel = pane.table.selected_row().map(|c| c.id.as_str());
        assert_eq!(sel, Some("c2"));
    }
}
