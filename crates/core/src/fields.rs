//! A row's detail fields (`extra`) packed into one heap allocation (issue 14).
//!
//! Every key and value of a row lives in one `Box<str>`: 16 bytes in the row, nothing
//! allocated when there is no field. The buffer is a run of entries, each a key then a
//! value:
//! - key: one byte `0..=126`, an index into the process-wide key table (almost every key
//!   is a fixed label such as `"sip call-id"`), or `127` followed by the key inline
//!   (its length, then its bytes);
//! - value: its length, then its bytes.
//!
//! Lengths are base-64 digits, least significant first, each one ASCII byte: `0..=63` a
//! final digit, `64..=127` a digit with more following. Every structural byte is ASCII,
//! so the buffer is valid UTF-8 as built (no `unsafe`, no re-validation), and text is
//! sliced with `str::get`: a corrupt or short buffer yields fewer fields, never a panic.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, OnceLock, PoisonError};

/// A field name: mostly a fixed label (`"sip call-id"`), owned when a provider names it.
pub type FieldKey = Cow<'static, str>;

/// Slots in the key table; the byte after them marks a key stored inline.
const TABLE: usize = 127;
const INLINE: u8 = 127;
/// Longest owned key given a slot. Owned keys that get one are leaked into the table, so
/// that leak is bounded: at most 127 keys of at most 64 bytes (8 KiB) for the life of the
/// process. Fixed (`&'static str`) labels of any length take a slot without a copy.
const MAX_OWNED_KEY: usize = 64;

/// The key table: lock-free reads by index, a `Mutex`-guarded lookup when pushing.
static KEYS: [OnceLock<&'static str>; TABLE] = [const { OnceLock::new() }; TABLE];
static INDEX: LazyLock<Mutex<HashMap<&'static str, u8>>> = LazyLock::new(Default::default);

/// The table slot of `key`, given one if it has none and the table has room.
/// `fixed` is the key when it lives for the whole process (no copy needed).
fn slot(key: &str, fixed: Option<&'static str>) -> Option<u8> {
    if fixed.is_none() && key.len() > MAX_OWNED_KEY {
        return None;
    }
    let mut index = INDEX.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(&i) = index.get(key) {
        return Some(i);
    }
    let i = index.len();
    let cell = KEYS.get(i)?;
    let text: &'static str = match fixed {
        Some(k) => k,
        None => Box::leak(Box::<str>::from(key)),
    };
    cell.set(text).ok()?;
    let i = u8::try_from(i).ok()?;
    index.insert(text, i);
    Some(i)
}

/// A key as stored: a table slot or text inline.
#[derive(Clone, Copy)]
enum Key<'a> {
    Slot(u8),
    Inline(&'a str),
}

impl<'a> Key<'a> {
    fn text(self) -> Option<&'a str> {
        match self {
            Key::Slot(i) => KEYS.get(usize::from(i))?.get().copied(),
            Key::Inline(s) => Some(s),
        }
    }
}

fn push_len(buf: &mut String, mut n: usize) {
    while n >= 64 {
        buf.push(char::from(64 | (n & 63) as u8));
        n >>= 6;
    }
    buf.push(char::from(n as u8));
}

/// A row's detail fields in insertion order, in one allocation. Build with
/// [`Fields::builder`]; read with [`Fields::iter`] and [`Fields::get`].
#[derive(Clone, Default)]
pub struct Fields(Box<str>);

/// Appends fields, then [`FieldsBuilder::finish`] shrinks the buffer once.
#[derive(Debug, Default)]
pub struct FieldsBuilder {
    buf: String,
}

impl FieldsBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Room for `bytes` of keys and values before the buffer grows.
    pub fn with_capacity(bytes: usize) -> Self {
        FieldsBuilder {
            buf: String::with_capacity(bytes),
        }
    }

    /// Appends one field (a key already present is appended again, as a list would).
    pub fn push(&mut self, key: impl Into<FieldKey>, value: impl AsRef<str>) -> &mut Self {
        let value = value.as_ref();
        match key.into() {
            Cow::Borrowed(k) => match slot(k, Some(k)) {
                Some(i) => self.push_entry(Key::Slot(i), value),
                None => self.push_entry(Key::Inline(k), value),
            },
            Cow::Owned(k) => match slot(&k, None) {
                Some(i) => self.push_entry(Key::Slot(i), value),
                None => self.push_entry(Key::Inline(&k), value),
            },
        }
        self
    }

    fn push_entry(&mut self, key: Key, value: &str) {
        match key {
            Key::Slot(i) => self.buf.push(char::from(i)),
            Key::Inline(k) => {
                self.buf.push(char::from(INLINE));
                push_len(&mut self.buf, k.len());
                self.buf.push_str(k);
            }
        }
        push_len(&mut self.buf, value.len());
        self.buf.push_str(value);
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The fields, in a buffer of exactly their size.
    pub fn finish(self) -> Fields {
        Fields(self.buf.into_boxed_str())
    }
}

impl Fields {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn builder() -> FieldsBuilder {
        FieldsBuilder::new()
    }

    /// A builder holding these fields, to append more.
    pub fn into_builder(self) -> FieldsBuilder {
        FieldsBuilder {
            buf: self.0.into_string(),
        }
    }

