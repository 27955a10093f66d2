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

    let t = trace::trace(&state, "+1 415 555 0199");
    assert!(!t.found && t.owners.is_empty());
    let near: Vec<&str> = t.near_matches.iter().map(|m| m.number.as_str()).collect();
    assert!(near.contains(&"+14155550100"), "{near:?}");
    assert!(near.len() <= trace::NEAR_MATCHES);
    let text = trace::text::lines(&t, state.now_ms, &state.tz);
    assert!(text[0].0.contains("unknown number"), "{text:?}");
    assert!(text.iter().any(|(l, _)| l == "Near matches"));
}
