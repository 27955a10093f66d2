//! The collector's side of the call history: finished calls from every poll go to the
//! store (`<state dir>/history.sqlite`, on its own thread) once each, and calls older than
//! `[history] keep_days` are pruned in the background. A store that cannot be opened or
//! written (corrupt, locked) is said in the log and in `/readyz`; polling and `/metrics`
//! go on without history.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use prometheus_client::metrics::counter::Counter;
use switchboard_store::{CallRecord, StoreHandle};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio_util::sync::CancellationToken;

/// How often retention runs (and once at start).
pub const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// What `/readyz` says about the store.
#[derive(Debug, Clone, Default)]
pub struct HistoryStatus {
    pub path: String,
    /// None while it works; else the latest problem, in words (no secret in it).
    pub error: Option<String>,
    pub open: bool,
}

/// Opens the store in `dir`; on failure logs why and returns None (history off).
pub fn open(dir: &Path, status: &Arc<Mutex<HistoryStatus>>) -> Option<StoreHandle> {
    let path = dir.join(switchboard_store::FILE_NAME);
    let mut st = status.lock().unwrap_or_else(|p| p.into_inner());
    st.path = path.display().to_string();
    if let Err(e) = crate::logging::private_dir(dir) {
        let text = format!("history off: cannot create {}: {e}", dir.display());
        tracing::error!("{text}");
        st.error = Some(text);
        return None;
    }
    match StoreHandle::open(path) {
        Ok(h) => {
            st.open = true;
            st.error = None;
            tracing::info!(path = %st.path, "call history store open");
            Some(h)
        }
        Err(e) => {
            let text = format!("history off: {e}");
            tracing::error!("{text}");
            st.error = Some(text);
            None
        }
    }
}

/// Writes every batch of finished calls; ends when the fold's sender is dropped, after
/// the batches already sent are written.
pub async fn writer(
    store: Option<StoreHandle>,
    mut rx: UnboundedReceiver<Vec<CallRecord>>,
    status: Arc<Mutex<HistoryStatus>>,
    written: Counter,
) {
    while let Some(batch) = rx.recv().await {
        let Some(store) = &store else { continue };
        if batch.is_empty() {
            continue;
        }
        match store.run(move |s| s.insert(&batch)).await {
            Ok(new) => {
                written.inc_by(new as u64);
                let mut st = status.lock().unwrap_or_else(|p| p.into_inner());
                if st.error.take().is_some() {
                    tracing::info!("call history writes again");
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

/// Deletes calls older than `keep_days`, now and every [`PRUNE_EVERY`], until cancelled.
pub async fn pruner(store: StoreHandle, keep_days: u32, cancel: CancellationToken) {
    loop {
        let before = crate::clock::epoch_ms() - i64::from(keep_days) * 86_400_000;
        match store.run(move |s| s.prune(before)).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(calls = n, keep_days, "call history pruned"),
            Err(e) => tracing::warn!("call history prune failed: {e}"),
        }
        tokio::select! {
            _ = tokio::time::sleep(PRUNE_EVERY) => {}
            _ = cancel.cancelled() => return,
        }
    }
}
