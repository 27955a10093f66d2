//! Cloudonix mutations, the read-only guard and the Cloudonix forms, against the
//! simulator over real HTTP.

use crate::support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use switchboard::config::ProviderConfig;
use switchboard::model::{Call, Number, ProviderId, Trunk};
use switchboard::providers::cloudonix::forms;
use switchboard::providers::http::Guard;
use switchboard::providers::{
    FetchData, JobKey, JobKind, Mutation, NumberSpec, ProviderClient, ProviderError, TrunkSpec,
};
use switchboard::secret::Secret;
use switchboard::sim::{CloudonixSim, Faults, RunningSims};

const PASSWORD: &str = "trunk-pass-Zq81xv";

async fn quiet_sims(seed: u64) -> RunningSims {
    support::sims(seed, |o| {
        o.cloudonix.traffic = false;
        // These tests count requests themselves; the limiter is tested elsewhere.
        o.cloudonix.rate_limit_requests = 1000;
    })
    .await
}

fn client(cfg: &ProviderConfig) -> ProviderClient {
    ProviderClient::from_config(ProviderId(0), cfg).expect("client builds")
}

fn customer_client(cx: &CloudonixSim) -> ProviderClient {
    client(&support::cloudonix_config(&cx.base_url, &cx.customer_key))
}

fn key(kind: JobKind, scope: &str) -> JobKey {
    JobKey {
        kind,
        scope: scope.to_string(),
    }
}

async fn trunks(c: &ProviderClient, d: &str) -> Vec<Trunk> {
    match c.fetch(&key(JobKind::Trunks, d)).await {
        Ok(FetchData::Trunks(t)) => t,
        other => panic!("trunks: {other:?}"),
    }
}

async fn numbers(c: &ProviderClient, d: &str) -> Vec<Number> {
    match c.fetch(&key(JobKind::Numbers, d)).await {
        Ok(FetchData::Numbers(n)) => n,
        other => panic!("numbers: {other:?}"),
    }
}

async fn calls(c: &ProviderClient, d: &str) -> (Vec<Call>, Vec<Call>) {
    match c.fetch(&key(JobKind::Calls, d)).await {
        Ok(FetchData::Calls { live, history }) => (live, history),
        other => panic!("calls: {other:?}"),
    }
}

fn non_get(cx: &CloudonixSim) -> Vec<(String, String)> {
    cx.requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .map(|r| (r.method, r.path))
        .collect()
}

/// The stored trunk as the raw API returns it (password in clear, as the real API does).
async fn raw_trunk(cx: &CloudonixSim, domain: &str, id: &str) -> serde_json::Value {
    let url = format!(
        "{}/customers/self/domains/{domain}/trunks/{id}",
        cx.base_url
    );
    let resp = reqwest::Client::new()
        .get(url)
        .bearer_auth(&cx.customer_key)
        .send()
        .await
        .expect("raw get");
    assert_eq!(resp.status().as_u16(), 200);
    resp.json().await.expect("json")
}

fn trunk_spec(name: &str) -> TrunkSpec {
    TrunkSpec {
        name: name.into(),
        host: "203.0.113.10".into(),
        port: 5060,
        transport: "udp".into(),
        direction: "inbound".into(),
        prefix: "77#".into(),
        auth_username: Some("carrier-user".into()),
        auth_password: Some(Secret::new(PASSWORD)),
    }
}

