//! The VoIPcloud client against its simulator over real HTTP: lists, paging, v2 paths,
//! the whitelist 401 explained, click-to-call, and the budget over several scaled windows.

use crate::support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use switchboard::action::Action;
use switchboard::config::ProviderConfig;
use switchboard::model::{AccountKind, ProviderId, ProviderKind, Resource};
use switchboard::poller::{self, PollerCmd, PollerOptions};
use switchboard::providers::VoipcloudSettings;
use switchboard::providers::voipcloud::{self, Change, PAGE_CAP, PAGE_LIMIT};
use switchboard::providers::{
    FetchData, JobKey, JobKind, Mutation, ProviderChange, ProviderClient, RateLimit,
};
use switchboard::secret::Secret;
use switchboard::sim::VoipcloudSim;
use tokio_util::sync::CancellationToken;

fn config(sim: &VoipcloudSim, version: Option<&str>) -> ProviderConfig {
    let mut cfg = ProviderConfig::new("pbx-au", ProviderKind::Voipcloud, &sim.base_url);
    cfg.settings = VoipcloudSettings {
        api_version: version.map(Into::into),
        ..VoipcloudSettings::new(&sim.token)
    }
    .into();
    cfg.timeout_seconds = Some(5.0);
    cfg
}

fn key(kind: JobKind, scope: &str) -> JobKey {
    JobKey {
        kind,
        scope: scope.into(),
    }
}

#[tokio::test]
async fn lists_live_calls_history_and_statistics() {
    // Busy enough that today's queue list usually needs more than one page.
    let sims = support::sims(21, |o| o.voipcloud.calls_per_minute = 12.0).await;
    let sim = &sims.voipcloud;
    let client = ProviderClient::from_config(ProviderId(1), &config(sim, None)).unwrap();
    let Ok(FetchData::Accounts(accounts)) = client.fetch(&client.discovery_job().key).await else {
        panic!("discovery");
    };
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].id, "pbx-au");
    assert_eq!(accounts[0].kind, AccountKind::Domain);
    assert!(
        accounts[0]
            .extra
            .iter()
            .any(|f| f == ("system status", "operational"))
    );
    let jobs = client.jobs(&accounts);
    assert_eq!(jobs.len(), 2);
    // Stats first: its queue/ring-group calls join the history.
    let Ok(FetchData::GroupCalls(records)) = client.fetch(&key(JobKind::Stats, "pbx-au")).await
    else {
        panic!("stats");
    };
    // The console computes the figures for the chosen window (here: today).
    let now = switchboard::clock::epoch_ms();
    let day_start = jiff::Zoned::now()
        .start_of_day()
        .map(|z| z.timestamp().as_millisecond())
        .unwrap();
    let rows = switchboard::stats::compute(
        switchboard::model::ProviderId(0),
        "pbx-au",
        &records,
        switchboard::stats::StatsWindow::Today,
        now,
        day_start,
    );
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    for n in ["sales", "support", "reception"] {
        assert!(names.contains(&n), "{names:?}");
    }
    let total: u32 = rows.iter().filter_map(|r| r.total).sum();
    assert!(total > 0);
    let support_row = rows.iter().find(|r| r.name == "support").unwrap();
    assert_eq!(support_row.period, "today");
    assert!(support_row.answered.unwrap() > 0 && !support_row.per_agent.is_empty());
    let used = match &client {
        ProviderClient::Voipcloud(c) => c.requests_used(&key(JobKind::Stats, "pbx-au")),
        _ => None,
    }
    .unwrap();

    let Ok(FetchData::Calls { live, history }) = client.fetch(&key(JobKind::Calls, "pbx-au")).await
    else {
        panic!("calls");
    };
    assert_eq!(live.len(), sim.live_user_calls());
    assert!(!live.is_empty(), "seeded live calls");
    assert!(
        history
            .iter()
            .any(|c| c.extra.iter().any(|(k, _)| k == "queue"))
    );
    assert!(
        history
            .iter()
            .any(|c| c.extra.iter().any(|(k, _)| k == "user"))
    );
    // Every request carried the token header, never api_key.
    let reqs = sim.requests();
    assert!(
        reqs.iter()
            .all(|r| r.header_auth && !r.path.contains("api_key"))
    );
    assert!(
        reqs.iter()
            .all(|r| r.path.starts_with("/api/integration/v1/"))
    );
    // Paging: one page per PAGE_LIMIT rows until a short page, at most PAGE_CAP per list. The
    // expected count comes from the simulator's full lists for the same from_date.
    let from = reqs
        .iter()
        .find_map(|r| r.path.split("from_date=").nth(1))
        .map(|s| s.split('&').next().unwrap_or("").to_string())
        .unwrap();
    let mut expected = 0;
    for op in ["get-queue-calls", "get-ringgroup-calls"] {
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
        let n = body["data"].as_array().unwrap().len();
        let page = PAGE_LIMIT as usize;
        expected += (n / page + 1).min(PAGE_CAP as usize) as u32;
        let second = format!("offset={page}");
        let paged = reqs
            .iter()
            .any(|r| r.path.contains(op) && r.path.contains(&second));
        assert_eq!(paged, n >= page, "{op}: {n} rows");
    }
    assert_eq!(used, expected, "requests used by the stats job");
    assert!(
        reqs.iter()
            .all(|r| r.path.contains("from_date=") || r.path.contains("status"))
    );
}

