//! The attached console's reconnects (issue 16), through a proxy between it and the
//! collector (`feed_proxy`): a stream cut in the middle of an event resumes with
//! `Last-Event-ID` from the last whole event (no snapshot reload); a restarted collector
//! answers the old revision with `resync` and the console reloads its snapshot; a link
//! down for longer than the collector holds changes comes back through `resync` and a
//! snapshot reload too. Meanwhile the rows stay on screen, marked stale, and each time
//! the console ends equal to the collector's snapshot.
//!
//! Time is tokio's, paused (see `attach_team`): the collector's polls, the console's
//! backoff and the simulators run on it, so the minutes a long outage needs take
//! seconds.

use crate::attach_team::{attached, link, until_equal};
use crate::feed_proxy::FeedProxy;
use crate::serve::{sims_config, start, temp_dir};
use crate::support;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use switchboard::app::Console;
use switchboard::attach::client::Link;
use switchboard::config::Config;
use switchboard::model::Resource;
use switchboard::serve::{self, Serve, ServeOptions};
use switchboard::state::State;
use tokio_util::sync::CancellationToken;

async fn serve_at(cfg: &Config, dir: &Path, addr: SocketAddr) -> Serve {
    let opts = ServeOptions::new(addr, dir.to_path_buf());
    serve::start(cfg, opts, CancellationToken::new())
        .await
        .expect("serve starts")
}

fn is_live(s: &State) -> bool {
    link(s) == Some(&Link::Live)
}

fn is_down(s: &State) -> bool {
    matches!(link(s), Some(Link::Down { .. }))
}

/// Live, with calls, trunks and history on screen.
async fn live_with_rows(console: &mut Console) {
    let ok = console
        .pump_until(Duration::from_secs(120), |s| {
            is_live(s)
                && !s.tables.live.rows.is_empty()
                && !s.tables.trunks.rows.is_empty()
                && !s.tables.history.rows.is_empty()
        })
        .await;
    assert!(ok, "live with rows: {:?}", link(&console.state));
}

/// Every live call and trunk the console held is still there, and marked stale.
fn kept_and_stale(console: &Console, live: &[String], trunks: usize) {
    let s = &console.state;
    assert_eq!(ids(s), live, "the live calls are kept");
    assert_eq!(s.tables.trunks.rows.len(), trunks, "the trunks are kept");
    for r in &s.tables.live.rows {
        assert!(
            s.is_stale(r.provider, Resource::LiveCalls, &r.account),
            "{} marked stale",
            r.id
        );
    }
    for r in &s.tables.trunks.rows {
        assert!(s.is_stale(r.provider, Resource::Trunks, &r.account));
    }
}

/// Live again on a stream opened after a second snapshot (a stream says "live" as
/// soon as it opens, before the `resync` it carries sends the console for the
/// snapshot).
async fn reloaded(console: &mut Console, proxy: &FeedProxy) {
    let followed = || {
        let r = proxy.requests();
        let second = r
            .iter()
            .enumerate()
            .filter(|(_, r)| r.path == "/v1/snapshot")
            .nth(1)
            .map(|(i, _)| i);
        second.is_some_and(|i| r[i..].iter().any(|r| r.path == "/v1/events"))
    };
    let ok = console
        .pump_until(Duration::from_secs(60), |s| is_live(s) && followed())
        .await;
    assert!(ok, "reloaded and live: {:?}", proxy.requests());
}

fn ids(s: &State) -> Vec<String> {
    let mut v: Vec<String> = s
        .tables
        .live
        .rows
        .iter()
        .map(|r| format!("{}/{}", r.provider.0, r.id))
        .collect();
    v.sort();
    v
}

fn revision(serve: &Serve) -> u64 {
    serve.shared.lock().unwrap().feed.revision
}

#[tokio::test(start_paused = true)]
async fn a_stream_cut_mid_event_resumes_from_the_last_whole_event() {
    let sims = support::sims(163, |_| {}).await;
    let cfg = sims_config(&sims);
    let dir = temp_dir("cut");
    let serve = start(&cfg, &dir).await;
    let proxy = FeedProxy::start(serve.addr).await;
    let mut console = attached(&proxy.url());
    live_with_rows(&mut console).await;

    proxy.cut_next_event();
    let cut = console
        .pump_until(Duration::from_secs(120), |_| proxy.cut().is_some())
        .await;
    assert!(cut, "a change event came and was cut");
    let cut = proxy.cut().unwrap();
    assert!(
        console.pump_until(Duration::from_secs(30), is_down).await,
        "the console saw the link drop"
    );
    let (live, trunks) = (ids(&console.state), console.state.tables.trunks.rows.len());
    kept_and_stale(&console, &live, trunks);
    assert!(
        console.pump_until(Duration::from_secs(30), is_live).await,
        "live again"
    );

    // One snapshot in all: the console resumed from the last event it had whole, the
    // one before the cut, and never applied the half one.
    assert_eq!(proxy.requests_to("/v1/snapshot").len(), 1, "no reload");
    let streams = proxy.requests_to("/v1/events");
    assert!(streams.len() >= 2, "{streams:?}");
    assert_eq!(streams[1].last_event_id, Some(cut - 1), "{streams:?}");
    assert_eq!(proxy.resyncs(), 0);
    let doc = until_equal(&serve, std::slice::from_mut(&mut console)).await;
    assert!(doc.revision >= cut);
    assert!(!console.state.tables.live.rows.is_empty());
    let first = &console.state.tables.live.rows[0];
    assert!(
        !console
            .state
            .is_stale(first.provider, Resource::LiveCalls, &first.account),
        "fresh again"
    );
    serve.shutdown().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(start_paused = true)]
