//! The scheduler against a simulator enforcing a small window: twenty seconds of polling,
//! zero 429s, every resource refreshed.

use crate::support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use switchboard::action::Action;
use switchboard::model::{ProviderId, Resource};
use switchboard::poller::{self, PollerCmd, PollerOptions};
use switchboard::providers::{JobKind, ProviderClient, RateLimit};
use switchboard::sim::Faults;
use tokio_util::sync::CancellationToken;

/// Starts a poller for the Cloudonix simulator with the console believing `requests`
/// per `window`.
fn start_poller(
    cx: &switchboard::sim::CloudonixSim,
    requests: u32,
    window: Duration,
    opts: PollerOptions,
) -> (
    poller::PollerHandle,
    tokio::sync::mpsc::UnboundedReceiver<Action>,
    CancellationToken,
) {
    let cfg = support::with_rate(
        support::cloudonix_config(&cx.base_url, &cx.customer_key),
        requests,
        window,
    );
    let client = Arc::new(ProviderClient::from_config(ProviderId(0), &cfg).unwrap());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let cancel = CancellationToken::new();
    let limit = RateLimit {
        requests,
        per: window,
    };
    let handle = poller::spawn(ProviderId(0), client, limit, opts, tx, cancel.clone());
    (handle, rx, cancel)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_seconds_of_polling_never_trips_the_limit() {
    let window = Duration::from_secs(2);
    let sims = support::sims(11, |o| {
        o.cloudonix.rate_limit_requests = 5;
        o.cloudonix.rate_limit_window = window;
    })
    .await;
    let cx = &sims.cloudonix;
    // Some latency so requests overlap and arrive later than they were sent.
    cx.set_faults(Faults {
        latency: Duration::from_millis(120),
        ..Faults::default()
    });
    let opts = PollerOptions {
        background_factor: 1,
        ..PollerOptions::default()
    };
    let (handle, mut rx, cancel) = start_poller(cx, 5, window, opts);

    let mut ok: HashMap<(JobKind, String), u32> = HashMap::new();
    let mut errors = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut flips = 0;
    while let Ok(Some(action)) = tokio::time::timeout_at(deadline, rx.recv()).await {
        if let Action::Fetched(f) = action {
            match &f.result {
                Ok(_) => *ok.entry((f.job.kind, f.job.scope.clone())).or_default() += 1,
                Err(e) => errors.push(e.to_string()),
            }
            // Move between panes as an operator would, changing priorities.
            flips += 1;
            if flips % 7 == 0 {
                let r = [Resource::Trunks, Resource::LiveCalls, Resource::Numbers][flips / 7 % 3];
                handle.send(PollerCmd::Visible(r));
            }
            if flips % 11 == 0 {
                handle.send(PollerCmd::RefreshNow);
            }
        }
    }
    cancel.cancel();

    assert_eq!(
        cx.throttled(),
        0,
        "the simulator sent 429s; errors seen: {errors:?}"
    );
    assert!(errors.is_empty(), "{errors:?}");
    assert!(ok.contains_key(&(JobKind::Accounts, String::new())));
    assert!(
        ok.keys().any(|(k, _)| *k == JobKind::Stats),
        "stats refreshed: {ok:?}"
    );
    for d in &cx.domains {
        for kind in [JobKind::Trunks, JobKind::Numbers, JobKind::AccountInfo] {
            assert!(
                ok.get(&(kind, d.clone())).is_some_and(|n| *n >= 1),
                "{kind:?} {d}: {ok:?}"
            );
        }
        let calls = ok.get(&(JobKind::Calls, d.clone())).copied().unwrap_or(0);
        assert!(
            calls >= 4,
            "live calls of {d} refreshed only {calls} times in 20 s"
        );
    }
    // Per domain, any window of 2 s saw at most 5 accepted requests at the provider.
    let reqs = cx.requests();
    for d in &cx.domains {
        let times: Vec<_> = reqs
            .iter()
            .filter(|r| r.path.contains(d.as_str()) && r.status != 429)
            .map(|r| r.at)
            .collect();
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..]
                .iter()
                .take_while(|u| u.duration_since(*t).is_ok_and(|d| d < window))
                .count();
            assert!(
                in_window <= 5,
                "{in_window} requests to {d} within {window:?}"
            );
        }
    }
}

/// `r` with the budget spent: the poller answers when the refresh can run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_with_the_budget_spent_says_when_it_can() {
    let sims = support::sims(12, |_| {}).await;
    let cx = &sims.cloudonix;
    // 3 per 10 s minus one spare = 2 per window: discovery (2 requests) spends it all.
    let window = Duration::from_secs(10);
    let (handle, mut rx, cancel) = start_poller(cx, 3, window, PollerOptions::default());
    handle.send(PollerCmd::Visible(Resource::Accounts));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let mut asked = false;
    let mut answer = None;
    while let Ok(Some(action)) = tokio::time::timeout_at(deadline, rx.recv()).await {
        match action {
            Action::Fetched(f) if f.job.kind == JobKind::Accounts && !asked => {
                assert!(f.result.is_ok());
                handle.send(PollerCmd::RefreshNow);
                asked = true;
            }
            Action::RefreshAnswer { wait, .. } => {
                answer = Some(wait);
                break;
            }
            _ => {}
        }
    }
    cancel.cancel();
    let wait = answer
        .expect("an answer to the refresh")
        .expect("budget spent, so a wait");
    assert!(wait > Duration::from_secs(5) && wait <= window, "{wait:?}");
    assert_eq!(cx.throttled(), 0);
}

