//! Errors that clear and show their age (issue 11, item 5): real actions through
//! `update`, then the rendered screen, as the operator sees it. A provider that recovers
//! leaves no old error on any pane; every error line carries the symbol of its kind (the
//! one the legend names) and its age from the state's clock; the status bar keeps every
//! provider's state and data age with five providers at 80 and 120 columns.

use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use switchboard::action::{Action, Fetched};
use switchboard::model::{
    Account, AccountKind, Call, CallState, Capabilities, Direction, ProviderId, ProviderKind,
    Resource, Trunk,
};
use switchboard::providers::{FetchData, JobKey, JobKind, ProviderError};
use switchboard::state::{BudgetView, Overlay, ProviderState, State};
use switchboard::theme::Theme;
use switchboard::ui;
use switchboard::update::update;

/// 2023-11-14 22:13:20 UTC.
const NOW: i64 = 1_700_000_000_000;
const S: i64 = 1_000;

fn all_caps() -> Capabilities {
    Resource::ALL
        .iter()
        .fold(Capabilities::new(), |c, &r| c.with(r))
}

fn state_with(names: &[&str]) -> State {
    let providers = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            ProviderState::new(
                ProviderId(i as u16),
                n,
                ProviderKind::ALL[i % ProviderKind::ALL.len()],
                all_caps(),
            )
        })
        .collect();
    let mut s = State::new(providers, NOW);
    s.tz = jiff::tz::TimeZone::UTC;
    s
}

/// One job result of provider `p`, arriving at `at_ms`. Sequence numbers rise with time.
fn fetched(p: u16, kind: JobKind, at_ms: i64, result: Result<FetchData, ProviderError>) -> Action {
    let scope = if kind == JobKind::Accounts { "" } else { "d1" };
    Action::Fetched(Box::new(Fetched {
        requests: 1,
        provider: ProviderId(p),
        epoch: 0,
        seq: (at_ms - NOW + 1_000_000) as u64,
        job: JobKey {
            kind,
            scope: scope.into(),
        },
        at_ms,
        stale_after_ms: 15_000,
        result,
    }))
}

fn accounts(p: u16) -> Result<FetchData, ProviderError> {
    Ok(FetchData::Accounts(vec![Account {
        provider: ProviderId(p),
        id: "d1".into(),
        name: "d1.example".into(),
        parent: None,
        kind: AccountKind::Domain,
        active: Some(true),
        extra: Default::default(),
    }]))
}

fn calls(p: u16, at_ms: i64) -> Result<FetchData, ProviderError> {
    Ok(FetchData::Calls {
        live: vec![Call {
            provider: ProviderId(p),
            account: "d1".into(),
            account_name: Default::default(),
            id: format!("c-{at_ms}").into(),
            from: "+442071110000".into(),
            to: "+61293740000".into(),
            direction: Direction::Inbound,
            state: CallState::InCall,
            started_at_ms: Some(at_ms - 20 * S),
            answered_at_ms: None,
            ended_at_ms: None,
            extra: Default::default(),
        }],
        history: vec![],
    })
}

fn trunks(p: u16) -> Result<FetchData, ProviderError> {
    Ok(FetchData::Trunks(vec![Trunk {
        provider: ProviderId(p),
        account: "d1".into(),
        account_name: Default::default(),
        id: "t1".into(),
        name: "carrier-a".into(),
        host: "sip.carrier.example".into(),
        port: Some(5060),
        transport: "udp".into(),
        direction: "both".into(),
        prefix: String::new(),
        active: Some(true),
        extra: Default::default(),
    }]))
}

fn refused() -> ProviderError {
    ProviderError::Connect(
        "error sending request for url (http://127.0.0.1:7001/calls): Connection refused".into(),
    )
}

