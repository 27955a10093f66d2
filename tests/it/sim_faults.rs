//! `switchboard sim`'s fault flags act on all five simulators: with every request
//! failing, or every body malformed, each provider's client reports an error; with no
//! faults, each reads its accounts.

use crate::support;

use std::path::Path;
use std::time::{Duration, Instant};

use switchboard::model::ProviderId;
use switchboard::providers::{FetchData, ProviderClient, ProviderError};
use switchboard::sim::{Faults, RunningSims};

/// Each provider's name and the outcome of its account discovery.
async fn discover_all(sims: &RunningSims) -> Vec<(String, Result<FetchData, ProviderError>)> {
    let loaded = switchboard::config::parse(&sims.config_toml(), Path::new("<sim>")).unwrap();
    assert_eq!(loaded.config.providers.len(), 5);
    let mut out = Vec::new();
    for (i, cfg) in loaded.config.providers.iter().enumerate() {
        let mut cfg = cfg.clone();
        cfg.timeout_seconds = Some(5.0);
        let client = ProviderClient::from_config(ProviderId(i as u16), &cfg).unwrap();
        let result = client.fetch(&client.discovery_job().key).await;
        out.push((cfg.name.clone(), result));
    }
    out
}

#[tokio::test]
async fn without_faults_every_simulator_answers() {
    let sims = support::sims(5, |_| {}).await;
    for (name, result) in discover_all(&sims).await {
        assert!(result.is_ok(), "{name}: {:?}", result.err());
    }
}

#[tokio::test]
async fn error_rate_reaches_all_five_simulators() {
    let sims = support::sims(5, |o| {
        o.faults = Faults {
            error_rate: 1.0,
            ..Faults::default()
        }
    })
    .await;
    for (name, result) in discover_all(&sims).await {
        match result {
            // (Callable reports a 500 at sign-in inside its auth error.)
            Err(e) => assert!(
                e.status() == Some(500) || e.to_string().contains("500"),
                "{name}: {e}"
            ),
            Ok(_) => panic!("{name}: answered although every request should fail"),
        }
    }
}

#[tokio::test]
async fn malformed_rate_reaches_all_five_simulators() {
    let sims = support::sims(5, |o| {
        o.faults = Faults {
            malformed_rate: 1.0,
            ..Faults::default()
        }
    })
    .await;
    for (name, result) in discover_all(&sims).await {
        assert!(
            result.is_err(),
            "{name}: decoded a body that should be malformed"
        );
    }
}

#[tokio::test]
async fn latency_reaches_all_five_simulators() {
    let sims = support::sims(5, |o| {
        o.faults = Faults {
            latency: Duration::from_millis(300),
            ..Faults::default()
        }
    })
    .await;
    let loaded = switchboard::config::parse(&sims.config_toml(), Path::new("<sim>")).unwrap();
    for (i, cfg) in loaded.config.providers.iter().enumerate() {
        let client = ProviderClient::from_config(ProviderId(i as u16), cfg).unwrap();
        let started = Instant::now();
        let _ = client.fetch(&client.discovery_job().key).await;
        // At least one request, each delayed 300 ms (a lower bound only).
        assert!(
            started.elapsed() >= Duration::from_millis(300),
            "{}: answered in {:?}",
            cfg.name,
            started.elapsed()
        );
    }
}