#[tokio::test]
async fn trunk_create_edit_delete_round_trip() {
    let sims = quiet_sims(11).await;
    let cx = &sims.cloudonix;
    let c = customer_client(cx);
    let d = cx.domains[0].clone();

    let create = Mutation::CreateTrunk {
        account: d.clone(),
        trunk: trunk_spec("test-carrier"),
    };
    let preview = c.preview(&create).expect("preview");
    assert_eq!(preview.method, "POST");
    assert_eq!(preview.path, format!("/customers/self/domains/{d}/trunks"));
    let body = preview.body.clone().expect("body");
    assert!(body.contains("\"password\":\"****\""), "{body}");
    assert!(!body.contains(PASSWORD), "{body}");
    assert!(body.contains("\"name\":\"test-carrier\""), "{body}");
    assert!(non_get(cx).is_empty(), "preview sends nothing");

    let out = c.mutate(&create).await.expect("created");
    assert!(out.status == 200 || out.status == 201, "{out:?}");
    assert_eq!(out.message, "trunk test-carrier created");
    let id = out.created_id.clone().expect("created id");
    assert_eq!(
        non_get(cx),
        vec![(preview.method.clone(), preview.path.clone())],
        "the preview is what was sent"
    );

    let t = trunks(&c, &d)
        .await
        .into_iter()
        .find(|t| t.name == "test-carrier")
        .expect("listed");
    assert_eq!(t.id, id);
    assert_eq!(t.direction, "public-inbound", "inbound is normalised");
    assert_eq!((t.host.as_str(), t.port), ("203.0.113.10", Some(5060)));
    assert_eq!(t.prefix, "77#");
    assert!(t.extra.iter().any(|f| f == ("auth user", "carrier-user")));
    assert_eq!(
        raw_trunk(cx, &d, &id).await["profile"]["authentication"]["password"],
        PASSWORD
    );

    // Edit the port through the form, leaving the password empty (= keep).
    let form = forms::trunk_form(Some(&t), 0);
    assert!(form.confirm.is_none());
    let mut values = form.values.clone();
    for (k, v) in values.iter_mut() {
        if k == "port" {
            *v = "5080".into();
        }
    }
    let edit = forms::trunk_mutation(&d, Some(&t.id), &values).expect("valid form");
    let preview = c.preview(&edit).expect("preview");
    assert_eq!(preview.method, "PUT");
    assert_eq!(
        preview.path,
        format!("/customers/self/domains/{d}/trunks/{id}")
    );
    let body = preview.body.clone().unwrap();
    assert!(!body.contains("\"name\""), "PUT cannot rename: {body}");
    assert!(!body.contains("password"), "no password key: {body}");
    let out = c.mutate(&edit).await.expect("updated");
    assert_eq!(out.status, 200);
    assert_eq!(out.message, "trunk test-carrier updated");
    let t2 = trunks(&c, &d)
        .await
        .into_iter()
        .find(|t| t.id == id)
        .expect("still there");
    assert_eq!(t2.port, Some(5080));
    assert_eq!(t2.direction, "public-inbound");
    assert_eq!(
        raw_trunk(cx, &d, &id).await["profile"]["authentication"]["password"],
        PASSWORD,
        "the stored password stays"
    );

    let delete = Mutation::DeleteTrunk {
        account: d.clone(),
        id: id.clone(),
    };
    let preview = c.preview(&delete).unwrap();
    assert_eq!((preview.method.as_str(), preview.body), ("DELETE", None));
    let out = c.mutate(&delete).await.expect("deleted");
    assert_eq!(out.status, 204);
    assert!(trunks(&c, &d).await.iter().all(|t| t.id != id));
    assert_eq!(
        non_get(cx).last(),
        Some(&("DELETE".to_string(), preview.path.clone()))
    );

    // Deleting it again: 404 is an error for trunks.
    let e = c.mutate(&delete).await.expect_err("gone");
    assert!(matches!(e, ProviderError::NotFound(_)), "{e:?}");
}

