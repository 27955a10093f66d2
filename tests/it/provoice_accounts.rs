//! ProVoice customers and users, headless against the simulator: a customer created
//! under the selected one and renamed, a user created under it and edited; the tree
//! shows each change in place, the user's password never reaches the audit or the screen.

use crate::support;

use support::flow::Flow;

use std::time::Duration;

use ratatui::crossterm::event::KeyCode;
use switchboard::audit::read_recent;
use switchboard::config::{Config, ProviderConfig};
use switchboard::form::Step;
use switchboard::model::ProviderKind;
use switchboard::providers::ProvoiceSettings;
use switchboard::state::State;

const WAIT: Duration = Duration::from_secs(30);
const PASSWORD: &str = "user-Pass-8xQz1v";

fn row<'a>(s: &'a State, name: &str) -> Option<&'a switchboard::model::Account> {
    s.tables
        .accounts
        .rows
        .iter()
        .map(|r| &r.account)
        .find(|a| a.name == name)
}

fn reselect(f: &mut Flow, needle: &str) {
    f.char('/');
    f.key(KeyCode::Esc);
    f.select(needle);
}

fn replace_focused(f: &mut Flow, old_len: usize, text: &str) {
    for _ in 0..old_len {
        f.key(KeyCode::Backspace);
    }
    f.type_text(text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_and_users_are_created_and_edited_in_the_tree() {
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
    let mut f = Flow::start("pv-accounts", &config, false, (120, 40), WAIT, |s| {
        row(s, "Reseller Zuid").is_some()
    })
    .await;
    let writes = || -> Vec<String> {
        sims.provoice
            .requests()
            .iter()
            .filter(|r| r.method != "GET")
            .map(|r| r.path.clone())
            .collect()
    };

    // A new customer under "Reseller Zuid" (id 3).
    f.char('1');
    f.select("Reseller Zuid");
    f.palette("customer.new Bloemist Bos");
    assert_eq!(f.form_step(), Some(Step::Edit), "{}", f.message());
    assert_eq!(f.form_value("name").as_deref(), Some("Bloemist Bos"));
    f.key(KeyCode::Enter);
    f.apply_reviewed("").await;
    f.until("the new customer in the tree", |s| {
        s.overlay.is_none()
            && row(s, "Bloemist Bos").is_some_and(|a| a.parent.as_deref() == Some("3"))
    })
    .await;
    assert_eq!(writes(), ["/api/createCustomer"]);
    let created = sims
        .provoice
        .objects("customers")
        .into_iter()
        .find(|c| c["name"] == "Bloemist Bos")
        .expect("stored");
    assert_eq!(created["parent_id"], 3);
    let cid = created["id"].to_string();

    // Renamed in place.
    reselect(&mut f, "Bloemist Bos");
    f.palette("customer.edit");
    assert_eq!(f.form_step(), Some(Step::Edit), "{}", f.message());
    replace_focused(&mut f, "Bloemist Bos".len(), "Bloemist Bos BV");
    f.key(KeyCode::Enter);
    f.apply_reviewed("").await;
    f.until("the customer renamed", |s| {
        s.overlay.is_none() && row(s, "Bloemist Bos BV").is_some_and(|a| a.id == cid)
    })
    .await;
    assert_eq!(
        writes().last().map(String::as_str),
        Some("/api/updateCustomer")
    );

    // A user under it; the password is masked in the review and the audit.
    reselect(&mut f, "Bloemist Bos BV");
    f.palette("user.new erik9");
    assert_eq!(f.form_step(), Some(Step::Edit), "{}", f.message());
    f.key(KeyCode::Tab); // user name → password
    f.type_text(PASSWORD);
    f.key(KeyCode::Enter);
    f.apply_reviewed("").await;
    f.until("the new user under its customer", |s| {
        s.overlay.is_none()
            && row(s, "erik9").is_some_and(|a| a.parent.as_deref() == Some(cid.as_str()))
    })
    .await;
    let user = sims
        .provoice
        .objects("users")
        .into_iter()
        .find(|u| u["username"] == "erik9")
        .expect("stored");
    assert_eq!(user["password"], PASSWORD);
    assert_eq!(user["customer_id"].to_string(), cid);

    // Its caller id edited; only that field (and the names of the user) is sent.
    reselect(&mut f, "erik9");
    f.palette("user.edit");
    assert_eq!(f.form_step(), Some(Step::Edit), "{}", f.message());
    f.key(KeyCode::Tab);
    f.key(KeyCode::Tab); // → caller id
    f.type_text("31201234567");
    f.key(KeyCode::Enter);
    f.apply_reviewed("").await;
    f.until("the caller id shown", |s| {
        s.overlay.is_none()
            && row(s, "erik9").is_some_and(|a| {
                a.extra
                    .iter()
                    .any(|(k, v)| k == "callerid" && v.contains("31201234567"))
            })
    })
    .await;
    let user = sims
        .provoice
        .objects("users")
        .into_iter()
        .find(|u| u["username"] == "erik9")
        .expect("stored");
    assert_eq!(user["callerid"], "31201234567");
    assert_eq!(user["password"], PASSWORD, "the password was kept");
    assert_eq!(
        writes(),
        [
            "/api/createCustomer",
            "/api/updateCustomer",
            "/api/createUser",
            "/api/updateUser"
        ]
    );

    let audit = read_recent(&f.dir, 10);
    let commands: Vec<&str> = audit.iter().map(|e| e.command.as_str()).collect();
    assert_eq!(
        commands,
        ["customer.new", "customer.edit", "user.new", "user.edit"]
    );
    let text = serde_json::to_string(&audit).unwrap();
    assert!(!text.contains(PASSWORD), "{text}");
    assert!(text.contains("\"password\\\":\\\"****\\\""), "{text}");
    assert!(!f.message().contains(PASSWORD));
}
