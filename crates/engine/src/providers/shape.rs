//! Shape checks every decoder shares: is a 2xx body the kind of document that was asked
//! for (not an HTML page from a proxy or captive portal, not XML for JSON), does a list
//! stay under its row cap (counted by a byte scan before anything is decoded), and does a
//! lone object look like an item of the list it stands for (its keys are the wire type's).
//! All of it is total over any input and allocates nothing in proportion to the body.

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use crate::providers::ProviderError;

/// What a read expects the body to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Json,
    /// JSON or XML (a provider may answer in the format asked for, its errors in either).
    JsonOrXml,
}

/// A 2xx body that is plainly not what was asked for: an HTML page (a proxy's error page
/// or a captive portal answering 200), XML where JSON belongs, or nothing at all.
/// Catches the cases where a decoder would otherwise read "nothing here" and call it an
/// empty account.
pub fn check_kind(body: &[u8], expect: Expect) -> Result<(), ProviderError> {
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF);
    let Some(start) = start else {
        return Err(ProviderError::Unexpected(
            "an empty answer where data was expected".into(),
        ));
    };
    let head = &body[start..body.len().min(start + 1024)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let has = |needle: &[u8]| lower.windows(needle.len()).any(|w| w == needle);
    if head[0] == b'<' && (has(b"<html") || has(b"<!doctype html") || has(b"<body")) {
        return Err(ProviderError::Unexpected(
            "an HTML page, not the API: proxy or captive portal?".into(),
        ));
    }
    match (expect, head[0]) {
        (Expect::Json, b'<') => Err(ProviderError::Unexpected(
            "an XML answer where JSON was expected".into(),
        )),
        _ => Ok(()),
    }
}

/// The number of direct elements of the longest JSON array that starts within the first
/// `depth` levels of nesting (depth 1 = the top-level value's own items), counting with a
/// byte scan that allocates nothing, stops as soon as `cap` is passed, and is total over
/// any input (strings and escapes are skipped; malformed JSON just ends the scan).
/// `Some(n)` = more than `cap`.
pub fn longest_list_over(body: &[u8], depth: usize, cap: usize) -> Option<usize> {
    // Per open container: is it an array, and how many items so far.
    let mut stack: Vec<(bool, usize, bool)> = Vec::new(); // (is_array, items, seen_value)
    let mut in_string = false;
    let mut escaped = false;
    for &b in body {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b' ' | b'\n' | b'\r' | b'\t' => continue,
            b']' | b'}' => {
                if let Some((is_array, items, seen)) = stack.pop() {
                    let n = items + usize::from(seen);
                    if is_array && stack.len() < depth && n > cap {
                        return Some(n);
                    }
                }
                continue;
            }
            b',' => {
                let level = stack.len();
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                    top.2 = false;
                    if top.0 && level <= depth && top.1 > cap {
                        return Some(top.1);
                    }
                }
                continue;
            }
            _ => {}
        }
        if let Some(top) = stack.last_mut() {
            top.2 = true;
        }
        match b {
            b'"' => in_string = true,
            b'[' => stack.push((true, 0, false)),
            b'{' => stack.push((false, 0, false)),
            _ => {}
        }
        if stack.len() > 512 {
            // Deeper than any provider document: the decoder will refuse it.
            return None;
        }
    }
    None
}

/// The number of `<name …>` elements in an XML body when it is more than `cap` (a byte
/// scan, stopping as soon as `cap` is passed); `None` when within.
pub fn xml_elements_over(body: &[u8], name: &str, cap: usize) -> Option<usize> {
    let open = format!("<{name}");
    let open = open.as_bytes();
    let mut n = 0usize;
    let mut i = 0usize;
    while let Some(pos) = body[i..].windows(open.len()).position(|w| w == open) {
        let after = i + pos + open.len();
        if body
            .get(after)
            .is_some_and(|b| matches!(b, b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n'))
        {
            n += 1;
            if n > cap {
                return Some(n);
            }
        }
        i = after;
    }
    None
}

/// Which cap a list is held to, for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowCap {
    /// A page: at most the rows asked for.
    Page(usize),
    /// An unpaged list: the provider's `max_rows`.
    MaxRows(usize),
}

impl RowCap {
    pub fn rows(self) -> usize {
        match self {
            RowCap::Page(n) | RowCap::MaxRows(n) => n,
        }
    }

    /// The error for a list of `what` over this cap.
    pub fn exceeded(self, what: &str) -> ProviderError {
        ProviderError::Unexpected(match self {
            RowCap::Page(n) => {
                format!("{what}: a page of more than the {n} rows asked for")
            }
            RowCap::MaxRows(n) => format!(
                "{what}: more than {n} rows; raise max_rows for this provider if that is expected"
            ),
        })
    }
}

/// Refuses a JSON body holding a list of more rows than `cap` allows (within the first
/// `depth` levels), before anything is decoded. `what` names the list.
pub fn check_rows(body: &[u8], depth: usize, cap: RowCap, what: &str) -> Result<(), ProviderError> {
    match longest_list_over(body, depth, cap.rows()) {
        Some(_) => Err(cap.exceeded(what)),
        None => Ok(()),
    }
}

/// The field names a wire type's `Deserialize` asks for (its `deserialize_struct` fields,
/// after renames), found by a probe deserializer that records them and stops. Empty for
/// types that are not plain structs.
pub fn field_names<T: for<'de> Deserialize<'de>>() -> &'static [&'static str] {
    struct Probe<'a>(&'a mut &'static [&'static str]);
    impl<'de> Deserializer<'de> for Probe<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("probe"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("probe"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe(&mut fields));
    fields
}

