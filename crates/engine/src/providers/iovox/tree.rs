//! One tolerant decoding layer for both IOVOX output formats (providers.md §3.4).
//!
//! JSON and XML bodies are both read into a [`Node`] tree; every typed decoder works on
//! that tree only, so the format quirks are handled once: any scalar may be a string (or a
//! number), a single result may be an object instead of a list, an empty field is `{}`
//! (or an empty element), and nested repeating groups (`categories.category`) follow the
//! same rule. Attributes of an XML element become entries named `@attr`; its text next
//! to attributes or children is the entry `$text`.
//!
//! Both parsers are total: malformed input is an `Err` with a readable message, never a
//! panic, and nesting deeper than [`MAX_DEPTH`] is refused.

use quick_xml::events::Event;

/// Deepest nesting accepted (IOVOX documents are 4-5 levels deep).
pub const MAX_DEPTH: usize = 64;

/// A decoded value: text, a record (fields in document order) or a list.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Text(String),
    Map(Vec<(String, Node)>),
    List(Vec<Node>),
}

static EMPTY: Node = Node::Map(Vec::new());

impl Node {
    /// The first field named `key` of a record (`None` for text and lists; a list of one
    /// record is looked through).
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            Node::List(items) if items.len() == 1 => items[0].get(key),
            _ => None,
        }
    }

    /// Follows a path of field names.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |n, k| n.get(k))
    }

    /// The field `key` as a list of items: a list as is, a single record (or text) as a
    /// list of one, nothing / `{}` / empty text as an empty list.
    pub fn items(&self, key: &str) -> Vec<&Node> {
        self.get(key).map(Node::as_items).unwrap_or_default()
    }

    /// This node as a list of items (see [`Node::items`]).
    pub fn as_items(&self) -> Vec<&Node> {
        match self {
            Node::List(items) => items.iter().filter(|n| !n.is_empty()).collect(),
            n if n.is_empty() => Vec::new(),
            n => vec![n],
        }
    }

    /// `{}`, an empty list or blank text.
    pub fn is_empty(&self) -> bool {
        match self {
            Node::Text(t) => t.trim().is_empty(),
            Node::Map(f) => f.is_empty(),
            Node::List(l) => l.iter().all(Node::is_empty),
        }
    }

    /// The node's text: trimmed text, or a record's `$text`; `None` when blank or `{}`.
    pub fn text(&self) -> Option<&str> {
        match self {
            Node::Text(t) => Some(t.trim()).filter(|t| !t.is_empty()),
            Node::Map(_) => self.get("$text").and_then(Node::text),
            Node::List(l) if l.len() == 1 => l[0].text(),
            Node::List(_) => None,
        }
    }

    /// A scalar field as text (`None` when missing, blank or `{}`).
    pub fn str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::text)
    }

    /// A scalar field as an owned string ("" when missing).
    pub fn string(&self, key: &str) -> String {
        self.str(key).unwrap_or_default().to_owned()
    }

    /// A scalar field as a non-negative integer (`"12"`, `12`, `"12.0"`).
    pub fn u64(&self, key: &str) -> Option<u64> {
        self.str(key)
            .and_then(crate::providers::lenient::count_text)
    }

    /// An empty record, for "absent" without an `Option`.
    pub fn empty() -> &'static Node {
        &EMPTY
    }
}

/// Which parser a body needs, judged by its first non-blank byte (`<` = XML).
pub fn looks_like_xml(body: &[u8]) -> bool {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    body.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'<')
}

/// Parses a body in whichever format it is in.
pub fn parse(body: &[u8]) -> Result<Node, String> {
    if looks_like_xml(body) {
        parse_xml(body)
    } else {
        parse_json(body)
    }
}

/// JSON → tree. Numbers and booleans become text, `null` an empty record.
pub fn parse_json(body: &[u8]) -> Result<Node, String> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("malformed JSON: {e}"))?;
    from_json(v, 0)
}

