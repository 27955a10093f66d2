//! Snapshots of every pane in every state at 80x24 and 200x50, overlays, the filter
//! prompt and the small-terminal notice, plus per-cell style checks (snapshots are text
//! only).

use ratatui::Terminal;
use ratatui::backend::{Backend, TestBackend};
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

use switchboard::model::{
    Account, AccountKind, Call, CallState, Capabilities, Direction, Number, ProviderId,
    ProviderKind, QueueStat, Resource, Trunk,
};
use switchboard::providers::{JobKey, JobKind};
use switchboard::state::columns::AccountRow;
use switchboard::state::table::Ctx;
use switchboard::state::{
    BudgetView, ConnState, ErrorKind, Failure, JobStatus, Level, Message, Mode, Overlay,
    ProviderState, State,
};
use switchboard::theme::Theme;
use switchboard::ui;

/// 2023-11-14 22:13:20 UTC.
const NOW: i64 = 1_700_000_000_000;
const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];

fn all_caps() -> Capabilities {
    Resource::ALL
        .iter()
        .fold(Capabilities::new(), |c, &r| c.with(r))
}

fn caps_without(missing: &[Resource]) -> Capabilities {
    Resource::ALL
        .iter()
        .filter(|r| !missing.contains(r))
        .fold(Capabilities::new(), |c, &r| c.with(r))
}

const JOBS: [JobKind; 5] = [
    JobKind::Accounts,
    JobKind::Calls,
    JobKind::Trunks,
    JobKind::Numbers,
    JobKind::Stats,
];

/// Marks every job of a provider as refreshed `age_ms` ago with a 30 s stale limit.
fn loaded(p: &mut ProviderState, age_ms: i64) {
    for kind in JOBS {
        p.jobs.insert(
            JobKey {
                kind,
                scope: String::new(),
            },
            JobStatus {
                last_ok_ms: Some(NOW - age_ms),
                last_error: None,
                last_seq: 1,
                stale_after_ms: 30_000,
            },
        );
    }
    p.conn = ConnState::Ok;
    p.last_ok_ms = Some(NOW - age_ms);
    p.budget = BudgetView {
        remaining: 7,
        limit: 9,
        window_s: 10,
        scopes: 1,
        throttled: 0,
        ..BudgetView::default()
    };
}

fn providers() -> Vec<ProviderState> {
    vec![
        ProviderState::new(
            ProviderId(0),
            "cx-demo",
            ProviderKind::Cloudonix,
            all_caps(),
        ),
        ProviderState::new(
            ProviderId(1),
            "vc-prod",
            ProviderKind::Voipcloud,
            caps_without(&[Resource::Trunks]),
        ),
    ]
}

fn new_state(providers: Vec<ProviderState>) -> State {
    let mut s = State::new(providers, NOW);
    s.tz = jiff::tz::TimeZone::UTC;
    s
}

fn call(p: u16, i: usize, state: CallState) -> Call {
    let started = NOW - 1_000 * (30 + 47 * i as i64);
    Call {
        provider: ProviderId(p),
        account_name: Default::default(),
        account: if p == 0 {
            "acme.cloudonix.net"
        } else {
            "pbx-sydney"
        }
        .to_string()
        .into(),
        id: format!("call-{p}-{i}").into(),
        from: if p == 0 {
            format!("+4420794600{i:02}").into()
        } else {
            format!("+35315550{i:02}").into()
        },
        to: format!("+6129374{:04}", 1000 + i).into(),
        direction: if i.is_multiple_of(3) {
            Direction::Outbound
        } else {
            Direction::Inbound
        },
        answered_at_ms: (state == CallState::InCall).then_some(started + 5_000),
        ended_at_ms: (!state.is_live()).then_some(started + 20_000 + 1_000 * i as i64),
        state,
        started_at_ms: Some(started),
        extra: vec![("sip call-id".into(), format!("{i}abc@10.0.0.1").into())].into(),
    }
}