#[tokio::test]
async fn number_edit_and_enable_disable() {
    let sims = quiet_sims(12).await;
    let cx = &sims.cloudonix;
    let c = customer_client(cx);
    let d = cx.domains[0].clone();

    let before = numbers(&c, &d).await;
    let n = before
        .iter()
        .find(|n| n.active == Some(true))
        .expect("an active number")
        .clone();
    let ProviderClient::Cloudonix(inner) = &c else {
        panic!("a cloudonix config builds a Cloudonix client");
    };
    let apps = inner.cached_applications(&d);
    assert!(apps.contains(&n.target), "{apps:?}");
    let other_app = apps
        .iter()
        .find(|a| **a != n.target)
        .expect("a second application")
        .clone();

    let form = forms::number_form(&n, &apps);
    let mut values = form.values.clone();
    for (k, v) in values.iter_mut() {
        match k.as_str() {
            "application" => *v = other_app.clone(),
            "match" => *v = "prefix".into(),
            "source" => *v = "+1415555".into(),
            _ => {}
        }
    }
    let m = forms::number_mutation(&d, &n.id, &values).expect("valid form");
    let preview = c
        .preview(&m)
        .expect("preview resolves the application name");
    assert_eq!(preview.method, "PUT");
    assert_eq!(
        preview.path,
        format!("/customers/self/domains/{d}/dnids/{}", n.id)
    );
    assert!(
        preview
            .body
            .as_deref()
            .unwrap()
            .contains("\"applicationId\":")
    );
    let out = c.mutate(&m).await.expect("updated");
    assert_eq!(out.status, 204);
    assert_eq!(
        non_get(cx),
        vec![(preview.method.clone(), preview.path.clone())]
    );

    let after = numbers(&c, &d).await;
    let n2 = after.iter().find(|x| x.id == n.id).expect("still there");
    assert_eq!(n2.number, "+1415555");
    assert_eq!(n2.target, other_app);
    assert!(n2.extra.iter().any(|f| f == ("prefix", "yes")));
    assert_eq!(n2.active, Some(true));

    for active in [false, true] {
        let m = Mutation::SetNumberActive {
            account: d.clone(),
            id: n.id.clone(),
            active,
        };
        assert_eq!(
            c.preview(&m).unwrap().body.as_deref(),
            Some(format!("{{\"active\":{active}}}").as_str())
        );
        let out = c.mutate(&m).await.expect("toggled");
        assert_eq!(out.status, 204);
        let now = numbers(&c, &d).await;
        let x = now.iter().find(|x| x.id == n.id).unwrap();
        assert_eq!(x.active, Some(active));
        assert_eq!(x.number, "+1415555", "only `active` changed");
    }
}

#[tokio::test]
async fn number_application_by_name_is_resolved_before_sending() {
    let sims = quiet_sims(13).await;
    let cx = &sims.cloudonix;
    let c = customer_client(cx);
    let d = cx.domains[0].clone();
    // A fresh client has no application list yet: the preview says so, mutate reads it.
    let n = {
        let reader = customer_client(cx);
        numbers(&reader, &d).await[0].clone()
    };
    let m = Mutation::UpdateNumber {
        start: Vec::new(),
        account: d.clone(),
        id: n.id.clone(),
        number: NumberSpec {
            source: n.number.clone(),
            application: n.target.clone(),
            active: true,
            prefix: false,
            expression: false,
            asterisk_compatible: false,
        },
    };
    assert!(matches!(c.preview(&m), Err(ProviderError::Refused(_))));
    let before = cx.requests().len();
    assert_eq!(c.mutate(&m).await.expect("updated").status, 204);
    let sent: Vec<_> = cx.requests()[before..]
        .iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    assert_eq!(
        sent,
        vec![
            (
                "GET".to_string(),
                format!("/customers/self/domains/{d}/applications")
            ),
            (
                "PUT".to_string(),
                format!("/customers/self/domains/{d}/dnids/{}", n.id)
            ),
        ]
    );
    assert!(c.preview(&m).is_ok(), "the list is remembered");

    let unknown = Mutation::UpdateNumber {
        start: Vec::new(),
        account: d.clone(),
        id: n.id.clone(),
        number: NumberSpec {
            application: "no-such-app".into(),
            ..match &m {
                Mutation::UpdateNumber { number, .. } => number.clone(),
                _ => unreachable!(),
            }
        },
    };
    let e = c.mutate(&unknown).await.expect_err("unknown application");
    assert!(
        matches!(&e, ProviderError::Refused(m) if m.contains("no-such-app")),
        "{e:?}"
    );
    assert_eq!(
        non_get(cx).len(),
        1,
        "nothing sent for an unknown application"
    );
}

