//! The feed client (`attach::client`) against a real collector over HTTP: typed rows
//! equal to the collector's own at the same revision; a collector absent at start, a
//! dropped link and a restarted collector (down, retry, resync, live again); tokens.

use crate::serve::{sims_config, temp_dir};
use crate::support;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use switchboard::attach::client::{self, AttachOptions, FeedMsg, Link};
use switchboard::attach::doc::Slice;
use switchboard::config::Config;
use switchboard::model::ProviderId;
use switchboard::secret::Secret;
use switchboard::serve::{self, Serve, ServeOptions};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use tokio_util::sync::CancellationToken;

async fn serve_at(cfg: &Config, dir: &Path, addr: SocketAddr) -> Serve {
    let opts = ServeOptions::new(addr, dir.to_path_buf());
    serve::start(cfg, opts, CancellationToken::new())
        .await
        .expect("serve starts")
}

fn attach(url: &str, token: Option<&str>) -> (UnboundedReceiver<FeedMsg>, CancellationToken) {
    let mut opts = AttachOptions::new(url, token.map(Secret::new));
    opts.backoff_min = Duration::from_millis(100);
    opts.backoff_max = Duration::from_millis(400);
    let (tx, rx) = unbounded_channel();
    let cancel = CancellationToken::new();
    tokio::spawn(client::run(opts, tx, cancel.clone()));
    (rx, cancel)
}

/// What the console would hold.
#[derive(Default)]
struct Held {
    revision: u64,
    slices: BTreeMap<(&'static str, ProviderId), Slice>,
    link: Option<Link>,
    snapshots: usize,
    who: Option<switchboard::attach::link::Who>,
}

impl Held {
    fn take(&mut self, msg: FeedMsg) {
        match msg {
            FeedMsg::Link(l) => self.link = Some(l),
            FeedMsg::Who(w) => self.who = Some(w),
            FeedMsg::Snapshot(doc) => {
                self.snapshots += 1;
                self.slices.clear();
                self.apply(*doc);
            }
            FeedMsg::Change(doc) => {
                assert!(doc.revision > self.revision, "in order");
                self.apply(*doc);
            }
        }
    }

    fn apply(&mut self, doc: switchboard::attach::doc::FeedDoc) {
        self.revision = doc.revision;
        for s in doc.slices {
            self.slices.insert((s.table(), s.provider()), s);
        }
    }

