//! The call-history store as the console and the collector both use it: open it in the
//! state dir, write finished calls (each once; newly stored ones also go to the
//! `[history] export_jsonl` file), prune by `keep_days`, and turn stored records back
//! into the neutral `Call` the History pane shows. Everything that touches SQLite runs on
//! the store's own thread (`StoreHandle`), never on an async worker or the UI loop.
//!
//! - `console`: the console's task (open, load the last days, write, prune), which
//!   reports to the console as actions.
//! - `queue`: per-call queue records to the store and the counters kept of them.

pub mod console;
pub mod queue;

pub use queue::queue_records;

use std::path::Path;
use std::time::Duration;

use switchboard_store::{CallRecord, JsonlExport, StoreHandle};
use tokio_util::sync::CancellationToken;

use crate::config::HistoryConfig;
use crate::model::{Call, CallState, Direction, ProviderId};
use crate::providers::FetchData;

/// How often retention runs (and once at start).
pub const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// An open store and, when configured, the JSON lines export.
#[derive(Debug, Clone)]
pub struct History {
    pub store: StoreHandle,
    export: Option<JsonlExport>,
}

/// Opens `<dir>/history.sqlite` (creating the private dir). Blocks on the disk: call it
/// from a blocking task. The error is one line for the log and the screen.
pub fn open(dir: &Path, cfg: &HistoryConfig) -> Result<History, String> {
    if let Err(e) = crate::logging::private_dir(dir) {
        return Err(format!("history off: cannot create {}: {e}", dir.display()));
    }
    let path = dir.join(switchboard_store::FILE_NAME);
    match StoreHandle::open(path) {
        Ok(store) => Ok(History {
            store,
            export: cfg.export(dir).map(JsonlExport::new),
        }),
        Err(e) => Err(format!("history off: {e}")),
    }
}

/// What one write did.
#[derive(Debug, Default)]
pub struct Written {
    /// Calls new to the store.
    pub new: usize,
    /// Why the export could not be appended to, if it could not.
    pub export_error: Option<String>,
}

impl History {
    /// Stores the calls not stored yet and appends exactly those to the export, after
    /// any whose append failed before (the store keeps them pending until appended).
    pub async fn write(
        &self,
        batch: Vec<CallRecord>,
    ) -> Result<Written, switchboard_store::StoreError> {
        let export = self.export.clone();
        self.store
            .run(move |s| {
                let Some(x) = export else {
                    let new = s.insert_new(&batch)?;
                    return Ok(Written {
                        new: new.len(),
                        export_error: None,
                    });
                };
                let new = s.insert_for_export(&batch)?;
                let pending = s.export_pending(switchboard_store::EXPORT_BATCH)?;
                let records: Vec<CallRecord> = pending.iter().map(|(_, r)| r.clone()).collect();
                let export_error = match x.append(&records) {
                    Ok(()) => {
                        if let Some((seq, _)) = pending.last() {
                            s.export_done(*seq)?;
                        }
                        None
                    }
                    Err(e) => Some(format!("history export to {}: {e}", x.path().display())),
                };
                Ok(Written {
                    new: new.len(),
                    export_error,
                })
            })
            .await
    }

    /// Stored calls that started in the last `days` (newest first, at most `limit`) of
    /// the configured providers, as the pane's calls.
    pub async fn recent_calls(
        &self,
        names: Vec<String>,
        now_ms: i64,
        days: u32,
        limit: usize,
    ) -> Result<Vec<Call>, switchboard_store::StoreError> {
        let since = now_ms - i64::from(days) * 86_400_000;
        let records = self
            .store
            .run(move |s| s.recent(None, since, limit))
            .await?;
        Ok(records
            .iter()
            .filter_map(|r| {
                let at = names.iter().position(|n| *n == r.provider)?;
                Some(to_call(r, ProviderId(at as u16)))
            })
            .collect())
    }
}

impl History {
    /// The newest stored calls from or to `number` (any age the store keeps), at most
    /// `limit`, of the configured providers, as calls.
    pub async fn calls_with_number(
        &self,
        names: &[String],
        number: String,
        limit: usize,
    ) -> Result<Vec<Call>, switchboard_store::StoreError> {
        let records = self
            .store
            .run(move |s| s.calls_with_number(&number, i64::MIN, limit))
            .await?;
        Ok(records
            .iter()
            .filter_map(|r| {
                let at = names.iter().position(|n| *n == r.provider)?;
                Some(to_call(r, ProviderId(at as u16)))
            })
            .collect())
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

/// The finished calls one poll result carries, as records of the provider configured as
/// `name`.
pub fn records(name: &str, data: &FetchData) -> Vec<CallRecord> {
    records_except(name, data, |_| false)
}

/// [`records`], leaving out the calls `known` says are stored already (the console's
/// `StoredHistory`), so a poll that brings nothing new sends nothing to the store.
pub fn records_except(
    name: &str,
    data: &FetchData,
    known: impl Fn(&Call) -> bool,
) -> Vec<CallRecord> {
    match data {
        FetchData::Calls { live, history } => live
            .iter()
            .chain(history)
            .filter(|c| !c.state.is_live() && !known(c))
            .filter_map(|c| CallRecord::from_call(name, c))
            .collect(),
        _ => Vec::new(),
    }
}

/// A stored call as the History pane's row of provider `pid`.
pub fn to_call(r: &CallRecord, pid: ProviderId) -> Call {
    Call {
        provider: pid,
        account: r.account.clone().into(),
        account_name: Default::default(),
        id: r.id.as_str().into(),
        from: r.from.clone().into(),
        to: r.to.clone().into(),
        direction: Direction::from_text(&r.direction),
        state: state_from_label(&r.result),
        started_at_ms: r.started_ms,
        answered_at_ms: r.answered_ms,
        ended_at_ms: r.ended_ms,
        extra: r.fields.iter().map(|(k, v)| (k.clone(), v)).collect(),
    }
}

/// The state a stored result label names (the labels `CallState::label` writes).
fn state_from_label(label: &str) -> CallState {
    [
        CallState::Completed,
        CallState::Busy,
        CallState::NoAnswer,
        CallState::Rejected,
        CallState::Cancelled,
        CallState::Failed,
    ]
    .into_iter()
    .find(|s| s.label() == label)
    .unwrap_or_else(|| CallState::Unknown(label.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_call_reads_back_as_the_call_it_was() {
        let call = Call {
            provider: ProviderId(3),
            account: "acct".into(),
            account_name: "Acme".into(),
            id: "c1".into(),
            from: "+442079460000".into(),
            to: "204".into(),
            direction: Direction::Internal,
            state: CallState::NoAnswer,
            started_at_ms: Some(10),
            answered_at_ms: None,
            ended_at_ms: Some(20),
            extra: vec![("codec".into(), "PCMA".into())].into(),
        };
        let r = CallRecord::from_call("pbx", &call).expect("finished");
        let back = to_call(&r, ProviderId(3));
        assert_eq!(
            back,
            Call {
                account_name: Default::default(),
                ..call.clone()
            }
        );
        let odd = CallRecord {
            result: "voicemail".into(),
            ..r
        };
        assert_eq!(
            to_call(&odd, ProviderId(3)).state,
            CallState::Unknown("voicemail".into())
        );
    }
}