#[tokio::test]
async fn click_to_call_then_hang_up_twice() {
    let sims = quiet_sims(14).await;
    let cx = &sims.cloudonix;
    let c = customer_client(cx);
    let d = cx.domains[0].clone();

    let call = Mutation::ClickToCall {
        account: d.clone(),
        destination: "+14155550123".into(),
        caller_id: Some("+14155550100".into()),
        application: None,
    };
    let preview = c.preview(&call).unwrap();
    assert_eq!(preview.method, "POST");
    assert_eq!(preview.path, format!("/calls/{d}/application"));
    let body: serde_json::Value = serde_json::from_str(preview.body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"destination": "+14155550123", "caller-id": "+14155550100"})
    );

    let out = c.mutate(&call).await.expect("placed");
    assert_eq!(out.status, 200);
    let token = out.created_id.clone().expect("token");
    assert_eq!(token.len(), 32);
    let hangup = Mutation::Hangup {
        account: d.clone(),
        call_id: token.clone(),
    };
    let hangup_preview = c.preview(&hangup).unwrap();
    // Hang up at once (the call may be short-lived); then look at the list.
    let (live, _) = calls(&c, &d).await;
    assert!(
        live.iter().any(|x| x.id == token),
        "the new call is live: {:?}",
        live.iter().map(|x| &x.id).collect::<Vec<_>>()
    );
    let out = c.mutate(&hangup).await.expect("hung up");
    assert_eq!(out.status, 204, "{out:?}");
    assert_eq!(out.message, format!("call {token} hung up"));

    let (live, history) = calls(&c, &d).await;
    assert!(live.iter().all(|x| x.id != token));
    assert!(
        history
            .iter()
            .any(|x| x.id == token && x.ended_at_ms.is_some())
    );

    let again = c.mutate(&hangup).await.expect("already ended is success");
    assert_eq!(again.status, 404);
    assert_eq!(again.message, "call had already ended");

    let sent = non_get(cx);
    assert_eq!(
        sent,
        vec![
            (preview.method.clone(), preview.path.clone()),
            (hangup_preview.method.clone(), hangup_preview.path.clone()),
            (hangup_preview.method.clone(), hangup_preview.path.clone()),
        ]
    );
    assert_eq!(
        hangup_preview.path,
        format!("/customers/self/domains/{d}/sessions/{token}")
    );
}

