//! Cloudonix read side: fixtures (providers.md §1.7 captures plus quirk fixtures) through
//! the decoders and the mapping, error mapping, job layout, a few end-to-end fetches
//! against a local stub server, and property tests that the decoders are total.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use proptest::prelude::*;
use serde_json::{Value, json};

use switchboard::config::ProviderConfig;
use switchboard::model::{
    Account, AccountKind, Call, CallState, Direction, ProviderId, ProviderKind, QueueStat,
};
use switchboard::providers::CloudonixSettings;
use switchboard::providers::cloudonix::{self as cx, CloudonixClient, wire};
use switchboard::providers::{FetchData, JobKey, JobKind, ProviderError};
use switchboard::secret::Secret;

const P: ProviderId = ProviderId(3);
const DOMAIN: &str = "acme.cloudonix.net";

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/cloudonix/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A session fixture (single object) as a one-item list, mapped.
fn one_call(name: &str) -> (Call, bool) {
    let sessions = cx::decode_sessions(&fixture(name)).expect("decodes");
    assert_eq!(sessions.len(), 1, "{name}");
    let s = sessions.into_iter().next().expect("one session");
    cx::map_session(P, DOMAIN, s)
}

fn extra<'a>(fields: &'a switchboard::model::Fields, key: &str) -> Option<&'a str> {
    fields.get(key)
}

fn all_text<T: std::fmt::Debug + ?Sized>(rows: &T) -> String {
    format!("{rows:?}")
}

// ---------------------------------------------------------------------------------------
// Verbatim captures (providers.md §1.7)
// ---------------------------------------------------------------------------------------

#[test]
fn live_capture_is_a_live_setup_call_with_trunk_details() {
    let (call, live) = one_call("session_live_capture.json");
    assert!(live);
    assert_eq!(call.state, CallState::Setup);
    assert_eq!(call.id, "2eac5483c05842e885583d8f81f873dc");
    // E.164 digits on the wire, shown with their `+` (issue 13 item 3).
    assert_eq!(call.from, "+18456402102");
    assert_eq!(call.to, "+97229991390");
    assert_eq!(call.account, DOMAIN);
    assert_eq!(
        call.direction,
        Direction::Inbound,
        "no `direction` field, but the profile names the inbound trunk it came in on"
    );
    assert_eq!(call.started_at_ms, Some(1_659_451_145_018));
    assert_eq!(call.ended_at_ms, None);
    assert_eq!(call.duration_s(1_659_451_145_018 + 61_000), Some(61));
    let x = &call.extra;
    assert_eq!(extra(x, "session id"), Some("2795535"));
    assert_eq!(extra(x, "vapp server"), Some("172.24.40.238"));
    assert_eq!(extra(x, "inbound trunk"), Some("inbound-147.234.16.245"));
    assert_eq!(extra(x, "inbound trunk id"), Some("380"));
    assert_eq!(extra(x, "domain"), Some("bglobal.global"));
    assert_eq!(
        extra(x, "sip call-id"),
        Some("6284916944dd44cf20a1668347eedfe9@sentry.bglobal.global")
    );
    assert_eq!(extra(x, "status"), Some("new"));
    // SIP header maps are not shown.
    assert!(!all_text(x).contains("Njg4NjUxMzIxNTAwMA"));
}

#[test]
fn subscriber_capture_with_uppercase_new_is_setup() {
    let (call, live) = one_call("session_live_subscriber.json");
    assert!(live);
    assert_eq!(call.state, CallState::Setup);
    assert_eq!(call.from, "1004");
    assert_eq!(call.to, "3000");
    assert_eq!(call.started_at_ms, Some(1_768_089_515_449));
    assert_eq!(extra(&call.extra, "outgoing subscriber"), Some("248846"));
    assert_eq!(
        call.direction,
        Direction::Outbound,
        "no `direction` field, but a subscriber placed it"
    );
    assert_eq!(extra(&call.extra, "status"), Some("NEW"));
    assert_eq!(
        extra(&call.extra, "sip call-id"),
        Some("g5ubVWFlrWWIlRLJrKbkQg..")
    );
    assert!(!all_text(&call.extra).contains("ef6bd6c646c465a295553bba25c4d70c"));
}

#[test]
fn cdr_session_is_history_completed_with_duration() {
    let (call, live) = one_call("session_cdr.json");
    assert!(!live, "has callEndTime");
    assert_eq!(call.state, CallState::Completed);
    assert_eq!(call.id, "9812750", "no token: numeric id");
    assert_eq!(call.answered_at_ms, Some(1_716_239_102_610));
    assert_eq!(call.ended_at_ms, Some(1_716_239_134_343));
    assert_eq!(call.duration_s(0), Some(33));
    assert_eq!(extra(&call.extra, "domain"), None, "domain: null");
    assert_eq!(extra(&call.extra, "time limit"), None, "timeLimit 0 = none");
}

#[test]
fn spec_session_example_string_epoch_ringing_outbound() {
    let (call, live) = one_call("session_spec_example.json");
    assert!(live);
    assert_eq!(call.state, CallState::Ringing);
    assert_eq!(call.direction, Direction::Outbound);
    assert_eq!(call.started_at_ms, Some(1_736_780_953_283));
    assert_eq!(call.id, "my-session-token");
    assert_eq!(extra(&call.extra, "domain"), Some("my-domain"));
    assert_eq!(
        extra(&call.extra, "url"),
        Some("https://example.com/my.switch.voice.application.script")
    );
}

#[test]
fn click_to_call_result_reads_as_an_outbound_session() {
    let (call, _) = one_call("click_to_call_result.json");
    assert_eq!(call.direction, Direction::Outbound);
    assert_eq!(call.id, "16a7294c989b11e7b3d32b9edb8660c7");
    assert_eq!(call.to, "+15551234567");
    assert_eq!(extra(&call.extra, "subscriber"), Some("372"));
}

