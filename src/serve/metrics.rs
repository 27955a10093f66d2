//! `/metrics`: the provider metrics are built from the collected state at each scrape
//! (a `prometheus-client` [`Collector`]), so a deleted trunk or queue leaves the output
//! with the poll that stopped seeing it. Nothing here polls: a scrape reads what the
//! pollers last brought, on each provider's budget clock.
//!
//! Labels come only from bounded names (provider, account, queue, trunk, state,
//! resource, reason, scope, active): never a call id, a phone number or a session.
//! Where a provider does not give a figure the series is absent, not zero.
//!
//! The queue counters and the wait histogram of a provider that lists each queue call
//! come from the history store (`history::QueueTotals`: each call counted once, when
//! first stored, so they continue across restarts and midnights); with the store off, or
//! for a provider that gives only figures for its current period, they are those figures.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

use super::collect::{Collected, REASONS};
use super::history::{QueueCounters, QueueTotals};
use crate::model::{CallState, Resource};
use switchboard_store::{BUCKETS, QueueCounts, WAIT_BUCKETS_S};

/// Appended to every provider metric's HELP: the rule for cached exporter values.
const CACHED: &str = "Cached: refreshed on the provider's request-budget clock, not per scrape.";

/// The `QueueStat::kind`s that are queues.
const QUEUE_KINDS: &[&str] = &["queue", "ring group"];

type Labels = Vec<(&'static str, String)>;

/// The scrape-time collector over the shared state and the store's queue counters.
pub struct ProviderMetrics(pub Arc<Mutex<Collected>>, pub QueueTotals);

impl fmt::Debug for ProviderMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProviderMetrics")
    }
}

/// The registry `/metrics` encodes: build info, the collector's own counters and the
/// provider collector.
pub fn registry(
    shared: Arc<Mutex<Collected>>,
    history_written: Counter,
    queue: QueueTotals,
) -> Registry {
    let mut r = Registry::default();
    r.register(
        "switchboard_build",
        "Build of the switchboard collector (value 1).",
        Info::new(vec![("version", env!("CARGO_PKG_VERSION").to_string())]),
    );
    r.register(
        "switchboard_history_calls_written",
        "Finished calls newly written to the call-history store by this process.",
        history_written,
    );
    r.register_collector(Box::new(ProviderMetrics(shared, queue)));
    r
}

fn help(text: &str) -> String {
    format!("{text} {CACHED}")
}

fn gauges(
    enc: &mut DescriptorEncoder,
    name: &str,
    text: &str,
    series: &BTreeMap<Labels, f64>,
) -> fmt::Result {
    if series.is_empty() {
        return Ok(());
    }
    let mut m = enc.encode_descriptor(name, &help(text), None, MetricType::Gauge)?;
    for (labels, v) in series {
        ConstGauge::new(*v).encode(m.encode_family(labels)?)?;
    }
    Ok(())
}

/// `name` without `_total`: the encoder adds it to counter samples.
fn counters(
    enc: &mut DescriptorEncoder,
    name: &str,
    text: &str,
    series: &BTreeMap<Labels, u64>,
) -> fmt::Result {
    if series.is_empty() {
        return Ok(());
    }
    let mut m = enc.encode_descriptor(name, &help(text), None, MetricType::Counter)?;
    for (labels, v) in series {
        ConstCounter::new(*v).encode(m.encode_family(labels)?)?;
    }
    Ok(())
}

/// One queue's waits: sum, count and a count per bucket (the store's bounds,
/// `WAIT_BUCKETS_S`, then +Inf).
#[derive(Default)]
struct Waits {
    sum: f64,
    count: u64,
    buckets: [u64; BUCKETS],
}

impl Waits {
    fn add(&mut self, ms: i64) {
        self.sum += ms as f64 / 1000.0;
        self.count += 1;
        self.buckets[switchboard_store::queue_bucket(ms)] += 1;
    }

    fn of(c: &QueueCounts) -> Waits {
        Waits {
            sum: c.wait_sum_ms as f64 / 1000.0,
            count: c.wait_count,
            buckets: c.wait_buckets,
        }
    }