fn account(p: u16, id: &str, name: &str, parent: Option<&str>, kind: AccountKind) -> Account {
    Account {
        provider: ProviderId(p),
        id: id.into(),
        name: name.into(),
        parent: parent.map(Into::into),
        kind,
        active: Some(id != "old-domain"),
        extra: Default::default(),
    }
}

/// Fills every table with a few rows of both providers.
fn fill(state: &mut State) {
    let names = state.provider_names.clone();
    let tz = state.tz.clone();
    let ctx = Ctx {
        now_ms: NOW,
        provider_names: &names,
        tz: &tz,
        thresholds: Default::default(),
    };
    let t = &mut state.tables;
    let tree = |p: u16, rows: Vec<(u8, Account)>| -> Vec<AccountRow> {
        rows.into_iter()
            .enumerate()
            .map(|(order, (depth, account))| AccountRow {
                account,
                depth,
                order: order as u32,
                collapsed: false,
                hidden: false,
                parent_name: String::new(),
            })
            .collect::<Vec<_>>()
            .into_iter()
            .filter(|r| r.account.provider == ProviderId(p))
            .collect()
    };
    t.accounts.replace_slice(
        ProviderId(0),
        None,
        tree(
            0,
            vec![
                (0, account(0, "cx", "cx-demo", None, AccountKind::Provider)),
                (
                    1,
                    account(0, "acme", "Acme Ltd", Some("cx"), AccountKind::Customer),
                ),
                (
                    2,
                    account(
                        0,
                        "acme.cloudonix.net",
                        "acme.cloudonix.net",
                        Some("acme"),
                        AccountKind::Domain,
                    ),
                ),
                (
                    2,
                    account(
                        0,
                        "old-domain",
                        "old.cloudonix.net",
                        Some("acme"),
                        AccountKind::Domain,
                    ),
                ),
            ],
        ),
        &ctx,
    );
    t.accounts.replace_slice(
        ProviderId(1),
        None,
        tree(
            1,
            vec![
                (0, account(1, "vc", "vc-prod", None, AccountKind::Provider)),
                (
                    1,
                    account(
                        1,
                        "pbx-sydney",
                        "Sydney PBX",
                        Some("vc"),
                        AccountKind::Domain,
                    ),
                ),
            ],
        ),
        &ctx,
    );
    let live_states = [
        CallState::Ringing,
        CallState::InCall,
        CallState::Setup,
        CallState::InCall,
        CallState::InCall,
    ];
    t.live.replace_slice(
        ProviderId(0),
        None,
        live_states
            .iter()
            .enumerate()
            .map(|(i, s)| call(0, i, s.clone()))
            .collect(),
        &ctx,
    );
    t.live.replace_slice(
        ProviderId(1),
        None,
        vec![
            call(1, 5, CallState::InCall),
            call(1, 6, CallState::Ringing),
        ],
        &ctx,
    );
    let ended = [
        CallState::Completed,
        CallState::Busy,
        CallState::NoAnswer,
        CallState::Failed,
        CallState::Cancelled,
        CallState::Rejected,
    ];
    t.history.replace_slice(
        ProviderId(0),
        None,
        ended
            .iter()
            .enumerate()
            .map(|(i, s)| call(0, i + 10, s.clone()))
            .collect(),
        &ctx,
    );
    t.trunks.replace_slice(
        ProviderId(0),
        None,
        (0..4)
            .map(|i| Trunk {
                provider: ProviderId(0),
                account: "acme.cloudonix.net".into(),
                account_name: Default::default(),
                id: format!("t{i}"),
                name: format!("carrier-{}", ["bt", "colt", "telia", "twilio"][i]),
                host: format!("sip{i}.carrier.example"),
                port: Some(5060 + i as u16),
                transport: if i.is_multiple_of(2) { "udp" } else { "tls" }.into(),
                direction: if i == 3 { "outbound" } else { "both" }.into(),
                prefix: format!("00{i}"),
                active: Some(i != 2),
                extra: Default::default(),
            })
            .collect(),
        &ctx,
    );
    for p in 0..2u16 {
        t.numbers.replace_slice(
            ProviderId(p),
            None,
            (0..3)
                .map(|i| Number {
                    provider: ProviderId(p),
                    account_name: Default::default(),
                    account: if p == 0 {
                        "acme.cloudonix.net"
                    } else {
                        "pbx-sydney"
                    }
                    .into(),
                    id: format!("n{p}{i}"),
                    number: format!("+44 20 7946 0{p}{i}0"),
                    target: ["app: ivr-main", "queue: support", "trunk: carrier-bt"][i].into(),
                    active: Some(i != 1 || p == 0),
                    extra: Default::default(),
                })
                .collect(),
            &ctx,
        );
    }
    t.queues.replace_slice(
        ProviderId(1),
        None,
        vec![
            QueueStat {
                provider: ProviderId(1),
                account: "pbx-sydney".into(),
                account_name: Default::default(),
                name: "support".into(),
                kind: "queue".into(),
                waiting: Some(3),
                active: Some(5),
                answered: Some(120),
                abandoned: Some(4),
                total: Some(127),
                max_concurrency: None,
                longest_wait_s: Some(95),
                ..Default::default()
            },
            QueueStat {
                provider: ProviderId(1),
                account: "pbx-sydney".into(),
                account_name: Default::default(),
                name: "sales".into(),
                kind: "ring group".into(),
                waiting: Some(0),
                active: Some(2),
                answered: Some(40),
                abandoned: Some(0),
                total: Some(40),
                ..Default::default()
            },
        ],
        &ctx,
    );
    t.queues.replace_slice(
        ProviderId(0),
        None,
        vec![QueueStat {
            provider: ProviderId(0),
            account: "acme.cloudonix.net".into(),
            account_name: Default::default(),
            name: "acme.cloudonix.net".into(),
            kind: "concurrency".into(),
            active: Some(7),
            max_concurrency: Some(30),
            ..Default::default()
        }],
        &ctx,
    );
    t.live.selected = 1;
    t.history.selected = 2;
}

