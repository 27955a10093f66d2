//! An edit changes only what the operator changed (issue 13 item 5), against the
//! simulators over real HTTP: every provider form that edits an existing object is opened
//! the way the console opens it (`providers::forms::open`), one field is changed in the
//! console's own form, the request is sent, and the object read back from the simulator
//! differs from before in that field only. Where the provider stores more than what was
//! typed (a normalised value, a recompiled pattern) the review lists it.

use crate::support;
use crate::support::form_fixture as fixture;

use ratatui::crossterm::event::KeyCode;
use serde_json::{Map, Value};
use switchboard::config::ProviderConfig;
use switchboard::form::spec::FormSpec;
use switchboard::form::{Form, FormEvent, RequestPreview};
use switchboard::model::{Account, Number, ProviderId, ProviderKind, Trunk};
use switchboard::providers::forms::{self as pforms, FormContext, Intent, ProviderTarget};
use switchboard::providers::{
    CallableSettings, FetchData, IovoxSettings, JobKey, JobKind, Mutation, ProviderClient,
    ProviderDetails, ProvoiceSettings,
};
use switchboard::sim::{CloudonixSim, RunningSims};

async fn sims() -> RunningSims {
    support::sims(13, |o| {
        o.cloudonix.traffic = false;
        o.cloudonix.rate_limit_requests = 1000;
    })
    .await
}

fn client(cfg: &ProviderConfig) -> ProviderClient {
    ProviderClient::from_config(ProviderId(0), cfg).expect("client builds")
}

async fn fetch(c: &ProviderClient, kind: JobKind, scope: &str) -> FetchData {
    c.fetch(&JobKey {
        kind,
        scope: scope.into(),
    })
    .await
    .unwrap_or_else(|e| panic!("{kind:?} {scope}: {e}"))
}

async fn trunks(c: &ProviderClient, scope: &str) -> Vec<Trunk> {
    match fetch(c, JobKind::Trunks, scope).await {
        FetchData::Trunks(t) => t,
        other => panic!("trunks: {other:?}"),
    }
}

async fn numbers(c: &ProviderClient, scope: &str) -> Vec<Number> {
    match fetch(c, JobKind::Numbers, scope).await {
        FetchData::Numbers(n) => n,
        other => panic!("numbers: {other:?}"),
    }
}

fn ctx<'a>(account: &'a str) -> FormContext<'a> {
    FormContext {
        account,
        args: "",
        account_row: None,
        trunk: None,
        live_calls_on_trunk: 0,
        number: None,
        numbers: Vec::new(),
        marked_numbers: Vec::new(),
        call: None,
        accounts: Vec::new(),
        details: Vec::new(),
    }
}

/// The operator opens the form, replaces the given fields and asks for the review; the
/// request is built and previewed as the console does. Returns the form in Review (its
/// diff includes the provider's stored changes), the mutation and its preview.
fn edit(
    c: &ProviderClient,
    kind: ProviderKind,
    intent: Intent,
    cx: &FormContext,
    changes: &[(&str, &str)],
) -> (Form, Mutation, RequestPreview) {
    let (spec, target): (FormSpec, ProviderTarget) =
        pforms::open(kind, intent, cx).expect("form opens");
    let mut form = Form::new(spec);
    for (k, v) in changes {
        fixture::set(&mut form, k, v);
    }
    assert_eq!(
        fixture::press(&mut form, KeyCode::Enter),
        FormEvent::Review,
        "{:?}",
        form.errors()
    );
    let m = pforms::build(&target, &form.values()).expect("mutation builds");
    let p = c.preview(&m).expect("preview");
    form.set_preview(p.clone());
    (form, m, p)
}

fn body(p: &RequestPreview) -> Value {
    serde_json::from_str(p.body.as_deref().unwrap_or("null")).expect("json body")
}

