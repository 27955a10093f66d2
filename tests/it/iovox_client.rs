//! The IOVOX client against the IOVOX simulator over real TLS (the simulator's
//! self-signed CA trusted through `ca_file`), in both output formats.

use crate::support;

use std::io::{Read, Write};

use switchboard::config::ProviderConfig;
use switchboard::model::{AccountKind, ProviderId, ProviderKind};
use switchboard::providers::IovoxSettings;
use switchboard::providers::iovox::Change;
use switchboard::providers::{
    FetchData, JobKey, JobKind, Mutation, ProviderChange, ProviderClient, ProviderError,
};
use switchboard::secret::Secret;
use switchboard::sim::IovoxSim;

fn config(sim: &IovoxSim, output: Option<&str>) -> ProviderConfig {
    let mut cfg = ProviderConfig::new("iovox", ProviderKind::Iovox, &sim.base_url);
    cfg.settings = IovoxSettings {
        ca_file: Some(sim.ca_file.clone()),
        output: output.map(str::to_owned),
        ..IovoxSettings::new(&sim.username, &sim.secure_key)
    }
    .into();
    cfg.timeout_seconds = Some(5.0);
    cfg
}

fn client(cfg: &ProviderConfig) -> ProviderClient {
    ProviderClient::from_config(ProviderId(0), cfg).expect("client builds")
}

fn key(kind: JobKind) -> JobKey {
    JobKey {
        kind,
        scope: String::new(),
    }
}

fn toggle(numbers: &[&str], on: bool) -> Mutation {
    Mutation::Provider {
        account: "noc-demo".into(),
        command: "number.toggle".into(),
        change: ProviderChange::Iovox(Change::SetCallStatus {
            numbers: numbers.iter().map(|n| n.to_string()).collect(),
            on,
        }),
    }
}

#[tokio::test]
async fn reads_tree_numbers_history_and_metrics_in_json_and_xml() {
    let sims = support::sims(5, |_| {}).await;
    let sim = &sims.iovox;
    assert!(sim.base_url.starts_with("https://"));
    for output in [None, Some("xml")] {
        let c = client(&config(sim, output));
        let accounts = match c.fetch(&c.discovery_job().key).await {
            Ok(FetchData::Accounts(a)) => a,
            other => panic!("{output:?} accounts: {other:?}"),
        };
        let nodes = accounts
            .iter()
            .filter(|a| a.kind == AccountKind::Domain)
            .count();
        let links: Vec<_> = accounts
            .iter()
            .filter(|a| a.kind == AccountKind::SubAccount)
            .collect();
        assert_eq!(nodes, 3, "{output:?}");
        assert_eq!(links.len(), sim.links().len(), "{output:?}");
        let sales = links.iter().find(|l| l.id == "L-LON-SALES").expect("link");
        assert_eq!(
            sales.parent.as_deref(),
            Some("LON01"),
            "links hang under nodes"
        );

        let numbers = match c.fetch(&key(JobKind::Numbers)).await {
            Ok(FetchData::Numbers(n)) => n,
            other => panic!("{output:?} numbers: {other:?}"),
        };
        assert_eq!(numbers.len(), sim.numbers().len());
        let off = numbers.iter().find(|n| n.id == "448001234505").expect("n");
        assert_eq!(off.active, Some(false));
        assert_eq!(off.number, "+448001234505");
        let on = numbers.iter().find(|n| n.id == "442071234501").expect("n");
        assert_eq!(on.active, Some(true));
        assert_eq!(on.account, "L-LON-SALES");
        // An unassigned number has an empty link: `{}` in JSON, `<link_id/>` in XML.
        let free = numbers.iter().find(|n| n.id == "33142345607").expect("n");
        assert_eq!(free.target, "(no link)");
        assert!(
            free.extra
                .iter()
                .any(|(k, v)| k == "assigned" && v == "unassigned")
        );

        let history = match c.fetch(&key(JobKind::Calls)).await {
            Ok(FetchData::Calls { live, history }) => {
                assert!(live.is_empty(), "IOVOX has no live calls");
                history
            }
            other => panic!("{output:?} calls: {other:?}"),
        };
        assert!(!history.is_empty(), "a day of calls");
        assert!(history.iter().all(|c| c.started_at_ms.is_some()));
        assert!(
            history
                .windows(2)
                .all(|w| w[0].started_at_ms >= w[1].started_at_ms),
            "newest first"
        );

        let stats = match c.fetch(&key(JobKind::Stats)).await {
            Ok(FetchData::Queues(q)) => q,
            other => panic!("{output:?} stats: {other:?}"),
        };
        let days: Vec<_> = stats.iter().filter(|s| s.kind == "by day").collect();
        let results: Vec<_> = stats.iter().filter(|s| s.kind == "by result").collect();
        assert!(!days.is_empty() && !results.is_empty());
        let answered = results.iter().find(|s| s.name == "ANSWERED").expect("row");
        let day_total: u32 = days.iter().filter_map(|d| d.total).sum();
        let result_total: u32 = results.iter().filter_map(|r| r.total).sum();
        assert_eq!(day_total, result_total, "both groupings count every call");
        let day_answered: u32 = days.iter().filter_map(|d| d.answered).sum();
        assert_eq!(Some(day_answered), answered.total);
        assert!(answered.avg_talk_s.is_some_and(|t| t > 0));
    }
    let reqs = sims.iovox.requests();
    assert!(reqs.iter().all(|r| r.status == 200), "{reqs:?}");
    assert!(reqs.iter().any(|r| r.path.contains("output=XML")));
    assert!(reqs.iter().any(|r| r.path.contains("output=JSON")));
    assert!(
        reqs.iter()
            .any(|r| r.path.starts_with("/Calls?v=3&method=getCallMetrics")
                && r.path.contains("group_fields=cdate%2Ccall_res"))
    );
}

