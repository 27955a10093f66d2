//! ProVoice client against the ProVoice simulator over real HTTP: the customer tree, every
//! create / update / delete, asynchronous call records through the local consumer, and
//! the consumer's refusals.

use crate::support;

use std::time::Duration;

use serde_json::Value;
use switchboard::config::ProviderConfig;
use switchboard::model::{AccountKind, ProviderId, ProviderKind};
use switchboard::providers::ProvoiceSettings;
use switchboard::providers::forms::ProviderTarget;
use switchboard::providers::provoice::{self, Client, forms};
use switchboard::providers::{FetchData, JobKey, JobKind, Mutation, ProviderError};
use switchboard::sim::{ProvoiceOptions, RunningSims};

async fn sims(requests: u32, delay: Duration) -> RunningSims {
    support::sims(7, |o| {
        o.provoice = ProvoiceOptions {
            rate_limit_requests: requests,
            rate_limit_window: Duration::from_secs(60),
            records_delay: delay,
            ..ProvoiceOptions::default()
        }
    })
    .await
}

fn config(s: &RunningSims, key: &str) -> ProviderConfig {
    let mut cfg = ProviderConfig::new("pv", ProviderKind::Provoice, &s.provoice.base_url);
    cfg.settings = ProvoiceSettings::new(key).into();
    cfg.timeout_seconds = Some(5.0);
    cfg
}

fn client(s: &RunningSims) -> Client {
    Client::new(ProviderId(3), &config(s, &s.provoice.api_key)).unwrap()
}

fn key(kind: JobKind, scope: &str) -> JobKey {
    JobKey {
        kind,
        scope: scope.into(),
    }
}

async fn accounts(c: &Client) -> Vec<switchboard::model::Account> {
    match c.fetch(&key(JobKind::Accounts, "")).await.unwrap() {
        FetchData::Accounts(a) => a,
        other => panic!("{other:?}"),
    }
}

fn extra<'a>(fields: &'a [switchboard::model::Field], k: &str) -> Option<&'a str> {
    fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

fn field<'a>(fields: &'a switchboard::model::Fields, k: &str) -> Option<&'a str> {
    fields.get(k)
}

#[tokio::test]
async fn the_customer_tree_has_depth_users_and_counts() {
    let s = sims(1000, Duration::from_millis(50)).await;
    let c = client(&s);
    let a = accounts(&c).await;
    let tree = switchboard::tree::build_tree(&a).unwrap();
    let depth_of = |id: &str| {
        tree.iter()
            .find(|(i, _)| a[*i].id == id)
            .map(|(_, d)| *d)
            .unwrap()
    };
    // Wholesale → Reseller Zuid → Garage Peters → Filiaal (→ its users).
    assert_eq!(depth_of("1"), 1);
    assert_eq!(depth_of("7"), 4);
    let root = a.iter().find(|x| x.id == "1").unwrap();
    assert_eq!(root.name, "ProVoice Wholesale");
    assert_eq!(field(&root.extra, "sub-customers"), Some("2"));
    let garage = a.iter().find(|x| x.id == "6").unwrap();
    assert_eq!(field(&garage.extra, "users"), Some("1"));
    let users: Vec<_> = a
        .iter()
        .filter(|x| x.kind == AccountKind::SubAccount)
        .collect();
    assert!(users.len() >= 8, "{users:?}");
    for u in &users {
        assert!(u.id.starts_with("user:"), "{}", u.id);
        let parent = u.parent.as_deref().unwrap();
        assert!(
            a.iter()
                .any(|x| x.id == parent && x.kind == AccountKind::Customer)
        );
        // The password is never kept, only whether one is set.
        assert_eq!(field(&u.extra, "password"), Some("****"));
    }
    // Ramp-up: destinations and extensions of all 7 customers, details and records of
    // the first 4 (the first minute stays at 43 of the 54 requests the scheduler allows);
    // the rest join at the next tree refresh. All in the one budget scope.
    let jobs = c.jobs(&a);
    let first: u32 = jobs.iter().map(|j| j.cost).sum::<u32>() + c.discovery_job().cost;
    assert_eq!((jobs.len(), first), (7 * 2 + 4 * 2, 43));
    let jobs = c.jobs(&a);
    assert_eq!(jobs.len(), 7 * 4);
    // A tree of 50 customers stretches the per-customer intervals so polling stays inside
    // the budget (requests a minute, all panes on screen, tree job included).
    let big: Vec<_> = (0..50)
        .map(|i| {
            let mut x = a[1].clone();
            x.id = format!("c{i}");
            x
        })
        .collect();
    for _ in 0..60 {
        c.jobs(&big);
    }
    let per_minute: f64 = c
        .jobs(&big)
        .iter()
        .chain([c.discovery_job()].iter())
        .map(|j| j.cost as f64 * 60.0 / j.interval.as_secs_f64())
        .sum();
    assert!(per_minute < 54.0, "{per_minute:.1} requests a minute");
    assert!(jobs.iter().all(|j| j.budget == provoice::BUDGET));
    // Requests are GETs named as in the provider document.
    let reqs = s.provoice.requests();
    assert!(
        reqs.iter()
            .any(|r| r.method == "GET" && r.path == "/api/getCustomers")
    );
    assert!(
        reqs.iter()
            .any(|r| r.method == "GET" && r.path == "/api/getCustomerUsers")
    );
}