/// The keys whose values differ between two stored objects.
fn differing(before: &Value, after: &Value) -> Vec<String> {
    let empty = Map::new();
    let (a, b) = (
        before.as_object().unwrap_or(&empty),
        after.as_object().unwrap_or(&empty),
    );
    let mut keys: Vec<String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn changed_keys_are_the_fields_that_differ_from_the_start() {
    let mut t = ProviderTarget::new(ProviderKind::Cloudonix, "d", "trunk.edit");
    let values = pairs(&[("ip", "10.0.0.1"), ("port", "5099"), ("password", "")]);
    // Start unknown: everything counts as changed.
    assert_eq!(t.changed_keys(&values), None);
    assert!(t.changed(&values, "ip"));
    t.start = pairs(&[("ip", "10.0.0.1 "), ("port", "5061"), ("password", "")]);
    assert_eq!(t.changed_keys(&values), Some(vec!["port".to_string()]));
    assert!(!t.changed(&values, "ip") && t.changed(&values, "port"));
    // A value with no start (a field the form did not start with) is a change.
    let more = pairs(&[("ip", "10.0.0.1"), ("zone", "eu")]);
    assert_eq!(t.changed_keys(&more), Some(vec!["zone".to_string()]));
}

fn labels(form: &Form) -> Vec<(String, String, String)> {
    form.changed()
}

// ----- Cloudonix: trunk and DNID updates are partial PUTs ------------------------------

async fn cloudonix_raw(cx: &CloudonixSim, domain: &str, what: &str, id: &str) -> Value {
    let url = format!(
        "{}/customers/self/domains/{domain}/{what}/{id}",
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

#[tokio::test]
async fn cloudonix_trunk_port_edit_sends_the_port_alone_and_keeps_the_stored_direction() {
    let s = sims().await;
    let cx = &s.cloudonix;
    let c = client(&support::cloudonix_config(&cx.base_url, &cx.customer_key));
    let d = cx.domains[0].clone();
    let all = trunks(&c, &d).await;
    // pbx-hq is stored with the legacy direction `inbound`; the API would store a
    // re-sent `inbound` as `public-inbound`.
    let t = all.iter().find(|t| t.name == "pbx-hq").expect("pbx-hq");
    assert_eq!(t.direction, "inbound");
    let before = cloudonix_raw(cx, &d, "trunks", &t.id).await;

    let mut cxt = ctx(&d);
    cxt.trunk = Some(t);
    let (form, m, p) = edit(
        &c,
        ProviderKind::Cloudonix,
        Intent::TrunkEdit,
        &cxt,
        &[("port", "5099")],
    );
    assert_eq!(body(&p), serde_json::json!({ "port": 5099 }));
    assert_eq!(
        labels(&form),
        vec![("Port".into(), "5061".into(), "5099".into())]
    );
    c.mutate(&m).await.expect("update");

    let after = cloudonix_raw(cx, &d, "trunks", &t.id).await;
    assert_eq!(after["direction"], "inbound", "{after}");
    assert_eq!(after["port"].to_string().trim_matches('"'), "5099");
    let mut changed = differing(&before, &after);
    changed.retain(|k| k != "modifiedAt");
    assert_eq!(changed, vec!["port"], "{before}\n{after}");
}

#[tokio::test]
async fn cloudonix_dnid_application_edit_changes_the_application_only() {
    let s = sims().await;
    let cx = &s.cloudonix;
    let c = client(&support::cloudonix_config(&cx.base_url, &cx.customer_key));
    let d = cx.domains[0].clone();
    let all = numbers(&c, &d).await;
    // The prefix DNID: stored as bare digits with a compiled prefix pattern.
    let n = all
        .iter()
        .find(|n| n.extra.iter().any(|(k, v)| k == "prefix" && v == "yes"))
        .expect("a prefix DNID");
    let other_app = all
        .iter()
        .map(|x| x.target.clone())
        .find(|a| *a != n.target && !a.is_empty())
        .expect("another application");
    let before = cloudonix_raw(cx, &d, "dnids", &n.id).await;

    let mut cxt = ctx(&d);
    cxt.number = Some(n);
    cxt.numbers = all.iter().collect();
    let (_, m, p) = edit(
        &c,
        ProviderKind::Cloudonix,
        Intent::NumberEdit,
        &cxt,
        &[("application", &other_app)],
    );
    let sent = body(&p);
    assert_eq!(
        sent.as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>()),
        Some(vec!["applicationId".to_string()]),
        "{sent}"
    );
    assert!(p.stored_changes.is_empty(), "{:?}", p.stored_changes);
    c.mutate(&m).await.expect("update");

    let after = cloudonix_raw(cx, &d, "dnids", &n.id).await;
    let mut changed = differing(&before, &after);
    changed.retain(|k| k != "modifiedAt");
    assert_eq!(
        changed,
        vec!["application", "applicationId"],
        "{before}\n{after}"
    );
    assert_eq!(after["source"], before["source"]);
    assert_eq!(after["dnid"], before["dnid"]);
}

#[tokio::test]
async fn the_review_lists_stored_values_the_provider_changes_beyond_the_typed_field() {
    let s = sims().await;
    let cx = &s.cloudonix;
    let c = client(&support::cloudonix_config(&cx.base_url, &cx.customer_key));
    let d = cx.domains[0].clone();

    // A new number: Cloudonix recompiles the stored pattern (`dnid`) from it, a value no
    // field shows; the review lists it beside the number.
    let all = numbers(&c, &d).await;
    let n = all
        .iter()
        .find(|n| n.number.starts_with('+'))
        .expect("an exact DNID");
    let before = cloudonix_raw(cx, &d, "dnids", &n.id).await;
    let mut cxt = ctx(&d);
    cxt.number = Some(n);
    cxt.numbers = all.iter().collect();
    let (form, m, _) = edit(
        &c,
        ProviderKind::Cloudonix,
        Intent::NumberEdit,
        &cxt,
        &[("source", "+14155550999")],
    );
    let review = labels(&form);
    let pattern = review
        .iter()
        .find(|(l, _, _)| l == "Pattern (dnid)")
        .unwrap_or_else(|| panic!("pattern not listed: {review:?}"));
    assert_eq!(Some(pattern.1.as_str()), before["dnid"].as_str());
    assert!(
        review
            .iter()
            .any(|(l, _, new)| l == "Number" && new == "+14155550999")
    );
    c.mutate(&m).await.expect("update");
    let after = cloudonix_raw(cx, &d, "dnids", &n.id).await;
    let mut changed = differing(&before, &after);
    changed.retain(|k| k != "modifiedAt");
    // Exactly what the review listed: the number and its pattern.
    assert_eq!(changed, vec!["dnid", "source"], "{before}\n{after}");

    // A direction typed as `outbound` is stored as `public-outbound`: the review shows
    // what will be stored, not what was typed.
    let all = trunks(&c, &d).await;
    let t = all
        .iter()
        .find(|t| t.direction == "public-inbound")
        .expect("a public-inbound trunk");
    let mut cxt = ctx(&d);
    cxt.trunk = Some(t);
    let (form, m, _) = edit(
        &c,
        ProviderKind::Cloudonix,
        Intent::TrunkEdit,
        &cxt,
        &[("direction", "outbound")],
    );
    assert_eq!(
        labels(&form),
        vec![(
            "Direction".into(),
            "public-inbound".into(),
            "public-outbound".into()
        )]
    );
    c.mutate(&m).await.expect("update");
    let after = cloudonix_raw(cx, &d, "trunks", &t.id).await;
    assert_eq!(after["direction"], "public-outbound");
}

// ----- Callable: PUT replaces the whole object ----------------------------------------

const DARREN: &str = "5554872eb0731b38efa4d444";

fn callable_client(s: &RunningSims) -> ProviderClient {
    let sim = &s.callable;
    let mut cfg = ProviderConfig::new("callable", ProviderKind::Callable, &sim.base_url);
    cfg.settings = CallableSettings::new(&sim.username, &sim.password).into();
    cfg.timeout_seconds = Some(5.0);
    client(&cfg)
}

async fn darren(c: &ProviderClient) -> Account {
    let FetchData::AccountInfo { fields, .. } = fetch(c, JobKind::AccountInfo, DARREN).await else {
        panic!("account info");
    };
    Account {
        provider: ProviderId(0),
        id: DARREN.into(),
        name: "Darren's Pizzas".into(),
        parent: Some("org".into()),
        kind: switchboard::model::AccountKind::Domain,
        active: None,
        extra: fields.into(),
    }
}

#[tokio::test]
async fn callable_trunk_edit_sends_untouched_fields_back_exactly_as_stored() {
    let s = sims().await;
    let c = callable_client(&s);
    // A trunk stored with a lower-case country: the form would upper-case a typed one,
    // but an untouched one goes back as stored.
    let created = c
        .mutate(&Mutation::Provider {
            account: DARREN.into(),
            command: "trunk.new".into(),
            change: switchboard::providers::ProviderChange::Callable(
                switchboard::providers::callable::Change::CreateTrunk(
                    switchboard::providers::callable::TrunkBody {
                        ip: "198.51.100.9".into(),
                        port: 5080,
                        vendor: "generic".into(),
                        caller_format: "e164".into(),
                        called_format: "national".into(),
                        description: "Backup PBX".into(),
                        zone: "eu-west-1".into(),
                        country_code: "gb".into(),
                    },
                ),
            ),
        })
        .await
        .expect("create");
    assert_eq!(created.status, 201);
    let all = trunks(&c, DARREN).await;
    let t = all
        .iter()
        .find(|t| t.host == "198.51.100.9")
        .expect("created trunk");
    let stored = |s: &RunningSims| {
        s.callable
            .trunks(DARREN)
            .into_iter()
            .find(|v| v["id"] == t.id.as_str())
            .expect("stored trunk")
    };
    let before = stored(&s);

    let mut cxt = ctx(DARREN);
    cxt.trunk = Some(t);
    let (form, m, p) = edit(
        &c,
        ProviderKind::Callable,
        Intent::TrunkEdit,
        &cxt,
        &[("description", "Backup PBX (Eastbourne)")],
    );
    assert_eq!(body(&p)["countryCode"], "gb");
    assert_eq!(
        labels(&form),
        vec![(
            "Description".into(),
            "Backup PBX".into(),
            "Backup PBX (Eastbourne)".into()
        )]
    );
    c.mutate(&m).await.expect("update");
    let after = stored(&s);
    assert_eq!(
        differing(&before, &after),
        vec!["description"],
        "{before}\n{after}"
    );
}

#[tokio::test]
async fn callable_address_and_hook_edits_change_one_field() {
    let s = sims().await;
    let c = callable_client(&s);
    let a = darren(&c).await;
    let mut cxt = ctx(DARREN);
    cxt.account_row = Some(&a);
    cxt.accounts = vec![&a];

    let before = s.callable.address(DARREN);
    let (_, m, _) = edit(
        &c,
        ProviderKind::Callable,
        Intent::Other("address.edit"),
        &cxt,
        &[("line2", "22 Wharf Rd")],
    );
    c.mutate(&m).await.expect("address");
    let after = s.callable.address(DARREN);
    assert_eq!(differing(&before, &after), vec!["line2"], "{after}");

    let hooks_before = s.callable.hooks(DARREN);
    let mut cxt = cxt.clone();
    cxt.args = "3ab34a16";
    let (_, m, _) = edit(
        &c,
        ProviderKind::Callable,
        Intent::Other("hook.edit"),
        &cxt,
        &[("priority", "20")],
    );
    c.mutate(&m).await.expect("hook");
    let hooks_after = s.callable.hooks(DARREN);
    let pick = |hs: &[Value]| {
        hs.iter()
            .find(|h| h["id"] == "3ab34a16-dc17-42da-b67a-4d68d0046822")
            .cloned()
            .expect("hook")
    };
    assert_eq!(
        differing(&pick(&hooks_before), &pick(&hooks_after)),
        vec!["priority"]
    );
    assert_eq!(
        hooks_before[0], hooks_after[0],
        "the other hook is untouched"
    );

    // A hook stored without a priority (the form shows `-`): a new URL leaves it without
    // one, where a whole-object PUT of the form's text would have failed or set one.
    c.mutate(&Mutation::Provider {
        account: DARREN.into(),
        command: "hook.new".into(),
        change: switchboard::providers::ProviderChange::Callable(
            switchboard::providers::callable::Change::CreateHook(
                switchboard::providers::callable::HookBody {
                    app: "event.generic".into(),
                    url: "https://hooks.example/no-priority".into(),
                    auth_type: "DISABLED".into(),
                    method: "POST".into(),
                    priority: None,
                },
            ),
        ),
    })
    .await
    .expect("hook without priority");
    let stored = |s: &RunningSims| {
        s.callable
            .hooks(DARREN)
            .into_iter()
            .find(|h| h["url"].as_str().is_some_and(|u| u.contains("no-priority")))
            .expect("hook without priority")
    };
    let before = stored(&s);
    assert!(before.get("priority").is_none(), "{before}");
    let a = darren(&c).await;
    let mut cxt = ctx(DARREN);
    cxt.account_row = Some(&a);
    cxt.accounts = vec![&a];
    cxt.args = "no-priority";
    let (_, m, _) = edit(
        &c,
        ProviderKind::Callable,
        Intent::Other("hook.edit"),
        &cxt,
        &[("url", "https://hooks.example/no-priority/v2")],
    );
    c.mutate(&m).await.expect("hook url");
    let after = stored(&s);
    assert_eq!(differing(&before, &after), vec!["url"], "{after}");
}

// ----- ProVoice: update… takes the specified parameters -------------------------------

fn provoice_client(s: &RunningSims) -> ProviderClient {
    let mut cfg = ProviderConfig::new("pv", ProviderKind::Provoice, &s.provoice.base_url);
    cfg.settings = ProvoiceSettings::new(&s.provoice.api_key).into();
    cfg.timeout_seconds = Some(5.0);
    client(&cfg)
}

fn provoice_object(s: &RunningSims, coll: &str, id: &str) -> Value {
    s.provoice
        .objects(coll)
        .into_iter()
        .find(|o| {
            o.get("id")
                .map(|v| v.to_string().trim_matches('"').to_owned())
                == Some(id.into())
        })
        .unwrap_or_else(|| panic!("{coll} {id}"))
}

#[tokio::test]
async fn provoice_edits_send_the_changed_field_and_the_object_changes_in_it_only() {
    let s = sims().await;
    let c = provoice_client(&s);
    let customer = "2";
    let ts = trunks(&c, customer).await;
    let ns = numbers(&c, customer).await;
    let FetchData::AccountInfo { details, .. } = fetch(&c, JobKind::AccountInfo, customer).await
    else {
        panic!("account info");
    };
    let details: ProviderDetails = details.expect("details");

    // Destination (trunk): its port.
    let t = ts.first().expect("a destination");
    let mut cxt = ctx(customer);
    cxt.trunk = Some(t);
    let before = provoice_object(&s, "destinations", &t.id);
    let new_port = if t.port == Some(5070) { "5071" } else { "5070" };
    let (_, m, p) = edit(
        &c,
        ProviderKind::Provoice,
        Intent::TrunkEdit,
        &cxt,
        &[("port", new_port)],
    );
    let sent = body(&p);
    assert!(
        sent.get("name").is_none() && sent.get("host").is_none(),
        "{sent}"
    );
    c.mutate(&m).await.expect("destination");
    let after = provoice_object(&s, "destinations", &t.id);
    assert_eq!(differing(&before, &after), vec!["port"], "{after}");

    // Extension (number): its destination.
    let n = ns.first().expect("an extension");
    let mut cxt = ctx(customer);
    cxt.number = Some(n);
    let before = provoice_object(&s, "extensions", &n.id);
    let current = before["destination_id"].to_string();
    let other = ts
        .iter()
        .map(|t| t.id.clone())
        .find(|id| *id != current)
        .expect("another destination");
    let (_, m, _) = edit(
        &c,
        ProviderKind::Provoice,
        Intent::NumberEdit,
        &cxt,
        &[("destination_id", &other)],
    );
    c.mutate(&m).await.expect("extension");
    let after = provoice_object(&s, "extensions", &n.id);
    assert_eq!(
        differing(&before, &after),
        vec!["destination_id"],
        "{before}\n{after}"
    );

    // Forward, limit and whitelist of the customer: one field each.
    let mut cxt = ctx(customer);
    cxt.details = vec![(customer, &details)];
    for (command, coll, field, value) in [
        ("forward.edit", "forwards", "timeout", "45"),
        ("limit.edit", "limits", "value", "77"),
        ("whitelist.edit", "whitelists", "description", "head office"),
    ] {
        let (spec, target) =
            pforms::open(ProviderKind::Provoice, Intent::Other(command), &cxt).expect(command);
        let id = target.id.clone().expect("an object id");
        let before = provoice_object(&s, coll, &id);
        drop(spec);
        let (_, m, _) = edit(
            &c,
            ProviderKind::Provoice,
            Intent::Other(command),
            &cxt,
            &[(field, value)],
        );
        c.mutate(&m).await.expect(command);
        let after = provoice_object(&s, coll, &id);
        assert_eq!(
            differing(&before, &after),
            vec![field.to_string()],
            "{command}: {before}\n{after}"
        );
    }
}

// ----- IOVOX: setCallStatus carries the call status alone ------------------------------

#[tokio::test]
async fn iovox_number_switch_changes_its_call_status_only() {
    let s = sims().await;
    let sim = &s.iovox;
    let mut cfg = ProviderConfig::new("iovox", ProviderKind::Iovox, &sim.base_url);
    cfg.settings = IovoxSettings {
        ca_file: Some(sim.ca_file.clone()),
        ..IovoxSettings::new(&sim.username, &sim.secure_key)
    }
    .into();
    cfg.timeout_seconds = Some(5.0);
    let c = client(&cfg);
    let before = numbers(&c, "").await;
    let n = before.first().expect("a VoxNumber").clone();
    let mut cxt = ctx(&n.account);
    cxt.number = Some(&n);
    let (spec, target) =
        pforms::open(ProviderKind::Iovox, Intent::NumberToggle, &cxt).expect("toggle");
    assert!(spec.fields.is_empty());
    let m = pforms::build(&target, &[]).expect("mutation");
    c.mutate(&m).await.expect("switch");
    let after = numbers(&c, "").await;
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        if b.id == n.id {
            assert_ne!(a.active, b.active, "{a:?}");
            assert_eq!((&a.number, &a.target), (&b.number, &b.target));
        } else {
            assert_eq!(a, b, "another number changed");
        }
    }
}