#[tokio::test]
async fn provider_errors_carry_the_providers_message() {
    let sims = quiet_sims(15).await;
    let cx = &sims.cloudonix;
    let c = customer_client(cx);
    let d = cx.domains[0].clone();

    // Bypassing the form: a transport the API rejects.
    let mut spec = trunk_spec("bad-transport");
    spec.transport = "carrier-pigeon".into();
    let e = c
        .mutate(&Mutation::CreateTrunk {
            account: d.clone(),
            trunk: spec,
        })
        .await
        .expect_err("400");
    match &e {
        ProviderError::BadRequest(m) => {
            assert!(m.contains("Invalid value for 'transport'"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    assert!(!e.to_string().contains(PASSWORD));

    // A DNID with two match modes.
    let n = numbers(&c, &d).await[0].clone();
    let e = c
        .mutate(&Mutation::UpdateNumber {
            start: Vec::new(),
            account: d.clone(),
            id: n.id.clone(),
            number: NumberSpec {
                source: "+1415".into(),
                application: String::new(),
                active: true,
                prefix: true,
                expression: true,
                asterisk_compatible: false,
            },
        })
        .await
        .expect_err("400");
    assert!(
        matches!(&e, ProviderError::BadRequest(m) if m.contains("Only one of 'prefix', 'expression' or 'asteriskCompatible'")),
        "{e:?}"
    );

    // Injected 500.
    cx.set_faults(Faults {
        error_rate: 1.0,
        ..Faults::default()
    });
    let e = c
        .mutate(&Mutation::SetNumberActive {
            account: d.clone(),
            id: n.id.clone(),
            active: false,
        })
        .await
        .expect_err("500");
    assert!(
        matches!(&e, ProviderError::Server { status: 500, message } if message.contains("Request Failed")),
        "{e:?}"
    );
    cx.set_faults(Faults::default());

    // 429: mapped, not retried.
    cx.set_rate_limit(1, Duration::from_secs(60));
    let before = cx.requests().len();
    let e = c
        .mutate(&Mutation::SetNumberActive {
            account: d.clone(),
            id: n.id.clone(),
            active: false,
        })
        .await
        .expect_err("429");
    assert!(e.is_rate_limited(), "{e:?}");
    assert_eq!(cx.requests().len(), before + 1);
    cx.set_rate_limit(1000, Duration::from_secs(10));

    // 401 with a bad key.
    let bad = client(&support::cloudonix_config(
        &cx.base_url,
        "XI00000000000000000000000000000000",
    ));
    let e = bad
        .mutate(&Mutation::DeleteTrunk {
            account: d.clone(),
            id: "1".into(),
        })
        .await
        .expect_err("401");
    assert!(e.is_auth(), "{e:?}");

    // 403: a domain key on another domain.
    let dk = client(&support::cloudonix_config(&cx.base_url, &cx.domain_key));
    let e = dk
        .mutate(&Mutation::Hangup {
            account: cx.domains[1].clone(),
            call_id: "x".into(),
        })
        .await
        .expect_err("403");
    assert!(matches!(e, ProviderError::Forbidden(_)), "{e:?}");
}

/// A server that reads requests and never answers; it keeps every request line.
async fn black_hole() -> (String, Arc<Mutex<Vec<String>>>) {
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let mut recorded = false;
                // Read until the peer goes away; record the request line once.
                while let Ok(n) = sock.read(&mut chunk).await {
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if !recorded && let Some(end) = buf.windows(2).position(|w| w == b"\r\n") {
                        log.lock()
                            .unwrap()
                            .push(String::from_utf8_lossy(&buf[..end]).into_owned());
                        recorded = true;
                    }
                }
            });
        }
    });
    (base, seen)
}

#[tokio::test]
async fn timed_out_post_is_sent_once_and_reported_as_timeout() {
    let (base, seen) = black_hole().await;
    let mut cfg = support::cloudonix_config(&base, "XI0123456789ABCDEF0123456789ABCDEF");
    cfg.timeout_seconds = Some(0.5);
    let c = client(&cfg);
    let started = std::time::Instant::now();
    let e = c
        .mutate(&Mutation::ClickToCall {
            account: "acme.cloudonix.net".into(),
            destination: "+14155550123".into(),
            caller_id: None,
            application: None,
        })
        .await
        .expect_err("timeout");
    assert!(matches!(e, ProviderError::Timeout(_)), "{e:?}");
    assert!(e.to_string().contains("timed out"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(3));
    // Give a retry, if there were one, time to arrive.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        *seen.lock().unwrap(),
        vec!["POST /calls/acme.cloudonix.net/application HTTP/1.1".to_string()],
        "exactly one POST, never retried"
    );
}

