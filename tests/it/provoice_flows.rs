//! ProVoice operator actions end to end, headless: a real `Console` (update, effects,
//! pollers, audit log) driven by key presses against the ProVoice simulator over HTTP.

use crate::support;

use support::flow::{Flow, Via};

use std::time::Duration;

use ratatui::crossterm::event::KeyCode;
use switchboard::audit::{AuditOutcome, read_recent};
use switchboard::config::{Config, ProviderConfig};
use switchboard::form::Step;
use switchboard::model::ProviderKind;
use switchboard::providers::ProvoiceSettings;
use switchboard::sim::RunningSims;
use switchboard::state::Overlay;

const WAIT: Duration = Duration::from_secs(30);

struct Harness {
    flow: Flow,
    sims: RunningSims,
}

impl std::ops::Deref for Harness {
    type Target = Flow;
    fn deref(&self) -> &Flow {
        &self.flow
    }
}

impl std::ops::DerefMut for Harness {
    fn deref_mut(&mut self) -> &mut Flow {
        &mut self.flow
    }
}

async fn harness(via: Via, tag: &str) -> Harness {
    // A 7-customer tree's first load takes ~58 requests, the whole default minute's
    // budget (see the README); these flows are about the action path, so both sides get
    // a roomier limit.
    let sims = support::sims(5, |o| {
        o.provoice.records_delay = Duration::from_millis(100);
        o.provoice.rate_limit_requests = 600;
    })
    .await;
    let mut cfg = ProviderConfig::new("pv", ProviderKind::Provoice, &sims.provoice.base_url);
    cfg.settings = ProvoiceSettings::new(&sims.provoice.api_key).into();
    cfg.timeout_seconds = Some(5.0);
    let cfg = support::with_rate(cfg, 600, Duration::from_secs(60));
    let config = Config {
        providers: vec![cfg],
        ..Config::default()
    };
    let flow = Flow::start_via(via, tag, &config, false, (120, 40), WAIT, |s| {
        let details = |id: &str| {
            s.tables.accounts.rows.iter().any(|r| {
                r.account.id == id && r.account.extra.iter().any(|(k, _)| k == "tariffplan")
            })
        };
        details("5") && details("6") && s.tables.trunks.rows.iter().any(|t| t.name == "pbx-5")
    })
    .await;
    Harness { flow, sims }
}