#[tokio::test]
async fn switches_numbers_off_and_on_with_one_put() {
    let sims = support::sims(6, |_| {}).await;
    let sim = &sims.iovox;
    let c = client(&config(sim, None));
    let m = toggle(&["442071234501", "442071234502"], false);
    let preview = c.preview(&m).expect("preview");
    assert_eq!(preview.method, "PUT");
    assert_eq!(preview.path, "/Voxnumbers?v=3&method=setCallStatus");
    let body = preview.body.expect("xml body");
    assert!(body.contains("<call_status>OFF</call_status>"), "{body}");
    assert!(
        body.contains("<voxnumber>442071234502</voxnumber>"),
        "{body}"
    );

    let out = c.mutate(&m).await.expect("sent");
    assert_eq!(out.status, 204);
    assert_eq!(out.message, "2 numbers switched OFF");
    assert_eq!(sim.call_status("442071234501").as_deref(), Some("OFF"));
    assert_eq!(sim.call_status("442071234502").as_deref(), Some("OFF"));
    let puts: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .collect();
    assert_eq!(puts.len(), 1, "one request for both numbers");
    assert_eq!(puts[0].body, body, "the preview is exactly what was sent");

    match c.fetch(&key(JobKind::Numbers)).await {
        Ok(FetchData::Numbers(n)) => {
            let one = n.iter().find(|n| n.id == "442071234501").expect("n");
            assert_eq!(one.active, Some(false));
        }
        other => panic!("{other:?}"),
    }

    // Read-only: refused before anything is sent.
    c.set_read_only(true);
    let e = c
        .mutate(&toggle(&["442071234501"], true))
        .await
        .expect_err("read-only");
    assert!(e.to_string().contains("read-only"), "{e}");
    assert_eq!(
        sim.requests().iter().filter(|r| r.method == "PUT").count(),
        1
    );
    c.set_read_only(false);

    // An unknown number: IOVOX's error text with its status.
    let e = c
        .mutate(&toggle(&["999"], true))
        .await
        .expect_err("unknown");
    assert_eq!(e.status(), Some(400));
    assert!(
        e.to_string().contains("400 Voxnumber does not exist: 999"),
        "{e}"
    );
}