// ---------------------------------------------------------------- fixtures per state

/// Providers connected and loaded, no rows anywhere.
fn state_empty() -> State {
    let mut ps = providers();
    ps.iter_mut().for_each(|p| loaded(p, 3_000));
    new_state(ps)
}

/// Providers still connecting, nothing loaded.
fn state_loading() -> State {
    new_state(providers())
}

fn state_data() -> State {
    let mut s = state_empty();
    fill(&mut s);
    s
}

/// cx-demo has data but its trunk and call jobs fail; vc-prod's credentials were refused.
fn state_error() -> State {
    let mut ps = providers();
    loaded(&mut ps[0], 3_000);
    ps[0].conn = ConnState::Degraded("HTTP 503 from api.cloudonix.io".into());
    for (k, s) in ps[0].jobs.iter_mut() {
        if matches!(k.kind, JobKind::Calls | JobKind::Trunks) {
            s.last_error = Some(Failure::new(
                ErrorKind::Failing,
                format!("{}: HTTP 503 Service Unavailable", k.kind.label()),
                NOW - 2_000,
            ));
        }
    }
    ps[1].conn = ConnState::AuthFailed("401 invalid API token".into());
    // Rejected since the start, four minutes ago; last tried 20 s ago.
    ps[1].link_error = Some(Failure {
        kind: ErrorKind::Auth,
        text: "401 key rejected: invalid API token".into(),
        since_ms: NOW - 240_000,
        at_ms: NOW - 20_000,
    });
    let mut s = new_state(ps);
    fill(&mut s);
    let names = s.provider_names.clone();
    let tz = s.tz.clone();
    let ctx = Ctx {
        now_ms: NOW,
        provider_names: &names,
        tz: &tz,
        thresholds: Default::default(),
    };
    let t = &mut s.tables;
    t.accounts.clear_provider(ProviderId(1), &ctx);
    t.live.clear_provider(ProviderId(1), &ctx);
    t.numbers.clear_provider(ProviderId(1), &ctx);
    t.queues.clear_provider(ProviderId(1), &ctx);
    s
}

