//! The number trace against the simulators: for a number of each provider, its owner,
//! route, trunks, live calls and history; unknown numbers with near matches; the
//! `trace` command's JSON; the overlay opened from the Numbers pane.

use crate::support;

use std::path::Path;

use switchboard::state::State;
use switchboard::trace::{self, Trace};

/// Polls every simulator once (as `switchboard trace` does) into one console state.
async fn polled(seed: u64) -> State {
    let sims = support::sims(seed, |_| {}).await;
    let loaded = switchboard::config::parse(&sims.config_toml(), Path::new("<sim>")).unwrap();
    let snaps = switchboard::snapshot::collect(&loaded.config).await;
    for s in &snaps {
        assert_eq!(s.status, "ok", "{}: {:?}", s.name, s.error);
    }
    let now = switchboard::clock::epoch_ms();
    trace::cli::state_of(&loaded.config, snaps, now)
}

fn provider_of(state: &State, kind: &str) -> switchboard::model::ProviderId {
    let p = state
        .providers
        .iter()
        .find(|p| p.kind.as_str() == kind)
        .unwrap_or_else(|| panic!("no {kind} provider"));
    p.id
}

/// A number of `kind` that has a call in `calls` (its `to`), if the traffic made one.
fn number_with_call(
    state: &State,
    kind: &str,
    calls: &[switchboard::model::Call],
) -> Option<String> {
    let pid = provider_of(state, kind);
    state
        .tables
        .numbers
        .rows
        .iter()
        .filter(|n| n.provider == pid)
        .find(|n| {
            calls
                .iter()
                .any(|c| c.provider == pid && trace::digits(&c.to) == trace::digits(&n.number))
        })
        .map(|n| n.number.clone())
}