    fn rows(&self, table: &str) -> usize {
        self.slices
            .iter()
            .filter(|((t, _), _)| *t == table)
            .map(|(_, s)| s.len())
            .sum()
    }
}

/// Takes messages until `done` holds (30 s at most).
async fn until(
    rx: &mut UnboundedReceiver<FeedMsg>,
    held: &mut Held,
    what: &str,
    done: impl Fn(&Held) -> bool,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !done(held) {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(m)) => held.take(m),
            Ok(None) => panic!("the client stopped"),
            Err(_) => panic!("timed out waiting for {what}; link {:?}", held.link),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_rows_equal_the_collectors_at_the_same_revision() {
    let sims = support::sims(81, |_| {}).await;
    let cfg = sims_config(&sims);
    let dir = temp_dir("attach-rows");
    let serve = serve_at(&cfg, &dir, "127.0.0.1:0".parse().unwrap()).await;
    let (mut rx, cancel) = attach(&format!("http://{}/", serve.addr), None);
    let mut held = Held::default();
    until(&mut rx, &mut held, "calls, numbers and trunks", |h| {
        h.rows("live_calls") > 0 && h.rows("numbers") > 0 && h.rows("trunks") > 0
    })
    .await;
    // Compare at a moment the collector's revision is the one held.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        while let Ok(m) = rx.try_recv() {
            held.take(m);
        }
        let compared = {
            let c = serve.shared.lock().unwrap();
            (c.feed.revision == held.revision).then(|| {
                let t = &c.state.tables;
                for p in &c.state.providers {
                    let id = p.id;
                    let of = |rows: Vec<_>| rows;
                    let live: Vec<_> = of(t
                        .live
                        .rows
                        .iter()
                        .filter(|r| r.provider == id)
                        .cloned()
                        .collect());
                    match held.slices.get(&("live_calls", id)) {
                        Some(Slice::LiveCalls(_, _, rows)) => assert_eq!(rows, &live, "{}", p.name),
                        other => assert!(live.is_empty(), "{}: {other:?}", p.name),
                    }
                    let numbers: Vec<_> = t
                        .numbers
                        .rows
                        .iter()
                        .filter(|r| r.provider == id)
                        .cloned()
                        .collect();
                    match held.slices.get(&("numbers", id)) {
                        Some(Slice::Numbers(_, rows)) => assert_eq!(rows, &numbers, "{}", p.name),
                        other => assert!(numbers.is_empty(), "{}: {other:?}", p.name),
                    }
                    let trunks: Vec<_> = t
                        .trunks
                        .rows
                        .iter()
                        .filter(|r| r.provider == id)
                        .cloned()
                        .collect();
                    match held.slices.get(&("trunks", id)) {
                        Some(Slice::Trunks(_, rows)) => assert_eq!(rows, &trunks, "{}", p.name),
                        other => assert!(trunks.is_empty(), "{}: {other:?}", p.name),
                    }
                    let accounts: Vec<_> = t
                        .accounts
                        .rows
                        .iter()
                        .filter(|r| r.account.provider == id)
                        .map(|r| r.account.clone())
                        .collect();
                    match held.slices.get(&("accounts", id)) {
                        Some(Slice::Accounts(_, rows)) => assert_eq!(rows, &accounts, "{}", p.name),
                        other => assert!(accounts.is_empty(), "{}: {other:?}", p.name),
                    }
                }
            })
        };
        if compared.is_some() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never at the same revision"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The stream's "live" may come a moment after the snapshot it follows.
    until(&mut rx, &mut held, "the link live", |h| {
        h.link == Some(Link::Live)
    })
    .await;
    // It asked who it is: an open collector lets anyone in as an admin.
    let who = held.who.clone().expect("whoami asked");
    assert_eq!((who.role.as_str(), who.open), ("admin", true));
    cancel.cancel();
    serve.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absent_then_dropped_then_back_the_client_retries_and_resyncs() {
    let sims = support::sims(82, |_| {}).await;
    let cfg = sims_config(&sims);
    let dir = temp_dir("attach-link");
    // A port nobody listens on (yet).
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (mut rx, cancel) = attach(&format!("http://{addr}"), None);
    let mut held = Held::default();
    until(
        &mut rx,
        &mut held,
        "down at start",
        |h| matches!(&h.link, Some(Link::Down { error, .. }) if error.contains("cannot connect")),
    )
    .await;
    // It keeps trying: the collector comes up, the client gets its state.
    let serve = serve_at(&cfg, &dir, addr).await;
    until(&mut rx, &mut held, "live with rows", |h| {
        h.link == Some(Link::Live) && h.rows("live_calls") > 0
    })
    .await;
    assert_eq!(held.snapshots, 1);
    // The collector stops: the link is down, the rows stay while the client retries.
    serve.shutdown().await.unwrap();
    until(&mut rx, &mut held, "down after the drop", |h| {
        matches!(h.link, Some(Link::Down { .. }))
    })
    .await;
    let rows = held.rows("live_calls");
    assert!(rows > 0, "data stays on a dropped link");
    let quiet = tokio::time::Instant::now() + Duration::from_millis(800);
    while let Ok(Some(m)) = tokio::time::timeout_at(quiet, rx.recv()).await {
        assert!(
            matches!(m, FeedMsg::Link(_)),
            "only link news while down: {m:?}"
        );
        held.take(m);
    }
    assert_eq!(held.rows("live_calls"), rows);
    assert_ne!(held.link, Some(Link::Live));
    // A new collector on the same address: its revisions are newer than any the old one
    // made, so the client resyncs (a second snapshot) and goes live again.
    let serve = serve_at(&cfg, &dir, addr).await;
    until(&mut rx, &mut held, "a resync after the restart", |h| {
        h.snapshots == 2 && h.link == Some(Link::Live)
    })
    .await;
    cancel.cancel();
    serve.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_is_said_without_the_token_and_a_viewer_reads() {
    let dir = temp_dir("attach-token");
    let file = dir.join("tokens.toml");
    let viewer = serve::tokens::add(&file, "v", serve::tokens::Role::Viewer).unwrap();
    let scraper = serve::tokens::add(&file, "m", serve::tokens::Role::Metrics).unwrap();
    let cfg = switchboard::config::parse("", Path::new("<empty>"))
        .unwrap()
        .config;
    let mut opts = ServeOptions::new("127.0.0.1:0".parse().unwrap(), dir.clone());
    opts.tokens = file;
    let serve = serve::start(&cfg, opts, CancellationToken::new())
        .await
        .unwrap();
    let url = format!("http://{}", serve.addr);
    for (token, says) in [
        (Some("sbt_wrong_token_value"), "401"),
        (None, "401"),
        (Some(scraper.as_str()), "403"),
    ] {
        let (mut rx, cancel) = attach(&url, token);
        let mut held = Held::default();
        until(&mut rx, &mut held, "refused", |h| {
            matches!(h.link, Some(Link::Down { .. }))
        })
        .await;
        let Some(Link::Down { error, .. }) = &held.link else {
            unreachable!()
        };
        assert!(error.contains(says), "{error}");
        if let Some(t) = token {
            assert!(!error.contains(t), "{error}");
        }
        cancel.cancel();
    }
    let (mut rx, cancel) = attach(&url, Some(&viewer));
    let mut held = Held::default();
    until(&mut rx, &mut held, "live", |h| h.link == Some(Link::Live)).await;
    assert_eq!(held.snapshots, 1);
    cancel.cancel();
    serve.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_stream_counts_as_a_dropped_link() {
    let dir = temp_dir("attach-idle");
    let cfg = switchboard::config::parse("", Path::new("<empty>"))
        .unwrap()
        .config;
    // Keep-alives every 15 s (the default), nothing else: silent for a short `idle`.
    let serve = serve_at(&cfg, &dir, "127.0.0.1:0".parse().unwrap()).await;
    let mut opts = AttachOptions::new(&format!("http://{}", serve.addr), None);
    opts.idle = Duration::from_millis(300);
    opts.backoff_min = Duration::from_millis(50);
    let (tx, mut rx) = unbounded_channel();
    let cancel = CancellationToken::new();
    tokio::spawn(client::run(opts, tx, cancel.clone()));
    let mut held = Held::default();
    until(&mut rx, &mut held, "live", |h| h.link == Some(Link::Live)).await;
    until(
        &mut rx,
        &mut held,
        "silent",
        |h| matches!(&h.link, Some(Link::Down { error, .. }) if error.contains("silent")),
    )
    .await;
    // And it comes back, resuming (no second snapshot: the revision is still held).
    until(&mut rx, &mut held, "live again", |h| {
        h.link == Some(Link::Live)
    })
    .await;
    assert_eq!(held.snapshots, 1);
    cancel.cancel();
    serve.shutdown().await.unwrap();
}