/// cx-demo's data is 95 s old (limit 30 s) and it is rate-limited; vc-prod is fresh.
fn state_stale() -> State {
    let mut ps = providers();
    loaded(&mut ps[0], 95_000);
    ps[0].conn = ConnState::RateLimited {
        until_ms: NOW + 12_000,
    };
    ps[0].budget.throttled = 1;
    loaded(&mut ps[1], 2_000);
    let mut s = new_state(ps);
    fill(&mut s);
    s
}

// ---------------------------------------------------------------- helpers

fn draw(state: &State, theme: &Theme, (w, h): (u16, u16)) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| ui::render(f, state, theme)).unwrap();
    terminal
}

fn slug(r: Resource) -> &'static str {
    match r {
        Resource::Accounts => "accounts",
        Resource::LiveCalls => "live",
        Resource::CallHistory => "history",
        Resource::Trunks => "trunks",
        Resource::Numbers => "numbers",
        Resource::Queues => "queues",
    }
}

fn snapshot_all_panes(name: &str, mut state: State) {
    for r in Resource::ALL {
        state.focus = r;
        for size in SIZES {
            let t = draw(&state, &Theme::default(), size);
            insta::assert_snapshot!(
                format!("{name}_{}_{}x{}", slug(r), size.0, size.1),
                t.backend()
            );
        }
    }
}

/// Position of the first cell whose symbol is `sym`.
fn find(buf: &Buffer, sym: &str) -> Option<(u16, u16)> {
    let a = buf.area;
    (a.top()..a.bottom())
        .flat_map(|y| (a.left()..a.right()).map(move |x| (x, y)))
        .find(|&(x, y)| buf[(x, y)].symbol() == sym)
}

