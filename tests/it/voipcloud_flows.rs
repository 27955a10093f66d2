//! VoIPcloud operator flows, headless: a real `Console` driven by key presses against
//! the VoIPcloud simulator over HTTP — click-to-call through the palette (read-only
//! refusal, write mode, review with the exact request, audit) and the statistics window
//! switch that costs no request.

use crate::support;

use support::flow::{Flow, Via};

use std::time::Duration;

use ratatui::crossterm::event::KeyCode;
use switchboard::audit::{AuditOutcome, read_recent};
use switchboard::config::{Config, ProviderConfig};
use switchboard::form::Step;
use switchboard::model::{ProviderKind, Resource};
use switchboard::providers::VoipcloudSettings;
use switchboard::sim::RunningSims;
use switchboard::state::{Overlay, State};

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

async fn harness(via: Via, tag: &str, read_only: bool) -> Harness {
    let sims = support::sims(41, |_| {}).await;
    let mut cfg = ProviderConfig::new("vc-pbx", ProviderKind::Voipcloud, &sims.voipcloud.base_url);
    cfg.settings = VoipcloudSettings::new(&sims.voipcloud.token).into();
    cfg.timeout_seconds = Some(5.0);
    let config = Config {
        providers: vec![cfg],
        ..Config::default()
    };
    let flow = Flow::start_via(via, tag, &config, read_only, (160, 40), WAIT, |s| {
        !s.tables.live.rows.is_empty() && !s.tables.queues.rows.is_empty()
    })
    .await;
    Harness { flow, sims }
}

impl Harness {
    fn posts(&self) -> Vec<String> {
        self.sims
            .voipcloud
            .requests()
            .iter()
            .filter(|r| r.method != "GET")
            .map(|r| r.path.clone())
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn click_to_call_from_the_palette_refused_read_only_then_placed_and_audited() {
    click_to_call_from_the_palette_refused_read_only_then_placed_and_audited_via(Via::Local).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn click_to_call_from_the_palette_refused_read_only_then_placed_and_audited_through_the_collector()
 {
    click_to_call_from_the_palette_refused_read_only_then_placed_and_audited_via(Via::Collector)
        .await
}

async fn click_to_call_from_the_palette_refused_read_only_then_placed_and_audited_via(via: Via) {
    let mut h = harness(via, "call", true).await;
    h.char('2');
    // The palette lists it greyed with the reason and will not run it.
    h.palette("call 61299990000");
    assert_eq!(h.console.state.overlay, Some(Overlay::Palette));
    let notice = h.console.state.palette.notice.clone().unwrap_or_default();
    assert!(notice.contains(":write"), "{notice}");
    h.key(KeyCode::Esc);
    // Its key is refused too, and that refusal is audited.
    h.char('c');
    assert!(h.form_step().is_none(), "no form while read-only");
    assert!(h.message().contains(":write"), "{}", h.message());
    assert!(h.posts().is_empty());

    // Write mode: asked first, Cancel focused.
    h.palette("write");
    h.key(KeyCode::Tab);
    h.key(KeyCode::Enter);
    h.palette("call 61299990000");
    assert_eq!(h.form_step(), Some(Step::Edit), "{}", h.message());
    assert_eq!(
        h.form_value("number_to_call").as_deref(),
        Some("61299990000")
    );
    // The user's extension goes in the first (focused) field.
    h.type_text("203");
    assert_eq!(h.form_value("user_number").as_deref(), Some("203"));
    h.key(KeyCode::Enter);
    h.until(
        "the request preview",
        |s| matches!(&s.overlay, Some(Overlay::Form(o)) if o.form.preview().is_some()),
    )
    .await;
    let preview = match &h.console.state.overlay {
        Some(Overlay::Form(o)) => o.form.preview().map(|p| format!("{p:?}")),
        _ => None,
    }
    .unwrap_or_default();
    assert!(
        preview.contains("/api/integration/v1/call-to-number"),
        "{preview}"
    );
    assert!(
        preview.contains("\\\"user_number\\\":\\\"203\\\""),
        "{preview}"
    );
    // Enter on the focused Cancel sends nothing.
    h.key(KeyCode::Tab);
    h.key(KeyCode::Enter);
    h.until("the call live", |s| {
        s.tables
            .live
            .rows
            .iter()
            .any(|c| c.to == "+61299990000" && c.from == "203")
    })
    .await;
    assert_eq!(
        h.posts(),
        vec!["/api/integration/v1/call-to-number".to_string()]
    );
    // Refused before a form opened: this console's own audit; sent: wherever it was
    // sent from (the collector's when attached), with the operator's name.
    let mut audit = read_recent(&h.dir, 10);
    if h.audit_dir != h.dir {
        audit.extend(read_recent(&h.audit_dir, 10));
    }
    let calls: Vec<_> = audit.iter().filter(|e| e.command == "call").collect();
    assert!(
        calls
            .iter()
            .any(|e| e.outcome != AuditOutcome::Refused && e.user == h.operator),
        "{audit:?}"
    );
    assert!(
        calls.iter().any(|e| e.outcome == AuditOutcome::Refused),
        "read-only refusal audited: {audit:?}"
    );
    assert!(
        calls.iter().any(|e| e.outcome != AuditOutcome::Refused),
        "the call audited: {audit:?}"
    );
    assert_eq!(h.sims.voipcloud.throttled(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_statistics_window_switches_without_a_request() {
    the_statistics_window_switches_without_a_request_via(Via::Local).await
}

async fn the_statistics_window_switches_without_a_request_via(via: Via) {
    let mut h = harness(via, "window", false).await;
    h.char('6');
    assert_eq!(h.console.state.focus, Resource::Queues);
    let period = |s: &State| s.tables.queues.rows.first().map(|q| q.period.clone());
    assert_eq!(period(&h.console.state).as_deref(), Some("today"));
    let queue_requests = |h: &Harness| {
        h.sims
            .voipcloud
            .requests()
            .iter()
            .filter(|r| r.path.contains("get-queue-calls"))
            .count()
    };
    let before = queue_requests(&h);
    h.char('w');
    assert!(h.message().contains("15 min"), "{}", h.message());
    h.until("15-minute figures", |s| {
        period(s).as_deref() == Some("15 min")
    })
    .await;
    h.char('w');
    h.until("1-hour figures", |s| period(s).as_deref() == Some("1 h"))
        .await;
    assert_eq!(
        queue_requests(&h),
        before,
        "computed from the lists already fetched"
    );
    h.char('w');
    h.until("today again", |s| period(s).as_deref() == Some("today"))
        .await;
}