async fn a_restarted_collector_is_a_resync_and_a_snapshot_reload() {
    let sims = support::sims(164, |_| {}).await;
    let cfg = sims_config(&sims);
    let dir = temp_dir("restart");
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let serve = serve_at(&cfg, &dir, addr).await;
    let proxy = FeedProxy::start(addr).await;
    let mut console = attached(&proxy.url());
    live_with_rows(&mut console).await;
    until_equal(&serve, std::slice::from_mut(&mut console)).await;
    let old = revision(&serve);

    serve.shutdown().await.unwrap();
    assert!(console.pump_until(Duration::from_secs(30), is_down).await);
    let (live, trunks) = (ids(&console.state), console.state.tables.trunks.rows.len());
    console.pump_until(Duration::from_secs(5), |_| false).await;
    kept_and_stale(&console, &live, trunks);
    assert!(!is_live(&console.state));

    // Revisions count from the start time in wall-clock microseconds (ms × 1,000): a
    // collector restarted later than its predecessor's last revision makes only newer
    // ones (on the paused clock the old one may make its changes faster than a
    // thousand a millisecond).
    while (switchboard::clock::epoch_ms() as u64) * 1_000 <= old + 1 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let asked = proxy.requests().len();
    let serve = serve_at(&cfg, &dir, addr).await;
    reloaded(&mut console, &proxy).await;
    let after: Vec<_> = proxy.requests().split_off(asked);
    // The old revision, answered with resync; then the new collector's snapshot and its
    // events from that snapshot's revision.
    let resumed = after
        .iter()
        .position(|r| r.path == "/v1/events" && r.last_event_id.is_some_and(|id| id <= old))
        .unwrap_or_else(|| panic!("a resume from the old revision: {after:?}"));
    let reload = after[resumed..]
        .iter()
        .position(|r| r.path == "/v1/snapshot")
        .unwrap_or_else(|| panic!("a snapshot reload: {after:?}"));
    assert!(
        after[resumed + reload..]
            .iter()
            .any(|r| r.path == "/v1/events" && r.last_event_id.is_some_and(|id| id > old)),
        "{after:?}"
    );
    assert_eq!(proxy.resyncs(), 1);
    assert_eq!(proxy.requests_to("/v1/snapshot").len(), 2);
    let doc = until_equal(&serve, std::slice::from_mut(&mut console)).await;
    assert!(doc.revision > old);
    serve.shutdown().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(start_paused = true)]
async fn a_link_down_past_the_held_changes_is_a_resync_with_the_rows_kept_stale_meanwhile() {
    let sims = support::sims(165, |_| {}).await;
    let cfg = sims_config(&sims);
    let dir = temp_dir("too-old");
    let serve = start(&cfg, &dir).await;
    let proxy = FeedProxy::start(serve.addr).await;
    let mut console = attached(&proxy.url());
    live_with_rows(&mut console).await;
    until_equal(&serve, std::slice::from_mut(&mut console)).await;
    let held = revision(&serve);

    proxy.set_down(true);
    assert!(console.pump_until(Duration::from_secs(30), is_down).await);
    let (live, trunks) = (ids(&console.state), console.state.tables.trunks.rows.len());
    // Down until the collector no longer holds the change after ours.
    let t0 = tokio::time::Instant::now();
    while revision(&serve) <= held + serve::feed::HELD as u64 + 1 {
        console.pump_until(Duration::from_secs(10), |_| false).await;
        kept_and_stale(&console, &live, trunks);
        assert!(!is_live(&console.state));
        assert!(
            t0.elapsed() < Duration::from_secs(4 * 3600),
            "the collector made {} changes in 4 hours",
            revision(&serve) - held
        );
    }
    eprintln!(
        "{} changes in {:.0} simulated s",
        revision(&serve) - held,
        t0.elapsed().as_secs_f64()
    );
    let asked = proxy.requests().len();
    proxy.set_down(false);
    reloaded(&mut console, &proxy).await;
    let after: Vec<_> = proxy.requests().split_off(asked);
    // A resume from the revision it had (the last it applied: `held`, or one before
    // it if that change moved nothing this test compares), long gone from the collector.
    let resumed_from = after
        .first()
        .filter(|r| r.path == "/v1/events")
        .and_then(|r| r.last_event_id)
        .unwrap_or_else(|| panic!("a resume first: {after:?}"));
    assert!(
        resumed_from <= held && resumed_from + 8 > held,
        "{resumed_from} vs {held}"
    );
    assert!(revision(&serve) > resumed_from + serve::feed::HELD as u64);
    assert_eq!(proxy.resyncs(), 1, "answered with resync");
    assert_eq!(
        after.get(1).map(|r| r.path.as_str()),
        Some("/v1/snapshot"),
        "then a reload: {after:?}"
    );
    assert_eq!(proxy.requests_to("/v1/snapshot").len(), 2);
    until_equal(&serve, std::slice::from_mut(&mut console)).await;
    serve.shutdown().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
