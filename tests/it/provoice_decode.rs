//! ProVoice decoders and mapping without HTTP: the fixture shapes of providers.md §5.3,
//! tolerant field reading, and a proptest that no input panics.

use proptest::prelude::*;
use serde_json::{Value, json};
use switchboard::model::{AccountKind, CallState, Direction, ProviderId};
use switchboard::providers::ProviderError;
use switchboard::providers::provoice::{map, map_http_error, wire};

fn bytes(v: Value) -> Vec<u8> {
    serde_json::to_vec(&v).unwrap()
}

#[test]
fn customers_and_users_make_a_tree_with_counts() {
    let customers = wire::decode_customers(&bytes(json!([
        {"id": 1, "parent_id": null, "name": "Top", "active": 1, "created": "2024-01-01"},
        {"id": "2", "parent_id": 1, "name": "Child", "active": "false"},
        {"id": 3, "parent_id": "2", "name": ""},
        {"name": "no id: skipped"},
        "not an object",
    ])))
    .unwrap();
    assert_eq!(customers.len(), 3);
    let users = wire::decode_users(&bytes(json!([
        {"id": 10, "customer_id": 2, "username": "anna", "password": "s3cret-value", "callerid": "+31201234567", "active": true}
    ])))
    .unwrap();
    let a = map::map_tree(ProviderId(1), &customers, &[("2".into(), users)]);
    let ids: Vec<&str> = a.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "user:10", "3"]);
    assert_eq!(a[1].active, Some(false));
    assert_eq!(a[3].name, "customer 3");
    let field = |i: usize, k: &str| a[i].extra.get(k).map(str::to_owned);
    assert_eq!(field(0, "sub-customers").as_deref(), Some("1"));
    assert_eq!(field(1, "users").as_deref(), Some("1"));
    assert_eq!(
        field(3, "users"),
        None,
        "not read yet: no count rather than 0"
    );
    assert_eq!(a[2].kind, AccountKind::SubAccount);
    assert_eq!(a[2].parent.as_deref(), Some("2"));
    let shown = format!("{:?}", a);
    assert!(!shown.contains("s3cret-value"), "password never kept");
    assert!(switchboard::tree::build_tree(&a).is_ok());
}

#[test]
fn details_read_forwards_limits_whitelists_and_plans() {
    let f = wire::decode_forwards(&bytes(json!([
        {"id": 5, "customer_id": 2, "user_id": 10, "extension_id": null, "target": "+31612345678", "type": "NoAnswer", "timeout": "20", "active": 0}
    ])))
    .unwrap();
    let l = wire::decode_limits(&bytes(
        json!([{"id": 6, "customer_id": 2, "type": "calls", "value": 10, "period": "day"}]),
    ))
    .unwrap();
    let w = wire::decode_whitelists(&bytes(
        json!([{"id": 7, "customer_id": 2, "ip": "192.0.2.1", "description": "office"}]),
    ))
    .unwrap();
    let t = wire::decode_tariffplans(&bytes(
        json!([{"id": 1, "name": "Gold", "currency": "EUR"}]),
    ))
    .unwrap();
    let fields = map::map_customer_info(&f, &l, &w, &t);
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(get("tariffplan"), Some("Gold (EUR)"));
    assert_eq!(
        get("forward 5"),
        Some("no answer → +31612345678 after 20 s, inactive (user 10)")
    );
    assert_eq!(get("limit 6"), Some("calls 10 per day"));
    assert_eq!(get("whitelist 7"), Some("ip 192.0.2.1 (office)"));
}

#[test]
fn records_become_history_rows() {
    let batch = wire::decode_records(&bytes(json!({
        "request_id": "sb-1", "customer_id": 4,
        "records": [
            {"id": 1, "customer_id": 4, "user_id": 10, "caller": "+31612345678", "callee": "+31207004000",
             "start": "2026-11-20T10:00:00Z", "answer": "2026-11-20T10:00:05Z", "end": "2026-11-20T10:01:05Z",
             "duration": 65, "billsec": 60, "disposition": "ANSWERED", "direction": "inbound", "cost": "0.0120"},
            {"id": 2, "start": 1763632800, "disposition": "NO ANSWER", "direction": "outbound"},
            {"no": "id"}
        ]
    })))
    .unwrap();
    assert_eq!(batch.request_id, "sb-1");
    let calls = map::map_records(ProviderId(0), "4", batch.records);
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].state, CallState::Completed);
    assert_eq!(calls[0].direction, Direction::Inbound);
    assert_eq!(calls[0].duration_s(0), Some(65));
    assert_eq!(calls[1].state, CallState::NoAnswer);
    assert_eq!(calls[1].started_at_ms, Some(1_763_632_800_000));
    assert!(calls.iter().all(|c| c.account == "4"));
    assert!(wire::decode_records(b"[]").is_err());
    assert!(
        wire::decode_records(br#"{"records":[]}"#).is_err(),
        "no request id"
    );
}

#[test]
fn errors_use_the_provider_message() {
    let body = br#"{"error":{"code":404,"message":"customer 99 not found"}}"#;
    let e = map_http_error(404, None, body, "users of customer 99");
    assert_eq!(
        e,
        ProviderError::NotFound("users of customer 99: customer 99 not found".into())
    );
    let e = map_http_error(401, None, b"garbage", "x");
    assert!(e.is_auth() && e.to_string().contains("api_key"), "{e}");
    assert!(
        matches!(wire::decode_array(body, "users"), Err(ProviderError::Decode(m)) if m.contains("customer 99 not found"))
    );
    assert!(wire::decode_array(b"42", "users").is_err());
    assert_eq!(
        wire::decode_queued(br#"[{"request_id":"pv-1","status":"queued"}]"#)
            .unwrap()
            .as_deref(),
        Some("pv-1")
    );
}

fn run_all(b: &[u8]) {
    let _ = wire::decode_customers(b);
    let _ = wire::decode_users(b);
    let _ = wire::decode_destinations(b);
    let _ = wire::decode_extensions(b);
    let _ = wire::decode_forwards(b);
    let _ = wire::decode_tariffplans(b);
    let _ = wire::decode_whitelists(b);
    let _ = wire::decode_limits(b);
    let _ = wire::decode_queued(b);
    let _ = wire::decode_error_message(b);
    if let Ok(r) = wire::decode_records(b) {
        let _ = map::map_records(ProviderId(0), "1", r.records);
    }
    if let Ok(c) = wire::decode_customers(b) {
        let a = map::map_tree(ProviderId(0), &c, &[]);
        let _ = switchboard::tree::build_tree(&a);
    }
}

const FIELDS: &[&str] = &[
    "id",
    "parent_id",
    "customer_id",
    "user_id",
    "name",
    "active",
    "port",
    "number",
    "direction",
    "destination_id",
    "type",
    "timeout",
    "value",
    "request_id",
    "records",
    "start",
    "error",
    "message",
];

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[ -~]{0,12}".prop_map(Value::from),
    ];
    let key = prop_oneof![
        proptest::sample::select(FIELDS).prop_map(str::to_owned),
        "[a-z_]{1,8}",
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key.clone(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..512)) {
        run_all(&b);
    }

    #[test]
    fn arbitrary_json_never_panics(v in arb_json()) {
        run_all(&serde_json::to_vec(&v).unwrap());
        run_all(&serde_json::to_vec(&Value::Array(vec![v.clone(), v])).unwrap());
    }
}
