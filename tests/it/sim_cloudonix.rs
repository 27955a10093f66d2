//! The Cloudonix simulator over real HTTP, as a client sees it.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchboard::sim::{
    CloudonixOptions, FaultKind, Faults, KeyScope, RunningSims, SimOptions, start,
};

async fn sims_with(seed: u64, requests: u32) -> RunningSims {
    start(SimOptions {
        seed,
        cloudonix: CloudonixOptions {
            rate_limit_requests: requests,
            ..CloudonixOptions::default()
        },
        ..SimOptions::default()
    })
    .await
    .expect("simulators start")
}

/// A simulator with a rate limit high enough not to get in the way.
async fn sims() -> RunningSims {
    sims_with(42, 10_000).await
}

struct Resp {
    status: u16,
    retry_after: Option<String>,
    body: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
}

async fn call(
    method: &str,
    base: &str,
    key: Option<&str>,
    path: &str,
    body: Option<Value>,
) -> Resp {
    let client = reqwest::Client::new();
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = client.request(method, format!("{base}{path}"));
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.expect("request sent");
    let status = r.status().as_u16();
    let retry_after = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = r.text().await.expect("body read");
    Resp {
        status,
        retry_after,
        body,
    }
}

async fn get(base: &str, key: &str, path: &str) -> Resp {
    call("GET", base, Some(key), path, None).await
}

fn err_message(r: &Resp) -> String {
    let v = r.json();
    assert_eq!(v["status"], json!(false), "{}", r.body);
    v["message"].as_str().unwrap_or_default().to_string()
}

