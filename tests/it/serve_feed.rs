//! The collector's feed over real HTTP against the simulators: a reader that applies
//! `/v1/snapshot` and then `/v1/events` holds exactly the next snapshot at the same
//! revision; `Last-Event-ID` resumes; a revision not held is a `resync`; `/v1/history`
//! pages through the store.

use crate::serve::{sims_config, start, temp_dir};
use crate::support;

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;
use switchboard::attach::sse::{Parser, SseEvent};
use switchboard::serve::Serve;

/// What a reader holds: provider states by id, rows by (table, provider).
#[derive(Debug, Default, PartialEq)]
struct Mirror {
    revision: u64,
    providers: BTreeMap<u64, Value>,
    slices: BTreeMap<(String, u64), Value>,
}

impl Mirror {
    fn apply(&mut self, doc: &Value) {
        self.revision = doc["revision"].as_u64().expect("revision");
        for p in doc["providers"].as_array().expect("providers") {
            self.providers.insert(p["id"].as_u64().unwrap(), p.clone());
        }
        for s in doc["slices"].as_array().expect("slices") {
            let key = (
                s["table"].as_str().unwrap().to_string(),
                s["provider"].as_u64().unwrap(),
            );
            let Some(account) = s.get("account") else {
                self.slices.insert(key, s["rows"].clone());
                continue;
            };
            // One account's calls, where they stood (else at the end), as a console
            // replaces them.
            let rows = self
                .slices
                .entry(key)
                .or_insert_with(|| Value::Array(vec![]));
            let rows = rows.as_array_mut().expect("rows");
            let mine = |r: &Value| r.get("account") == Some(account);
            let at = rows.iter().position(mine).unwrap_or(rows.len());
            rows.retain(|r| !mine(r));
            let at = at.min(rows.len());
            let new = s["rows"].as_array().expect("rows").iter().cloned();
            rows.splice(at..at, new);
        }
    }

    fn rows(&self, table: &str) -> usize {
        self.slices
            .iter()
            .filter(|((t, _), _)| t == table)
            .map(|(_, r)| r.as_array().map_or(0, Vec::len))
            .sum()
    }
}

async fn snapshot(serve: &Serve) -> Value {
    let r = reqwest::get(format!("http://{}/v1/snapshot", serve.addr))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.json().await.unwrap()
}

/// An open event stream and its parser.
struct Events {
    body: reqwest::Response,
    parser: Parser,
    queue: std::collections::VecDeque<SseEvent>,
}

async fn events(serve: &Serve, last: Option<u64>) -> Events {
    let mut req = reqwest::Client::new().get(format!("http://{}/v1/events", serve.addr));
    if let Some(id) = last {
        req = req.header("Last-Event-ID", id.to_string());
    }
    let r = req.send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("text/event-stream"), "{ct}");
    Events {
        body: r,
        parser: Parser::new(),
        queue: Default::default(),
    }
}

impl Events {
    /// The next event (None: the stream ended); fails after 30 s.
    async fn next(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(e) = self.queue.pop_front() {
                return Some(e);
            }
            let chunk = tokio::time::timeout(Duration::from_secs(30), self.body.chunk())
                .await
                .expect("an event within 30 s")
                .expect("the stream reads")?;
            self.queue.extend(self.parser.push(&chunk).unwrap());
        }
    }
}

