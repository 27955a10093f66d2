//! The collector's side of the call history: finished calls from every poll go to the
//! store (`<state dir>/history.sqlite`, on its own thread) once each, and calls older than
//! `[history] keep_days` are pruned in the background. A store that cannot be opened or
//! written (corrupt, locked) is said in the log and in `/readyz`; polling and `/metrics`
//! go on without history. Opening, writing (with the `[history] export_jsonl` file) and
//! pruning are the console's own (`crate::history`).
//!
//! Per-call queue records go to the store too, and the queue counters `/metrics` shows
//! are the store's ([`QueueTotals`]): loaded at start, updated after each write, so they
//! continue across restarts and a day read again is not counted twice.

use prometheus_client::metrics::counter::Counter;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use switchboard_store::{CallRecord, QueueCounts, QueueKey, QueueRecord};
use tokio::sync::mpsc::UnboundedReceiver;

use crate::config::HistoryConfig;
use crate::history::History;

pub use crate::history::PRUNE_EVERY;

/// What `/readyz` says about the store.
#[derive(Debug, Clone, Default)]
pub struct HistoryStatus {
    pub path: String,
    /// None while it works; else the latest problem, in words (no secret in it).
    pub error: Option<String>,
    pub open: bool,
}

/// What one poll result brings the store: finished calls and finished queue calls.
#[derive(Debug, Default)]
pub struct Batch {
    pub calls: Vec<CallRecord>,
    pub queue: Vec<QueueRecord>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty() && self.queue.is_empty()
    }
}

/// The store's queue counters as `/metrics` reads them.
#[derive(Debug, Default)]
pub struct QueueCounters {
    /// Whether the counters come from the store (it opened and they were read). When not,
    /// the metrics fall back to the provider's figures for its current period.
    pub from_store: bool,
    pub counts: BTreeMap<QueueKey, QueueCounts>,
}

impl QueueCounters {
    /// Whether the store holds counters of the provider configured as `name`.
    pub fn has_provider(&self, name: &str) -> bool {
        self.counts.keys().any(|k| k.provider == name)
    }
}

/// Shared between the writer (which updates it) and the metrics (which read it).
pub type QueueTotals = Arc<Mutex<QueueCounters>>;

/// Reads the stored queue counters into `totals` (at start, before any write); a store
/// that cannot be read leaves the metrics on the providers' own figures, said in the log.
pub async fn load_queue_counters(store: Option<&History>, totals: &QueueTotals) {
    let Some(store) = store else { return };
    match store.queue_counters().await {
        Ok(counts) => {
            let mut t = totals.lock().unwrap_or_else(|p| p.into_inner());
            t.counts = counts;
            t.from_store = true;
        }
        Err(e) => tracing::error!("queue counters not read from the history store: {e}"),
    }
}

/// The finished queue calls a poller event carries, as records of its provider (by
/// configured name) and account scope; read before the event is folded.
pub fn queue_of(c: &super::collect::Collected, event: &crate::poller::Event) -> Vec<QueueRecord> {
    let crate::poller::Event::Fetched(f) = event else {
        return Vec::new();
    };
    let (Ok(data), Some(p)) = (&f.result, c.state.providers.get(f.provider.0 as usize)) else {
        return Vec::new();
    };
    crate::history::queue_records(&p.name, &f.job.scope, data)
}

/// Opens the store in `dir` (through the console's shared `history::open`); on failure
/// logs why and returns None (history off).
pub fn open(
    dir: &Path,
    cfg: &HistoryConfig,
    status: &Arc<Mutex<HistoryStatus>>,
) -> Option<History> {
    let mut st = status.lock().unwrap_or_else(|p| p.into_inner());
    st.path = dir.join(switchboard_store::FILE_NAME).display().to_string();
    match crate::history::open(dir, cfg) {
        Ok(h) => {
            st.open = true;
            st.error = None;
            tracing::info!(path = %st.path, "call history store open");
            Some(h)
        }
        Err(text) => {
            tracing::error!("{text}");
            st.error = Some(text);
            None
        }
    }
}

/// Writes every batch of finished calls and queue calls; ends when the fold's sender is
/// dropped, after the batches already sent are written.
pub async fn writer(
    store: Option<History>,
    mut rx: UnboundedReceiver<Batch>,
    status: Arc<Mutex<HistoryStatus>>,
    written: Counter,
    totals: QueueTotals,
) {
    while let Some(batch) = rx.recv().await {
        let Some(store) = &store else { continue };
        if batch.is_empty() {
            continue;
        }
        let mut problem: Option<String> = None;
        let wrote_calls = !batch.calls.is_empty();
        if wrote_calls {
            match store.write(batch.calls).await {
                Ok(w) => {
                    written.inc_by(w.new as u64);
                    problem = w.export_error;
                }
                Err(e) => problem = Some(format!("history write failed: {e}")),
            }
        }
        if !batch.queue.is_empty() {
            match store.write_queue(batch.queue).await {
                Ok(added) => {
                    let mut t = totals.lock().unwrap_or_else(|p| p.into_inner());
                    if t.from_store {
                        t.counts.extend(added.counts);
                    }
                }
                Err(e) => {
                    problem.get_or_insert_with(|| format!("queue history write failed: {e}"));
                }
            }
        }
        let mut st = status.lock().unwrap_or_else(|p| p.into_inner());
        match problem {
            Some(text) => {
                if st.error.as_deref() != Some(text.as_str()) {
                    tracing::error!("{text}");
                }
                st.error = Some(text);
            }
            None => {
                // An export problem stands until calls are exported again; a store
                // problem until any write succeeds.
                let stands = !wrote_calls && st.error.as_deref().is_some_and(is_export_error);
                if !stands && st.error.take().is_some() {
                    tracing::info!("call history writes again");
                }
            }
        }
    }
}

fn is_export_error(text: &str) -> bool {
    text.starts_with("history export to")
}