fn epoch(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn is_live(session: &Value) -> bool {
    session.get("callEndTime").is_none_or(Value::is_null)
}

#[tokio::test]
async fn lists_everything_with_the_customer_key() {
    let s = sims().await;
    let c = &s.cloudonix;
    let (base, key) = (&c.base_url, &c.customer_key);

    let me = get(base, key, "/customers/self").await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["name"], "acme");
    let cust_id = me.json()["id"].as_u64().unwrap();

    let domains = get(base, key, &format!("/customers/{cust_id}/domains")).await;
    assert_eq!(domains.status, 200);
    let names: Vec<String> = domains
        .json()
        .as_array()
        .expect("bare array")
        .iter()
        .map(|d| d["domain"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, c.domains);
    assert_eq!(c.domains.len(), 2);

    let mut total_live = 0;
    for d in &c.domains {
        let trunks = get(base, key, &format!("/customers/self/domains/{d}/trunks")).await;
        assert_eq!(trunks.status, 200);
        let trunks = trunks.json();
        let trunks = trunks.as_array().expect("bare array");
        assert_eq!(trunks.len(), 4);
        for t in trunks {
            assert!(t["domainId"].is_u64() && t["name"].is_string() && t["ip"].is_string());
            assert!(t["profile"]["authentication"]["password"].is_string());
        }
        assert!(
            trunks.iter().any(|t| t["port"].is_string()),
            "some ports as strings"
        );
        assert!(
            trunks.iter().any(|t| t["port"].is_u64()),
            "some ports as numbers"
        );

        let dnids = get(base, key, &format!("/customers/acme/domains/{d}/dnids")).await;
        assert_eq!(dnids.status, 200);
        let dnids = dnids.json();
        assert_eq!(dnids.as_array().unwrap().len(), 6);
        assert!(dnids[0]["applicationId"].is_u64() && dnids[0]["source"].is_string());

        let apps = get(
            base,
            key,
            &format!("/customers/self/domains/{d}/applications"),
        )
        .await;
        assert!(apps.json().as_array().unwrap().len() >= 2);
        let subs = get(
            base,
            key,
            &format!("/customers/self/domains/{d}/subscribers"),
        )
        .await;
        assert!(subs.json()[0]["msisdn"].is_string());

        let sessions = get(base, key, &format!("/customers/self/domains/{d}/sessions")).await;
        assert_eq!(sessions.status, 200);
        let sessions = sessions.json();
        let sessions = sessions.as_array().expect("bare array");
        assert!(sessions.len() > 5);
        let live = sessions.iter().filter(|s| is_live(s)).count();
        assert!(live >= 3, "calls in progress at start: {live}");
        assert!(
            sessions.iter().any(|s| !is_live(s)),
            "ended calls stay listed"
        );
        // Newest first, epoch milliseconds.
        let starts: Vec<u64> = sessions
            .iter()
            .map(|s| epoch(&s["callStartTime"]).unwrap())
            .collect();
        assert!(starts.windows(2).all(|w| w[0] >= w[1]));
        assert!(starts[0] > 1_600_000_000_000);
        for s in sessions {
            assert!(s["token"].as_str().unwrap().len() == 32);
            assert!(s["domainId"].is_u64() && s["status"].is_string());
            // Like the real captures, a trunk-inbound or subscriber session may carry no
            // `direction`: its profile or `outgoingSubscriberId` tells it instead.
            let told_by_origin = s["outgoingSubscriberId"].is_u64()
                || s["profile"]["inbound-trunk-id"].is_u64()
                || s["profile"]["subscriber-sip-headers"].is_object();
            assert!(s["direction"].is_string() || told_by_origin, "{s}");
        }
        total_live += live;
    }

    let report = get(base, key, "/customers/self/reports/current-calls").await;
    assert_eq!(report.status, 200);
    let row = &report.json()[0];
    assert_eq!(row["date"].as_str().unwrap().len(), 10);
    let concurrency = row["concurrency"].as_u64().unwrap() as usize;
    // Traffic may have added a call between the polls.
    assert!(concurrency + 2 >= total_live && concurrency <= total_live + 2);
    assert!(row["count"].is_u64());
}

#[tokio::test]
async fn unknown_or_missing_key_is_401_and_scheme_is_case_insensitive() {
    let s = sims().await;
    let c = &s.cloudonix;
    let bad = get(
        &c.base_url,
        "XI00000000000000000000000000000000",
        "/customers/self",
    )
    .await;
    assert_eq!(bad.status, 401);
    assert_eq!(
        bad.json(),
        json!({"status": false, "message": "Unauthorized"})
    );
    let none = call("GET", &c.base_url, None, "/customers/self", None).await;
    assert_eq!(none.status, 401);

    let lower = reqwest::Client::new()
        .get(format!("{}/customers/self", c.base_url))
        .header("Authorization", format!("bearer {}", c.customer_key))
        .send()
        .await
        .unwrap();
    assert_eq!(lower.status().as_u16(), 200);

    let unknown = get(&c.base_url, &c.customer_key, "/customers/self/widgets").await;
    assert_eq!(unknown.status, 404);
    assert_eq!(
        unknown.json(),
        json!({"status": false, "message": "Not Found"})
    );
    let other_domain = get(
        &c.base_url,
        &c.customer_key,
        "/customers/self/domains/nope.cloudonix.net/trunks",
    )
    .await;
    assert_eq!(other_domain.status, 404);
}

#[tokio::test]
async fn domain_and_subscriber_keys_are_scoped() {
    let s = sims().await;
    let c = &s.cloudonix;
    let (base, key) = (&c.base_url, &c.domain_key);
    let (own, other) = (&c.domains[0], &c.domains[1]);

    assert_eq!(
        get(base, key, &format!("/customers/self/domains/{own}/trunks"))
            .await
            .status,
        200
    );
    assert_eq!(
        get(base, key, &format!("/customers/self/domains/{own}"))
            .await
            .status,
        200
    );
    assert_eq!(
        get(base, key, &format!("/calls/{own}/sessions"))
            .await
            .status,
        200
    );

    let forbidden = get(
        base,
        key,
        &format!("/customers/self/domains/{other}/trunks"),
    )
    .await;
    assert_eq!(forbidden.status, 403);
    assert_eq!(
        err_message(&forbidden),
        "Forbidden: key lacks scope for this resource"
    );
    assert_eq!(get(base, key, "/customers/self").await.status, 403);
    assert_eq!(get(base, key, "/customers/self/domains").await.status, 403);
    assert_eq!(
        get(base, key, &format!("/calls/{other}/sessions"))
            .await
            .status,
        403
    );
    assert_eq!(
        get(base, key, "/customers/self/reports/current-calls")
            .await
            .status,
        403
    );

    // Subscriber key: only its own subscriber.
    let (dom, id, msisdn) = c.key_subscriber();
    let sk = &c.subscriber_key;
    assert_eq!(
        get(
            base,
            sk,
            &format!("/customers/self/domains/{dom}/subscribers/{id}")
        )
        .await
        .status,
        200
    );
    let by_msisdn = get(
        base,
        sk,
        &format!("/customers/self/domains/{dom}/subscribers/{msisdn}"),
    )
    .await;
    assert_eq!(by_msisdn.json()["id"].as_u64(), Some(id));
    assert_eq!(
        get(
            base,
            sk,
            &format!("/customers/self/domains/{dom}/subscribers")
        )
        .await
        .status,
        403
    );
    assert_eq!(
        get(base, sk, &format!("/customers/self/domains/{dom}/trunks"))
            .await
            .status,
        403
    );

    let scopes: Vec<KeyScope> = c.requests().iter().map(|r| r.scope).collect();
    assert!(scopes.contains(&KeyScope::Domain) && scopes.contains(&KeyScope::Subscriber));
}

#[tokio::test]
async fn rate_limit_per_domain_with_retry_after_and_recovery() {
    let s = sims_with(42, 10).await;
    let c = &s.cloudonix;
    c.set_rate_limit(5, Duration::from_secs(2));
    let (base, key) = (&c.base_url, &c.customer_key);
    let (d0, d1) = (&c.domains[0], &c.domains[1]);
    let started = Instant::now();
    for _ in 0..5 {
        assert_eq!(
            get(base, key, &format!("/customers/self/domains/{d0}/trunks"))
                .await
                .status,
            200
        );
    }
    // The window is per domain, whatever the path form.
    let throttled = get(base, key, &format!("/calls/{d0}/sessions")).await;
    assert_eq!(throttled.status, 429);
    assert_eq!(err_message(&throttled), "Too Many Requests");
    let secs: u64 = throttled
        .retry_after
        .as_deref()
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=2).contains(&secs), "{secs}");
    assert_eq!(
        get(base, key, &format!("/customers/self/domains/{d0}/dnids"))
            .await
            .status,
        429
    );
    // Another domain and customer-level paths have their own windows.
    assert_eq!(
        get(base, key, &format!("/customers/self/domains/{d1}/dnids"))
            .await
            .status,
        200
    );
    assert_eq!(get(base, key, "/customers/self").await.status, 200);
    assert_eq!(c.throttled(), 2);

    // Rejected requests did not extend the window: after it passes, requests succeed.
    let wait =
        Duration::from_secs(2).saturating_sub(started.elapsed()) + Duration::from_millis(100);
    tokio::time::sleep(wait).await;
    assert_eq!(
        get(base, key, &format!("/customers/self/domains/{d0}/trunks"))
            .await
            .status,
        200
    );
    assert_eq!(c.throttled(), 2);
}

