//! The simulators at NOC scale: Cloudonix with 20 domains and 10,000 calls in progress
//! polled within its real rate limit and folded into the console's state (the live pane
//! shows them all), and VoIPcloud lists longer than 1,500 rows paged through in full.

use crate::support;

use std::collections::HashMap;

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use switchboard::action::{Action, Fetched};
use switchboard::model::{ProviderId, ProviderKind, Resource};
use switchboard::providers::voipcloud::{PAGE_CAP, PAGE_LIMIT};
use switchboard::providers::{FetchData, JobKey, JobKind, ProviderClient, VoipcloudSettings};
use switchboard::state::{ProviderState, State};
use switchboard::theme::Theme;
use switchboard::ui;
use switchboard::update::update;

const LIVE: usize = 10_000;
const DOMAINS: usize = 20;

fn fold(
    s: &mut State,
    seq: u64,
    job: JobKey,
    result: Result<FetchData, switchboard::providers::ProviderError>,
) {
    let at_ms = s.now_ms;
    update(
        s,
        Action::Fetched(Box::new(Fetched {
            requests: 1,
            provider: ProviderId(0),
            epoch: 0,
            seq,
            job,
            at_ms,
            stale_after_ms: 600_000,
            result,
        })),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_live_calls_reach_the_live_pane() {
    let sims = support::sims(140, |o| {
        o.cloudonix.domains = DOMAINS;
        o.cloudonix.live_calls = LIVE;
        o.cloudonix.history_calls = 2_000;
        o.cloudonix.max_sessions = 2_000;
        // No new calls while the test polls: the count stays exact.
        o.cloudonix.traffic = false;
    })
    .await;
    let sim = &sims.cloudonix;
    assert_eq!(sim.domains.len(), DOMAINS);
    assert_eq!(sim.live_sessions_total(), LIVE);
    assert_eq!(sim.sessions_total(), LIVE + 2_000);

    // The documented limit (10 requests per 10 s per domain), as the console would run.
    let cfg = support::cloudonix_config(&sim.base_url, &sim.customer_key);
    let client = ProviderClient::from_config(ProviderId(0), &cfg).unwrap();
    let mut s = State::new(
        vec![ProviderState::new(
            ProviderId(0),
            "cx",
            ProviderKind::Cloudonix,
            client.capabilities(),
        )],
        switchboard::clock::epoch_ms(),
    );
    s.tz = jiff::tz::TimeZone::UTC;
    let discovery = client.discovery_job().key;
    let result = client.fetch(&discovery).await;
    let Ok(FetchData::Accounts(accounts)) = &result else {
        panic!("discovery: {result:?}")
    };
    let accounts = accounts.clone();
    fold(&mut s, 1, discovery, result);
    let calls: Vec<JobKey> = client
        .jobs(&accounts)
        .into_iter()
        .map(|j| j.key)
        .filter(|k| k.kind == JobKind::Calls)
        .collect();
    assert_eq!(calls.len(), DOMAINS, "one sessions poll per domain");
    let mut history = 0;
    for (i, job) in calls.into_iter().enumerate() {
        let result = client.fetch(&job).await;
        if let Ok(FetchData::Calls { history: h, .. }) = &result {
            history += h.len();
        }
        fold(&mut s, 2 + i as u64, job, result);
    }
    assert_eq!(sim.throttled(), 0, "within the rate limit");
    assert_eq!(s.tables.live.rows.len(), LIVE);
    assert_eq!(history, 2_000, "ended sessions come back as history");

    s.focus = Resource::LiveCalls;
    let mut terminal = Terminal::new(TestBackend::new(120, 30)).unwrap();
    terminal
        .draw(|f| ui::render(f, &s, &Theme::default()))
        .unwrap();
    let screen: String = terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(screen.contains(&format!("{LIVE} ")), "the pane counts them");
    assert!(
        screen.contains("acme-"),
        "rows of the domains are on screen"
    );
}

#[tokio::test]
async fn voipcloud_lists_past_fifteen_hundred_rows_are_paged_through() {
    let sims = support::sims(141, |o| {
        o.voipcloud.history_calls = 8_000;
        o.voipcloud.calls_per_minute = 0.0;
    })
    .await;
    let sim = &sims.voipcloud;
    let mut cfg =
        switchboard::config::ProviderConfig::new("pbx-au", ProviderKind::Voipcloud, &sim.base_url);
    cfg.settings = VoipcloudSettings::new(&sim.token).into();
    cfg.timeout_seconds = Some(10.0);
    let client = ProviderClient::from_config(ProviderId(0), &cfg).unwrap();
    let key = |kind| JobKey {
        kind,
        scope: "pbx-au".into(),
    };
    // The simulator's whole lists for today, in one request each, before and after the
    // client's refresh (a seeded call in progress may join a list in between).
    let before = full_lists(sim).await;
    let Ok(FetchData::GroupCalls(records)) = client.fetch(&key(JobKind::Stats)).await else {
        panic!("stats");
    };
    let Ok(FetchData::Calls { live, history }) = client.fetch(&key(JobKind::Calls)).await else {
        panic!("calls");
    };
    let full = full_lists(sim).await;
    let (users, queues, rings) = (
        full["get-user-calls"],
        full["get-queue-calls"],
        full["get-ringgroup-calls"],
    );
    assert!(users > 2_000 && queues > 2_000 && rings > 1_500, "{full:?}");
    assert!(users.max(queues).max(rings) <= (PAGE_LIMIT * PAGE_CAP) as usize);
    // Every row arrived: none cut at the old 1,500.
    let groups = |m: &HashMap<&str, usize>| m["get-queue-calls"] + m["get-ringgroup-calls"];
    assert!((groups(&before)..=groups(&full)).contains(&records.len()));
    let all = |m: &HashMap<&str, usize>| m.values().sum::<usize>();
    assert!((all(&before)..=all(&full)).contains(&(live.len() + history.len())));
    let reqs = sim.requests();
    let paged = format!("limit={PAGE_LIMIT}");
    for (op, n) in full {
        let pages = reqs
            .iter()
            .filter(|r| r.path.contains(op) && r.path.contains(&paged))
            .count();
        assert_eq!(pages, n / PAGE_LIMIT as usize + 1, "{op}: {n} rows");
    }
}

/// Each list's length for today, asked for in one request of 10,000 rows.
async fn full_lists(sim: &switchboard::sim::VoipcloudSim) -> HashMap<&'static str, usize> {
    // The day the client asks for (its `from_date`).
    let from = jiff::Timestamp::from_millisecond(switchboard::clock::today_start_ms())
        .unwrap()
        .strftime("%Y-%m-%d")
        .to_string();
    let mut full = HashMap::new();
    for op in ["get-user-calls", "get-queue-calls", "get-ringgroup-calls"] {
        let url = format!(
            "{}/api/integration/v1/{op}?from_date={from}&limit=10000",
            sim.base_url
        );
        let body: serde_json::Value = reqwest::Client::new()
            .get(url)
            .header("token", &sim.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        full.insert(op, body["data"].as_array().unwrap().len());
    }
    full
}
