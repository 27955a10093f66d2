//! Alerts: once per transition against a provider simulator going down and up, the
//! cool-down, the `:alerts` overlay, the OSC 9 notification in the terminal's output, and
//! the `[alerts]` / `[ui] ascii` config.

use crate::support;

use std::time::Duration;

use switchboard::action::{Action, Fetched};
use switchboard::alerts::{AlertEvent, AlertsConfig, Notify};
use switchboard::app::{Console, StartOptions};
use switchboard::config::Config;
use switchboard::model::{ProviderId, ProviderKind};
use switchboard::providers::{FetchData, JobKey, JobKind, ProviderClient};
use switchboard::sim::Faults;
use switchboard::state::{Overlay, ProviderState, State};
use switchboard::theme::Theme;
use switchboard::update::update;

use crate::ux_fixture::{NOW, all_caps, screen, state};

fn fetched(
    seq: u64,
    at_ms: i64,
    result: Result<FetchData, switchboard::providers::ProviderError>,
    job: JobKey,
) -> Action {
    Action::Fetched(Box::new(Fetched {
        requests: 1,
        provider: ProviderId(0),
        epoch: 0,
        seq,
        job,
        at_ms,
        stale_after_ms: 600_000,
        result,
    }))
}

#[tokio::test]
async fn alerts_fire_once_per_transition_as_the_simulator_goes_down_and_up() {
    let sims = support::sims(17, |_| {}).await;
    let cx = &sims.cloudonix;
    let mut cfg = support::cloudonix_config(&cx.base_url, &cx.customer_key);
    cfg.timeout_seconds = Some(2.0);
    let client = ProviderClient::from_config(ProviderId(0), &cfg).expect("client builds");
    let job = JobKey {
        kind: JobKind::Trunks,
        scope: cx.domains[0].clone(),
    };
    let mut s = state(&["cx"]);
    s.alerts.config = AlertsConfig {
        flash: true,
        bell: true,
        notify: Notify::Osc9,
        ..AlertsConfig::default()
    };
    let mut seq = 0;
    let mut now = NOW;
    let mut poll = |s: &mut State, r| {
        seq += 1;
        now += 5_000;
        s.now_ms = now;
        update(s, fetched(seq, now, r, job.clone()));
    };
    let degraded = |s: &State| {
        s.alerts
            .list
            .iter()
            .filter(|a| a.event == AlertEvent::Degraded && !a.recovered)
            .count()
    };

    poll(&mut s, client.fetch(&job).await);
    assert_eq!(s.alerts.list.len(), 0, "a healthy provider raises nothing");

    cx.set_faults(Faults {
        error_rate: 1.0,
        ..Faults::default()
    });
    for _ in 0..3 {
        poll(&mut s, client.fetch(&job).await);
    }
    assert_eq!(
        degraded(&s),
        1,
        "three failed polls, one transition: {:?}",
        s.alerts.list
    );
    let a = &s.alerts.list[0];
    assert!(a.signalled && a.subject == "cx", "{a:?}");
    assert!(
        a.line().contains("degraded") && a.line().contains("Request Failed"),
        "{}",
        a.line()
    );
    assert_eq!(s.alerts.pending_notify.len(), 1);
    assert!(s.alerts.bell && s.alerts.flash.is_some());
    let top = screen(&s, (80, 24)).remove(0);
    assert!(
        top.contains("ALERT") && top.contains("cx: degraded"),
        "{top}"
    );

    cx.set_faults(Faults::default());
    poll(&mut s, client.fetch(&job).await);
    assert!(
        s.alerts.list.back().is_some_and(|a| a.recovered),
        "{:?}",
        s.alerts.list
    );
    poll(&mut s, client.fetch(&job).await);
    assert_eq!(s.alerts.list.len(), 2, "staying up lists nothing more");

    // Down again inside the cool-down: listed, not signalled.
    cx.set_faults(Faults {
        error_rate: 1.0,
        ..Faults::default()
    });
    poll(&mut s, client.fetch(&job).await);
    assert_eq!(degraded(&s), 2);
    assert!(!s.alerts.list.back().is_some_and(|a| a.signalled));
    assert_eq!(s.alerts.signalled().count(), 1);

    // The overlay lists them, newest first, with times.
    s.overlay = Some(Overlay::Alerts { scroll: 0 });
    let text = screen(&s, (100, 30)).join("\n");
    assert!(text.contains("Alerts (newest first)"), "{text}");
    assert!(text.contains("cool-down: not signalled"), "{text}");
    assert!(text.contains("cx: degraded no more"), "{text}");
}