fn only_owner(t: &Trace) -> &trace::Owner {
    assert!(t.found, "{t:#?}");
    assert_eq!(t.owners.len(), 1, "{t:#?}");
    &t.owners[0]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_of_each_provider_traces_to_its_owner_route_trunks_and_calls() {
    let state = polled(5).await;

    // Cloudonix: a DNID → its domain, the application, the domain's trunks; a number
    // with a live call lists it, one with history lists its last calls.
    let t = trace::trace(&state, "+1 (415) 555-0100");
    let o = only_owner(&t);
    assert_eq!(o.kind, "cloudonix");
    assert_eq!(o.account_id, "acme-main.cloudonix.net");
    assert!(
        o.route
            .iter()
            .any(|s| s == "→ application ivr-main (id 4028)"),
        "{:?}",
        o.route
    );
    let names: Vec<&str> = o.trunks.iter().map(|t| t.name.as_str()).collect();
    assert!(names.contains(&"carrier-a-primary"), "{names:?}");
    assert!(o.trunks.len() >= 2 && o.numbers_age_s.is_some() && o.trunks_age_s.is_some());
    let live = number_with_call(&state, "cloudonix", &state.tables.live.rows)
        .expect("the demo traffic has a live call on a Cloudonix number");
    let t = trace::trace(&state, &live);
    assert!(!t.live_calls.is_empty(), "{t:#?}");
    assert!(
        t.live_calls
            .iter()
            .all(|c| c.state == "in call" && c.age_s.is_some())
    );
    let hist = number_with_call(&state, "cloudonix", &state.tables.history.rows)
        .expect("history on a Cloudonix number");
    let t = trace::trace(&state, &hist);
    assert!(!t.recent_calls.is_empty());
    let starts: Vec<i64> = t
        .recent_calls
        .iter()
        .filter_map(|c| c.started_at_ms)
        .collect();
    assert!(
        starts.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {starts:?}"
    );

    // Callable: a DDI → its account by name, the flow block that takes it (ROUTE_START,
    // connectTo chain) and the gateway's trunk.
    let t = trace::trace(&state, "44 1234 567890");
    let o = only_owner(&t);
    assert_eq!(o.kind, "callable");
    assert_eq!(o.account, "Darren's Pizzas");
    assert_eq!(o.route[0], "▶ Start of Flow [ROUTE_START, ext 600]");
    assert!(
        o.route
            .iter()
            .any(|s| s.contains("connectTo → Primary GW [SIP_GATEWAY"))
    );
    assert_eq!(o.trunks.len(), 1);
    assert_eq!(
        (o.trunks[0].host.as_str(), o.trunks[0].port),
        ("1.1.1.1", Some(5060))
    );
    // Its other account's DDI has no flow and a live call on it.
    let t = trace::trace(&state, "+441234567800");
    let o = only_owner(&t);
    assert!(
        o.route.iter().any(|s| s.contains("(no flow)")),
        "{:?}",
        o.route
    );
    assert!(
        t.live_calls.iter().any(|c| c.provider == "callable-demo"),
        "{t:#?}"
    );

    // IOVOX: a VoxNumber → its link (by name), node, the link's type and rules; no
    // trunks (IOVOX lists none); its history.
    let t = trace::trace(&state, "+44 20 7123 4501");
    let o = only_owner(&t);
    assert_eq!(
        (o.kind.as_str(), o.account.as_str()),
        ("iovox", "Sales line")
    );
    assert_eq!(
        o.route,
        [
            "→ node London office",
            "  → link Sales line (PHONE)",
            "    call status on",
            "    rules: Ring sales team"
        ]
    );
    assert!(!o.trunks_offered && o.trunks.is_empty());
    assert!(!t.recent_calls.is_empty());
    assert!(t.recent_calls.iter().all(|c| c.account == "Sales line"));

    // ProVoice: an extension → its customer by name, its destination (the trunk it
    // uses) and its own forward; its history.
    let t = trace::trace(&state, "+31 20 700 2000");
    let o = only_owner(&t);
    assert_eq!(
        (o.kind.as_str(), o.account.as_str()),
        ("provoice", "Reseller Noord")
    );
    assert!(
        o.route[0].contains("→ destination pbx-2 (10.2.0.10:5060)"),
        "{:?}",
        o.route
    );
    assert!(
        o.route.iter().any(|s| s.starts_with("  forward busy → ")),
        "{:?}",
        o.route
    );
    assert_eq!(o.trunks.len(), 1);
    assert_eq!(o.trunks[0].name, "pbx-2");
    assert!(!t.recent_calls.is_empty() && t.recent_calls.len() <= trace::RECENT_CALLS);
    // VoIPcloud lists no numbers: the trace says its calls were searched, not its numbers.
    assert!(
        t.gaps
            .iter()
            .any(|g| g.starts_with("voipcloud-demo lists no numbers"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_typed_any_way_is_the_same_number_and_an_unknown_one_gets_near_matches() {
    let state = polled(6).await;
    let owners = |q: &str| trace::trace(&state, q).owners;
    let want = owners("+14155550101");
    assert_eq!(want.len(), 1);
    for typed in [
        "14155550101",
        "+1 415 555 0101",
        "1 (415) 555-0101",
        "415.555.0101",
    ] {
        assert_eq!(owners(typed), want, "{typed}");
    }

    // A DNID pattern takes the numbers it matches, not the ones that share its digits.
    let t = trace::trace(&state, "3042");
    let o = only_owner(&t);
    assert_eq!(o.number, "30[0-4][0-9]");
    assert!(
        o.route.iter().any(|s| s.contains("voicemail")),
        "{:?}",
        o.route
    );
    assert!(!trace::trace(&state, "300409").found);

    let t = trace::trace(&state, "+1 415 555 0199");
    assert!(!t.found && t.owners.is_empty());
    let near: Vec<&str> = t.near_matches.iter().map(|m| m.number.as_str()).collect();
    assert!(near.contains(&"+14155550100"), "{near:?}");
    assert!(near.len() <= trace::NEAR_MATCHES);
    let text = trace::text::lines(&t, state.now_ms, &state.tz);
    assert!(text[0].0.contains("unknown number"), "{text:?}");
    assert!(text.iter().any(|(l, _)| l == "Near matches"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trace_command_prints_the_documented_json_and_exits_by_whether_the_number_is_known() {
    let sims = support::sims(7, |_| {}).await;
    let home = std::env::temp_dir().join(format!(
        "sb-trace-{}-{}",
        std::process::id(),
        support::unique()
    ));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).unwrap();
    let config = home.join("config.toml");
    std::fs::write(&config, sims.config_toml()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let run = |args: Vec<String>| {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchboard"));
        cmd.args(args)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", &home);
        cmd.output()
    };
    let cfg = config.to_str().unwrap().to_owned();
    let out = run(vec![
        "trace".into(),
        "+44 20 7123 4501".into(),
        "--json".into(),
        "--config".into(),
        cfg.clone(),
    ])
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
    for key in [
        "generated_at_ms",
        "query",
        "digits",
        "found",
        "owners",
        "live_calls",
        "recent_calls",
        "near_matches",
        "gaps",
        "providers",
    ] {
        assert!(doc.get(key).is_some(), "{key} missing: {doc}");
    }
    assert_eq!(doc["digits"], "442071234501");
    assert_eq!(doc["found"], true);
    let o = &doc["owners"][0];
    assert_eq!(o["kind"], "iovox");
    assert_eq!(o["account"], "Sales line");
    assert_eq!(o["route"][1], "  → link Sales line (PHONE)");
    assert!(o["numbers_age_s"].is_i64());
    assert_eq!(doc["providers"].as_array().map(Vec::len), Some(5));
    assert!(
        doc["providers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["status"] == "ok"),
        "{doc}"
    );
    assert!(doc["recent_calls"][0]["started_at_ms"].is_i64());

    // An unknown number: exit 1, says so in text, with near matches. (Fresh simulators:
    // the first poll used up the smaller providers' windows.)
    let sims = support::sims(8, |_| {}).await;
    std::fs::write(&config, sims.config_toml()).unwrap();
    let out = run(vec![
        "trace".into(),
        "+44 20 7123 4599".into(),
        "--config".into(),
        cfg,
    ])
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.starts_with("+44 20 7123 4599: unknown number — no configured provider lists it\n"),
        "{stdout}"
    );
    assert!(stdout.contains("Near matches\n  +442071234501"), "{stdout}");
    let _ = std::fs::remove_dir_all(&home);
}

// ------------------------------------------------------- in the console: keys, overlay

mod console {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use switchboard::action::{Action, Fetched};
    use switchboard::model::*;
    use switchboard::providers::{FetchData, JobKey, JobKind};
    use switchboard::state::{Level, Overlay, ProviderState, State};
    use switchboard::theme::Theme;
    use switchboard::update::update;

    const NOW: i64 = 1_700_000_000_000;

    fn fetched(kind: JobKind, data: FetchData, at_ms: i64) -> Action {
        Action::Fetched(Box::new(Fetched {
            requests: 1,
            provider: ProviderId(0),
            epoch: 0,
            seq: 1,
            job: JobKey {
                kind,
                scope: "d1".into(),
            },
            at_ms,
            stale_after_ms: 60_000,
            result: Ok(data),
        }))
    }

    fn key(c: KeyCode) -> Action {
        Action::Key(KeyEvent::new(c, KeyModifiers::NONE))
    }

    fn state() -> State {
        let mut s = State::new(
            vec![ProviderState::new(
                ProviderId(0),
                "cx",
                ProviderKind::Cloudonix,
                switchboard::providers::cloudonix::CAPABILITIES,
            )],
            NOW,
        );
        s.tz = jiff::tz::TimeZone::UTC;
        let number = Number {
            provider: ProviderId(0),
            account: "d1".into(),
            account_name: Default::default(),
            id: "9".into(),
            number: "+15551230000".into(),
            target: "ivr".into(),
            active: Some(true),
            extra: vec![("application id".into(), "4".into())].into(),
        };
        let call = Call {
            provider: ProviderId(0),
            account: "d1".into(),
            account_name: Default::default(),
            id: "c1".into(),
            from: "15557770000".into(),
            to: "15551230000".into(),
            direction: Direction::Inbound,
            state: CallState::InCall,
            started_at_ms: Some(NOW - 65_000),
            answered_at_ms: None,
            ended_at_ms: None,
            extra: Default::default(),
        };
        update(
            &mut s,
            fetched(
                JobKind::Numbers,
                FetchData::Numbers(vec![number]),
                NOW - 30_000,
            ),
        );
        update(
            &mut s,
            fetched(
                JobKind::Calls,
                FetchData::Calls {
                    live: vec![call],
                    history: vec![],
                },
                NOW - 2_000,
            ),
        );
        s
    }

    fn screen(s: &State) -> String {
        let mut t = Terminal::new(TestBackend::new(120, 30)).unwrap();
        t.draw(|f| switchboard::ui::render(f, s, &Theme::default()))
            .unwrap();
        let buf = t.backend().buffer();
        (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn t_on_a_number_opens_its_trace_with_the_live_call_and_the_datas_age() {
        let mut s = state();
        update(&mut s, key(KeyCode::Char('5')));
        update(&mut s, key(KeyCode::Char('T')));
        assert_eq!(
            s.overlay,
            Some(Overlay::Trace {
                query: "+15551230000".into(),
                scroll: 0
            })
        );
        let text = screen(&s);
        assert!(text.contains("Trace +15551230000"), "{text}");
        assert!(
            text.contains("+15551230000 — cx (cloudonix) / d1, active"),
            "{text}"
        );
        assert!(text.contains("→ application ivr (id 4)"), "{text}");
        assert!(text.contains("(numbers as of 30 s ago)"), "{text}");
        assert!(text.contains("Live calls on it now: 1"), "{text}");
        assert!(
            text.contains(
                "15557770000 → 15551230000  in  in call 01:05  cx / d1  (as of just now)"
            ),
            "{text}"
        );
        // Esc closes it.
        update(&mut s, key(KeyCode::Esc));
        assert_eq!(s.overlay, None);
    }

    #[test]
    fn t_on_a_live_call_or_its_details_traces_the_number_it_reached() {
        let mut s = state();
        update(&mut s, key(KeyCode::Char('2')));
        update(&mut s, key(KeyCode::Enter));
        assert!(matches!(s.overlay, Some(Overlay::Details { .. })));
        update(&mut s, key(KeyCode::Char('T')));
        assert!(
            matches!(&s.overlay, Some(Overlay::Trace { query, .. }) if query == "15551230000"),
            "{:?}",
            s.overlay
        );
    }

    #[test]
    fn trace_with_a_typed_number_works_anywhere_and_without_one_says_what_to_do() {
        let mut s = state();
        update(&mut s, key(KeyCode::Char('1')));
        update(&mut s, key(KeyCode::Char('T')));
        assert_eq!(s.overlay, None);
        let m = s.message.clone().expect("a message");
        assert_eq!(m.level, Level::Warn);
        assert!(m.text.contains(":trace <number>"), "{}", m.text);

        // `:trace` typed in the palette with a number, written another way.
        update(&mut s, key(KeyCode::Char(':')));
        for c in "trace +1 555 123 0000".chars() {
            update(&mut s, key(KeyCode::Char(c)));
        }
        update(&mut s, key(KeyCode::Enter));
        assert!(
            matches!(&s.overlay, Some(Overlay::Trace { query, .. }) if query == "+1 555 123 0000"),
            "{:?}",
            s.overlay
        );
        assert!(screen(&s).contains("+15551230000 — cx (cloudonix) / d1"));

        // Unknown: says so, with the near match.
        s.overlay = None;
        switchboard::update::run_command(
            &mut s,
            switchboard::command::CommandId::Trace,
            "15551230001",
        );
        let text = screen(&s);
        assert!(text.contains("15551230001: unknown number"), "{text}");
        assert!(text.contains("+15551230000  cx / d1"), "{text}");
    }

    #[test]
    fn help_lists_trace() {
        let mut s = state();
        update(&mut s, key(KeyCode::Char('?')));
        let text = screen(&s);
        assert!(text.contains("Trace a number"), "{text}");
    }
}
