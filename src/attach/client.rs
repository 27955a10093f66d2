//! The feed client: list, then watch. It loads `/v1/snapshot`, follows `/v1/events` from
//! that revision, resumes with `Last-Event-ID` after a dropped link, reloads the snapshot
//! on `resync`, and retries with backoff while the collector is away. It reports what
//! it receives and the link's state as [`FeedMsg`]s; it never talks to a provider.

use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use super::doc::FeedDoc;
use super::http::{get, request_error, status_error};
pub use super::link::Link;
pub use super::options::AttachOptions;
use super::sse::Parser;

#[derive(Debug, Clone, PartialEq)]
pub enum FeedMsg {
    Link(Link),
    /// The whole state: replaces everything held.
    Snapshot(Box<FeedDoc>),
    /// What changed since the revision before.
    Change(Box<FeedDoc>),
    /// Who the collector says this console's token is (asked at each connection).
    Who(super::link::Who),
}

/// Why one attempt ended.
enum End {
    /// The collector no longer holds our revision: reload.
    Resync,
    Failed(String),
}

/// The collector's snapshot, once (`snapshot --connect`).
pub async fn fetch_snapshot(opts: &AttachOptions) -> Result<FeedDoc, String> {
    let client = super::http::client(opts, Some(Duration::from_secs(60)))?;
    snapshot(&client, opts).await
}

/// `/v1/snapshot`, parsed.
pub(crate) async fn snapshot(
    client: &reqwest::Client,
    opts: &AttachOptions,
) -> Result<FeedDoc, String> {
    let r = get(client, opts, "/v1/snapshot")
        .send()
        .await
        .map_err(request_error)?;
    if !r.status().is_success() {
        return Err(status_error(r.status()));
    }
    let text = r.text().await.map_err(request_error)?;
    FeedDoc::parse(&text)
}

/// `GET /v1/whoami`: the token's operator name and role.
async fn whoami(
    client: &reqwest::Client,
    opts: &AttachOptions,
) -> Result<super::link::Who, String> {
    let r = get(client, opts, "/v1/whoami")
        .send()
        .await
        .map_err(request_error)?;
    if !r.status().is_success() {
        return Err(status_error(r.status()));
    }
    let text = r.text().await.map_err(request_error)?;
    serde_json::from_str(&text).map_err(|e| format!("the collector sent a bad whoami answer: {e}"))
}

/// One attempt: the stream from `revision` until it ends. Updates `revision` as changes
/// arrive, so the next attempt resumes from the last one applied.
async fn follow(
    client: &reqwest::Client,
    opts: &AttachOptions,
    revision: &mut u64,
    live: &mut bool,
    tx: &UnboundedSender<FeedMsg>,
) -> End {
    let r = match get(client, opts, "/v1/events")
        .header("Last-Event-ID", revision.to_string())
        .send()
        .await
    {
        Ok(r) if r.status().is_success() => r,
        Ok(r) => return End::Failed(status_error(r.status())),
        Err(e) => return End::Failed(request_error(e)),
    };
    *live = true;
    let _ = tx.send(FeedMsg::Link(Link::Live));
    let mut r = r;
    let mut parser = Parser::new();
    loop {
        let chunk = match tokio::time::timeout(opts.idle, r.chunk()).await {
            Err(_) => return End::Failed("the collector's stream went silent".into()),
            Ok(Err(e)) => return End::Failed(request_error(e)),
            Ok(Ok(None)) => return End::Failed("the collector closed the stream".into()),
            Ok(Ok(Some(c))) => c,
        };
        let events = match parser.push(&chunk) {
            Ok(e) => e,
            Err(e) => return End::Failed(e),
        };
        for e in events {
            match e.event.as_str() {
                "resync" => return End::Resync,
                "change" => match FeedDoc::parse(&e.data) {
                    Ok(doc) if doc.revision > *revision => {
                        *revision = doc.revision;
                        let _ = tx.send(FeedMsg::Change(Box::new(doc)));
                    }
                    // Already applied (a snapshot newer than the resume point).
                    Ok(_) => {}
                    Err(e) => return End::Failed(e),
                },
                _ => {}
            }
        }
    }
}

/// Runs until `cancel` (or until nobody listens on `tx`).
pub async fn run(opts: AttachOptions, tx: UnboundedSender<FeedMsg>, cancel: CancellationToken) {
    let client = match super::http::client(&opts, None) {
        Ok(c) => c,
        Err(error) => {
            let _ = tx.send(FeedMsg::Link(Link::Down {
                since_ms: crate::clock::epoch_ms(),
                error,
            }));
            return;
        }
    };
    let mut revision: Option<u64> = None;
    let mut backoff = opts.backoff_min;
    let mut down_since: Option<i64> = None;
    let _ = tx.send(FeedMsg::Link(Link::Connecting));
    loop {
        let mut live = false;
        let attempt = async {
            // Who this token is, each time (an admin may have changed its role).
            match whoami(&client, &opts).await {
                Ok(who) => {
                    let _ = tx.send(FeedMsg::Who(who));
                }
                Err(e) => return End::Failed(e),
            }
            let mut rev = match revision {
                Some(r) => r,
                None => match snapshot(&client, &opts).await {
                    Ok(doc) => {
                        let r = doc.revision;
                        revision = Some(r);
                        let _ = tx.send(FeedMsg::Snapshot(Box::new(doc)));
                        r
                    }
                    Err(e) => return End::Failed(e),
                },
            };
            let end = follow(&client, &opts, &mut rev, &mut live, &tx).await;
            revision = Some(rev);
            end
        };
        let end = tokio::select! {
            end = attempt => end,
            _ = cancel.cancelled() => return,
        };
        if tx.is_closed() {
            return;
        }
        if live {
            // The link worked: the next trouble starts a new outage, from short waits.
            backoff = opts.backoff_min;
            down_since = None;
        }
        match end {
            End::Resync => {
                revision = None;
                // Not live until the reloaded snapshot's stream is open: the rows on
                // screen are the old ones meanwhile (stale, with their age).
                let _ = tx.send(FeedMsg::Link(Link::Connecting));
                continue;
            }
            End::Failed(error) => {
                let since_ms = *down_since.get_or_insert_with(crate::clock::epoch_ms);
                tracing::warn!("collector link: {error}; retrying in {backoff:?}");
                let _ = tx.send(FeedMsg::Link(Link::Down { since_ms, error }));
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = cancel.cancelled() => return,
        }
        backoff = (backoff * 2).min(opts.backoff_max);
        let _ = tx.send(FeedMsg::Link(Link::Connecting));
    }
}