#[tokio::test]
async fn initiate_call_is_accepted_with_201() {
    let sims = support::sims(7, |_| {}).await;
    let sim = &sims.iovox;
    let c = client(&config(sim, Some("xml")));
    let m = Mutation::Provider {
        account: "L-LON-SALES".into(),
        command: "call".into(),
        change: ProviderChange::Iovox(Change::InitiateCall {
            link_id: "L-LON-SALES".into(),
            destination: "449789123123,,1".into(),
        }),
    };
    let p = c.preview(&m).expect("preview");
    assert_eq!(
        (p.method.as_str(), p.path.as_str()),
        ("POST", "/Calling?v=3&method=initiateCall")
    );
    let out = c.mutate(&m).await.expect("accepted");
    assert_eq!(out.status, 201);
    assert!(out.message.contains("accepted"), "{}", out.message);
    assert_eq!(sim.api_calls(), vec!["449789123123,,1".to_string()]);

    let bad = Mutation::Provider {
        account: "x".into(),
        command: "call".into(),
        change: ProviderChange::Iovox(Change::InitiateCall {
            link_id: "nope".into(),
            destination: "449789123123".into(),
        }),
    };
    let e = c.mutate(&bad).await.expect_err("unknown link");
    assert!(
        e.to_string().contains("Link ID does not exist: nope"),
        "{e}"
    );
}

#[tokio::test]
async fn wrong_key_is_401_with_the_operator_hint_and_no_secret() {
    let sims = support::sims(8, |_| {}).await;
    let mut cfg = config(&sims.iovox, None);
    iovox(&mut cfg).secure_key = Secret::new("0123456789abcdef0123456789abcdef");
    let c = client(&cfg);
    let e = c.fetch(&c.discovery_job().key).await.expect_err("401");
    assert!(matches!(e, ProviderError::Unauthorized(_)), "{e:?}");
    let text = e.to_string();
    assert!(text.contains("HTTP 401: Unauthorized"), "{text}");
    assert!(text.contains("API Settings"), "{text}");
    assert!(!text.contains("0123456789abcdef"), "{text}");
}

#[tokio::test]
async fn refuses_plain_http_to_a_remote_host_and_untrusted_certificates() {
    let mut cfg = ProviderConfig::new("i", ProviderKind::Iovox, "http://api.iovox.com:444");
    cfg.settings = IovoxSettings::new("u", "k").into();
    let e = ProviderClient::from_config(ProviderId(0), &cfg)
        .err()
        .expect("refused");
    assert!(e.contains("IOVOX requires HTTPS"), "{e}");
    cfg.base_url = "http://10.1.2.3:8080".into();
    let e = ProviderClient::from_config(ProviderId(0), &cfg)
        .err()
        .expect("refused");
    assert!(e.contains("IOVOX requires HTTPS"), "{e}");
    // Loopback plain HTTP is allowed (local test doubles), HTTPS anywhere.
    cfg.base_url = "http://127.0.0.1:1".into();
    assert!(ProviderClient::from_config(ProviderId(0), &cfg).is_ok());
    cfg.base_url = "https://api.iovox.com:444".into();
    assert!(ProviderClient::from_config(ProviderId(0), &cfg).is_ok());

    // Without the simulator's CA the TLS handshake fails: the certificate is checked.
    let sims = support::sims(9, |_| {}).await;
    let mut cfg = config(&sims.iovox, None);
    iovox(&mut cfg).ca_file = None;
    let c = client(&cfg);
    let e = c
        .fetch(&c.discovery_job().key)
        .await
        .expect_err("untrusted");
    assert!(matches!(e, ProviderError::Connect(_)), "{e:?}");
    assert!(sims.iovox.requests().is_empty());

    // A ca_file that is not PEM is a clear config error.
    let bad = std::env::temp_dir().join(format!("iovox-bad-ca-{}.pem", std::process::id()));
    std::fs::write(&bad, "not a certificate").unwrap();
    iovox(&mut cfg).ca_file = Some(bad.clone());
    let e = ProviderClient::from_config(ProviderId(0), &cfg)
        .err()
        .expect("bad ca");
    assert!(e.contains("holds no PEM certificate"), "{e}");
    let _ = std::fs::remove_file(bad);
}