/// The text of row `y`.
fn row_text(buf: &Buffer, y: u16) -> String {
    (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect()
}

// ---------------------------------------------------------------- snapshots

#[test]
fn panes_empty() {
    snapshot_all_panes("empty", state_empty());
}

#[test]
fn panes_loading() {
    snapshot_all_panes("loading", state_loading());
}

#[test]
fn panes_data() {
    snapshot_all_panes("data", state_data());
}

#[test]
fn panes_error() {
    snapshot_all_panes("error", state_error());
}

#[test]
fn panes_stale() {
    snapshot_all_panes("stale", state_stale());
}

#[test]
fn help_overlay() {
    let mut s = state_data();
    s.overlay = Some(Overlay::Help);
    for size in SIZES {
        let t = draw(&s, &Theme::default(), size);
        insta::assert_snapshot!(format!("help_{}x{}", size.0, size.1), t.backend());
    }
    // The smallest supported terminal: one column that scrolls (nothing cut).
    let t = draw(&s, &Theme::default(), ui::MIN_SIZE);
    insta::assert_snapshot!("help_min", t.backend());
}

#[test]
fn details_overlay() {
    let mut s = state_data();
    let row = s.tables.live.selected_row().unwrap().clone();
    use switchboard::state::table::Row;
    let fields = row.fields(&s.ctx());
    s.overlay = Some(Overlay::Details {
        title: format!("Live call {}", row.id),
        fields: fields.clone(),
        scroll: 0,
    });
    for size in SIZES {
        let t = draw(&s, &Theme::default(), size);
        insta::assert_snapshot!(format!("details_{}x{}", size.0, size.1), t.backend());
    }
    // Many fields at 80x24: scrolled, with the position in the footer.
    let mut many = fields;
    for i in 0..30 {
        many.push((
            format!("custom field {i}").into(),
            format!("value {i}").into(),
        ));
    }
    s.overlay = Some(Overlay::Details {
        title: format!("Live call {}", row.id),
        fields: many,
        scroll: 10,
    });
    let t = draw(&s, &Theme::default(), (80, 24));
    insta::assert_snapshot!("details_scrolled_80x24", t.backend());
    // 42 fields, 20 visible at 80x24: scrolling stops at 22, and an over-scroll draws
    // the same last page.
    assert_eq!(ui::details_max_scroll((80, 24), 42), 22);
    assert_eq!(ui::details_max_scroll((200, 50), 12), 0);
    if let Some(Overlay::Details { scroll, .. }) = &mut s.overlay {
        *scroll = 22;
    }
    let last = draw(&s, &Theme::default(), (80, 24));
    if let Some(Overlay::Details { scroll, .. }) = &mut s.overlay {
        *scroll = 500;
    }
    let over = draw(&s, &Theme::default(), (80, 24));
    assert_eq!(last.backend().buffer(), over.backend().buffer());
    assert!(row_text(over.backend().buffer(), 21).contains("custom field 29"));
}

#[test]
fn filter_prompt() {
    let mut s = state_data();
    s.mode = Mode::Filter;
    s.filter_input = tui_input::Input::new("+61293741005".into());
    let names = s.provider_names.clone();
    let tz = s.tz.clone();
    let ctx = Ctx {
        now_ms: NOW,
        provider_names: &names,
        tz: &tz,
        thresholds: Default::default(),
    };
    s.tables.live.set_filter("+61293741005", &ctx);
    let mut t = draw(&s, &Theme::default(), (80, 24));
    insta::assert_snapshot!("filter_prompt_80x24", t.backend());
    // The cursor sits after the typed text on the prompt line.
    t.backend_mut().assert_cursor_position((13, 22));

    // A long filter scrolls so the cursor stays in view.
    let long = "x".repeat(120);
    s.filter_input = tui_input::Input::new(long.clone());
    s.tables.live.set_filter(&long, &ctx);
    let mut t = draw(&s, &Theme::default(), (80, 24));
    insta::assert_snapshot!("filter_prompt_long_80x24", t.backend());
    let pos = t.backend_mut().get_cursor_position().unwrap();
    assert_eq!(pos.y, 22);
    assert!(pos.x < 80, "cursor off screen: {pos:?}");

    // Back in normal mode the applied filter is still visible, and a match-less filter
    // says so.
    s.mode = Mode::Normal;
    s.tables.live.set_filter("nomatch", &ctx);
    let t = draw(&s, &Theme::default(), (80, 24));
    insta::assert_snapshot!("filter_no_match_80x24", t.backend());
}

#[test]
fn too_small() {
    let s = state_data();
    let t = draw(&s, &Theme::default(), (50, 10));
    insta::assert_snapshot!("too_small_50x10", t.backend());
    let t = draw(&s, &Theme::default(), (MIN_W_MINUS_1, 20));
    insta::assert_snapshot!("too_small_59x20", t.backend());
    assert_eq!(ui::table_height((50, 10)), 0);
}

const MIN_W_MINUS_1: u16 = ui::MIN_SIZE.0 - 1;

#[test]
fn not_offered() {
    // Trunks: offered by cx-demo only. Queues: offered by nobody.
    let mut ps = providers();
    ps[0].caps = caps_without(&[Resource::Queues]);
    ps[1].caps = caps_without(&[Resource::Trunks, Resource::Queues]);
    ps.iter_mut().for_each(|p| loaded(p, 3_000));
    let mut s = new_state(ps);
    fill(&mut s);
    for r in [Resource::Trunks, Resource::Queues] {
        s.focus = r;
        for size in SIZES {
            let t = draw(&s, &Theme::default(), size);
            insta::assert_snapshot!(
                format!("not_offered_{}_{}x{}", slug(r), size.0, size.1),
                t.backend()
            );
        }
    }
}

#[test]
fn message_line() {
    let mut s = state_data();
    s.message = Some(Message {
        text: "refresh queued for cx-demo (budget 6/9 left)".into(),
        level: Level::Warn,
        at_ms: NOW - 2_000,
    });
    let t = draw(&s, &Theme::default(), (80, 24));
    insta::assert_snapshot!("message_warn_80x24", t.backend());
    let buf = t.backend().buffer();
    let (x, y) = find(buf, "!").unwrap();
    assert_eq!(y, 22);
    assert_eq!(buf[(x, y)].fg, Color::Yellow);
    // Old messages disappear.
    s.message.as_mut().unwrap().at_ms = NOW - 60_000;
    let t = draw(&s, &Theme::default(), (80, 24));
    assert!(!row_text(t.backend().buffer(), 22).contains("refresh queued"));
}

// ---------------------------------------------------------------- styles

#[test]
fn ringing_state_cell_is_yellow_in_default_and_plain_in_mono() {
    let s = state_data();
    let t = draw(&s, &Theme::default(), (80, 24));
    let buf = t.backend().buffer();
    let (x, y) = find(buf, "◔").expect("ringing symbol drawn");
    assert_eq!(buf[(x, y)].fg, Color::Yellow);
    assert_eq!(buf[(x + 2, y)].symbol(), "r"); // "◔ ringing"
    assert_eq!(buf[(x + 2, y)].fg, Color::Yellow);
    let (x, y) = find(buf, "●").expect("in-call symbol drawn");
    assert!(row_text(buf, y).contains("in call"));
    assert!(matches!(buf[(x, y)].fg, Color::Green));

    let t = draw(&s, &Theme::mono(), (80, 24));
    let buf = t.backend().buffer();
    let (x, y) = find(buf, "◔").expect("ringing symbol drawn in mono");
    assert_eq!(buf[(x, y)].fg, Color::Reset);
    assert_eq!(buf[(x, y)].bg, Color::Reset);
    // No cell anywhere carries a colour in mono.
    for cell in buf.content() {
        assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset));
    }
}

