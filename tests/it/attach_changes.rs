//! Changes through the collector (issue 16 item 4): an attached console's form, review
//! and Cancel-first confirmation work as in local mode; the collector builds the same
//! request, sends it once inside its budget, writes the audit line with the operator's
//! name (from the token) and the console's host, and every attached console sees the
//! result. A viewer's console greys the change with the reason, and the collector
//! refuses it again when the console is bypassed (raw HTTP). A provider that does not
//! answer is "outcome unknown" and the typed values stay.

use crate::serve::temp_dir;
use crate::support;
use support::flow::Flow;

use std::path::PathBuf;
use std::time::Duration;

use ratatui::crossterm::event::KeyCode;
use switchboard::attach::client::{AttachOptions, Link};
use switchboard::audit::{AuditOutcome, read_recent};
use switchboard::config::Config;
use switchboard::form::Step;
use switchboard::model::Resource;
use switchboard::secret::Secret;
use switchboard::serve::tokens::{self, Role};
use switchboard::serve::{self, Serve, ServeOptions};
use switchboard::sim::{Faults, RunningSims};
use switchboard::state::{Overlay, State};
use tokio_util::sync::CancellationToken;

const WAIT: Duration = Duration::from_secs(30);

struct Team {
    sims: RunningSims,
    serve: Serve,
    /// The collector's state dir (its audit log).
    dir: PathBuf,
    url: String,
    operator: String,
    viewer: String,
}

/// The Cloudonix simulator (no generated traffic), a collector with an operator and a
/// viewer token, its provider timing out after `timeout_s`.
async fn team(tag: &str, timeout_s: f64) -> Team {
    let sims = support::sims(61, |o| {
        o.cloudonix.traffic = false;
        o.cloudonix.rate_limit_requests = 1000;
    })
    .await;
    let mut cfg = support::cloudonix_config(&sims.cloudonix.base_url, &sims.cloudonix.customer_key);
    cfg.timeout_seconds = Some(timeout_s);
    let config = Config {
        providers: vec![cfg],
        ..Config::default()
    };
    let dir = temp_dir(tag);
    let file = tokens::default_path(&dir);
    let operator = tokens::add(&file, "alice", Role::Operator).expect("token");
    let viewer = tokens::add(&file, "victor", Role::Viewer).expect("token");
    let opts = ServeOptions::new("127.0.0.1:0".parse().unwrap(), dir.clone());
    let serve = serve::start(&config, opts, CancellationToken::new())
        .await
        .expect("serve starts");
    let url = format!("http://{}", serve.addr);
    Team {
        sims,
        serve,
        dir,
        url,
        operator,
        viewer,
    }
}

impl Team {
    fn mutating_requests(&self) -> Vec<String> {
        self.sims
            .cloudonix
            .requests()
            .iter()
            .filter(|r| r.method != "GET")
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }

    async fn console(&self, tag: &str, token: &str) -> Flow {
        let mut feed = AttachOptions::new(&self.url, Some(Secret::new(token)));
        feed.backoff_min = Duration::from_millis(100);
        feed.backoff_max = Duration::from_millis(400);
        Flow::attach(tag, feed, (120, 40), WAIT, |s| {
            s.attached
                .as_ref()
                .is_some_and(|a| a.link == Link::Live && a.who.is_some())
                && s.tables
                    .trunks
                    .rows
                    .iter()
                    .any(|t| t.name == "carrier-a-backup")
        })
        .await
    }

    fn audit(&self) -> Vec<switchboard::audit::AuditEntry> {
        read_recent(&self.dir, 50)
    }
}

fn port_of(s: &State, trunk: &str) -> Option<u16> {
    s.tables
        .trunks
        .rows
        .iter()
        .find(|t| t.name == trunk)
        .and_then(|t| t.port)
}