#[tokio::test]
async fn details_trunks_and_numbers_of_a_customer() {
    let s = sims(1000, Duration::from_millis(50)).await;
    let c = client(&s);
    let FetchData::AccountInfo {
        account, fields, ..
    } = c.fetch(&key(JobKind::AccountInfo, "4")).await.unwrap()
    else {
        panic!()
    };
    assert_eq!(account, "4");
    assert_eq!(extra(&fields, "tariffplan"), Some("Standaard (EUR)"));
    assert!(
        fields
            .iter()
            .any(|(k, v)| k.starts_with("forward ") && v.starts_with("busy → +3161234")),
        "{fields:?}"
    );
    assert!(
        fields
            .iter()
            .any(|(k, v)| k.starts_with("limit ") && v.contains("per month"))
    );
    assert!(
        fields
            .iter()
            .any(|(k, v)| k.starts_with("whitelist ") && v.contains("prefix +31"))
    );
    let FetchData::Trunks(trunks) = c.fetch(&key(JobKind::Trunks, "4")).await.unwrap() else {
        panic!()
    };
    assert!(
        trunks
            .iter()
            .any(|t| t.name == "pbx-4" && t.host == "10.4.0.10" && t.port == Some(5060))
    );
    let FetchData::Numbers(numbers) = c.fetch(&key(JobKind::Numbers, "4")).await.unwrap() else {
        panic!()
    };
    assert_eq!(numbers.len(), 2);
    assert!(
        numbers.iter().any(|n| n.target == "inbound → pbx-4"),
        "{numbers:?}"
    );
}

fn target(op: &'static str, customer: &str, id: Option<String>) -> ProviderTarget {
    let mut t = ProviderTarget::new(ProviderKind::Provoice, customer, op);
    t.id = id;
    t.data.push(("customer_id".into(), customer.into()));
    t
}