/// Raw HTTP/1.1 to the simulator: plain text to the TLS port and the general errors.
#[tokio::test]
async fn simulator_answers_plain_http_with_https_required() {
    let sims = support::sims(10, |_| {}).await;
    let addr = sims
        .iovox
        .base_url
        .trim_start_matches("https://")
        .to_string();
    let text = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.write_all(b"GET /Nodes?v=3&method=getNodes HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    })
    .await
    .unwrap();
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(
        text.contains(r#"<error status="400">HTTPS Required</error>"#),
        "{text}"
    );
}

#[tokio::test]
async fn simulator_general_errors_are_worded_exactly() {
    let sims = support::sims(11, |_| {}).await;
    let sim = &sims.iovox;
    let pem = reqwest::Certificate::from_pem(sim.ca_pem.as_bytes()).unwrap();
    let http = reqwest::Client::builder()
        .tls_certs_merge([pem])
        .build()
        .unwrap();
    /// Path, username header, secureKey header ("OK" = the valid one), status, text.
    type Case<'a> = (&'a str, Option<&'a str>, Option<&'a str>, u16, &'a str);
    let cases: &[Case] = &[
        (
            "/Nodes?v=3&method=getNodes",
            None,
            Some("k"),
            400,
            "Username Empty",
        ),
        (
            "/Nodes?v=3&method=getNodes",
            Some("u"),
            None,
            400,
            "Secure Key Empty",
        ),
        (
            "/Nodes?v=3&method=getNodes",
            Some("u"),
            Some("k"),
            401,
            "HTTP 401: Unauthorized",
        ),
        (
            "/?v=3&method=getNodes",
            Some("OK"),
            Some("OK"),
            400,
            "Interface Name Empty",
        ),
        (
            "/exampleInterface?v=3&method=x",
            Some("OK"),
            Some("OK"),
            400,
            "Interface does not exist: exampleInterface",
        ),
        ("/Calls?v=3", Some("OK"), Some("OK"), 400, "Method Empty"),
        (
            "/Calls?v=3&method=doesntExist",
            Some("OK"),
            Some("OK"),
            400,
            "Method Invalid: doesntExist in interface Calls",
        ),
        (
            "/Voxnumbers?v=3&method=getVoxNumbers",
            Some("OK"),
            Some("OK"),
            400,
            "Method Invalid: getVoxNumbers in interface Voxnumbers",
        ),
        (
            "/Nodes?method=getNodes",
            Some("OK"),
            Some("OK"),
            400,
            "API Version Empty",
        ),
        (
            "/Nodes?v=2&method=getNodes",
            Some("OK"),
            Some("OK"),
            400,
            "Invalid API Version",
        ),
        (
            "/Nodes?v=3&method=getNodes&limit=20001",
            Some("OK"),
            Some("OK"),
            400,
            "Limit must be between 1 and 20000",
        ),
    ];
    for (path, user, key, status, text) in cases {
        let mut rq = http.get(format!("{}{path}", sim.base_url));
        if let Some(u) = user {
            rq = rq.header(
                "username",
                if *u == "OK" { sim.username.as_str() } else { u },
            );
        }
        if let Some(k) = key {
            rq = rq.header(
                "secureKey",
                if *k == "OK" {
                    sim.secure_key.as_str()
                } else {
                    k
                },
            );
        }
        let resp = rq.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), *status, "{path}");
        let body = resp.text().await.unwrap();
        let want = format!("<error status=\"{status}\">{text}</error>");
        assert!(body.contains(&want), "{path}: {body}");
        assert!(body.contains("<errors>"), "{body}");
    }
}

/// The IOVOX settings of `cfg`, to change.
fn iovox(cfg: &mut ProviderConfig) -> &mut IovoxSettings {
    cfg.kind_settings_mut().expect("an IOVOX config")
}