impl Harness {
    fn writes(&self) -> Vec<String> {
        self.sims
            .provoice
            .requests()
            .iter()
            .filter(|r| r.method != "GET")
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_a_users_forward_from_the_accounts_pane() {
    edit_a_users_forward_from_the_accounts_pane_via(Via::Local).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_a_users_forward_from_the_accounts_pane_through_the_collector() {
    edit_a_users_forward_from_the_accounts_pane_via(Via::Collector).await
}

async fn edit_a_users_forward_from_the_accounts_pane_via(via: Via) {
    let mut h = harness(via, "forward").await;
    h.char('1');
    h.select("anna6");
    h.palette("forward.edit");
    assert_eq!(
        h.form_step(),
        Some(Step::Edit),
        "form open: {}",
        h.message()
    );
    let old = h.form_value("target").unwrap();
    assert!(old.starts_with("+3165555"), "{old}");
    assert_eq!(h.form_value("type").as_deref(), Some("noanswer"));
    h.key(KeyCode::Tab); // type → target
    for _ in 0..old.len() {
        h.key(KeyCode::Backspace);
    }
    h.type_text("+31699999999");
    h.key(KeyCode::Enter);
    h.apply_reviewed("").await;
    h.until("the change answered", |s| s.overlay.is_none())
        .await;
    assert!(h.message().contains("updated"), "{}", h.message());
    assert_eq!(h.writes(), ["POST /api/updateForward"]);
    let forwards = h.sims.provoice.objects("forwards");
    assert!(
        forwards.iter().any(|f| f["target"] == "+31699999999"
            && f["type"] == "noanswer"
            && f["customer_id"] == 6),
        "{forwards:?}"
    );
    let audit = read_recent(&h.audit_dir, 10);
    let last = audit.last().expect("audited");
    assert_eq!(last.user, h.operator, "audited with the operator's name");
    assert_eq!(
        (last.command.as_str(), last.outcome),
        ("forward.edit", AuditOutcome::Ok)
    );
    assert_eq!(last.method, "POST");
    assert_eq!(h.sims.provoice.throttled(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_sip_destination_needs_its_name() {
    deleting_a_sip_destination_needs_its_name_via(Via::Local).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_sip_destination_needs_its_name_through_the_collector() {
    deleting_a_sip_destination_needs_its_name_via(Via::Collector).await
}

async fn deleting_a_sip_destination_needs_its_name_via(via: Via) {
    let mut h = harness(via, "dest").await;
    h.char('4');
    h.select("pbx-5");
    h.char('d');
    h.until(
        "the delete confirmation",
        |s| matches!(&s.overlay, Some(Overlay::Form(o)) if o.form.preview().is_some()),
    )
    .await;
    h.key(KeyCode::Tab);
    h.key(KeyCode::Enter);
    assert_eq!(h.form_step(), Some(Step::Confirm));
    h.type_text("pbx");
    h.key(KeyCode::Tab);
    h.key(KeyCode::Enter);
    assert!(h.writes().is_empty(), "a wrong name sends nothing");
    h.type_text("-5");
    h.key(KeyCode::Enter);
    h.until("the destination gone", |s| {
        s.overlay.is_none() && !s.tables.trunks.rows.iter().any(|t| t.name == "pbx-5")
    })
    .await;
    assert_eq!(h.writes(), ["POST /api/deleteDestination"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_value_keeps_the_form_and_read_only_refuses() {
    a_bad_value_keeps_the_form_and_read_only_refuses_via(Via::Local).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_value_keeps_the_form_and_read_only_refuses_through_the_collector() {
    a_bad_value_keeps_the_form_and_read_only_refuses_via(Via::Collector).await
}

async fn a_bad_value_keeps_the_form_and_read_only_refuses_via(via: Via) {
    let mut h = harness(via, "limit").await;
    h.char('1');
    h.select("Tandarts");
    h.palette("limit.new");
    assert_eq!(h.form_step(), Some(Step::Edit), "{}", h.message());
    h.key(KeyCode::Tab); // type → value
    h.type_text("lots");
    h.key(KeyCode::Enter);
    // The builder refuses; the form stays open with what was typed.
    assert!(h.writes().is_empty());
    assert_eq!(h.form_value("value").as_deref(), Some("lots"));
    h.key(KeyCode::Esc);
    h.key(KeyCode::Esc);
    h.palette("limit.delete");
    assert!(h.message().contains("no deleteLimit"), "{}", h.message());
    h.palette("read-only");
    h.palette("whitelist.new");
    assert!(h.message().contains("read-only"), "{}", h.message());
    assert!(h.writes().is_empty());
}

// Moved from update.rs's unit tests (shared code names no provider): a stale details
// result is dropped by `update`, so the form opens with what the newest run read.
mod stale_details {
    use switchboard::action::{Action, Fetched};
    use switchboard::model::{Account, AccountKind, ProviderId, ProviderKind, Resource};
    use switchboard::providers::provoice::{self, forms::Details, wire::Forward};
    use switchboard::providers::{FetchData, JobKey, JobKind, ProviderDetails};
    use switchboard::state::{Overlay, ProviderState, State};
    use switchboard::update::update;

    const NOW: i64 = 1_700_000_000_000;

    fn fetched(kind: JobKind, scope: &str, seq: u64, data: FetchData) -> Action {
        Action::Fetched(Box::new(Fetched {
            requests: 1,
            provider: ProviderId(0),
            epoch: 0,
            seq,
            job: JobKey {
                kind,
                scope: scope.into(),
            },
            at_ms: NOW,
            stale_after_ms: 60_000,
            result: Ok(data),
        }))
    }

    /// Customer 5's details as its AccountInfo job reads them: one forward to `target`.
    fn info(target: &str) -> FetchData {
        let forward = Forward {
            id: "71".into(),
            customer_id: Some("5".into()),
            user_id: None,
            extension_id: None,
            target: target.into(),
            kind: "busy".into(),
            timeout: Some(20),
            active: Some(true),
        };
        FetchData::AccountInfo {
            account: "5".into(),
            fields: vec![("forwards".into(), "1".into())],
            details: Some(ProviderDetails::Provoice(Details {
                forwards: vec![forward],
                ..Details::default()
            })),
        }
    }

    /// The target the `forward.edit` form of customer 5 opens with.
    fn form_target(state: &mut State) -> Option<String> {
        state.overlay = None;
        switchboard::ops::open(state, switchboard::ops::Intent::Other("forward.edit"), "");
        match &state.overlay {
            Some(Overlay::Form(o)) => o.form.value("target"),
            _ => None,
        }
    }

    #[test]
    fn a_stale_provoice_result_does_not_change_what_its_forms_show() {
        let mut state = State::new(
            vec![ProviderState::new(
                ProviderId(0),
                "pv",
                ProviderKind::Provoice,
                provoice::CAPABILITIES,
            )],
            NOW,
        );
        state.write.read_only = false;
        let customer = Account {
            provider: ProviderId(0),
            id: "5".into(),
            name: "Bakkerij".into(),
            parent: None,
            kind: AccountKind::Customer,
            active: Some(true),
            extra: Default::default(),
        };
        update(
            &mut state,
            fetched(
                JobKind::Accounts,
                "",
                1,
                FetchData::Accounts(vec![customer]),
            ),
        );
        state.focus = Resource::Accounts;
        state.tables.accounts.move_by(1, 10);
        assert_eq!(
            state
                .tables
                .accounts
                .selected_row()
                .map(|r| r.account.id.as_str()),
            Some("5")
        );
        // Nothing read yet: the form has nothing to edit.
        assert_eq!(form_target(&mut state), None);

        update(
            &mut state,
            fetched(JobKind::AccountInfo, "5", 3, info("+31201234567")),
        );
        assert_eq!(form_target(&mut state).as_deref(), Some("+31201234567"));
        // An older run of the same job answering late is dropped, details and all.
        update(
            &mut state,
            fetched(JobKind::AccountInfo, "5", 2, info("+31999999999")),
        );
        assert_eq!(form_target(&mut state).as_deref(), Some("+31201234567"));
        // A newer one replaces them.
        update(
            &mut state,
            fetched(JobKind::AccountInfo, "5", 4, info("+31207654321")),
        );
        assert_eq!(form_target(&mut state).as_deref(), Some("+31207654321"));
    }
}
