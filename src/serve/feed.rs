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
use std::hash::{DefaultHasher, Hasher};
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::broadcast;

use super::words::{conn_words, resource_label};
use crate::model::{ProviderId, Resource};
use crate::secret::redact;
use crate::state::table::Row;
use crate::state::{ProviderState, State};

/// How many changes the collector keeps for readers that resume.
pub const HELD: usize = 1024;
/// And how many bytes of them at most: a change carries whole slices, and a provider of
/// 10,000 live calls makes megabyte changes several times a second. Older changes go
/// first; a reader that needed one reloads the snapshot (`resync`).
pub const HELD_BYTES: usize = 64 << 20;

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
    /// The bytes of `held`, and the most it may hold ([`HELD_BYTES`]).
    held_bytes: usize,
    max_held_bytes: usize,
    /// Hash of the slice last published per (table, provider, account): calls by account
    /// (a change carries only the accounts whose calls changed), other tables whole ("").
    slices: BTreeMap<(&'static str, u16, String), u64>,
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

/// JSON written into a hasher: what a document's hash needs without its text. A slice of
/// 10,000 rows is megabytes; its text is built only when its hash changed.
struct HashWriter(DefaultHasher);

impl std::io::Write for HashWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.write(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The hash of `value`'s JSON text (the same text gives the same hash, however serde_json
/// splits its writes: the hasher reads a stream).
fn json_hash<T: Serialize + ?Sized>(value: &T) -> u64 {
    let mut w = HashWriter(DefaultHasher::new());
    // A row that cannot be written hashes what was written before it; the text built
    // from the same rows fails the same way (an empty list).
    let _ = serde_json::to_writer(&mut w, value);
    w.0.finish()
}

fn json_text<T: Serialize + ?Sized>(value: &T, empty: &str) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| empty.into())
}

/// A provider's rows of one table as a JSON list, serialised as they are read.
struct RowsOf<'a, T, U: ?Sized> {
    rows: &'a [T],
    provider: ProviderId,
    /// Only this account's rows (calls sent by account).
    account: Option<&'a str>,
    view: fn(&T) -> &U,
}

impl<T: Row, U: Serialize + ?Sized> Serialize for RowsOf<'_, T, U> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            self.rows
                .iter()
                .filter(|r| r.provider() == self.provider)
                .filter(|r| self.account.is_none_or(|a| r.account() == a))
                .map(self.view),
        )
    }
}

fn rows_of<T: Row + Serialize>(rows: &[T], provider: ProviderId) -> RowsOf<'_, T, T> {
    RowsOf {
        rows,
        provider,
        account: None,
        view: |r| r,
    }
}

/// One table's rows of one provider, handed to `out` as something to serialise (rows
/// carry no provider: the slice says it).
fn with_slice<R>(state: &State, table: Resource, p: ProviderId, out: impl SliceOut<R>) -> R {
    let t = &state.tables;
    match table {
        Resource::Accounts => out.take(&RowsOf {
            rows: &t.accounts.rows,
            provider: p,
            account: None,
            view: |r| &r.account,
        }),
        Resource::LiveCalls => out.take(&rows_of(&t.live.rows, p)),
        Resource::CallHistory => out.take(&rows_of(&t.history.rows, p)),
        Resource::Trunks => out.take(&rows_of(&t.trunks.rows, p)),
        Resource::Numbers => out.take(&rows_of(&t.numbers.rows, p)),
        Resource::Queues => out.take(&rows_of(&t.queues.rows, p)),
    }
}

/// What is done with a slice: its text or its hash.
trait SliceOut<R> {
    fn take<T: Serialize>(self, rows: &T) -> R;
}

struct Text;
impl SliceOut<String> for Text {
    fn take<T: Serialize>(self, rows: &T) -> String {
        json_text(rows, "[]")
    }
}

struct Hashed;
impl SliceOut<u64> for Hashed {
    fn take<T: Serialize>(self, rows: &T) -> u64 {
        json_hash(rows)
    }
}

/// One table's rows of one provider as a JSON array.
pub fn slice_json(state: &State, table: Resource, p: ProviderId) -> String {
    with_slice(state, table, p, Text)
}

/// A provider's budget as the feed says it (fields in the order a JSON object sorts them,
/// as the earlier `json!` documents did).
#[derive(Serialize)]
struct BudgetDoc {
    documented: u32,
    limit: u32,
    remaining: u32,
    resets_in_s: u32,
    throttled: u32,
    used: u32,
    window_s: u32,
}

/// What one account's forms start from (forwards, flow devices …).
#[derive(Serialize)]
struct DetailsDoc<'a> {
    account: &'a str,
    details: &'a crate::providers::ProviderDetails,
}

