//! The detail fields' key table when it fills up (its own binary: the table is
//! process-wide, and filling it would change how other tests' keys are stored).

use switchboard_core::model::Fields;

#[test]
fn a_full_key_table_stores_keys_inline() {
    let early: Fields = [("status", "ok")].into_iter().collect();
    // More distinct keys than the table has slots: the later ones go inline.
    let f: Fields = (0..300)
        .map(|i| (format!("owned key {i}"), format!("value {i}")))
        .collect();
    assert_eq!(f.len(), 300);
    for i in [0, 126, 127, 299] {
        assert_eq!(
            f.get(&format!("owned key {i}")),
            Some(format!("value {i}").as_str())
        );
    }
    // A slotted field costs its slot byte, a length byte and its value; one inline also
    // its key and the key's length byte. `status` took the first slot.
    let bytes: usize = (0..300)
        .map(|i| {
            let key = format!("owned key {i}").len();
            let inline = if i < 126 { 0 } else { key + 1 };
            2 + format!("value {i}").len() + inline
        })
        .sum();
    assert_eq!(
        f.heap_bytes(),
        bytes,
        "126 keys in the table, the rest inline"
    );
    // Labels pushed once it is full still read back, and a label that had a slot keeps it.
    let g: Fields = [("a label pushed late", "1"), ("status", "ok")]
        .into_iter()
        .collect();
    let pairs: Vec<(&str, &str)> = g.iter().collect();
    assert_eq!(pairs, [("a label pushed late", "1"), ("status", "ok")]);
    let again: Fields = [("status", "ok")].into_iter().collect();
    assert_eq!(again.heap_bytes(), early.heap_bytes());
    assert_eq!(again, early);
    let json = serde_json::to_string(&g).expect("serialises");
    assert_eq!(json, r#"{"a label pushed late":"1","status":"ok"}"#);
    assert_eq!(serde_json::from_str::<Fields>(&json).expect("reads"), g);
}