#[tokio::test]
async fn trunk_create_update_delete_and_validation() {
    let s = sims().await;
    let c = &s.cloudonix;
    let (base, key) = (&c.base_url, Some(c.customer_key.as_str()));
    let path = format!("/customers/self/domains/{}/trunks", c.domains[0]);

    let body = json!({
        "name": "lab-trunk", "ip": "192.0.2.5", "port": 5062, "transport": "tcp",
        "prefix": "9#", "direction": "inbound",
        "profile": {"authentication": {"username": "lab", "password": "s3cret", "overwrite-from": false}}
    });
    let created = call("POST", base, key, &path, Some(body)).await;
    assert_eq!(created.status, 200);
    let t = created.json();
    assert_eq!(t["direction"], "public-inbound");
    let uuid = t["uuid"].as_str().unwrap().to_string();

    let fetched = call("GET", base, key, &format!("{path}/lab-trunk"), None)
        .await
        .json();
    assert_eq!(fetched["direction"], "public-inbound");
    assert_eq!(fetched["profile"]["authentication"]["password"], "s3cret");
    assert_eq!(fetched["id"], t["id"]);
    let by_uuid = call("GET", base, key, &format!("{path}/{uuid}"), None).await;
    assert_eq!(by_uuid.json()["name"], "lab-trunk");

    let out = call(
        "POST",
        base,
        key,
        &path,
        Some(json!({"name": "out", "ip": "192.0.2.6", "direction": "outbound"})),
    )
    .await;
    assert_eq!(out.json()["direction"], "public-outbound");

    // Update: no rename, validated fields.
    let rename = call(
        "PUT",
        base,
        key,
        &format!("{path}/lab-trunk"),
        Some(json!({"name": "other"})),
    )
    .await;
    assert_eq!(rename.status, 400);
    let upd = call(
        "PUT",
        base,
        key,
        &format!("{path}/{}", t["id"]),
        Some(json!({"port": "5070", "transport": "tls"})),
    )
    .await;
    assert_eq!(upd.status, 200);
    assert_eq!(upd.json()["transport"], "tls");
    assert_eq!(upd.json()["name"], "lab-trunk");

    for bad in [
        json!({"name": "b1", "ip": "192.0.2.7", "transport": "sctp"}),
        json!({"name": "b2", "ip": "192.0.2.7", "port": 70000}),
        json!({"name": "b3", "ip": "192.0.2.7", "direction": "sideways"}),
        json!({"name": "b4"}),
        json!({"name": "b5", "ip": "192.0.2.7", "active": "true"}),
    ] {
        let r = call("POST", base, key, &path, Some(bad.clone())).await;
        assert_eq!(r.status, 400, "{bad}");
        assert!(!err_message(&r).is_empty());
    }

    let del = call("DELETE", base, key, &format!("{path}/lab-trunk"), None).await;
    assert_eq!(del.status, 204);
    assert!(del.body.is_empty());
    assert_eq!(
        call("GET", base, key, &format!("{path}/lab-trunk"), None)
            .await
            .status,
        404
    );
    assert_eq!(
        call("DELETE", base, key, &format!("{path}/lab-trunk"), None)
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn dnid_create_is_204_without_body_and_validated() {
    let s = sims().await;
    let c = &s.cloudonix;
    let (base, key) = (&c.base_url, Some(c.customer_key.as_str()));
    let dom = &c.domains[1];
    let apps = call(
        "GET",
        base,
        key,
        &format!("/customers/self/domains/{dom}/applications"),
        None,
    )
    .await
    .json();
    let app_id = apps[1]["id"].as_u64().unwrap();
    let path = format!("/customers/self/domains/{dom}/dnids");

    let created = call(
        "POST",
        base,
        key,
        &path,
        Some(json!({"source": "+14155550199", "applicationId": app_id})),
    )
    .await;
    assert_eq!(created.status, 204);
    assert!(created.body.is_empty());
    let list = call("GET", base, key, &path, None).await.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 7);
    let new = list
        .iter()
        .find(|n| n["source"] == "+14155550199")
        .expect("listed");
    assert_eq!(new["applicationId"].as_u64(), Some(app_id));
    assert!(new["dnid"].as_str().unwrap().starts_with('^'));

    // Update is 204 as well.
    let id = new["id"].as_u64().unwrap();
    let upd = call(
        "PUT",
        base,
        key,
        &format!("{path}/{id}"),
        Some(json!({"active": false})),
    )
    .await;
    assert_eq!((upd.status, upd.body.as_str()), (204, ""));
    assert_eq!(
        call("GET", base, key, &format!("{path}/{id}"), None)
            .await
            .json()["active"],
        false
    );

    for bad in [
        json!({"dnid": "^(123)", "source": "123"}),
        json!({"source": "555", "prefix": true, "expression": true}),
        json!({"source": "555", "prefix": true, "asteriskCompatible": true}),
        json!({"source": "555", "active": "true"}),
        json!({"applicationId": app_id}),
    ] {
        let r = call("POST", base, key, &path, Some(bad.clone())).await;
        assert_eq!(r.status, 400, "{bad}");
        assert_eq!(r.json()["status"], false);
    }
    assert_eq!(
        call("GET", base, key, &path, None)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        7
    );
}

#[tokio::test]
async fn click_to_call_creates_a_live_session_that_can_be_hung_up() {
    let s = sims().await;
    let c = &s.cloudonix;
    let (base, key) = (&c.base_url, Some(c.customer_key.as_str()));
    let dom = &c.domains[0];
    let before = c.live_sessions(dom);

    let r = call(
        "POST",
        base,
        key,
        &format!("/calls/{dom}/application"),
        Some(json!({"destination": "15551234567", "caller-id": "14155550100", "application": "ivr-main"})),
    )
    .await;
    assert_eq!(r.status, 200);
    let res = r.json();
    assert_eq!(res["direction"], "outbound-api");
    assert_eq!(res["destination"], "15551234567");
    assert!(res["domainId"].is_u64());
    let token = res["token"].as_str().unwrap().to_string();
    assert!(token.len() == 32 && token.chars().all(|ch| ch.is_ascii_hexdigit()));
    assert!(c.live_sessions(dom) > before.saturating_sub(1));

    let sess_path = format!("/customers/self/domains/{dom}/sessions/{token}");
    let sess = call("GET", base, key, &sess_path, None).await.json();
    assert!(is_live(&sess), "{sess}");
    assert_eq!(sess["callerId"], "14155550100");
    let list = call(
        "GET",
        base,
        key,
        &format!("/customers/self/domains/{dom}/sessions"),
        None,
    )
    .await
    .json();
    assert_eq!(list[0]["token"], token.as_str(), "newest first");

    let del = call("DELETE", base, key, &sess_path, None).await;
    assert_eq!(del.status, 204);
    assert!(del.body.is_empty());
    let ended = call("GET", base, key, &sess_path, None).await.json();
    assert!(epoch(&ended["callEndTime"]).is_some(), "{ended}");
    assert_eq!(
        call("DELETE", base, key, &sess_path, None).await.status,
        404
    );

    // Legacy hangup by token, and validation.
    let r2 = call(
        "POST",
        base,
        key,
        &format!("/calls/{dom}/application"),
        Some(json!({"destination": "15550001111"})),
    )
    .await;
    let t2 = r2.json()["token"].as_str().unwrap().to_string();
    assert_eq!(
        call(
            "DELETE",
            base,
            key,
            &format!("/calls/{dom}/sessions/{t2}"),
            None
        )
        .await
        .status,
        204
    );
    assert_eq!(
        call(
            "DELETE",
            base,
            key,
            &format!("/calls/{dom}/sessions/{t2}"),
            None
        )
        .await
        .status,
        404
    );
    let missing = call(
        "POST",
        base,
        key,
        &format!("/calls/{dom}/application"),
        Some(json!({"caller-id": "1"})),
    )
    .await;
    assert_eq!(missing.status, 400);
    let no_app = call(
        "POST",
        base,
        key,
        &format!("/calls/{dom}/application"),
        Some(json!({"destination": "1", "application": "nope"})),
    )
    .await;
    assert_eq!(no_app.status, 400);
}

#[tokio::test]
async fn legacy_sessions_filter_and_limit() {
    let s = sims().await;
    let c = &s.cloudonix;
    let (base, key) = (&c.base_url, &c.customer_key);
    let dom = &c.domains[0];
    let limited = get(base, key, &format!("/calls/{dom}/sessions?limit=3"))
        .await
        .json();
    assert_eq!(limited.as_array().unwrap().len(), 3);
    let incoming = get(
        base,
        key,
        &format!("/calls/{dom}/sessions?by_direction=incoming"),
    )
    .await
    .json();
    for s in incoming.as_array().unwrap() {
        // Without a `direction`, the inbound trunk in the profile says it.
        let d = s["direction"].as_str().map(str::to_ascii_lowercase);
        match d {
            Some(d) => assert!(d == "inbound" || d == "incoming", "{d}"),
            None => assert!(s["profile"]["inbound-trunk-name"].is_string(), "{s}"),
        }
    }
    assert_eq!(
        get(base, key, &format!("/calls/{dom}/sessions?limit=x"))
            .await
            .status,
        400
    );
}

#[tokio::test]
async fn injected_faults_are_observable() {
    let s = sims().await;
    let c = &s.cloudonix;
    let (base, key) = (&c.base_url, &c.customer_key);
    let path = format!("/customers/self/domains/{}/trunks", c.domains[0]);

    c.set_faults(Faults {
        error_rate: 1.0,
        ..Faults::default()
    });
    let r = get(base, key, &path).await;
    assert_eq!(r.status, 500);
    assert_eq!(
        r.json(),
        json!({"status": false, "message": "Request Failed"})
    );

    c.set_faults(Faults {
        malformed_rate: 1.0,
        ..Faults::default()
    });
    let r = get(base, key, &path).await;
    assert_eq!(r.status, 200);
    assert!(
        serde_json::from_str::<Value>(&r.body).is_err(),
        "{}",
        r.body
    );

    c.set_faults(Faults {
        drop_rate: 1.0,
        ..Faults::default()
    });
    let dropped = async {
        let resp = reqwest::Client::new()
            .get(format!("{base}{path}"))
            .bearer_auth(key)
            .send()
            .await?;
        resp.bytes().await
    }
    .await;
    assert!(dropped.is_err(), "connection should be cut mid-response");

    c.set_faults(Faults {
        latency: Duration::from_millis(300),
        ..Faults::default()
    });
    let t = Instant::now();
    assert_eq!(get(base, key, &path).await.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));

    c.set_faults(Faults::default());
    assert_eq!(
        get(base, key, &path).await.json().as_array().unwrap().len(),
        4
    );

    let faults: Vec<Option<FaultKind>> = c.requests().iter().map(|r| r.fault).collect();
    assert_eq!(
        faults,
        vec![
            Some(FaultKind::Error),
            Some(FaultKind::Malformed),
            Some(FaultKind::Dropped),
            None,
            None
        ]
    );
    let rec = &c.requests()[0];
    assert_eq!(
        (rec.method.as_str(), rec.path.as_str(), rec.status),
        ("GET", path.as_str(), 500)
    );
    assert_eq!(rec.scope, KeyScope::Customer);
}

