//! Call state and direction from every documented payload shape (issue 13, items 1 and
//! 4): VoIPcloud v1 and v2 user-call rows, Cloudonix sessions with and without
//! `callEndTime` and with or without a `direction`, status casing drift, Callable
//! channels, IOVOX and ProVoice direction words; rows lacking optional keys included.
//! A row is live only when the provider says it is unfinished.

use serde_json::{Value, json};

use switchboard::model::{Call, CallState, Direction, ProviderId};
use switchboard::providers::cloudonix as cx;
use switchboard::providers::voipcloud::{self as vc, wire as vcw};
use switchboard::providers::{callable, iovox, provoice};

const P: ProviderId = ProviderId(0);

fn ms(iso: &str) -> i64 {
    iso.parse::<jiff::Timestamp>()
        .expect("a test timestamp")
        .as_millisecond()
}

fn envelope(rows: Value) -> Vec<u8> {
    json!({"status": "success", "message": "", "code": 200, "data": rows})
        .to_string()
        .into_bytes()
}

/// VoIPcloud user-call rows → (live, history).
fn voipcloud(rows: Value) -> (Vec<Call>, Vec<Call>) {
    let calls = vcw::decode_user_calls(&envelope(rows)).expect("decodes");
    vc::map_user_calls(P, "pbx", &calls)
}