/// Every job of provider `p` loads at `at_ms`.
fn load_all(s: &mut State, p: u16, at_ms: i64) {
    update(s, fetched(p, JobKind::Accounts, at_ms, accounts(p)));
    update(s, fetched(p, JobKind::Calls, at_ms, calls(p, at_ms)));
    update(s, fetched(p, JobKind::Trunks, at_ms, trunks(p)));
    update(
        s,
        fetched(p, JobKind::Numbers, at_ms, Ok(FetchData::Numbers(vec![]))),
    );
    update(
        s,
        fetched(p, JobKind::Stats, at_ms, Ok(FetchData::Queues(vec![]))),
    );
}

fn lines(s: &State, (w, h): (u16, u16)) -> Vec<String> {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    t.draw(|f| ui::render(f, s, &Theme::default()))
        .expect("draw");
    let buf = t.backend().buffer();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect())
        .collect()
}

fn screen(s: &State, size: (u16, u16)) -> String {
    lines(s, size).join("\n")
}

fn status_bar(s: &State, size: (u16, u16)) -> String {
    lines(s, size).pop().unwrap_or_default()
}

/// The screen with each pane focused, at 80x24 and 120x30 (side panes included).
fn every_pane(s: &mut State) -> Vec<(Resource, (u16, u16), String)> {
    let before = s.focus;
    let mut out = Vec::new();
    for r in Resource::ALL {
        s.focus = r;
        for size in [(80, 24), (120, 30), (200, 50)] {
            out.push((r, size, screen(s, size)));
        }
    }
    s.focus = before;
    out
}

#[test]
fn after_a_provider_recovers_no_pane_shows_its_old_error() {
    let mut s = state_with(&["voipcloud", "iovox"]);
    load_all(&mut s, 0, NOW);
    load_all(&mut s, 1, NOW);

    // voipcloud goes away: its calls, trunks and numbers polls fail.
    let down = NOW + 10 * S;
    update(&mut s, fetched(0, JobKind::Calls, down, Err(refused())));
    update(&mut s, fetched(0, JobKind::Trunks, down, Err(refused())));
    update(
        &mut s,
        fetched(
            0,
            JobKind::Numbers,
            down,
            Err(ProviderError::Timeout(Duration::from_secs(10))),
        ),
    );
    update(&mut s, Action::Tick(NOW + 15 * S));
    let live = lines(&s, (80, 24));
    assert!(
        live[2].starts_with("│↯ voipcloud: connection failed: ")
            && live[2].ends_with("(just now)│"),
        "{live:#?}"
    );
    assert!(
        live[22].starts_with("↯ voipcloud: numbers d1: timed out"),
        "the message line reports the latest, with its kind's symbol:\n{live:#?}"
    );
    assert!(status_bar(&s, (80, 24)).starts_with("↯ voipcloud"));

    // Back 20 s later: one poll of calls succeeds. Trunks and numbers are still in
    // backoff, yet their "connection failed" is over too, and so is the message.
    let back = NOW + 20 * S;
    update(&mut s, fetched(0, JobKind::Calls, back, calls(0, back)));
    update(&mut s, Action::Tick(back + 2 * S));
    for (pane, size, text) in every_pane(&mut s) {
        for old in ["Connection refused", "connection failed", "timed out", "↯"] {
            assert!(
                !text.contains(old),
                "{pane:?} at {size:?} still shows {old:?}:\n{text}"
            );
        }
    }
    assert!(status_bar(&s, (80, 24)).starts_with("● voipcloud"));

    // Minutes later, still nothing.
    update(&mut s, Action::Tick(back + 180 * S));
    for (pane, size, text) in every_pane(&mut s) {
        assert!(
            !text.contains("Connection refused"),
            "{pane:?} at {size:?}:\n{text}"
        );
    }
}