#[test]
fn spec_trunk_example_maps_and_masks_the_password() {
    let trunks = cx::decode_trunks(&fixture("trunk_spec_example.json")).expect("decodes");
    assert!(!format!("{trunks:?}").contains("securepassword"));
    let t = cx::map_trunks(P, DOMAIN, trunks);
    assert_eq!(t.len(), 1);
    let t = &t[0];
    assert_eq!(t.id, "1234");
    assert_eq!(t.name, "my-voice-trunk-name");
    assert_eq!(t.host, "192.168.1.1");
    assert_eq!(t.port, Some(5060));
    assert_eq!(t.prefix, "4444#");
    assert_eq!(extra(&t.extra, "auth user"), Some("rj3456243"));
    assert_eq!(extra(&t.extra, "auth password"), Some("****"));
    assert_eq!(extra(&t.extra, "overwrite from"), Some("no"));
    assert_eq!(extra(&t.extra, "metric"), Some("0"));
    assert!(!format!("{t:?}").contains("securepassword"));
}

#[test]
fn application_capture_decodes() {
    let apps = cx::decode_applications(&fixture("application.json")).expect("decodes");
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0].id.as_deref(), Some("4526"));
    assert_eq!(
        apps[0].name.as_deref(),
        Some("opbx-routing-application-ZUPxy4dr")
    );
    assert_eq!(apps[0].kind.as_deref(), Some("cxml"));
    assert_eq!(apps[0].method.as_deref(), Some("POST"));
}

// ---------------------------------------------------------------------------------------
// Quirk fixtures
// ---------------------------------------------------------------------------------------

fn mixed() -> (Vec<Call>, Vec<Call>) {
    let sessions = cx::decode_sessions(&fixture("sessions_mixed.json")).expect("decodes");
    cx::map_sessions(P, DOMAIN, sessions)
}

fn by_id<'a>(calls: &'a [Call], id: &str) -> &'a Call {
    calls
        .iter()
        .find(|c| c.id == id || extra(&c.extra, "session id") == Some(id))
        .unwrap_or_else(|| {
            panic!(
                "call {id} missing from {:?}",
                calls.iter().map(|c| &c.id).collect::<Vec<_>>()
            )
        })
}

#[test]
fn mixed_sessions_skip_bad_items_and_count_them() {
    let d = cx::decode_list::<wire::Session>(&fixture("sessions_mixed.json")).expect("decodes");
    assert_eq!(d.items.len(), 13);
    assert_eq!(d.skipped, 4, "42, \"garbage\", null and [1,2]");
}

#[test]
fn mixed_sessions_split_live_and_history() {
    let (live, history) = mixed();
    let mut live_ids: Vec<_> = live
        .iter()
        .filter_map(|c| extra(&c.extra, "session id"))
        .collect();
    live_ids.sort();
    assert_eq!(live_ids, ["5001", "5002", "5003", "5008", "5009", "5011"]);
    let mut hist_ids: Vec<_> = history
        .iter()
        .filter_map(|c| extra(&c.extra, "session id"))
        .collect();
    hist_ids.sort();
    assert_eq!(
        hist_ids,
        ["5004", "5005", "5006", "5007", "5010", "5012", "5013"]
    );
    assert!(live.iter().all(|c| c.ended_at_ms.is_none()));
}

#[test]
fn mixed_sessions_states_as_a_user_sees_them() {
    let (live, history) = mixed();
    let all: Vec<Call> = live.into_iter().chain(history).collect();
    let state = |id| by_id(&all, id).state.clone();
    assert_eq!(state("5001"), CallState::Setup, "NEW");
    assert_eq!(state("5002"), CallState::Ringing, "Ringing");
    assert_eq!(state("5003"), CallState::InCall, "connected");
    assert_eq!(state("5004"), CallState::Completed);
    assert_eq!(state("5005"), CallState::Busy, "BUSY");
    assert_eq!(state("5006"), CallState::NoAnswer);
    assert_eq!(
        state("5007"),
        CallState::Completed,
        "connected but ended and answered"
    );
    assert_eq!(state("5008"), CallState::Unknown("parked".into()));
    assert_eq!(state("5009"), CallState::InCall, "external");
    assert_eq!(state("5010"), CallState::Failed, "nocredit");
    assert_eq!(state("5011"), CallState::Setup, "processing");
    assert_eq!(state("5012"), CallState::Cancelled);
    assert_eq!(state("5013"), CallState::Failed, "ERROR");
    assert_eq!(by_id(&all, "5008").state.label(), "parked");
}

#[test]
fn mixed_sessions_directions_are_case_insensitive() {
    let (live, history) = mixed();
    let all: Vec<Call> = live.into_iter().chain(history).collect();
    let dir = |id| by_id(&all, id).direction;
    assert_eq!(dir("5001"), Direction::Inbound, "Inbound");
    assert_eq!(dir("5002"), Direction::Outbound, "outbound-api");
    assert_eq!(dir("5003"), Direction::Internal, "SUBSCRIBER");
    assert_eq!(dir("5004"), Direction::Inbound, "incoming");
    assert_eq!(dir("5005"), Direction::Outbound, "outgoing");
    assert_eq!(dir("5006"), Direction::Outbound, "Outbound");
    assert_eq!(dir("5007"), Direction::Outbound, "application");
    assert_eq!(dir("5008"), Direction::Unknown);
    assert_eq!(dir("5009"), Direction::Internal, "internal");
    assert_eq!(dir("5012"), Direction::Inbound, "Incoming");
    assert_eq!(dir("5011"), Direction::Unknown, "absent");
    assert_eq!(
        extra(&by_id(&all, "5002").extra, "direction"),
        Some("outbound-api"),
        "raw direction kept"
    );
}

#[test]
fn mixed_sessions_epochs_in_every_representation() {
    let (live, history) = mixed();
    let all: Vec<Call> = live.into_iter().chain(history).collect();
    // String epoch.
    assert_eq!(by_id(&all, "5001").started_at_ms, Some(1_768_089_515_449));
    // Float epoch.
    assert_eq!(by_id(&all, "5002").started_at_ms, Some(1_768_089_520_000));
    // String answer time.
    assert_eq!(by_id(&all, "5003").answered_at_ms, Some(1_768_089_405_000));
    // Durations from epochs.
    assert_eq!(by_id(&all, "5004").duration_s(0), Some(100));
    assert_eq!(
        by_id(&all, "5005").duration_s(0),
        Some(4),
        "string end time"
    );
    // Epoch seconds are normalised to ms.
    assert_eq!(by_id(&all, "5011").started_at_ms, Some(1_768_089_500_000));
    // ISO start/end when the epoch fields are absent.
    let iso = by_id(&all, "5012");
    assert_eq!(iso.started_at_ms, Some(1_768_086_000_000));
    assert_eq!(iso.ended_at_ms, Some(1_768_086_007_500));
    assert_eq!(iso.duration_s(0), Some(7));
    // Unparseable / null epochs are absent, not errors.
    let bad = by_id(&all, "5013");
    assert_eq!(bad.started_at_ms, None);
    assert_eq!(bad.ended_at_ms, None);
    // Live call duration counts up to "now".
    assert_eq!(
        by_id(&all, "5003").duration_s(1_768_089_400_000 + 125_000),
        Some(125)
    );
}

