//! The Queues pane with VoIPcloud statistics (and an IOVOX-style row) whose abandon rates
//! cross the warning and critical thresholds, and the long-window budget in the status bar.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use switchboard::model::{Capabilities, ProviderId, ProviderKind, QueueStat, Resource};
use switchboard::providers::{JobKey, JobKind};
use switchboard::state::table::Ctx;
use switchboard::state::{BudgetView, ConnState, JobStatus, ProviderState, State};
use switchboard::stats::{self, GroupCallRecord, Outcome, StatsWindow};
use switchboard::theme::Theme;
use switchboard::ui;

const NOW: i64 = 1_700_000_000_000;
const MIN: i64 = 60_000;

fn caps() -> Capabilities {
    [
        Resource::Accounts,
        Resource::LiveCalls,
        Resource::CallHistory,
        Resource::Queues,
    ]
    .iter()
    .fold(Capabilities::new(), |c, &r| c.with(r))
}

/// `answered`, `abandoned`, `timed out` calls for `group`, one a minute back from now.
fn traffic(
    group: &str,
    kind: &str,
    answered: u32,
    abandoned: u32,
    timed_out: u32,
) -> Vec<GroupCallRecord> {
    let mut v = Vec::new();
    let outcomes = std::iter::repeat_n(Outcome::Answered, answered as usize)
        .chain(std::iter::repeat_n(Outcome::Abandoned, abandoned as usize))
        .chain(std::iter::repeat_n(Outcome::TimedOut, timed_out as usize));
    for (i, o) in outcomes.enumerate() {
        let start = NOW - (i as i64 % 14 + 1) * MIN;
        let wait = 10_000 + 5_000 * (i as i64 % 4);
        v.push(GroupCallRecord {
            id: format!("{group}-{i}"),
            group: group.into(),
            kind: kind.into(),
            started_ms: start,
            answered_ms: (o == Outcome::Answered).then_some(start + wait),
            finished_ms: Some(start + wait + if o == Outcome::Answered { 90_000 } else { 0 }),
            agent: (o == Outcome::Answered).then(|| ["alice", "bruno", "chen"][i % 3].to_string()),
            outcome: o,
        });
    }
    v
}

fn state() -> State {
    let mut p = ProviderState::new(ProviderId(0), "vc-pbx", ProviderKind::Voipcloud, caps());
    for kind in [JobKind::Accounts, JobKind::Calls, JobKind::Stats] {
        p.jobs.insert(
            JobKey {
                kind,
                scope: String::new(),
            },
            JobStatus {
                last_ok_ms: Some(NOW - 2_000),
                last_error: None,
                last_seq: 1,
                stale_after_ms: 600_000,
            },
        );
    }
    p.conn = ConnState::Ok;
    p.last_ok_ms = Some(NOW - 2_000);
    p.budget = BudgetView {
        remaining: 27,
        limit: 90,
        window_s: 900,
        scopes: 1,
        throttled: 0,
        used: 63,
        documented: 100,
        resets_in_s: 400,
        next_refresh_s: [Some(12), Some(25)],
    };
    let mut s = State::new(vec![p], NOW);
    s.tz = jiff::tz::TimeZone::UTC;
    let mut records = traffic("sales", "queue", 19, 1, 0); // 5 %: normal
    records.extend(traffic("support", "queue", 16, 3, 1)); // 15 %: warning
    records.extend(traffic("reception", "ring group", 6, 3, 1)); // 30 %: critical
    let mut rows = stats::compute(
        ProviderId(0),
        "vc-pbx",
        &records,
        StatsWindow::Min15,
        NOW,
        NOW - 10 * 60 * MIN,
    );
    // An IOVOX-style daily row: no total, no series; 25 % abandoned.
    rows.push(QueueStat {
        provider: ProviderId(0),
        account: "vc-pbx".into(),
        account_name: Default::default(),
        name: "iovox-daily".into(),
        kind: "call metrics".into(),
        answered: Some(30),
        abandoned: Some(10),
        avg_call_s: Some(140),
        avg_talk_s: Some(120),
        period: "2023-11-13".into(),
        ..QueueStat::default()
    });
    let ctx = Ctx {
        now_ms: NOW,
        provider_names: &["vc-pbx".to_string()],
        tz: &jiff::tz::TimeZone::UTC,
        thresholds: stats::Thresholds::default(),
    };
    s.tables
        .queues
        .replace_slice(ProviderId(0), None, rows, &ctx);
    s.focus = Resource::Queues;
    s
}

