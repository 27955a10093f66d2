//! IOVOX decoders over fixtures in both formats (tests/fixtures/iovox): many results,
//! one result collapsed to an object, empty `{}` fields and results, multi-error bodies,
//! malformed XML; plus a property test that no input makes them panic.

use proptest::prelude::*;
use switchboard::model::{CallState, ProviderId};
use switchboard::providers::ProviderError;
use switchboard::providers::iovox::{map, map_http_error, tree, wire};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/iovox/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn many_voxnumbers_read_the_same_in_json_and_xml() {
    let json = wire::decode_voxnumbers(&fixture("voxnumbers-many.json")).unwrap();
    let xml = wire::decode_voxnumbers(&fixture("voxnumbers-many.xml")).unwrap();
    assert_eq!(json, xml);
    assert_eq!(json.len(), 2);
    assert_eq!(json[0].voxnumber, "442012344321");
    assert_eq!(json[0].link_id, "link123");
    assert_eq!(json[0].call_status, "ON");
    // `{}` (JSON) and `<link_id/>` (XML) are both "no value".
    assert_eq!(json[1].link_id, "");
    assert_eq!(json[1].city, "");

    let numbers = map::map_numbers(ProviderId(0), "root", json);
    assert_eq!(numbers[0].number, "+442012344321");
    assert_eq!(numbers[0].active, Some(true));
    assert_eq!(numbers[0].target, "Web / Spring promo");
    assert_eq!(numbers[0].account, "link123");
    assert_eq!(numbers[1].active, Some(false));
    assert_eq!(
        numbers[1].account, "root",
        "an unassigned number belongs to the root"
    );
    assert!(
        numbers[1]
            .extra
            .iter()
            .any(|(k, v)| k == "call status" && v == "off")
    );
}

#[test]
fn a_single_result_collapsed_to_an_object_is_one_row() {
    let json = wire::decode_call_data(&fixture("calldata-one.json")).unwrap();
    let xml = wire::decode_call_data(&fixture("calldata-one.xml")).unwrap();
    assert_eq!(json, xml);
    assert_eq!(json.len(), 1);
    let c = &json[0];
    assert_eq!(c.call_time_sec, Some(125));
    assert_eq!(c.talk_time_sec, Some(110));
    // The nested group collapses the same way.
    assert_eq!(c.categories.len(), 1);
    assert_eq!(c.categories[0].label, "Lead");

    let call = map::map_call(ProviderId(0), "root", c.clone());
    assert_eq!(call.state, CallState::Completed);
    assert_eq!(call.to, "+442012344321");
    let start = call.started_at_ms.unwrap();
    assert_eq!(call.ended_at_ms, Some(start + 125_000));
    assert_eq!(call.answered_at_ms, Some(start + 15_000));
    assert!(
        call.extra
            .iter()
            .any(|(k, v)| k == "category Lead" && v == "Yes")
    );
}

#[test]
fn empty_results_are_an_empty_list() {
    for f in ["empty.json", "empty.xml"] {
        let page = wire::decode_page(&fixture(f)).unwrap();
        assert!(page.results.is_empty(), "{f}");
        assert_eq!(page.total_results, Some(0));
        assert_eq!(wire::decode_voxnumbers(&fixture(f)).unwrap(), vec![]);
    }
}

#[test]
fn numbers_may_be_strings_or_numbers() {
    let m = wire::decode_metrics(&fixture("metrics.json")).unwrap();
    assert_eq!(m[0].total_calls, Some(8));
    assert_eq!(
        m[2].total_calls,
        Some(5),
        "a JSON number reads like a string"
    );
    let stats = map::map_metrics(ProviderId(0), "root", "last 7 days", m);
    let day = stats
        .iter()
        .find(|s| s.kind == "by day" && s.name == "2026-11-20")
        .unwrap();
    assert_eq!(day.total, Some(10));
    assert_eq!(day.answered, Some(8));
    assert_eq!(day.abandoned, Some(2));
    assert_eq!(day.avg_call_s, Some(164));
    assert_eq!(day.avg_talk_s, Some(150));
    assert_eq!(day.period, "2026-11-20");
    let answered = stats
        .iter()
        .find(|s| s.kind == "by result" && s.name == "ANSWERED")
        .unwrap();
    assert_eq!(answered.total, Some(13));
    assert_eq!(answered.period, "last 7 days");
    // A breakdown row is not graded by the abandon thresholds.
    assert_eq!(
        switchboard::stats::abandon_rate(answered),
        None,
        "by-result rows carry no answered/abandoned split"
    );
    // Newest day first, with the per-day series oldest first.
    assert_eq!(stats[0].name, "2026-11-21");
    assert_eq!(stats[0].series, vec![10, 5]);
}