#[test]
fn a_429_learned_at_start_clears_once_data_loads_and_never_reads_as_auth_failed() {
    let mut s = state_with(&["voipcloud"]);
    // Another client had spent the budget: the first poll gets a 429.
    update(
        &mut s,
        Action::RateLimited {
            provider: ProviderId(0),
            until_ms: NOW + 8 * S,
        },
    );
    update(
        &mut s,
        fetched(
            0,
            JobKind::Accounts,
            NOW,
            Err(ProviderError::RateLimited {
                retry_after: Some(Duration::from_secs(8)),
                message: "Too Many Requests".into(),
            }),
        ),
    );
    update(&mut s, Action::Tick(NOW + S));
    s.focus = Resource::Accounts;
    let text = screen(&s, (80, 24));
    assert!(text.contains("⏸ voipcloud: "), "{text}");
    assert!(!text.contains('✗'), "a 429 is not an auth failure:\n{text}");
    assert!(
        lines(&s, (80, 24))[22].starts_with("⏸ voipcloud: accounts: 429 rate limited"),
        "the message line uses the same symbol:\n{text}"
    );
    assert!(status_bar(&s, (80, 24)).starts_with("⏸ voipcloud rate-limited"));

    // The pause ends, the data loads.
    update(&mut s, Action::Tick(NOW + 9 * S));
    load_all(&mut s, 0, NOW + 10 * S);
    update(&mut s, Action::Tick(NOW + 60 * S));
    for (pane, size, text) in every_pane(&mut s) {
        for old in ["429", "⏸", "✗", "rate limit", "rate-limited"] {
            assert!(
                !text.contains(old),
                "{pane:?} at {size:?} still shows {old:?}:\n{text}"
            );
        }
    }
    assert!(status_bar(&s, (80, 24)).starts_with("● voipcloud"));
}

#[test]
fn an_error_of_one_job_stays_on_its_pane_until_that_job_succeeds() {
    let mut s = state_with(&["cloudonix"]);
    load_all(&mut s, 0, NOW);
    update(
        &mut s,
        fetched(
            0,
            JobKind::Trunks,
            NOW + 5 * S,
            Err(ProviderError::Decode(
                "expected a list of trunks, found a string".into(),
            )),
        ),
    );
    // Other jobs succeed: the provider answers, but its trunks still cannot be read.
    update(
        &mut s,
        fetched(0, JobKind::Calls, NOW + 10 * S, calls(0, NOW + 10 * S)),
    );
    update(&mut s, Action::Tick(NOW + 12 * S));
    s.focus = Resource::Trunks;
    let text = screen(&s, (80, 24));
    assert!(
        text.contains("≠ cloudonix: unreadable response: expected a list of trunks")
            && text.contains("(just now)"),
        "{text}"
    );
    s.focus = Resource::LiveCalls;
    let panes = lines(&s, (80, 24))[..22].join("\n");
    assert!(
        !panes.contains("unreadable"),
        "not a live-calls error:\n{panes}"
    );
    assert!(status_bar(&s, (80, 24)).starts_with("≠ cloudonix unreadable"));

    update(&mut s, fetched(0, JobKind::Trunks, NOW + 20 * S, trunks(0)));
    s.focus = Resource::Trunks;
    let text = screen(&s, (80, 24));
    assert!(!text.contains("unreadable"), "{text}");
    assert!(status_bar(&s, (80, 24)).starts_with("● cloudonix"));
}

