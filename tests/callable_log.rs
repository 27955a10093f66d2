//! No Callable token or password reaches the log: a run with sign-in, refreshes, a 401
//! and a refused sign-in, logged at trace level for every crate (reqwest and hyper
//! included). Checked twice: in the real log file, and in a raw capture that bypasses
//! the log writer's redactor (so the test does not pass just because of masking).
//! Its own test binary: `the_log_file_has_no_token` installs the process-wide subscriber.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use switchboard::config::ProviderConfig;
use switchboard::model::{ProviderId, ProviderKind};
use switchboard::providers::CallableSettings;
use switchboard::providers::callable;
use switchboard::providers::{JobKey, JobKind};
use switchboard::sim::{self, CallableSim, SimOptions};

const DARREN: &str = "5554872eb0731b38efa4d444";

fn config(sim: &CallableSim) -> ProviderConfig {
    let mut cfg = ProviderConfig::new("callable", ProviderKind::Callable, &sim.base_url);
    cfg.settings = CallableSettings::new(&sim.username, &sim.password).into();
    cfg.timeout_seconds = Some(5.0);
    cfg
}

/// Sign-in, refreshes (1 s tokens over 3 s), a 401 and a refused sign-in.
async fn run(seed: u64) -> CallableSim {
    let mut opts = SimOptions {
        seed,
        ..SimOptions::default()
    };
    opts.callable.access_ttl = Duration::from_secs(1);
    opts.callable.password = "pw-that-must-not-be-logged".into();
    let sims = sim::start(opts).await.expect("sims");
    let sim = sims.callable.clone();
    let c = callable::Client::new(ProviderId(0), &config(&sim)).unwrap();
    let key = JobKey {
        kind: JobKind::AccountInfo,
        scope: DARREN.into(),
    };
    for _ in 0..6 {
        c.fetch(&key).await.expect("fetch");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    sim.revoke_access_tokens();
    c.fetch(&key).await.expect("after a 401");
    sim.revoke_access_tokens();
    sim.revoke_refresh_tokens();
    sim.set_password("rotated");
    let e = c.fetch(&key).await.expect_err("sign-in refused");
    assert!(e.to_string().contains("sign-in failed"), "{e}");
    assert!(sim.token_stats().refreshes >= 2, "{:?}", sim.token_stats());
    // Keep the servers alive until here.
    drop(sims);
    sim
}

fn assert_clean(text: &str, sim: &CallableSim) {
    assert!(
        text.contains("callable"),
        "the run was logged at all: {text}"
    );
    let tokens = sim.issued_tokens();
    assert!(tokens.len() >= 6, "{}", tokens.len());
    for t in tokens {
        // Any 24-char piece of a token (header, payload or signature) counts as a leak.
        let sig = t.rsplit('.').next().unwrap_or(&t);
        assert!(!text.contains(&t), "a token is in the log");
        assert!(!text.contains(sig), "a token signature is in the log");
    }
    assert!(!text.contains("pw-that-must-not-be-logged"));
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn raw_trace_output_has_no_token() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let sim = tracing::subscriber::with_default(subscriber, || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(run(81))
    });
    let text = String::from_utf8_lossy(&capture.0.lock().unwrap()).into_owned();
    assert_clean(&text, &sim);
}

#[test]
fn the_log_file_has_no_token() {
    let dir = std::env::temp_dir().join(format!("switchboard-callable-log-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let guard = switchboard::logging::init(&dir, Some("trace")).expect("log init");
    let sim = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(run(82));
    drop(guard);
    let mut text = String::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        text.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    assert_clean(&text, &sim);
    let _ = std::fs::remove_dir_all(&dir);
}
