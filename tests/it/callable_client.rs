//! The Callable client against its simulator over real HTTP: the token lifecycle
//! (refresh before expiry, once on 401, sign-in when the refresh token is gone, a clear
//! "sign-in failed"), the account tree and details, and every mutation.

use crate::support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use switchboard::config::ProviderConfig;
use switchboard::model::{AccountKind, ProviderId, ProviderKind};
use switchboard::providers::CallableSettings;
use switchboard::providers::callable::{self, CallSpec, CallTarget, Change, HookBody, TrunkBody};
use switchboard::providers::{FetchData, JobKey, JobKind, Mutation, ProviderChange, ProviderError};
use switchboard::sim::CallableSim;

const DARREN: &str = "5554872eb0731b38efa4d444";
const DEAN: &str = "5564872eb0731b38efa4d555";

fn config(sim: &CallableSim) -> ProviderConfig {
    let mut cfg = ProviderConfig::new("callable", ProviderKind::Callable, &sim.base_url);
    cfg.settings = CallableSettings::new(&sim.username, &sim.password).into();
    cfg.timeout_seconds = Some(5.0);
    cfg
}

fn client(sim: &CallableSim) -> callable::Client {
    callable::Client::new(ProviderId(0), &config(sim)).expect("client")
}

fn key(kind: JobKind, scope: &str) -> JobKey {
    JobKey {
        kind,
        scope: scope.into(),
    }
}

fn provider(account: &str, command: &'static str, change: Change) -> Mutation {
    Mutation::Provider {
        account: account.into(),
        command: command.into(),
        change: ProviderChange::Callable(change),
    }
}