fn vals(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn send(c: &Client, m: &Mutation) -> Option<String> {
    let out = c.mutate(m).await.unwrap();
    assert_eq!(out.status, 200, "{out:?}");
    out.created_id
}

fn find(s: &RunningSims, coll: &str, id: &str) -> Option<Value> {
    s.provoice
        .objects(coll)
        .into_iter()
        .find(|o| o.get("id").map(|v| v.to_string()) == Some(id.to_string()))
}

#[tokio::test]
async fn every_create_update_and_delete_reaches_the_provider() {
    let s = sims(1000, Duration::from_millis(50)).await;
    let c = client(&s);

    // SIP destination.
    let m = forms::build(
        &target("trunk.new", "5", None),
        &vals(&[
            ("name", "edge-1"),
            ("host", "203.0.113.9"),
            ("port", "5080"),
            ("transport", "tcp"),
            ("active", "yes"),
            ("user_id", ""),
        ]),
    )
    .unwrap();
    let id = send(&c, &m).await.unwrap();
    assert_eq!(find(&s, "destinations", &id).unwrap()["port"], 5080);
    let m = forms::build(
        &target("trunk.edit", "5", Some(id.clone())),
        &vals(&[
            ("name", "edge-1"),
            ("host", "203.0.113.10"),
            ("port", "5080"),
            ("transport", "tls"),
            ("active", "no"),
            ("user_id", ""),
        ]),
    )
    .unwrap();
    send(&c, &m).await;
    let d = find(&s, "destinations", &id).unwrap();
    assert_eq!(
        (
            d["host"].as_str(),
            d["transport"].as_str(),
            d["active"].as_bool()
        ),
        (Some("203.0.113.10"), Some("tls"), Some(false))
    );

    // Extension routed to it.
    let m = forms::build(
        &target("number.new", "5", None),
        &vals(&[
            ("number", "+31201112233"),
            ("direction", "inbound"),
            ("destination_id", &id),
            ("user_id", ""),
        ]),
    )
    .unwrap();
    let ext = send(&c, &m).await.unwrap();
    let m = forms::build(
        &target("number.edit", "5", Some(ext.clone())),
        &vals(&[
            ("number", "+31201112233"),
            ("direction", "outbound"),
            ("destination_id", &id),
            ("user_id", ""),
        ]),
    )
    .unwrap();
    send(&c, &m).await;
    assert_eq!(
        find(&s, "extensions", &ext).unwrap()["direction"],
        "outbound"
    );

    // Forward.
    let fw = vals(&[
        ("type", "noanswer"),
        ("target", "+31612345678"),
        ("timeout", "25"),
        ("extension_id", &ext),
        ("active", "yes"),
    ]);
    let fid = send(
        &c,
        &forms::build(&target("forward.new", "5", None), &fw).unwrap(),
    )
    .await
    .unwrap();
    let fw2 = vals(&[
        ("type", "always"),
        ("target", "+31687654321"),
        ("timeout", ""),
        ("extension_id", ""),
        ("active", "no"),
    ]);
    send(
        &c,
        &forms::build(&target("forward.edit", "5", Some(fid.clone())), &fw2).unwrap(),
    )
    .await;
    let f = find(&s, "forwards", &fid).unwrap();
    assert_eq!(
        (
            f["type"].as_str(),
            f["target"].as_str(),
            f["active"].as_bool()
        ),
        (Some("always"), Some("+31687654321"), Some(false))
    );

    // Limit (the provider has no deleteLimit).
    let lid = send(
        &c,
        &forms::build(
            &target("limit.new", "5", None),
            &vals(&[("type", "calls"), ("value", "40"), ("period", "day")]),
        )
        .unwrap(),
    )
    .await
    .unwrap();
    send(
        &c,
        &forms::build(
            &target("limit.edit", "5", Some(lid.clone())),
            &vals(&[("type", "calls"), ("value", "80"), ("period", "day")]),
        )
        .unwrap(),
    )
    .await;
    assert_eq!(find(&s, "limits", &lid).unwrap()["value"], 80);

    // Whitelist.
    let wid = send(
        &c,
        &forms::build(
            &target("whitelist.new", "5", None),
            &vals(&[
                ("prefix", ""),
                ("ip", "198.51.100.7"),
                ("description", "branch"),
            ]),
        )
        .unwrap(),
    )
    .await
    .unwrap();
    send(
        &c,
        &forms::build(
            &target("whitelist.edit", "5", Some(wid.clone())),
            &vals(&[
                ("prefix", ""),
                ("ip", "198.51.100.8"),
                ("description", "branch"),
            ]),
        )
        .unwrap(),
    )
    .await;
    assert_eq!(find(&s, "whitelists", &wid).unwrap()["ip"], "198.51.100.8");

    // Deletes: POST, `[]`, gone.
    for (op, coll, id) in [
        ("forward.delete", "forwards", &fid),
        ("whitelist.delete", "whitelists", &wid),
        ("number.delete", "extensions", &ext),
        ("trunk.delete", "destinations", &id),
    ] {
        let m = forms::build(&target(op, "5", Some(id.clone())), &[]).unwrap();
        let out = c.mutate(&m).await.unwrap();
        assert!(out.message.ends_with("deleted"), "{out:?}");
        assert!(find(&s, coll, id).is_none(), "{coll} {id} still there");
    }

    // Every write was a POST to an operation named as in the provider document.
    let writes: Vec<String> = s
        .provoice
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        writes,
        [
            "createDestination",
            "updateDestination",
            "createExtension",
            "updateExtension",
            "createForward",
            "updateForward",
            "createLimit",
            "updateLimit",
            "createWhitelist",
            "updateWhitelist",
            "deleteForward",
            "deleteWhitelist",
            "deleteExtension",
            "deleteDestination",
        ]
        .map(|op| format!("POST /api/{op}"))
    );
}