/// A provider stricter than configured: the first 429 pauses the scope until its
/// window resets instead of hammering it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_429_the_scope_pauses_and_learns_the_real_limit() {
    let window = Duration::from_secs(4);
    let sims = support::sims(13, |o| {
        o.cloudonix.rate_limit_requests = 2;
        o.cloudonix.rate_limit_window = window;
    })
    .await;
    let cx = &sims.cloudonix;
    // Misconfigured: the console believes 10 per 4 s.
    let (handle, mut rx, cancel) = start_poller(cx, 10, window, PollerOptions::default());
    // An impatient operator pressing `r` five times a second.
    let impatient = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            handle.send(PollerCmd::RefreshNow);
        }
    });
    let deadline = tokio::time::Instant::now() + Duration::from_secs(9);
    let mut paused = 0;
    while let Ok(Some(action)) = tokio::time::timeout_at(deadline, rx.recv()).await {
        if let Action::RateLimited { .. } = action {
            paused += 1;
        }
    }
    cancel.cancel();
    impatient.abort();
    assert!(paused >= 1, "the console noticed the 429");
    // The first burst (everything due at start, sent concurrently against a limit the
    // config overstated) may meet 429s; after that the scheduler has learned each
    // scope's real capacity and meets none.
    let reqs = cx.requests();
    let t0 = reqs.first().map(|r| r.at).expect("requests were made");
    let late: Vec<String> = reqs
        .iter()
        .filter(|r| r.status == 429)
        .filter_map(|r| {
            let at = r.at.duration_since(t0).ok()?;
            (at > Duration::from_secs(1)).then(|| format!("{at:?} {}", r.path))
        })
        .collect();
    assert!(late.is_empty(), "429s after the first burst: {late:?}");
    // After a 429 the scope stays quiet: no request reaches it between 0.1 s (requests
    // already in flight) and 0.9 s after the 429 (Retry-After is at least 1 s).
    let scope_of = |path: &str| {
        cx.domains
            .iter()
            .find(|d| path.contains(d.as_str()))
            .cloned()
            .unwrap_or_else(|| "customer".into())
    };
    for r in reqs.iter().filter(|r| r.status == 429) {
        let scope = scope_of(&r.path);
        for other in reqs.iter().filter(|o| scope_of(&o.path) == scope) {
            if let Ok(after) = other.at.duration_since(r.at) {
                assert!(
                    !(after > Duration::from_millis(100) && after < Duration::from_millis(900)),
                    "{} {} sent {after:?} after a 429 in scope {scope}",
                    other.method,
                    other.path
                );
            }
        }
    }
}

/// `r` while the on-screen job is already fetching: its answer may predate the change
/// the operator just made, so the job runs once more right after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_during_a_fetch_runs_again_after_it() {
    let sims = support::sims(14, |_| {}).await;
    let cx = &sims.cloudonix;
    cx.set_faults(Faults {
        latency: Duration::from_millis(800),
        ..Faults::default()
    });
    let (handle, mut rx, cancel) =
        start_poller(cx, 10, Duration::from_secs(10), PollerOptions::default());
    handle.send(PollerCmd::Visible(Resource::Trunks));
    let d0 = cx.domains[0].clone();
    let mut trunk_results = 0;
    let mut asked = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(6);
    while let Ok(Some(action)) = tokio::time::timeout_at(deadline, rx.recv()).await {
        match action {
            Action::Fetched(f) if f.job.kind == JobKind::Accounts && !asked => {
                // The trunk fetches start now and take 0.8 s: ask while they run.
                tokio::time::sleep(Duration::from_millis(300)).await;
                handle.send(PollerCmd::RefreshNow);
                asked = true;
            }
            Action::Fetched(f) if f.job.kind == JobKind::Trunks && f.job.scope == d0 => {
                trunk_results += 1;
            }
            _ => {}
        }
    }
    cancel.cancel();
    // Without the re-run the next trunk refresh would be 30 s away.
    assert_eq!(
        trunk_results, 2,
        "trunks of {d0} fetched {trunk_results} times"
    );
}

/// Twenty domains put ~80 jobs due at once; the poller keeps at most
/// `PollerOptions::max_in_flight` of them at the provider, and still polls every domain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_domains_never_have_more_than_eight_requests_at_the_provider() {
    let sims = support::sims(12, |o| {
        o.cloudonix.domains = 20;
        o.cloudonix.rate_limit_requests = 100;
        o.cloudonix.traffic = false;
    })
    .await;
    let cx = &sims.cloudonix;
    cx.set_faults(Faults {
        latency: Duration::from_millis(150),
        ..Faults::default()
    });
    let opts = PollerOptions {
        background_factor: 1,
        ..PollerOptions::default()
    };
    assert_eq!(opts.max_in_flight, 8);
    let (_handle, mut rx, cancel) = start_poller(cx, 100, Duration::from_secs(10), opts);
    let mut calls_of = std::collections::HashSet::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while let Ok(Some(action)) = tokio::time::timeout_at(deadline, rx.recv()).await {
        if let Action::Fetched(f) = action
            && f.job.kind == JobKind::Calls
            && f.result.is_ok()
        {
            calls_of.insert(f.job.scope.clone());
            if calls_of.len() == cx.domains.len() {
                break;
            }
        }
    }
    cancel.cancel();
    assert_eq!(
        calls_of.len(),
        20,
        "every domain's live calls arrive, a few at a time"
    );
    let peak = cx.peak_concurrent_requests();
    assert!(
        (2..=8).contains(&peak),
        "{peak} requests at the provider at once"
    );
    assert_eq!(cx.throttled(), 0);
}