#[tokio::test]
async fn an_alerts_osc9_notification_is_in_the_terminal_output() {
    use switchboard::app::Terminal as ConsoleTerminal;
    use switchboard::frame_out::{FrameWriter, SharedBuf};
    use switchboard::term_backend::ScrollBackend;
    let buf = SharedBuf::default();
    let backend = ScrollBackend::with_size(FrameWriter::new(buf.clone()), 80, 24);
    let mut t: ConsoleTerminal<SharedBuf> = ratatui::Terminal::with_options(
        backend,
        ratatui::TerminalOptions {
            viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, 80, 24)),
        },
    )
    .expect("terminal");
    let mut config = Config::default();
    config.alerts.notify = Notify::Osc9;
    let cancel = tokio_util::sync::CancellationToken::new();
    let mut console = Console::start(
        &config,
        Theme::default(),
        StartOptions::default(),
        cancel.clone(),
    );
    console.state.providers = vec![ProviderState::new(
        ProviderId(0),
        "east",
        ProviderKind::Cloudonix,
        all_caps(),
    )];
    console.state.provider_names = vec!["east".into()];
    let tx = console.sender();
    tx.send(Action::ProviderDown {
        provider: ProviderId(0),
        message: "connection refused".into(),
    })
    .expect("send");
    let stop = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(400)).await;
        stop.cancel();
    });
    let events = futures_util::stream::pending();
    console.run(&mut t, events).await.expect("runs");
    let out = buf.0.lock().expect("buffer").clone();
    let osc = b"\x1b]9;east: degraded (connection refused)\x1b\\";
    assert!(
        out.windows(osc.len()).any(|w| w == osc),
        "no OSC 9 in {:?}",
        String::from_utf8_lossy(&out)
    );
}

#[test]
fn alerts_and_ascii_config_are_read_and_checked_with_line_and_key() {
    use std::path::Path;
    let text = "[ui]\nascii = true\n\n[alerts]\nflash = true\nnotify = \"osc777\"\ncooldown_seconds = 60\nevents = [\"auth\", \"queue\"]\n";
    let c = switchboard::config::parse(text, Path::new("t.toml"))
        .expect("valid")
        .config;
    assert!(c.ui.ascii);
    assert!(c.alerts.flash && !c.alerts.bell);
    assert_eq!(c.alerts.notify, Notify::Osc777);
    assert_eq!(c.alerts.cooldown_s, 60);
    assert_eq!(
        c.alerts.events.iter().copied().collect::<Vec<_>>(),
        vec![AlertEvent::Auth, AlertEvent::Queue]
    );
    let e = switchboard::config::parse("[alerts]\nnotify = \"osc99\"\n", Path::new("t.toml"))
        .expect_err("bad notify")
        .to_string();
    assert!(
        e.contains("line 2") && e.contains("alerts.notify") && e.contains("osc9"),
        "{e}"
    );
    let e = switchboard::config::parse("[alerts]\ncooldown = 5\n", Path::new("t.toml"))
        .expect_err("unknown key")
        .to_string();
    assert!(e.contains("cooldown_seconds"), "{e}");
    let e = switchboard::config::parse("[ui]\nascii = \"yes\"\n", Path::new("t.toml"))
        .expect_err("not a bool")
        .to_string();
    assert!(e.contains("ui.ascii"), "{e}");
}
