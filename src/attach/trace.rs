//! `switchboard trace NUMBER --connect URL`: the same trace as local mode, from the
//! collector's `/v1/snapshot` (folded into a `State` by the attached console's own fold)
//! and the number's stored calls from `/v1/history` (paged). Requests go to the
//! collector only, never to a provider.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use switchboard_store::CallRecord;

use super::client::{AttachOptions, FeedMsg, snapshot};
use super::http::{get, request_error, status_error};
use crate::model::{Call, ProviderId};
use crate::state::State;
use crate::trace::cli::Polled;

/// Stored calls asked for (as many as the console's trace overlay asks its store for),
/// and the page size they are asked in.
const WANT: usize = 50;
const PAGE: usize = 25;

/// One page of `/v1/history`.
#[derive(Deserialize)]
struct Page {
    calls: Vec<Row>,
    next_offset: Option<usize>,
}

/// One stored call as `/v1/history` writes it.
#[derive(Deserialize)]
struct Row {
    provider: String,
    id: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    direction: String,
    #[serde(default)]
    result: String,
    started_ms: Option<i64>,
    answered_ms: Option<i64>,
    ended_ms: Option<i64>,
    #[serde(default)]
    fields: BTreeMap<String, String>,
}

impl Row {
    fn record(self) -> CallRecord {
        CallRecord {
            provider: self.provider,
            id: self.id,
            account: self.account,
            from: self.from,
            to: self.to,
            direction: self.direction,
            result: self.result,
            started_ms: self.started_ms,
            answered_ms: self.answered_ms,
            ended_ms: self.ended_ms,
            fields: self.fields.into_iter().collect(),
        }
    }
}

/// The collector's stored calls from or to the number with `digits`, newest first, as
/// calls of the providers named in `names` (by position); at most [`WANT`].
async fn stored_calls(
    client: &reqwest::Client,
    opts: &AttachOptions,
    digits: &str,
    names: &[String],
) -> Result<Vec<Call>, String> {
    let mut calls = Vec::new();
    let mut offset = 0;
    while calls.len() < WANT {
        let path = format!("/v1/history?number={digits}&limit={PAGE}&offset={offset}");
        let r = get(client, opts, &path)
            .send()
            .await
            .map_err(request_error)?;
        if !r.status().is_success() {
            let status = r.status();
            // The collector's own words (no store open, a bad query), else the status's.
            let said = r
                .json::<serde_json::Value>()
                .await
                .ok()
                .and_then(|v| v["error"].as_str().map(str::to_owned));
            return Err(said.unwrap_or_else(|| status_error(status)));
        }
        let page: Page = r
            .json()
            .await
            .map_err(|e| format!("the collector sent a bad history page: {}", e.without_url()))?;
        calls.extend(page.calls.into_iter().filter_map(|row| {
            let at = names.iter().position(|n| *n == row.provider)?;
            Some(crate::history::to_call(
                &row.record(),
                ProviderId(at as u16),
            ))
        }));
        match page.next_offset {
            Some(next) if next > offset => offset = next,
            _ => break,
        }
    }
    calls.truncate(WANT);
    Ok(calls)
}

/// The collector's state and the number's stored calls, folded as the console would,
/// with each provider's status as `trace` lists it.
pub async fn collect(opts: &AttachOptions, number: &str) -> Result<(State, Vec<Polled>), String> {
    let client = super::http::client(opts, Some(Duration::from_secs(60)))?;
    let doc = snapshot(&client, opts).await?;
    let polled = doc
        .providers
        .iter()
        .map(|p| {
            let (status, error) = super::snapshot::status_of(p);
            Polled {
                name: p.name.clone(),
                kind: p.kind.clone(),
                status,
                error,
            }
        })
        .collect();
    let mut state = State::new(Vec::new(), crate::clock::epoch_ms());
    super::fold::apply(&mut state, FeedMsg::Snapshot(Box::new(doc)));
    let digits = crate::trace::digits(number);
    if !digits.is_empty() {
        match stored_calls(&client, opts, &digits, &state.provider_names).await {
            Ok(calls) => state.trace_history = Some((digits, calls)),
            // The trace goes on with the collector's History rows; the reason is said.
            Err(e) => eprintln!(
                "switchboard trace: the collector's call history: {}; last calls are its \
                 History pane's only",
                crate::secret::redact(&e)
            ),
        }
    }
    Ok((state, polled))
}

/// Runs `switchboard trace --connect`; the exit code as local mode's (0 owned, 1 not),
/// 1 too when the collector cannot be read (said on stderr, never the token).
pub async fn run(opts: &AttachOptions, number: &str, json: bool) -> u8 {
    match collect(opts, number).await {
        Ok((state, polled)) => {
            let trace = crate::trace::trace(&state, number);
            crate::trace::cli::print(&trace, &polled, state.now_ms, json)
        }
        Err(e) => {
            eprintln!("switchboard trace: {}", crate::secret::redact(&e));
            1
        }
    }
}