#[test]
fn each_error_kind_has_its_own_symbol_and_the_legend_names_it() {
    let cases = [
        (
            ProviderError::Unauthorized("API key rejected".into()),
            "✗",
            "auth failed",
        ),
        (
            ProviderError::RateLimited {
                retry_after: None,
                message: "slow down".into(),
            },
            "⏸",
            "rate-limited",
        ),
        (refused(), "↯", "unreachable"),
        (
            ProviderError::Timeout(Duration::from_secs(10)),
            "↯",
            "unreachable",
        ),
        (
            ProviderError::Decode("looks like an HTML page".into()),
            "≠",
            "unreadable",
        ),
        (
            ProviderError::Server {
                status: 503,
                message: "Service Unavailable".into(),
            },
            "◐",
            "degraded",
        ),
        (ProviderError::Forbidden("no scope".into()), "◐", "degraded"),
    ];
    for (err, symbol, label) in cases {
        let mut s = state_with(&["cx"]);
        let shown = err.to_string();
        update(&mut s, fetched(0, JobKind::Calls, NOW, Err(err)));
        let text = lines(&s, (100, 30));
        let head = format!("│{symbol} cx: {}", &shown[..12]);
        let line = text
            .iter()
            .find(|l| l.starts_with(&head))
            .unwrap_or_else(|| panic!("no line {head:?}:\n{}", text.join("\n")));
        assert!(line.contains("(just now)"), "{line}");
        // The message line uses the same symbol.
        assert!(
            text.iter()
                .any(|l| l.starts_with(&format!("{symbol} cx: calls d1: {}", &shown[..12]))),
            "{}",
            text.join("\n")
        );
        let bar = status_bar(&s, (100, 30));
        assert!(bar.starts_with(&format!("{symbol} cx {label}")), "{bar}");
        // The help legend says what the symbol means.
        // The legend closes the help: scrolled to the end.
        s.overlay = Some(Overlay::Help);
        s.help_scroll = u16::MAX;
        let help = screen(&s, (100, 40));
        assert!(help.contains(&format!("{symbol} {label}")), "{help}");
    }
}

#[test]
fn error_lines_say_how_old_they_are_by_the_state_clock() {
    let mut s = state_with(&["voipcloud"]);
    load_all(&mut s, 0, NOW);
    update(&mut s, fetched(0, JobKind::Calls, NOW + S, Err(refused())));
    update(&mut s, Action::Tick(NOW + 126 * S));
    let text = screen(&s, (120, 30));
    assert!(text.contains("(2 min ago)"), "{text}");

    // Still failing: the line says when it was last seen and since when.
    update(
        &mut s,
        fetched(0, JobKind::Calls, NOW + 130 * S, Err(refused())),
    );
    // Ages are coarse (issue 14): 15 s after the last failure reads "10 s ago".
    update(&mut s, Action::Tick(NOW + 145 * S));
    let text = screen(&s, (120, 30));
    assert!(text.contains("(10 s ago, since 2 min ago)"), "{text}");

    // A long message on a narrow pane is cut, never the age.
    let bar_line = lines(&s, (80, 24))
        .into_iter()
        .find(|l| l.contains("↯ voipcloud:"))
        .unwrap_or_default();
    assert!(
        bar_line.ends_with("(10 s ago, since 2 min ago)│"),
        "{bar_line}"
    );
    assert!(bar_line.contains('…'), "{bar_line}");
}

#[test]
fn a_rejected_key_shows_even_during_a_429_pause() {
    let mut s = state_with(&["callable"]);
    update(
        &mut s,
        Action::RateLimited {
            provider: ProviderId(0),
            until_ms: NOW + 30 * S,
        },
    );
    assert!(status_bar(&s, (80, 24)).starts_with("⏸ callable rate-limited"));
    update(
        &mut s,
        fetched(
            0,
            JobKind::Accounts,
            NOW + S,
            Err(ProviderError::Unauthorized("token revoked".into())),
        ),
    );
    assert!(
        status_bar(&s, (80, 24)).starts_with("✗ callable auth failed"),
        "{}",
        status_bar(&s, (80, 24))
    );
}

#[test]
fn a_provider_that_cannot_be_polled_says_so_on_every_pane_it_feeds() {
    let mut s = state_with(&["iovox"]);
    update(
        &mut s,
        Action::ProviderDown {
            provider: ProviderId(0),
            message: "ca_file /etc/iovox.pem: no such file".into(),
        },
    );
    update(&mut s, Action::Tick(NOW + 3 * S));
    for (pane, size, text) in every_pane(&mut s) {
        assert!(
            text.contains("↯ iovox: ca_file /etc/iovox.pem: no such file (just now)"),
            "{pane:?} at {size:?}:\n{text}"
        );
    }
    assert!(lines(&s, (80, 24))[22].starts_with("↯ iovox: ca_file"));
    assert!(status_bar(&s, (80, 24)).starts_with("↯ iovox unreachable"));
}