#[test]
fn mixed_sessions_extras_are_short_and_safe() {
    let (live, history) = mixed();
    let all: Vec<Call> = live.into_iter().chain(history).collect();
    let c1 = by_id(&all, "5001");
    // The domain object is read, and since it names the domain polled (the row's
    // account) it is not repeated as a detail; polled as another domain, it shows.
    assert_eq!(c1.account, DOMAIN);
    assert_eq!(extra(&c1.extra, "domain"), None, "the row's own domain");
    let sessions = cx::decode_sessions(&fixture("sessions_mixed.json")).expect("decodes");
    let (l, h) = cx::map_sessions(P, "other.cloudonix.net", sessions);
    let other: Vec<Call> = l.into_iter().chain(h).collect();
    assert_eq!(
        extra(&by_id(&other, "5001").extra, "domain"),
        Some("acme.cloudonix.net"),
        "domain object"
    );
    assert_eq!(extra(&c1.extra, "status"), Some("NEW"));
    let c2 = by_id(&all, "5002");
    assert_eq!(extra(&c2.extra, "url"), Some("https://example.com/app.xml"));
    assert_eq!(extra(&c2.extra, "ringing"), Some("yes"));
    let c3 = by_id(&all, "5003");
    assert_eq!(extra(&c3.extra, "inbound trunk"), Some("carrier-a"));
    assert_eq!(extra(&c3.extra, "sip call-id"), Some("abc@10.0.0.1"));
    assert_eq!(
        extra(&by_id(&all, "5010").extra, "error"),
        Some("no credit left")
    );
    assert_eq!(
        extra(&by_id(&all, "5011").extra, "time limit"),
        Some("3600 s")
    );
    assert_eq!(
        extra(&by_id(&all, "5013").extra, "error"),
        None,
        "object error dropped"
    );
    let text = all_text(&all);
    for secret in ["do-not-show", "user:pw", "sig=abc", "futureField"] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
    assert!(
        all.iter()
            .flat_map(|c| &c.extra)
            .all(|(_, v)| v.chars().count() <= 121)
    );
}

#[test]
fn trunks_port_as_string_or_number_and_passwords_never_shown() {
    let d = cx::decode_list::<wire::Trunk>(&fixture("trunks.json")).expect("decodes");
    assert_eq!(d.skipped, 1);
    let trunks = cx::map_trunks(P, DOMAIN, d.items);
    assert_eq!(trunks.len(), 4);
    let ports: Vec<_> = trunks.iter().map(|t| t.port).collect();
    assert_eq!(ports, [Some(5060), Some(5061), None, None]);
    assert_eq!(trunks[1].id, "1235");
    assert_eq!(trunks[1].host, "sip.carrier-b.example");
    assert_eq!(trunks[1].transport, "tls");
    assert_eq!(trunks[1].active, Some(true), "\"true\" as a string");
    assert_eq!(trunks[0].direction, "public-inbound");
    assert_eq!(trunks[2].active, Some(false));
    assert_eq!(extra(&trunks[0].extra, "auth password"), Some("****"));
    assert_eq!(extra(&trunks[1].extra, "auth user"), Some("acme-out"));
    assert_eq!(extra(&trunks[3].extra, "auth password"), None, "no auth");
    let text = format!("{trunks:?}");
    assert!(!text.contains("S3cr3t-Trunk-Pass!"));
    assert!(!text.contains("An0ther-Secret-Value"));
    let json = serde_json::to_string(&trunks).expect("serialises");
    assert!(!json.contains("S3cr3t") && !json.contains("An0ther"));
}

fn numbers() -> Vec<switchboard::model::Number> {
    let dnids = cx::decode_dnids(&fixture("dnids.json")).expect("decodes");
    let apps = cx::decode_applications(&fixture("applications.json")).expect("decodes");
    cx::map_dnids(P, DOMAIN, dnids, &apps)
}

#[test]
fn dnids_show_source_first_and_resolve_application_names() {
    let n = numbers();
    assert_eq!(n.len(), 5, "the bare 7 is skipped");
    let shown: Vec<(&str, &str)> = n
        .iter()
        .map(|n| (n.number.as_str(), n.target.as_str()))
        .collect();
    assert_eq!(
        shown,
        [
            ("+14155550100", "opbx-routing-application-ZUPxy4dr"),
            ("^(123[4-7])", "main-ivr"),
            ("_1NXXNXXXXXX", "app #999"),
            ("+442071234567", "embedded-ivr"),
            ("+33123456789", ""),
        ]
    );
    assert_eq!(n[0].id, "901");
    assert_eq!(n[2].active, Some(false));
    assert_eq!(
        extra(&n[0].extra, "dnid regex"),
        Some("^(\\+?14155550100)$")
    );
    assert_eq!(extra(&n[1].extra, "expression"), Some("yes"));
    assert_eq!(extra(&n[2].extra, "asterisk compatible"), Some("yes"));
    assert_eq!(extra(&n[4].extra, "prefix"), Some("yes"), "\"true\" string");
}