/// Whether a JSON object has at least one key of wire type `T`, or none at all (a lone
/// object standing in for a one-item list must; `{"data": "…"}` from a proxy does not).
pub fn has_known_key<T: for<'de> Deserialize<'de>>(
    obj: &serde_json::Map<String, serde_json::Value>,
) -> bool {
    let known = field_names::<T>();
    obj.is_empty() || known.is_empty() || obj.keys().any(|k| known.contains(&k.as_str()))
}

/// "an object with keys a, b, c" (at most five named) for messages.
pub fn describe_keys(obj: &serde_json::Map<String, serde_json::Value>) -> String {
    if obj.is_empty() {
        return "an empty object".into();
    }
    let mut keys: Vec<String> = obj.keys().take(5).map(|k| clip_key(k)).collect();
    if obj.len() > 5 {
        keys.push("…".into());
    }
    format!("an object with keys {}", keys.join(", "))
}

/// At most 24 characters, control characters (escape sequences) shown as `?`.
fn clip_key(k: &str) -> String {
    k.chars()
        .take(24)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_counted_at_the_asked_depth_and_strings_do_not_count() {
        // 3 rows at depth 1; brackets and commas inside strings (with escapes) are text.
        let body = br#"[{"a":"x,],[\"y"},{"b":[1,2,3,4,5]},{}]"#;
        assert_eq!(longest_list_over(body, 1, 3), None);
        assert_eq!(longest_list_over(body, 1, 2), Some(3));
        // The inner list of five sits at depth 3 (array → object → array).
        assert_eq!(longest_list_over(body, 2, 4), None);
        assert_eq!(longest_list_over(body, 3, 4), Some(5));
        // An envelope: `data` at depth 2.
        let env = br#"{"status":"success","data":[{},{},{}]}"#;
        assert_eq!(longest_list_over(env, 1, 2), None);
        assert_eq!(longest_list_over(env, 2, 2), Some(3));
        // Empty lists and garbage are within any cap.
        assert_eq!(longest_list_over(b"[]", 1, 0), None);
        assert_eq!(longest_list_over(b"]]]]],,,,{{{", 4, 0), None);
        assert_eq!(longest_list_over(&[0xff; 64], 4, 0), None);
    }

    #[test]
    fn the_scan_stops_at_the_cap_on_an_unterminated_list() {
        let mut body = b"[".to_vec();
        body.extend(b"{},".repeat(1000));
        assert_eq!(longest_list_over(&body, 1, 10), Some(11));
        let e = check_rows(&body, 1, RowCap::MaxRows(10), "sessions").expect_err("over");
        assert_eq!(
            e.to_string(),
            "sessions: more than 10 rows; raise max_rows for this provider if that is expected"
        );
    }

    #[test]
    fn document_kinds() {
        let html = b"\n  <!DOCTYPE HTML><html><body>Sign in to the guest network</body></html>";
        for expect in [Expect::Json, Expect::JsonOrXml] {
            let e = check_kind(html, expect).expect_err("html");
            assert!(e.to_string().contains("proxy or captive portal"), "{e}");
            assert!(check_kind(b"  \r\n", expect).is_err());
        }
        assert!(check_kind(b"[]", Expect::Json).is_ok());
        assert!(check_kind(b"\xEF\xBB\xBF{}", Expect::Json).is_ok());
        assert!(check_kind(b"<response/>", Expect::Json).is_err());
        assert!(check_kind(b"{}", Expect::JsonOrXml).is_ok());
        assert!(check_kind(b"<errors/>", Expect::JsonOrXml).is_ok());
    }

    #[test]
    fn xml_results_are_counted_by_element_name() {
        let body = b"<response><results><result>1</result><result x='1'/><resultset/><result\n/></results></response>";
        assert_eq!(xml_elements_over(body, "result", 3), None);
        assert_eq!(xml_elements_over(body, "result", 2), Some(3));
    }

    #[test]
    fn field_names_come_from_the_wire_type() {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        #[allow(dead_code)]
        struct Row {
            call_id: Option<String>,
            #[serde(rename = "inbound-trunk")]
            trunk: Option<String>,
        }
        assert_eq!(field_names::<Row>(), &["callId", "inbound-trunk"]);
        let known: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(r#"{"callId":"1"}"#).expect("json");
        let unknown: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(r#"{"data":"aaaa","x\u001b[31m":1}"#).expect("json");
        assert!(has_known_key::<Row>(&known));
        assert!(!has_known_key::<Row>(&unknown));
        assert_eq!(describe_keys(&unknown), "an object with keys data, x?[31m");
    }
}