#[tokio::test]
async fn v2_paths_work_the_same() {
    let sims = support::sims(22, |_| {}).await;
    let sim = &sims.voipcloud;
    let client = ProviderClient::from_config(ProviderId(0), &config(sim, Some("v2"))).unwrap();
    let Ok(FetchData::Calls { live, history }) = client.fetch(&key(JobKind::Calls, "pbx-au")).await
    else {
        panic!("calls");
    };
    // v2 rows are finished calls (no `call_finished_at`): nothing of them is live, and
    // each ended at start + call_duration.
    assert!(live.is_empty(), "{live:?}");
    assert!(!history.is_empty());
    let user_calls: Vec<_> = history
        .iter()
        .filter(|c| {
            c.extra
                .iter()
                .any(|(k, v)| k == "type" && v.starts_with("user_"))
        })
        .collect();
    assert!(!user_calls.is_empty());
    assert!(
        user_calls
            .iter()
            .all(|c| c.ended_at_ms.is_some() && !c.state.is_live()),
        "{user_calls:?}"
    );
    assert!(
        sim.requests()
            .iter()
            .all(|r| r.path.starts_with("/api/integration/v2/"))
    );
}

#[tokio::test]
async fn a_host_outside_the_whitelist_sees_the_401_explained() {
    let sims = support::sims(23, |o| o.voipcloud.whitelist = Some(vec![])).await;
    let sim = &sims.voipcloud;
    let client = ProviderClient::from_config(ProviderId(0), &config(sim, None)).unwrap();
    let err = client.fetch(&client.discovery_job().key).await.unwrap_err();
    assert!(err.is_auth());
    assert_eq!(
        err.to_string(),
        "401 key rejected: the PBX rejected the token, or this host's IP is not whitelisted"
    );
    // A wrong token reads the same (the API cannot tell them apart) and never shows it.
    sim.set_whitelist(None);
    let mut cfg = config(sim, None);
    if let Some(s) = cfg.kind_settings_mut::<VoipcloudSettings>() {
        s.token = Secret::new("wrong-token-abcdef");
    }
    let client = ProviderClient::from_config(ProviderId(0), &cfg).unwrap();
    let err = client.fetch(&client.discovery_job().key).await.unwrap_err();
    assert!(err.is_auth() && !err.to_string().contains("wrong-token"));
}

