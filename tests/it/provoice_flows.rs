//! ProVoice operator actions end to end, headless: a real `Console` (update, effects,
//! pollers, audit log) driven by key presses against the ProVoice simulator over HTTP.

use crate::support;

use support::flow::Flow;

use std::time::Duration;

use ratatui::crossterm::event::KeyCode;
use switchboard::audit::{AuditOutcome, read_recent};
use switchboard::config::{Config, ProviderConfig};
use switchboard::form::Step;
use switchboard::model::ProviderKind;
use switchboard::providers::settings::ProvoiceSettings;
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

async fn harness(tag: &str) -> Harness {
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
    let flow = Flow::start(tag, &config, false, (120, 40), WAIT, |s| {
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
    let mut h = harness("forward").await;
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
    let audit = read_recent(&h.dir, 10);
    let last = audit.last().expect("audited");
    assert_eq!(
        (last.command.as_str(), last.outcome),
        ("forward.edit", AuditOutcome::Ok)
    );
    assert_eq!(last.method, "POST");
    assert_eq!(h.sims.provoice.throttled(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_sip_destination_needs_its_name() {
    let mut h = harness("dest").await;
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
    let mut h = harness("limit").await;
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
