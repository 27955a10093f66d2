//! Re-pointing a number on every provider that allows it, through its own form against
//! its simulator, then reading back from the simulator's state that calls to the number
//! now go to the new place and nothing else changed. Callable refuses a proposal that
//! would point its flow at something missing before sending anything; IOVOX says why it
//! is view-only.

use crate::support;

use switchboard::config::ProviderConfig;
use switchboard::model::{Number, ProviderId, ProviderKind};
use switchboard::providers::forms::{self, FormContext, Intent};
use switchboard::providers::{
    CallableSettings, FetchData, JobKey, JobKind, ProviderClient, ProviderDetails, ProvoiceSettings,
};

fn key(kind: JobKind, scope: &str) -> JobKey {
    JobKey {
        kind,
        scope: scope.to_string(),
    }
}

async fn numbers(c: &ProviderClient, scope: &str) -> Vec<Number> {
    match c.fetch(&key(JobKind::Numbers, scope)).await {
        Ok(FetchData::Numbers(n)) => n,
        other => panic!("numbers: {other:?}"),
    }
}

fn ctx<'a>(
    account: &'a str,
    number: &'a Number,
    all: &'a [Number],
    details: Vec<(&'a str, &'a ProviderDetails)>,
) -> FormContext<'a> {
    FormContext {
        account,
        args: "",
        account_row: None,
        trunk: None,
        live_calls_on_trunk: 0,
        number: Some(number),
        numbers: all.iter().collect(),
        marked_numbers: Vec::new(),
        call: None,
        accounts: Vec::new(),
        details,
    }
}

fn set(values: &[(String, String)], k: &str, v: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = values.iter().filter(|(x, _)| x != k).cloned().collect();
    out.push((k.to_owned(), v.to_owned()));
    out
}

const DARREN: &str = "5554872eb0731b38efa4d444";

#[tokio::test]
async fn callable_ddi_is_repointed_and_a_dangling_flow_is_refused_before_sending() {
    let sims = support::sims(41, |o| o.callable.dangling = true).await;
    let sim = &sims.callable;
    let mut cfg = ProviderConfig::new("callable", ProviderKind::Callable, &sim.base_url);
    cfg.settings = CallableSettings::new(&sim.username, &sim.password).into();
    cfg.timeout_seconds = Some(5.0);
    let c = ProviderClient::from_config(ProviderId(0), &cfg).expect("client");
    let ddis = numbers(&c, DARREN).await;
    let ddi = ddis
        .iter()
        .find(|n| n.number == "+441234567890")
        .expect("the DDI")
        .clone();
    assert_eq!(ddi.target, "flow Start of Flow");
    let details = match c.fetch(&key(JobKind::AccountInfo, DARREN)).await {
        Ok(FetchData::AccountInfo {
            details: Some(d), ..
        }) => d,
        other => panic!("details: {other:?}"),
    };
    let before = sim.devices(DARREN);
    let writes = || {
        sim.requests()
            .into_iter()
            .filter(|r| r.method != "GET" && r.path.contains("/device"))
            .count()
    };
    let cx = ctx(DARREN, &ddi, &ddis, vec![(DARREN, &details)]);
    let (spec, t) = forms::open(ProviderKind::Callable, Intent::Repoint, &cx).expect("opens");
    assert_eq!(spec.title, "Re-point +441234567890 (flow Start of Flow)");
    assert_eq!(
        spec.values,
        vec![("connect_to".to_owned(), "Primary GW".to_owned())]
    );

    // A device whose chain names a missing trunk and device, and a device that does not
    // exist: both refused before anything is sent.
    let err = forms::build(&t, &set(&spec.values, "connect_to", "Backup GW")).unwrap_err();
    assert!(err.starts_with("refused before sending"), "{err}");
    assert!(err.contains("missing trunk"), "{err}");
    let err = forms::build(&t, &set(&spec.values, "connect_to", "Gone GW")).unwrap_err();
    assert!(err.contains("connectTo Gone GW: no such device"), "{err}");
    assert_eq!(writes(), 0);

    // To voicemail: one PUT of the flow entry, and the simulator routes the DDI there.
    let m = forms::build(&t, &set(&spec.values, "connect_to", "VOICEMAIL")).expect("valid");
    let p = c.preview(&m).expect("preview");
    assert_eq!(
        (p.method.as_str(), p.path.as_str()),
        (
            "PUT",
            "/api/v1/account/5554872eb0731b38efa4d444/device/4db61df1-f214-4037-9a89-1276bc83a83a"
        )
    );
    let out = c.mutate(&m).await.expect("sent");
    assert_eq!(out.message, "flow device Start of Flow updated");
    assert_eq!(writes(), 1);
    let after = sim.devices(DARREN);
    let entry = |list: &[serde_json::Value], name: &str| {
        list.iter()
            .find(|d| d["name"] == name)
            .cloned()
            .expect("device")
    };
    assert_eq!(
        entry(&after, "Start of Flow")["startRoute"]["connectTo"],
        "VOICEMAIL"
    );
    assert_eq!(
        entry(&after, "Start of Flow")["startRoute"]["ddis"],
        entry(&before, "Start of Flow")["startRoute"]["ddis"]
    );
    for name in ["Primary GW", "Backup GW", "Night Flow"] {
        assert_eq!(
            entry(&after, name),
            entry(&before, name),
            "{name} unchanged"
        );
    }
    // The flow the console draws shows it.
    let ProviderClient::Callable(inner) = &c else {
        panic!("callable");
    };
    let flow = inner.fetch_flow(DARREN).await.expect("flow").to_text();
    assert!(flow.contains("VOICEMAIL"), "{flow}");
}