/// Polls the trunks of Darren's Pizzas every 200 ms for `secs`, returning the failures.
async fn poll(c: &callable::Client, secs: u64) -> Vec<ProviderError> {
    let end = Instant::now() + Duration::from_secs(secs);
    let mut errors = Vec::new();
    while Instant::now() < end {
        if let Err(e) = c.fetch(&key(JobKind::Trunks, DARREN)).await {
            errors.push(e);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    errors
}

#[tokio::test]
async fn a_three_second_token_is_refreshed_for_twenty_seconds_without_a_new_sign_in() {
    let sims = support::sims(61, |o| {
        o.callable.access_ttl = Duration::from_secs(3);
    })
    .await;
    let sim = &sims.callable;
    let c = client(sim);
    let errors = poll(&c, 20).await;
    let stats = sim.token_stats();
    eprintln!(
        "3 s token, 20 s: {stats:?}, failed fetches {}",
        errors.len()
    );
    assert!(errors.len() <= 1, "{errors:?}");
    assert!(stats.expired <= 1, "{stats:?}");
    assert_eq!(
        stats.sign_ins, 1,
        "no password sign-in while the refresh token is valid"
    );
    assert!(stats.refreshes >= 5, "a 3 s token over 20 s: {stats:?}");
    assert_eq!(stats.refused, 0, "{stats:?}");
    assert_eq!(c.auth().stats().sign_ins, 1);
}

#[tokio::test]
async fn an_expired_refresh_token_leads_to_a_new_password_sign_in() {
    let sims = support::sims(62, |o| {
        o.callable.access_ttl = Duration::from_secs(3);
        o.callable.refresh_ttl = Duration::from_secs(7);
    })
    .await;
    let sim = &sims.callable;
    let c = client(sim);
    let errors = poll(&c, 20).await;
    let stats = sim.token_stats();
    eprintln!(
        "3 s token, 7 s session, 20 s: {stats:?}, failed fetches {}",
        errors.len()
    );
    assert!(errors.len() <= 1, "{errors:?}");
    // A 7 s session over 20 s: signed in at 0, ~7 and ~14 s.
    assert!(stats.sign_ins >= 2 && stats.sign_ins <= 4, "{stats:?}");
    assert!(stats.refreshes >= 2, "{stats:?}");
}

#[tokio::test]
async fn a_401_refreshes_once_and_repeats_the_request() {
    let sims = support::sims(63, |_| {}).await;
    let sim = &sims.callable;
    let c = client(sim);
    c.fetch(&key(JobKind::Trunks, DARREN)).await.expect("first");
    sim.revoke_access_tokens();
    let got = c
        .fetch(&key(JobKind::Trunks, DARREN))
        .await
        .expect("after revoke");
    assert!(matches!(got, FetchData::Trunks(t) if t.len() == 1));
    let stats = sim.token_stats();
    assert_eq!((stats.sign_ins, stats.refreshes, stats.expired), (1, 1, 1));

    // Refresh refused too: a new password sign-in, still no failure.
    sim.revoke_access_tokens();
    sim.revoke_refresh_tokens();
    c.fetch(&key(JobKind::Trunks, DARREN))
        .await
        .expect("after both revoked");
    assert_eq!(sim.token_stats().sign_ins, 2);
}

#[tokio::test]
async fn concurrent_fetches_share_one_sign_in() {
    let sims = support::sims(64, |_| {}).await;
    let sim = sims.callable.clone();
    let c = Arc::new(client(&sim));
    let mut tasks = Vec::new();
    for i in 0..12 {
        let c = c.clone();
        let scope = if i % 2 == 0 { DARREN } else { DEAN };
        tasks.push(tokio::spawn(async move {
            c.fetch(&key(JobKind::Numbers, scope)).await
        }));
    }
    for t in tasks {
        t.await.unwrap().expect("fetch");
    }
    assert_eq!(sim.token_stats().sign_ins, 1);
    assert_eq!(sim.token_stats().refreshes, 0);
}

#[tokio::test]
async fn a_wrong_password_says_sign_in_failed_with_the_reason() {
    let sims = support::sims(65, |_| {}).await;
    let sim = &sims.callable;
    sim.set_password("changed-elsewhere");
    let c = client(sim);
    let e = c
        .fetch(&key(JobKind::Accounts, ""))
        .await
        .expect_err("refused");
    assert!(e.is_auth(), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains("sign-in failed: Invalid user credentials"),
        "{text}"
    );
    assert!(!text.contains(&sim.password), "{text}");
    // Every job asking again within the minute gets the same answer without another
    // password attempt (repeated failures lock a Keycloak user out).
    for kind in [JobKind::Trunks, JobKind::Numbers, JobKind::Calls] {
        let again = c
            .fetch(&key(kind, DARREN))
            .await
            .expect_err("still refused");
        assert_eq!(again, e);
    }
    assert_eq!(sim.token_stats().refused, 1);
    assert_eq!(sim.requests().len(), 1);
}

#[tokio::test]
async fn accounts_tree_details_and_roles() {
    let sims = support::sims(66, |_| {}).await;
    let c = client(&sims.callable);
    let FetchData::Accounts(accounts) = c.fetch(&key(JobKind::Accounts, "")).await.unwrap() else {
        panic!("accounts")
    };
    let names: Vec<(&str, AccountKind, Option<&str>)> = accounts
        .iter()
        .map(|a| (a.name.as_str(), a.kind, a.parent.as_deref()))
        .collect();
    let org = accounts[0].id.as_str();
    assert_eq!(
        names,
        vec![
            ("Demo Organisation", AccountKind::Customer, None),
            ("Darren's Pizzas", AccountKind::Domain, Some(org)),
            ("Dean's Taxis", AccountKind::Domain, Some(org)),
        ]
    );
    assert_eq!(c.jobs(&accounts).len(), 8);

    let FetchData::AccountInfo {
        account, fields, ..
    } = c.fetch(&key(JobKind::AccountInfo, DARREN)).await.unwrap()
    else {
        panic!("info")
    };
    assert_eq!(account, DARREN);
    let get = |k: &str| {
        fields
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    assert_eq!(get("mbn"), "+441234567890");
    assert_eq!(get("domain"), "darrenspizzas");
    assert_eq!(
        get("roles"),
        "OrganisationAdmin, AdminRecorder, VoiceChannel"
    );
    assert!(get("address").starts_with("Unit 5 The Old Printworks, 20 Wharf Rd"));
    assert_eq!(get("hooks"), "2");
    assert_eq!(
        get("hook 3ab34a16-dc17-42da-b67a-4d68d0046822"),
        "event.generic POST http://test.com/myevent prio 10 auth DISABLED"
    );
    assert!(get("flow 01").contains("Start of Flow"));

    let FetchData::Numbers(numbers) = c.fetch(&key(JobKind::Numbers, DARREN)).await.unwrap() else {
        panic!("numbers")
    };
    let rows: Vec<(&str, &str)> = numbers
        .iter()
        .map(|n| (n.number.as_str(), n.target.as_str()))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("+441234567890", "flow Start of Flow"),
            ("+441234567891", "(no flow)")
        ]
    );
}

fn trunk_body(ip: &str, description: &str) -> TrunkBody {
    TrunkBody {
        ip: ip.into(),
        port: 5080,
        vendor: "generic".into(),
        caller_format: "national".into(),
        called_format: "international".into(),
        description: description.into(),
        zone: "eu-west-1".into(),
        country_code: "GB".into(),
    }
}

#[tokio::test]
async fn trunk_create_and_edit() {
    let sims = support::sims(67, |_| {}).await;
    let sim = &sims.callable;
    let c = client(sim);
    let create = provider(
        DARREN,
        "trunk.new",
        Change::CreateTrunk(trunk_body("2.2.2.2", "Backup PBX")),
    );
    let preview = c.preview(&create).unwrap();
    assert_eq!(preview.method, "POST");
    assert_eq!(preview.path, format!("/api/v1/account/{DARREN}/trunk"));
    let out = c.mutate(&create).await.expect("created");
    assert_eq!(out.status, 201);
    let trunks = sim.trunks(DARREN);
    assert_eq!(trunks.len(), 2);
    let new = &trunks[1];
    assert_eq!(new["ip"], "2.2.2.2");
    assert_eq!(new["port"], 5080);
    assert_eq!(new["calledFormat"], "international");

    let id = new["id"].as_str().unwrap().to_owned();
    let edit = provider(
        DARREN,
        "trunk.edit",
        Change::UpdateTrunk {
            id: id.clone(),
            trunk: trunk_body("3.3.3.3", "Backup PBX (moved)"),
        },
    );
    let out = c.mutate(&edit).await.expect("updated");
    assert_eq!(out.status, 204);
    let FetchData::Trunks(rows) = c.fetch(&key(JobKind::Trunks, DARREN)).await.unwrap() else {
        panic!("trunks")
    };
    let row = rows
        .iter()
        .find(|t| t.id == id)
        .expect("edited trunk listed");
    assert_eq!(
        (row.host.as_str(), row.name.as_str()),
        ("3.3.3.3", "Backup PBX (moved)")
    );
    let put = sim
        .requests()
        .into_iter()
        .rfind(|r| r.method == "PUT")
        .unwrap();
    assert!(
        put.body.contains(&format!("\"id\":\"{id}\"")),
        "{}",
        put.body
    );
}

#[tokio::test]
async fn address_edit_and_hook_create_and_edit() {
    let sims = support::sims(68, |_| {}).await;
    let sim = &sims.callable;
    let c = client(sim);
    let address = switchboard::providers::callable::wire::Address {
        line1: "Unit 6 The Old Printworks".into(),
        line2: "20 Wharf Rd".into(),
        level1: "East Sussex".into(),
        level2: "Eastbourne".into(),
        postal_code: "BN21 3AW".into(),
        country: "United Kingdom".into(),
    };
    let out = c
        .mutate(&provider(
            DARREN,
            "address.edit",
            Change::UpdateAddress(address),
        ))
        .await
        .expect("address");
    assert_eq!(out.status, 204);
    assert_eq!(sim.address(DARREN)["line1"], "Unit 6 The Old Printworks");
    assert_eq!(sim.address(DARREN)["postalCode"], "BN21 3AW");

    let hook = HookBody {
        app: "flow.generic".into(),
        url: "https://hooks.example/flow".into(),
        auth_type: "DISABLED".into(),
        method: "POST".into(),
        priority: Some(5),
    };
    let out = c
        .mutate(&provider(
            DEAN,
            "hook.new",
            Change::CreateHook(hook.clone()),
        ))
        .await
        .expect("hook");
    assert_eq!(out.status, 201);
    let hooks = sim.hooks(DEAN);
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0]["url"], "https://hooks.example/flow");
    assert_eq!(hooks[0]["priority"], 5);

    let id = hooks[0]["id"].as_str().unwrap().to_owned();
    let mut changed = hook;
    changed.priority = Some(20);
    let out = c
        .mutate(&provider(
            DEAN,
            "hook.edit",
            Change::UpdateHook { id, hook: changed },
        ))
        .await
        .expect("hook edit");
    assert_eq!(out.status, 204);
    assert_eq!(sim.hooks(DEAN)[0]["priority"], 20);
}