/// The provider's form details, by account, serialised as they are read.
struct AllDetails<'a>(&'a State, ProviderId);

impl Serialize for AllDetails<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            self.0
                .details
                .range((self.1, String::new())..)
                .take_while(|((id, _), _)| *id == self.1)
                .map(|((_, account), details)| DetailsDoc { account, details }),
        )
    }
}

/// A provider's state as the feed says it: connection word and problem (redacted),
/// budget, and when each resource's data last loaded (readers compute its age). Fields in
/// sorted order, as a JSON object of the same keys writes them.
#[derive(Serialize)]
pub struct ProviderDoc<'a> {
    /// What its changes may be (the console greys the rest).
    actions: Vec<crate::model::ActionKind>,
    budget: BudgetDoc,
    data_ms: BTreeMap<&'static str, Option<i64>>,
    /// What its forms start from (forwards, flow devices …), by account.
    details: AllDetails<'a>,
    error: Option<String>,
    id: u16,
    kind: String,
    last_success_ms: Option<i64>,
    name: &'a str,
    /// Whether the collector's config pins it read-only.
    read_only: bool,
    state: &'static str,
}

pub fn provider_doc<'a>(all: &'a State, p: &'a ProviderState) -> ProviderDoc<'a> {
    let (state, error) = conn_words(&p.conn);
    let data: BTreeMap<&str, Option<i64>> = TABLES
        .iter()
        .filter(|r| p.caps.offers(**r))
        .map(|r| (resource_label(*r), p.data_time(*r)))
        .collect();
    let b = &p.budget;
    ProviderDoc {
        actions: p.caps.actions().collect(),
        budget: BudgetDoc {
            documented: b.documented,
            limit: b.limit,
            remaining: b.remaining,
            resets_in_s: b.resets_in_s,
            throttled: b.throttled,
            used: b.used,
            window_s: b.window_s,
        },
        data_ms: data,
        details: AllDetails(all, p.id),
        error: error.map(|e| redact(&e).into_owned()),
        id: p.id.0,
        kind: p.kind.to_string(),
        last_success_ms: p.last_ok_ms,
        name: &p.name,
        read_only: p.config_read_only,
        state,
    }
}

/// A slice's text: one table's rows of one provider, or of one of its accounts.
fn slice_text(table: Resource, p: u16, account: Option<&str>, rows: &str) -> String {
    let account = account
        .map(|a| format!("\"account\":{},", json_text(a, "\"\"")))
        .unwrap_or_default();
    format!(
        "{{\"table\":\"{}\",\"provider\":{p},{account}\"rows\":{rows}}}",
        resource_label(table)
    )
}

/// One account's calls of `table` as a slice that names the account.
fn account_slice_text(state: &State, table: Resource, p: ProviderId, account: &str) -> String {
    let rows = RowsOf {
        rows: calls_of(state, table),
        provider: p,
        account: Some(account),
        view: |r| r,
    };
    slice_text(table, p.0, Some(account), &json_text(&rows, "[]"))
}

/// The tables whose changes go by account: calls, the ones a poll of one account (a
/// domain of 500 live calls among 10,000) changes many times a second.
fn by_account(table: Resource) -> bool {
    matches!(table, Resource::LiveCalls | Resource::CallHistory)
}

fn calls_of(state: &State, table: Resource) -> &[crate::model::Call] {
    match table {
        Resource::CallHistory => &state.tables.history.rows,
        _ => &state.tables.live.rows,
    }
}

/// The key of a calls table sent whole (its accounts' rows interleave).
const WHOLE: &str = "\u{0}whole";

