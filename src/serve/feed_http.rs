//! The feed's endpoints: `GET /v1/snapshot` (the state at a revision), `GET /v1/events`
//! (Server-Sent Events: `id` = revision, `event: change`, data = the change; a comment
//! every 15 s so proxies keep an idle stream; `Last-Event-ID` or `?since=` resumes while
//! the collector still holds the next change, else one `event: resync` and the stream
//! ends) and `GET /v1/history` (the store, newest first, paged by `offset`).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::{Stream, StreamExt, stream};
use serde_json::{Value, json};
use switchboard_store::CallRecord;
use tokio::sync::broadcast::error::RecvError;

use super::feed::{Change, Resume};
use super::web::Web;

/// How often an idle stream carries a keep-alive comment (unless `ServeOptions` says).
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

pub async fn snapshot(State(web): State<Web>) -> Response {
    let body = {
        let c = web.shared.lock().unwrap_or_else(|p| p.into_inner());
        c.feed.snapshot(&c.state)
    };
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

#[derive(serde::Deserialize)]
pub struct EventsQuery {
    since: Option<u64>,
}

fn change_event((revision, data): Change) -> Event {
    Event::default()
        .event("change")
        .id(revision.to_string())
        .data(&*data)
}

fn resync_event(revision: u64) -> Event {
    Event::default()
        .event("resync")
        .data(json!({ "revision": revision }).to_string())
}

pub async fn events(
    State(web): State<Web>,
    headers: HeaderMap,
    Query(q): Query<EventsQuery>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    // A reader that sends an id it cannot have got from us holds something we cannot
    // resume: it reloads (u64::MAX is beyond any revision, so a resync).
    let last = match headers.get("last-event-id") {
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or(u64::MAX),
        ),
        None => q.since,
    };
    let (resume, current) = {
        let c = web.shared.lock().unwrap_or_else(|p| p.into_inner());
        (c.feed.resume(last), c.feed.revision)
    };
    let stream = match resume {
        Resume::Resync => stream::iter(vec![Ok(resync_event(current))]).left_stream(),
        Resume::From(backlog, rx) => {
            let backlog = stream::iter(backlog.into_iter().map(|c| Ok(change_event(c))));
            let live = stream::unfold(Some(rx), |rx| async move {
                let mut rx = rx?;
                match rx.recv().await {
                    Ok(change) => Some((Ok(change_event(change)), Some(rx))),
                    // Too slow a reader: what it missed is gone; it reloads.
                    Err(RecvError::Lagged(_)) => Some((Ok(resync_event(0)), None)),
                    Err(RecvError::Closed) => None,
                }
            });
            backlog.chain(live).right_stream()
        }
    };
    // Streams end when the collector stops, so shutdown never waits on a reader.
    let stream = stream.take_until(web.stop.clone().cancelled_owned());
    Sse::new(stream).keep_alive(KeepAlive::new().interval(web.keep_alive))
}

#[derive(serde::Deserialize)]
pub struct HistoryQuery {
    number: Option<String>,
    /// Epoch ms, or an RFC 3339 time.
    since: Option<String>,
    provider: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
}

/// Most rows one page holds, and how deep pages go.
pub const PAGE_MAX: usize = 1000;
const DEPTH_MAX: usize = 100_000;

fn since_ms(text: Option<&str>) -> Result<i64, String> {
    let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(0);
    };
    if let Ok(ms) = t.parse::<i64>() {
        return Ok(ms);
    }
    t.parse::<jiff::Timestamp>()
        .map(|ts| ts.as_millisecond())
        .map_err(|_| format!("`since` must be epoch milliseconds or an RFC 3339 time: {t:?}"))
}

fn record_json(r: &CallRecord) -> Value {
    let fields: serde_json::Map<String, Value> = r
        .fields
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    json!({
        "provider": r.provider,
        "id": r.id,
        "account": r.account,
        "from": r.from,
        "to": r.to,
        "direction": r.direction,
        "result": r.result,
        "started_ms": r.started_ms,
        "answered_ms": r.answered_ms,
        "ended_ms": r.ended_ms,
        "fields": fields,
    })
}

fn bad(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

pub async fn history(State(web): State<Web>, Query(q): Query<HistoryQuery>) -> Response {
    let Some(store) = web.store.clone() else {
        return bad(
            StatusCode::SERVICE_UNAVAILABLE,
            "the collector keeps no call history (its store is not open; see /readyz)",
        );
    };
    let since = match since_ms(q.since.as_deref()) {
        Ok(s) => s,
        Err(e) => return bad(StatusCode::BAD_REQUEST, &e),
    };
    let limit = q.limit.unwrap_or(100).clamp(1, PAGE_MAX);
    let offset = q.offset.unwrap_or(0);
    if offset > DEPTH_MAX {
        return bad(
            StatusCode::BAD_REQUEST,
            "`offset` is too deep: narrow with `since`",
        );
    }
    // One more than the page says whether another follows.
    let want = offset + limit + 1;
    let number = q.number.clone().filter(|n| !n.trim().is_empty());
    let provider = q.provider.clone().filter(|p| !p.is_empty());
    let found = store
        .run(move |s| match &number {
            // The number lookup knows no provider: filter after, over a deeper read.
            Some(n) if provider.is_some() => s.calls_with_number(n, since, DEPTH_MAX),
            Some(n) => s.calls_with_number(n, since, want),
            None => s.recent(provider.as_deref(), since, want),
        })
        .await;
    let records = match found {
        Ok(r) => r,
        Err(e) => {
            let text = crate::secret::redact(&e.to_string()).into_owned();
            tracing::error!("history query failed: {text}");
            return bad(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the history store failed",
            );
        }
    };
    let wanted = q.provider.as_deref().filter(|p| !p.is_empty());
    let mut rows = records
        .iter()
        .filter(|r| wanted.is_none_or(|p| r.provider == p))
        .skip(offset);
    let calls: Vec<Value> = rows.by_ref().take(limit).map(record_json).collect();
    let more = rows.next().is_some();
    axum::Json(json!({
        "calls": calls,
        "offset": offset,
        "limit": limit,
        "next_offset": more.then_some(offset + limit),
    }))
    .into_response()
}