    /// The buckets with their upper bounds, the last one +Inf; per bucket, as
    /// `prometheus-client` takes them (its encoder makes them cumulative).
    fn bounded(&self) -> Vec<(f64, u64)> {
        WAIT_BUCKETS_S
            .iter()
            .map(|b| f64::from(*b))
            .chain([f64::INFINITY])
            .zip(self.buckets)
            .collect()
    }
}

fn histograms(
    enc: &mut DescriptorEncoder,
    name: &str,
    text: &str,
    series: &BTreeMap<Labels, Waits>,
) -> fmt::Result {
    if series.is_empty() {
        return Ok(());
    }
    let mut m = enc.encode_descriptor(name, &help(text), None, MetricType::Histogram)?;
    for (labels, w) in series {
        m.encode_family(labels)?.encode_histogram::<NoLabelSet>(
            w.sum,
            w.count,
            &w.bounded(),
            None,
        )?;
    }
    Ok(())
}

/// How long a queue call waited (ms): until answered, else until it ended (abandoned or
/// timed out); None while it still waits.
fn waited_ms(r: &crate::stats::GroupCallRecord) -> Option<i64> {
    let until = r.answered_ms.or(r.finished_ms)?;
    Some(until.saturating_sub(r.started_ms).max(0))
}

fn l(pairs: &[(&'static str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
}

fn live_state(s: &CallState) -> &'static str {
    match s {
        CallState::Setup => "setup",
        CallState::Ringing => "ringing",
        _ => "in_call",
    }
}

/// Every series of the provider metrics, by metric, from one look at the state.
#[derive(Default)]
struct Series {
    calls_active: BTreeMap<Labels, f64>,
    queue_total: BTreeMap<Labels, u64>,
    queue_abandoned: BTreeMap<Labels, u64>,
    queue_answered: BTreeMap<Labels, u64>,
    queue_waiting: BTreeMap<Labels, f64>,
    queue_oldest_wait: BTreeMap<Labels, f64>,
    queue_wait: BTreeMap<Labels, Waits>,
    up: BTreeMap<Labels, f64>,
    last_success: BTreeMap<Labels, f64>,
    requests: BTreeMap<Labels, u64>,
    errors: BTreeMap<Labels, u64>,
    budget_limit: BTreeMap<Labels, f64>,
    budget_remaining: BTreeMap<Labels, f64>,
    trunks: BTreeMap<Labels, f64>,
    trunk_active: BTreeMap<Labels, f64>,
    numbers: BTreeMap<Labels, f64>,
}

impl Series {
    fn of(c: &Collected, q: &QueueCounters) -> Series {
        let mut s = Series::default();
        let t = &c.state.tables;
        for (i, p) in c.state.providers.iter().enumerate() {
            let pv = p.name.as_str();
            let counters = c.counters.get(i).cloned().unwrap_or_default();
            // Up, requests, errors, data age: per account scope polled.
            if counters.scopes.is_empty() {
                s.up.insert(l(&[("provider", pv), ("account", "")]), 0.0);
            }
            for (scope, sc) in &counters.scopes {
                let acc = scope.as_str();
                s.up.insert(
                    l(&[("provider", pv), ("account", acc)]),
                    if sc.up { 1.0 } else { 0.0 },
                );
                s.requests
                    .insert(l(&[("provider", pv), ("account", acc)]), sc.requests);
                for r in REASONS {
                    s.errors.insert(
                        l(&[("provider", pv), ("account", acc), ("reason", r)]),
                        sc.errors.get(r).copied().unwrap_or(0),
                    );
                }
                for (res, ms) in &sc.last_success_ms {
                    s.last_success.insert(
                        l(&[("provider", pv), ("account", acc), ("resource", res)]),
                        *ms as f64 / 1000.0,
                    );
                }
            }
            for b in &counters.budget_scopes {
                let labels = l(&[("provider", pv), ("scope", &b.scope)]);
                s.budget_limit.insert(labels.clone(), f64::from(b.limit));
                s.budget_remaining.insert(labels, f64::from(b.remaining));
            }
            // Rows: only for resources this provider has delivered at least once.
            if p.data_time(Resource::LiveCalls).is_some() {
                let live_scopes = counters
                    .scopes
                    .iter()
                    .filter(|(k, v)| !k.is_empty() && v.last_success_ms.contains_key("live_calls"))
                    .map(|(k, _)| k.clone());
                for acc in live_scopes {
                    for st in ["setup", "ringing", "in_call"] {
                        s.calls_active.insert(
                            l(&[("provider", pv), ("account", &acc), ("state", st)]),
                            0.0,
                        );
                    }
                }
                for call in t.live.rows.iter().filter(|r| r.provider == p.id) {
                    if !call.state.is_live() {
                        continue;
                    }
                    let labels = l(&[
                        ("provider", pv),
                        ("account", &call.account),
                        ("state", live_state(&call.state)),
                    ]);
                    *s.calls_active.entry(labels).or_default() += 1.0;
                }
            }
            // Queues and ring groups only: breakdowns by day or by result, and concurrency
            // figures, are not queues (and a day would be an unbounded label).
            let queues = t
                .queues
                .rows
                .iter()
                .filter(|r| r.provider == p.id && QUEUE_KINDS.contains(&r.kind.as_str()));
            // A provider that lists each queue call: its counters are the store's.
            let from_store = q.from_store
                && (q.has_provider(pv) || c.state.group_calls.keys().any(|(id, _)| *id == p.id));
            if from_store {
                for (k, n) in q.counts.iter().filter(|(k, _)| k.provider == pv) {
                    let labels = l(&[
                        ("provider", pv),
                        ("account", &k.account),
                        ("queue", &k.queue),
                    ]);
                    s.queue_total.insert(labels.clone(), n.calls);
                    s.queue_abandoned.insert(labels.clone(), n.abandoned);
                    s.queue_answered.insert(labels.clone(), n.answered);
                    s.queue_wait.insert(labels, Waits::of(n));
                }
            }
            for q in queues {
                let labels = l(&[
                    ("provider", pv),
                    ("account", &q.account),
                    ("queue", &q.name),
                ]);
                let put = |m: &mut BTreeMap<Labels, u64>, v: Option<u32>| {
                    if let Some(v) = v {
                        m.insert(labels.clone(), u64::from(v));
                    }
                };
                if !from_store {
                    put(&mut s.queue_total, q.total);
                    put(&mut s.queue_abandoned, q.abandoned);
                    put(&mut s.queue_answered, q.answered);
                }
                if let Some(w) = q.waiting {
                    s.queue_waiting.insert(labels.clone(), f64::from(w));
                }
                if let Some(w) = q.longest_wait_s {
                    s.queue_oldest_wait.insert(labels.clone(), f64::from(w));
                }
            }
            // Without the store: each queue call's wait from the provider's per-call
            // queue records of the period (today, for some), so a histogram of real
            // waits, not an average.
            for ((pid, account), records) in &c.state.group_calls {
                if *pid != p.id || from_store {
                    continue;
                }
                for r in records
                    .iter()
                    .filter(|r| QUEUE_KINDS.contains(&r.kind.as_str()))
                {
                    if let Some(ms) = waited_ms(r) {
                        let labels =
                            l(&[("provider", pv), ("account", account), ("queue", &r.group)]);
                        s.queue_wait.entry(labels).or_default().add(ms);
                    }
                }
            }
            if p.data_time(Resource::Trunks).is_some() {
                for tr in t.trunks.rows.iter().filter(|r| r.provider == p.id) {
                    let acc = l(&[("provider", pv), ("account", &tr.account)]);
                    *s.trunks.entry(acc).or_default() += 1.0;
                    if let Some(active) = tr.active {
                        let name = if tr.name.is_empty() { &tr.id } else { &tr.name };
                        s.trunk_active.insert(
                            l(&[("provider", pv), ("account", &tr.account), ("trunk", name)]),
                            if active { 1.0 } else { 0.0 },
                        );
                    }
                }
            }
            if p.data_time(Resource::Numbers).is_some() {
                for n in t.numbers.rows.iter().filter(|r| r.provider == p.id) {
                    let active = match n.active {
                        Some(true) => "true",
                        Some(false) => "false",
                        None => "unknown",
                    };
                    let labels = l(&[
                        ("provider", pv),
                        ("account", &n.account),
                        ("active", active),
                    ]);
                    *s.numbers.entry(labels).or_default() += 1.0;
                }
            }
        }
        s
    }
}

impl Collector for ProviderMetrics {
    fn encode(&self, mut enc: DescriptorEncoder) -> fmt::Result {
        let s = {
            let c = self.0.lock().unwrap_or_else(|p| p.into_inner());
            let q = self.1.lock().unwrap_or_else(|p| p.into_inner());
            Series::of(&c, &q)
        };
        let e = &mut enc;
        gauges(
            e,
            "switchboard_calls_active",
            "Live calls by account and state.",
            &s.calls_active,
        )?;
        counters(
            e,
            "switchboard_queue_calls",
            "Calls a queue took: each counted once, as the history store first keeps it, where the provider lists each queue call; else the provider's figure for its current period (a new period starts from 0).",
            &s.queue_total,
        )?;
        counters(
            e,
            "switchboard_queue_calls_abandoned",
            "Calls abandoned in a queue (counted as switchboard_queue_calls_total is); ratio: abandoned / calls.",
            &s.queue_abandoned,
        )?;
        counters(
            e,
            "switchboard_queue_calls_answered",
            "Calls answered from a queue (counted as switchboard_queue_calls_total is).",
            &s.queue_answered,
        )?;
        gauges(
            e,
            "switchboard_queue_callers_waiting",
            "Callers waiting in a queue now.",
            &s.queue_waiting,
        )?;
        gauges(
            e,
            "switchboard_queue_oldest_wait_seconds",
            "Longest wait in a queue, seconds.",
            &s.queue_oldest_wait,
        )?;
        histograms(
            e,
            "switchboard_queue_wait_seconds",
            "How long each queue call waited (until answered, else until it ended), seconds; each call counted once, as the history store first keeps it (else the provider's calls of its current period).",
            &s.queue_wait,
        )?;
        gauges(
            e,
            "switchboard_provider_up",
            "1 if the latest poll of the provider's account succeeded, else 0.",
            &s.up,
        )?;
        gauges(
            e,
            "switchboard_provider_last_success_timestamp_seconds",
            "When a resource of the account was last read successfully (Unix seconds); data age is time() minus this.",
            &s.last_success,
        )?;
        counters(
            e,
            "switchboard_provider_requests",
            "HTTP requests this process's pollers sent to the provider (each page of a paged list counts).",
            &s.requests,
        )?;
        counters(
            e,
            "switchboard_provider_request_errors",
            "Polls that failed, by reason (auth, http_429, http_4xx, http_5xx, timeout, connect, decode, unexpected, refused).",
            &s.errors,
        )?;
        gauges(
            e,
            "switchboard_provider_budget_limit",
            "Requests this process allows itself per window in each budget scope.",
            &s.budget_limit,
        )?;
        gauges(
            e,
            "switchboard_provider_budget_remaining",
            "Requests left in the current window of each budget scope.",
            &s.budget_remaining,
        )?;
        gauges(
            e,
            "switchboard_trunks",
            "SIP trunks configured per account.",
            &s.trunks,
        )?;
        gauges(
            e,
            "switchboard_trunk_active",
            "1 if the trunk is enabled, 0 if disabled (only where the provider says).",
            &s.trunk_active,
        )?;
        gauges(
            e,
            "switchboard_numbers",
            "Phone numbers per account, by whether they are active.",
            &s.numbers,
        )?;
        Ok(())
    }
}

/// The whole scrape in the Prometheus text format 0.0.4 (`openmetrics` false) or in
/// OpenMetrics 1.0.
pub fn encode(registry: &Registry, openmetrics: bool) -> Result<String, fmt::Error> {
    let mut out = String::new();
    if openmetrics {
        prometheus_client::encoding::text::encode(&mut out, registry)?;
    } else {
        prometheus_client::encoding::prometheus_text::encode(&mut out, registry)?;
    }
    Ok(out)
}
