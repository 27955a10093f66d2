use super::*;

fn pairs(f: &Fields) -> Vec<(String, String)> {
    f.iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

#[test]
fn many_keys_and_values_come_back_in_order() {
    let long = "x".repeat(5000);
    let mid = "é".repeat(40); // 80 bytes: a two-digit length
    let want: Vec<(String, String)> = vec![
        ("status".into(), "new".into()),
        ("empty".into(), String::new()),
        ("long".into(), long.clone()),
        ("név ☎".into(), mid.clone()),
        ("".into(), "empty key".into()),
        ("sip call-id".into(), "abc@10.0.0.1".into()),
        ("status".into(), "again".into()),
        ("k".repeat(65), "an owned key too long for the table".into()),
    ];
    let mut b = Fields::builder();
    b.push("status", "new")
        .push("empty", "")
        .push("long", &long)
        .push(String::from("név ☎"), &mid)
        .push("", "empty key")
        .push("sip call-id", "abc@10.0.0.1")
        .push("status", "again")
        .push("k".repeat(65), "an owned key too long for the table");
    let f = b.finish();
    assert_eq!(pairs(&f), want);
    assert_eq!(f.len(), 8);
    assert!(!f.is_empty());
    assert_eq!(f.get("long"), Some(long.as_str()));
    assert_eq!(f.get("név ☎"), Some(mid.as_str()));
    assert_eq!(f.get("empty"), Some(""));
    assert_eq!(f.get("status"), Some("new"), "the first of a name");
    assert_eq!(f.get("missing"), None);
    assert_eq!(f.get("statu"), None);
}

#[test]
fn a_key_is_equal_however_it_is_stored() {
    let inline = Fields("\u{7f}\u{6}status\u{2}ok".into());
    let slotted: Fields = [("status", "ok")].into_iter().collect();
    assert_eq!(inline.get("status"), Some("ok"));
    assert_ne!(inline.heap_bytes(), slotted.heap_bytes());
    assert_eq!(inline, slotted);
}

#[test]
fn empty_fields_allocate_nothing() {
    let f = Fields::new();
    assert!(f.is_empty());
    assert_eq!(f.len(), 0);
    assert_eq!(f.heap_bytes(), 0);
    assert_eq!(Fields::builder().finish(), f);
    assert_eq!(format!("{f:?}"), "{}");
}

#[test]
fn a_corrupt_or_short_buffer_yields_fewer_fields() {
    let good: Fields = [("status", "new"), ("domain", "acme")]
        .into_iter()
        .collect();
    let bytes = good.0.to_string();
    // Every prefix reads without a panic, never more fields than it holds.
    for end in 0..=bytes.len() {
        let cut = Fields(bytes[..end].into());
        assert!(cut.len() <= 2);
        let _ = cut.get("domain");
    }
    for bad in [
        "\u{7f}",            // an inline key with no length
        "\u{7f}\u{5}ab",     // an inline key shorter than its length
        "\u{7e}\u{0}",       // a slot nobody took (probably)
        "\u{7f}\u{1}é\u{0}", // a length that cuts a character
        "é",                 // not a structural byte
        "\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}", // endless length
    ] {
        let f = Fields(bad.into());
        assert!(f.len() <= 1, "{bad:?}");
        assert_eq!(f.get("x"), None);
    }
    let mut tail = bytes.clone();
    tail.push_str("\u{7f}\u{9}x");
    let f = Fields(tail.into());
    assert_eq!(pairs(&f), pairs(&good), "a corrupt tail drops only itself");
}

#[test]
fn serde_is_an_object_in_insertion_order() {
    let f: Fields = [("zeta", "1"), ("alpha", ""), ("mid \"q\"", "ü")]
        .into_iter()
        .collect();
    let json = serde_json::to_string(&f).expect("serialises");
    assert_eq!(json, r#"{"zeta":"1","alpha":"","mid \"q\"":"ü"}"#);
    let back: Fields = serde_json::from_str(&json).expect("reads back");
    assert_eq!(back, f);
    assert_eq!(pairs(&back), pairs(&f));
    assert_eq!(
        format!("{f:?}"),
        r#"{"zeta": "1", "alpha": "", "mid \"q\"": "ü"}"#
    );
    assert!(serde_json::from_str::<Fields>(r#"["a"]"#).is_err());
}

#[test]
fn merge_replaces_by_name_and_appends_new_ones() {
    let mut f: Fields = [("a", "1"), ("b", "2")].into_iter().collect();
    f.merge([("b", "20"), ("c", "3"), ("c", "30"), ("d", "4")]);
    assert_eq!(
        pairs(&f),
        [("a", "1"), ("b", "20"), ("c", "30"), ("d", "4")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    let old: Fields = [("x", "9"), ("a", "old")].into_iter().collect();
    f.extend_missing(&old);
    assert_eq!(f.get("a"), Some("1"), "kept");
    assert_eq!(pairs(&f).last(), Some(&("x".to_owned(), "9".to_owned())));
    let mut b = f.clone().into_builder();
    b.push("e", "5");
    let g = b.finish();
    assert_eq!(g.len(), f.len() + 1);
    assert_eq!(g.get("e"), Some("5"));
}

#[test]
fn nine_short_fields_are_one_exact_buffer() {
    let f: Fields = [
        ("status", "new"),
        ("direction", "inbound"),
        ("session id", "2795535"),
        ("domain id", "17"),
        ("subscriber", "372"),
        ("vapp server", "172.24.40.238"),
        ("inbound trunk", "carrier-a"),
        ("sip call-id", "abc@10.0.0.1"),
        ("ringing", "no"),
    ]
    .into_iter()
    .collect();
    assert_eq!(std::mem::size_of::<Fields>(), 16);
    // One byte per key, one per length, then the values: nothing else on the heap.
    let values: usize = f.iter().map(|(_, v)| v.len()).sum();
    assert_eq!(f.heap_bytes(), values + 2 * 9);
    assert!(f.heap_bytes() < 9 * std::mem::size_of::<crate::model::Field>());
}