#[test]
fn selected_row_is_reversed_even_in_mono() {
    let s = state_data();
    for theme in [Theme::default(), Theme::mono()] {
        let t = draw(&s, &theme, (80, 24));
        let buf = t.backend().buffer();
        // The selected live call (position 1 of the view) is on the second data row.
        let y = 4;
        assert!(
            buf[(5, y)].modifier.contains(Modifier::REVERSED),
            "{}",
            row_text(buf, y)
        );
        assert!(!buf[(5, y + 1)].modifier.contains(Modifier::REVERSED));
    }
}

#[test]
fn stale_rows_are_dimmed_and_the_title_says_stale() {
    let s = state_stale();
    let t = draw(&s, &Theme::default(), (80, 24));
    let buf = t.backend().buffer();
    assert!(row_text(buf, 1).contains("STALE"));
    for y in 3..10 {
        let text = row_text(buf, y);
        let cell = &buf[(20, y)];
        if text.contains("+442079") {
            // cx-demo's rows are stale.
            assert!(
                cell.modifier.contains(Modifier::DIM) || cell.fg == Color::DarkGray,
                "{text}"
            );
        }
    }
    // Status bar shows the rate limit, the data's age and the time to resume.
    assert!(
        row_text(buf, 23).contains("⏸ cx-demo rate-limited 1m · resumes in 12s"),
        "{}",
        row_text(buf, 23)
    );
}

#[test]
fn error_text_is_red() {
    let mut s = state_error();
    s.focus = Resource::Trunks;
    let t = draw(&s, &Theme::default(), (80, 24));
    let buf = t.backend().buffer();
    let (x, y) = find(buf, "◐").unwrap();
    assert!(row_text(buf, y).contains("HTTP 503"));
    assert_eq!(buf[(x, y)].fg, Color::Red);
}

// ---------------------------------------------------------------- layout contract

