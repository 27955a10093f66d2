//! The console's call history (local mode): at start the store in the state dir is
//! opened and the last days' calls are read, both on the store's thread, and handed to
//! the UI loop as `Action::HistoryLoaded`; every finished call a poll shows is then
//! written once. A store that cannot be opened (damaged, locked, newer) is said on the
//! message bar and in the log, and the console runs on without history.

use std::path::PathBuf;

use switchboard_store::CallRecord;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio_util::sync::CancellationToken;

use crate::action::Action;
use crate::config::HistoryConfig;
use crate::state::Level;

/// What the console asks of its history task.
#[derive(Debug)]
pub enum Job {
    /// Store these finished calls (those not stored yet).
    Write(Vec<CallRecord>),
    /// The newest stored calls on a number (for the trace), answered as
    /// `Action::HistoryOfNumber`.
    Lookup(String),
}

/// Calls the trace reads from the store for one number (the newest).
const LOOKUP_CALLS: usize = 50;

/// The History pane shows stored calls that started in the last this many days (fewer
/// when `keep_days` is smaller).
pub const SHOW_DAYS: u32 = 7;

/// Starts the console's history task; the sender takes each poll's finished calls.
/// Must run inside the tokio runtime.
pub fn start(
    dir: PathBuf,
    cfg: HistoryConfig,
    rows: usize,
    provider_names: Vec<String>,
    actions: UnboundedSender<Action>,
    cancel: CancellationToken,
) -> UnboundedSender<Job> {
    let (tx, rx) = unbounded_channel();
    tokio::spawn(run(dir, cfg, rows, provider_names, actions, rx, cancel));
    tx
}

fn off(actions: &UnboundedSender<Action>, text: String) {
    tracing::error!("{text}");
    let _ = actions.send(Action::Notice {
        level: Level::Warn,
        text,
    });
}

async fn run(
    dir: PathBuf,
    cfg: HistoryConfig,
    limit: usize,
    names: Vec<String>,
    actions: UnboundedSender<Action>,
    mut rx: UnboundedReceiver<Job>,
    cancel: CancellationToken,
) {
    let keep_days = cfg.keep_days;
    let opened = tokio::task::spawn_blocking(move || super::open(&dir, &cfg)).await;
    let history = match opened {
        Ok(Ok(h)) => h,
        Ok(Err(text)) => return off(&actions, text),
        Err(e) => return off(&actions, format!("history off: {e}")),
    };
    tracing::info!(path = %history.store.path().display(), "call history store open");
    tokio::spawn(super::pruner(
        history.store.clone(),
        keep_days,
        cancel.child_token(),
    ));
    let days = SHOW_DAYS.min(keep_days);
    match history
        .recent_calls(names.clone(), crate::clock::epoch_ms(), days, limit)
        .await
    {
        Ok(calls) => {
            tracing::info!(calls = calls.len(), days, "call history loaded");
            let _ = actions.send(Action::HistoryLoaded(calls));
        }
        Err(e) => {
            // Past days cannot be shown, but writes go on: start from an empty record of
            // what is stored, so each poll's calls are sent once, not on every poll.
            off(&actions, format!("history of past days unavailable: {e}"));
            let _ = actions.send(Action::HistoryLoaded(Vec::new()));
        }
    }
    let mut last_error: Option<String> = None;
    while let Some(job) = rx.recv().await {
        let batch = match job {
            Job::Write(batch) => batch,
            Job::Lookup(number) => {
                let calls = history
                    .calls_with_number(&names, number.clone(), LOOKUP_CALLS)
                    .await
                    .unwrap_or_else(|e| {
                        tracing::warn!("history lookup for the trace failed: {e}");
                        Vec::new()
                    });
                let _ = actions.send(Action::HistoryOfNumber { number, calls });
                continue;
            }
        };
        let error = match history.write(batch).await {
            Ok(w) => w.export_error,
            Err(e) => {
                let _ = actions.send(Action::HistoryWriteFailed);
                Some(format!("history write failed: {e}"))
            }
        };
        // Each new problem once on the message bar and in the log; recovery in the log.
        match (&error, &last_error) {
            (Some(e), Some(l)) if e == l => {}
            (Some(e), _) => off(&actions, e.clone()),
            (None, Some(_)) => tracing::info!("call history writes again"),
            (None, None) => {}
        }
        last_error = error;
    }
}
