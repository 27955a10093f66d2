//! The attached console (`switchboard --connect`): a headless console fed by a real
//! collector over HTTP shows the collector's rows and makes no provider request; a
//! dropped link keeps the rows, marked stale, until the collector is back; a wrong token
//! is said without the token.

use crate::serve::{sims_config, temp_dir};
use crate::support;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use switchboard::app::{Console, Screen, StartOptions};
use switchboard::attach::client::{AttachOptions, Link};
use switchboard::config::Config;
use switchboard::model::Resource;
use switchboard::secret::Secret;
use switchboard::serve::{self, Serve, ServeOptions};
use switchboard::sim::RunningSims;
use switchboard::state::State;
use switchboard::theme::Theme;
use tokio_util::sync::CancellationToken;

async fn serve_at(cfg: &Config, dir: &Path, addr: SocketAddr) -> Serve {
    let opts = ServeOptions::new(addr, dir.to_path_buf());
    serve::start(cfg, opts, CancellationToken::new())
        .await
        .expect("serve starts")
}

fn attached(url: &str, token: Option<&str>) -> Console {
    let mut feed = AttachOptions::new(url, token.map(Secret::new));
    feed.backoff_min = Duration::from_millis(100);
    feed.backoff_max = Duration::from_millis(400);
    Console::attach(
        feed,
        Theme::default(),
        StartOptions::default(),
        CancellationToken::new(),
    )
}

fn sim_requests(sims: &RunningSims) -> usize {
    sims.cloudonix.requests().len()
        + sims.voipcloud.requests().len()
        + sims.iovox.requests().len()
        + sims.callable.requests().len()
        + sims.provoice.requests().len()
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

fn link(s: &State) -> Option<&Link> {
    s.attached.as_ref().map(|a| &a.link)
}

/// Call ids of the live calls pane, sorted.
fn ids(rows: impl Iterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = rows.collect();
    v.sort();
    v
}

/// The account tree as shown: provider, id, depth, in order (one root per provider).
fn accounts(rows: &[switchboard::state::columns::AccountRow]) -> Vec<(u16, String, usize)> {
    rows.iter()
        .map(|r| (r.account.provider.0, r.account.id.clone(), r.depth as usize))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attached_console_shows_the_collectors_rows_and_asks_no_provider() {
    let sims = support::sims(91, |_| {}).await;
    let cfg = sims_config(&sims);
    let dir = temp_dir("attach-console");
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    // No collector yet: the console says so and keeps trying; nobody asks a provider.
    let mut console = attached(&format!("http://{addr}"), None);
    let down = console
        .pump_until(Duration::from_secs(10), |s| {
            matches!(link(s), Some(Link::Down { .. }))
        })
        .await;
    assert!(down, "down at start");
    let text = screen_text(&console, (160, 30));
    assert!(
        text.contains(&format!("via collector {addr}")) && text.contains("down: cannot connect"),
        "{text}"
    );
    assert_eq!(sim_requests(&sims), 0, "the console never polls a provider");

    let serve = serve_at(&cfg, &dir, addr).await;
    let live = console
        .pump_until(Duration::from_secs(30), |s| {
            link(s) == Some(&Link::Live)
                && !s.tables.live.rows.is_empty()
                && !s.tables.trunks.rows.is_empty()
        })
        .await;
    assert!(live, "live with calls and trunks");
    assert_eq!(console.state.providers.len(), cfg.providers.len());
    // The same rows as the collector at the same revision.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        console
            .pump_until(Duration::from_millis(50), |_| false)
            .await;
        let (theirs_live, theirs_trunks, theirs_accounts) = {
            let c = serve.shared.lock().unwrap();
            let t = &c.state.tables;
            (
                ids(t
                    .live
                    .rows
                    .iter()
                    .map(|r| format!("{}/{}", r.provider.0, r.id))),
                ids(t
                    .trunks
                    .rows
                    .iter()
                    .map(|r| format!("{}/{}", r.provider.0, r.id))),
                accounts(&t.accounts.rows),
            )
        };
        let t = &console.state.tables;
        let ours_live = ids(t
            .live
            .rows
            .iter()
            .map(|r| format!("{}/{}", r.provider.0, r.id)));
        let ours_trunks = ids(t
            .trunks
            .rows
            .iter()
            .map(|r| format!("{}/{}", r.provider.0, r.id)));
        let ours_accounts = accounts(&t.accounts.rows);
        if ours_live == theirs_live
            && ours_trunks == theirs_trunks
            && ours_accounts == theirs_accounts
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never the collector's rows: {ours_live:?} vs {theirs_live:?}; accounts {} vs {}",
            ours_accounts.len(),
            theirs_accounts.len()
        );
    }
    let text = screen_text(&console, (160, 30));
    assert!(
        text.contains(&format!("via collector {addr} · live")),
        "{text}"
    );
    // An open collector (no tokens) lets every console change things: nothing greys
    // trunk changes on account of the attachment.
    console.state.focus = Resource::Trunks;
    let reason = console
        .state
        .read_only_reason(switchboard::model::ProviderId(0));
    assert_eq!(reason, None);
    assert_eq!(console.state.command_ctx().attached, None);

    // The operator's place in a pane: the third trunk.
    for _ in 0..2 {
        console.apply(switchboard::action::Action::Key(
            ratatui::crossterm::event::KeyEvent::from(ratatui::crossterm::event::KeyCode::Char(
                'j',
            )),
        ));
    }
    let picked = console
        .state
        .tables
        .trunks
        .selected_row()
        .map(|t| (t.provider, t.id.clone()));
    assert!(picked.is_some());

    // The collector stops: rows stay, marked stale; still no provider request.
    let rows = console.state.tables.live.rows.len();
    serve.shutdown().await.unwrap();
    let before = sim_requests(&sims);
    let dropped = console
        .pump_until(Duration::from_secs(10), |s| {
            matches!(link(s), Some(Link::Down { .. }))
        })
        .await;
    assert!(dropped, "down after the drop");
    console
        .pump_until(Duration::from_millis(800), |_| false)
        .await;
    assert_eq!(console.state.tables.live.rows.len(), rows, "rows kept");
    let first = &console.state.tables.live.rows[0];
    assert!(
        console
            .state
            .is_stale(first.provider, Resource::LiveCalls, &first.account),
        "marked stale"
    );
    assert_eq!(sim_requests(&sims), before, "no fallback to polling");

    // Back: live again, fresh.
    let serve = serve_at(&cfg, &dir, addr).await;
    let back = console
        .pump_until(Duration::from_secs(30), |s| link(s) == Some(&Link::Live))
        .await;
    assert!(back, "live again after the restart");
    // The new collector's snapshot (a resync) leaves the selection where it was.
    assert_eq!(
        console
            .state
            .tables
            .trunks
            .selected_row()
            .map(|t| (t.provider, t.id.clone())),
        picked,
        "the selection survives the resync"
    );
    let first = &console.state.tables.live.rows[0];
    assert!(
        !console
            .state
            .is_stale(first.provider, Resource::LiveCalls, &first.account)
    );
    serve.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_is_said_on_screen_without_the_token() {
    let dir = temp_dir("attach-console-token");
    let file = dir.join("tokens.toml");
    serve::tokens::add(&file, "v", serve::tokens::Role::Viewer).unwrap();
    let cfg = switchboard::config::parse("", Path::new("<empty>"))
        .unwrap()
        .config;
    let mut opts = ServeOptions::new("127.0.0.1:0".parse().unwrap(), dir.clone());
    opts.tokens = file;
    let serve = serve::start(&cfg, opts, CancellationToken::new())
        .await
        .unwrap();
    let wrong = "sbt_wrong_token_value_0123456789";
    let mut console = attached(&format!("http://{}", serve.addr), Some(wrong));
    let refused = console
        .pump_until(
            Duration::from_secs(10),
            |s| matches!(link(s), Some(Link::Down { error, .. }) if error.contains("401")),
        )
        .await;
    assert!(refused, "refused");
    let text = screen_text(&console, (200, 30));
    assert!(text.contains("refused the token"), "{text}");
    assert!(!text.contains(wrong), "{text}");
    serve.shutdown().await.unwrap();
}

async fn run_bin(home: &Path, args: &[&str], token: Option<&str>) -> std::process::Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchboard"));
    cmd.args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home);
    if let Some(t) = token {
        cmd.env("SWITCHBOARD_TOKEN", t);
    }
    cmd.output().await.expect("binary runs")
}