fn many_calls(n: usize) -> State {
    let mut ps = providers();
    ps.iter_mut().for_each(|p| loaded(p, 1_000));
    let mut s = new_state(ps);
    let names = s.provider_names.clone();
    let tz = s.tz.clone();
    let ctx = Ctx {
        now_ms: NOW,
        provider_names: &names,
        tz: &tz,
        thresholds: Default::default(),
    };
    s.tables.live.replace_slice(
        ProviderId(0),
        None,
        (0..n).map(|i| call(0, i, CallState::InCall)).collect(),
        &ctx,
    );
    s
}

#[test]
fn table_height_matches_the_rows_drawn() {
    for size in [(80, 24), (200, 50), (60, 15), (160, 40), (120, 33)] {
        let h = ui::table_height(size);
        let mut s = many_calls(500);
        // Select the last row the way update does.
        s.tables.live.select_last(h);
        let t = draw(&s, &Theme::default(), size);
        let buf = t.backend().buffer();
        let rows = (0..size.1)
            .filter(|&y| row_text(buf, y).contains("+442079"))
            .count();
        assert_eq!(rows, h, "size {size:?}");
        // The selected (last) row is drawn reversed on the last data row.
        let last_y = (0..size.1)
            .rev()
            .find(|&y| row_text(buf, y).contains("+442079"))
            .unwrap();
        let x = (0..size.0)
            .find(|&x| buf[(x, last_y)].symbol() == "●")
            .unwrap();
        assert!(
            buf[(x, last_y)].modifier.contains(Modifier::REVERSED),
            "size {size:?}"
        );
    }
    assert_eq!(ui::table_height((80, 24)), 18);
    assert_eq!(ui::table_height((200, 50)), 44);
}