    /// `(key, value)` in insertion order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            entries: Entries {
                buf: &self.0,
                at: 0,
            },
        }
    }

    /// The value of the first field named `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.iter().count()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Bytes this row's fields hold on the heap (all of them, keys and values).
    pub fn heap_bytes(&self) -> usize {
        self.0.len()
    }

    /// Replaces the value of fields of the same name, appends the new ones (in order).
    pub fn merge<K: Into<FieldKey>, V: AsRef<str>>(
        &mut self,
        fields: impl IntoIterator<Item = (K, V)>,
    ) {
        let new: Vec<(FieldKey, V)> = fields.into_iter().map(|(k, v)| (k.into(), v)).collect();
        if new.is_empty() {
            return;
        }
        // The last of several fields of one name wins, as replacing in turn would.
        let newest = |key: &str| new.iter().rev().find(|(k, _)| k == key);
        let old = std::mem::take(self);
        let mut b = FieldsBuilder::with_capacity(old.0.len() + 16 * new.len());
        for (key, text, value) in old.entries() {
            match newest(text) {
                Some((_, v)) => b.push_entry(key, v.as_ref()),
                None => b.push_entry(key, value),
            }
        }
        for (i, (k, _)) in new.iter().enumerate() {
            let seen = old.get(k).is_some() || new[..i].iter().any(|(p, _)| p == k);
            if let (false, Some((_, v))) = (seen, newest(k)) {
                b.push(k.clone(), v);
            }
        }
        *self = b.finish();
    }

    /// Appends the fields of `other` whose name these fields lack (in `other`'s order).
    pub fn extend_missing(&mut self, other: &Fields) {
        let missing: Vec<_> = other
            .entries()
            .filter(|(_, k, _)| self.get(k).is_none())
            .collect();
        if missing.is_empty() {
            return;
        }
        let mut b = std::mem::take(self).into_builder();
        for (key, _, value) in missing {
            b.push_entry(key, value);
        }
        *self = b.finish();
    }

    fn entries(&self) -> Entries<'_> {
        Entries {
            buf: &self.0,
            at: 0,
        }
    }
}

/// Walks the buffer: each entry's stored key, its text and its value.
struct Entries<'a> {
    buf: &'a str,
    at: usize,
}

impl<'a> Entries<'a> {
    fn len(&mut self) -> Option<usize> {
        let bytes = self.buf.as_bytes();
        let mut n = 0usize;
        let mut shift = 0u32;
        loop {
            let d = *bytes.get(self.at)?;
            self.at += 1;
            n |= usize::from(d & 63).checked_shl(shift)?;
            if d < 64 {
                return Some(n);
            }
            if d > 127 {
                return None;
            }
            shift += 6;
            if shift >= usize::BITS {
                return None;
            }
        }
    }

    fn text(&mut self) -> Option<&'a str> {
        let n = self.len()?;
        let end = self.at.checked_add(n)?;
        let s = self.buf.get(self.at..end)?;
        self.at = end;
        Some(s)
    }

    fn entry(&mut self) -> Option<(Key<'a>, &'a str, &'a str)> {
        let b = *self.buf.as_bytes().get(self.at)?;
        self.at += 1;
        let key = match b {
            INLINE => Key::Inline(self.text()?),
            i if i < INLINE => Key::Slot(i),
            _ => return None,
        };
        let text = key.text()?;
        Some((key, text, self.text()?))
    }
}

impl<'a> Iterator for Entries<'a> {
    type Item = (Key<'a>, &'a str, &'a str);
    fn next(&mut self) -> Option<Self::Item> {
        let e = self.entry();
        if e.is_none() {
            // A corrupt entry ends the walk.
            self.at = self.buf.len();
        }
        e
    }
}

/// `(key, value)` of [`Fields`] in insertion order.
pub struct Iter<'a> {
    entries: Entries<'a>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a str);
    fn next(&mut self) -> Option<Self::Item> {
        self.entries.next().map(|(_, k, v)| (k, v))
    }
}

impl<'a> IntoIterator for &'a Fields {
    type Item = (&'a str, &'a str);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<K: Into<FieldKey>, V: AsRef<str>> FromIterator<(K, V)> for Fields {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut b = FieldsBuilder::new();
        for (k, v) in iter {
            b.push(k, v);
        }
        b.finish()
    }
}

impl From<Vec<crate::model::Field>> for Fields {
    fn from(v: Vec<crate::model::Field>) -> Self {
        v.into_iter().collect()
    }
}

impl PartialEq for Fields {
    /// The same fields in the same order (however each key is stored).
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0 || self.iter().eq(other.iter())
    }
}

impl Eq for Fields {}

impl std::hash::Hash for Fields {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        for (k, v) in self {
            k.hash(h);
            v.hash(h);
        }
    }
}

impl std::fmt::Debug for Fields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// A JSON object in insertion order (what `snapshot --json` and the collector's feed
/// write).
impl serde::Serialize for Fields {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.len()))?;
        for (k, v) in self {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// Reads an object back keeping the order it was written in (a `serde_json::Value`
/// would sort the keys).
impl<'de> serde::Deserialize<'de> for Fields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Fields;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of text fields")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Fields, A::Error> {
                let mut b = FieldsBuilder::new();
                while let Some((k, v)) = m.next_entry::<String, String>()? {
                    b.push(k, v);
                }
                Ok(b.finish())
            }
        }
        d.deserialize_map(Visitor)
    }
}

#[cfg(test)]
#[path = "fields_tests.rs"]
mod tests;