#[tokio::test]
async fn same_seed_same_keys_and_data() {
    let a = sims_with(7, 100).await;
    let b = sims_with(7, 100).await;
    let other = sims_with(8, 100).await;
    let (ca, cb) = (&a.cloudonix, &b.cloudonix);
    assert_ne!(ca.base_url, cb.base_url);
    assert_eq!(ca.customer_key, cb.customer_key);
    assert_eq!(ca.domain_key, cb.domain_key);
    assert_eq!(ca.subscriber_key, cb.subscriber_key);
    assert_ne!(ca.customer_key, other.cloudonix.customer_key);
    for k in [&ca.customer_key, &ca.domain_key, &ca.subscriber_key] {
        assert_eq!(k.len(), 34);
        assert!(k.starts_with("XI"));
        assert!(
            k[2..]
                .chars()
                .all(|ch| ch.is_ascii_digit() || ('A'..='F').contains(&ch))
        );
    }
    let trunks = |c: &switchboard::sim::CloudonixSim| {
        let (base, key, dom) = (
            c.base_url.clone(),
            c.customer_key.clone(),
            c.domains[1].clone(),
        );
        async move {
            let mut v = get(
                &base,
                &key,
                &format!("/customers/self/domains/{dom}/trunks"),
            )
            .await
            .json();
            for t in v.as_array_mut().unwrap() {
                t.as_object_mut().unwrap().remove("createdAt");
                t.as_object_mut().unwrap().remove("modifiedAt");
            }
            v
        }
    };
    assert_eq!(trunks(ca).await, trunks(cb).await);
}

