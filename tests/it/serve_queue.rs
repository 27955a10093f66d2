//! The collector's queue counters come from the history store: each queue call counted
//! once, when first stored, so a restart on the same state dir continues them (no drop, no
//! second count of the day the provider lists again) and pruning never lowers them. Real
//! `serve` against the VoIPcloud simulator, real SQLite file.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use switchboard::model::ProviderKind;
use switchboard::serve::Serve;
use switchboard::sim::RunningSims;
use switchboard::store::{QueueCounts, QueueKey, Store};

use crate::serve::{Scrape, scrape, scrape_until, sims_config, start, temp_dir};
use crate::support;

/// (metric sample name, account, queue, le) → value, of the queue counters and the wait
/// histogram of one provider.
type Queues = BTreeMap<(String, String, String, String), f64>;

const COUNTERS: [&str; 6] = [
    "switchboard_queue_calls_total",
    "switchboard_queue_calls_answered_total",
    "switchboard_queue_calls_abandoned_total",
    "switchboard_queue_wait_seconds_bucket",
    "switchboard_queue_wait_seconds_sum",
    "switchboard_queue_wait_seconds_count",
];

fn queues(s: &Scrape, provider: &str) -> Queues {
    COUNTERS
        .iter()
        .flat_map(|m| s.series(m))
        .filter(|x| x.labels["provider"] == provider)
        .map(|x| {
            let label = |k: &str| x.labels.get(k).cloned().unwrap_or_default();
            (
                (
                    x.name.clone(),
                    label("account"),
                    label("queue"),
                    label("le"),
                ),
                x.value,
            )
        })
        .collect()
}

/// The same series as the store's counters make them (buckets cumulative, as scraped).
fn from_store(counts: &BTreeMap<QueueKey, QueueCounts>, provider: &str) -> Queues {
    let mut out = Queues::new();
    for (k, c) in counts.iter().filter(|(k, _)| k.provider == provider) {
        let mut put = |name: &str, le: &str, v: f64| {
            out.insert(
                (name.into(), k.account.clone(), k.queue.clone(), le.into()),
                v,
            );
        };
        put("switchboard_queue_calls_total", "", c.calls as f64);
        put(
            "switchboard_queue_calls_answered_total",
            "",
            c.answered as f64,
        );
        put(
            "switchboard_queue_calls_abandoned_total",
            "",
            c.abandoned as f64,
        );
        put(
            "switchboard_queue_wait_seconds_sum",
            "",
            c.wait_sum_ms as f64 / 1000.0,
        );
        put(
            "switchboard_queue_wait_seconds_count",
            "",
            c.wait_count as f64,
        );
        let bounds = switchboard::store::WAIT_BUCKETS_S.map(|b| b.to_string());
        let mut total = 0;
        for (i, n) in c.wait_buckets.iter().enumerate() {
            total += n;
            let le = bounds.get(i).map_or("+Inf", String::as_str);
            put("switchboard_queue_wait_seconds_bucket", le, total as f64);
        }
    }
    out
}

fn calls(q: &Queues) -> f64 {
    q.iter()
        .filter(|(k, _)| k.0 == "switchboard_queue_calls_total")
        .map(|(_, v)| v)
        .sum()
}

/// Every series of `before` is in `after` and not lower.
fn never_lower(before: &Queues, after: &Queues, when: &str) {
    assert!(!before.is_empty());
    for (k, v) in before {
        let now = after.get(k).copied();
        assert!(now.is_some_and(|n| n >= *v), "{when}: {k:?} {v} → {now:?}");
    }
}

/// What the store file holds: its counters and how many queue calls it keeps.
fn stored(dir: &Path, provider: &str) -> (Queues, u64) {
    let store = Store::open_in(dir).expect("store opens");
    let counts = store.queue_counters().expect("counters");
    let kept = store.queue_record_count(Some(provider)).expect("count");
    (from_store(&counts, provider), kept)
}

