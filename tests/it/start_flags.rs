//! Start flags for wall screens: `--pane`, `--scope provider[/account]`, `--filter`,
//! `--no-hints` and `[ui] start_pane`; headless against the Cloudonix simulator, and end to
//! end in tmux with the demo.

use crate::support;

use std::path::Path;
use std::time::Duration;

use clap::Parser;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use switchboard::action::Action;
use switchboard::app::{Console, Screen, StartOptions};
use switchboard::cli::Cli;
use switchboard::config::{self, Config};
use switchboard::model::{ProviderId, Resource};
use switchboard::state::StartView;
use switchboard::state::table::Scope;
use switchboard::theme::Theme;
use tokio_util::sync::CancellationToken;

use support::tmux::{Tmux, bin};

fn view_of(args: &[&str], toml: &str) -> StartView {
    let cli = Cli::try_parse_from(args).expect("parses");
    let cfg = config::parse(toml, Path::new("<test>"))
        .expect("valid")
        .config;
    cli.start_view(&cfg)
}

/// `--pane` beats `[ui] start_pane`, which beats Live calls; the other flags pass as given.
#[test]
fn flags_and_start_pane_make_the_start_view() {
    let ui = "[ui]\nstart_pane = \"numbers\"\n";
    assert_eq!(view_of(&["switchboard"], ""), StartView::default());
    assert_eq!(view_of(&["switchboard"], ui).pane, Some(Resource::Numbers));
    let v = view_of(
        &[
            "switchboard",
            "--pane",
            "queues",
            "--scope",
            "pbx/42",
            "--filter",
            "!busy",
            "--no-hints",
        ],
        ui,
    );
    assert_eq!(
        v,
        StartView {
            pane: Some(Resource::Queues),
            scope: Some("pbx/42".into()),
            filter: Some("!busy".into()),
            hints: false,
        }
    );
    let e = Cli::try_parse_from(["switchboard", "--pane", "trunk"]).unwrap_err();
    assert!(e.to_string().contains("possible values"), "{e}");
}

fn screen_text(console: &Console, size: (u16, u16)) -> String {
    let mut term = Terminal::new(TestBackend::new(size.0, size.1)).expect("terminal");
    term.draw_state(&console.state, &console.theme)
        .expect("draws");
    let buf = term.backend().buffer();
    let mut out = String::new();
    for y in 0..size.1 {
        for x in 0..size.0 {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// Two providers on one simulator: the console opens on Trunks, narrowed to one account
/// of the first (named in another case), filtered, without key hints.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_opens_on_the_pane_scope_and_filter() {
    let sims = support::sims(41, |o| o.cloudonix.rate_limit_requests = 1000).await;
    let cx = &sims.cloudonix;
    let first = support::cloudonix_config(&cx.base_url, &cx.customer_key);
    let mut second = first.clone();
    second.name = "other".into();
    let cfg = Config {
        providers: vec![first.clone(), second],
        ..Config::default()
    };
    // An account with trunks, and a word from one trunk's name to filter by.
    let one = Config {
        providers: vec![first],
        ..Config::default()
    };
    let snaps = switchboard::snapshot::collect(&one).await;
    let trunk = snaps[0]
        .trunks
        .first()
        .expect("the simulator has trunks")
        .clone();
    let account = trunk.account.clone();
    let view = StartView {
        pane: Some(Resource::Trunks),
        scope: Some(format!("CX/{account}")),
        filter: Some(trunk.name.clone()),
        hints: false,
    };
    let cancel = CancellationToken::new();
    let opts = StartOptions {
        view,
        ..StartOptions::default()
    };
    let mut console = Console::start(&cfg, Theme::default(), opts, cancel.clone());
    console.apply(Action::Resize(120, 30));
    let loaded = console
        .pump_until(Duration::from_secs(20), |s| {
            let rows = &s.tables.trunks.rows;
            rows.iter()
                .any(|r| r.provider == ProviderId(0) && r.account == account)
                && rows.iter().any(|r| r.provider == ProviderId(1))
        })
        .await;
    assert!(loaded, "both providers' trunks arrive");
    let s = &console.state;
    assert_eq!(s.focus, Resource::Trunks);
    assert_eq!(
        s.scope,
        Some(Scope {
            provider: ProviderId(0),
            account: Some(account.clone()),
        })
    );
    assert_eq!(s.filter_input.value(), trunk.name);
    let t = &s.tables.trunks;
    assert_eq!(t.filter, trunk.name);
    let shown: Vec<_> = t.view.iter().map(|&i| &t.rows[i as usize]).collect();
    assert!(shown.iter().any(|r| r.id == trunk.id), "the trunk is shown");
    for r in &shown {
        assert_eq!(
            (r.provider, r.account.as_str()),
            (ProviderId(0), account.as_str())
        );
        assert!(format!("{r:?}").contains(&trunk.name), "{r:?}");
    }
    let screen = screen_text(&console, (120, 30));
    assert!(screen.contains(&trunk.name), "{screen}");
    assert!(screen.contains("scope cx/"), "{screen}");
    assert!(!screen.contains("? help"), "key hints hidden:\n{screen}");

    // Without --no-hints the hints are there (the test above can fail).
    console.state.hints = true;
    assert!(screen_text(&console, (120, 30)).contains("? help"));
    cancel.cancel();
}

/// A scope naming no provider is said on the message line (headless) and stops the
/// binary before it takes the terminal (exit 2), naming the configured providers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_scope_is_refused() {
    let cfg = Config {
        providers: vec![support::cloudonix_config(
            "http://127.0.0.1:9",
            "XI-key-000000000",
        )],
        ..Config::default()
    };
    let cancel = CancellationToken::new();
    let opts = StartOptions {
        view: StartView {
            scope: Some("nope".into()),
            ..StartView::default()
        },
        ..StartOptions::default()
    };
    let console = Console::start(&cfg, Theme::default(), opts, cancel.clone());
    let message = console.state.message.as_ref().map(|m| m.text.clone());
    assert_eq!(
        message.as_deref(),
        Some("--scope nope: no provider named \"nope\" (configured: cx)")
    );
    assert_eq!(console.state.scope, None);
    cancel.cancel();

    let home = std::env::temp_dir().join(format!(
        "sb-scope-{}-{}",
        std::process::id(),
        support::unique()
    ));
    std::fs::create_dir_all(&home).expect("home");
    let path = home.join("config.toml");
    std::fs::write(
        &path,
        "[[provider]]\nname = \"cx\"\nkind = \"cloudonix\"\nbase_url = \"http://127.0.0.1:9\"\napi_key = \"env:SB_UNUSED\"\n",
    )
    .expect("config");
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args([
            "--config",
            path.to_str().expect("utf-8"),
            "--scope",
            "nope/1",
        ])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", &home)
        .env("SB_UNUSED", "XI-unused-key-123")
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim_end(),
        "switchboard: --scope nope/1: no provider named \"nope\" (configured: cx)"
    );
    let _ = std::fs::remove_dir_all(&home);
}

