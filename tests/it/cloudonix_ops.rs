//! Cloudonix operator tasks beyond trunks and DNID edits, through the forms and against
//! the simulator: subscribers (create, edit, enable/disable, delete), a RegFree call,
//! transferring a live call, DNID create/delete and re-pointing a number; a subscriber's
//! SIP password never reaches the preview, the audit or the messages after creation (nor
//! the log: `tests/cloudonix_log.rs`, a binary of its own).

use crate::support;

use switchboard::audit::AuditEntry;
use switchboard::model::{Call, Number, ProviderId};
use switchboard::providers::forms::{self, FormContext, Intent};
use switchboard::providers::{FetchData, JobKey, JobKind, Mutation, ProviderClient};
use switchboard::sim::{CloudonixSim, RunningSims};

async fn quiet_sims(seed: u64) -> RunningSims {
    support::sims(seed, |o| {
        o.cloudonix.traffic = false;
        o.cloudonix.rate_limit_requests = 1000;
    })
    .await
}

fn client(cx: &CloudonixSim) -> ProviderClient {
    let cfg = support::cloudonix_config(&cx.base_url, &cx.customer_key);
    ProviderClient::from_config(ProviderId(0), &cfg).expect("client builds")
}

fn key(kind: JobKind, scope: &str) -> JobKey {
    JobKey {
        kind,
        scope: scope.to_string(),
    }
}

async fn numbers(c: &ProviderClient, d: &str) -> Vec<Number> {
    match c.fetch(&key(JobKind::Numbers, d)).await {
        Ok(FetchData::Numbers(n)) => n,
        other => panic!("numbers: {other:?}"),
    }
}

async fn live_calls(c: &ProviderClient, d: &str) -> Vec<Call> {
    match c.fetch(&key(JobKind::Calls, d)).await {
        Ok(FetchData::Calls { live, .. }) => live,
        other => panic!("calls: {other:?}"),
    }
}

async fn details(c: &ProviderClient, d: &str) -> Vec<(String, String)> {
    match c.fetch(&key(JobKind::AccountInfo, d)).await {
        Ok(FetchData::AccountInfo { fields, .. }) => fields
            .into_iter()
            .map(|(k, v)| (k.into_owned(), v.into_string()))
            .collect(),
        other => panic!("account info: {other:?}"),
    }
}

async fn raw(cx: &CloudonixSim, path: &str) -> (u16, serde_json::Value) {
    let resp = reqwest::Client::new()
        .get(format!("{}{path}", cx.base_url))
        .bearer_auth(&cx.customer_key)
        .send()
        .await
        .expect("raw get");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(serde_json::Value::Null))
}

fn ctx<'a>(
    account: &'a str,
    args: &'a str,
    number: Option<&'a Number>,
    numbers: &'a [Number],
    call: Option<&'a Call>,
) -> FormContext<'a> {
    FormContext {
        account,
        args,
        account_row: None,
        trunk: None,
        live_calls_on_trunk: 0,
        number,
        numbers: numbers.iter().collect(),
        marked_numbers: Vec::new(),
        call,
        accounts: Vec::new(),
        details: Vec::new(),
    }
}

/// Opens `intent`'s form, sets `changes` on its values and builds the mutation.
fn through_form(
    kind_ctx: &FormContext,
    intent: Intent,
    changes: &[(&str, &str)],
) -> (Mutation, Option<(String, String)>) {
    let (spec, target) = forms::open(
        switchboard::model::ProviderKind::Cloudonix,
        intent,
        kind_ctx,
    )
    .expect("form opens");
    let mut values = spec.values.clone();
    for (k, v) in changes {
        values.retain(|(key, _)| key != k);
        values.push(((*k).to_owned(), (*v).to_owned()));
    }
    (
        forms::build(&target, &values).expect("valid form"),
        spec.confirm,
    )
}

fn writes(cx: &CloudonixSim) -> Vec<(String, String)> {
    cx.requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .map(|r| (r.method, r.path))
        .collect()
}

