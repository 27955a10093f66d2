//! Editing a Callable flow: the `:flow` view names how its devices are edited (snapshot
//! at 80x24), `device.edit` / `device.new` change gateways and route starts against the
//! simulator, and a proposed device pointing at a missing device or trunk is refused
//! before anything is sent.

use crate::support;

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use switchboard::action::{Action, Fetched};
use switchboard::command::CommandId;
use switchboard::config::ProviderConfig;
use switchboard::model::{Account, AccountKind, ProviderId, ProviderKind, Resource};
use switchboard::providers::callable::{self, CAPABILITIES};
use switchboard::providers::forms::{self, FormContext, Intent};
use switchboard::providers::{
    CallableSettings, FetchData, JobKey, JobKind, ProviderClient, ProviderDetails,
};
use switchboard::state::{Overlay, ProviderState, State};
use switchboard::theme::Theme;
use switchboard::ui;
use switchboard::update::{run_command, update};

const NOW: i64 = 1_700_000_000_000;
const DARREN: &str = "5554872eb0731b38efa4d444";

fn config(sim: &switchboard::sim::CallableSim) -> ProviderConfig {
    let mut cfg = ProviderConfig::new("callable-demo", ProviderKind::Callable, &sim.base_url);
    cfg.settings = CallableSettings::new(&sim.username, &sim.password).into();
    cfg.timeout_seconds = Some(5.0);
    cfg
}

#[tokio::test]
async fn the_flow_view_says_how_to_edit_it() {
    let sims = support::sims(92, |_| {}).await;
    let client = callable::Client::new(ProviderId(0), &config(&sims.callable)).unwrap();
    let mut s = State::new(
        vec![ProviderState::new(
            ProviderId(0),
            "callable-demo",
            ProviderKind::Callable,
            CAPABILITIES,
        )],
        NOW,
    );
    s.tz = jiff::tz::TimeZone::UTC;
    for (seq, kind, scope) in [
        (1, JobKind::Accounts, ""),
        (2, JobKind::AccountInfo, DARREN),
    ] {
        let job = JobKey {
            kind,
            scope: scope.into(),
        };
        let result = client.fetch(&job).await;
        update(
            &mut s,
            Action::Fetched(Box::new(Fetched {
                requests: 1,
                provider: ProviderId(0),
                epoch: 0,
                seq,
                job,
                at_ms: NOW,
                stale_after_ms: 60_000,
                result,
            })),
        );
    }
    s.focus = Resource::Accounts;
    for _ in 0..5 {
        if s.tables
            .accounts
            .selected_row()
            .is_some_and(|r| r.account.id == DARREN)
        {
            break;
        }
        s.tables.accounts.move_by(1, 20);
    }
    run_command(&mut s, CommandId::Flow, "");
    let Some(Overlay::Flow { lines, .. }) = &s.overlay else {
        panic!("the flow overlay opens: {:?}", s.message)
    };
    assert_eq!(
        lines.last().map(|(l, _)| l.as_str()),
        Some(callable::FLOW_EDIT_HINT)
    );
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|f| ui::render(f, &s, &Theme::default()))
        .unwrap();
    insta::assert_snapshot!("callable_flow_editable_80x24", terminal.backend());

    // From the same state, the device form opens with the device's values.
    s.overlay = None;
    run_command(&mut s, CommandId::Form("device.edit"), "Primary GW");
    let Some(Overlay::Form(o)) = &s.overlay else {
        panic!("the device form opens: {:?}", s.message)
    };
    assert_eq!(o.form.value("trunks").as_deref(), Some("1.1.1.1:5060"));
    assert_eq!(o.form.value("on_fail").as_deref(), Some("HANGUP"));
}

fn set(values: &[(String, String)], changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out = values.to_vec();
    for (k, v) in changes {
        out.retain(|(x, _)| x != k);
        out.push(((*k).to_owned(), (*v).to_owned()));
    }
    out
}

