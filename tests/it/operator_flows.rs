//! Operator actions end to end, headless: a real `Console` (update, effects, pollers,
//! audit log) driven by key presses, against the Cloudonix simulator over HTTP.

use crate::support;

use support::flow::{Flow, Via};

use std::time::Duration;

use ratatui::crossterm::event::KeyCode;
use switchboard::action::Action;
use switchboard::audit::{AuditOutcome, read_recent};
use switchboard::config::Config;
use switchboard::form::Step;
use switchboard::model::Resource;
use switchboard::sim::{Faults, RunningSims};
use switchboard::state::Overlay;

/// Long enough for a refresh that waits for the provider's request budget (10 per 10 s).
const WAIT: Duration = Duration::from_secs(20);

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

async fn harness(via: Via, tag: &str, read_only: bool, timeout_s: f64) -> Harness {
    let sims = support::sims(31, |o| o.cloudonix.traffic = false).await;
    let mut cfg = support::cloudonix_config(&sims.cloudonix.base_url, &sims.cloudonix.customer_key);
    cfg.timeout_seconds = Some(timeout_s);
    let config = Config {
        providers: vec![cfg],
        ..Config::default()
    };
    // Every domain's trunks and numbers, not just the first to answer.
    let domains = sims.cloudonix.domains.clone();
    let flow = Flow::start_via(via, tag, &config, read_only, (120, 40), WAIT, |s| {
        domains.iter().all(|d| {
            let has = |r: &[String]| r.iter().any(|a| a == d);
            let trunks: Vec<String> = s
                .tables
                .trunks
                .rows
                .iter()
                .map(|t| t.account.clone())
                .collect();
            let numbers: Vec<String> = s
                .tables
                .numbers
                .rows
                .iter()
                .map(|n| n.account.clone())
                .collect();
            has(&trunks) && has(&numbers)
        })
    })
    .await;
    Harness { flow, sims }
}

