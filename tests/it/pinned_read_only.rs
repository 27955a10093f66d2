//! A provider pinned read-only in its own config table (issue 11, item 10): the refusal
//! names the config file rather than `:write`, and `:write` does not claim the change
//! would now be allowed.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use switchboard::action::{Action, Fetched};
use switchboard::command::CommandId;
use switchboard::model::{Capabilities, ProviderId, ProviderKind, Resource, Trunk};
use switchboard::providers::cloudonix::CAPABILITIES;
use switchboard::providers::{FetchData, JobKey, JobKind};
use switchboard::state::{Overlay, ProviderState, State};
use switchboard::update::{run_command, update};

const NOW: i64 = 1_700_000_000_000;

fn key(c: KeyCode) -> Action {
    Action::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

/// Two Cloudonix accounts; `cx-prod` is pinned read-only, its trunk is selected.
fn state() -> State {
    let mut pinned = ProviderState::new(
        ProviderId(0),
        "cx-prod",
        ProviderKind::Cloudonix,
        CAPABILITIES,
    );
    pinned.config_read_only = true;
    let other = ProviderState::new(
        ProviderId(1),
        "cx-lab",
        ProviderKind::Cloudonix,
        Capabilities::new().with(Resource::Trunks),
    );
    let mut s = State::new(vec![pinned, other], NOW);
    s.tz = jiff::tz::TimeZone::UTC;
    let trunk = Trunk {
        provider: ProviderId(0),
        account: "d1".into(),
        account_name: Default::default(),
        id: "t1".into(),
        name: "carrier-a".into(),
        host: "sip.carrier.example".into(),
        port: Some(5060),
        transport: "udp".into(),
        direction: "both".into(),
        prefix: String::new(),
        active: Some(true),
        extra: Default::default(),
    };
    update(
        &mut s,
        Action::Fetched(Box::new(Fetched {
            requests: 1,
            provider: ProviderId(0),
            epoch: 0,
            seq: 1,
            job: JobKey {
                kind: JobKind::Trunks,
                scope: "d1".into(),
            },
            at_ms: NOW,
            stale_after_ms: 15_000,
            result: Ok(FetchData::Trunks(vec![trunk])),
        })),
    );
    update(&mut s, key(KeyCode::Char('4')));
    s
}

fn message(s: &State) -> String {
    s.message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

#[test]
fn a_pinned_provider_names_the_config_file_and_write_agrees() {
    let mut s = state();
    assert_eq!(
        s.selected_provider(),
        Some(ProviderId(0)),
        "the pinned provider's trunk is selected"
    );
    // Changes are allowed in general, not for this provider.
    update(&mut s, key(KeyCode::Char('e')));
    assert!(s.overlay.is_none(), "no form opens");
    let refusal = message(&s);
    assert!(
        refusal.contains("cx-prod is pinned read-only in the config file"),
        "{refusal}"
    );
    assert!(
        !refusal.contains(":write"),
        "it must not point at :write: {refusal}"
    );

    // `:write` says the same, rather than "changes are already allowed".
    run_command(&mut s, CommandId::ToggleReadOnly, "write");
    let answer = message(&s);
    assert!(
        answer.contains("cx-prod is pinned read-only in the config file"),
        "{answer}"
    );
    assert!(!answer.contains("already allowed"), "{answer}");
    assert!(s.overlay.is_none());
}

#[test]
fn write_mode_says_which_providers_stay_pinned() {
    let mut s = state();
    s.write.read_only = true;
    // Another provider's row selected: `:write` asks, then names what stays read-only.
    s.focus = Resource::LiveCalls;
    run_command(&mut s, CommandId::ToggleReadOnly, "write");
    assert!(matches!(s.overlay, Some(Overlay::ConfirmWrite { .. })));
    update(&mut s, key(KeyCode::Tab));
    update(&mut s, key(KeyCode::Enter));
    let text = message(&s);
    assert!(
        text.contains("write mode on")
            && text.contains("except cx-prod (pinned read-only in the config file)"),
        "{text}"
    );
    // Still refused for the pinned provider, with the same reason.
    update(&mut s, key(KeyCode::Char('4')));
    update(&mut s, key(KeyCode::Char('e')));
    assert!(s.overlay.is_none());
    assert!(
        message(&s).contains("cx-prod is pinned read-only in the config file"),
        "{}",
        message(&s)
    );
}
