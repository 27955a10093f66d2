//! What every provider does with an error answer: a status read as a class of
//! [`ProviderError`] ([`map_status`]), worded by the provider ([`Wording`]), and every
//! message made one line, redacted and capped ([`cap`]).
//!
//! The bodies these messages come from are read with a cap by
//! [`super::http::Guard::read_error_body`]; each provider extracts its own message from
//! them (its `wire::decode_error_message` or the like) and passes it in [`Said`].

use std::time::Duration;

use super::ProviderError;

/// The longest message (in chars) an error carries; longer ones end in `…`.
pub const MESSAGE_MAX: usize = 200;

/// One line (runs of white space folded to one space), redacted, at most
/// [`MESSAGE_MAX`] chars plus `…` when cut.
pub fn cap(msg: &str) -> String {
    let one_line = msg.split_whitespace().collect::<Vec<_>>().join(" ");
    let redacted = crate::secret::redact(&one_line);
    crate::format::truncate_chars(&redacted, MESSAGE_MAX)
}

/// The standard reason phrase of an HTTP status ("Not Found"), or "unexpected status".
pub fn reason(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("unexpected status")
}

/// The kind of error a status stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    RateLimited,
    Server,
}

impl Class {
    /// 400 bad request, 401, 403, 404, 429, anything else a server error; `exceptions`
    /// (a provider's own reading, e.g. 422 as a bad request) go first.
    pub fn of(status: u16, exceptions: &[(u16, Class)]) -> Class {
        if let Some((_, c)) = exceptions.iter().find(|(s, _)| *s == status) {
            return *c;
        }
        match status {
            400 => Class::BadRequest,
            401 => Class::Unauthorized,
            403 => Class::Forbidden,
            404 => Class::NotFound,
            429 => Class::RateLimited,
            _ => Class::Server,
        }
    }
}

/// An error answer as the provider read it.
#[derive(Debug, Clone, Copy)]
pub struct Said<'a> {
    /// What was asked for ("sessions of acme.example.net", "user calls").
    pub what: &'a str,
    /// The provider's own message, when the body had one.
    pub provider: Option<&'a str>,
    /// The text to show: the provider's message, or else the provider's fallback.
    pub text: &'a str,
}

impl Said<'_> {
    /// The wording most providers use: a rate limit shows the text alone, anything else
    /// `what: text`.
    pub fn usual(&self, class: Class) -> String {
        match class {
            Class::RateLimited => self.text.to_owned(),
            _ => format!("{}: {}", self.what, self.text),
        }
    }
}

/// How one provider reads and words error statuses.
pub struct Wording {
    /// Statuses this provider reads otherwise than [`Class::of`] does by default.
    pub classes: &'static [(u16, Class)],
    /// The message (before [`cap`]) for an answer of a class.
    pub words: fn(Class, &Said<'_>) -> String,
}

/// Maps a non-2xx answer whose body may carry the provider's own `message` (already
/// extracted); without one the status's reason phrase stands in.
pub fn map_message(
    status: u16,
    retry_after: Option<Duration>,
    what: &str,
    provider: Option<&str>,
    wording: &Wording,
) -> ProviderError {
    let said = Said {
        what,
        provider,
        text: provider.unwrap_or(reason(status)),
    };
    map_status(status, retry_after, &said, wording)
}

/// Maps a non-2xx answer to a [`ProviderError`] in the provider's words, capped.
pub fn map_status(
    status: u16,
    retry_after: Option<Duration>,
    said: &Said<'_>,
    wording: &Wording,
) -> ProviderError {
    let class = Class::of(status, wording.classes);
    let message = cap(&(wording.words)(class, said));
    match class {
        Class::BadRequest => ProviderError::BadRequest(message),
        Class::Unauthorized => ProviderError::Unauthorized(message),
        Class::Forbidden => ProviderError::Forbidden(message),
        Class::NotFound => ProviderError::NotFound(message),
        Class::RateLimited => ProviderError::RateLimited {
            retry_after,
            message,
        },
        Class::Server => ProviderError::Server { status, message },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: Wording = Wording {
        classes: &[(422, Class::BadRequest)],
        words: |c, s| s.usual(c),
    };

    #[test]
    fn messages_are_one_line_and_capped() {
        assert_eq!(cap("a\n  b\tc"), "a b c");
        let long = "é".repeat(500);
        let capped = cap(&long);
        assert_eq!(capped.chars().count(), MESSAGE_MAX + 1);
        assert!(capped.ends_with('…'));
        assert_eq!(cap(&"x".repeat(MESSAGE_MAX)), "x".repeat(MESSAGE_MAX));
    }

    #[test]
    fn statuses_map_to_classes_with_exceptions_first() {
        let said = Said {
            what: "trunks",
            provider: None,
            text: "nope",
        };
        let e = map_status(422, None, &said, &PLAIN);
        assert_eq!(e, ProviderError::BadRequest("trunks: nope".into()));
        let e = map_status(429, Some(Duration::from_secs(3)), &said, &PLAIN);
        assert_eq!(
            e,
            ProviderError::RateLimited {
                retry_after: Some(Duration::from_secs(3)),
                message: "nope".into()
            }
        );
        assert!(matches!(
            map_status(503, None, &said, &PLAIN),
            ProviderError::Server { status: 503, .. }
        ));
        assert!(matches!(
            map_status(403, None, &said, &PLAIN),
            ProviderError::Forbidden(_)
        ));
        assert_eq!(reason(404), "Not Found");
        assert_eq!(reason(599), "unexpected status");
    }
}