#[tokio::test]
async fn call_to_number_creates_a_live_call_and_read_only_refuses() {
    let sims = support::sims(24, |o| {
        o.voipcloud.click_call_duration = Duration::from_secs(2);
    })
    .await;
    let sim = &sims.voipcloud;
    let client = ProviderClient::from_config(ProviderId(0), &config(sim, None)).unwrap();
    let m = Mutation::Provider {
        account: "pbx-au".into(),
        command: "call".into(),
        change: ProviderChange::Voipcloud(Change::CallToNumber {
            user_number: "203".into(),
            number_to_call: "61299990000".into(),
            caller_id: None,
        }),
    };
    let preview = client.preview(&m).unwrap();
    assert_eq!(preview.method, "POST");
    assert_eq!(preview.path, "/api/integration/v1/call-to-number");
    assert_eq!(
        preview.body.as_deref(),
        Some(r#"{"number_to_call":"61299990000","user_number":"203"}"#)
    );
    client.set_read_only(true);
    let err = client.mutate(&m).await.unwrap_err();
    assert!(err.to_string().contains("read-only"), "{err}");
    assert!(sim.requests().is_empty(), "nothing sent while read-only");
    client.set_read_only(false);
    let before = sim.live_user_calls();
    let out = client.mutate(&m).await.unwrap();
    assert!(out.created_id.is_some());
    assert!(out.message.contains("ringing 203"), "{}", out.message);
    assert_eq!(sim.live_user_calls(), before + 1);
    let Ok(FetchData::Calls { live, .. }) = client.fetch(&key(JobKind::Calls, "pbx-au")).await
    else {
        panic!("calls");
    };
    assert!(
        live.iter()
            .any(|c| c.to == "+61299990000" && c.from == "203")
    );
    // Live until it ends.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(sim.live_user_calls(), before);
    // An unknown user number is the PBX's 404, explained.
    let bad = Mutation::Provider {
        account: "pbx-au".into(),
        command: "call".into(),
        change: ProviderChange::Voipcloud(Change::CallToNumber {
            user_number: "999".into(),
            number_to_call: "61299990000".into(),
            caller_id: None,
        }),
    };
    assert_eq!(client.mutate(&bad).await.unwrap_err().status(), Some(404));
}

/// Requests in the busiest `window` of `times`.
fn busiest(times: &[std::time::Instant], window: Duration) -> usize {
    let mut best = 0;
    for (i, t) in times.iter().enumerate() {
        let n = times[i..]
            .iter()
            .take_while(|u| u.duration_since(*t) < window)
            .count();
        best = best.max(n);
    }
    best
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn budget_holds_over_several_scaled_windows() {
    // 100 per 15 s stands for 100 per 15 min: three and a half windows.
    let window = Duration::from_secs(15);
    let sims = support::sims(25, |o| {
        o.voipcloud.rate_limit_window = window;
    })
    .await;
    let sim = &sims.voipcloud;
    let cfg = support::with_rate(config(sim, None), 100, window);
    let client = Arc::new(ProviderClient::from_config(ProviderId(0), &cfg).unwrap());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let cancel = CancellationToken::new();
    let limit = RateLimit {
        requests: 100,
        per: window,
    };
    let handle = poller::spawn(
        ProviderId(0),
        client,
        limit,
        PollerOptions::default(),
        tx,
        cancel.clone(),
    );
    let mut ok: HashMap<JobKind, u32> = HashMap::new();
    let mut errors = Vec::new();
    let mut budget_seen = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(52);
    let mut n = 0u32;
    while let Ok(Some(action)) = tokio::time::timeout_at(deadline, rx.recv()).await {
        match action {
            Action::Fetched(f) => {
                match &f.result {
                    Ok(_) => *ok.entry(f.job.kind).or_default() += 1,
                    Err(e) => errors.push(e.to_string()),
                }
                n += 1;
                // The operator moves between the calls and the queues panes.
                if n.is_multiple_of(20) {
                    let r = [Resource::LiveCalls, Resource::Queues][(n / 20 % 2) as usize];
                    handle.send(PollerCmd::Visible(r));
                }
            }
            Action::Budget { budget, .. } if budget.used > 50 => budget_seen = Some(budget),
            _ => {}
        }
    }
    cancel.cancel();
    let reqs = sim.requests();
    let times: Vec<_> = reqs.iter().map(|r| r.at).collect();
    let peak = busiest(&times, window);
    eprintln!(
        "requests {} peak/15s {peak} refreshes {ok:?} errors {errors:?}",
        reqs.len()
    );
    assert_eq!(sim.throttled(), 0, "no 429s: {errors:?}");
    assert!(errors.is_empty(), "{errors:?}");
    assert!(peak <= 100, "busiest window held {peak}");
    // Every list refreshed, several times.
    for kind in [JobKind::Accounts, JobKind::Calls, JobKind::Stats] {
        assert!(ok.get(&kind).copied().unwrap_or(0) >= 3, "{kind:?}: {ok:?}");
    }
    // The budget was used (not idling) and the view said so.
    assert!(
        reqs.len() > 200,
        "only {} requests in 3.5 windows",
        reqs.len()
    );
    let b = budget_seen.expect("budget view reported");
    assert_eq!(b.documented, 100);
    assert!(b.resets_in_s <= 15);
    let _ = voipcloud::plan(limit);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_coming_on_screen_moves_to_its_on_screen_interval() {
    // 100 per 90 s: stats every 3.3 s on screen, every 10 s in the background.
    let window = Duration::from_secs(90);
    let sims = support::sims(26, |o| o.voipcloud.rate_limit_window = window).await;
    let sim = &sims.voipcloud;
    let cfg = support::with_rate(config(sim, None), 100, window);
    let client = Arc::new(ProviderClient::from_config(ProviderId(0), &cfg).unwrap());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let cancel = CancellationToken::new();
    let limit = RateLimit {
        requests: 100,
        per: window,
    };
    let handle = poller::spawn(
        ProviderId(0),
        client,
        limit,
        PollerOptions::default(),
        tx,
        cancel.clone(),
    );
    // The first stats run (live calls on screen).
    let first = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(a) = rx.recv().await {
            if matches!(&a, Action::Fetched(f) if f.job.kind == JobKind::Stats) {
                return;
            }
        }
    })
    .await;
    assert!(first.is_ok(), "stats fetched at start");
    handle.send(PollerCmd::Visible(Resource::Queues));
    let started = tokio::time::Instant::now();
    let again = tokio::time::timeout(Duration::from_secs(7), async {
        while let Some(a) = rx.recv().await {
            if matches!(&a, Action::Fetched(f) if f.job.kind == JobKind::Stats) {
                return;
            }
        }
    })
    .await;
    cancel.cancel();
    assert!(
        again.is_ok(),
        "stats refreshed at the on-screen interval, not the background one"
    );
    assert!(started.elapsed() < Duration::from_secs(7));
}
