//! Shared helpers for integration tests: simulators on loopback and console configs.
#![allow(dead_code)]

pub mod flow;
pub mod form_fixture;
pub mod hostile;
pub mod tmux;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use switchboard::config::{ProviderConfig, RateLimitConfig};
use switchboard::model::ProviderKind;
use switchboard::providers::CloudonixSettings;
use switchboard::sim::{self, RunningSims, SimOptions};

/// A number no other call in this process returns: with the pid it names tmux sessions
/// and temporary directories, which tests of different modules share one process for.
pub fn unique() -> usize {
    static N: AtomicUsize = AtomicUsize::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// Starts the simulators on ephemeral loopback ports with the given tweaks.
pub async fn sims(seed: u64, tweak: impl FnOnce(&mut SimOptions)) -> RunningSims {
    let mut opts = SimOptions {
        seed,
        ..SimOptions::default()
    };
    tweak(&mut opts);
    sim::start(opts).await.expect("simulators start")
}

/// A console config for the Cloudonix simulator using `key`.
pub fn cloudonix_config(base_url: &str, key: &str) -> ProviderConfig {
    let mut cfg = ProviderConfig::new("cx", ProviderKind::Cloudonix, base_url);
    cfg.settings = CloudonixSettings::new(key).into();
    cfg.timeout_seconds = Some(5.0);
    cfg
}

pub fn with_rate(mut cfg: ProviderConfig, requests: u32, per: Duration) -> ProviderConfig {
    cfg.rate_limit = Some(RateLimitConfig {
        requests,
        per_seconds: per.as_secs_f64(),
    });
    cfg
}