#[tokio::test]
async fn click_to_call_lists_the_call_and_hangs_it_up() {
    let sims = support::sims(69, |_| {}).await;
    let sim = &sims.callable;
    let c = client(sim);
    let call = provider(
        DARREN,
        "call",
        Change::Call(CallSpec {
            caller_id: Some("+441234567890".into()),
            target: CallTarget::Phone("+441234567893".into()),
            say: Some("Your pizza is outside!".into()),
            dial: None,
        }),
    );
    let out = c.mutate(&call).await.expect("call");
    assert_eq!(out.status, 201);
    let id = out.created_id.expect("the proposal's id");
    let FetchData::Calls { live, history } = c.fetch(&key(JobKind::Calls, DARREN)).await.unwrap()
    else {
        panic!("calls")
    };
    assert!(history.is_empty());
    assert_eq!(live.len(), 1);
    assert_eq!(
        (live[0].id.as_str(), live[0].to.as_str()),
        (id.as_str(), "+441234567893")
    );

    let hang = Mutation::Hangup {
        account: DARREN.into(),
        call_id: id.clone(),
    };
    assert_eq!(c.preview(&hang).unwrap().method, "DELETE");
    assert_eq!(c.mutate(&hang).await.unwrap().status, 204);
    assert!(sim.calls(DARREN).is_empty());
    // Hanging up again: the call already ended.
    let again = c.mutate(&hang).await.unwrap();
    assert_eq!(again.message, "call already ended");
}

#[tokio::test]
async fn read_only_refuses_a_mutation_before_anything_is_sent() {
    let sims = support::sims(70, |_| {}).await;
    let sim = &sims.callable;
    let c = client(sim);
    c.set_read_only(true);
    let e = c
        .mutate(&provider(
            DARREN,
            "trunk.new",
            Change::CreateTrunk(trunk_body("2.2.2.2", "x")),
        ))
        .await
        .expect_err("refused");
    assert!(
        matches!(&e, ProviderError::Refused(m) if m.starts_with("read-only")),
        "{e:?}"
    );
    assert!(
        sim.requests().is_empty(),
        "nothing sent, not even a sign-in"
    );
    // Reading still works while read-only (the sign-in POST is not a change).
    c.fetch(&key(JobKind::Trunks, DARREN)).await.expect("read");
    assert_eq!(sim.trunks(DARREN).len(), 1);
}

#[tokio::test]
async fn the_flow_view_flags_dangling_references() {
    let sims = support::sims(71, |o| o.callable.dangling = true).await;
    let c = client(&sims.callable);
    let flow = c.fetch_flow(DARREN).await.expect("flow");
    assert_eq!(flow.problems, 2);
    insta::assert_snapshot!("callable_flow_dangling", flow.to_text());
}