/// A wall screen in a real terminal: the demo opens on Trunks (its tab highlighted),
/// narrowed to one provider, filtered to udp, with no key hints.
#[test]
fn e2e_start_flags_open_the_right_pane_scope_and_filter() {
    let t = Tmux::start_sized("start-flags", "bash --norc --noprofile", 120, 30);
    t.wait_for("a shell prompt", Duration::from_secs(10), |s| {
        s.contains('$')
    });
    t.send(&[
        &format!(
            "{} --demo --pane trunks --scope cloudonix-demo --filter udp --no-hints",
            bin()
        ),
        "Enter",
    ]);
    let rows = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| l.contains("203.0.113."))
            .map(str::to_string)
            .collect()
    };
    let screen = t.wait_for("the scoped trunks", Duration::from_secs(30), |s| {
        s.contains("┌ Trunks") && !rows(s).is_empty()
    });
    assert!(
        screen
            .lines()
            .any(|l| l.starts_with("┌ Trunks") && l.contains("/ udp")),
        "{screen}"
    );
    assert!(
        screen
            .lines()
            .next()
            .is_some_and(|l| l.trim_end().ends_with("scope cloudonix-demo")),
        "{screen}"
    );
    for row in rows(&screen) {
        assert!(row.contains("cloudonix-d") && row.contains("udp"), "{row}");
    }
    assert!(!screen.contains("? help"), "{screen}");
    // The Trunks tab is the highlighted one.
    let styled = t.capture_styled();
    let tabs = styled.lines().next().unwrap_or_default();
    let at = tabs.find(" 4 Trunks ").expect("a Trunks tab");
    assert!(tabs[..at].ends_with('m'), "Trunks tab not styled: {tabs:?}");
    assert!(
        !tabs.contains("m 2 Live calls"),
        "Live calls styled: {tabs:?}"
    );
    t.send(&["q"]);
    t.wait_for("the shell again", Duration::from_secs(10), |s| {
        !s.contains("┌ Trunks") && s.trim_end().ends_with('$')
    });
    t.assert_terminal_usable();
}
