//! `update`: actions in, state out. No terminal, no network.

use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use switchboard::action::{Action, Effect, Fetched};
use switchboard::model::*;
use switchboard::providers::cloudonix::CAPABILITIES;
use switchboard::providers::{FetchData, JobKey, JobKind, ProviderError};
use switchboard::state::{ConnState, Mode, Overlay, ProviderState, State};
use switchboard::update::update;

const NOW: i64 = 1_700_000_000_000;

fn state() -> State {
    let mut s = State::new(
        vec![
            ProviderState::new(ProviderId(0), "cx", ProviderKind::Cloudonix, CAPABILITIES),
            ProviderState::new(
                ProviderId(1),
                "vc",
                ProviderKind::Voipcloud,
                Capabilities::new().with(Resource::CallHistory),
            ),
        ],
        NOW,
    );
    s.tz = jiff::tz::TimeZone::UTC;
    s
}

fn call(p: u16, account: &str, id: &str, started: i64, live: bool) -> Call {
    Call {
        provider: ProviderId(p),
        account: account.into(),
        account_name: Default::default(),
        id: id.into(),
        from: format!("from-{id}").into(),
        to: "15551230000".into(),
        direction: Direction::Inbound,
        state: if live {
            CallState::InCall
        } else {
            CallState::Completed
        },
        started_at_ms: Some(started),
        answered_at_ms: None,
        ended_at_ms: (!live).then_some(started + 30_000),
        extra: Default::default(),
    }
}

fn fetched(
    p: u16,
    kind: JobKind,
    scope: &str,
    seq: u64,
    result: Result<FetchData, ProviderError>,
) -> Action {
    Action::Fetched(Box::new(Fetched {
        requests: 1,
        provider: ProviderId(p),
        epoch: 0,
        seq,
        job: JobKey {
            kind,
            scope: scope.into(),
        },
        at_ms: NOW,
        stale_after_ms: 15_000,
        result,
    }))
}

fn calls(ids: &[&str], scope: &str) -> Result<FetchData, ProviderError> {
    Ok(FetchData::Calls {
        live: ids
            .iter()
            .enumerate()
            .map(|(i, id)| call(0, scope, id, NOW - 1000 * (i as i64 + 1), true))
            .collect(),
        history: vec![call(0, scope, "old", NOW - 600_000, false)],
    })
}