#[tokio::test]
async fn a_refused_change_says_why_and_read_only_sends_nothing() {
    let s = sims(1000, Duration::from_millis(50)).await;
    let c = client(&s);
    let m = forms::build(
        &target("number.new", "5", None),
        &vals(&[
            ("number", "+31201112233"),
            ("direction", "inbound"),
            ("destination_id", "99999"),
            ("user_id", ""),
        ]),
    )
    .unwrap();
    let e = c.mutate(&m).await.unwrap_err();
    assert!(
        matches!(&e, ProviderError::NotFound(msg) if msg.contains("destination_id names no destination")),
        "{e:?}"
    );

    // The preview is exactly what is sent.
    let p = c.preview(&m).unwrap();
    assert_eq!(
        (p.method.as_str(), p.path.as_str()),
        ("POST", "/createExtension")
    );
    assert!(p.body.unwrap().contains("\"destination_id\":99999"));

    c.set_read_only(true);
    let before = s.provoice.requests().len();
    let e = c.mutate(&m).await.unwrap_err();
    assert!(
        matches!(&e, ProviderError::Refused(msg) if msg.starts_with("read-only")),
        "{e:?}"
    );
    assert_eq!(s.provoice.requests().len(), before);
}

#[tokio::test]
async fn call_records_arrive_through_the_callback() {
    let s = sims(1000, Duration::from_millis(200)).await;
    let c = client(&s);
    let FetchData::Calls { live, history } = c.fetch(&key(JobKind::Calls, "4")).await.unwrap()
    else {
        panic!()
    };
    assert!(live.is_empty());
    assert!(history.len() >= 6, "{}", history.len());
    assert!(
        history
            .iter()
            .all(|h| h.account == "4" && h.started_at_ms.is_some())
    );
    // The simulator notes the consumer's answer once it has it.
    let mut d = s.provoice.deliveries();
    for _ in 0..100 {
        if !d.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        d = s.provoice.deliveries();
    }
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].status, Some(200));
    assert_eq!(d[0].records, history.len());
    assert!(d[0].callback.starts_with("http://127.0.0.1:"));
    assert_eq!(c.consumer().waiting(), 0);
}

#[tokio::test]
async fn records_that_never_arrive_time_out_with_a_message() {
    let s = sims(1000, Duration::from_secs(30)).await;
    let c = client(&s);
    c.set_records_timeout(Duration::from_millis(300));
    let e = c.fetch(&key(JobKind::Calls, "4")).await.unwrap_err();
    let text = e.to_string();
    assert!(text.contains("not delivered within"), "{text}");
    assert!(text.contains("callback_url"), "{text}");
    // The id is forgotten: a late delivery would be refused.
    assert_eq!(c.consumer().waiting(), 0);
}