#[tokio::test]
async fn subscriber_create_edit_toggle_call_delete_with_the_password_shown_once() {
    let sims = quiet_sims(31).await;
    let cx = &sims.cloudonix;
    let c = client(cx);
    let d = cx.domains[0].clone();
    let no_numbers: Vec<Number> = Vec::new();

    // Create with a typed password: the preview masks it; the provider's answer shows it once.
    let typed = "sub-Secret-9f3Kq";
    let (m, _) = through_form(
        &ctx(&d, "", None, &no_numbers, None),
        Intent::Other("subscriber.new"),
        &[("msisdn", "7001"), ("sip_password", typed)],
    );
    let preview = c.preview(&m).expect("preview");
    assert_eq!(
        (preview.method.as_str(), preview.path.clone()),
        ("POST", format!("/customers/self/domains/{d}/subscribers"))
    );
    let body = preview.body.clone().unwrap_or_default();
    assert!(
        body.contains("\"msisdn\":\"7001\"") && !body.contains(typed),
        "{body}"
    );
    let result = c.mutate(&m).await;
    let out = result.as_ref().expect("created").clone();
    assert_eq!(out.message, "subscriber 7001 created");
    assert_eq!(out.reveal.as_ref().map(|s| s.expose()), Some(typed));
    assert!(!out.message.contains(typed));
    let audit = serde_json::to_string(&AuditEntry::for_mutation("cx", &m, Some(&preview), &result))
        .unwrap();
    assert!(!audit.contains(typed), "{audit}");
    assert!(audit.contains("subscriber.new"));
    let (_, stored) = raw(cx, &format!("/customers/self/domains/{d}/subscribers/7001")).await;
    assert_eq!(stored["sipPassword"], typed);

    // No password typed: the provider makes one, and it is revealed once.
    let (m, _) = through_form(
        &ctx(&d, "7002", None, &no_numbers, None),
        Intent::Other("subscriber.new"),
        &[],
    );
    let out = c.mutate(&m).await.expect("created");
    let made = out.reveal.expect("the provider's password is shown once");
    let (_, stored) = raw(cx, &format!("/customers/self/domains/{d}/subscribers/7002")).await;
    assert_eq!(stored["sipPassword"], made.expose());

    // The domain's details list the subscribers (msisdn, active, created), no password.
    let fields = details(&c, &d).await;
    let row = fields
        .iter()
        .find(|(k, _)| k == "subscriber 7001")
        .expect("listed");
    assert!(row.1.starts_with("active, created "), "{row:?}");
    assert!(fields.iter().all(|(_, v)| !v.contains(typed)));

    // Edit: a new password only (active unchanged is not sent).
    let (m, _) = through_form(
        &ctx(&d, "7001", None, &no_numbers, None),
        Intent::Other("subscriber.edit"),
        &[("sip_password", "sub-New-7hQ2zz")],
    );
    let p = c.preview(&m).unwrap();
    assert_eq!(p.method, "PUT");
    assert_eq!(p.body.as_deref(), Some("{\"sipPassword\":\"****\"}"));
    c.mutate(&m).await.expect("updated");
    let (_, stored) = raw(cx, &format!("/customers/self/domains/{d}/subscribers/7001")).await;
    assert_eq!(stored["sipPassword"], "sub-New-7hQ2zz");

    // Disable, then enable again.
    for (want, word) in [(false, "disabled"), (true, "enabled")] {
        let m = forms::build(
            &{
                let mut t = switchboard::providers::forms::ProviderTarget::new(
                    switchboard::model::ProviderKind::Cloudonix,
                    &d,
                    "subscriber.toggle",
                );
                t.id = Some("7001".into());
                t.data
                    .push(("active".into(), if want { "yes" } else { "no" }.into()));
                t
            },
            &[],
        )
        .unwrap();
        let out = c.mutate(&m).await.expect("toggled");
        assert_eq!(out.message, format!("subscriber 7001 {word}"));
        let (_, stored) = raw(cx, &format!("/customers/self/domains/{d}/subscribers/7001")).await;
        assert_eq!(stored["active"], want);
    }

    // A RegFree call from the subscriber: a live call placed by it.
    let (m, _) = through_form(
        &ctx(&d, "7001 +14155550199", None, &no_numbers, None),
        Intent::Other("subscriber.call"),
        &[],
    );
    let p = c.preview(&m).unwrap();
    assert_eq!(p.path, format!("/calls/{d}/outgoing/7001"));
    assert_eq!(
        p.body.as_deref(),
        Some("{\"destination\":\"+14155550199\"}")
    );
    let out = c.mutate(&m).await.expect("placed");
    let token = out.created_id.expect("token");
    let live = live_calls(&c, &d).await;
    let call = live
        .iter()
        .find(|x| x.id == token)
        .expect("the call is live");
    assert_eq!(call.from.trim_start_matches('+'), "7001");

    // Delete needs the msisdn typed; then it is gone.
    let (m, confirm) = through_form(
        &ctx(&d, "7001", None, &no_numbers, None),
        Intent::Other("subscriber.delete"),
        &[],
    );
    assert_eq!(confirm.map(|(t, _)| t).as_deref(), Some("7001"));
    c.mutate(&m).await.expect("deleted");
    let (status, _) = raw(cx, &format!("/customers/self/domains/{d}/subscribers/7001")).await;
    assert_eq!(status, 404);
    let sent = writes(cx);
    assert_eq!(
        sent.iter().filter(|(m, _)| m == "DELETE").count(),
        1,
        "{sent:?}"
    );
}

