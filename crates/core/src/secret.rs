//! Secrets: API keys, passwords, tokens.
//!
//! A [`Secret`] prints as `****` through `Debug` and `Display`, so it cannot reach a log
//! line or an error message by accident. Secrets are masked *by field* where they can
//! occur (headers are marked sensitive, request previews mask secret fields, forms show
//! `****`); on top of that, every secret of at least [`MIN_MASK_LEN`] characters is
//! registered with a process-wide redactor, and the log writer, the message line, error
//! texts, the audit log and `snapshot` run text through [`redact`] (defence in depth
//! against a provider echoing a key back in an error body or a data field).
//!
//! The redactor replaces a registered value only where it stands as a whole token: not
//! when it is glued to letters or digits on either side. A key that happens to be made of
//! digits therefore never masks part of a phone number (`+442071234501` stays exact with
//! a secret `20712345`), while `token=…`, `"…"`, `Bearer …` or `%3D…` are still caught.
//! Shorter secrets are not registered at all (they would match ordinary text): the
//! config loader warns about them instead.
//!
//! Registrations are bounded: [`Secret::new`] registers a value once however often it
//! is wrapped, and a credential that changes (an access token renewed every few minutes)
//! lives in a [`Slot`]: filling the slot replaces the slot's previous value in the
//! registry, and dropping the slot removes it.

use std::borrow::Cow;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

/// Shortest secret the redactor masks in free text (characters). Shorter ones would mask
/// ordinary text such as phone numbers; the config loader warns about them.
pub const MIN_MASK_LEN: usize = 8;

/// What a masked value is replaced with.
pub const MASK: &str = "****";

/// Who registered a value: a permanent registration (deduplicated by value) or a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Permanent,
    Slot(u64),
}

struct Entry {
    owner: Owner,
    value: Arc<str>,
}

fn registry() -> &'static RwLock<Vec<Entry>> {
    static REG: OnceLock<RwLock<Vec<Entry>>> = OnceLock::new();
    REG.get_or_init(|| RwLock::new(Vec::new()))
}

/// Whether `value` is long enough to be masked in free text.
pub fn maskable(value: &str) -> bool {
    value.chars().count() >= MIN_MASK_LEN
}

/// Changes the registry: `f` edits it, then the longest values go first (so a secret
/// containing another is replaced whole).
fn edit_registry(f: impl FnOnce(&mut Vec<Entry>)) {
    let mut reg = match registry().write() {
        Ok(r) => r,
        Err(poisoned) => poisoned.into_inner(),
    };
    f(&mut reg);
    reg.sort_by_key(|e| std::cmp::Reverse(e.value.len()));
}