/// The hash of each account's calls of one provider, in one pass, or None when the
/// accounts' rows interleave (a provider-wide list in time order): an account's slice
/// could not be put back where its rows stood, so the table goes whole.
fn account_hashes(rows: &[crate::model::Call], p: ProviderId) -> Option<BTreeMap<&str, u64>> {
    let mut writers: BTreeMap<&str, HashWriter> = BTreeMap::new();
    let mut last: Option<&str> = None;
    for r in rows.iter().filter(|r| r.provider == p) {
        let account = r.account.as_str();
        if last != Some(account) && writers.contains_key(account) {
            return None;
        }
        last = Some(account);
        let w = writers
            .entry(account)
            .or_insert_with(|| HashWriter(DefaultHasher::new()));
        let _ = serde_json::to_writer(&mut *w, r);
    }
    Some(
        writers
            .into_iter()
            .map(|(a, w)| (a, w.0.finish()))
            .collect(),
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
            held_bytes: 0,
            max_held_bytes: HELD_BYTES,
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
            .map(|p| json_text(&provider_doc(state, p), "{}"))
            .collect();
        let mut slices = Vec::new();
        for p in &state.providers {
            for table in TABLES {
                slices.push(slice_text(
                    table,
                    p.id.0,
                    None,
                    &slice_json(state, table, p.id),
                ));
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
            let doc = provider_doc(state, p);
            let h = json_hash(&doc);
            if self.providers.insert(p.id.0, h) != Some(h) {
                providers.push(json_text(&doc, "{}"));
            }
        }
        let mut slices = Vec::new();
        for &p in tables {
            for table in TABLES {
                let label = resource_label(table);
                if by_account(table) {
                    self.publish_accounts(state, table, p, &mut slices);
                    continue;
                }
                let h = with_slice(state, table, p, Hashed);
                if self.slices.insert((label, p.0, String::new()), h) != Some(h) {
                    slices.push(slice_text(table, p.0, None, &slice_json(state, table, p)));
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
        self.held_bytes += change.1.len();
        self.held.push_back(change.clone());
        while self.held.len() > HELD
            || (self.held_bytes > self.max_held_bytes && self.held.len() > 1)
        {
            if let Some((_, old)) = self.held.pop_front() {
                self.held_bytes -= old.len();
            }
        }
        // No reader is no error.
        let _ = self.tx.send(change);
    }

    /// The accounts whose calls of `table` changed since the last publish, each as a slice
    /// of its own; an account whose calls are all gone as an empty one.
    fn publish_accounts(
        &mut self,
        state: &State,
        table: Resource,
        p: ProviderId,
        slices: &mut Vec<String>,
    ) {
        let label = resource_label(table);
        let held: Vec<String> = self
            .slices
            .range((label, p.0, String::new())..)
            .take_while(|((l, q, _), _)| *l == label && *q == p.0)
            .map(|((_, _, a), _)| a.clone())
            .filter(|a| a != WHOLE)
            .collect();
        let Some(now) = account_hashes(calls_of(state, table), p) else {
            for a in held {
                self.slices.remove(&(label, p.0, a));
            }
            let h = with_slice(state, table, p, Hashed);
            if self.slices.insert((label, p.0, WHOLE.into()), h) != Some(h) {
                slices.push(slice_text(table, p.0, None, &slice_json(state, table, p)));
            }
            return;
        };
        if self.slices.remove(&(label, p.0, WHOLE.into())).is_some() {
            // From whole to accounts: the table goes whole once more (a reader may hold
            // accounts that are gone), then by account.
            slices.push(slice_text(table, p.0, None, &slice_json(state, table, p)));
            for (account, h) in now {
                self.slices.insert((label, p.0, account.to_owned()), h);
            }
            return;
        }
        for gone in held.iter().filter(|a| !now.contains_key(a.as_str())) {
            self.slices.remove(&(label, p.0, gone.clone()));
            slices.push(account_slice_text(state, table, p, gone));
        }
        for (account, h) in now {
            if self.slices.insert((label, p.0, account.to_owned()), h) != Some(h) {
                slices.push(account_slice_text(state, table, p, account));
            }
        }
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
        let v: serde_json::Value = serde_json::from_str(last).unwrap();
        assert_eq!(v["revision"], now);
        assert_eq!(v["providers"][0]["budget"]["remaining"], HELD as u64 + 10);
        assert_eq!(v["slices"].as_array().map(Vec::len), Some(0));
        let snap: serde_json::Value = serde_json::from_str(&feed.snapshot(&s)).unwrap();
        assert_eq!(snap["revision"], now);
        assert_eq!(snap["slices"].as_array().map(Vec::len), Some(TABLES.len()));
    }

    #[test]
    fn a_provider_document_reads_as_the_json_object_it_replaced() {
        let s = state();
        let doc = json_text(&provider_doc(&s, &s.providers[0]), "{}");
        let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "actions",
                "budget",
                "data_ms",
                "details",
                "error",
                "id",
                "kind",
                "last_success_ms",
                "name",
                "read_only",
                "state"
            ]
        );
        // Written in that order, as the object was.
        assert!(doc.starts_with("{\"actions\":"), "{doc}");
        assert_eq!(v["name"], "pbx");
        assert_eq!(v["details"], serde_json::json!([]));
        // The hash follows the text.
        let mut other = state();
        assert_eq!(
            json_hash(&provider_doc(&other, &other.providers[0])),
            json_hash(&provider_doc(&s, &s.providers[0]))
        );
        other.providers[0].budget.used = 3;
        assert_ne!(
            json_hash(&provider_doc(&other, &other.providers[0])),
            json_hash(&provider_doc(&s, &s.providers[0]))
        );
    }

    #[test]
    fn held_changes_stay_within_their_bytes_and_a_reader_behind_them_resyncs() {
        let mut s = state();
        let mut feed = Feed::new(0);
        feed.max_held_bytes = 4_000;
        for i in 0..100u32 {
            s.providers[0].budget.remaining = i + 1;
            feed.publish(&s, &[]);
            assert!(feed.held_bytes <= 4_000 || feed.held.len() == 1);
            assert_eq!(
                feed.held_bytes,
                feed.held.iter().map(|(_, t)| t.len()).sum::<usize>()
            );
        }
        let now = feed.revision;
        let kept = feed.held.len() as u64;
        assert!(kept > 1 && kept < 100, "{kept} changes held");
        assert_eq!(
            ids(feed.resume(Some(now - kept))).map(|v| v.len()),
            Some(kept as usize)
        );
        assert_eq!(
            ids(feed.resume(Some(now - kept - 1))),
            None,
            "older: resync"
        );
    }

    fn call(account: &str, id: &str, started: i64) -> crate::model::Call {
        crate::model::Call {
            provider: ProviderId(0),
            account: account.into(),
            account_name: Default::default(),
            id: id.into(),
            from: "+15550001".into(),
            to: "+15550002".into(),
            direction: crate::model::Direction::Inbound,
            state: crate::model::CallState::InCall,
            started_at_ms: Some(started),
            answered_at_ms: None,
            ended_at_ms: None,
            extra: Default::default(),
        }
    }

    /// The slices of the last change, as (table, account, row ids).
    fn last_slices(feed: &Feed) -> Vec<(String, Option<String>, Vec<String>)> {
        let (_, text) = feed.held.back().unwrap();
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        v["slices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["table"].as_str().unwrap().to_owned(),
                    s["account"].as_str().map(str::to_owned),
                    s["rows"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|r| r["id"].as_str().unwrap().to_owned())
                        .collect(),
                )
            })
            .collect()
    }

    #[test]
    fn a_change_carries_only_the_accounts_whose_calls_changed() {
        let mut s = state();
        s.tables.live.rows = vec![call("a", "a1", 1), call("b", "b1", 2), call("b", "b2", 3)];
        let mut feed = Feed::new(0);
        feed.publish(&s, &[ProviderId(0)]);
        let first = last_slices(&feed);
        assert!(first.contains(&("live_calls".into(), Some("a".into()), vec!["a1".into()])));
        assert!(first.contains(&(
            "live_calls".into(),
            Some("b".into()),
            vec!["b1".into(), "b2".into()]
        )));
        // Account b's calls change: only b's slice goes.
        s.tables.live.rows = vec![call("a", "a1", 1), call("b", "b3", 4)];
        feed.publish(&s, &[ProviderId(0)]);
        assert_eq!(
            last_slices(&feed),
            [("live_calls".into(), Some("b".into()), vec!["b3".into()])]
        );
        // Account a's calls are all gone: an empty slice for it.
        s.tables.live.rows = vec![call("b", "b3", 4)];
        feed.publish(&s, &[ProviderId(0)]);
        assert_eq!(
            last_slices(&feed),
            [("live_calls".into(), Some("a".into()), vec![])]
        );
        // Nothing changed: no revision.
        let at = feed.revision;
        feed.publish(&s, &[ProviderId(0)]);
        assert_eq!(feed.revision, at);
        // A snapshot still carries each table whole.
        let snap: serde_json::Value = serde_json::from_str(&feed.snapshot(&s)).unwrap();
        let live: Vec<_> = snap["slices"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["table"] == "live_calls")
            .collect();
        assert_eq!(live.len(), 1);
        assert!(live[0].get("account").is_none());
    }

    #[test]
    fn interleaved_accounts_go_whole_then_by_account_once_they_part() {
        let mut s = state();
        s.tables.history.rows = vec![call("a", "a1", 1), call("b", "b1", 2), call("a", "a2", 3)];
        let mut feed = Feed::new(0);
        feed.publish(&s, &[ProviderId(0)]);
        let history: Vec<_> = last_slices(&feed)
            .into_iter()
            .filter(|(t, ..)| t == "call_history")
            .collect();
        assert_eq!(
            history,
            [(
                "call_history".into(),
                None,
                vec!["a1".into(), "b1".into(), "a2".into()]
            )]
        );
        // Apart again: whole once more (b is gone), then by account.
        s.tables.history.rows = vec![call("a", "a1", 1), call("a", "a2", 3)];
        feed.publish(&s, &[ProviderId(0)]);
        assert_eq!(
            last_slices(&feed),
            [("call_history".into(), None, vec!["a1".into(), "a2".into()])]
        );
        s.tables.history.rows = vec![call("a", "a1", 1), call("a", "a3", 4)];
        feed.publish(&s, &[ProviderId(0)]);
        assert_eq!(
            last_slices(&feed),
            [(
                "call_history".into(),
                Some("a".into()),
                vec!["a1".into(), "a3".into()]
            )]
        );
    }
}