#[tokio::test]
async fn slow_simulator_post_times_out_and_is_not_retried() {
    let sims = quiet_sims(16).await;
    let cx = &sims.cloudonix;
    let mut cfg = support::cloudonix_config(&cx.base_url, &cx.customer_key);
    cfg.timeout_seconds = Some(0.5);
    let c = client(&cfg);
    let d = cx.domains[0].clone();
    cx.set_faults(Faults {
        latency: Duration::from_millis(1500),
        ..Faults::default()
    });
    let e = c
        .mutate(&Mutation::ClickToCall {
            account: d.clone(),
            destination: "+14155550123".into(),
            caller_id: None,
            application: None,
        })
        .await
        .expect_err("timeout");
    assert!(matches!(e, ProviderError::Timeout(_)), "{e:?}");
    tokio::time::sleep(Duration::from_millis(2000)).await;
    // The simulator drops a request whose client went away during the added latency, so
    // at most the one POST can show up; a retry would add a second.
    let posts = cx.requests().iter().filter(|r| r.method == "POST").count();
    assert!(posts <= 1, "{posts} POSTs");

    // A connection cut after the status line: the call was placed, reported once.
    cx.set_faults(Faults {
        drop_rate: 1.0,
        ..Faults::default()
    });
    let before = cx.requests().len();
    let out = c
        .mutate(&Mutation::ClickToCall {
            account: d.clone(),
            destination: "+14155550123".into(),
            caller_id: None,
            application: None,
        })
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let posts: Vec<_> = cx.requests()[before..]
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.status)
        .collect();
    assert_eq!(posts, vec![200], "exactly one POST reached the simulator");
    match out {
        Ok(o) => {
            assert_eq!(o.status, 200);
            assert!(o.created_id.is_none());
            assert!(o.message.contains("no call id"), "{}", o.message);
        }
        Err(e) => panic!("a 2xx is success even with a cut body: {e:?}"),
    }
}

#[tokio::test]
async fn read_only_refuses_every_mutation_before_sending() {
    let sims = quiet_sims(17).await;
    let cx = &sims.cloudonix;
    let mut cfg = support::cloudonix_config(&cx.base_url, &cx.customer_key);
    cfg.read_only = Some(true);
    let c = client(&cfg);
    assert!(c.read_only());
    let d = cx.domains[0].clone();
    let n = numbers(&c, &d).await[0].clone();
    let t = trunks(&c, &d).await[0].clone();

    let all = vec![
        Mutation::CreateTrunk {
            account: d.clone(),
            trunk: trunk_spec("ro"),
        },
        Mutation::UpdateTrunk {
            start: Vec::new(),
            account: d.clone(),
            id: t.id.clone(),
            trunk: trunk_spec(&t.name),
        },
        Mutation::DeleteTrunk {
            account: d.clone(),
            id: t.id.clone(),
        },
        Mutation::UpdateNumber {
            start: Vec::new(),
            account: d.clone(),
            id: n.id.clone(),
            number: NumberSpec {
                source: n.number.clone(),
                application: n.target.clone(),
                active: false,
                prefix: false,
                expression: false,
                asterisk_compatible: false,
            },
        },
        Mutation::SetNumberActive {
            account: d.clone(),
            id: n.id.clone(),
            active: false,
        },
        Mutation::ClickToCall {
            account: d.clone(),
            destination: "+14155550123".into(),
            caller_id: None,
            application: None,
        },
        Mutation::Hangup {
            account: d.clone(),
            call_id: "abc".into(),
        },
    ];
    for m in &all {
        // The preview still works: it sends nothing.
        assert!(c.preview(m).is_ok(), "{m:?}");
        let e = c.mutate(m).await.expect_err("refused");
        assert!(
            matches!(&e, ProviderError::Refused(msg) if msg.starts_with("read-only:")),
            "{m:?}: {e:?}"
        );
    }
    assert!(non_get(cx).is_empty(), "{:?}", non_get(cx));
    // Reads still work.
    assert!(!trunks(&c, &d).await.is_empty());

    // The guard alone, with a raw POST.
    let guard = Guard::new(Duration::from_secs(2), true).unwrap();
    let url = reqwest::Url::parse(&format!("{}/calls/{d}/application", cx.base_url)).unwrap();
    let e = guard
        .send(
            guard
                .request(reqwest::Method::POST, url.clone())
                .bearer_auth(&cx.customer_key)
                .body("{\"destination\":\"+14155550123\"}"),
        )
        .await
        .expect_err("refused");
    assert!(matches!(e, ProviderError::Refused(_)));
    assert!(non_get(cx).is_empty());
    guard.read_only().set(false);
    let resp = guard
        .send(
            guard
                .request(reqwest::Method::POST, url)
                .bearer_auth(&cx.customer_key)
                .body("{\"destination\":\"+14155550123\"}"),
        )
        .await
        .expect("sent once allowed");
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(non_get(cx).len(), 1);

    // Switching the client at run time.
    c.set_read_only(false);
    assert!(!c.read_only());
    let out = c.mutate(&all[4]).await.expect("write mode");
    assert_eq!(out.status, 204);
    assert_eq!(non_get(cx).len(), 2);
    c.set_read_only(true);
    assert!(c.mutate(&all[4]).await.is_err());
    assert_eq!(non_get(cx).len(), 2);
}