/// How many values the redactor holds (for tests: renewals must not make it grow).
pub fn registered_count() -> usize {
    registry().read().map(|r| r.len()).unwrap_or(0)
}

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a value and registers it with the redactor for the rest of the process (once
    /// per distinct value; not at all when shorter than [`MIN_MASK_LEN`]). For values
    /// that are replaced over time use a [`Slot`].
    pub fn new(value: impl Into<String>) -> Secret {
        let value: Arc<str> = Arc::from(value.into());
        if maskable(&value) {
            let known = registry()
                .read()
                .map(|r| {
                    r.iter()
                        .any(|e| e.owner == Owner::Permanent && *e.value == *value)
                })
                .unwrap_or(false);
            if !known {
                edit_registry(|reg| {
                    if !reg
                        .iter()
                        .any(|e| e.owner == Owner::Permanent && *e.value == *value)
                    {
                        reg.push(Entry {
                            owner: Owner::Permanent,
                            value: value.clone(),
                        });
                    }
                });
            }
        }
        Secret(value)
    }

    /// The real value, for the one place that needs it (an HTTP header).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A form safe for the screen: the last four characters of a long secret, else nothing.
    pub fn masked(&self) -> String {
        let n = self.0.chars().count();
        if n >= 16 {
            let tail: String = self.0.chars().skip(n - 4).collect();
            format!("{MASK}{tail}")
        } else {
            MASK.to_string()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

/// One registry place for a credential that is replaced over time (an access or refresh
/// token): [`Slot::fill`] registers the new value and drops the old one, so the registry
/// does not grow with every renewal. Dropping the slot unregisters its value.
#[derive(Debug)]
pub struct Slot {
    id: u64,
}

impl Slot {
    pub fn new() -> Slot {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Slot {
            id: NEXT.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Wraps `value`, registering it in place of the slot's previous value (a value
    /// shorter than [`MIN_MASK_LEN`] just empties the slot).
    pub fn fill(&self, value: impl Into<String>) -> Secret {
        let value: Arc<str> = Arc::from(value.into());
        let owner = Owner::Slot(self.id);
        edit_registry(|reg| {
            reg.retain(|e| e.owner != owner);
            if maskable(&value) {
                reg.push(Entry {
                    owner,
                    value: value.clone(),
                });
            }
        });
        Secret(value)
    }

    /// Unregisters the slot's value.
    pub fn clear(&self) {
        let owner = Owner::Slot(self.id);
        edit_registry(|reg| reg.retain(|e| e.owner != owner));
    }
}

impl Default for Slot {
    fn default() -> Self {
        Slot::new()
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.clear();
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

/// Whether the match `text[start..end]` of `secret` stands as a whole token: each edge
/// of the secret that is a letter or digit must not touch another letter or digit
/// (a `%XX` escape right before it counts as a separator).
fn whole_token(text: &str, start: usize, end: usize, secret: &str) -> bool {
    let first_is_word = secret.chars().next().is_some_and(is_word);
    let last_is_word = secret.chars().next_back().is_some_and(is_word);
    let before_ok = !first_is_word
        || match text[..start].chars().next_back() {
            None => true,
            Some(c) if !is_word(c) => true,
            Some(_) => {
                let b = text.as_bytes();
                start >= 3
                    && b[start - 3] == b'%'
                    && b[start - 2].is_ascii_hexdigit()
                    && b[start - 1].is_ascii_hexdigit()
            }
        };
    let after_ok = !last_is_word || text[end..].chars().next().is_none_or(|c| !is_word(c));
    before_ok && after_ok
}

/// Replaces the whole-token occurrences of `secret` in `text`; None when there are none.
fn replace_tokens(text: &str, secret: &str) -> Option<String> {
    let mut out: Option<String> = None;
    let mut copied = 0;
    for (start, m) in text.match_indices(secret) {
        let end = start + m.len();
        if start < copied || !whole_token(text, start, end, secret) {
            continue;
        }
        let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
        o.push_str(&text[copied..start]);
        o.push_str(MASK);
        copied = end;
    }
    out.map(|mut o| {
        o.push_str(&text[copied..]);
        o
    })
}

/// Replaces every registered secret standing as a whole token in `text` with `****`.
pub fn redact(text: &str) -> Cow<'_, str> {
    let Ok(reg) = registry().read() else {
        return Cow::Borrowed(text);
    };
    let mut out: Option<String> = None;
    for e in reg.iter() {
        let cur = out.as_deref().unwrap_or(text);
        if let Some(replaced) = replace_tokens(cur, &e.value) {
            out = Some(replaced);
        }
    }
    match out {
        Some(s) => Cow::Owned(s),
        None => Cow::Borrowed(text),
    }
}

/// Redacts every string (object keys included) of a JSON document in place.
pub fn redact_json(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(s) => {
            if let Cow::Owned(r) = redact(s) {
                *s = r;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        Value::Object(map) => {
            let old = std::mem::take(map);
            for (k, mut v) in old {
                redact_json(&mut v);
                map.insert(redact(&k).into_owned(), v);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Secret::new("XI0123456789ABCDEF0123456789ABCDEF");
        assert_eq!(format!("{s}"), "****");
        assert_eq!(format!("{s:?}"), "Secret(****)");
        assert_eq!(s.masked(), "****CDEF");
        assert_eq!(Secret::new("abc").masked(), "****");
    }

    #[test]
    fn redact_replaces_registered_values() {
        let _s = Secret::new("hunter2-very-secret");
        let line = "sent Authorization: Bearer hunter2-very-secret to host";
        assert_eq!(redact(line), "sent Authorization: Bearer **** to host");
        assert_eq!(redact("nothing here"), "nothing here");
    }

    #[test]
    fn only_whole_tokens_are_masked() {
        let _s = Secret::new("58120347");
        assert_eq!(
            redact("+445812034701 and 4458120347"),
            "+445812034701 and 4458120347"
        );
        assert_eq!(redact("key=58120347&x"), "key=****&x");
        assert_eq!(redact("\"58120347\""), "\"****\"");
        assert_eq!(redact("pw%3D58120347"), "pw%3D****");
        assert_eq!(redact("58120347"), "****");
        assert_eq!(redact("58120347 58120347x 58120347"), "**** 58120347x ****");
    }

    #[test]
    fn short_secrets_are_not_registered() {
        let _s = Secret::new("8173");
        assert_eq!(redact("+448173000 8173"), "+448173000 8173");
    }

    #[test]
    fn a_slot_replaces_its_value() {
        let slot = Slot::new();
        let first = slot.fill("slot-token-first-0001");
        assert_eq!(redact("a slot-token-first-0001"), "a ****");
        let held = |id| {
            registry()
                .read()
                .map(|r| r.iter().filter(|e| e.owner == Owner::Slot(id)).count())
                .unwrap_or(0)
        };
        assert_eq!(held(slot.id), 1);
        for i in 0..50 {
            slot.fill(format!("slot-token-renewed-{i:04}"));
        }
        assert_eq!(held(slot.id), 1, "renewals do not grow the registry");
        assert_eq!(redact(first.expose()), first.expose(), "old value dropped");
        assert_eq!(redact("slot-token-renewed-0049"), "****");
        let id = slot.id;
        drop(slot);
        assert_eq!(held(id), 0);
        assert_eq!(redact("slot-token-renewed-0049"), "slot-token-renewed-0049");
    }

    #[test]
    fn json_documents_are_redacted_in_every_string() {
        let _s = Secret::new("json-doc-secret-77");
        let mut v = serde_json::json!({
            "from": "json-doc-secret-77",
            "n": [1, "x json-doc-secret-77"],
            "json-doc-secret-77": true,
        });
        redact_json(&mut v);
        let text = v.to_string();
        assert!(!text.contains("json-doc-secret-77"), "{text}");
        assert_eq!(v["from"], "****");
    }
}
