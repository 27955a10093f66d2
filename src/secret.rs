//! Secrets: API keys, passwords, tokens.
//!
//! A [`Secret`] prints as `****` through `Debug` and `Display`, so it cannot reach a log
//! line or an error message by accident. Every secret is also registered with a
//! process-wide redactor: the log writer and the status line run text through
//! [`redact`], which replaces any registered secret value with `****` (defence in depth
//! against a provider echoing a key back in an error body).

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, OnceLock, RwLock};

/// Shortest value the redactor will replace (shorter strings would mask ordinary text).
const MIN_REDACT_LEN: usize = 4;

fn registry() -> &'static RwLock<Vec<Arc<str>>> {
    static REG: OnceLock<RwLock<Vec<Arc<str>>>> = OnceLock::new();
    REG.get_or_init(|| RwLock::new(Vec::new()))
}

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a value and registers it with the redactor.
    pub fn new(value: impl Into<String>) -> Secret {
        let value: Arc<str> = Arc::from(value.into());
        if value.len() >= MIN_REDACT_LEN
            && let Ok(mut reg) = registry().write()
            && !reg.iter().any(|s| **s == *value)
        {
            reg.push(value.clone());
            // Longest first, so a secret containing another is replaced whole.
            reg.sort_by_key(|s| std::cmp::Reverse(s.len()));
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
            format!("****{tail}")
        } else {
            "****".to_string()
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
        f.write_str("****")
    }
}

/// Replaces every registered secret in `text` with `****`.
pub fn redact(text: &str) -> Cow<'_, str> {
    let Ok(reg) = registry().read() else {
        return Cow::Borrowed(text);
    };
    let mut out: Option<String> = None;
    for s in reg.iter() {
        let cur = out.as_deref().unwrap_or(text);
        if cur.contains(&**s) {
            out = Some(cur.replace(&**s, "****"));
        }
    }
    match out {
        Some(s) => Cow::Owned(s),
        None => Cow::Borrowed(text),
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
}