/// `switchboard snapshot --connect`: the collector's rows in the local mode's output,
/// one request to the collector and none to a provider; a refused token exits 1 and
/// says so without the token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_connect_prints_the_collectors_rows() {
    let sims = support::sims(94, |_| {}).await;
    let cfg = sims_config(&sims);
    let dir = temp_dir("attach-snapshot");
    let file = dir.join("tokens.toml");
    let viewer = serve::tokens::add(&file, "v", serve::tokens::Role::Viewer).unwrap();
    let mut opts = ServeOptions::new("127.0.0.1:0".parse().unwrap(), dir.clone());
    opts.tokens = file;
    let serve = serve::start(&cfg, opts, CancellationToken::new())
        .await
        .unwrap();
    let url = format!("http://{}", serve.addr);
    // Wait for the collector's trunks (they do not move while it runs).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let trunks = loop {
        let t = {
            let c = serve.shared.lock().unwrap();
            let ready = c.state.providers.iter().all(|p| p.last_ok_ms.is_some());
            ready.then(|| ids(c.state.tables.trunks.rows.iter().map(|r| r.id.clone())))
        };
        if let Some(t) = t.filter(|t| !t.is_empty()) {
            break t;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the collector's trunks"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    // No config file in this HOME: the script knows no provider to poll, so every
    // provider and row it prints came from the collector.
    assert!(!home.join(".config/switchboard/config.toml").exists());
    let out = run_bin(
        &home,
        &["snapshot", "--connect", &url, "--output", "json"],
        Some(&viewer),
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
    let providers = doc["providers"].as_array().expect("providers");
    let names: Vec<&str> = providers
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    let want: Vec<&str> = cfg.providers.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, want);
    let printed = ids(providers
        .iter()
        .flat_map(|p| p["trunks"].as_array().cloned().unwrap_or_default())
        .filter_map(|t| t["id"].as_str().map(str::to_string)));
    assert_eq!(printed, trunks);
    assert!(providers.iter().all(|p| p["status"] == "ok"), "{stdout}");
    // A wrong token: exit 1, said, never printed.
    let wrong = "sbt_not_a_token_0123456789abcdef";
    let out = run_bin(
        &home,
        &["snapshot", "--connect", &url, "--token", wrong],
        None,
    )
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("refused the token (401)"), "{stderr}");
    assert!(!stderr.contains(wrong) && !String::from_utf8_lossy(&out.stdout).contains(wrong));
    serve.shutdown().await.unwrap();
}