#[test]
fn config_default_is_writable() {
    let cfg = support::cloudonix_config("http://127.0.0.1:9", "XI0123456789");
    assert!(!client(&cfg).read_only());
}

fn sample_trunk() -> Trunk {
    Trunk {
        provider: ProviderId(0),
        account: "acme.cloudonix.net".into(),
        account_name: Default::default(),
        id: "42".into(),
        name: "pbx-hq".into(),
        host: "198.51.100.7".into(),
        port: Some(5061),
        transport: "tls".into(),
        direction: "public-outbound".into(),
        prefix: "9#".into(),
        active: Some(true),
        extra: vec![
            ("uuid".into(), "u-1".into()),
            ("auth user".into(), "hq-user".into()),
            ("auth password".into(), "****".into()),
        ]
        .into(),
    }
}

fn set(values: &mut [(String, String)], k: &str, v: &str) {
    let slot = values
        .iter_mut()
        .find(|(key, _)| key == k)
        .unwrap_or_else(|| panic!("no field {k}"));
    slot.1 = v.to_owned();
}

#[test]
fn trunk_form_round_trips() {
    use switchboard::form::spec::{FieldKind, FormMode};

    // Create.
    let form = forms::trunk_form(None, 0);
    assert_eq!(form.mode, FormMode::Create);
    let keys: Vec<&str> = form.fields.iter().map(|f| f.key).collect();
    assert_eq!(
        keys,
        [
            "name",
            "ip",
            "port",
            "transport",
            "prefix",
            "direction",
            "auth_username",
            "auth_password"
        ]
    );
    assert!(form.fields[0].create_only);
    assert_eq!(form.fields[1].kind, FieldKind::Host);
    assert_eq!(form.fields[2].kind, FieldKind::Port);
    assert_eq!(form.fields[7].kind, FieldKind::Secret);
    let mut v = form.values.clone();
    set(&mut v, "name", "new-trunk");
    set(&mut v, "ip", "sip.example.net");
    set(&mut v, "direction", "inbound");
    set(&mut v, "auth_username", "u");
    set(&mut v, "auth_password", "p-123456");
    assert_eq!(
        forms::trunk_mutation("acme.cloudonix.net", None, &v).unwrap(),
        Mutation::CreateTrunk {
            account: "acme.cloudonix.net".into(),
            trunk: TrunkSpec {
                name: "new-trunk".into(),
                host: "sip.example.net".into(),
                port: 5060,
                transport: "udp".into(),
                direction: "inbound".into(),
                prefix: String::new(),
                auth_username: Some("u".into()),
                auth_password: Some(Secret::new("p-123456")),
            },
        }
    );

    // Edit, unchanged: same values, password kept.
    let t = sample_trunk();
    let form = forms::trunk_form(Some(&t), 3);
    assert_eq!(form.mode, FormMode::Edit);
    assert_eq!(
        form.confirm,
        Some(("pbx-hq".into(), "3 live calls on this trunk".into()))
    );
    assert_eq!(
        forms::trunk_mutation("acme.cloudonix.net", Some("42"), &form.values).unwrap(),
        Mutation::UpdateTrunk {
            start: Vec::new(),
            account: "acme.cloudonix.net".into(),
            id: "42".into(),
            trunk: TrunkSpec {
                name: "pbx-hq".into(),
                host: "198.51.100.7".into(),
                port: 5061,
                transport: "tls".into(),
                direction: "public-outbound".into(),
                prefix: "9#".into(),
                auth_username: Some("hq-user".into()),
                auth_password: None,
            },
        }
    );
    assert!(forms::trunk_form(Some(&t), 0).confirm.is_none());
    assert_eq!(
        forms::trunk_form(Some(&t), 1).confirm.unwrap().1,
        "1 live call on this trunk"
    );
    let (expected, reason) = forms::trunk_delete_confirm(&t, 2);
    assert_eq!(expected, "pbx-hq");
    assert!(reason.contains("2 live calls"), "{reason}");
}