async fn voipcloud_sims(history_calls: usize) -> RunningSims {
    support::sims(61, |o| {
        o.voipcloud.calls_per_minute = 0.0;
        o.voipcloud.history_calls = history_calls;
    })
    .await
}

/// Serve on `dir` with only the VoIPcloud provider of `sims`; returns it and that
/// provider's name.
async fn serve_voipcloud(sims: &RunningSims, dir: &Path) -> (Serve, String) {
    let mut cfg = sims_config(sims);
    cfg.providers.retain(|p| p.kind == ProviderKind::Voipcloud);
    let name = cfg.providers[0].name.clone();
    (start(&cfg, dir).await, name)
}

/// Scrapes until this run has polled the queues, then once more a moment later (the
/// poll's records written).
async fn after_a_queue_poll(serve: &Serve, provider: &str) -> Scrape {
    scrape_until(serve, "a queue poll", |s| {
        s.series("switchboard_provider_last_success_timestamp_seconds")
            .iter()
            .any(|x| x.labels["provider"] == provider && x.labels["resource"] == "queues")
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    scrape(serve).await.1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_counters_continue_across_a_restart_and_pruning() {
    let dir = temp_dir("queue");
    let sims = voipcloud_sims(60).await;

    // First run: the day's queue calls counted.
    let (serve, vc) = serve_voipcloud(&sims, &dir).await;
    let s = scrape_until(&serve, "queue counters", |s| calls(&queues(s, &vc)) > 10.0).await;
    let before = queues(&s, &vc);
    serve.shutdown().await.expect("stops");
    let (first, kept) = stored(&dir, &vc);
    never_lower(&before, &first, "the store after the first run");
    assert_eq!(calls(&first), kept as f64, "a queue call counted twice");

    // Restarted on the same state dir and the same simulator: the counters start where
    // they were (before any poll) and the day listed again adds nothing twice.
    let (serve, _) = serve_voipcloud(&sims, &dir).await;
    let (_, at_start) = scrape(&serve).await;
    never_lower(&first, &queues(&at_start, &vc), "at restart");
    let after = queues(&after_a_queue_poll(&serve, &vc).await, &vc);
    never_lower(&first, &after, "after the restart's poll");
    serve.shutdown().await.expect("stops");
    let (second, kept) = stored(&dir, &vc);
    assert_eq!(calls(&second), kept as f64, "a queue call counted twice");
    never_lower(&after, &second, "the store after the second run");
    // What the scrape showed is the store's count, nothing on top.
    for (k, v) in &after {
        assert!(second.get(k).is_some_and(|s| s >= v), "{k:?}: {v} shown");
    }

    // Every queue call pruned, then a new "today" with fewer calls so far (a provider
    // re-read after midnight): nothing is lowered and nothing pruned is counted again.
    {
        let mut store = Store::open_in(&dir).expect("store opens");
        store.prune(switchboard::clock::epoch_ms()).expect("pruned");
        assert_eq!(store.queue_record_count(None).expect("count"), 0);
    }
    let fewer = voipcloud_sims(20).await;
    let (serve, _) = serve_voipcloud(&fewer, &dir).await;
    let s = after_a_queue_poll(&serve, &vc).await;
    // The provider's own figures for its day are lower now: read from it, the counters
    // would have gone backwards.
    let today: u32 = {
        let c = serve.shared.lock().expect("state");
        c.state
            .tables
            .queues
            .rows
            .iter()
            .filter_map(|q| q.total)
            .sum()
    };
    assert!(
        f64::from(today) < calls(&second),
        "{today} calls today, {} counted",
        calls(&second)
    );
    assert_eq!(
        queues(&s, &vc),
        second,
        "pruning or a new day changed the counters"
    );
    serve.shutdown().await.expect("stops");
    assert_eq!(stored(&dir, &vc).0, second);
}
