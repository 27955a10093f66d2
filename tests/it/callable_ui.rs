//! The `:flow` overlay end to end without a terminal: the Callable simulator's demo data
//! with a dangling device and trunk, fetched over HTTP, applied to the state like the
//! poller does, the command run on the selected account, the overlay rendered.

use crate::support;

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use switchboard::action::{Action, Fetched};
use switchboard::command::CommandId;
use switchboard::config::ProviderConfig;
use switchboard::model::{ProviderId, ProviderKind, Resource};
use switchboard::providers::CallableSettings;
use switchboard::providers::callable::{self, CAPABILITIES};
use switchboard::providers::{JobKey, JobKind};
use switchboard::state::{Overlay, ProviderState, State};
use switchboard::theme::Theme;
use switchboard::ui;
use switchboard::update::{run_command, update};

const NOW: i64 = 1_700_000_000_000;
const DARREN: &str = "5554872eb0731b38efa4d444";

#[tokio::test]
async fn flow_overlay_flags_the_dangling_references() {
    let sims = support::sims(91, |o| o.callable.dangling = true).await;
    let sim = &sims.callable;
    let mut cfg = ProviderConfig::new("callable-demo", ProviderKind::Callable, &sim.base_url);
    cfg.settings = CallableSettings::new(&sim.username, &sim.password).into();
    let client = callable::Client::new(ProviderId(0), &cfg).unwrap();

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
    // Down to Darren's Pizzas (provider, organisation, Darren).
    while s
        .tables
        .accounts
        .selected_row()
        .is_some_and(|r| r.account.id != DARREN)
    {
        let before = s
            .tables
            .accounts
            .selected_row()
            .map(|r| r.account.id.clone());
        s.tables.accounts.move_by(1, 20);
        let after = s
            .tables
            .accounts
            .selected_row()
            .map(|r| r.account.id.clone());
        assert_ne!(before, after, "Darren's Pizzas is in the tree");
    }
    run_command(&mut s, CommandId::Flow, "");
    let Some(Overlay::Flow { lines, .. }) = &s.overlay else {
        panic!("the flow overlay opens: {:?}", s.message)
    };
    assert_eq!(lines.iter().filter(|(_, problem)| *problem).count(), 2);

    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|f| ui::render(f, &s, &Theme::default()))
        .unwrap();
    insta::assert_snapshot!("callable_flow_overlay_80x24", terminal.backend());

    // On the organisation row there is no flow: the overlay says so.
    s.overlay = None;
    s.tables.accounts.move_by(-1, 20);
    run_command(&mut s, CommandId::Flow, "");
    let Some(Overlay::Flow { lines, .. }) = &s.overlay else {
        panic!("overlay")
    };
    assert!(lines.is_empty());
}