/// One VoIPcloud row: the call and whether it is live.
fn voipcloud_one(row: Value) -> (Call, bool) {
    let (live, history) = voipcloud(json!([row]));
    match (live.into_iter().next(), history.into_iter().next()) {
        (Some(c), None) => (c, true),
        (None, Some(c)) => (c, false),
        other => panic!("one row, one call: {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// VoIPcloud v2 (integration API v2: no `call_finished_at` at all)
// ---------------------------------------------------------------------------------------

#[test]
fn a_v2_missed_call_from_this_morning_is_history_not_ringing() {
    let (call, live) = voipcloud_one(json!({
        "unique_call_id": "1764400000.17", "type": "user_inbound_missed",
        "caller_id": "61412345678", "caller_name": "", "dest_number": "202",
        "user_name": "bruno", "user_number": "202",
        "call_start_at": "2026-11-29T06:10:00.000Z", "connected_at": null,
        "call_duration": 18, "conversation_duration": 0
    }));
    assert!(!live, "a v2 row is the record of a finished call");
    assert_eq!(call.state, CallState::NoAnswer, "missed, by its type");
    assert_eq!(call.direction, Direction::Inbound);
    assert_eq!(call.answered_at_ms, None);
    assert_eq!(
        call.ended_at_ms,
        Some(ms("2026-11-29T06:10:18Z")),
        "end = call_start_at + call_duration"
    );
    // Hours later its length is still its own 18 s, not the time since it started.
    assert_eq!(call.duration_s(ms("2026-11-29T09:28:17Z")), Some(18));
}

#[test]
fn a_v2_answered_call_is_completed_at_start_plus_duration() {
    let (call, live) = voipcloud_one(json!({
        "unique_call_id": "1764400100.18", "type": "user_outbound_answered",
        "caller_id": "203", "dest_number": "61299998888",
        "user_name": "chen", "user_number": "203",
        "call_start_at": "2026-11-29T07:00:00.000Z",
        "connected_at": "2026-11-29T07:00:09.000Z",
        "call_duration": 129, "conversation_duration": 120
    }));
    assert!(!live);
    assert_eq!(call.state, CallState::Completed);
    assert_eq!(call.direction, Direction::Outbound);
    assert_eq!(call.answered_at_ms, Some(ms("2026-11-29T07:00:09Z")));
    assert_eq!(call.ended_at_ms, Some(ms("2026-11-29T07:02:09Z")));
    assert_eq!(call.to, "+61299998888");
}

#[test]
fn v2_answered_is_told_by_connected_at_even_when_the_type_is_unfamiliar() {
    let (call, live) = voipcloud_one(json!({
        "unique_call_id": "a", "type": "user_inbound_transferred",
        "call_start_at": "2026-11-29T07:00:00.000Z",
        "connected_at": "2026-11-29T07:00:03.000Z", "call_duration": 30
    }));
    assert!(!live);
    assert_eq!(call.state, CallState::Completed);
    // Without a connection, a type that names no outcome is shown as sent.
    let (call, _) = voipcloud_one(json!({
        "unique_call_id": "b", "type": "user_inbound_transferred",
        "call_start_at": "2026-11-29T07:00:00.000Z", "connected_at": null
    }));
    assert_eq!(
        call.state,
        CallState::Unknown("user_inbound_transferred".into())
    );
    assert_eq!(call.direction, Direction::Inbound);
}

#[test]
fn v2_outcome_words_each_read_as_a_state() {
    let state = |kind: &str| {
        voipcloud_one(json!({
            "unique_call_id": kind, "type": kind, "call_start_at": "2026-11-29T07:00:00Z"
        }))
        .0
        .state
    };
    assert_eq!(state("user_outbound_unanswered"), CallState::NoAnswer);
    assert_eq!(state("user_outbound_busy"), CallState::Busy);
    assert_eq!(state("user_outbound_failed"), CallState::Failed);
    assert_eq!(state("USER_INBOUND_MISSED"), CallState::NoAnswer);
    assert_eq!(state("user_inbound_answered"), CallState::Completed);
}

#[test]
fn a_v2_row_with_only_the_required_keys_is_a_finished_call_without_an_end() {
    let (call, live) = voipcloud_one(json!({
        "unique_call_id": "1764400200.19",
        "call_start_at": "2026-11-29T08:00:00.000Z"
    }));
    assert!(!live, "no row says it is unfinished");
    assert_eq!(
        call.state,
        CallState::NoAnswer,
        "nothing says it was answered"
    );
    assert_eq!(
        call.direction,
        Direction::Unknown,
        "nothing says a direction"
    );
    assert_eq!(call.ended_at_ms, None, "no duration to count an end from");
    assert_eq!(
        call.duration_s(ms("2026-11-29T11:00:00Z")),
        None,
        "its length is unknown, not the hours since it started"
    );
    assert_eq!(call.id, "1764400200.19");
}

// ---------------------------------------------------------------------------------------
// VoIPcloud v1 (the seed's names)
// ---------------------------------------------------------------------------------------

#[test]
fn a_v1_row_is_live_only_when_call_finished_at_says_null() {
    let base = json!({
        "from_number": "61412345678", "to_number": "201", "user_name": "alice",
        "is_inbound": 1, "call_start_at": "2026-11-29T08:00:00.000Z",
        "call_duration": 40, "conversation_duration": 25
    });
    let with = |key: &str, v: Value| {
        let mut row = base.clone();
        row[key] = v;
        row
    };
    // Unfinished and talking: in call.
    let (call, live) = voipcloud_one(with("call_finished_at", Value::Null));
    assert!(live);
    assert_eq!(call.state, CallState::InCall);
    assert_eq!(call.ended_at_ms, None);
    // An empty string says "not yet" too.
    assert!(voipcloud_one(with("call_finished_at", json!(""))).1);
    // Unfinished, nobody talking yet: ringing.
    let mut ringing = with("call_finished_at", Value::Null);
    ringing["conversation_duration"] = json!(0);
    let (call, live) = voipcloud_one(ringing);
    assert!(live);
    assert_eq!(call.state, CallState::Ringing);
    // Finished at a time: history, ended then.
    let (call, live) = voipcloud_one(with("call_finished_at", json!("2026-11-29T08:00:41.000Z")));
    assert!(!live);
    assert_eq!(call.state, CallState::Completed);
    assert_eq!(call.ended_at_ms, Some(ms("2026-11-29T08:00:41Z")));
    // A row lacking the key says nothing about being unfinished: a finished call.
    let (call, live) = voipcloud_one(base.clone());
    assert!(!live);
    assert_eq!(call.ended_at_ms, Some(ms("2026-11-29T08:00:40Z")));
    assert_eq!(call.direction, Direction::Inbound);
}

#[test]
fn a_v1_row_with_only_a_start_is_finished_and_unanswered() {
    let (call, live) = voipcloud_one(json!({"call_start_at": "2026-11-29T08:00:00Z"}));
    assert!(!live);
    assert_eq!(call.state, CallState::NoAnswer);
    assert_eq!(call.direction, Direction::Unknown);
    assert_eq!((call.from.as_str(), call.to.as_str()), ("", ""));
}

#[test]
fn v1_and_v2_rows_side_by_side_only_the_unfinished_one_is_live() {
    let (live, history) = voipcloud(json!([
        {"from_number": "201", "to_number": "61299998888", "user_name": "alice",
         "is_inbound": 0, "call_start_at": "2026-11-29T09:00:00Z", "call_duration": 5,
         "call_finished_at": null, "conversation_duration": 0},
        {"unique_call_id": "x", "type": "user_inbound_missed", "caller_id": "61412345678",
         "dest_number": "202", "call_start_at": "2026-11-29T06:00:00Z", "call_duration": 20},
        {"unique_call_id": "y", "type": "user_outbound_answered", "caller_id": "203",
         "dest_number": "61299990000", "call_start_at": "2026-11-29T07:00:00Z",
         "connected_at": "2026-11-29T07:00:05Z", "call_duration": 65,
         "conversation_duration": 60}
    ]));
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].state, CallState::Ringing);
    assert_eq!(live[0].direction, Direction::Outbound);
    assert_eq!(history.len(), 2);
    assert!(history.iter().all(|c| c.ended_at_ms.is_some()));
}

// ---------------------------------------------------------------------------------------
// Cloudonix sessions
// ---------------------------------------------------------------------------------------

fn session(v: Value) -> (Call, bool) {
    let bytes = json!([v]).to_string().into_bytes();
    let s = cx::decode_sessions(&bytes)
        .expect("decodes")
        .into_iter()
        .next()
        .expect("one session");
    cx::map_session(P, "acme.cloudonix.net", s)
}

#[test]
fn a_session_without_call_end_time_is_live_while_its_status_is() {
    let (call, live) = session(json!({
        "id": 1, "token": "t1", "status": "connected", "callStartTime": 1_764_400_000_000_i64,
        "callAnswerTime": 1_764_400_003_000_i64
    }));
    assert!(live);
    assert_eq!(call.state, CallState::InCall);
    // With the end time null (not absent): the same.
    let (_, live) = session(json!({
        "id": 2, "token": "t2", "status": "ringing", "callStartTime": 1_764_400_000_000_i64,
        "callEndTime": null
    }));
    assert!(live);
    // A final status without an end time: history.
    let (call, live) = session(json!({"id": 3, "token": "t3", "status": "noanswer"}));
    assert!(!live);
    assert_eq!(call.state, CallState::NoAnswer);
}

#[test]
fn a_session_with_call_end_time_is_history_whatever_its_status_says() {
    let (call, live) = session(json!({
        "id": 4, "token": "t4", "status": "connected",
        "callStartTime": "1764400000000", "callAnswerTime": 1_764_400_002_000_i64,
        "callEndTime": 1_764_400_062_000_i64
    }));
    assert!(!live);
    assert_eq!(call.state, CallState::Completed);
    assert_eq!(call.duration_s(0), Some(62));
}

#[test]
fn a_session_with_nothing_but_an_id_is_a_call_being_set_up() {
    let (call, live) = session(json!({"id": 5}));
    assert!(live, "no end time and no final status");
    assert_eq!(call.state, CallState::Setup);
    assert_eq!(call.direction, Direction::Unknown, "nothing says");
    assert_eq!(call.id, "5");
}

#[test]
fn session_status_casing_and_separators_drift() {
    for (status, want) in [
        ("NEW", CallState::Setup),
        ("New", CallState::Setup),
        ("Ringing", CallState::Ringing),
        ("RINGING", CallState::Ringing),
        ("Connected", CallState::InCall),
        ("IN-PROGRESS", CallState::InCall),
        ("in_progress", CallState::InCall),
        ("No_Answer", CallState::NoAnswer),
        ("NO ANSWER", CallState::NoAnswer),
        ("BUSY", CallState::Busy),
        ("Cancelled", CallState::Cancelled),
        ("NoCredit", CallState::Failed),
        ("parked", CallState::Unknown("parked".into())),
    ] {
        assert_eq!(cx::call_state(status), want, "{status}");
    }
}

#[test]
fn session_direction_from_the_field_or_from_the_origin() {
    let dir = |v: Value| session(v).0.direction;
    // The free-form field, normalised.
    for (raw, want) in [
        ("Inbound", Direction::Inbound),
        ("incoming", Direction::Inbound),
        ("outbound-api", Direction::Outbound),
        ("Outgoing", Direction::Outbound),
        ("internal", Direction::Internal),
    ] {
        assert_eq!(dir(json!({"id": 1, "direction": raw})), want, "{raw}");
    }
    // No field: a trunk in the profile says inbound (name or id alone is enough).
    assert_eq!(
        dir(json!({"id": 2, "profile": {"inbound-trunk-name": "carrier-a"}})),
        Direction::Inbound
    );
    assert_eq!(
        dir(json!({"id": 3, "direction": null, "profile": {"inbound-trunk-id": 380}})),
        Direction::Inbound
    );
    // A subscriber placed it: outbound.
    assert_eq!(
        dir(json!({"id": 4, "outgoingSubscriberId": 248846})),
        Direction::Outbound
    );
    assert_eq!(
        dir(
            json!({"id": 5, "profile": {"subscriber-sip-headers": {"Cloudonix-Origin": "subscriber"}}})
        ),
        Direction::Outbound
    );
    // The field wins over the origin; a word it does not know falls back to the origin.
    assert_eq!(
        dir(json!({"id": 6, "direction": "outbound", "profile": {"inbound-trunk-id": 1}})),
        Direction::Outbound
    );
    assert_eq!(
        dir(json!({"id": 7, "direction": "sideways", "profile": {"inbound-trunk-id": 1}})),
        Direction::Inbound
    );
    // `subscriberId` alone (the called subscriber of an inbound call) says nothing.
    assert_eq!(
        dir(json!({"id": 8, "subscriberId": 372})),
        Direction::Unknown
    );
    assert_eq!(
        dir(json!({"id": 9, "profile": {"subscriber-sip-headers": null}})),
        Direction::Unknown
    );
}

// ---------------------------------------------------------------------------------------
// Callable channels (providers.md §4.5 proposal)
// ---------------------------------------------------------------------------------------

fn channels(v: Value) -> Vec<Call> {
    let calls = callable::wire::decode_calls(v.to_string().as_bytes()).expect("decodes");
    callable::map_calls(P, "acct", calls)
}

#[test]
fn callable_channels_live_only_while_their_state_or_end_says_so() {
    let calls = channels(json!([
        {"id": "a", "callerId": "441234567890", "target": {"phoneNumber": {"number": "+441234567891"}},
         "state": "RINGING", "startedAt": "2026-11-29T08:00:00Z"},
        {"id": "b", "state": "In-Progress", "answeredAt": "2026-11-29T08:00:04Z"},
        {"id": "c", "state": "completed"},
        {"id": "d", "state": "ringing", "endedAt": "2026-11-29T08:01:00Z"},
        {"id": "e"},
        {"id": "f", "state": "ringing", "direction": "inbound"}
    ]));
    let ids: Vec<&str> = calls.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "e", "f"], "ended channels are not live");
    assert_eq!(calls[0].state, CallState::Ringing);
    assert_eq!(calls[1].state, CallState::InCall);
    assert_eq!(
        calls[2].state,
        CallState::Setup,
        "a bare channel is being set up"
    );
    assert_eq!(
        calls[0].direction,
        Direction::Outbound,
        "placed by channels/voice"
    );
    assert_eq!(calls[3].direction, Direction::Inbound, "its own direction");
}

