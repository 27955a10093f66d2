//! Issue 17, the console half: `:export`, alerts (once per transition, OSC 9 through the
//! frame writer), the help overlay at 80x24 (scrolls, never cuts an entry), embedded
//! themes and ASCII mode.

use crate::support;

use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use switchboard::action::{Action, Fetched};
use switchboard::alerts::{AlertEvent, AlertsConfig, Notify};
use switchboard::app::{Console, StartOptions};
use switchboard::config::Config;
use switchboard::model::Resource;
use switchboard::model::{Call, CallState, Capabilities, Direction, ProviderId, ProviderKind};
use switchboard::providers::{FetchData, JobKey, JobKind, ProviderClient};
use switchboard::sim::Faults;
use switchboard::state::{Overlay, ProviderState, State};
use switchboard::theme::Theme;
use switchboard::update::{apply_data, update};

const NOW: i64 = 1_700_000_000_000;

fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn all_caps() -> Capabilities {
    Resource::ALL
        .iter()
        .fold(Capabilities::new(), |c, &r| c.with(r))
}

fn state(names: &[&str]) -> State {
    let providers = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            ProviderState::new(ProviderId(i as u16), n, ProviderKind::Cloudonix, all_caps())
        })
        .collect();
    let mut s = State::new(providers, NOW);
    s.tz = jiff::tz::TimeZone::UTC;
    s
}

fn call(i: usize, from: &str) -> Call {
    let started = NOW - 1_000 * (30 + 7 * i as i64);
    Call {
        provider: ProviderId(0),
        account: "acme".into(),
        account_name: String::new(),
        id: format!("call-{i}"),
        from: from.into(),
        to: format!("+61293741{i:03}"),
        direction: Direction::Inbound,
        state: CallState::Ringing,
        started_at_ms: Some(started),
        answered_at_ms: None,
        ended_at_ms: None,
        extra: vec![],
    }
}

