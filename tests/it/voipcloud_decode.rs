//! VoIPcloud decoders over fixtures (v1 and v2 rows, nulls, empty and missing `data`, an
//! error envelope) and over arbitrary input (never a panic).

use proptest::prelude::*;
use switchboard::model::{CallState, Direction, ProviderId};
use switchboard::providers::ProviderError;
use switchboard::providers::voipcloud::{self, map_error, map_user_calls, wire};
use switchboard::stats::{self, StatsWindow};

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("../fixtures/voipcloud/", $name))
    };
}

fn ms(iso: &str) -> i64 {
    iso.parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

#[test]
fn v1_user_calls_split_into_live_and_history_with_plus_restored() {
    let calls = wire::decode_user_calls(fixture!("user_calls_v1.json")).unwrap();
    assert_eq!(calls.len(), 3);
    let (live, history) = map_user_calls(ProviderId(2), "pbx", &calls);
    assert_eq!(live.len(), 1, "call_finished_at null is live");
    assert_eq!(live[0].from, "202", "extensions stay as sent");
    assert_eq!(live[0].to, "+61299998888");
    assert_eq!(live[0].direction, Direction::Outbound);
    assert_eq!(live[0].state, CallState::Ringing);
    assert_eq!(history.len(), 2);
    let alice = &history[0];
    assert_eq!(alice.from, "+61300000000");
    assert_eq!(alice.direction, Direction::Inbound);
    assert_eq!(alice.state, CallState::Completed);
    // v1 has no answer time: start + (95 − 80) s.
    assert_eq!(
        alice.answered_at_ms,
        Some(ms("2019-10-01T15:31:15Z") + 15_000)
    );
    assert_eq!(alice.ended_at_ms, Some(ms("2019-10-01T15:32:50Z")));
    // "1" as a string still reads as inbound; no talk time = not answered.
    assert_eq!(history[1].direction, Direction::Inbound);
    assert_eq!(history[1].state, CallState::NoAnswer);
}

#[test]
fn v2_user_calls_read_the_v2_names() {
    let calls = wire::decode_user_calls(fixture!("user_calls_v2.json")).unwrap();
    let (live, history) = map_user_calls(ProviderId(0), "pbx", &calls);
    assert!(live.is_empty());
    assert_eq!(history[0].id, "1569943875.123");
    assert_eq!(history[0].from, "+61300000000");
    assert_eq!(history[0].to, "+61299998888");
    assert_eq!(history[0].direction, Direction::Outbound);
    assert_eq!(history[0].answered_at_ms, Some(ms("2019-10-01T15:31:25Z")));
    assert_eq!(history[1].direction, Direction::Inbound);
    assert_eq!(history[1].state, CallState::NoAnswer);
    assert!(
        history[1]
            .extra
            .iter()
            .any(|f| f == ("type", "user_inbound_missed"))
    );
}

#[test]
fn queue_and_ring_group_rows_become_statistics() {
    let q = wire::decode_group_calls(fixture!("queue_calls_v1.json")).unwrap();
    let r = wire::decode_group_calls(fixture!("ringgroup_calls_v2.json")).unwrap();
    assert_eq!(q[1].outcome, Some(wire::Outcome::Abandoned));
    assert_eq!(q[2].outcome, Some(wire::Outcome::TimedOut));
    assert_eq!(q[2].caller, None, "null caller");
    assert_eq!(q[2].agent, None, "empty agent is none");
    assert_eq!(r[0].group.as_deref(), Some("reception"));
    assert_eq!(r[0].id.as_deref(), Some("rg-1"));
    let mut records: Vec<_> = q
        .iter()
        .filter_map(|g| voipcloud::group_record(g, "queue"))
        .collect();
    records.extend(
        r.iter()
            .filter_map(|g| voipcloud::group_record(g, "ring group")),
    );
    let now = ms("2019-10-01T15:10:00Z");
    let rows = stats::compute(ProviderId(0), "pbx", &records, StatsWindow::Min15, now, 0);
    let sales = rows.iter().find(|s| s.name == "sales").unwrap();
    assert_eq!(
        (
            sales.total,
            sales.answered,
            sales.abandoned,
            sales.timed_out
        ),
        (Some(3), Some(1), Some(1), Some(1))
    );
    // Waits 30, 45, 120 s → 65; talk 120 s.
    assert_eq!(sales.avg_wait_s, Some(65));
    assert_eq!(sales.longest_wait_s, Some(120));
    assert_eq!(sales.avg_talk_s, Some(120));
    assert_eq!(sales.per_agent, vec![("alice".to_string(), 1)]);
    let reception = rows.iter().find(|s| s.name == "reception").unwrap();
    assert_eq!(reception.kind, "ring group");
    assert_eq!(reception.answered, Some(1));
}

#[test]
fn missing_null_and_empty_data_are_empty_lists() {
    for body in [
        &fixture!("data_missing.json")[..],
        &fixture!("data_null.json")[..],
        &fixture!("data_empty.json")[..],
    ] {
        assert_eq!(wire::decode_user_calls(body).unwrap(), vec![]);
        assert_eq!(wire::decode_group_calls(body).unwrap(), vec![]);
    }
}

#[test]
fn an_error_envelope_is_an_error_with_its_message() {
    let Err(Ok(e)) = wire::decode_user_calls(fixture!("error_400.json")) else {
        panic!("expected an error envelope");
    };
    assert_eq!(e.code, 400);
    assert_eq!(e.message, "Parameters error: limit");
    let err = map_error(e.code, &e.message, None, "user calls");
    assert_eq!(
        err,
        ProviderError::BadRequest("user calls: Parameters error: limit".into())
    );
    // code 200 but status not success is still an error; code 0 is "unknown".
    let Err(Ok(e)) = wire::decode_envelope(br#"{"status":"failed","message":"","code":0}"#) else {
        panic!("expected an error");
    };
    assert_eq!(e.code, 0);
    assert!(matches!(
        map_error(0, &e.message, None, "x"),
        ProviderError::Server { status: 0, .. }
    ));
    // 401 is explained, whatever the provider's text.
    assert_eq!(
        map_error(401, "Authorization error", None, "x").to_string(),
        "401 key rejected: the PBX rejected the token, or this host's IP is not whitelisted"
    );
    // Not JSON at all.
    assert!(matches!(
        wire::decode_envelope(b"<html>"),
        Err(Err(ProviderError::Decode(_)))
    ));
}

#[test]
fn system_status_reads_the_invented_shape() {
    let s = wire::decode_system_status(fixture!("system_status.json")).unwrap();
    assert_eq!(s.status.as_deref(), Some("operational"));
    assert_eq!(s.incidents, vec!["Voicemail delays".to_string()]);
}

fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        any::<f64>().prop_map(|f| serde_json::json!(f)),
        "[ -~]{0,24}".prop_map(serde_json::Value::String),
        prop_oneof![
            Just("2019-10-01T15:31:15.000Z"),
            Just("call_finished_at"),
            Just("answered")
        ]
        .prop_map(|s| serde_json::Value::String(s.into())),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        let keys = prop_oneof![
            Just("status".to_string()),
            Just("code".to_string()),
            Just("data".to_string()),
            Just("message".to_string()),
            Just("call_start_at".to_string()),
            Just("call_finished_at".to_string()),
            Just("queue_name".to_string()),
            Just("is_inbound".to_string()),
            Just("call_duration".to_string()),
            Just("conversation_duration".to_string()),
            "[a-z_]{1,12}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(keys, inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn decoders_never_panic_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = wire::decode_user_calls(&bytes);
        let _ = wire::decode_group_calls(&bytes);
        let _ = wire::decode_system_status(&bytes);
        let _ = wire::decode_call_to_number(&bytes);
    }

    #[test]
    fn decoders_and_mapping_never_panic_on_json(v in arb_json()) {
        let body = serde_json::json!({"status": "success", "code": 200, "data": v.clone()}).to_string();
        if let Ok(calls) = wire::decode_user_calls(body.as_bytes()) {
            let _ = map_user_calls(ProviderId(0), "pbx", &calls);
        }
        if let Ok(groups) = wire::decode_group_calls(body.as_bytes()) {
            let recs: Vec<_> = groups.iter().filter_map(|g| voipcloud::group_record(g, "queue")).collect();
            let _ = stats::compute(ProviderId(0), "pbx", &recs, StatsWindow::Today, 1_000_000, 0);
        }
        let _ = wire::decode_system_status(v.to_string().as_bytes());
        let _ = wire::decode_user_calls(v.to_string().as_bytes());
    }
}