// ---------------------------------------------------------------------------------------
// IOVOX and ProVoice direction hints
// ---------------------------------------------------------------------------------------

#[test]
fn iovox_direction_from_its_field_else_its_call_type() {
    use iovox::map::direction;
    assert_eq!(direction("IN", ""), Direction::Inbound);
    assert_eq!(
        direction("out", "DIRECT"),
        Direction::Outbound,
        "the field wins"
    );
    assert_eq!(
        direction("", "DIRECT"),
        Direction::Inbound,
        "someone dialled it"
    );
    assert_eq!(
        direction("", "API"),
        Direction::Outbound,
        "initiateCall placed it"
    );
    assert_eq!(direction("", ""), Direction::Unknown);
}

#[test]
fn provoice_record_directions_go_through_the_shared_normaliser() {
    let batch = provoice::wire::decode_records(
        json!({"request_id": "r", "records": [
            {"id": 1, "direction": "Incoming", "disposition": "ANSWERED"},
            {"id": 2, "direction": "OUTBOUND", "disposition": "BUSY"},
            {"id": 3, "direction": "internal", "disposition": "ANSWERED"},
            {"id": 4, "disposition": "ANSWERED"}
        ]})
        .to_string()
        .as_bytes(),
    )
    .expect("decodes");
    let dirs: Vec<Direction> = provoice::map::map_records(P, "4", batch.records)
        .iter()
        .map(|c| c.direction)
        .collect();
    assert_eq!(
        dirs,
        [
            Direction::Inbound,
            Direction::Outbound,
            Direction::Internal,
            Direction::Unknown
        ]
    );
}

// ---------------------------------------------------------------------------------------
// The one normaliser
// ---------------------------------------------------------------------------------------

#[test]
fn the_shared_direction_normaliser_reads_every_providers_words() {
    for (raw, want) in [
        ("Inbound", Direction::Inbound),
        ("INCOMING", Direction::Inbound),
        ("IN", Direction::Inbound),
        ("public-inbound", Direction::Inbound),
        ("user_inbound_missed", Direction::Inbound),
        ("outbound-api", Direction::Outbound),
        ("Outgoing", Direction::Outbound),
        ("application", Direction::Outbound),
        ("public-outbound", Direction::Outbound),
        ("user_outbound_answered", Direction::Outbound),
        ("subscriber", Direction::Internal),
        (" Internal ", Direction::Internal),
        ("weird-direction", Direction::Unknown),
        ("", Direction::Unknown),
    ] {
        assert_eq!(Direction::from_text(raw), want, "{raw:?}");
    }
}