#[tokio::test]
async fn the_consumer_refuses_unknown_ids_and_oversized_bodies() {
    let s = sims(1000, Duration::from_millis(50)).await;
    let c = client(&s);
    let consumer = c.consumer();
    consumer.ensure_started().unwrap();
    let url = consumer.url().to_owned();
    let http = reqwest::Client::new();

    let r = http
        .post(&url)
        .body(r#"{"request_id":"made-up","records":[]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);

    let mut waiter = consumer.issue();
    let big = format!(
        r#"{{"request_id":"{}","records":[],"pad":"{}"}}"#,
        waiter.id(),
        "x".repeat(provoice::callback::MAX_BODY)
    );
    let r = http.post(&url).body(big).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 413);
    // Not delivered, still waiting; a proper post then gets through once.
    let good = format!(r#"{{"request_id":"{}","records":[]}}"#, waiter.id());
    let r = http.post(&url).body(good.clone()).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(waiter.wait(Duration::from_secs(2)).await.is_some());
    let r = http.post(&url).body(good).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404, "an id is accepted once");
    let r = http.get(&url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 405);
}

#[tokio::test]
async fn rate_limit_key_errors_and_broken_trees() {
    let s = sims(3, Duration::from_millis(50)).await;
    let c = client(&s);
    for _ in 0..3 {
        c.fetch(&key(JobKind::Trunks, "4")).await.unwrap();
    }
    let e = c.fetch(&key(JobKind::Trunks, "4")).await.unwrap_err();
    assert!(
        matches!(
            e,
            ProviderError::RateLimited {
                retry_after: Some(_),
                ..
            }
        ),
        "{e:?}"
    );
    s.provoice.set_rate_limit(1000, Duration::from_secs(60));

    let bad = Client::new(ProviderId(0), &config(&s, "pv_wrong_key_123456")).unwrap();
    let e = bad.fetch(&key(JobKind::Trunks, "4")).await.unwrap_err();
    assert!(e.is_auth(), "{e:?}");
    assert!(!e.to_string().contains("pv_wrong_key_123456"));

    s.provoice.set_parent(4, Some(999));
    let e = c.fetch(&key(JobKind::Accounts, "")).await.unwrap_err();
    assert!(e.to_string().contains("4 (parent 999)"), "{e}");
    s.provoice.set_parent(4, Some(2));
    s.provoice.set_parent(1, Some(7));
    let e = c.fetch(&key(JobKind::Accounts, "")).await.unwrap_err();
    assert!(e.to_string().contains("cycle: 1 → 7 → 6 → 3 → 1"), "{e}");
}

#[test]
fn a_huge_tree_gets_jobs_for_a_bounded_number_of_customers() {
    let mut cfg = ProviderConfig::new("pv", ProviderKind::Provoice, "http://127.0.0.1:9/api");
    cfg.settings = ProvoiceSettings::new("k").into();
    let c = Client::new(ProviderId(0), &cfg).unwrap();
    let accounts: Vec<switchboard::model::Account> = (0..20_000)
        .map(|i| switchboard::model::Account {
            provider: ProviderId(0),
            id: i.to_string(),
            name: format!("c{i}"),
            parent: (i > 0).then(|| "0".to_string()),
            kind: AccountKind::Customer,
            active: Some(true),
            extra: Default::default(),
        })
        .collect();
    let jobs = c.jobs(&accounts);
    let customers: std::collections::HashSet<&str> =
        jobs.iter().map(|j| j.key.scope.as_str()).collect();
    assert_eq!(customers.len(), provoice::MAX_POLLED_CUSTOMERS);
    assert!(customers.contains("0") && !customers.contains("19999"));
    // Trunks and numbers for each, details and records for the admitted few.
    assert!(
        jobs.len() < 3 * provoice::MAX_POLLED_CUSTOMERS,
        "{}",
        jobs.len()
    );
}