fn from_json(v: serde_json::Value, depth: usize) -> Result<Node, String> {
    use serde_json::Value;
    if depth > MAX_DEPTH {
        return Err("malformed JSON: nested too deeply".into());
    }
    Ok(match v {
        Value::Null => Node::Map(Vec::new()),
        Value::Bool(b) => Node::Text(if b { "1" } else { "0" }.into()),
        Value::Number(n) => Node::Text(n.to_string()),
        Value::String(s) => Node::Text(s),
        Value::Array(a) => Node::List(
            a.into_iter()
                .map(|x| from_json(x, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(o) => Node::Map(
            o.into_iter()
                .map(|(k, x)| Ok((k, from_json(x, depth + 1)?)))
                .collect::<Result<_, String>>()?,
        ),
    })
}

/// An element being read: its name, attributes, children and text so far.
struct Open {
    name: String,
    fields: Vec<(String, Node)>,
    text: String,
    had_child: bool,
}

impl Open {
    fn new(e: &quick_xml::events::BytesStart<'_>) -> Result<Open, String> {
        let name = e.local_name().as_ref().to_owned();
        let mut fields = Vec::new();
        for a in e.attributes() {
            let a = a.map_err(|err| format!("malformed XML: {err}"))?;
            let key = a.key.local_name().as_ref().to_owned();
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|err| format!("malformed XML: {err}"))?
                .into_owned();
            fields.push((format!("@{key}"), Node::Text(value)));
        }
        Ok(Open {
            name,
            fields,
            text: String::new(),
            had_child: false,
        })
    }

    /// The element as a node: text when it only has text, else a record (repeated child
    /// names gathered into a list).
    fn finish(self) -> (String, Node) {
        let Open {
            name,
            fields,
            text,
            had_child,
        } = self;
        if fields.is_empty() && !had_child {
            return if text.trim().is_empty() {
                (name, Node::Map(Vec::new()))
            } else {
                (name, Node::Text(text))
            };
        }
        let mut out: Vec<(String, Node)> = Vec::with_capacity(fields.len());
        for (k, v) in fields {
            match out.iter_mut().find(|(ok, _)| *ok == k) {
                Some((_, Node::List(items))) if !k.starts_with('@') => items.push(v),
                Some((_, existing)) if !k.starts_with('@') => {
                    let first = std::mem::replace(existing, Node::List(Vec::new()));
                    *existing = Node::List(vec![first, v]);
                }
                Some(_) => {}
                None => out.push((k, v)),
            }
        }
        if !text.trim().is_empty() {
            out.push(("$text".into(), Node::Text(text)));
        }
        (name, Node::Map(out))
    }
}

/// XML → tree. The root element becomes the only field of the returned record, so
/// `<response>…</response>` and `{"response":…}` read the same.
pub fn parse_xml(body: &[u8]) -> Result<Node, String> {
    let mut reader = quick_xml::Reader::from_reader(body);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<(String, Node)> = None;
    let mut buf = Vec::new();
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| {
            format!(
                "malformed XML at byte {}: {e}",
                reader.buffer_position().min(u64::MAX as _)
            )
        })?;
        match event {
            Event::Start(e) => {
                if root.is_some() {
                    return Err("malformed XML: content after the root element".into());
                }
                if stack.len() >= MAX_DEPTH {
                    return Err("malformed XML: nested too deeply".into());
                }
                stack.push(Open::new(&e)?);
            }
            Event::Empty(e) => {
                if root.is_some() {
                    return Err("malformed XML: content after the root element".into());
                }
                let done = Open::new(&e)?.finish();
                close(&mut stack, &mut root, done);
            }
            Event::End(_) => {
                let Some(open) = stack.pop() else {
                    return Err("malformed XML: closing tag without an opening one".into());
                };
                close(&mut stack, &mut root, open.finish());
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                } else if !t.xml10_content().trim().is_empty() {
                    return Err("malformed XML: text outside the root element".into());
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(top) = stack.last_mut() {
                    let name: String = r.to_string();
                    let resolved = match name.as_str() {
                        "amp" => "&".to_owned(),
                        "lt" => "<".to_owned(),
                        "gt" => ">".to_owned(),
                        "quot" => "\"".to_owned(),
                        "apos" => "'".to_owned(),
                        _ => r
                            .resolve_char_ref()
                            .ok()
                            .flatten()
                            .map(String::from)
                            .ok_or_else(|| format!("malformed XML: unknown entity &{name};"))?,
                    };
                    top.text.push_str(&resolved);
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
        buf.clear();
    }
    if !stack.is_empty() {
        return Err("malformed XML: the document ends inside an element".into());
    }
    match root {
        Some((name, node)) => Ok(Node::Map(vec![(name, node)])),
        None => Err("malformed XML: no root element".into()),
    }
}

fn close(stack: &mut [Open], root: &mut Option<(String, Node)>, done: (String, Node)) {
    match stack.last_mut() {
        Some(parent) => {
            parent.had_child = true;
            parent.fields.push(done);
        }
        None => *root = Some(done),
    }
}

/// Escapes text for an XML element body.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_repeats_become_lists_and_singles_stay_records() {
        let doc = parse_xml(
            br#"<?xml version="1.0"?><response><results><result><a>1</a></result><result><a>2</a></result></results></response>"#,
        )
        .unwrap();
        let r = doc.path(&["response", "results"]).unwrap();
        assert_eq!(r.items("result").len(), 2);
        let one = parse_xml(b"<response><results><result><a>1</a></result></results></response>")
            .unwrap();
        let r = one.path(&["response", "results"]).unwrap();
        assert_eq!(r.items("result").len(), 1);
        assert_eq!(r.items("result")[0].str("a"), Some("1"));
    }

    #[test]
    fn attributes_and_entities() {
        let doc =
            parse_xml(br#"<errors><error status="400">A &amp; B&#33;</error></errors>"#).unwrap();
        let e = doc.path(&["errors", "error"]).unwrap();
        assert_eq!(e.str("@status"), Some("400"));
        assert_eq!(e.text(), Some("A & B!"));
    }

    #[test]
    fn malformed_xml_is_an_error() {
        for bad in [
            &b"<a><b></a>"[..],
            b"<a>",
            b"",
            b"<a></a><b></b>",
            b"</a>",
            b"<a>&nope;</a>",
        ] {
            assert!(
                parse_xml(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
