//! Refused changes are audited with who tried what on which object: the provider, the
//! account and the target (the trunk or number selected), whether refused by a key, from
//! the palette, for read-only mode or for a capability the provider lacks.

use crate::support;

use std::time::Duration;

use ratatui::crossterm::event::KeyCode;
use support::flow::Flow;
use switchboard::audit::{AuditEntry, AuditOutcome, read_recent};
use switchboard::config::{Config, ProviderConfig};
use switchboard::model::{ProviderKind, Resource};
use switchboard::providers::CallableSettings;
use switchboard::state::Overlay;

const WAIT: Duration = Duration::from_secs(20);

fn refused<'a>(audit: &'a [AuditEntry], command: &str) -> &'a AuditEntry {
    audit
        .iter()
        .find(|e| e.command == command && e.outcome == AuditOutcome::Refused)
        .unwrap_or_else(|| panic!("no refused {command} in {audit:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_refusals_by_key_and_from_the_palette_name_the_trunk() {
    let sims = support::sims(121, |o| o.cloudonix.traffic = false).await;
    let cfg = support::cloudonix_config(&sims.cloudonix.base_url, &sims.cloudonix.customer_key);
    let config = Config {
        providers: vec![cfg],
        ..Config::default()
    };
    let mut flow = Flow::start("refuse-ro", &config, true, (160, 40), WAIT, |s| {
        s.tables.trunks.rows.iter().any(|t| t.name == "pbx-hq")
    })
    .await;
    flow.char('4');
    assert_eq!(flow.console.state.focus, Resource::Trunks);
    flow.select("pbx-hq");
    let trunk = flow
        .console
        .state
        .tables
        .trunks
        .selected_row()
        .cloned()
        .expect("pbx-hq selected");
    assert_eq!(trunk.name, "pbx-hq");

    // By key.
    flow.char('e');
    assert!(
        flow.console.state.overlay.is_none(),
        "no form while read-only"
    );
    // From the palette: listed greyed, Enter refuses and keeps the palette open.
    flow.palette("trunk.delete");
    assert_eq!(flow.console.state.overlay, Some(Overlay::Palette));
    flow.key(KeyCode::Esc);

    let audit = read_recent(&flow.dir, 20);
    let target = format!("trunk pbx-hq ({})", trunk.id);
    for command in ["trunk.edit", "trunk.delete"] {
        let e = refused(&audit, command);
        assert_eq!(
            (e.provider.as_str(), e.account.as_str(), e.target.as_str()),
            ("cx", trunk.account.as_str(), target.as_str()),
            "{e:?}"
        );
        assert!(
            e.message.starts_with("refused: ") && e.message.contains(":write"),
            "{e:?}"
        );
        assert!(!e.user.is_empty() && !e.host.is_empty() && !e.time.is_empty());
    }
    assert!(
        sims.cloudonix.requests().iter().all(|r| r.method == "GET"),
        "nothing was sent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_the_provider_does_not_offer_is_audited_with_the_number() {
    let sims = support::sims(122, |_| {}).await;
    let k = &sims.callable;
    let mut cfg = ProviderConfig::new("callable-noc", ProviderKind::Callable, &k.base_url);
    cfg.settings = CallableSettings::new(&k.username, &k.password).into();
    cfg.timeout_seconds = Some(5.0);
    let config = Config {
        providers: vec![cfg],
        ..Config::default()
    };
    // Wait for the number itself: Callable's DDIs arrive one account at a time.
    let mut flow = Flow::start("refuse-cap", &config, false, (160, 40), WAIT, |s| {
        s.tables
            .numbers
            .rows
            .iter()
            .any(|n| n.number.contains("441234567890"))
    })
    .await;
    flow.char('5');
    assert_eq!(flow.console.state.focus, Resource::Numbers);
    flow.select("441234567890");
    let number = flow
        .console
        .state
        .tables
        .numbers
        .selected_row()
        .cloned()
        .expect("a number selected");
    flow.char('e');
    assert!(flow.console.state.overlay.is_none(), "no form");
    assert!(flow.message().contains("not offered"), "{}", flow.message());

    let audit = read_recent(&flow.dir, 20);
    let e = refused(&audit, "number.edit");
    assert_eq!(
        (e.provider.as_str(), e.account.as_str()),
        ("callable-noc", number.account.as_str()),
        "{e:?}"
    );
    assert_eq!(
        e.target,
        format!("number {} ({})", number.number, number.id),
        "{e:?}"
    );
    assert_eq!(e.message, "refused: not offered by callable-noc");
}
