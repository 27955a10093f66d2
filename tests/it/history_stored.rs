//! The History pane with a call-history store (issue 14, memory): a finished call the
//! provider no longer returns stays in the pane, polls after polls, once per provider and
//! call id, the pane capped at `[ui] history_rows` keeping the newest; a failed write
//! takes no row away. Driven through `update` as the console's loop does.

use switchboard::action::{Action, Fetched};
use switchboard::model::*;
use switchboard::providers::{FetchData, JobKey, JobKind};
use switchboard::state::{ProviderState, State};
use switchboard::update::update;

const NOW: i64 = 1_700_000_000_000;

fn state(rows: usize) -> State {
    let caps = Capabilities::new()
        .with(Resource::LiveCalls)
        .with(Resource::CallHistory);
    let mut s = State::new(
        vec![
            ProviderState::new(ProviderId(0), "cx-demo", ProviderKind::Cloudonix, caps),
            ProviderState::new(ProviderId(1), "vc-prod", ProviderKind::Voipcloud, caps),
        ],
        NOW,
    );
    s.tz = jiff::tz::TimeZone::UTC;
    s.history_rows = rows;
    s
}

/// A call of provider `p` in account `account` that ended `age_min` minutes ago.
fn ended(p: u16, account: &str, id: &str, age_min: i64) -> Call {
    let end = NOW - age_min * 60_000;
    Call {
        provider: ProviderId(p),
        account: account.into(),
        account_name: Default::default(),
        id: id.into(),
        from: "+14155550101".into(),
        to: "+61293741005".into(),
        direction: Direction::Inbound,
        state: CallState::Completed,
        started_at_ms: Some(end - 90_000),
        answered_at_ms: Some(end - 80_000),
        ended_at_ms: Some(end),
        extra: Default::default(),
    }
}

/// One calls poll of provider `p`, account `scope`.
fn poll(s: &mut State, seq: u64, p: u16, scope: &str, history: Vec<Call>) {
    let action = Action::Fetched(Box::new(Fetched {
        requests: 1,
        provider: ProviderId(p),
        epoch: 0,
        seq,
        job: JobKey {
            kind: JobKind::Calls,
            scope: scope.into(),
        },
        at_ms: NOW,
        stale_after_ms: 15_000,
        result: Ok(FetchData::Calls {
            live: vec![],
            history,
        }),
    }));
    update(s, action);
}

/// (provider, id) of every row the History pane lists, sorted.
fn listed(s: &State) -> Vec<(u16, String)> {
    let t = &s.tables.history;
    let mut v: Vec<(u16, String)> = t
        .view
        .iter()
        .map(|&i| &t.rows[i as usize])
        .map(|c| (c.provider.0, c.id.to_string()))
        .collect();
    v.sort();
    v
}

fn ids(v: &[(u16, &str)]) -> Vec<(u16, String)> {
    let mut v: Vec<(u16, String)> = v.iter().map(|(p, id)| (*p, id.to_string())).collect();
    v.sort();
    v
}

#[test]
fn a_call_the_provider_no_longer_returns_stays_after_two_more_polls() {
    let mut s = state(100);
    update(
        &mut s,
        Action::HistoryLoaded(vec![
            ended(0, "d1", "yesterday", 24 * 60),
            ended(1, "pbx", "other-provider", 30),
        ]),
    );
    poll(
        &mut s,
        1,
        0,
        "d1",
        vec![ended(0, "d1", "c1", 10), ended(0, "d1", "c2", 5)],
    );
    poll(&mut s, 1, 0, "d2", vec![ended(0, "d2", "c3", 4)]);
    let all = ids(&[
        (0, "yesterday"),
        (0, "c1"),
        (0, "c2"),
        (0, "c3"),
        (1, "other-provider"),
    ]);
    assert_eq!(listed(&s), all);
    // The provider drops c1 (and never returns yesterday's): both stay, poll after poll.
    poll(&mut s, 2, 0, "d1", vec![ended(0, "d1", "c2", 5)]);
    poll(&mut s, 3, 0, "d1", vec![ended(0, "d1", "c2", 5)]);
    assert_eq!(listed(&s), all);
    // A poll with nothing at all takes nothing away either.
    poll(&mut s, 4, 0, "d1", vec![]);
    poll(&mut s, 4, 0, "d2", vec![]);
    assert_eq!(listed(&s), all);
    assert_eq!(s.tables.history.rows.len(), all.len(), "one row per call");
    // A call shown again shows as the provider sends it now.
    let mut again = ended(0, "d1", "c1", 10);
    again.state = CallState::Failed;
    poll(&mut s, 5, 0, "d1", vec![again]);
    assert_eq!(listed(&s), all);
    let c1 = s.tables.history.rows.iter().find(|c| c.id == "c1");
    assert_eq!(c1.map(|c| &c.state), Some(&CallState::Failed));
}

#[test]
fn the_pane_keeps_the_newest_stored_calls_up_to_its_cap() {
    let mut s = state(3);
    update(
        &mut s,
        Action::HistoryLoaded(vec![
            ended(0, "d1", "old", 300),
            ended(0, "d1", "older", 400),
        ]),
    );
    poll(
        &mut s,
        1,
        0,
        "d1",
        vec![ended(0, "d1", "n1", 3), ended(0, "d1", "n2", 2)],
    );
    assert_eq!(listed(&s), ids(&[(0, "n1"), (0, "n2"), (0, "old")]));
    poll(&mut s, 2, 0, "d1", vec![ended(0, "d1", "n3", 1)]);
    poll(&mut s, 3, 0, "d1", vec![]);
    assert_eq!(listed(&s), ids(&[(0, "n1"), (0, "n2"), (0, "n3")]));
}

#[test]
fn a_failed_write_takes_no_row_away() {
    let mut s = state(100);
    update(&mut s, Action::HistoryLoaded(vec![]));
    poll(&mut s, 1, 0, "d1", vec![ended(0, "d1", "c1", 10)]);
    update(&mut s, Action::HistoryWriteFailed);
    let c1 = ended(0, "d1", "c1", 10);
    let stored = s.stored_history.as_ref();
    assert!(
        stored.is_some_and(|h| !h.contains(&c1)),
        "sent again with its next poll"
    );
    poll(&mut s, 2, 0, "d1", vec![]);
    poll(&mut s, 3, 0, "d1", vec![]);
    assert_eq!(listed(&s), ids(&[(0, "c1")]));
}
