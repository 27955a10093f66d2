//! The `/` filter's syntax on the merged tables (issue 13, item 8), typed through the
//! prompt as an operator would: plain text, `!text`, `re:<regex>`, `col:value` (column
//! headers, any case), their combinations, and a bad regular expression's message.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use switchboard::action::{Action, Fetched};
use switchboard::model::*;
use switchboard::providers::{FetchData, JobKey, JobKind};
use switchboard::state::{Level, ProviderState, State};
use switchboard::update::update;

const NOW: i64 = 1_700_000_000_000;

fn state() -> State {
    let all = Capabilities::new()
        .with(Resource::LiveCalls)
        .with(Resource::CallHistory)
        .with(Resource::Numbers);
    let mut s = State::new(
        vec![
            ProviderState::new(ProviderId(0), "cx-demo", ProviderKind::Cloudonix, all),
            ProviderState::new(ProviderId(1), "vc-prod", ProviderKind::Voipcloud, all),
        ],
        NOW,
    );
    s.tz = jiff::tz::TimeZone::UTC;
    s
}

fn call(p: u16, id: &str, from: &str, dir: Direction, state: CallState) -> Call {
    Call {
        provider: ProviderId(p),
        account: if p == 0 { "acme.cloudonix.net" } else { "pbx" }.into(),
        account_name: Default::default(),
        id: id.into(),
        from: from.into(),
        to: "+61293741005".into(),
        direction: dir,
        state,
        started_at_ms: Some(NOW - 60_000),
        answered_at_ms: None,
        ended_at_ms: None,
        extra: Default::default(),
    }
}

fn fetched(p: u16, live: Vec<Call>) -> Action {
    Action::Fetched(Box::new(Fetched {
        requests: 1,
        provider: ProviderId(p),
        epoch: 0,
        seq: 1,
        job: JobKey {
            kind: JobKind::Calls,
            scope: String::new(),
        },
        at_ms: NOW,
        stale_after_ms: 15_000,
        result: Ok(FetchData::Calls {
            live,
            history: vec![],
        }),
    }))
}

/// Both providers' live calls in the one merged table.
fn merged() -> State {
    let mut s = state();
    update(
        &mut s,
        fetched(
            0,
            vec![
                call(
                    0,
                    "c1",
                    "+14155550101",
                    Direction::Inbound,
                    CallState::Ringing,
                ),
                call(
                    0,
                    "c2",
                    "+14155550102",
                    Direction::Outbound,
                    CallState::InCall,
                ),
                call(0, "c3", "1004", Direction::Internal, CallState::Setup),
            ],
        ),
    );
    update(
        &mut s,
        fetched(
            1,
            vec![
                call(
                    1,
                    "v1",
                    "+61412345678",
                    Direction::Inbound,
                    CallState::Ringing,
                ),
                call(1, "v2", "201", Direction::Outbound, CallState::InCall),
            ],
        ),
    );
    assert_eq!(s.tables.live.view.len(), 5);
    s
}

/// Types `/` + `text` and returns the ids left in view, sorted.
fn typed(s: &mut State, text: &str) -> Vec<String> {
    update(s, Action::Key(KeyEvent::from(KeyCode::Char('/'))));
    for c in text.chars() {
        update(
            s,
            Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
    }
    let t = &s.tables.live;
    let mut ids: Vec<String> = t
        .view
        .iter()
        .map(|&i| t.rows[i as usize].id.to_string())
        .collect();
    ids.sort();
    ids
}

fn clear(s: &mut State) {
    update(s, Action::Key(KeyEvent::from(KeyCode::Esc)));
}

#[test]
fn plain_text_still_searches_every_column() {
    let mut s = merged();
    assert_eq!(typed(&mut s, "VC-PROD"), ["v1", "v2"]);
    clear(&mut s);
    assert_eq!(typed(&mut s, "ringing"), ["c1", "v1"]);
}

#[test]
fn bang_inverts_across_providers() {
    let mut s = merged();
    assert_eq!(typed(&mut s, "!ringing"), ["c2", "c3", "v2"]);
    clear(&mut s);
    assert_eq!(typed(&mut s, "!cx-demo"), ["v1", "v2"]);
}

#[test]
fn column_prefixes_narrow_to_one_column_by_its_header() {
    let mut s = merged();
    assert_eq!(typed(&mut s, "state:ringing"), ["c1", "v1"]);
    clear(&mut s);
    assert_eq!(typed(&mut s, "provider:cx"), ["c1", "c2", "c3"]);
    clear(&mut s);
    assert_eq!(typed(&mut s, "Provider:VC"), ["v1", "v2"], "any case");
    clear(&mut s);
    // Every To is +61…, so only the From column decides.
    assert_eq!(typed(&mut s, "from:+61"), ["v1"]);
    clear(&mut s);
    assert_eq!(typed(&mut s, "dir:out"), ["c2", "v2"]);
    clear(&mut s);
    assert_eq!(typed(&mut s, "!provider:cx"), ["v1", "v2"]);
    clear(&mut s);
    // Not a header of this pane: plain text ("routes to" is the Numbers pane's).
    assert!(typed(&mut s, "routes to:x").is_empty());
}

#[test]
fn regexes_match_per_cell_and_combine_with_columns_and_bang() {
    let mut s = merged();
    assert_eq!(typed(&mut s, "re:^\\+1415"), ["c1", "c2"]);
    clear(&mut s);
    assert_eq!(
        typed(&mut s, "from:re:^\\d{3,4}$"),
        ["c3", "v2"],
        "extensions"
    );
    clear(&mut s);
    assert_eq!(typed(&mut s, "dir:re:^in$"), ["c1", "v1"], "not `int`");
    clear(&mut s);
    assert_eq!(typed(&mut s, "!re:RINGING|SETUP"), ["c2", "v2"]);
}

#[test]
fn a_bad_regex_says_so_and_the_filter_stays_as_typed() {
    let mut s = merged();
    let left = typed(&mut s, "re:(+1415");
    assert!(left.is_empty(), "a filter that cannot be used keeps no row");
    assert_eq!(s.filter_input.value(), "re:(+1415", "the prompt keeps it");
    assert_eq!(s.tables.live.filter, "re:(+1415");
    let message = s.message.clone().expect("a message on screen");
    assert_eq!(message.level, Level::Warn);
    assert!(
        message
            .text
            .starts_with("filter: bad regular expression after re:"),
        "{}",
        message.text
    );
    // Fixing it clears the message and filters again.
    update(&mut s, Action::Key(KeyEvent::from(KeyCode::Home)));
    update(&mut s, Action::Key(KeyEvent::from(KeyCode::Delete)));
    update(&mut s, Action::Key(KeyEvent::from(KeyCode::Delete)));
    update(&mut s, Action::Key(KeyEvent::from(KeyCode::Delete)));
    update(&mut s, Action::Key(KeyEvent::from(KeyCode::Delete)));
    assert_eq!(s.filter_input.value(), "+1415");
    assert!(s.message.is_none(), "{:?}", s.message);
    assert_eq!(s.tables.live.view.len(), 2);
}