impl Harness {
    fn mutating_requests(&self) -> Vec<String> {
        self.sims
            .cloudonix
            .requests()
            .iter()
            .filter(|r| r.method != "GET")
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }
    /// Changes and the refreshes they trigger stay inside the provider's limit.
    fn assert_no_429(&self) {
        assert_eq!(
            self.sims.cloudonix.throttled(),
            0,
            "the provider had to answer 429"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_a_trunk_port_from_the_palette_and_see_it_in_the_pane() {
    edit_a_trunk_port_from_the_palette_and_see_it_in_the_pane_via(Via::Local).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_a_trunk_port_from_the_palette_and_see_it_in_the_pane_through_the_collector() {
    edit_a_trunk_port_from_the_palette_and_see_it_in_the_pane_via(Via::Collector).await
}

async fn edit_a_trunk_port_from_the_palette_and_see_it_in_the_pane_via(via: Via) {
    let mut h = harness(via, "edit", false, 5.0).await;
    h.char('4');
    h.select("carrier-a-backup");
    h.palette("edit trunk");
    assert_eq!(
        h.form_step(),
        Some(Step::Edit),
        "form open: {}",
        h.message()
    );
    h.key(KeyCode::Tab); // host → port
    for _ in 0..6 {
        h.key(KeyCode::Backspace);
    }
    h.type_text("5099");
    h.key(KeyCode::Enter);
    h.apply_reviewed("carrier-a-backup").await;
    h.until("the new port in the trunks pane", |s| {
        s.overlay.is_none()
            && s.tables
                .trunks
                .rows
                .iter()
                .any(|t| t.name == "carrier-a-backup" && t.port == Some(5099))
    })
    .await;
    assert!(h.message().contains("updated"), "{}", h.message());
    let puts = h.mutating_requests();
    assert_eq!(puts.len(), 1, "{puts:?}");
    assert!(
        puts[0].starts_with("PUT /customers/self/domains/acme-main.cloudonix.net/trunks/"),
        "{puts:?}"
    );
    let audit = read_recent(&h.audit_dir, 10);
    let last = audit.last().expect("audited");
    assert_eq!(last.user, h.operator, "audited with the operator's name");
    assert_eq!(
        (last.command.as_str(), last.outcome),
        ("trunk.edit", AuditOutcome::Ok)
    );
    assert_eq!(last.method, "PUT");
    assert_eq!(last.status, Some(200));
    h.assert_no_429();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_needs_the_typed_name_and_cancel_is_the_default() {
    delete_needs_the_typed_name_and_cancel_is_the_default_via(Via::Local).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_needs_the_typed_name_and_cancel_is_the_default_through_the_collector() {
    delete_needs_the_typed_name_and_cancel_is_the_default_via(Via::Collector).await
}

async fn delete_needs_the_typed_name_and_cancel_is_the_default_via(via: Via) {
    let mut h = harness(via, "delete", false, 5.0).await;
    h.char('4');
    h.select("sip-out-eu");
    h.char('d');
    h.until(
        "the delete confirmation",
        |s| matches!(&s.overlay, Some(Overlay::Form(o)) if o.form.preview().is_some()),
    )
    .await;
    // Enter on the default button (Cancel) deletes nothing.
    h.key(KeyCode::Enter);
    h.key(KeyCode::Esc);
    h.key(KeyCode::Esc);
    assert!(
        h.mutating_requests().is_empty(),
        "{:?}",
        h.mutating_requests()
    );
    // A wrong name does not delete either.
    h.char('d');
    h.until(
        "the delete confirmation",
        |s| matches!(&s.overlay, Some(Overlay::Form(o)) if o.form.preview().is_some()),
    )
    .await;
    h.key(KeyCode::Tab);
    h.key(KeyCode::Enter);
    assert_eq!(h.form_step(), Some(Step::Confirm));
    h.type_text("sip-out");
    h.key(KeyCode::Tab);
    h.key(KeyCode::Enter);
    assert!(h.mutating_requests().is_empty());
    assert_eq!(h.form_step(), Some(Step::Confirm));
    // The right name does (Apply is still the focused button).
    h.type_text("-eu");
    h.key(KeyCode::Enter);
    h.until("the trunk gone", |s| {
        s.overlay.is_none() && !s.tables.trunks.rows.iter().any(|t| t.name == "sip-out-eu")
    })
    .await;
    let sent = h.mutating_requests();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].starts_with("DELETE "), "{sent:?}");
    h.assert_no_429();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_a_trunk_and_a_duplicate_keeps_the_form_with_the_providers_message() {
    create_a_trunk_and_a_duplicate_keeps_the_form_with_the_providers_message_via(Via::Local).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_a_trunk_and_a_duplicate_keeps_the_form_with_the_providers_message_through_the_collector()
 {
    create_a_trunk_and_a_duplicate_keeps_the_form_with_the_providers_message_via(Via::Collector)
        .await
}

async fn create_a_trunk_and_a_duplicate_keeps_the_form_with_the_providers_message_via(via: Via) {
    let mut h = harness(via, "create", false, 5.0).await;
    h.char('4');
    h.select("pbx-hq");
    h.char('n');
    assert_eq!(h.form_step(), Some(Step::Edit), "{}", h.message());
    h.type_text("pbx-hq"); // name: already taken in this domain
    h.key(KeyCode::Tab);
    h.type_text("198.51.100.9");
    assert_eq!(
        h.form_value("port").as_deref(),
        Some("5060"),
        "port prefilled"
    );
    h.key(KeyCode::Enter);
    h.apply_reviewed("").await;
    h.until("the provider's refusal", |s| {
        matches!(&s.overlay, Some(Overlay::Form(o)) if o.form.step() == &Step::Edit && o.form.banner().is_some())
    })
    .await;
    assert!(h.message().contains("400"), "{}", h.message());
    assert_eq!(
        h.form_value("ip").as_deref(),
        Some("198.51.100.9"),
        "typed values kept"
    );
    assert_eq!(h.form_value("name").as_deref(), Some("pbx-hq"));
    // Fix the name and send again.
    let focus = |h: &Harness| match &h.console.state.overlay {
        Some(Overlay::Form(o)) => o.form.focus(),
        _ => usize::MAX,
    };
    for _ in 0..10 {
        if focus(&h) == 0 {
            break;
        }
        h.key(KeyCode::BackTab);
    }
    assert_eq!(focus(&h), 0, "back on the name field");
    h.type_text("-2");
    h.key(KeyCode::Enter);
    h.apply_reviewed("").await;
    // The form closes when the provider's answer is in (and audited); a poll may show the
    // new trunk a moment before that.
    h.until("the new trunk and the answer", |s| {
        s.tables.trunks.rows.iter().any(|t| t.name == "pbx-hq-2") && s.overlay.is_none()
    })
    .await;
    let audit = read_recent(&h.audit_dir, 10);
    assert!(audit.iter().all(|e| e.user == h.operator), "{audit:?}");
    let outcomes: Vec<(String, AuditOutcome)> = audit
        .iter()
        .map(|e| (e.command.clone(), e.outcome))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            ("trunk.new".into(), AuditOutcome::Failed),
            ("trunk.new".into(), AuditOutcome::Ok)
        ]
    );
    h.assert_no_429();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_error_and_timeout_keep_the_values_and_nothing_is_resent() {
    server_error_and_timeout_keep_the_values_and_nothing_is_resent_via(Via::Local).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_error_and_timeout_keep_the_values_and_nothing_is_resent_through_the_collector() {
    server_error_and_timeout_keep_the_values_and_nothing_is_resent_via(Via::Collector).await
}

async fn server_error_and_timeout_keep_the_values_and_nothing_is_resent_via(via: Via) {
    let mut h = harness(via, "fail", false, 1.0).await;
    h.char('4');
    h.select("carrier-a-primary");
    h.char('e');
    h.key(KeyCode::Tab);
    for _ in 0..6 {
        h.key(KeyCode::Backspace);
    }
    h.type_text("5070");
    h.key(KeyCode::Enter);
    h.sims.cloudonix.set_faults(Faults {
        error_rate: 1.0,
        ..Faults::default()
    });
    h.apply_reviewed("carrier-a-primary").await;
    h.until("the 500", |s| {
        matches!(&s.overlay, Some(Overlay::Form(o)) if o.form.step() == &Step::Edit && o.form.banner().is_some())
    })
    .await;
    assert!(h.message().contains("500"), "{}", h.message());
    assert_eq!(h.form_value("port").as_deref(), Some("5070"));

    // Now the provider is slow: the PUT times out and is reported, not retried.
    h.sims.cloudonix.set_faults(Faults {
        latency: Duration::from_secs(3),
        ..Faults::default()
    });
    let before = h.mutating_requests().len();
    h.key(KeyCode::Enter);
    h.apply_reviewed("carrier-a-primary").await;
    h.until("the timeout", |s| {
        matches!(&s.overlay, Some(Overlay::Form(o)) if o.form.step() == &Step::Edit && o.form.banner().is_some())
    })
    .await;
    assert!(h.message().contains("outcome unknown"), "{}", h.message());
    assert_eq!(h.form_value("port").as_deref(), Some("5070"));
    h.sims.cloudonix.set_faults(Faults::default());
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = h.mutating_requests().len();
    assert!(
        after - before <= 1,
        "the PUT was sent {} times",
        after - before
    );
    let audit = read_recent(&h.audit_dir, 10);
    assert!(audit.iter().all(|e| e.user == h.operator), "{audit:?}");
    let outcomes: Vec<AuditOutcome> = audit.iter().map(|e| e.outcome).collect();
    assert_eq!(outcomes, vec![AuditOutcome::Failed, AuditOutcome::Unknown]);
    h.assert_no_429();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn click_to_call_shows_the_call_live_then_hang_up() {
    click_to_call_shows_the_call_live_then_hang_up_via(Via::Local).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn click_to_call_shows_the_call_live_then_hang_up_through_the_collector() {
    click_to_call_shows_the_call_live_then_hang_up_via(Via::Collector).await
}

async fn click_to_call_shows_the_call_live_then_hang_up_via(via: Via) {
    let mut h = harness(via, "call", false, 5.0).await;
    h.char('5');
    h.select("+14155550100");
    h.char('c');
    assert_eq!(h.form_step(), Some(Step::Edit), "{}", h.message());
    assert_eq!(
        h.form_value("caller_id").as_deref(),
        Some("+14155550100"),
        "caller id from the number"
    );
    h.type_text("+442071838750");
    h.key(KeyCode::Enter);
    h.apply_reviewed("").await;
    h.until("the call in live calls", |s| {
        s.focus == Resource::LiveCalls
            && s.tables
                .live
                .rows
                .iter()
                .any(|c| c.to.ends_with("442071838750"))
    })
    .await;
    // Hang it up from the palette (no single key does that).
    h.select("442071838750");
    h.palette("hangup");
    h.apply_reviewed("").await;
    h.until("the call ended", |s| {
        s.overlay.is_none()
            && !s
                .tables
                .live
                .rows
                .iter()
                .any(|c| c.to.ends_with("442071838750"))
    })
    .await;
    let sent = h.mutating_requests();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(
        sent[0].starts_with("POST /calls/") && sent[1].starts_with("DELETE "),
        "{sent:?}"
    );
    let cmds: Vec<String> = read_recent(&h.audit_dir, 10)
        .iter()
        .filter(|e| e.user == h.operator)
        .map(|e| e.command.clone())
        .collect();
    assert_eq!(cmds, vec!["call", "hangup"]);
    h.assert_no_429();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_a_number_and_toggle_it() {
    edit_a_number_and_toggle_it_via(Via::Local).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_a_number_and_toggle_it_through_the_collector() {
    edit_a_number_and_toggle_it_via(Via::Collector).await
}

async fn edit_a_number_and_toggle_it_via(via: Via) {
    let mut h = harness(via, "number", false, 5.0).await;
    h.char('5');
    h.select("+14155550101");
    let was = h
        .console
        .state
        .tables
        .numbers
        .selected_row()
        .and_then(|n| n.active);
    h.char('t');
    h.apply_reviewed("").await;
    h.until("the number toggled", |s| {
        s.overlay.is_none()
            && s.tables
                .numbers
                .rows
                .iter()
                .any(|n| n.number == "+14155550101" && n.active != was)
    })
    .await;
    h.char('e');
    assert_eq!(h.form_step(), Some(Step::Edit), "{}", h.message());
    // Re-point it: cycle the application choice.
    let before = h.form_value("application");
    h.key(KeyCode::Tab);
    h.key(KeyCode::Right);
    let after = h.form_value("application");
    assert_ne!(before, after, "application choice cycles");
    h.key(KeyCode::Enter);
    h.apply_reviewed("").await;
    let target = after.unwrap_or_default();
    h.until("the number re-pointed", |s| {
        s.overlay.is_none()
            && s.tables
                .numbers
                .rows
                .iter()
                .any(|n| n.number == "+14155550101" && n.target == target)
    })
    .await;
    assert!(
        h.mutating_requests().iter().all(|r| r.starts_with("PUT ")),
        "{:?}",
        h.mutating_requests()
    );
    h.assert_no_429();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_refuses_until_write_mode_and_the_provider_sees_nothing() {
    read_only_refuses_until_write_mode_and_the_provider_sees_nothing_via(Via::Local).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_refuses_until_write_mode_and_the_provider_sees_nothing_through_the_collector() {
    read_only_refuses_until_write_mode_and_the_provider_sees_nothing_via(Via::Collector).await
}

async fn read_only_refuses_until_write_mode_and_the_provider_sees_nothing_via(via: Via) {
    let mut h = harness(via, "ro", true, 5.0).await;
    h.char('4');
    h.select("pbx-hq");
    h.char('e');
    assert!(
        h.console.state.overlay.is_none(),
        "no form in read-only mode"
    );
    assert!(h.message().contains(":write"), "{}", h.message());
    // The palette lists it greyed with the reason and will not run it.
    h.palette("delete trunk");
    assert_eq!(h.console.state.overlay, Some(Overlay::Palette));
    assert!(
        h.console
            .state
            .palette
            .notice
            .as_deref()
            .unwrap_or("")
            .contains(":write")
    );
    h.key(KeyCode::Esc);
    assert!(h.console.state.overlay.is_none());
    h.char('c');
    assert!(h.console.state.overlay.is_none());
    assert!(h.mutating_requests().is_empty());
    let audit = read_recent(&h.dir, 10);
    assert!(
        audit.len() >= 2 && audit.iter().all(|e| e.outcome == AuditOutcome::Refused),
        "{audit:?}"
    );

    // :write asks first, Cancel focused: Enter alone changes nothing.
    h.palette("write");
    assert_eq!(
        h.console.state.overlay,
        Some(Overlay::ConfirmWrite { apply: false })
    );
    h.key(KeyCode::Enter);
    assert!(
        h.console
            .state
            .read_only_reason(switchboard::model::ProviderId(0))
            .is_some()
    );
    h.palette("write");
    h.key(KeyCode::Tab);
    h.key(KeyCode::Enter);
    assert!(
        h.console
            .state
            .read_only_reason(switchboard::model::ProviderId(0))
            .is_none()
    );
    assert!(h.console.state.write.write_until_ms.is_some());
    h.char('e');
    assert_eq!(h.form_step(), Some(Step::Edit));
    h.key(KeyCode::Esc);
    // Back to read-only when the ten minutes are up.
    let later = h.console.state.now_ms + 10 * 60 * 1000 + 1;
    h.console.apply(Action::Tick(later));
    assert!(
        h.console
            .state
            .read_only_reason(switchboard::model::ProviderId(0))
            .is_some()
    );
    assert!(h.message().contains("write mode ended"), "{}", h.message());
    let notes: Vec<String> = read_recent(&h.dir, 20)
        .iter()
        .map(|e| e.command.clone())
        .collect();
    assert!(
        notes.contains(&"write".to_string()) && notes.contains(&"read-only".to_string()),
        "{notes:?}"
    );
    h.assert_no_429();
}