#[tokio::test]
async fn describe_config_and_shutdown() {
    let s = sims().await;
    let c = s.cloudonix.clone();
    let text = s.describe();
    assert!(
        text.contains(&c.base_url)
            && text.contains(&c.customer_key)
            && text.contains(&c.domain_key)
    );
    let cfg: toml::Table = toml::from_str(&s.config_toml()).expect("valid TOML");
    let p = &cfg["provider"].as_array().unwrap()[0];
    assert_eq!(p["name"].as_str(), Some("cloudonix-demo"));
    assert_eq!(p["kind"].as_str(), Some("cloudonix"));
    assert_eq!(p["base_url"].as_str(), Some(c.base_url.as_str()));
    assert_eq!(p["api_key"].as_str(), Some(c.customer_key.as_str()));
    assert!(!c.base_url.ends_with('/'));

    s.shutdown();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let after = reqwest::Client::new()
        .get(format!("{}/customers/self", c.base_url))
        .bearer_auth(&c.customer_key)
        .timeout(Duration::from_secs(2))
        .send()
        .await;
    assert!(after.is_err(), "server stopped");
}

#[tokio::test]
async fn traffic_adds_calls_over_time() {
    let s = start(SimOptions {
        seed: 3,
        cloudonix: CloudonixOptions {
            calls_per_minute: 1200.0,
            rate_limit_requests: 100,
            ..CloudonixOptions::default()
        },
        ..SimOptions::default()
    })
    .await
    .unwrap();
    let c = &s.cloudonix;
    let path = format!("/customers/self/domains/{}/sessions", c.domains[1]);
    let n0 = get(&c.base_url, &c.customer_key, &path)
        .await
        .json()
        .as_array()
        .unwrap()
        .len();
    tokio::time::sleep(Duration::from_millis(700)).await;
    let later = get(&c.base_url, &c.customer_key, &path).await.json();
    let later = later.as_array().unwrap();
    assert!(later.len() > n0, "{} -> {}", n0, later.len());
    assert!(later.iter().any(|s| matches!(
        s["status"].as_str(),
        Some("new" | "NEW" | "processing" | "ringing" | "Ringing")
    )));
}