#[tokio::test]
async fn provoice_extension_is_repointed_to_another_destination() {
    let sims = support::sims(42, |o| o.provoice.rate_limit_requests = 600).await;
    let pv = &sims.provoice;
    let mut cfg = ProviderConfig::new("pv", ProviderKind::Provoice, &pv.base_url);
    cfg.settings = ProvoiceSettings::new(&pv.api_key).into();
    cfg.timeout_seconds = Some(5.0);
    let c = ProviderClient::from_config(ProviderId(0), &cfg).expect("client");
    let exts = numbers(&c, "6").await;
    let ext = exts.first().expect("an extension").clone();
    let before = pv.objects("extensions");
    let stored = |list: &[serde_json::Value], id: &str| {
        list.iter()
            .find(|e| e["id"].as_u64().is_some_and(|v| v.to_string() == id))
            .cloned()
            .expect("stored")
    };
    let old_dest = stored(&before, &ext.id)["destination_id"].clone();
    let new_dest = pv
        .objects("destinations")
        .into_iter()
        .find(|d| d["customer_id"] == 6 && d["id"] != old_dest)
        .expect("a second destination")["id"]
        .clone();
    let cx = ctx("6", &ext, &exts, Vec::new());
    let (spec, t) = forms::open(ProviderKind::Provoice, Intent::Repoint, &cx).expect("opens");
    assert!(
        spec.title.starts_with("Re-point extension"),
        "{}",
        spec.title
    );
    let m = forms::build(
        &t,
        &set(&spec.values, "destination_id", &new_dest.to_string()),
    )
    .expect("valid");
    let p = c.preview(&m).expect("preview");
    assert_eq!(p.path, "/updateExtension");
    c.mutate(&m).await.expect("sent");
    let after = pv.objects("extensions");
    assert_eq!(stored(&after, &ext.id)["destination_id"], new_dest);
    for e in &before {
        let id = e["id"].to_string();
        let now = stored(&after, &id);
        if id == ext.id {
            assert_eq!(now["number"], e["number"]);
            assert_eq!(now["direction"], e["direction"]);
        } else {
            assert_eq!(&now, e, "extension {id} unchanged");
        }
    }
}

#[test]
fn iovox_numbers_are_view_only_and_say_why() {
    let n = Number {
        provider: ProviderId(0),
        account: "node-1".into(),
        account_name: Default::default(),
        id: "441632960001".into(),
        number: "+441632960001".into(),
        target: "link 7".into(),
        active: Some(true),
        extra: Default::default(),
    };
    let all = vec![n.clone()];
    let cx = ctx("node-1", &n, &all, Vec::new());
    let err = forms::open(ProviderKind::Iovox, Intent::Repoint, &cx).unwrap_err();
    assert!(err.starts_with("view-only: "), "{err}");
    assert!(err.contains("rule template"), "{err}");
}