fn revision(e: &SseEvent) -> u64 {
    e.id.as_deref().and_then(|i| i.parse().ok()).expect("an id")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_then_events_equal_the_next_snapshot_at_its_revision() {
    let sims = support::sims(71, |_| {}).await;
    let cfg = sims_config(&sims);
    let dir = temp_dir("feed");
    let serve = start(&cfg, &dir).await;
    let first = snapshot(&serve).await;
    let mut mirror = Mirror::default();
    mirror.apply(&first);
    assert_eq!(mirror.providers.len(), cfg.providers.len());
    let mut stream = events(&serve, Some(mirror.revision)).await;
    // Changes until every provider has answered and calls are on screen.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let e = stream.next().await.expect("the stream stays open");
        assert_eq!(e.event, "change");
        let doc: Value = serde_json::from_str(&e.data).unwrap();
        assert_eq!(
            revision(&e),
            mirror.revision + 1,
            "changes come in order, none missed"
        );
        assert_eq!(doc["revision"].as_u64(), Some(revision(&e)));
        mirror.apply(&doc);
        let all_ok = mirror.providers.values().all(|p| p["state"] == "ok");
        if all_ok && mirror.rows("live_calls") > 0 && mirror.rows("numbers") > 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:?}",
            mirror.providers
        );
    }
    // Now a snapshot, and the stream up to its revision: the same rows and states.
    let later = snapshot(&serve).await;
    let at = later["revision"].as_u64().unwrap();
    while mirror.revision < at {
        let e = stream.next().await.expect("the stream stays open");
        mirror.apply(&serde_json::from_str(&e.data).unwrap());
    }
    assert_eq!(mirror.revision, at);
    let mut expected = Mirror::default();
    expected.apply(&later);
    assert_eq!(mirror.providers, expected.providers);
    let ids = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|rows| {
                rows.iter()
                    .map(|r| format!("{}/{}", r["account"], r["id"]))
                    .collect()
            })
            .unwrap_or_default()
    };
    for (key, rows) in &expected.slices {
        let got = mirror.slices.get(key).map(ids).unwrap_or_default();
        assert_eq!(got, ids(rows), "{key:?}: rows, in order");
    }
    assert_eq!(mirror.slices, expected.slices);
    // And the collector's own state: the rows its tables hold.
    {
        let c = serve.shared.lock().unwrap();
        if c.feed.revision == at {
            assert_eq!(expected.rows("live_calls"), c.state.tables.live.rows.len());
            assert_eq!(expected.rows("numbers"), c.state.tables.numbers.rows.len());
            assert_eq!(expected.rows("trunks"), c.state.tables.trunks.rows.len());
        }
    }
    // Rows say what the panes show; providers carry budget and data times.
    let live = expected
        .slices
        .iter()
        .find(|((t, _), r)| t == "live_calls" && r.as_array().is_some_and(|a| !a.is_empty()))
        .map(|(_, r)| r[0].clone())
        .unwrap();
    for key in ["id", "from", "to", "state", "account"] {
        assert!(live.get(key).is_some(), "{key} in {live}");
    }
    let p = expected.providers.values().next().unwrap();
    assert!(p["budget"]["limit"].as_u64().unwrap() > 0, "{p}");
    assert!(
        p["data_ms"].as_object().is_some_and(|d| !d.is_empty()),
        "{p}"
    );
    serve.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_event_id_resumes_and_a_revision_not_held_resyncs() {
    let sims = support::sims(72, |_| {}).await;
    let cfg = sims_config(&sims);
    let dir = temp_dir("resume");
    let before = switchboard::clock::epoch_ms() as u64;
    let serve = start(&cfg, &dir).await;
    let start_rev = snapshot(&serve).await["revision"].as_u64().unwrap();
    // Let a few changes happen with nobody reading.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while snapshot(&serve).await["revision"].as_u64().unwrap() < start_rev + 5 {
        assert!(tokio::time::Instant::now() < deadline, "no change in 20 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A reader that had start_rev + 2 gets the ones after it, first of all.
    let mut s = events(&serve, Some(start_rev + 2)).await;
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(revision(&s.next().await.unwrap()));
    }
    assert_eq!(seen, vec![start_rev + 3, start_rev + 4, start_rev + 5]);
    // `?since=` does the same for a first connection.
    let r = reqwest::get(format!(
        "http://{}/v1/events?since={}",
        serve.addr,
        start_rev + 4
    ))
    .await
    .unwrap();
    let mut p = Parser::new();
    let mut body = r;
    let mut got = Vec::new();
    while got.is_empty() {
        let chunk = body.chunk().await.unwrap().unwrap();
        got.extend(p.push(&chunk).unwrap());
    }
    assert_eq!(revision(&got[0]), start_rev + 5);
    // Before this collector's first revision (an older collector's, or long gone), or
    // beyond its newest: resync, and the stream ends.
    for stale in [before - 1, 1, start_rev + 1_000_000] {
        let mut s = events(&serve, Some(stale)).await;
        let e = s.next().await.expect("one event");
        assert_eq!(e.event, "resync", "from {stale}");
        assert!(s.next().await.is_none(), "the stream ends after resync");
    }
    // An id we never sent is no resume either.
    let r = reqwest::Client::new()
        .get(format!("http://{}/v1/events", serve.addr))
        .header("Last-Event-ID", "not-a-revision")
        .send()
        .await
        .unwrap();
    let text = tokio::time::timeout(Duration::from_secs(10), r.text())
        .await
        .expect("the stream ends")
        .unwrap();
    assert!(text.contains("event: resync"), "{text}");
    serve.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_stream_does_not_hold_up_shutdown() {
    let sims = support::sims(73, |_| {}).await;
    let cfg = sims_config(&sims);
    let dir = temp_dir("sse-stop");
    let serve = start(&cfg, &dir).await;
    let mut s = events(&serve, None).await;
    tokio::time::timeout(Duration::from_secs(10), serve.shutdown())
        .await
        .expect("stops with a reader attached")
        .unwrap();
    // The reader sees its stream end (after what was already sent).
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        while s.next().await.is_some() {}
    })
    .await;
    assert!(ended.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_pages_through_the_store_by_number_and_provider() {
    let sims = support::sims(74, |_| {}).await;
    let cfg = sims_config(&sims);
    let dir = temp_dir("hist-api");
    let serve = start(&cfg, &dir).await;
    let written = serve.calls_written();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while written.get() < 6 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no call stored in 30 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let get = |q: String| {
        let url = format!("http://{}/v1/history{q}", serve.addr);
        async move {
            let r = reqwest::get(url).await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap())
        }
    };
    let (status, all) = get("?limit=1000".into()).await;
    assert_eq!(status, 200, "{all}");
    let calls = all["calls"].as_array().unwrap().clone();
    assert!(calls.len() >= 6, "{all}");
    // Pages of 2: in order, no overlap, the same calls.
    let mut paged = Vec::new();
    let mut offset = Some(0);
    while let Some(o) = offset {
        let (_, page) = get(format!("?limit=2&offset={o}")).await;
        paged.extend(page["calls"].as_array().unwrap().iter().cloned());
        offset = page["next_offset"].as_u64();
        assert!(paged.len() <= calls.len() + 200, "pages never end");
    }
    let ids = |v: &[Value]| -> Vec<String> {
        v.iter()
            .map(|c| format!("{}/{}", c["provider"], c["id"]))
            .collect()
    };
    // Calls stored meanwhile shift the pages (a call may come twice), none is skipped.
    let paged_ids = ids(&paged);
    for id in ids(&calls) {
        assert!(paged_ids.contains(&id), "{id} missing from the pages");
    }
    // By number (however typed) and provider.
    let one = &calls[0];
    let provider = one["provider"].as_str().unwrap();
    let number = one["to"].as_str().unwrap();
    let (_, by_number) = get(format!(
        "?number={}&provider={provider}",
        number.replace('+', "%2B")
    ))
    .await;
    let found = by_number["calls"].as_array().unwrap();
    assert!(found.iter().any(|c| c["id"] == one["id"]), "{by_number}");
    assert!(found.iter().all(|c| c["provider"] == provider));
    let (_, other) = get("?provider=nobody".into()).await;
    assert_eq!(other["calls"].as_array().map(Vec::len), Some(0));
    // Since the future: nothing; a bad `since` is a 400 that says why.
    let (_, none) = get("?since=2999-01-01T00:00:00Z".into()).await;
    assert_eq!(none["calls"].as_array().map(Vec::len), Some(0));
    let (status, bad) = get("?since=yesterday".into()).await;
    assert_eq!(status, 400);
    assert!(bad["error"].as_str().unwrap().contains("since"), "{bad}");
    serve.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_stream_carries_keep_alive_comments() {
    let dir = temp_dir("keepalive");
    // No provider: nothing ever changes, so only keep-alives flow.
    let cfg = switchboard::config::parse("", std::path::Path::new("<empty>"))
        .unwrap()
        .config;
    let mut opts =
        switchboard::serve::ServeOptions::new("127.0.0.1:0".parse().unwrap(), dir.clone());
    opts.keep_alive = Duration::from_millis(100);
    let serve = switchboard::serve::start(&cfg, opts, tokio_util::sync::CancellationToken::new())
        .await
        .unwrap();
    let mut s = events(&serve, None).await;
    let until = tokio::time::Instant::now() + Duration::from_millis(800);
    while let Ok(chunk) = tokio::time::timeout_at(until, s.body.chunk()).await {
        let events = s.parser.push(&chunk.unwrap().unwrap()).unwrap();
        assert!(events.is_empty(), "{events:?}");
    }
    assert!(s.parser.comments >= 3, "{} keep-alives", s.parser.comments);
    serve.shutdown().await.unwrap();
    assert_eq!(
        switchboard::serve::feed_http::KEEP_ALIVE,
        Duration::from_secs(15)
    );
}

/// The collector keeps the newest `[ui] history_rows` finished calls in memory (and so in
/// its feed), as a console does; the store keeps every one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_keeps_the_newest_history_rows_and_the_store_every_call() {
    let sims = support::sims(75, |_| {}).await;
    let mut cfg = sims_config(&sims);
    cfg.ui.history_rows = Some(3);
    let dir = temp_dir("hist-cap");
    let serve = start(&cfg, &dir).await;
    let written = serve.calls_written();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while written.get() < 8 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no call stored in 30 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let get = |path: &str| {
        let url = format!("http://{}{path}", serve.addr);
        async move {
            reqwest::get(url)
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let snap = get("/v1/snapshot").await;
    let in_memory: usize = snap["slices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["table"] == "call_history")
        .map(|s| s["rows"].as_array().map_or(0, Vec::len))
        .sum();
    assert!(
        (1..=3).contains(&in_memory),
        "{in_memory} finished calls in the feed"
    );
    let stored = get("/v1/history?limit=1000").await;
    assert!(stored["calls"].as_array().unwrap().len() >= 8, "{stored}");
    serve.shutdown().await.unwrap();
}