#[tokio::test]
async fn devices_are_edited_and_created_and_dangling_ones_refused_before_sending() {
    let sims = support::sims(93, |_| {}).await;
    let sim = &sims.callable;
    let c = ProviderClient::from_config(ProviderId(0), &config(sim)).unwrap();
    let details = match c
        .fetch(&JobKey {
            kind: JobKind::AccountInfo,
            scope: DARREN.into(),
        })
        .await
    {
        Ok(FetchData::AccountInfo {
            details: Some(d), ..
        }) => d,
        other => panic!("details: {other:?}"),
    };
    let account = Account {
        provider: ProviderId(0),
        id: DARREN.into(),
        name: "Darren's Pizzas".into(),
        parent: None,
        kind: AccountKind::Domain,
        active: None,
        extra: Default::default(),
    };
    let open = |intent: Intent, args: &'static str| {
        let cx = FormContext {
            account: DARREN,
            args,
            account_row: Some(&account),
            trunk: None,
            live_calls_on_trunk: 0,
            number: None,
            numbers: Vec::new(),
            marked_numbers: Vec::new(),
            call: None,
            accounts: vec![&account],
            details: vec![(DARREN, &details as &ProviderDetails)],
        };
        forms::open(ProviderKind::Callable, intent, &cx).expect("opens")
    };
    let writes = || {
        sim.requests()
            .into_iter()
            .filter(|r| r.method != "GET" && r.path.contains("/device"))
            .count()
    };
    let gw = |list: &[serde_json::Value], name: &str| {
        list.iter()
            .find(|d| d["name"] == name)
            .cloned()
            .expect("device")
    };

    let (spec, t) = open(Intent::Other("device.edit"), "Primary GW");
    // A missing device and a missing trunk are refused before sending.
    let err = forms::build(&t, &set(&spec.values, &[("on_fail", "Ghost GW")])).unwrap_err();
    assert!(err.contains("onFail Ghost GW: no such device"), "{err}");
    let err = forms::build(&t, &set(&spec.values, &[("trunks", "9.9.9.9:5060")])).unwrap_err();
    assert!(err.contains("trunk 9.9.9.9:5060: no such trunk"), "{err}");
    assert_eq!(writes(), 0);

    let before = sim.devices(DARREN);
    let m = forms::build(&t, &set(&spec.values, &[("on_busy", "VOICEMAIL")])).expect("valid");
    c.mutate(&m).await.expect("updated");
    let after = sim.devices(DARREN);
    let (b, a) = (gw(&before, "Primary GW"), gw(&after, "Primary GW"));
    assert_eq!(a["sipGateway"]["onBusy"], "VOICEMAIL");
    for k in [
        "trunks",
        "record",
        "present",
        "countryCode",
        "ringTime",
        "onFail",
    ] {
        assert_eq!(a["sipGateway"][k], b["sipGateway"][k], "{k} kept");
    }

    // A new gateway on the existing trunk, then a route start for the second DDI to it.
    let (spec, t) = open(Intent::Other("device.new"), "Night GW");
    let m = forms::build(
        &t,
        &set(
            &spec.values,
            &[("extension", "603"), ("trunks", "1.1.1.1:5060")],
        ),
    )
    .expect("valid");
    c.mutate(&m).await.expect("created");
    let night = gw(&sim.devices(DARREN), "Night GW");
    assert_eq!(night["type"], "SIP_GATEWAY");
    assert_eq!(
        night["sipGateway"]["trunks"][0],
        "66aa8915-834a-3004-8363-9c73690d8fe1"
    );

    // A route start pointing at a device that does not exist is refused.
    let (spec, t) = open(Intent::Other("device.new"), "Night entry");
    let err = forms::build(
        &t,
        &set(
            &spec.values,
            &[
                ("type", "ROUTE_START"),
                ("ddis", "+441234567891"),
                ("connect_to", "Night GW"),
            ],
        ),
    )
    .unwrap_err();
    assert!(
        err.contains("connectTo Night GW: no such device"),
        "the form's flow predates Night GW: {err}"
    );
    let sent = writes();
    assert_eq!(sent, 2);
}