fn draw(state: &State, (w, h): (u16, u16)) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui::render(f, state, &Theme::default())).unwrap();
    t
}

fn find(buf: &Buffer, text: &str) -> Option<(u16, u16)> {
    let a = buf.area;
    for y in a.top()..a.bottom() {
        let row: String = (a.left()..a.right())
            .map(|x| buf[(x, y)].symbol())
            .collect();
        if let Some(i) = row.find(text) {
            // Column of the byte offset (the rows here are ASCII up to the name).
            let x = row[..i].chars().count() as u16;
            return Some((x, y));
        }
    }
    None
}

#[test]
fn stats_pane_with_thresholds_crossed() {
    let s = state();
    for size in [(120, 30), (200, 50)] {
        let t = draw(&s, size);
        insta::assert_snapshot!(
            format!("voipcloud_queues_{}x{}", size.0, size.1),
            t.backend()
        );
    }
    let t = draw(&s, (200, 50));
    let buf = t.backend().buffer();
    let theme = Theme::default();
    let fg_of = |name: &str| {
        let (x, y) = find(buf, name).unwrap_or_else(|| panic!("{name} on screen"));
        buf[(x, y)].fg
    };
    assert_eq!(
        fg_of("support"),
        theme.warn.fg.unwrap(),
        "15 % ≥ 10 %: warning"
    );
    assert_eq!(
        fg_of("reception"),
        theme.error.fg.unwrap(),
        "30 % ≥ 20 %: critical"
    );
    assert_eq!(
        fg_of("iovox-daily"),
        theme.error.fg.unwrap(),
        "any QueueStat is graded"
    );
    assert_ne!(fg_of("sales"), theme.warn.fg.unwrap());
    assert_ne!(fg_of("sales"), theme.error.fg.unwrap());
    // The long-window budget and the next refreshes.
    assert!(
        find(
            buf,
            "budget 63/100, window resets in 7 min · calls 20s · stats 30s"
        )
        .is_some()
    );
}

#[test]
fn system_status_reaches_the_status_bar() {
    use switchboard::model::{Account, AccountKind};
    use switchboard::state::columns::AccountRow;
    let mut s = state();
    let row = |status: &str| AccountRow {
        account: Account {
            provider: ProviderId(0),
            id: "vc-pbx".into(),
            name: "vc-pbx".into(),
            parent: None,
            kind: AccountKind::Domain,
            active: Some(false),
            extra: vec![("system status".into(), status.into())].into(),
        },
        depth: 0,
        order: 0,
        collapsed: false,
        hidden: false,
        parent_name: String::new(),
    };
    let ctx_names = ["vc-pbx".to_string()];
    let tz = jiff::tz::TimeZone::UTC;
    let ctx = Ctx {
        now_ms: NOW,
        provider_names: &ctx_names,
        tz: &tz,
        thresholds: stats::Thresholds::default(),
    };
    s.tables
        .accounts
        .replace_slice(ProviderId(0), None, vec![row("major outage")], &ctx);
    let t = draw(&s, (200, 50));
    let buf = t.backend().buffer();
    let (x, y) = find(buf, "system major outage").expect("status in the status bar");
    assert_eq!(buf[(x, y)].fg, Theme::default().warn.fg.unwrap());
    s.tables
        .accounts
        .replace_slice(ProviderId(0), None, vec![row("operational")], &ctx);
    let t = draw(&s, (200, 50));
    assert!(find(t.backend().buffer(), "system ok").is_some());
}
