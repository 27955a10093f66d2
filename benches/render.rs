//! Frame build time of the live-calls pane at 200x50 (accounts tree alongside) with 100,
//! 10,000 and 100,000 live calls. Only the visible window is built, so the three should
//! cost the same. Each iteration is a full `Terminal::draw`: render, diff, flush to a
//! `TestBackend`; `full_repaint` clears first, so every cell is rewritten (resize, view switch).

use divan::Bencher;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use switchboard::model::{
    Account, AccountKind, Call, CallState, Capabilities, Direction, ProviderId, ProviderKind,
    Resource,
};
use switchboard::providers::{JobKey, JobKind};
use switchboard::state::columns::AccountRow;
use switchboard::state::table::Ctx;
use switchboard::state::{BudgetView, ConnState, JobStatus, ProviderState, State};
use switchboard::theme::Theme;
use switchboard::ui;

const NOW: i64 = 1_700_000_000_000;
const SIZE: (u16, u16) = (200, 50);

fn main() {
    divan::main();
}

fn provider(id: u16, name: &str) -> ProviderState {
    let caps = Resource::ALL
        .iter()
        .fold(Capabilities::new(), |c, &r| c.with(r));
    let mut p = ProviderState::new(ProviderId(id), name, ProviderKind::Cloudonix, caps);
    for kind in [JobKind::Accounts, JobKind::Calls] {
        p.jobs.insert(
            JobKey {
                kind,
                scope: String::new(),
            },
            JobStatus {
                last_ok_ms: Some(NOW - 2_000),
                last_error: None,
                last_seq: 1,
                stale_after_ms: 30_000,
            },
        );
    }
    p.conn = ConnState::Ok;
    p.last_ok_ms = Some(NOW - 2_000);
    p.budget = BudgetView {
        remaining: 7,
        limit: 9,
        window_s: 10,
        scopes: 1,
        throttled: 0,
        ..BudgetView::default()
    };
    p
}

fn state(n: usize) -> State {
    let mut s = State::new(vec![provider(0, "cx-demo"), provider(1, "vc-prod")], NOW);
    s.tz = jiff::tz::TimeZone::UTC;
    let names = s.provider_names.clone();
    let tz = s.tz.clone();
    let ctx = Ctx {
        now_ms: NOW,
        provider_names: &names,
        tz: &tz,
        thresholds: Default::default(),
    };
    let states = [CallState::Ringing, CallState::InCall, CallState::Setup];
    for p in 0..2u16 {
        let calls = (0..n / 2 + (n % 2) * usize::from(p == 0))
            .map(|i| Call {
                provider: ProviderId(p),
                account: format!("domain-{}.example.net", i % 40).into(),
                account_name: Default::default(),
                id: format!("call-{p}-{i}").into(),
                from: format!("+44207946{i:06}").into(),
                to: format!("+61293{i:06}").into(),
                direction: if i % 2 == 0 {
                    Direction::Inbound
                } else {
                    Direction::Outbound
                },
                state: states[i % 3].clone(),
                started_at_ms: Some(NOW - 1_000 * (i as i64 % 7_200)),
                answered_at_ms: None,
                ended_at_ms: None,
                extra: Default::default(),
            })
            .collect();
        s.tables
            .live
            .replace_slice(ProviderId(p), None, calls, &ctx);
        let accounts = (0..20)
            .map(|i| AccountRow {
                account: Account {
                    provider: ProviderId(p),
                    id: format!("domain-{i}.example.net"),
                    name: format!("domain-{i}.example.net"),
                    parent: None,
                    kind: AccountKind::Domain,
                    active: Some(true),
                    extra: Default::default(),
                },
                depth: 1,
                order: i,
                collapsed: false,
                hidden: false,
                parent_name: String::new(),
            })
            .collect();
        s.tables
            .accounts
            .replace_slice(ProviderId(p), None, accounts, &ctx);
    }
    // Selection in the middle of the table, as while scrolling.
    let h = ui::table_height(SIZE);
    s.tables.live.move_by((n / 2) as isize, h);
    s.focus = Resource::LiveCalls;
    s
}

#[divan::bench(args = [100, 10_000, 100_000])]
fn draw_live_calls(bencher: Bencher, n: usize) {
    let state = state(n);
    let theme = Theme::default();
    let mut terminal = Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).unwrap();
    bencher.bench_local(|| {
        terminal
            .draw(|f| ui::render(f, &state, &theme))
            .map(|_| ())
            .unwrap();
    });
}

#[divan::bench(args = [100, 10_000, 100_000])]
fn full_repaint(bencher: Bencher, n: usize) {
    let state = state(n);
    let theme = Theme::default();
    let mut terminal = Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).unwrap();
    bencher.bench_local(|| {
        // `clear` forces a full repaint; the diff then finds every cell changed.
        terminal.clear().unwrap();
        terminal
            .draw(|f| ui::render(f, &state, &theme))
            .map(|_| ())
            .unwrap();
    });
}

/// One keystroke in the `/` filter: the whole view is rebuilt (every row matched).
#[divan::bench(args = [10_000, 100_000])]
fn filter_keystroke(bencher: Bencher, n: usize) {
    let mut state = state(n);
    let names = state.provider_names.clone();
    let tz = state.tz.clone();
    let mut flip = false;
    bencher.bench_local(|| {
        let ctx = Ctx {
            now_ms: NOW,
            provider_names: &names,
            tz: &tz,
            thresholds: Default::default(),
        };
        flip = !flip;
        let needle = if flip { "2079460" } else { "20794600" };
        state.tables.live.set_filter(needle, &ctx);
    });
}

/// `S`: reverse the sort of the whole table.
#[divan::bench(args = [10_000, 100_000])]
fn sort_reverse(bencher: Bencher, n: usize) {
    let mut state = state(n);
    let names = state.provider_names.clone();
    let tz = state.tz.clone();
    bencher.bench_local(|| {
        let ctx = Ctx {
            now_ms: NOW,
            provider_names: &names,
            tz: &tz,
            thresholds: Default::default(),
        };
        state.tables.live.sort_reverse(&ctx);
    });
}