#[test]
fn number_and_call_forms_round_trip() {
    use switchboard::form::spec::FieldKind;

    let n = Number {
        provider: ProviderId(0),
        account: "acme.cloudonix.net".into(),
        account_name: Default::default(),
        id: "7".into(),
        number: "+14155550100".into(),
        target: "main-ivr".into(),
        active: Some(true),
        extra: vec![
            ("prefix".into(), "no".into()),
            ("expression".into(), "no".into()),
            ("asterisk compatible".into(), "yes".into()),
        ]
        .into(),
    };
    let apps = vec!["main-ivr".to_string(), "support".to_string()];
    let form = forms::number_form(&n, &apps);
    let app_field = form.fields.iter().find(|f| f.key == "application").unwrap();
    assert_eq!(app_field.kind, FieldKind::Choice(&["main-ivr", "support"]));
    assert!(form.values.contains(&("match".into(), "asterisk".into())));
    let mut v = form.values.clone();
    set(&mut v, "application", "support");
    set(&mut v, "active", "no");
    assert_eq!(
        forms::number_mutation("acme.cloudonix.net", "7", &v).unwrap(),
        Mutation::UpdateNumber {
            start: Vec::new(),
            account: "acme.cloudonix.net".into(),
            id: "7".into(),
            number: NumberSpec {
                source: "+14155550100".into(),
                application: "support".into(),
                active: false,
                prefix: false,
                expression: false,
                asterisk_compatible: true,
            },
        }
    );
    // No application list: free text.
    assert_eq!(
        forms::number_form(&n, &[])
            .fields
            .iter()
            .find(|f| f.key == "application")
            .unwrap()
            .kind,
        FieldKind::Text
    );

    let form = forms::click_to_call_form(Some("+14155550100"));
    assert_eq!(form.fields[0].kind, FieldKind::E164);
    let mut v = form.values.clone();
    set(&mut v, "destination", "+442079460000");
    assert_eq!(
        forms::call_mutation("acme.cloudonix.net", &v).unwrap(),
        Mutation::ClickToCall {
            account: "acme.cloudonix.net".into(),
            destination: "+442079460000".into(),
            caller_id: Some("+14155550100".into()),
            application: None,
        }
    );
}

/// A DNID stored as bare E.164 digits shows with its `+` (the one number format), and
/// its edit form still starts from the digits as Cloudonix stores them, so an edit of
/// its application leaves the number as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_shown_with_a_plus_is_edited_as_stored() {
    let sims = quiet_sims(12).await;
    let cx = &sims.cloudonix;
    let c = customer_client(cx);
    let d = cx.domains[0].clone();
    let n = numbers(&c, &d)
        .await
        .into_iter()
        .find(|n| n.as_sent() != n.number)
        .expect("a DNID stored without +");
    assert_eq!(n.number, format!("+{}", n.as_sent()));
    let form = forms::number_form(&n, std::slice::from_ref(&n.target));
    let source = form
        .values
        .iter()
        .find(|(k, _)| k == "source")
        .map(|(_, v)| v.clone());
    assert_eq!(source.as_deref(), Some(n.as_sent()));
    let m = forms::number_mutation(&d, &n.id, &form.values).expect("valid form");
    let body = c.preview(&m).expect("preview").body.unwrap_or_default();
    assert!(
        body.contains(&format!("\"source\":\"{}\"", n.as_sent())),
        "{body}"
    );
}