#[test]
fn domains_map_to_accounts_under_the_customer() {
    let d = cx::decode_list::<wire::Domain>(&fixture("domains.json")).expect("decodes");
    assert_eq!(d.skipped, 1);
    let accounts = cx::map_domains(P, Some("acme-corp"), d.items);
    let ids: Vec<_> = accounts.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "acme.cloudonix.net",
            "beta.cloudonix.net",
            "gamma.cloudonix.net"
        ]
    );
    let a = &accounts[0];
    assert_eq!(a.kind, AccountKind::Domain);
    assert_eq!(a.parent.as_deref(), Some("acme-corp"));
    assert_eq!(a.active, Some(true));
    assert_eq!(extra(&a.extra, "id"), Some("1780"));
    assert_eq!(
        extra(&a.extra, "uuid"),
        Some("7d5b6f0a-0000-4000-8000-000000001780")
    );
    assert_eq!(extra(&a.extra, "registration free"), Some("yes"));
    assert_eq!(
        extra(&a.extra, "default application"),
        Some("opbx-routing-application-ZUPxy4dr")
    );
    assert_eq!(extra(&a.extra, "aliases"), Some("pbx.acme.example"));
    assert_eq!(extra(&a.extra, "created"), Some("2024-05-09T12:42:51Z"));
    assert_eq!(accounts[1].active, Some(false));
    let text = all_text(&accounts);
    assert!(!text.contains("DOMKEY"), "domain profile API key leaked");
    assert!(!text.contains("cdr.example.com"));
}

