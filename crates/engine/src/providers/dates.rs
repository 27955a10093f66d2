//! Dates and epochs as providers send them: epoch numbers in seconds or milliseconds,
//! ISO-8601 date-times with or without an offset (UTC assumed without), and either of
//! those as text.

use crate::providers::lenient::{Scalar, parse_int_text};

/// Epochs below this are taken as seconds, not milliseconds (1e11 ms is March 1973;
/// 1e11 s is the year 5138).
const SECONDS_CUTOFF: i64 = 100_000_000_000;

/// Normalises an epoch number to milliseconds; zero and negatives mean "not set".
pub fn normalise_epoch(v: i64) -> Option<i64> {
    if v <= 0 {
        None
    } else if v < SECONDS_CUTOFF {
        v.checked_mul(1000)
    } else {
        Some(v)
    }
}

/// Parses an ISO-8601 date-time (with offset or `Z`; without one, UTC is assumed).
pub fn parse_iso_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Some(ts.as_millisecond());
    }
    parse_utc_ms(s)
}

/// Parses a date-time without an offset, `YYYY-MM-DD HH:MM:SS` or ISO-8601, as UTC.
pub fn parse_utc_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let dt = jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S", s)
        .ok()
        .or_else(|| s.parse::<jiff::civil::DateTime>().ok())?;
    dt.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp().as_millisecond())
}

/// Epoch milliseconds from text: an epoch number (seconds or milliseconds) or an
/// ISO-8601 date-time.
pub fn text_epoch_ms(s: &str) -> Option<i64> {
    scalar_epoch_ms(Scalar::Str(s.to_owned()))
}

/// Epoch milliseconds from an integer, float, numeric string or ISO string.
pub fn scalar_epoch_ms(s: Scalar) -> Option<i64> {
    match s {
        Scalar::Str(text) => match parse_int_text(&text) {
            Some(v) => normalise_epoch(v),
            None => parse_iso_ms(&text),
        },
        other => other.into_int().and_then(normalise_epoch),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_normalise_to_milliseconds() {
        assert_eq!(normalise_epoch(0), None);
        assert_eq!(normalise_epoch(-5), None);
        assert_eq!(normalise_epoch(1_716_239_100), Some(1_716_239_100_000));
        assert_eq!(normalise_epoch(1_716_239_100_387), Some(1_716_239_100_387));
        assert_eq!(normalise_epoch(99_999_999_999), Some(99_999_999_999_000));
        assert_eq!(
            parse_iso_ms("2024-05-09T12:42:51Z"),
            Some(1_715_258_571_000)
        );
        assert_eq!(parse_iso_ms("2024-05-09 12:42:51"), Some(1_715_258_571_000));
        assert_eq!(parse_iso_ms("yesterday"), None);
    }

    #[test]
    fn epochs_and_dates_read_as_milliseconds() {
        assert_eq!(
            parse_iso_ms("2024-05-09T14:42:51+02:00"),
            Some(1_715_258_571_000)
        );
        assert_eq!(parse_iso_ms("2024-05-09 12:42:51"), Some(1_715_258_571_000));
        assert_eq!(parse_utc_ms("2024-05-09 12:42:51"), Some(1_715_258_571_000));
        assert_eq!(parse_utc_ms(" "), None);
        assert_eq!(text_epoch_ms("1715258571"), Some(1_715_258_571_000));
        assert_eq!(
            text_epoch_ms("2024-05-09T12:42:51Z"),
            Some(1_715_258_571_000)
        );
        assert_eq!(text_epoch_ms(""), None);
        assert_eq!(text_epoch_ms("yesterday"), None);
    }
}