#[tokio::test]
async fn a_live_call_is_transferred_to_another_application() {
    let sims = quiet_sims(32).await;
    let cx = &sims.cloudonix;
    let c = client(cx);
    let d = cx.domains[0].clone();
    let nums = numbers(&c, &d).await;
    let placed = c
        .mutate(&Mutation::ClickToCall {
            account: d.clone(),
            destination: "+14155550123".into(),
            caller_id: Some("+14155550100".into()),
            application: None,
        })
        .await
        .expect("placed");
    let token = placed.created_id.expect("token");
    let live = live_calls(&c, &d).await;
    let call = live.iter().find(|x| x.id == token).expect("live").clone();
    let ProviderClient::Cloudonix(inner) = &c else {
        panic!("cloudonix");
    };
    let apps = inner.cached_applications(&d);
    let app = apps.last().expect("an application").clone();
    // The domain's details list its applications (the picker's choices).
    let fields = details(&c, &d).await;
    let listed = fields
        .iter()
        .find(|(k, _)| k == "applications")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    assert_eq!(listed, apps.join(", "));
    let (m, _) = through_form(
        &ctx(&d, "", None, &nums, Some(&call)),
        Intent::Other("transfer"),
        &[("application", &app)],
    );
    let p = c.preview(&m).expect("preview");
    assert_eq!(p.path, format!("/calls/{d}/sessions/{token}/application"));
    let body: serde_json::Value = serde_json::from_str(p.body.as_deref().unwrap()).unwrap();
    let (_, apps_raw) = raw(cx, &format!("/customers/self/domains/{d}/applications")).await;
    let want_url = apps_raw
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == app.as_str())
        .map(|a| a["url"].clone())
        .unwrap();
    assert_eq!(body["url"], want_url);
    let out = c.mutate(&m).await.expect("transferred");
    assert_eq!(out.message, format!("call {token} switched to {app}"));
    let (_, session) = raw(cx, &format!("/customers/self/domains/{d}/sessions/{token}")).await;
    assert_eq!(session["url"], want_url);
    assert_eq!(m.command(), "transfer");
}

#[tokio::test]
async fn dnid_create_repoint_and_delete() {
    let sims = quiet_sims(33).await;
    let cx = &sims.cloudonix;
    let c = client(cx);
    let d = cx.domains[0].clone();
    let nums = numbers(&c, &d).await;
    let ProviderClient::Cloudonix(inner) = &c else {
        panic!("cloudonix");
    };
    let apps = inner.cached_applications(&d);
    let app = apps.first().expect("an application").clone();

    let (m, _) = through_form(
        &ctx(&d, "+14155559876", None, &nums, None),
        Intent::NumberNew,
        &[("application", &app)],
    );
    let p = c.preview(&m).unwrap();
    assert_eq!(
        (p.method.as_str(), p.path.clone()),
        ("POST", format!("/customers/self/domains/{d}/dnids"))
    );
    c.mutate(&m).await.expect("created");
    let after = numbers(&c, &d).await;
    let created = after
        .iter()
        .find(|n| n.number == "+14155559876")
        .expect("the new number is listed")
        .clone();
    assert_eq!(created.target, app);
    assert_eq!(after.len(), nums.len() + 1);

    // Re-point: the same number, to another application; nothing else changes.
    let other = apps
        .iter()
        .find(|a| **a != app)
        .expect("a second app")
        .clone();
    let (m, _) = through_form(
        &ctx(&d, "", Some(&created), &after, None),
        Intent::NumberEdit,
        &[("application", &other)],
    );
    let p = c.preview(&m).unwrap();
    let body: serde_json::Value = serde_json::from_str(p.body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body.as_object().map(|o| o.len()),
        Some(1),
        "only applicationId: {body}"
    );
    c.mutate(&m).await.expect("re-pointed");
    let (_, stored) = raw(
        cx,
        &format!("/customers/self/domains/{d}/dnids/{}", created.id),
    )
    .await;
    let (_, apps_raw) = raw(cx, &format!("/customers/self/domains/{d}/applications")).await;
    let other_id = apps_raw
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == other.as_str())
        .map(|a| a["id"].clone())
        .unwrap();
    assert_eq!(
        stored["applicationId"], other_id,
        "calls to it now reach {other}"
    );
    let again = numbers(&c, &d).await;
    for n in &after {
        let now = again.iter().find(|x| x.id == n.id).expect("still there");
        if n.id == created.id {
            assert_eq!(now.target, other);
        } else {
            assert_eq!(
                (&now.number, &now.target, now.active),
                (&n.number, &n.target, n.active)
            );
        }
    }

    // Delete: the number must be typed; then it is gone.
    let (m, confirm) = through_form(
        &ctx(&d, "", Some(&created), &again, None),
        Intent::NumberDelete,
        &[],
    );
    assert_eq!(confirm.map(|(t, _)| t).as_deref(), Some("+14155559876"));
    let p = c.preview(&m).unwrap();
    assert_eq!(p.method, "DELETE");
    c.mutate(&m).await.expect("deleted");
    let last = numbers(&c, &d).await;
    assert!(last.iter().all(|n| n.id != created.id));
    assert_eq!(last.len(), nums.len());
}