/// Five providers in five states, as the demo names them.
fn five_states() -> State {
    let mut s = state_with(&[
        "cloudonix-demo",
        "voipcloud-demo",
        "iovox-demo",
        "callable-demo",
        "provoice-demo",
    ]);
    // cloudonix: fine, data 3 s old.
    load_all(&mut s, 0, NOW - 3 * S);
    update(
        &mut s,
        Action::Budget {
            provider: ProviderId(0),
            budget: BudgetView {
                remaining: 7,
                limit: 9,
                window_s: 10,
                scopes: 1,
                ..BudgetView::default()
            },
        },
    );
    // voipcloud: its trunks answer 503; data 12 s old.
    load_all(&mut s, 1, NOW - 12 * S);
    update(
        &mut s,
        fetched(
            1,
            JobKind::Trunks,
            NOW - 2 * S,
            Err(ProviderError::Server {
                status: 503,
                message: "Service Unavailable".into(),
            }),
        ),
    );
    // iovox: paused by a 429 for 20 s more; data a minute old.
    load_all(&mut s, 2, NOW - 65 * S);
    update(
        &mut s,
        Action::RateLimited {
            provider: ProviderId(2),
            until_ms: NOW + 20 * S,
        },
    );
    // callable: its key was revoked; data 5 min old.
    load_all(&mut s, 3, NOW - 300 * S);
    update(
        &mut s,
        fetched(
            3,
            JobKind::Calls,
            NOW - 10 * S,
            Err(ProviderError::Unauthorized("token expired".into())),
        ),
    );
    // provoice: down; data 14 min old.
    load_all(&mut s, 4, NOW - 840 * S);
    update(
        &mut s,
        fetched(4, JobKind::Calls, NOW - 5 * S, Err(refused())),
    );
    update(&mut s, Action::Tick(NOW));
    s
}

#[test]
fn status_bar_keeps_every_providers_state_and_age_with_five_providers() {
    let s = five_states();
    // Ages are coarse (issue 14): 3 s old data shows none, 12 s reads "10s".
    let facts = [
        ("●", "cloudonix", None),
        ("◐", "voipcloud", Some("10s")),
        ("⏸", "iovox", Some("1m")),
        ("✗", "callable", Some("5m")),
        ("↯", "provoice", Some("14m")),
    ];
    for w in [80u16, 120] {
        let bar = status_bar(&s, (w, 24));
        insta::assert_snapshot!(format!("status_bar_five_providers_{w}"), bar);
        // In order: each provider's symbol, (the start of) its name, then its data age.
        let mut rest = bar.as_str();
        for (symbol, name, age) in facts {
            let at = rest
                .find(&format!("{symbol} {}", &name[..5]))
                .unwrap_or_else(|| panic!("{symbol} {name} missing at {w}: {bar:?}"));
            rest = &rest[at..];
            let next = rest[symbol.len()..]
                .find(['●', '◐', '⏸', '✗', '↯', '?'])
                .map_or(rest.len(), |i| i + symbol.len());
            let segment = &rest[..next];
            match age {
                Some(age) => assert!(
                    segment.contains(&format!(" {age}")),
                    "{name}'s age {age} missing at {w}: {segment:?} in {bar:?}"
                ),
                None => assert!(
                    !segment.split_whitespace().any(|t| t
                        .strip_suffix(['s', 'm', 'h'])
                        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))),
                    "{name}'s fresh data shows an age at {w}: {segment:?} in {bar:?}"
                ),
            }
            rest = &rest[next..];
        }
        assert!(bar.contains("? help"), "{bar:?}");
    }
}
