//! The console in local mode keeps its call history in `<state dir>/history.sqlite`: a
//! real `Console` against the simulators writes every finished call it sees; restarted
//! with every provider unreachable, its History pane still shows them (read from the
//! store, off the UI loop). A damaged file is said on the message bar and the console
//! runs on without history.

use crate::support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use switchboard::action::Action;
use switchboard::app::{Console, StartOptions};
use switchboard::config::{self, Config};
use switchboard::store::Store;
use switchboard::theme::Theme;
use tokio_util::sync::CancellationToken;

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "sb-hist-{tag}-{}-{}",
        std::process::id(),
        support::unique()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn console(cfg: &Config, dir: &Path, cancel: &CancellationToken) -> Console {
    let opts = StartOptions {
        state_dir: Some(dir.to_path_buf()),
        ..StartOptions::default()
    };
    let mut c = Console::start(cfg, Theme::default(), opts, cancel.child_token());
    c.apply(Action::Resize(160, 40));
    c
}

/// (provider name, call id) of every stored call that started in the last `days`.
fn stored(dir: &Path, days: i64) -> BTreeSet<(String, String)> {
    let Ok(store) = Store::open_in(dir) else {
        return BTreeSet::new();
    };
    let since = switchboard::clock::epoch_ms() - days * 86_400_000;
    store
        .recent(None, since, 1_000_000)
        .unwrap_or_default()
        .into_iter()
        .map(|r| (r.provider, r.id))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_from_a_previous_run_shows_after_a_restart_without_any_provider() {
    let sims = support::sims(51, |_| {}).await;
    let cfg = config::parse(&sims.config_toml(), Path::new("<sims>"))
        .expect("the simulators' config parses")
        .config;
    let dir = temp_dir("restart");

    // First run: the providers answer; finished calls reach the store.
    let cancel = CancellationToken::new();
    let mut first = console(&cfg, &dir, &cancel);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut last = BTreeSet::new();
    loop {
        first
            .pump_until(Duration::from_millis(300), |_| false)
            .await;
        let now = stored(&dir, 7);
        // Every provider with history has written, and nothing new arrived lately.
        let providers: BTreeSet<&String> = now.iter().map(|(p, _)| p).collect();
        if providers.len() >= 3 && now == last {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "history not stored: {} calls of {providers:?}",
            now.len()
        );
        last = now;
    }
    cancel.cancel();
    drop(first);
    let written = stored(&dir, 7);
    assert!(written.len() > 10, "{written:?}");

    // Second run: every provider unreachable. The pane shows what the store holds.
    let mut down = cfg.clone();
    for p in &mut down.providers {
        p.base_url = "http://127.0.0.1:9".into();
    }
    let cancel = CancellationToken::new();
    let mut second = console(&down, &dir, &cancel);
    let n = written.len();
    let loaded = second
        .pump_until(Duration::from_secs(10), |s| {
            s.tables.history.rows.len() >= n
        })
        .await;
    let state = &second.state;
    let shown: BTreeSet<(String, String)> = state
        .tables
        .history
        .rows
        .iter()
        .map(|c| {
            (
                state.provider_names[c.provider.0 as usize].clone(),
                c.id.to_string(),
            )
        })
        .collect();
    assert!(loaded, "{} of {n} stored calls shown", shown.len());
    assert!(
        written.is_subset(&shown),
        "missing: {:?}",
        written.difference(&shown)
    );
    assert_eq!(
        state.tables.history.rows.len(),
        shown.len(),
        "a call shown twice"
    );
    // They are the rows the pane lists (not hidden by the view).
    assert_eq!(state.tables.history.view.len(), shown.len());
    // Failed polls take none of them away.
    second.pump_until(Duration::from_secs(2), |_| false).await;
    assert_eq!(second.state.tables.history.rows.len(), shown.len());
    cancel.cancel();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_history_file_is_said_and_the_console_runs_on() {
    let sims = support::sims(52, |_| {}).await;
    let cfg = config::parse(&sims.config_toml(), Path::new("<sims>"))
        .expect("the simulators' config parses")
        .config;
    let dir = temp_dir("damaged");
    std::fs::write(
        dir.join(switchboard::store::FILE_NAME),
        "not a database at all; ".repeat(300),
    )
    .unwrap();
    let cancel = CancellationToken::new();
    let mut c = console(&cfg, &dir, &cancel);
    let said = |s: &switchboard::state::State| {
        s.message
            .as_ref()
            .is_some_and(|m| m.text.contains("history off") && m.text.contains("damaged"))
    };
    assert!(
        c.pump_until(Duration::from_secs(10), said).await,
        "message: {:?}",
        c.state.message
    );
    // Polls go on: live calls and history from the providers still arrive.
    assert!(
        c.pump_until(Duration::from_secs(20), |s| {
            !s.tables.live.rows.is_empty() && !s.tables.history.rows.is_empty()
        })
        .await
    );
    assert!(c.state.stored_history.is_none());
    cancel.cancel();
    let _ = std::fs::remove_dir_all(&dir);
}

/// A stored finished call of provider `p`.
fn record(p: &str, id: &str, from: &str, started_ms: i64) -> switchboard::store::CallRecord {
    switchboard::store::CallRecord {
        provider: p.into(),
        id: id.into(),
        account: "acct".into(),
        from: from.into(),
        to: "+15550009999".into(),
        direction: "in".into(),
        result: "completed".into(),
        started_ms: Some(started_ms),
        answered_ms: Some(started_ms + 1_000),
        ended_ms: Some(started_ms + 60_000),
        fields: Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trace_finds_stored_calls_older_than_the_history_pane_keeps() {
    let dir = temp_dir("trace");
    let now = switchboard::clock::epoch_ms();
    let traced = "+15550101010";
    {
        let mut store = Store::open_in(&dir).expect("store");
        // One old call on the traced number, then 150 newer calls on other numbers.
        let mut rows = vec![record("pbx", "old-1", traced, now - 3 * 86_400_000)];
        rows.extend((0..150).map(|i| {
            record(
                "pbx",
                &format!("new-{i}"),
                "+15550200000",
                now - 3_600_000 + i * 1_000,
            )
        }));
        store.insert_new(&rows).expect("stored");
    }
    let cfg = config::parse(
        "[ui]\nhistory_rows = 100\n\n[[provider]]\nname = \"pbx\"\nkind = \"cloudonix\"\nbase_url = \"http://127.0.0.1:9\"\napi_key = \"XI00000000000000000000000000000000\"\n",
        Path::new("<test>"),
    )
    .expect("parses")
    .config;
    let cancel = CancellationToken::new();
    let mut c = console(&cfg, &dir, &cancel);
    let loaded = c
        .pump_until(Duration::from_secs(10), |s| {
            s.tables.history.rows.len() == 100
        })
        .await;
    assert!(loaded, "the pane keeps the newest 100");
    assert!(
        !c.state.tables.history.rows.iter().any(|r| r.id == "old-1"),
        "the old call is not in the pane"
    );
    let trace = |s: &switchboard::state::State| switchboard::trace::trace(s, traced);
    assert!(
        trace(&c.state).recent_calls.is_empty(),
        "only the pane: nothing"
    );
    // `:trace <number>`, typed: it asks the store; the answer joins the last calls.
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let key = |code| Action::Key(KeyEvent::new(code, KeyModifiers::NONE));
    c.apply(key(KeyCode::Char(':')));
    for ch in format!("trace {traced}").chars() {
        c.apply(key(KeyCode::Char(ch)));
    }
    c.apply(key(KeyCode::Enter));
    let found = c
        .pump_until(Duration::from_secs(10), |s| {
            trace(s).recent_calls.iter().any(|call| call.id == "old-1")
        })
        .await;
    assert!(found, "the stored call shows in the trace");
    cancel.cancel();
}
