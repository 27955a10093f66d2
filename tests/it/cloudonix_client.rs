//! The Cloudonix client against the Cloudonix simulator, over real HTTP.

use crate::support;

use std::time::Duration;

use switchboard::model::{AccountKind, ProviderId};
use switchboard::providers::{FetchData, JobKey, JobKind, ProviderClient, ProviderError};
use switchboard::sim::Faults;

fn client(cfg: &switchboard::config::ProviderConfig) -> ProviderClient {
    ProviderClient::from_config(ProviderId(0), cfg).expect("client builds")
}

fn key(kind: JobKind, scope: &str) -> JobKey {
    JobKey {
        kind,
        scope: scope.to_string(),
    }
}

#[tokio::test]
async fn lists_accounts_calls_trunks_numbers_and_stats() {
    let sims = support::sims(3, |_| {}).await;
    let cx = &sims.cloudonix;
    let c = client(&support::cloudonix_config(&cx.base_url, &cx.customer_key));

    let accounts = match c.fetch(&c.discovery_job().key).await {
        Ok(FetchData::Accounts(a)) => a,
        other => panic!("accounts: {other:?}"),
    };
    let domains: Vec<&str> = accounts
        .iter()
        .filter(|a| a.kind == AccountKind::Domain)
        .map(|a| a.id.as_str())
        .collect();
    for d in &cx.domains {
        assert!(
            domains.contains(&d.as_str()),
            "domain {d} listed in {domains:?}"
        );
    }
    assert!(accounts.iter().any(|a| a.kind == AccountKind::Customer));

    let jobs = c.jobs(&accounts);
    for d in &cx.domains {
        for kind in [JobKind::Calls, JobKind::Trunks, JobKind::Numbers] {
            assert!(
                jobs.iter().any(|j| j.key == key(kind, d)),
                "{kind:?} job for {d}"
            );
        }
    }
    let d0 = &cx.domains[0];
    match c.fetch(&key(JobKind::Calls, d0)).await {
        Ok(FetchData::Calls { live, history }) => {
            assert!(
                !live.is_empty(),
                "the simulator starts with calls in progress"
            );
            assert!(
                live.iter()
                    .all(|c| c.state.is_live() && c.ended_at_ms.is_none())
            );
            assert!(history.iter().all(|c| c.ended_at_ms.is_some()));
            assert!(live.iter().all(|c| c.account == d0));
        }
        other => panic!("calls: {other:?}"),
    }
    match c.fetch(&key(JobKind::Trunks, d0)).await {
        Ok(FetchData::Trunks(t)) => {
            assert!(!t.is_empty());
            assert!(
                t.iter().all(|t| t.port.is_some()),
                "ports parse whether string or number"
            );
        }
        other => panic!("trunks: {other:?}"),
    }
    match c.fetch(&key(JobKind::Numbers, d0)).await {
        Ok(FetchData::Numbers(n)) => {
            assert!(!n.is_empty());
            assert!(
                n.iter().all(|n| !n.target.is_empty()),
                "application names resolved"
            );
        }
        other => panic!("numbers: {other:?}"),
    }
    let stats = jobs
        .iter()
        .find(|j| j.key.kind == JobKind::Stats)
        .expect("stats job");
    assert!(matches!(c.fetch(&stats.key).await, Ok(FetchData::Queues(q)) if !q.is_empty()));
}

#[tokio::test]
async fn bad_key_is_401_and_never_echoed() {
    let sims = support::sims(4, |_| {}).await;
    let bogus = "XI0123456789ABCDEF0123456789ABCDEF";
    let c = client(&support::cloudonix_config(&sims.cloudonix.base_url, bogus));
    let err = c.fetch(&c.discovery_job().key).await.expect_err("rejected");
    assert!(err.is_auth(), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("401") && !text.contains(bogus), "{text}");
}

#[tokio::test]
async fn domain_key_on_another_domain_is_403() {
    let sims = support::sims(5, |_| {}).await;
    let cx = &sims.cloudonix;
    let c = client(&support::cloudonix_config(&cx.base_url, &cx.domain_key));
    let err = c
        .fetch(&key(JobKind::Trunks, &cx.domains[1]))
        .await
        .expect_err("out of scope");
    assert!(matches!(err, ProviderError::Forbidden(_)), "{err:?}");
    assert!(err.to_string().contains("403"));
    // Its own domain works.
    assert!(c.fetch(&key(JobKind::Trunks, &cx.domains[0])).await.is_ok());
}

#[tokio::test]
async fn over_the_window_is_429_with_retry_after() {
    let sims = support::sims(6, |_| {}).await;
    let cx = &sims.cloudonix;
    cx.set_rate_limit(2, Duration::from_secs(30));
    let c = client(&support::cloudonix_config(&cx.base_url, &cx.customer_key));
    let k = key(JobKind::Trunks, &cx.domains[0]);
    assert!(c.fetch(&k).await.is_ok());
    assert!(c.fetch(&k).await.is_ok());
    match c.fetch(&k).await {
        Err(ProviderError::RateLimited { retry_after, .. }) => {
            let r = retry_after.expect("Retry-After parsed");
            assert!(
                r >= Duration::from_secs(1) && r <= Duration::from_secs(30),
                "{r:?}"
            );
        }
        other => panic!("expected 429, got {other:?}"),
    }
    // Another domain has its own window.
    assert!(c.fetch(&key(JobKind::Trunks, &cx.domains[1])).await.is_ok());
}

#[tokio::test]
async fn server_errors_malformed_bodies_drops_and_timeouts_are_readable() {
    let sims = support::sims(7, |_| {}).await;
    let cx = &sims.cloudonix;
    let mut cfg = support::cloudonix_config(&cx.base_url, &cx.customer_key);
    cfg.timeout_seconds = Some(0.5);
    let c = client(&cfg);
    let k = key(JobKind::Trunks, &cx.domains[0]);
    let set = |f: Faults| cx.set_faults(f);

    set(Faults {
        error_rate: 1.0,
        ..Faults::default()
    });
    let e = c.fetch(&k).await.expect_err("500");
    assert!(
        matches!(e, ProviderError::Server { status: 500, .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("Request Failed"), "{e}");

    set(Faults {
        malformed_rate: 1.0,
        ..Faults::default()
    });
    let e = c.fetch(&k).await.expect_err("malformed");
    assert!(matches!(e, ProviderError::Decode(_)), "{e:?}");

    set(Faults {
        drop_rate: 1.0,
        ..Faults::default()
    });
    let e = c.fetch(&k).await.expect_err("dropped");
    assert!(
        matches!(e, ProviderError::Connect(_) | ProviderError::Decode(_)),
        "{e:?}"
    );

    set(Faults {
        latency: Duration::from_secs(2),
        ..Faults::default()
    });
    let e = c.fetch(&k).await.expect_err("timeout");
    assert!(matches!(e, ProviderError::Timeout(_)), "{e:?}");
    assert!(e.to_string().contains("timed out"));

    set(Faults::default());
    assert!(c.fetch(&k).await.is_ok(), "recovers once the faults stop");
}
