//! No Cloudonix subscriber's SIP password reaches the log: subscribers created (with a
//! typed password and with one the provider makes and reveals once) and re-keyed,
//! against the simulator, with everything logged at trace level (reqwest and hyper
//! included) into a raw capture that bypasses the log writer's redactor.
//! Its own test binary: the capture must see every callsite (tracing caches interest
//! process-wide, so a subscriber scoped to one test among many can miss events).

use std::io::Write;
use std::sync::{Arc, Mutex};

use switchboard::model::{ProviderId, ProviderKind};
use switchboard::providers::cloudonix::change::Change;
use switchboard::providers::{
    CloudonixSettings, Mutation, ProviderChange, ProviderClient, ProviderConfig,
};
use switchboard::secret::Secret;
use switchboard::sim::{self, SimOptions};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn change(domain: &str, command: &'static str, c: Change) -> Mutation {
    Mutation::Provider {
        account: domain.to_owned(),
        command: command.into(),
        change: ProviderChange::Cloudonix(c),
    }
}

async fn run() -> (String, String, String) {
    let mut opts = SimOptions {
        seed: 35,
        ..SimOptions::default()
    };
    opts.cloudonix.traffic = false;
    opts.cloudonix.rate_limit_requests = 1000;
    let sims = sim::start(opts).await.expect("sims");
    let cx = &sims.cloudonix;
    let mut cfg = ProviderConfig::new("cx", ProviderKind::Cloudonix, &cx.base_url);
    cfg.settings = CloudonixSettings::new(&cx.customer_key).into();
    cfg.timeout_seconds = Some(5.0);
    let c = ProviderClient::from_config(ProviderId(0), &cfg).expect("client");
    let d = cx.domains[0].clone();
    let typed = "sub-Typed-4kLm9q".to_owned();
    let rekeyed = "sub-Rekey-7tYu2w".to_owned();
    let new = |msisdn: &str, password: Option<&str>| {
        change(
            &d,
            "subscriber.new",
            Change::SubscriberNew {
                msisdn: msisdn.into(),
                password: password.map(Secret::new),
            },
        )
    };
    c.mutate(&new("7101", Some(&typed))).await.expect("created");
    let made = c
        .mutate(&new("7102", None))
        .await
        .expect("created")
        .reveal
        .expect("revealed once")
        .expose()
        .to_owned();
    c.mutate(&change(
        &d,
        "subscriber.edit",
        Change::SubscriberEdit {
            key: "7101".into(),
            active: None,
            password: Some(Secret::new(&rekeyed)),
        },
    ))
    .await
    .expect("re-keyed");
    drop(sims);
    (typed, rekeyed, made)
}

#[test]
fn no_sip_password_reaches_the_trace_output() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let secrets = tracing::subscriber::with_default(subscriber, || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(run())
    });
    let text =
        String::from_utf8_lossy(&capture.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned();
    assert!(
        text.contains("cloudonix mutation"),
        "the run was logged: {text}"
    );
    for secret in [secrets.0, secrets.1, secrets.2] {
        assert!(!text.contains(&secret), "a SIP password is in the log");
    }
}