/// Opens the trunk's edit form and replaces its port, up to the review.
fn edit_port(h: &mut Flow, trunk: &str, port: &str) {
    h.char('4');
    h.select(trunk);
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
    h.type_text(port);
    h.key(KeyCode::Enter);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operators_trunk_edit_goes_through_the_collector_and_every_console_sees_it() {
    let t = team("changes-edit", 5.0).await;
    let mut alice = t.console("alice", &t.operator).await;
    let mut victor = t.console("victor", &t.viewer).await;
    let before = port_of(&victor.console.state, "carrier-a-backup");
    assert_ne!(before, Some(5099));

    // The operator's console: form, review (the preview comes from the collector),
    // Apply; the new port shows in both consoles through the feed.
    edit_port(&mut alice, "carrier-a-backup", "5099");
    alice.apply_reviewed("carrier-a-backup").await;
    alice
        .until("the answer and the new port", |s| {
            s.overlay.is_none() && port_of(s, "carrier-a-backup") == Some(5099)
        })
        .await;
    assert!(alice.message().contains("updated"), "{}", alice.message());
    victor
        .until("the other console sees the new port", |s| {
            port_of(s, "carrier-a-backup") == Some(5099)
        })
        .await;
    let sent = t.mutating_requests();
    assert_eq!(sent.len(), 1, "sent once: {sent:?}");
    assert!(
        sent[0].starts_with("PUT /customers/self/domains/acme-main.cloudonix.net/trunks/"),
        "{sent:?}"
    );
    // The collector's audit line names the operator from the token and this host.
    let audit = t.audit();
    let last = audit.last().expect("audited at the collector");
    assert_eq!(
        (last.command.as_str(), last.outcome, last.user.as_str()),
        ("trunk.edit", AuditOutcome::Ok, "alice")
    );
    assert_eq!(last.host, switchboard::audit::current_host());
    assert_eq!((last.method.as_str(), last.status), ("PUT", Some(200)));
    for line in std::fs::read_to_string(switchboard::audit::audit_path(&t.dir))
        .unwrap()
        .lines()
    {
        assert!(
            !line.contains(&t.operator) && !line.contains(&t.viewer),
            "{line}"
        );
    }

    // The viewer's console greys the edit with the reason and sends nothing.
    let reason = "your collector role (viewer) may not make changes: an operator token may";
    assert_eq!(
        victor
            .console
            .state
            .read_only_reason(switchboard::model::ProviderId(0))
            .as_deref(),
        Some(reason)
    );
    victor.char('4');
    victor.select("carrier-a-backup");
    victor.char('e');
    assert_eq!(victor.form_step(), None, "no form for a viewer");
    assert!(
        victor.message().contains("(viewer)"),
        "{}",
        victor.message()
    );
    // The palette lists it greyed with the reason and will not run it.
    victor.palette("edit trunk");
    assert_eq!(victor.console.state.overlay, Some(Overlay::Palette));
    let notice = victor
        .console
        .state
        .palette
        .notice
        .clone()
        .unwrap_or_default();
    assert!(notice.contains("(viewer)"), "{notice}");
    victor.key(KeyCode::Esc);
    // `r` cannot make the collector poll: it says what it does instead.
    victor.key(KeyCode::Esc);
    victor.char('r');
    assert!(
        victor.message().contains("budget clock"),
        "{}",
        victor.message()
    );
    assert_eq!(t.mutating_requests().len(), 1, "nothing more sent");

    // Bypassing the console: the collector refuses again, and audits the attempt.
    let provider = alice.console.state.providers[0].name.clone();
    let form = serde_json::json!({
        "provider": provider,
        "target": {
            "kind": "cloudonix", "account": "acme-main.cloudonix.net", "op": "trunk.delete",
            "id": "1", "ids": [], "data": [], "start": []
        },
        "values": [],
    });
    let client = reqwest::Client::new();
    let raw = client
        .post(format!("{}/v1/actions/trunk.delete", t.url))
        .bearer_auth(&t.viewer)
        .json(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 403);
    let body = raw.text().await.unwrap();
    assert!(
        body.contains("viewer") && !body.contains(&t.viewer),
        "{body}"
    );
    let no_token = client
        .post(format!("{}/v1/actions/trunk.delete", t.url))
        .json(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), 401);
    assert_eq!(t.mutating_requests().len(), 1, "nothing more sent");
    let last = t.audit().last().cloned().expect("audited");
    assert_eq!(
        (last.command.as_str(), last.outcome, last.user.as_str()),
        ("trunk.delete", AuditOutcome::Refused, "victor")
    );
    drop((alice, victor));
    t.serve.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_in_read_only_mode_is_refused_by_the_collector_too() {
    let t = team("changes-ro", 5.0).await;
    let mut alice = t.console("alice-ro", &t.operator).await;
    edit_port(&mut alice, "carrier-a-backup", "5098");
    alice
        .until(
            "the request preview",
            |s| matches!(&s.overlay, Some(Overlay::Form(o)) if o.form.preview().is_some()),
        )
        .await;
    // The console's own check would refuse a send in read-only mode; the collector must
    // refuse it as well when a console says it is read-only.
    let Some(Overlay::Form(o)) = &alice.console.state.overlay else {
        panic!("form open")
    };
    let (_, form) = o.mutation.clone().expect("built at review");
    let remote = switchboard::attach::change::Remote::new(&AttachOptions::new(
        &t.url,
        Some(Secret::new(&t.operator)),
    ));
    let refused = remote
        .apply(
            &alice.console.state.providers[0].name,
            *form,
            true,
            Resource::Trunks,
        )
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("read-only mode"), "{refused}");
    assert!(t.mutating_requests().is_empty());
    let last = t.audit().last().cloned().expect("audited");
    assert_eq!(
        (last.outcome, last.user.as_str()),
        (AuditOutcome::Refused, "alice")
    );
    drop(alice);
    t.serve.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_does_not_answer_is_outcome_unknown_and_the_values_stay() {
    let t = team("changes-timeout", 1.0).await;
    let mut alice = t.console("alice-slow", &t.operator).await;
    edit_port(&mut alice, "carrier-a-primary", "5097");
    alice
        .until(
            "the request preview",
            |s| matches!(&s.overlay, Some(Overlay::Form(o)) if o.form.preview().is_some()),
        )
        .await;
    t.sims.cloudonix.set_faults(Faults {
        latency: Duration::from_secs(3),
        ..Faults::default()
    });
    alice.apply_reviewed("carrier-a-primary").await;
    alice
        .until(
            "the unknown outcome",
            |s| matches!(&s.overlay, Some(Overlay::Form(o)) if o.form.banner().is_some()),
        )
        .await;
    assert!(
        alice.message().contains("outcome unknown"),
        "{}",
        alice.message()
    );
    assert_eq!(
        alice.form_value("port").as_deref(),
        Some("5097"),
        "typed value kept"
    );
    let last = t.audit().last().cloned().expect("audited");
    assert_eq!(
        (last.command.as_str(), last.outcome, last.user.as_str()),
        ("trunk.edit", AuditOutcome::Unknown, "alice")
    );
    t.sims.cloudonix.set_faults(Faults::default());
    drop(alice);
    t.serve.shutdown().await.unwrap();
}

/// A console's number row by its number's digits.
fn number_active(s: &State, digits: &str) -> Option<bool> {
    s.tables
        .numbers
        .rows
        .iter()
        .find(|n| n.number.ends_with(digits))
        .and_then(|n| n.active)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_iovox_switch_and_a_callable_trunk_go_through_the_collector() {
    use switchboard::model::ProviderKind;
    const DARREN: &str = "5554872eb0731b38efa4d444";
    let sims = support::sims(62, |_| {}).await;
    let mut config = crate::serve::sims_config(&sims);
    config
        .providers
        .retain(|p| matches!(p.kind, ProviderKind::Iovox | ProviderKind::Callable));
    let mut h = Flow::start_via(
        support::flow::Via::Collector,
        "iovox-callable",
        &config,
        false,
        (160, 40),
        WAIT,
        |s| {
            number_active(s, "8001234504") == Some(true)
                && s.tables.trunks.rows.iter().any(|t| t.account == DARREN)
        },
    )
    .await;

    // IOVOX: switch a number OFF (a Cancel-first confirmation).
    h.char('5');
    h.select("8001234504");
    h.char('t');
    h.apply_reviewed("").await;
    h.until("the number off", |s| {
        s.overlay.is_none() && number_active(s, "8001234504") == Some(false)
    })
    .await;
    let sent: Vec<String> = sims
        .iovox
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .map(|r| r.path)
        .collect();
    assert!(
        sent.len() == 1 && sent[0].contains("setCallStatus"),
        "{sent:?}"
    );

    // Callable: a new trunk on Darren's account.
    h.key(KeyCode::Esc);
    h.char('4');
    h.select("1.1.1.1");
    h.char('n');
    assert_eq!(h.form_step(), Some(Step::Edit), "{}", h.message());
    h.type_text("10.20.30.40");
    h.key(KeyCode::Enter);
    h.apply_reviewed("").await;
    h.until("the new trunk", |s| {
        s.overlay.is_none() && s.tables.trunks.rows.iter().any(|t| t.host == "10.20.30.40")
    })
    .await;
    let posts: Vec<String> = sims
        .callable
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && !r.path.contains("oauth"))
        .map(|r| r.path)
        .collect();
    assert_eq!(posts, vec![format!("/api/v1/account/{DARREN}/trunk")]);

    // Both at the collector's audit, with the operator's name.
    let audit = read_recent(&h.audit_dir, 10);
    let done: Vec<(String, AuditOutcome, String)> = audit
        .iter()
        .map(|e| (e.command.clone(), e.outcome, e.user.clone()))
        .collect();
    assert_eq!(
        done,
        vec![
            ("number.toggle".into(), AuditOutcome::Ok, "alice".into()),
            ("trunk.new".into(), AuditOutcome::Ok, "alice".into()),
        ]
    );
}
