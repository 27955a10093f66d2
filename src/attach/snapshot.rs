//! `switchboard snapshot --connect URL`: the same output as local mode, from the
//! collector's snapshot (one request to the collector, none to a provider).

use super::client::{AttachOptions, fetch_snapshot};
use super::doc::{FeedDoc, ProviderFeed, Slice};
use crate::model::AccountKind;
use crate::snapshot::{Format, ProviderSnapshot, print};

/// A provider's status as `snapshot` and `trace` print it, and the collector's error
/// text: `ok` when the collector reads it fine, `degraded` when it has data from it but
/// trouble with it, `failed` when it never read it.
pub fn status_of(p: &ProviderFeed) -> (String, Option<String>) {
    let status = match (p.state.as_str(), p.last_success_ms) {
        ("ok", _) => "ok",
        (_, Some(_)) => "degraded",
        (_, None) => "failed",
    };
    let error =
        (p.state != "ok").then(|| p.error.clone().unwrap_or_else(|| p.state.replace('_', " ")));
    (status.into(), error)
}

/// One [`ProviderSnapshot`] per provider of the collector, in its order. A provider the
/// collector reads fine is `ok`; one it has data from but trouble with is `degraded`; one
/// it never read is `failed`; the collector's error text goes with it.
pub fn provider_snapshots(doc: FeedDoc) -> Vec<ProviderSnapshot> {
    let mut snaps: Vec<ProviderSnapshot> = doc
        .providers
        .iter()
        .map(|p| {
            let (status, error) = status_of(p);
            ProviderSnapshot {
                name: p.name.clone(),
                kind: p.kind.clone(),
                status,
                error,
                ..Default::default()
            }
        })
        .collect();
    let index: Vec<u16> = doc.providers.iter().map(|p| p.id).collect();
    for slice in doc.slices {
        let Some(s) = index
            .iter()
            .position(|id| *id == slice.provider().0)
            .and_then(|i| snaps.get_mut(i))
        else {
            continue;
        };
        match slice {
            Slice::Accounts(_, mut rows) => {
                rows.retain(|a| a.kind != AccountKind::Provider);
                s.accounts = rows;
            }
            // A snapshot's call slices are whole; one of an account adds its rows.
            Slice::LiveCalls(_, None, rows) => s.live_calls = rows,
            Slice::LiveCalls(_, Some(_), rows) => s.live_calls.extend(rows),
            Slice::CallHistory(_, None, rows) => s.call_history = rows,
            Slice::CallHistory(_, Some(_), rows) => s.call_history.extend(rows),
            Slice::Trunks(_, rows) => s.trunks = rows,
            Slice::Numbers(_, rows) => s.numbers = rows,
            Slice::Queues(_, rows) => s.queues = rows,
        }
    }
    snaps
}

/// Loads the collector's snapshot and prints it as `snapshot` does; 0 when every
/// provider is ok, 1 otherwise or when the collector cannot be read (said on stderr,
/// never the token).
pub async fn run(opts: &AttachOptions, format: Format) -> u8 {
    match fetch_snapshot(opts).await {
        Ok(doc) => print(&provider_snapshots(doc), format),
        Err(e) => {
            eprintln!("switchboard snapshot: {}", crate::secret::redact(&e));
            1
        }
    }
}
