//! The attach feed: the collector's provider-neutral state as JSON with a revision, and
//! the change each fold made, for `/v1/snapshot` and `/v1/events`.
//!
//! A document (snapshot or change) is `{"revision", "at_ms", "providers": [...],
//! "slices": [...]}`: `providers` are provider states (connection, budget, when each
//! resource last loaded), `slices` are `{"table", "provider", "rows"}`, every row of one
//! table for one provider. A snapshot holds every provider and every slice; a change
//! holds the ones that differ from the revision before, each replacing what the reader
//! had for that (table, provider). So applying a snapshot and then each change in order
//! gives what the next snapshot would.
//!
//! Revisions start at the collector's start time in microseconds (whole milliseconds
//! times 1,000) and grow by one per change, so a revision from a collector that ran
//! before this one is older than any this one made unless the old one made more than a
//! thousand changes a millisecond: a reader resuming from it gets a `resync`, not a
//! wrong resume.

use std::collections::{BTreeMap, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::broadcast;

use super::words::{conn_words, resource_label};
use crate::model::{ProviderId, Resource};
use crate::secret::redact;
use crate::state::table::Row;
use crate::state::{ProviderState, State};

/// How many changes the collector keeps for readers that resume.
pub const HELD: usize = 1024;

/// The tables in the order documents list them, by their feed names.
pub const TABLES: [Resource; 6] = [
    Resource::Accounts,
    Resource::LiveCalls,
    Resource::CallHistory,
    Resource::Trunks,
    Resource::Numbers,
    Resource::Queues,
];

/// One change as sent: its revision and its JSON text.
pub type Change = (u64, Arc<str>);

pub struct Feed {
    pub revision: u64,
    held: VecDeque<Change>,
    /// Hash of the slice last published per (table, provider).
    slices: BTreeMap<(&'static str, u16), u64>,
    /// Hash of each provider's state last published.
    providers: BTreeMap<u16, u64>,
    tx: broadcast::Sender<Change>,
}

/// Where a reader resumes.
pub enum Resume {
    /// The changes after its revision (maybe none yet), then the live ones.
    From(Vec<Change>, broadcast::Receiver<Change>),
    /// Its revision is no longer held (or never was): reload the snapshot.
    Resync,
}

fn hash(text: &str) -> u64 {
    let mut h = DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

fn rows_json<T: Serialize>(rows: impl Iterator<Item = T>) -> String {
    serde_json::to_string(&rows.collect::<Vec<T>>()).unwrap_or_else(|_| "[]".into())
}

/// One table's rows of one provider as a JSON array (rows carry no provider: the slice
/// says it).
pub fn slice_json(state: &State, table: Resource, p: ProviderId) -> String {
    let t = &state.tables;
    fn of<T: Row>(rows: &[T], p: ProviderId) -> impl Iterator<Item = &T> {
        rows.iter().filter(move |r| r.provider() == p)
    }
    match table {
        Resource::Accounts => rows_json(of(&t.accounts.rows, p).map(|r| &r.account)),
        Resource::LiveCalls => rows_json(of(&t.live.rows, p)),
        Resource::CallHistory => rows_json(of(&t.history.rows, p)),
        Resource::Trunks => rows_json(of(&t.trunks.rows, p)),
        Resource::Numbers => rows_json(of(&t.numbers.rows, p)),
        Resource::Queues => rows_json(of(&t.queues.rows, p)),
    }
}

/// A provider's state as the feed says it: connection word and problem (redacted),
/// budget, and when each resource's data last loaded (readers compute its age).
pub fn provider_doc(all: &State, p: &ProviderState) -> Value {
    let (state, error) = conn_words(&p.conn);
    let data: BTreeMap<&str, Option<i64>> = TABLES
        .iter()
        .filter(|r| p.caps.offers(**r))
        .map(|r| (resource_label(*r), p.data_time(*r)))
        .collect();
    let b = &p.budget;
    json!({
        "id": p.id.0,
        "name": p.name,
        "kind": p.kind.to_string(),
        "state": state,
        "error": error.map(|e| redact(&e).into_owned()),
        "last_success_ms": p.last_ok_ms,
        "budget": {
            "remaining": b.remaining,
            "limit": b.limit,
            "window_s": b.window_s,
            "used": b.used,
            "documented": b.documented,
            "throttled": b.throttled,
            "resets_in_s": b.resets_in_s,
        },
        "data_ms": data,
        // What its changes may be (the console greys the rest) and whether the
        // collector's config pins it read-only.
        "actions": p.caps.actions().collect::<Vec<_>>(),
        "read_only": p.config_read_only,
        // What its forms start from (forwards, flow devices …), by account.
        "details": all
            .details
            .range((p.id, String::new())..)
            .take_while(|((id, _), _)| *id == p.id)
            .map(|((_, account), d)| json!({ "account": account, "details": d }))
            .collect::<Vec<_>>(),
    })
}

fn slice_text(table: Resource, p: u16, rows: &str) -> String {
    format!(
        "{{\"table\":\"{}\",\"provider\":{p},\"rows\":{rows}}}",
        resource_label(table)
    )
}

fn document(revision: u64, at_ms: i64, providers: &[String], slices: &[String]) -> String {
    format!(
        "{{\"revision\":{revision},\"at_ms\":{at_ms},\"providers\":[{}],\"slices\":[{}]}}",
        providers.join(","),
        slices.join(",")
    )
}

impl Default for Feed {
    fn default() -> Self {
        Feed::new(crate::clock::epoch_ms().max(0) as u64 * 1_000)
    }
}

impl Feed {
    pub fn new(start: u64) -> Feed {
        let (tx, _) = broadcast::channel(HELD);
        Feed {
            revision: start,
            held: VecDeque::new(),
            slices: BTreeMap::new(),
            providers: BTreeMap::new(),
            tx,
        }
    }

    /// The whole state at the current revision.
    pub fn snapshot(&self, state: &State) -> String {
        let providers: Vec<String> = state
            .providers
            .iter()
            .map(|p| provider_doc(state, p).to_string())
            .collect();
        let mut slices = Vec::new();
        for p in &state.providers {
            for table in TABLES {
                slices.push(slice_text(table, p.id.0, &slice_json(state, table, p.id)));
            }
        }
        document(self.revision, state.now_ms, &providers, &slices)
    }

    /// After a fold: what changed is a new revision, held and sent to readers. Every
    /// provider's state is compared; tables only for `tables` (the providers whose rows
    /// the fold may have changed: a budget update changes none). Nothing changed: no
    /// revision.
    pub fn publish(&mut self, state: &State, tables: &[ProviderId]) {
        let mut providers = Vec::new();
        for p in &state.providers {
            let doc = provider_doc(state, p).to_string();
            let h = hash(&doc);
            if self.providers.insert(p.id.0, h) != Some(h) {
                providers.push(doc);
            }
        }
        let mut slices = Vec::new();
        for &p in tables {
            for table in TABLES {
                let rows = slice_json(state, table, p);
                let h = hash(&rows);
                if self.slices.insert((resource_label(table), p.0), h) != Some(h) {
                    slices.push(slice_text(table, p.0, &rows));
                }
            }
        }
        if providers.is_empty() && slices.is_empty() {
            return;
        }
        self.revision += 1;
        let change: Change = (
            self.revision,
            document(self.revision, state.now_ms, &providers, &slices).into(),
        );
        if self.held.len() == HELD {
            self.held.pop_front();
        }
        self.held.push_back(change.clone());
        // No reader is no error.
        let _ = self.tx.send(change);
    }

    /// A reader that has `revision` (None: a new reader, from now on).
    pub fn resume(&self, revision: Option<u64>) -> Resume {
        let rx = self.tx.subscribe();
        let Some(had) = revision else {
            return Resume::From(Vec::new(), rx);
        };
        if had == self.revision {
            return Resume::From(Vec::new(), rx);
        }
        // The next one it needs must still be held.
        match self.held.front() {
            Some((oldest, _)) if had < self.revision && had.saturating_add(1) >= *oldest => {
                let backlog = self.held.iter().filter(|(r, _)| *r > had).cloned();
                Resume::From(backlog.collect(), rx)
            }
            _ => Resume::Resync,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Capabilities, ProviderKind};

    fn state() -> State {
        let p = ProviderState::new(
            ProviderId(0),
            "pbx",
            ProviderKind::ALL[0],
            Capabilities::new(),
        );
        State::new(vec![p], 0)
    }

    fn ids(r: Resume) -> Option<Vec<u64>> {
        match r {
            Resume::From(backlog, _) => Some(backlog.iter().map(|(r, _)| *r).collect()),
            Resume::Resync => None,
        }
    }

    #[test]
    fn a_reader_resumes_while_its_next_change_is_held_else_resyncs() {
        let mut s = state();
        let mut feed = Feed::new(1_000);
        feed.publish(&s, &[ProviderId(0)]);
        assert_eq!(feed.revision, 1_001, "the first publish says everything");
        feed.publish(&s, &[ProviderId(0)]);
        assert_eq!(feed.revision, 1_001, "no change, no revision");
        for i in 0..(HELD as u32 + 10) {
            s.providers[0].budget.remaining = i + 1;
            feed.publish(&s, &[]);
        }
        let now = feed.revision;
        assert_eq!(now, 1_001 + HELD as u64 + 10);
        assert_eq!(ids(feed.resume(Some(now))), Some(vec![]));
        assert_eq!(ids(feed.resume(Some(now - 2))), Some(vec![now - 1, now]));
        let oldest = now - HELD as u64 + 1;
        assert_eq!(
            ids(feed.resume(Some(oldest - 1))).map(|v| v.len()),
            Some(HELD)
        );
        assert_eq!(ids(feed.resume(Some(oldest - 2))), None, "too old");
        assert_eq!(ids(feed.resume(Some(now + 1))), None, "another collector's");
        assert_eq!(ids(feed.resume(Some(u64::MAX))), None);
        assert_eq!(ids(feed.resume(None)), Some(vec![]));
        // A change holds only what changed: here the provider's state, no slice.
        let (_, last) = feed.held.back().unwrap();
        let v: Value = serde_json::from_str(last).unwrap();
        assert_eq!(v["revision"], now);
        assert_eq!(v["providers"][0]["budget"]["remaining"], HELD as u64 + 10);
        assert_eq!(v["slices"].as_array().map(Vec::len), Some(0));
        let snap: Value = serde_json::from_str(&feed.snapshot(&s)).unwrap();
        assert_eq!(snap["revision"], now);
        assert_eq!(snap["slices"].as_array().map(Vec::len), Some(TABLES.len()));
    }
}