#[test]
fn single_domain_and_customer_decode() {
    let dom = cx::decode_domain(&fixture("domain_single.json")).expect("decodes");
    let a = cx::map_domain(P, None, dom);
    assert_eq!(a.id, "acme.cloudonix.net");
    assert_eq!(a.parent, None);
    assert!(!all_text(&[a]).contains("DOMKEY"));

    let c = cx::decode_customer(&fixture("customer.json")).expect("decodes");
    let acc = cx::map_customer(P, c, "self");
    assert_eq!(acc.id, "acme-corp");
    assert_eq!(acc.kind, AccountKind::Customer);
    assert_eq!(acc.parent, None);
    assert_eq!(extra(&acc.extra, "id"), Some("17"));
    assert_eq!(extra(&acc.extra, "contact"), Some("Ada Ops"));

    // A customer without a name is known by its id, then by the configured name.
    let c = cx::decode_customer(br#"{"id": 99}"#).expect("decodes");
    assert_eq!(cx::map_customer(P, c, "self").id, "99");
    let c = cx::decode_customer(b"{}").expect("decodes");
    assert_eq!(cx::map_customer(P, c, "self").id, "self");
}

fn stat(name: &str) -> QueueStat {
    let r = cx::decode_current_calls(&fixture(name)).expect("decodes");
    let mut s = cx::map_current_calls(P, "acme-corp", r);
    assert_eq!(s.len(), 1);
    s.remove(0)
}

#[test]
fn current_calls_array_uses_the_most_recent_sample() {
    let s = stat("current_calls_array.json");
    assert_eq!(s.name, "acme-corp");
    assert_eq!(s.kind, "concurrency");
    assert_eq!(s.active, Some(5), "2026-01-11, concurrency as a string");
    assert_eq!(s.total, Some(42));
    assert_eq!(s.max_concurrency, Some(9));
    assert_eq!(extra(&s.extra, "date"), Some("2026-01-11"));
}

#[test]
fn current_calls_report_object_is_accepted() {
    let s = stat("current_calls_object.json");
    assert_eq!(s.active, Some(4));
    assert_eq!(s.total, Some(3456));
    assert_eq!(s.max_concurrency, Some(12));
    assert_eq!(extra(&s.extra, "subscribers"), Some("120"));
    assert_eq!(extra(&s.extra, "billing period end"), Some("2026-01-31"));
}

#[test]
fn current_calls_edge_shapes() {
    let empty = cx::map_current_calls(P, "c", cx::decode_current_calls(b"[]").expect("ok"));
    assert_eq!(empty[0].active, None);
    let one = cx::decode_current_calls(br#"{"date":"2026-01-01","concurrency":2,"count":3}"#)
        .expect("ok");
    let one = cx::map_current_calls(P, "c", one);
    assert_eq!((one[0].active, one[0].total), (Some(2), Some(3)));
    let neg = cx::decode_current_calls(br#"{"current-calls": -1}"#).expect("ok");
    assert_eq!(cx::map_current_calls(P, "c", neg)[0].active, None);
}

// ---------------------------------------------------------------------------------------
// Bad bodies and error mapping
// ---------------------------------------------------------------------------------------

#[test]
fn non_json_bodies_are_decode_errors() {
    for body in [
        &b""[..],
        b"<html>502 Bad Gateway</html>",
        b"{\"id\": 1",
        b"\xff\xfe",
    ] {
        assert!(matches!(
            cx::decode_sessions(body),
            Err(ProviderError::Decode(_))
        ));
        assert!(matches!(
            cx::decode_trunks(body),
            Err(ProviderError::Decode(_))
        ));
        assert!(matches!(
            cx::decode_dnids(body),
            Err(ProviderError::Decode(_))
        ));
        assert!(matches!(
            cx::decode_domains(body),
            Err(ProviderError::Decode(_))
        ));
        assert!(matches!(
            cx::decode_customer(body),
            Err(ProviderError::Decode(_))
        ));
        assert!(matches!(
            cx::decode_current_calls(body),
            Err(ProviderError::Decode(_))
        ));
    }
    // JSON, but a scalar where a list belongs: not what was asked for.
    assert_eq!(
        cx::decode_sessions(b"42"),
        Err(ProviderError::Unexpected(
            "expected a list, got a number".into()
        ))
    );
    // An object that is no session (a proxy's wrapper) is not a one-session list.
    assert_eq!(
        cx::decode_sessions(br#"{"data":"aaaa"}"#),
        Err(ProviderError::Unexpected(
            "expected a list, got an object with keys data".into()
        ))
    );
    // An error body delivered with 200.
    let e = cx::decode_sessions(&fixture("error_status_false.json")).expect_err("error body");
    assert!(e.to_string().contains("Too Many Requests"), "{e}");
    // Null and single objects are tolerated.
    assert_eq!(cx::decode_sessions(b"null").expect("ok").len(), 0);
    assert_eq!(cx::decode_sessions(br#"{"id":1}"#).expect("ok").len(), 1);
}

#[test]
fn duplicate_keys_do_not_lose_the_list() {
    let body = br#"[{"id":1,"id":2,"status":"new"},{"id":3,"status":"busy"}]"#;
    let d = cx::decode_list::<wire::Session>(body).expect("decodes");
    assert_eq!(d.items.len(), 2);
}

#[test]
fn http_errors_map_to_operator_messages() {
    let ra = Some(Duration::from_secs(7));
    let body = fixture("error_status_false.json");
    match cx::map_http_error(429, ra, &body, "sessions of acme") {
        ProviderError::RateLimited {
            retry_after,
            message,
        } => {
            assert_eq!(retry_after, ra);
            assert_eq!(message, "Too Many Requests");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        cx::map_http_error(401, None, b"", "customer self"),
        ProviderError::Unauthorized("API key rejected".into())
    );
    assert_eq!(
        cx::map_http_error(401, None, &fixture("error_error_key.json"), "x"),
        ProviderError::Unauthorized("API key rejected (Invalid API key)".into())
    );
    assert_eq!(
        cx::map_http_error(403, None, b"forbidden", "trunks of acme.cloudonix.net"),
        ProviderError::Forbidden("key lacks scope for trunks of acme.cloudonix.net".into())
    );
    assert!(matches!(
        cx::map_http_error(404, None, b"{}", "domain x"),
        ProviderError::NotFound(m) if m == "domain x: Not Found"
    ));
    assert!(matches!(
        cx::map_http_error(400, None, br#"{"status":false,"message":"bad boolean"}"#, "dnids"),
        ProviderError::BadRequest(m) if m.contains("bad boolean")
    ));
    assert_eq!(
        cx::map_http_error(502, None, b"<html>proxy</html>", "x"),
        ProviderError::Server {
            status: 502,
            message: "Bad Gateway".into()
        }
    );
    assert!(matches!(
        cx::map_http_error(418, None, b"", "x"),
        ProviderError::Server { status: 418, .. }
    ));
    // Long provider messages are capped.
    match cx::map_http_error(500, None, &fixture("error_long_message.json"), "x") {
        ProviderError::Server { message, .. } => {
            assert!(message.starts_with("Domain not found: xxx"));
            assert!(message.chars().count() <= 201, "{}", message.len());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn error_messages_never_echo_the_api_key() {
    let key = "XI0123456789ABCDEF0123456789ECHOED";
    let _secret = Secret::new(key);
    let body = format!(r#"{{"status":false,"message":"key {key} is not valid"}}"#);
    for status in [400, 401, 403, 404, 429, 500] {
        let e = cx::map_http_error(status, None, body.as_bytes(), "customer self");
        assert!(!e.to_string().contains(key), "{status}: {e}");
    }
}

// ---------------------------------------------------------------------------------------
// Client construction and jobs
// ---------------------------------------------------------------------------------------

const KEY: &str = "XI00112233445566778899AABBCCDDEEFF";

fn cfg(base: &str) -> ProviderConfig {
    ProviderConfig::new("cx", ProviderKind::Cloudonix, base).with(CloudonixSettings::new(KEY))
}

#[test]
fn new_validates_config_without_echoing_the_key() {
    let mut c = cfg("https://api.cloudonix.io");
    cx(&mut c).api_key = Secret::new("");
    let e = CloudonixClient::new(P, &c).expect_err("no key");
    assert!(e.contains("api_key"), "{e}");
    let mut c = cfg("ftp://api.cloudonix.io");
    cx(&mut c).api_key = Secret::new("XI-very-secret-value-123");
    let e = CloudonixClient::new(P, &c).expect_err("bad scheme");
    assert!(e.contains("http") && !e.contains("XI-very-secret"), "{e}");
    assert!(CloudonixClient::new(P, &cfg("not a url")).is_err());
    assert!(CloudonixClient::new(P, &cfg("https://api.cloudonix.io/")).is_ok());
    let client = CloudonixClient::new(P, &cfg("https://api.cloudonix.io/")).expect("ok");
    assert!(!format!("{client:?}").contains(KEY));
}

fn account(kind: AccountKind, id: &str) -> Account {
    Account {
        provider: P,
        id: id.into(),
        name: id.into(),
        parent: None,
        kind,
        active: Some(true),
        extra: Default::default(),
    }
}

#[test]
fn jobs_cover_each_domain_and_the_customer() {
    let client = CloudonixClient::new(P, &cfg("https://api.cloudonix.io")).expect("ok");
    let d = client.discovery_job();
    assert_eq!(d.key.kind, JobKind::Accounts);
    assert_eq!(d.key.scope, "");
    assert_eq!(d.budget, "customer");
    assert_eq!(d.cost, 2);
    assert_eq!(d.interval, Duration::from_secs(60));

    let mut other = account(AccountKind::Domain, "other-provider.example");
    other.provider = ProviderId(9);
    let accounts = [
        account(AccountKind::Customer, "acme-corp"),
        account(AccountKind::Domain, "a.cloudonix.net"),
        account(AccountKind::Domain, "b.cloudonix.net"),
        account(AccountKind::Domain, "b.cloudonix.net"),
        other,
    ];
    let jobs = client.jobs(&accounts);
    let summary: Vec<(JobKind, &str, &str, u32, u64)> = jobs
        .iter()
        .map(|j| {
            (
                j.key.kind,
                j.key.scope.as_str(),
                j.budget.as_str(),
                j.cost,
                j.interval.as_secs(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (JobKind::Calls, "a.cloudonix.net", "a.cloudonix.net", 1, 3),
            (JobKind::Trunks, "a.cloudonix.net", "a.cloudonix.net", 1, 30),
            (
                JobKind::Numbers,
                "a.cloudonix.net",
                "a.cloudonix.net",
                2,
                60
            ),
            (
                JobKind::AccountInfo,
                "a.cloudonix.net",
                "a.cloudonix.net",
                1,
                60
            ),
            (JobKind::Calls, "b.cloudonix.net", "b.cloudonix.net", 1, 3),
            (JobKind::Trunks, "b.cloudonix.net", "b.cloudonix.net", 1, 30),
            (
                JobKind::Numbers,
                "b.cloudonix.net",
                "b.cloudonix.net",
                2,
                60
            ),
            (
                JobKind::AccountInfo,
                "b.cloudonix.net",
                "b.cloudonix.net",
                1,
                60
            ),
            (JobKind::Stats, "", "customer", 1, 10),
        ]
    );

    // Allow-list: `a` matches a.cloudonix.net; no customer → no stats job.
    let mut c = cfg("https://api.cloudonix.io");
    cx(&mut c).domains = vec!["a".into()];
    let client = CloudonixClient::new(P, &c).expect("ok");
    let jobs = client.jobs(&accounts[1..]);
    assert_eq!(jobs.len(), 4);
    assert!(jobs.iter().all(|j| j.key.scope == "a.cloudonix.net"));
}

// ---------------------------------------------------------------------------------------
// End to end against a local stub
// ---------------------------------------------------------------------------------------

mod stub {
    use super::*;
    use axum::Router;
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode, Uri};
    use axum::response::{IntoResponse, Response};

    pub const DOMAIN_KEY: &str = "XIDOMAINSCOPED0000000000000000000";

    #[derive(Default)]
    pub struct Seen {
        pub requests: Mutex<Vec<(String, String)>>,
    }

    fn json_body(name: &str) -> Response {
        (
            StatusCode::OK,
            [("content-type", "application/json")],
            fixture(name),
        )
            .into_response()
    }

    fn err(status: StatusCode, msg: &str) -> Response {
        (
            status,
            [("content-type", "application/json")],
            format!(r#"{{"status":false,"message":"{msg}"}}"#),
        )
            .into_response()
    }

    async fn handle(State(seen): State<Arc<Seen>>, uri: Uri, headers: HeaderMap) -> Response {
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let path = uri.path().to_owned();
        seen.requests
            .lock()
            .expect("lock")
            .push((path.clone(), auth.clone()));
        let domain_scoped = auth == format!("Bearer {DOMAIN_KEY}");
        if auth != format!("Bearer {KEY}") && !domain_scoped {
            return err(StatusCode::UNAUTHORIZED, "Unauthorized");
        }
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match parts.as_slice() {
            ["customers", "self"] if domain_scoped => err(StatusCode::FORBIDDEN, "Forbidden"),
            ["customers", "self"] => json_body("customer.json"),
            ["customers", "self", "domains"] => json_body("domains.json"),
            ["customers", "self", "domains", "acme.cloudonix.net"] => {
                json_body("domain_single.json")
            }
            ["customers", "self", "domains", _] => err(StatusCode::NOT_FOUND, "No such domain"),
            [
                "customers",
                "self",
                "domains",
                "limited.cloudonix.net",
                "trunks",
            ] => (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", "7")],
                r#"{"status":false,"message":"Too Many Requests"}"#,
            )
                .into_response(),
            [
                "customers",
                "self",
                "domains",
                "big.cloudonix.net",
                "sessions",
            ] => {
                let one = String::from_utf8(fixture("session_live_subscriber.json")).expect("utf8");
                let body = format!("[{}]", vec![one.trim(); 2000].join(","));
                (StatusCode::OK, body).into_response()
            }
            ["customers", "self", "domains", _, "sessions"] => json_body("sessions_mixed.json"),
            ["customers", "self", "domains", _, "trunks"] => json_body("trunks.json"),
            ["customers", "self", "domains", _, "dnids"] => json_body("dnids.json"),
            ["customers", "self", "domains", _, "applications"] => json_body("applications.json"),
            ["customers", "self", "reports", "current-calls"] => {
                json_body("current_calls_array.json")
            }
            _ => err(StatusCode::NOT_FOUND, "Not Found"),
        }
    }

    pub async fn start() -> (String, Arc<Seen>) {
        let seen = Arc::new(Seen::default());
        let app = Router::new().fallback(handle).with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (format!("http://{addr}/"), seen)
    }
}

fn key(kind: JobKind, scope: &str) -> JobKey {
    JobKey {
        kind,
        scope: scope.into(),
    }
}

#[tokio::test]
async fn fetches_every_job_kind_from_the_stub() {
    let (base, seen) = stub::start().await;
    let client = CloudonixClient::new(P, &cfg(&base)).expect("client");

    let FetchData::Accounts(accounts) = client
        .fetch(&key(JobKind::Accounts, ""))
        .await
        .expect("accounts")
    else {
        panic!("not accounts")
    };
    assert_eq!(accounts[0].kind, AccountKind::Customer);
    assert_eq!(accounts[0].id, "acme-corp");
    assert_eq!(accounts.len(), 4);
    assert!(
        accounts[1..]
            .iter()
            .all(|a| a.parent.as_deref() == Some("acme-corp"))
    );
    assert_eq!(seen.requests.lock().expect("lock").len(), 2, "cost 2");

    let jobs = client.jobs(&accounts);
    assert_eq!(jobs.len(), 3 * 4 + 1);

    let FetchData::Calls { live, history } = client
        .fetch(&key(JobKind::Calls, DOMAIN))
        .await
        .expect("calls")
    else {
        panic!("not calls")
    };
    assert_eq!((live.len(), history.len()), (6, 7));

    let FetchData::Trunks(trunks) = client
        .fetch(&key(JobKind::Trunks, DOMAIN))
        .await
        .expect("trunks")
    else {
        panic!("not trunks")
    };
    assert_eq!(trunks.len(), 4);

    let FetchData::Numbers(numbers) = client
        .fetch(&key(JobKind::Numbers, DOMAIN))
        .await
        .expect("numbers")
    else {
        panic!("not numbers")
    };
    assert_eq!(numbers[1].target, "main-ivr");

    let FetchData::Queues(q) = client.fetch(&key(JobKind::Stats, "")).await.expect("stats") else {
        panic!("not queues")
    };
    assert_eq!(q[0].name, "acme-corp");
    assert_eq!(q[0].active, Some(5));

    let requests = seen.requests.lock().expect("lock").clone();
    let paths: Vec<&str> = requests.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(requests.len(), 2 + 1 + 1 + 2 + 1);
    assert!(paths.contains(&"/customers/self/domains/acme.cloudonix.net/sessions"));
    assert!(paths.contains(&"/customers/self/reports/current-calls"));
    assert!(requests.iter().all(|(_, a)| a == &format!("Bearer {KEY}")));
}

#[tokio::test]
async fn large_session_lists_decode_off_the_async_workers() {
    let (base, _) = stub::start().await;
    let client = CloudonixClient::new(P, &cfg(&base)).expect("client");
    let FetchData::Calls { live, history } = client
        .fetch(&key(JobKind::Calls, "big.cloudonix.net"))
        .await
        .expect("calls")
    else {
        panic!("not calls")
    };
    assert_eq!((live.len(), history.len()), (2000, 0));
    assert!(live.iter().all(|c| c.account == "big.cloudonix.net"));
}

#[tokio::test]
async fn domain_scoped_key_falls_back_to_configured_domains() {
    let (base, seen) = stub::start().await;
    let mut c = cfg(&base);
    cx(&mut c).api_key = Secret::new(stub::DOMAIN_KEY);
    cx(&mut c).domains = vec!["acme.cloudonix.net".into(), "missing.cloudonix.net".into()];
    let client = CloudonixClient::new(P, &c).expect("client");
    let FetchData::Accounts(accounts) = client
        .fetch(&key(JobKind::Accounts, ""))
        .await
        .expect("accounts")
    else {
        panic!("not accounts")
    };
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].id, "acme.cloudonix.net");
    assert_eq!(accounts[0].parent, None);
    // 403 on the customer + one GET per configured domain.
    assert_eq!(seen.requests.lock().expect("lock").len(), 3);
    // The next discovery skips the customer request.
    client
        .fetch(&key(JobKind::Accounts, ""))
        .await
        .expect("accounts");
    assert_eq!(seen.requests.lock().expect("lock").len(), 5);
    // No customer account → no stats job.
    assert!(
        client
            .jobs(&accounts)
            .iter()
            .all(|j| j.key.kind != JobKind::Stats)
    );
}

#[tokio::test]
async fn rate_limit_and_auth_errors_from_the_stub() {
    let (base, _) = stub::start().await;
    let client = CloudonixClient::new(P, &cfg(&base)).expect("client");
    let e = client
        .fetch(&key(JobKind::Trunks, "limited.cloudonix.net"))
        .await
        .expect_err("429");
    assert_eq!(
        e,
        ProviderError::RateLimited {
            retry_after: Some(Duration::from_secs(7)),
            message: "Too Many Requests".into()
        }
    );
    let mut c = cfg(&base);
    cx(&mut c).api_key = Secret::new("XIWRONGKEY000000000000000000000000");
    let bad = CloudonixClient::new(P, &c).expect("client");
    let e = bad
        .fetch(&key(JobKind::Accounts, ""))
        .await
        .expect_err("401");
    assert!(e.is_auth());
    assert!(!e.to_string().contains("XIWRONGKEY"));
    let e = client
        .fetch(&key(JobKind::Calls, ""))
        .await
        .expect_err("no scope");
    assert!(matches!(e, ProviderError::Refused(_)));
}

#[tokio::test]
async fn connection_refused_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let client = CloudonixClient::new(P, &cfg(&format!("http://{addr}"))).expect("client");
    let e = client
        .fetch(&key(JobKind::Calls, DOMAIN))
        .await
        .expect_err("refused");
    assert!(matches!(e, ProviderError::Connect(_)), "{e:?}");
    assert!(!e.to_string().contains(KEY));
}

// ---------------------------------------------------------------------------------------
// Property tests
// ---------------------------------------------------------------------------------------

const FIELDS: &[&str] = &[
    "id",
    "domainId",
    "domain",
    "token",
    "status",
    "direction",
    "callerId",
    "destination",
    "callStartTime",
    "callAnswerTime",
    "callEndTime",
    "startTime",
    "endTime",
    "profile",
    "authentication",
    "password",
    "port",
    "ip",
    "name",
    "applicationId",
    "source",
    "dnid",
    "aliases",
    "application",
    "callIds",
    "callId",
    "concurrency",
    "count",
    "date",
    "current-calls",
    "message",
    "timeLimit",
    "ringing",
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
        "[0-9]{1,14}(\\.[0-9]{1,3})?".prop_map(Value::from),
    ];
    let key = prop_oneof![
        proptest::sample::select(FIELDS).prop_map(str::to_owned),
        "[a-zA-Z-]{1,8}",
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key.clone(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Runs every decoder (and the mapping when decoding succeeds).
fn run_all(bytes: &[u8]) {
    if let Ok(s) = cx::decode_sessions(bytes) {
        let _ = cx::map_sessions(P, DOMAIN, s);
    }
    if let Ok(t) = cx::decode_trunks(bytes) {
        for t in cx::map_trunks(P, DOMAIN, t) {
            assert!(!format!("{t:?}").contains("SECRETPW"));
        }
    }
    let apps = cx::decode_applications(bytes).unwrap_or_default();
    if let Ok(d) = cx::decode_dnids(bytes) {
        let _ = cx::map_dnids(P, DOMAIN, d, &apps);
    }
    if let Ok(d) = cx::decode_domains(bytes) {
        let _ = cx::map_domains(P, Some("c"), d);
    }
    if let Ok(d) = cx::decode_domain(bytes) {
        let _ = cx::map_domain(P, None, d);
    }
    if let Ok(c) = cx::decode_customer(bytes) {
        let _ = cx::map_customer(P, c, "self");
    }
    if let Ok(r) = cx::decode_current_calls(bytes) {
        let _ = cx::map_current_calls(P, "c", r);
    }
    let _ = cx::decode_error_message(bytes);
    let _ = cx::map_http_error(500, None, bytes, "x");
}

/// How an epoch is written on the wire.
#[derive(Debug, Clone, Copy)]
enum EpochRepr {
    Int,
    Float,
    Text,
    FloatText,
    Seconds,
    SecondsText,
    Iso,
}

fn write_epoch(ms: i64, repr: EpochRepr) -> Value {
    match repr {
        EpochRepr::Int => json!(ms),
        EpochRepr::Float => json!(ms as f64),
        EpochRepr::Text => json!(ms.to_string()),
        EpochRepr::FloatText => json!(format!("{ms}.0")),
        EpochRepr::Seconds => json!(ms / 1000),
        EpochRepr::SecondsText => json!(format!(" {} ", ms / 1000)),
        EpochRepr::Iso => json!(
            jiff::Timestamp::from_millisecond(ms)
                .expect("in range")
                .to_string()
        ),
    }
}

fn is_second_precision(repr: EpochRepr) -> bool {
    matches!(repr, EpochRepr::Seconds | EpochRepr::SecondsText)
}

fn arb_repr() -> impl Strategy<Value = EpochRepr> {
    proptest::sample::select(vec![
        EpochRepr::Int,
        EpochRepr::Float,
        EpochRepr::Text,
        EpochRepr::FloatText,
        EpochRepr::Seconds,
        EpochRepr::SecondsText,
        EpochRepr::Iso,
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        run_all(&bytes);
    }

    #[test]
    fn arbitrary_json_never_panics(v in arb_json()) {
        let one = serde_json::to_vec(&v).expect("serialises");
        run_all(&one);
        let list = serde_json::to_vec(&Value::Array(vec![v.clone(), v])).expect("serialises");
        run_all(&list);
    }

    #[test]
    fn arbitrary_objects_are_kept_not_failed(fields in proptest::collection::vec(
        (proptest::sample::select(FIELDS), arb_json()), 0..10)
    ) {
        let obj = Value::Object(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
        let body = serde_json::to_vec(&Value::Array(vec![obj.clone(), json!(1), obj])).expect("ser");
        let d = cx::decode_list::<wire::Session>(&body).expect("list of objects decodes");
        prop_assert_eq!(d.items.len(), 2);
        prop_assert_eq!(d.skipped, 1);
        let t = cx::decode_list::<wire::Trunk>(&body).expect("decodes");
        prop_assert_eq!(t.items.len(), 2);
        let n = cx::decode_list::<wire::Dnid>(&body).expect("decodes");
        prop_assert_eq!(n.items.len(), 2);
    }

    #[test]
    fn epoch_representations_map_consistently(
        start in 1_000_000_000_000i64..4_000_000_000_000,
        answer_after in 0i64..120_000,
        talk in 0i64..7_200_000,
        r1 in arb_repr(), r2 in arb_repr(), r3 in arb_repr(),
        ended in any::<bool>(),
        status in proptest::sample::select(vec!["new", "NEW", "Ringing", "connected", "ANSWER", "external"]),
    ) {
        let answer = start + answer_after;
        let end = answer + talk;
        let mut s = json!({
            "id": 1, "token": "t", "status": status,
            "callStartTime": write_epoch(start, r1),
            "callAnswerTime": write_epoch(answer, r2),
        });
        if ended {
            s["callEndTime"] = write_epoch(end, r3);
        }
        let body = serde_json::to_vec(&json!([s])).expect("ser");
        let sessions = cx::decode_sessions(&body).expect("decodes");
        let (live, history) = cx::map_sessions(P, DOMAIN, sessions);
        prop_assert_eq!(live.len() + history.len(), 1);
        prop_assert_eq!(live.len(), usize::from(!ended));
        let call = live.first().or(history.first()).expect("one call");
        let expect = |ms: i64, r| if is_second_precision(r) { ms / 1000 * 1000 } else { ms };
        prop_assert_eq!(call.started_at_ms, Some(expect(start, r1)));
        prop_assert_eq!(call.answered_at_ms, Some(expect(answer, r2)));
        if ended {
            prop_assert_eq!(call.ended_at_ms, Some(expect(end, r3)));
            prop_assert_eq!(&call.state, &CallState::Completed);
            let d = call.duration_s(0).expect("duration");
            prop_assert!((d - (end - start) / 1000).abs() <= 1);
        } else {
            prop_assert!(call.state.is_live());
            prop_assert_eq!(call.duration_s(expect(start, r1) + 5_000), Some(5));
        }
    }
}

#[test]
fn error_body_with_success_status_is_not_an_empty_object() {
    let e = cx::decode_customer(&fixture("error_status_false.json")).expect_err("error body");
    assert!(matches!(e, ProviderError::Decode(m) if m.contains("Too Many Requests")));
}

/// The Cloudonix settings of `c`, to change.
fn cx(c: &mut ProviderConfig) -> &mut CloudonixSettings {
    c.kind_settings_mut().expect("a Cloudonix config")
}

/// Epoch ms of the first ended session of [`sessions_body`].
const T0: i64 = 1_700_000_000_000;

/// A sessions body of `live` live and `ended` ended sessions (ended `i` at `T0 + i` s).
fn sessions_body(live: usize, ended: usize) -> Vec<u8> {
    let mut items = Vec::new();
    for i in 0..live {
        items.push(json!({"token": format!("live-{i}"), "status": "answer",
            "callStartTime": 1_700_000_000_000i64, "callerId": "+15550100"}));
    }
    for i in 0..ended {
        items.push(json!({"token": format!("end-{i}"), "status": "completed",
            "callStartTime": T0 - 60_000, "callEndTime": T0 + i as i64 * 1000}));
    }
    serde_json::to_vec(&items).expect("json")
}

#[test]
fn a_capped_poll_keeps_every_live_call_and_only_the_newest_ended_ones() {
    let body = sessions_body(30, 500);
    let mut sink = cx::SessionSink::new(P, DOMAIN, Some(100));
    assert_eq!(cx::decode_each(&body, &mut sink).expect("decodes"), 0);
    let (live, history) = sink.finish();
    assert_eq!(live.len(), 30, "live calls are never cut");
    assert_eq!(history.len(), 100);
    let oldest_kept = history.iter().filter_map(|c| c.ended_at_ms).min();
    assert_eq!(
        oldest_kept,
        Some(T0 + 400_000),
        "the 100 newest of 500 ended calls"
    );

    // Without a cap (a collector storing history) every ended call comes through.
    let mut all = cx::SessionSink::new(P, DOMAIN, None);
    cx::decode_each(&body, &mut all).expect("decodes");
    assert_eq!(all.finish().1.len(), 500);
}

#[test]
fn a_list_the_fast_path_gives_up_on_is_not_handed_over_twice() {
    // The second item repeats a key: the streaming path stops there, the tree path
    // hands the whole list again; the sink must not keep the first pass.
    let body = br#"[{"token":"a","status":"completed","callEndTime":5000},
                    {"token":"b","token":"b2","status":"completed","callEndTime":6000},
                    {"token":"c","status":"answer"}]"#;
    let mut sink = cx::SessionSink::new(P, DOMAIN, None);
    cx::decode_each(body, &mut sink).expect("decodes");
    let (live, history) = sink.finish();
    let ids: Vec<&str> = live.iter().chain(&history).map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert!(ids.contains(&"a") && ids.contains(&"c"), "{ids:?}");
}