#[test]
fn error_bodies_show_every_status_and_text() {
    let many = wire::decode_errors(&fixture("errors-many.xml")).unwrap();
    assert_eq!(many.len(), 2);
    assert_eq!(
        wire::format_errors(&many),
        "400 Username Empty; 400 Secure Key Empty"
    );
    let e = map_http_error(400, &fixture("errors-many.xml"), "nodes");
    assert_eq!(
        e,
        ProviderError::BadRequest("nodes: 400 Username Empty; 400 Secure Key Empty".into())
    );
    let one = map_http_error(401, &fixture("errors-one.xml"), "nodes");
    assert!(one.is_auth());
    assert!(
        one.to_string().contains("401 HTTP 401: Unauthorized"),
        "{one}"
    );
    let json = wire::decode_errors(&fixture("errors-many.json")).unwrap();
    assert_eq!(
        wire::format_errors(&json),
        "400 API Version Empty; 400 Method Empty"
    );
    // An errors document where a page was expected is an error, not an empty list.
    let e = wire::decode_page(&fixture("errors-many.xml")).unwrap_err();
    assert!(e.contains("Secure Key Empty"), "{e}");
    // A body that is not an error document falls back to the status text.
    let e = map_http_error(502, b"<html>bad gateway</html>", "numbers");
    assert_eq!(
        e.to_string(),
        "502 provider error: numbers: 502 Bad Gateway"
    );
}

#[test]
fn malformed_bodies_are_errors() {
    let e = wire::decode_page(&fixture("malformed.xml")).unwrap_err();
    assert!(e.starts_with("malformed XML"), "{e}");
    for bad in [
        &b"{\"response\":"[..],
        b"<response><results>",
        b"",
        b"null",
        b"[1,2]",
        b"<errors><error status=\"400\">x</errors>",
    ] {
        assert!(
            wire::decode_page(bad).is_err(),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
    // Deep nesting is refused, not a stack overflow.
    let deep = format!("{}{}", "<a>".repeat(10_000), "</a>".repeat(10_000));
    assert!(tree::parse_xml(deep.as_bytes()).is_err());
}

/// Arbitrary JSON values (as text), bounded in depth and size.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        "[a-z0-9 ]{0,8}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("response".to_string()),
                        Just("results".to_string()),
                        Just("result".to_string()),
                        Just("errors".to_string()),
                        Just("error".to_string()),
                        Just("total_pages".to_string()),
                        Just("voxnumber".to_string()),
                        Just("categories".to_string()),
                        Just("category".to_string()),
                        "[a-z_]{1,6}",
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// XML-ish text built from the envelope's tag names, attributes, entities and junk.
fn xmlish() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("<response>".to_string()),
            Just("</response>".to_string()),
            Just("<results>".to_string()),
            Just("</results>".to_string()),
            Just("<result>".to_string()),
            Just("</result>".to_string()),
            Just("<errors>".to_string()),
            Just("<error status=\"400\">".to_string()),
            Just("</error>".to_string()),
            Just("<total_pages>".to_string()),
            Just("</total_pages>".to_string()),
            Just("<x/>".to_string()),
            Just("&amp;".to_string()),
            Just("&#xFFFFFF;".to_string()),
            Just("<![CDATA[".to_string()),
            Just("]]>".to_string()),
            Just("<?xml version=\"1.0\"?>".to_string()),
            Just("<!-- c -->".to_string()),
            "[ -~]{0,6}",
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn decoders_never_panic_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = tree::parse(&bytes);
        let _ = tree::parse_xml(&bytes);
        let _ = wire::decode_page(&bytes);
        let _ = wire::decode_errors(&bytes);
        let _ = map_http_error(400, &bytes, "x");
    }

    #[test]
    fn decoders_never_panic_on_json(v in json_value()) {
        let text = serde_json::to_vec(&v).unwrap();
        let _ = wire::decode_voxnumbers(&text);
        let _ = wire::decode_call_data(&text).map(|c| map::map_calls(ProviderId(0), "r", c));
        let _ = wire::decode_metrics(&text)
            .map(|m| map::map_metrics(ProviderId(0), "r", "p", m));
        let _ = wire::decode_errors(&text);
        prop_assert!(tree::parse_json(&text).is_ok());
    }

    #[test]
    fn decoders_never_panic_on_xml(text in xmlish()) {
        let b = text.as_bytes();
        let _ = wire::decode_voxnumbers(b);
        let _ = wire::decode_call_data(b).map(|c| map::map_calls(ProviderId(0), "r", c));
        let _ = wire::decode_links(b);
        let _ = wire::decode_nodes(b);
        let _ = wire::decode_errors(b);
    }
}