fn screen(s: &State, (w, h): (u16, u16)) -> Vec<String> {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    t.draw(|f| switchboard::ui::render(f, s, &Theme::default()))
        .expect("draw");
    let buf = t.backend().buffer();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect())
        .collect()
}

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("sb-ux-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[tokio::test]
async fn export_writes_every_filtered_row_in_order_and_y_copies_the_path() {
    let dir = temp_dir("export");
    let opts = StartOptions {
        state_dir: Some(dir.clone()),
        ..StartOptions::default()
    };
    let cancel = tokio_util::sync::CancellationToken::new();
    let mut console = Console::start(&Config::default(), Theme::default(), opts, cancel.clone());
    let mut s = state(&["cx"]);
    // 40 calls: more than a 24-row screen shows; the filter keeps the 20 from +44.
    let live: Vec<Call> = (0..40)
        .map(|i| {
            let from = if i % 2 == 0 {
                format!("+4420794600{i:02}")
            } else {
                format!("+3531555{i:04}")
            };
            call(i, &from)
        })
        .collect();
    apply_data(
        &mut s,
        ProviderId(0),
        "acme",
        FetchData::Calls {
            live,
            history: vec![],
        },
    );
    console.state = s;
    console.apply(Action::Resize(80, 24));
    console.apply(key(KeyCode::Char('/')));
    for c in "+4420".chars() {
        console.apply(key(KeyCode::Char(c)));
    }
    console.apply(key(KeyCode::Enter));
    console.apply(Action::Key(KeyEvent::new(
        KeyCode::Char('s'),
        KeyModifiers::CONTROL,
    )));
    assert!(
        console
            .pump_until(Duration::from_secs(5), |s| s.last_export.is_some())
            .await,
        "no export: {:?}",
        console.state.message
    );
    let path = console.state.last_export.clone().expect("export path");
    assert!(path.starts_with(&dir.display().to_string()), "{path}");
    let msg = console.state.message.clone().expect("message").text;
    assert!(
        msg.contains("exported 20 rows") && msg.contains(&path),
        "{msg}"
    );

    let mut r = csv::Reader::from_path(&path).expect("csv opens");
    let headers = r.headers().expect("headers").clone();
    let from_col = headers
        .iter()
        .position(|h| h == "From")
        .expect("From column");
    let rows: Vec<csv::StringRecord> = r.records().map(|r| r.expect("record")).collect();
    assert_eq!(rows.len(), 20);
    assert!(
        rows.iter().all(|r| r[from_col].starts_with("+4420")),
        "{rows:?}"
    );
    // The pane's order (longest-running first) is the file's order.
    let order: Vec<String> = {
        let t = &console.state.tables.live;
        t.view
            .iter()
            .map(|&i| t.rows[i as usize].from.clone())
            .collect()
    };
    let file_order: Vec<String> = rows.iter().map(|r| r[from_col].to_string()).collect();
    assert_eq!(file_order, order);

    console.apply(key(KeyCode::Char('y')));
    let msg = console.state.message.clone().expect("message").text;
    assert_eq!(msg, format!("copied {path}"));
    assert!(console.state.last_export.is_none());
    cancel.cancel();
    let _ = std::fs::remove_dir_all(&dir);
}

fn fetched(
    seq: u64,
    at_ms: i64,
    result: Result<FetchData, switchboard::providers::ProviderError>,
    job: JobKey,
) -> Action {
    Action::Fetched(Box::new(Fetched {
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
fn help_at_80x24_scrolls_through_every_entry_without_cutting_one() {
    let mut s = state(&["cx"]);
    s.overlay = Some(Overlay::Help);
    let first = screen(&s, (80, 24));
    insta::assert_snapshot!("help_scrollable_80x24", first.join("\n"));
    let max = switchboard::state::help_text::max_scroll(&s);
    assert!(max > 0, "the help is longer than 24 rows");
    let mut text = String::new();
    for scroll in 0..=max {
        s.help_scroll = scroll;
        let lines = screen(&s, (80, 24));
        for l in &lines[1..23] {
            assert!(!l.contains('…'), "cut at scroll {scroll}: {l}");
            text.push_str(l.trim_matches('│').trim());
            text.push(' ');
        }
    }
    let norm = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    let all = norm(&text);
    for c in switchboard::command::COMMANDS.iter() {
        assert!(
            all.contains(&norm(c.description)),
            "{:?} missing",
            c.description
        );
    }
    // Keys move it; it stops at the end.
    s.help_scroll = 0;
    update(&mut s, key(KeyCode::Char('j')));
    assert_eq!(s.help_scroll, 1);
    update(&mut s, key(KeyCode::PageDown));
    assert_eq!(s.help_scroll, 21);
    update(&mut s, key(KeyCode::End));
    assert_eq!(s.help_scroll, max);
    update(&mut s, key(KeyCode::Char('j')));
    assert_eq!(s.help_scroll, max);
    update(&mut s, key(KeyCode::PageUp));
    assert_eq!(s.help_scroll, max - 20);
}

#[test]
fn ascii_mode_draws_only_ascii_symbols() {
    let mut s = state(&["cx", "vc"]);
    let live = vec![call(0, "+442079460000"), call(1, "+353155500001")];
    apply_data(
        &mut s,
        ProviderId(0),
        "acme",
        FetchData::Calls {
            live,
            history: vec![],
        },
    );
    s.providers[0].conn = switchboard::state::ConnState::Ok;
    s.providers[1].conn = switchboard::state::ConnState::Degraded("500".into());
    s.ascii = true;
    let lines = screen(&s, (80, 24));
    insta::assert_snapshot!("ascii_live_80x24", lines.join("\n"));
    assert!(lines.iter().all(|l| l.is_ascii()), "{}", lines.join("\n"));
    assert!(lines.join("\n").contains("~ ringing"));
    s.overlay = Some(Overlay::Help);
    s.help_scroll = u16::MAX;
    let help = screen(&s, (80, 24));
    insta::assert_snapshot!("ascii_help_legend_80x24", help.join("\n"));
    assert!(help.iter().all(|l| l.is_ascii()), "{}", help.join("\n"));
    // The legend's lines fit 80 columns whole.
    assert!(
        help.join("\n").contains("10 s steps, min, h"),
        "{}",
        help.join("\n")
    );
    s.ascii = false;
    assert!(screen(&s, (80, 24)).iter().any(|l| !l.is_ascii()));
}

#[test]
fn shipped_themes_work_from_any_directory_and_a_typo_gets_a_suggestion() {
    assert!(Theme::load("midnight", &[]).is_ok());
    let e = Theme::load("midnigth", &[]).expect_err("unknown");
    assert!(e.contains("did you mean \"midnight\""), "{e}");
    let names: Vec<String> = switchboard::theme::list(&[])
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    for n in ["default", "midnight", "mono"] {
        assert!(names.iter().any(|x| x == n), "{names:?}");
    }
    let mut s = state(&["cx"]);
    switchboard::update::run_command(&mut s, switchboard::command::CommandId::Themes, "");
    let text = screen(&s, (80, 24)).join("\n");
    assert!(
        text.contains("midnight") && text.contains("built in"),
        "{text}"
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