#[test]
fn selection_stays_visible_when_notices_take_rows() {
    // An error line takes a row from the table: the window shifts instead of hiding the
    // selected row.
    let mut s = many_calls(500);
    s.providers[0].jobs.values_mut().for_each(|j| {
        j.last_error = Some(Failure::new(ErrorKind::Unreachable, "timeout", NOW - 5_000))
    });
    let h = ui::table_height((80, 24));
    s.tables.live.select_last(h);
    let t = draw(&s, &Theme::default(), (80, 24));
    let buf = t.backend().buffer();
    let text: Vec<String> = (0..24).map(|y| row_text(buf, y)).collect();
    assert!(
        text.iter()
            .any(|l| l.contains("↯ cx-demo: timeout (just now)"))
    );
    let last = s.tables.live.selected_row().unwrap().from.to_string();
    let y = text
        .iter()
        .position(|l| l.contains(&last))
        .expect("last row drawn");
    let x = (0..80)
        .find(|&x| buf[(x, y as u16)].symbol() == "●")
        .unwrap();
    assert!(buf[(x, y as u16)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn shipped_themes_render() {
    let dirs = [std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("themes")];
    let s = state_data();
    for name in ["default", "mono", "midnight"] {
        let theme = Theme::load(name, &dirs).unwrap();
        draw(&s, &theme, (200, 50));
    }
    let midnight = Theme::load("midnight", &dirs).unwrap();
    let t = draw(&s, &midnight, (80, 24));
    let buf = t.backend().buffer();
    let (x, y) = find(buf, "◔").unwrap();
    assert!(matches!(buf[(x, y)].fg, Color::Rgb(..)));
}

#[test]
fn write_mode_banner_read_only_marker_and_scope() {
    let mut state = state_data();
    state.write.read_only = true;
    let t = draw(&state, &Theme::default(), (80, 24));
    insta::assert_snapshot!("read_only_80x24", t.backend());
    assert!(row_text(t.backend().buffer(), 0).contains("read-only"));

    state.write.write_until_ms = Some(state.now_ms + 9 * 60_000 + 41_000);
    let scope = switchboard::update::parse_scope(&state, "cx-demo").unwrap();
    switchboard::update::set_scope(&mut state, scope);
    let t = draw(&state, &Theme::default(), (80, 24));
    insta::assert_snapshot!("write_mode_scoped_80x24", t.backend());
    let top = row_text(t.backend().buffer(), 0);
    assert!(top.contains("WRITE MODE 9:41"), "{top}");
    assert!(top.contains("scope "), "{top}");
    // The banner is reversed warning colour, so it reads in any theme.
    let x = top.chars().position(|c| c == 'W').unwrap() as u16;
    let cell = &t.backend().buffer()[(x, 0)];
    assert!(cell.modifier.contains(ratatui::style::Modifier::REVERSED));
    let t = draw(&state, &Theme::default(), (200, 50));
    insta::assert_snapshot!("write_mode_scoped_200x50", t.backend());
}

#[test]
fn audit_overlay_and_write_confirmation() {
    use switchboard::audit::{AuditEntry, AuditOutcome};
    let mut state = state_data();
    let entry = |time: &str, command: &str, outcome, status, message: &str| AuditEntry {
        time: time.into(),
        user: "noc1".into(),
        host: "jump01".into(),
        provider: "cx-demo".into(),
        account: "acme.cloudonix.net".into(),
        target: "trunk pbx-hq (12)".into(),
        command: command.into(),
        method: "PUT".into(),
        path: "/customers/self/domains/acme.cloudonix.net/trunks/12".into(),
        body: Some("{\"port\":5080}".into()),
        outcome,
        status,
        message: message.into(),
    };
    state.overlay = Some(Overlay::Audit {
        entries: vec![
            entry(
                "2026-11-22T10:01:02.000Z",
                "trunk.edit",
                AuditOutcome::Ok,
                Some(200),
                "trunk pbx-hq updated",
            ),
            entry(
                "2026-11-22T10:05:09.000Z",
                "trunk.edit",
                AuditOutcome::Refused,
                None,
                "refused: read-only mode",
            ),
            entry(
                "2026-11-22T10:07:40.000Z",
                "trunk.edit",
                AuditOutcome::Unknown,
                None,
                "timed out after 10.0 s",
            ),
        ],
        scroll: 0,
    });
    for size in SIZES {
        let t = draw(&state, &Theme::default(), size);
        insta::assert_snapshot!(format!("audit_{}x{}", size.0, size.1), t.backend());
    }
    state.overlay = Some(Overlay::ConfirmWrite { apply: false });
    let t = draw(&state, &Theme::default(), (80, 24));
    insta::assert_snapshot!("confirm_write_80x24", t.backend());
    // Cancel is the focused button.
    let buf = t.backend().buffer();
    let y = (0..24)
        .find(|&y| row_text(buf, y).contains("[ Cancel ]"))
        .unwrap();
    let x = row_text(buf, y).find("[ Cancel ]").unwrap();
    let x = row_text(buf, y)[..x].chars().count() as u16;
    assert!(
        buf[(x, y)]
            .modifier
            .contains(ratatui::style::Modifier::REVERSED)
    );
}

#[test]
fn five_providers_at_80_columns_all_keep_a_place_in_the_status_bar() {
    let names = [
        "cloudonix-demo",
        "voipcloud-demo",
        "iovox-demo",
        "callable-demo",
        "provoice-demo",
    ];
    let providers = names
        .iter()
        .enumerate()
        .map(|(i, n)| ProviderState::new(ProviderId(i as u16), n, ProviderKind::ALL[i], all_caps()))
        .collect();
    let state = new_state(providers);
    let t = draw(&state, &Theme::default(), (80, 24));
    let bar = row_text(t.backend().buffer(), 23);
    for n in names {
        // Each keeps its symbol and at least the start of its name ("-demo" goes first).
        assert!(
            bar.contains(&format!("○ {}", &n[..5])),
            "{n} missing from the status bar: {bar:?}"
        );
    }
    assert!(bar.contains("? help"), "{bar:?}");
}
