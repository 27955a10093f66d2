//! Shared by the issue-17 console tests: a state with providers, calls, a drawn screen.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use switchboard::action::{Action, Fetched};
use switchboard::model::Resource;
use switchboard::model::{Call, CallState, Capabilities, Direction, ProviderId, ProviderKind};
use switchboard::providers::{FetchData, JobKey, JobKind};
use switchboard::state::{ProviderState, State};
use switchboard::theme::Theme;

pub const NOW: i64 = 1_700_000_000_000;

pub fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn all_caps() -> Capabilities {
    Resource::ALL
        .iter()
        .fold(Capabilities::new(), |c, &r| c.with(r))
}

pub fn state(names: &[&str]) -> State {
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

/// Provider `p`'s poll of `kind` (no scope) read at `NOW`.
pub fn fetched(p: u16, seq: u64, kind: JobKind, data: FetchData) -> Action {
    Action::Fetched(Box::new(Fetched {
        requests: 1,
        provider: ProviderId(p),
        epoch: 0,
        seq,
        job: JobKey {
            kind,
            scope: String::new(),
        },
        at_ms: NOW,
        stale_after_ms: 30_000,
        result: Ok(data),
    }))
}

pub fn call(i: usize, from: &str) -> Call {
    let started = NOW - 1_000 * (30 + 7 * i as i64);
    Call {
        provider: ProviderId(0),
        account: "acme".into(),
        account_name: Default::default(),
        id: format!("call-{i}").into(),
        from: from.into(),
        to: format!("+61293741{i:03}").into(),
        direction: Direction::Inbound,
        state: CallState::Ringing,
        started_at_ms: Some(started),
        answered_at_ms: None,
        ended_at_ms: None,
        extra: Default::default(),
    }
}

pub fn screen(s: &State, (w, h): (u16, u16)) -> Vec<String> {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    t.draw(|f| switchboard::ui::render(f, s, &Theme::default()))
        .expect("draw");
    let buf = t.backend().buffer();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect())
        .collect()
}

pub fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("sb-ux-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