fn key(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(c: KeyCode) -> Action {
    Action::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

#[test]
fn calls_land_in_live_and_history_and_provider_turns_ok() {
    let mut s = state();
    assert_eq!(s.providers[0].conn, ConnState::Connecting);
    update(
        &mut s,
        fetched(0, JobKind::Calls, "d1", 1, calls(&["a", "b"], "d1")),
    );
    assert_eq!(s.tables.live.view.len(), 2);
    assert_eq!(s.tables.history.view.len(), 1);
    assert_eq!(s.providers[0].conn, ConnState::Ok);
    assert_eq!(s.data_time(Resource::LiveCalls), Some(NOW));
}

#[test]
fn a_newer_result_replaces_only_its_own_scope() {
    let mut s = state();
    update(
        &mut s,
        fetched(0, JobKind::Calls, "d1", 1, calls(&["a", "b"], "d1")),
    );
    update(
        &mut s,
        fetched(0, JobKind::Calls, "d2", 2, calls(&["c"], "d2")),
    );
    assert_eq!(s.tables.live.view.len(), 3);
    update(
        &mut s,
        fetched(0, JobKind::Calls, "d1", 3, calls(&["a"], "d1")),
    );
    let ids: Vec<&str> = s.tables.live.rows.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(s.tables.live.view.len(), 2, "{ids:?}");
    assert!(ids.contains(&"c") && ids.contains(&"a") && !ids.contains(&"b"));
}

#[test]
fn a_late_older_result_is_dropped() {
    let mut s = state();
    update(
        &mut s,
        fetched(0, JobKind::Calls, "d1", 5, calls(&["new1", "new2"], "d1")),
    );
    update(
        &mut s,
        fetched(0, JobKind::Calls, "d1", 4, calls(&["stale"], "d1")),
    );
    assert!(s.tables.live.rows.iter().all(|c| c.id != "stale"));
    assert_eq!(s.tables.live.view.len(), 2);
}

#[test]
fn errors_keep_old_rows_and_show_a_message() {
    let mut s = state();
    update(
        &mut s,
        fetched(0, JobKind::Calls, "d1", 1, calls(&["a"], "d1")),
    );
    update(
        &mut s,
        fetched(
            0,
            JobKind::Calls,
            "d1",
            2,
            Err(ProviderError::Server {
                status: 500,
                message: "Request Failed".into(),
            }),
        ),
    );
    assert_eq!(s.tables.live.view.len(), 1, "rows survive a failed poll");
    assert!(matches!(s.providers[0].conn, ConnState::Degraded(_)));
    let m = s.message.as_ref().expect("message shown");
    assert!(
        m.text.contains("500") && m.text.contains("cx"),
        "{}",
        m.text
    );
    // Recovery clears the degraded state.
    update(
        &mut s,
        fetched(0, JobKind::Calls, "d1", 3, calls(&["a"], "d1")),
    );
    assert_eq!(s.providers[0].conn, ConnState::Ok);
}

#[test]
fn unauthorized_marks_auth_failed() {
    let mut s = state();
    update(
        &mut s,
        fetched(
            0,
            JobKind::Accounts,
            "",
            1,
            Err(ProviderError::Unauthorized("API key rejected".into())),
        ),
    );
    assert!(matches!(s.providers[0].conn, ConnState::AuthFailed(_)));
}

#[test]
fn rate_limited_shows_pause() {
    let mut s = state();
    update(
        &mut s,
        Action::RateLimited {
            provider: ProviderId(0),
            until_ms: NOW + 7_000,
        },
    );
    assert_eq!(
        s.providers[0].conn,
        ConnState::RateLimited {
            until_ms: NOW + 7_000
        }
    );
    assert!(s.message.as_ref().unwrap().text.contains("429"));
}

#[test]
fn accounts_become_a_tree_under_the_provider() {
    let mut s = state();
    let acct = |id: &str, parent: Option<&str>, kind| Account {
        provider: ProviderId(0),
        id: id.into(),
        name: id.into(),
        parent: parent.map(String::from),
        kind,
        active: Some(true),
        extra: Default::default(),
    };
    let accounts = vec![
        acct("d2", Some("acme"), AccountKind::Domain),
        acct("acme", None, AccountKind::Customer),
        acct("d1", Some("acme"), AccountKind::Domain),
    ];
    update(
        &mut s,
        fetched(
            0,
            JobKind::Accounts,
            "",
            1,
            Ok(FetchData::Accounts(accounts)),
        ),
    );
    let names: Vec<(String, u8)> = s
        .tables
        .accounts
        .view
        .iter()
        .map(|&i| {
            let r = &s.tables.accounts.rows[i as usize];
            (r.account.name.clone(), r.depth)
        })
        .collect();
    assert_eq!(
        names,
        vec![
            ("cx".into(), 0),
            ("acme".into(), 1),
            ("d2".into(), 2),
            ("d1".into(), 2)
        ]
    );
}

#[test]
fn navigation_sort_filter_and_details() {
    let mut s = state();
    update(
        &mut s,
        fetched(
            0,
            JobKind::Calls,
            "d1",
            1,
            calls(&["a", "b", "c", "d"], "d1"),
        ),
    );
    // Default sort: longest-running live call first (a started 1 s ago, d 4 s ago).
    let first = |s: &State| s.tables.live.selected_row().map(|c| c.id.clone());
    assert_eq!(first(&s).as_deref(), Some("d"));
    update(&mut s, key('j'));
    assert_eq!(first(&s).as_deref(), Some("c"));
    update(&mut s, key('G'));
    assert_eq!(first(&s).as_deref(), Some("a"));
    update(&mut s, key('g'));
    assert_eq!(first(&s).as_deref(), Some("d"));
    // Reverse the sort: shortest first.
    update(&mut s, key('S'));
    assert_eq!(first(&s).as_deref(), Some("d"), "selection follows its row");
    assert_eq!(s.tables.live.view.len(), 4);
    // Filter live while typing.
    update(&mut s, key('/'));
    assert_eq!(s.mode, Mode::Filter);
    for c in "from-b".chars() {
        update(&mut s, key(c));
    }
    assert_eq!(s.tables.live.view.len(), 1);
    update(&mut s, code(KeyCode::Enter));
    assert_eq!(s.mode, Mode::Normal);
    assert_eq!(s.tables.live.filter, "from-b");
    // Details of the one row.
    update(&mut s, code(KeyCode::Enter));
    match &s.overlay {
        Some(Overlay::Details { fields, .. }) => {
            assert!(fields.iter().any(|(k, v)| k == "id" && v == "b"));
            assert!(fields.iter().any(|(k, v)| k == "from" && v == "from-b"));
        }
        other => panic!("expected details, got {other:?}"),
    }
    update(&mut s, code(KeyCode::Esc));
    assert!(s.overlay.is_none());
    // Esc clears the filter.
    update(&mut s, code(KeyCode::Esc));
    assert_eq!(s.tables.live.view.len(), 4);
}

#[test]
fn pane_switching_tells_pollers_and_keeps_filters_per_pane() {
    let mut s = state();
    assert_eq!(s.focus, Resource::LiveCalls);
    assert_eq!(
        update(&mut s, key('4')),
        vec![Effect::Visible(Resource::Trunks)]
    );
    assert_eq!(s.focus, Resource::Trunks);
    update(&mut s, code(KeyCode::Tab));
    assert_eq!(s.focus, Resource::Numbers);
    update(
        &mut s,
        Action::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
    );
    assert_eq!(s.focus, Resource::Trunks);
    update(&mut s, key('?'));
    assert_eq!(s.overlay, Some(Overlay::Help));
    update(&mut s, key('?'));
    assert!(s.overlay.is_none());
    assert_eq!(update(&mut s, key('r')), vec![Effect::RefreshNow(None)]);
    assert_eq!(update(&mut s, key('q')), vec![Effect::Quit]);
    assert!(s.quit);
}

#[test]
fn refresh_answer_says_when_budget_allows() {
    let mut s = state();
    update(
        &mut s,
        Action::RefreshAnswer {
            provider: ProviderId(0),
            wait: Some(Duration::from_millis(3200)),
        },
    );
    assert!(s.message.as_ref().unwrap().text.contains("in 4 s"));
}

#[test]
fn a_budget_wait_does_not_cover_a_fresh_edit_result() {
    let mut s = state();
    s.message = Some(switchboard::state::Message {
        text: "cx: trunk.edit: trunk pbx updated".into(),
        level: switchboard::state::Level::Info,
        at_ms: NOW,
    });
    update(
        &mut s,
        Action::RefreshAnswer {
            provider: ProviderId(1),
            wait: Some(Duration::from_millis(800)),
        },
    );
    assert_eq!(
        s.message.as_ref().unwrap().text,
        "cx: trunk.edit: trunk pbx updated"
    );
}

#[test]
fn ticks_move_durations_and_staleness() {
    let mut s = state();
    update(
        &mut s,
        fetched(0, JobKind::Calls, "d1", 1, calls(&["a"], "d1")),
    );
    assert!(!s.is_stale(ProviderId(0), Resource::LiveCalls, "d1"));
    update(&mut s, Action::Tick(NOW + 20_000));
    assert!(s.is_stale(ProviderId(0), Resource::LiveCalls, "d1"));
    let c = s.tables.live.selected_row().unwrap();
    assert_eq!(c.duration_s(s.now_ms), Some(21));
}

#[test]
fn secrets_never_reach_the_message_line() {
    let secret = switchboard::secret::Secret::new("XI0000SUPERSECRETKEY0000");
    let mut s = state();
    let err = ProviderError::BadRequest(format!("echoed {}", secret.expose()));
    update(&mut s, fetched(0, JobKind::Trunks, "d1", 1, Err(err)));
    let text = &s.message.as_ref().unwrap().text;
    assert!(!text.contains("SUPERSECRET"), "{text}");
    assert!(text.contains("****"));
}

#[test]
fn account_info_is_merged_and_survives_a_tree_refresh() {
    let mut s = state();
    let domain = Account {
        provider: ProviderId(0),
        id: "d1".into(),
        name: "d1".into(),
        parent: None,
        kind: AccountKind::Domain,
        active: Some(true),
        extra: vec![("uuid".into(), "u-1".into())].into(),
    };
    update(
        &mut s,
        fetched(
            0,
            JobKind::Accounts,
            "",
            1,
            Ok(FetchData::Accounts(vec![domain.clone()])),
        ),
    );
    let info = FetchData::AccountInfo {
        account: "d1".into(),
        fields: vec![("subscribers".into(), "3 (2 active)".into())],
        details: None,
    };
    update(&mut s, fetched(0, JobKind::AccountInfo, "d1", 2, Ok(info)));
    update(
        &mut s,
        fetched(
            0,
            JobKind::Accounts,
            "",
            3,
            Ok(FetchData::Accounts(vec![domain])),
        ),
    );
    let row = s
        .tables
        .accounts
        .rows
        .iter()
        .find(|r| r.account.id == "d1")
        .unwrap();
    assert!(
        row.account
            .extra
            .iter()
            .any(|f| f == ("subscribers", "3 (2 active)")),
        "{:?}",
        row.account.extra
    );
    assert!(row.account.extra.iter().any(|f| f == ("uuid", "u-1")));
}

#[test]
fn scope_narrows_every_pane_and_all_widens_again() {
    let mut s = state();
    let acct = |id: &str| Account {
        provider: ProviderId(0),
        id: id.into(),
        name: id.into(),
        parent: None,
        kind: AccountKind::Domain,
        active: Some(true),
        extra: Default::default(),
    };
    update(
        &mut s,
        fetched(
            0,
            JobKind::Accounts,
            "",
            1,
            Ok(FetchData::Accounts(vec![acct("d1"), acct("d2")])),
        ),
    );
    update(
        &mut s,
        fetched(0, JobKind::Calls, "d1", 2, calls(&["a", "b"], "d1")),
    );
    update(
        &mut s,
        fetched(0, JobKind::Calls, "d2", 3, calls(&["c"], "d2")),
    );
    let scope = switchboard::update::parse_scope(&s, "cx/d2").unwrap();
    switchboard::update::set_scope(&mut s, scope);
    assert_eq!(s.tables.live.view.len(), 1);
    assert_eq!(
        s.tables.accounts.view.len(),
        3,
        "the tree keeps the provider's accounts"
    );
    // A new poll result for d1 stays hidden while scoped to d2.
    update(
        &mut s,
        fetched(0, JobKind::Calls, "d1", 4, calls(&["a", "b", "e"], "d1")),
    );
    assert_eq!(s.tables.live.view.len(), 1);
    let scope = switchboard::update::parse_scope(&s, "d1").unwrap();
    switchboard::update::set_scope(&mut s, scope);
    assert_eq!(s.tables.live.view.len(), 3);
    let all = switchboard::update::parse_scope(&s, "all").unwrap();
    assert_eq!(all, None);
    switchboard::update::set_scope(&mut s, all);
    assert_eq!(s.tables.live.view.len(), 4);
    assert!(
        switchboard::update::parse_scope(&s, "nope")
            .unwrap_err()
            .contains("no provider or account")
    );
    assert!(
        switchboard::update::parse_scope(&s, "cx/zz")
            .unwrap_err()
            .contains("no account zz")
    );
}

#[test]
fn write_mode_lapses_by_itself() {
    let mut s = state();
    assert_eq!(
        s.read_only_reason(ProviderId(0)),
        None,
        "writable by default"
    );
    s.write.read_only = true;
    assert!(
        s.read_only_reason(ProviderId(0))
            .unwrap()
            .contains(":write")
    );
    s.write.write_until_ms = Some(NOW + 600_000);
    assert_eq!(s.read_only_reason(ProviderId(0)), None);
    update(&mut s, Action::Tick(NOW + 600_001));
    assert!(s.read_only_reason(ProviderId(0)).is_some());
    s.providers[1].config_read_only = true;
    s.write.read_only = false;
    assert!(
        s.read_only_reason(ProviderId(1))
            .unwrap()
            .contains("vc is pinned read-only in the config file")
    );
}

#[test]
fn y_copies_the_selected_number_and_refusals_are_explained() {
    let mut s = state();
    let n = Number {
        provider: ProviderId(0),
        account: "d1".into(),
        account_name: Default::default(),
        id: "7".into(),
        number: "+14155550100".into(),
        target: "ivr".into(),
        active: Some(true),
        extra: Default::default(),
    };
    update(
        &mut s,
        fetched(
            0,
            JobKind::Numbers,
            "d1",
            1,
            Ok(FetchData::Numbers(vec![n])),
        ),
    );
    update(&mut s, key('5'));
    assert_eq!(
        update(&mut s, key('y')),
        vec![Effect::Copy("+14155550100".into())]
    );
    // Read-only: `e` opens nothing, says why and records the refusal.
    s.write.read_only = true;
    let effects = update(&mut s, key('e'));
    assert!(s.overlay.is_none());
    assert!(s.message.as_ref().unwrap().text.contains(":write"));
    assert!(
        matches!(&effects[..], [Effect::Audit(e)] if e.command == "number.edit"
            && e.outcome == switchboard::audit::AuditOutcome::Refused
            && e.message.starts_with("refused")
            && e.account == "d1"
            && e.target == "number +14155550100 (7)"),
        "{effects:?}"
    );
    // Trunk commands on the numbers pane explain where they apply.
    update(&mut s, key(':'));
    for c in "delete trunk".chars() {
        update(&mut s, key(c));
    }
    update(&mut s, code(KeyCode::Enter));
    assert_eq!(
        s.overlay,
        Some(Overlay::Palette),
        "a greyed command does not run"
    );
}

/// Group calls: 4 offered at the support queue 10 min ago, `abandoned` of them abandoned.
fn group_calls(abandoned: usize) -> Result<FetchData, ProviderError> {
    use switchboard::stats::{GroupCallRecord, Outcome};
    Ok(FetchData::GroupCalls(
        (0..4)
            .map(|i| {
                let start = NOW - 600_000 + i as i64 * 1000;
                let lost = i < abandoned;
                GroupCallRecord {
                    id: format!("q{i}"),
                    group: "support".into(),
                    kind: "queue".into(),
                    started_ms: start,
                    answered_ms: (!lost).then_some(start + 20_000),
                    finished_ms: Some(start + 90_000),
                    agent: (!lost).then(|| "alice".to_string()),
                    outcome: if lost {
                        Outcome::Abandoned
                    } else {
                        Outcome::Answered
                    },
                }
            })
            .collect(),
    ))
}

#[test]
fn window_switch_recomputes_queue_figures_without_a_request() {
    let mut s = state();
    update(&mut s, fetched(1, JobKind::Stats, "vc", 1, group_calls(1)));
    let row = |s: &State| {
        s.tables
            .queues
            .rows
            .iter()
            .find(|r| r.name == "support")
            .cloned()
    };
    let today = row(&s).expect("a support row");
    assert_eq!(today.period, "today");
    assert_eq!((today.answered, today.abandoned), (Some(3), Some(1)));
    // 15 min → still the four calls; the effects ask for nothing from the network.
    let effects = update(&mut s, key('6'));
    assert!(!effects.is_empty(), "pane switch tells the pollers");
    let effects = update(&mut s, key('w'));
    assert!(effects.is_empty(), "w makes no request: {effects:?}");
    assert_eq!(row(&s).unwrap().period, "15 min");
    assert_eq!(row(&s).unwrap().answered, Some(3));
}

#[test]
fn the_bell_rings_once_when_a_queue_newly_crosses_a_threshold_and_only_when_enabled() {
    let mut s = state();
    update(&mut s, fetched(1, JobKind::Stats, "vc", 1, group_calls(0)));
    update(&mut s, fetched(1, JobKind::Stats, "vc", 2, group_calls(2)));
    assert!(!s.bell, "bell = false by default");
    s.thresholds.bell = true;
    update(&mut s, fetched(1, JobKind::Stats, "vc", 3, group_calls(0)));
    assert!(!s.bell, "back to normal: no bell");
    update(&mut s, fetched(1, JobKind::Stats, "vc", 4, group_calls(2)));
    assert!(s.bell, "50% abandoned crosses the critical threshold");
    s.bell = false;
    update(&mut s, fetched(1, JobKind::Stats, "vc", 5, group_calls(2)));
    assert!(!s.bell, "still critical: not a new crossing");
}

/// From the accounts pane a change acts on the selected account, unless its provider's
/// descriptor says its changes act on one account kind only (domains): then a customer
/// row falls back to the first domain, as before the forms moved behind descriptors.
#[test]
fn changes_from_the_accounts_pane_act_on_the_kind_the_descriptor_names() {
    let mut s = State::new(
        vec![
            ProviderState::new(ProviderId(0), "cx", ProviderKind::Cloudonix, CAPABILITIES),
            ProviderState::new(
                ProviderId(1),
                "vc",
                ProviderKind::Voipcloud,
                switchboard::providers::voipcloud::CAPABILITIES,
            ),
        ],
        NOW,
    );
    s.write.read_only = false;
    let acct = |p: u16, id: &str, parent: Option<&str>, kind| Account {
        provider: ProviderId(p),
        id: id.into(),
        name: id.into(),
        parent: parent.map(String::from),
        kind,
        active: Some(true),
        extra: Default::default(),
    };
    let cx = vec![
        acct(0, "acme", None, AccountKind::Customer),
        acct(0, "d1", Some("acme"), AccountKind::Domain),
    ];
    let vc = vec![acct(1, "org", None, AccountKind::Customer)];
    update(
        &mut s,
        fetched(0, JobKind::Accounts, "", 1, Ok(FetchData::Accounts(cx))),
    );
    update(
        &mut s,
        fetched(1, JobKind::Accounts, "", 1, Ok(FetchData::Accounts(vc))),
    );
    s.focus = Resource::Accounts;
    let call_from = |s: &mut State, row: &str| {
        s.overlay = None;
        s.tables.accounts.select_first(20);
        while s
            .tables
            .accounts
            .selected_row()
            .map(|r| r.account.id.as_str())
            != Some(row)
        {
            s.tables.accounts.move_by(1, 20);
        }
        switchboard::ops::open(s, switchboard::ops::Intent::Call, "+14155550100");
        match &s.overlay {
            Some(Overlay::Form(o)) => (o.provider, o.target.account.clone()),
            other => panic!("no form for {row}: {other:?} {:?}", s.message),
        }
    };
    assert_eq!(call_from(&mut s, "acme"), (ProviderId(0), "d1".to_string()));
    assert_eq!(call_from(&mut s, "d1"), (ProviderId(0), "d1".to_string()));
    assert_eq!(call_from(&mut s, "org"), (ProviderId(1), "org".to_string()));
}

#[test]
fn the_history_pane_keeps_the_newest_finished_calls_up_to_its_limit() {
    let mut s = state();
    s.history_rows = 100;
    // Two accounts of 80 finished calls each: 160 calls, of which the 100 newest stay.
    for (seq, account, offset) in [(1, "d1", 0), (2, "d2", 80)] {
        let history = (0..80)
            .map(|i| {
                let started = NOW - 10_000_000 + (offset + i) * 60_000;
                call(0, account, &format!("{account}-{i}"), started, false)
            })
            .collect();
        let data = Ok(FetchData::Calls {
            live: vec![call(0, account, &format!("{account}-live"), NOW, true)],
            history,
        });
        update(&mut s, fetched(0, JobKind::Calls, account, seq, data));
    }
    assert_eq!(s.tables.history.rows.len(), 100);
    assert_eq!(
        s.tables.history.view.len(),
        100,
        "the pane shows what is kept"
    );
    let oldest = s
        .tables
        .history
        .rows
        .iter()
        .filter_map(|c| c.started_at_ms)
        .min();
    assert_eq!(
        oldest,
        Some(NOW - 10_000_000 + 60 * 60_000),
        "the 60 oldest went"
    );
    assert_eq!(s.tables.live.rows.len(), 2, "live calls are never cut");
}

#[test]
fn without_a_console_cap_every_finished_call_is_kept() {
    // `snapshot`, `trace` and `serve` fold into a `State` too: they must see every call.
    let mut s = state();
    let history = (0..6_000)
        .map(|i| {
            call(
                0,
                "d1",
                &format!("h{i}"),
                NOW - 10_000_000 + i * 1_000,
                false,
            )
        })
        .collect();
    let data = Ok(FetchData::Calls {
        live: Vec::new(),
        history,
    });
    update(&mut s, fetched(0, JobKind::Calls, "d1", 1, data));
    assert_eq!(s.tables.history.rows.len(), 6_000);
}

#[test]
fn a_password_shown_once_stays_in_a_box_until_closed_and_never_in_the_message() {
    let mut s = state();
    let secret = "gen-Pw-9xK2qq7";
    update(
        &mut s,
        Action::Mutated {
            ticket: 1,
            provider: ProviderId(0),
            command: "subscriber.new".into(),
            result: Ok(switchboard::providers::MutationOutcome {
                status: 201,
                message: "subscriber 7002 created".into(),
                created_id: Some("7002".into()),
                reveal: Some(switchboard::secret::Secret::new(secret)),
            }),
        },
    );
    let Some(Overlay::Details { fields, .. }) = &s.overlay else {
        panic!("a box shows the password: {:?}", s.overlay.is_some());
    };
    assert!(fields.iter().any(|(_, v)| v == secret));
    let message = s
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default();
    assert!(message.contains("shown once"), "{message}");
    assert!(!message.contains(secret), "{message}");
    // Esc closes it; nothing on screen holds the password afterwards.
    update(&mut s, code(KeyCode::Esc));
    assert!(s.overlay.is_none());
}
