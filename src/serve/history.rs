//! The collector's side of the call history: finished calls from every poll go to the
//! store (`<state dir>/history.sqlite`, on its own thread) once each, and calls older than
//! `[history] keep_days` are pruned in the background. A store that cannot be opened or
//! written (corrupt, locked) is said in the log and in `/readyz`; polling and `/metrics`
//! go on without history. Opening, writing (with the `[history] export_jsonl` file) and
//! pruning are the console's own (`crate::history`).

use prometheus_client::metrics::counter::Counter;
use std::path::Path;
use std::sync::{Arc, Mutex};
use switchboard_store::CallRecord;
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

/// Writes every batch of finished calls; ends when the fold's sender is dropped, after
/// the batches already sent are written.
pub async fn writer(
    store: Option<History>,
    mut rx: UnboundedReceiver<Vec<CallRecord>>,
    status: Arc<Mutex<HistoryStatus>>,
    written: Counter,
) {
    while let Some(batch) = rx.recv().await {
        let Some(store) = &store else { continue };
        if batch.is_empty() {
            continue;
        }
        match store.write(batch).await {
            Ok(w) => {
                written.inc_by(w.new as u64);
                let mut st = status.lock().unwrap_or_else(|p| p.into_inner());
                match w.export_error {
                    Some(text) => {
                        if st.error.as_deref() != Some(text.as_str()) {
                            tracing::error!("{text}");
                        }
                        st.error = Some(text);
                    }
                    None => {
                        if st.error.take().is_some() {
                            tracing::info!("call history writes again");
                        }
                    }
                }
            }
            Err(e) => {
                let text = format!("history write failed: {e}");
                let mut st = status.lock().unwrap_or_else(|p| p.into_inner());
                if st.error.as_deref() != Some(text.as_str()) {
                    tracing::error!("{text}");
                }
                st.error = Some(text);
            }
        }
    }
}
