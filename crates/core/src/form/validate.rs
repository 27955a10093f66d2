//! Field validation: pure functions from a typed value to `Ok` or a short, concrete
//! message an operator can act on ("port must be 1-65535").
//!
//! [`normalize`] gives the form of a value the form submits and compares (trimmed, E.164
//! formatting stripped, `true`/`false` as `yes`/`no`); [`check`] validates a raw value.

use std::net::IpAddr;

use super::spec::{FieldKind, FieldSpec, FormMode};

/// Longest DNS name, in characters (without a trailing dot).
const MAX_HOST_LEN: usize = 253;
/// Longest DNS label.
const MAX_LABEL_LEN: usize = 63;

/// Validates one field's raw value as the operator typed it. Empty values fail only when
/// the field is required, and a Secret may stay empty in Edit mode (keep the stored one).
pub fn check(field: &FieldSpec, mode: FormMode, raw: &str) -> Result<(), String> {
    let value = normalize(&field.kind, raw);
    if value.is_empty() {
        let keep_secret = field.kind == FieldKind::Secret && mode == FormMode::Edit;
        return if field.required && !keep_secret {
            Err("required".into())
        } else {
            Ok(())
        };
    }
    match &field.kind {
        FieldKind::Text | FieldKind::Secret => Ok(()),
        FieldKind::Host => check_host(&value),
        FieldKind::Port => check_port(&value).map(|_| ()),
        FieldKind::Choice(options) => check_choice(&value, options),
        FieldKind::Bool => check_bool(&value).map(|_| ()),
        FieldKind::E164 => check_e164(raw).map(|_| ()),
    }
}

/// The value a form submits for `raw`: surrounding blanks removed (not for secrets),
/// E.164 numbers without the spaces, dashes and parentheses people type, booleans as
/// `yes`/`no`. Invalid values are returned trimmed but otherwise as typed.
pub fn normalize(kind: &FieldKind, raw: &str) -> String {
    match kind {
        FieldKind::Secret => raw.to_string(),
        FieldKind::E164 => crate::phone::strip(raw, &crate::phone::E164),
        FieldKind::Bool => match check_bool(raw.trim()) {
            Ok(true) => "yes".into(),
            Ok(false) => "no".into(),
            Err(_) => raw.trim().to_string(),
        },
        _ => raw.trim().to_string(),
    }
}

/// An IPv4 or IPv6 address, or a DNS hostname (one trailing dot allowed).
pub fn check_host(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("required".into());
    }
    if s.parse::<IpAddr>().is_ok() {
        return Ok(());
    }
    if s.chars().any(char::is_whitespace) {
        return Err("no spaces in a hostname".into());
    }
    if s.contains('_') {
        return Err("no underscores in a hostname".into());
    }
    if s.contains(':') {
        return Err("not a valid IPv6 address".into());
    }
    let name = s.strip_suffix('.').unwrap_or(s);
    if name.is_empty() || name.contains("..") || name.starts_with('.') {
        return Err("empty label (..) in hostname".into());
    }
    if name.chars().count() > MAX_HOST_LEN {
        return Err("hostname longer than 253 characters".into());
    }
    let labels: Vec<&str> = name.split('.').collect();
    for label in &labels {
        if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err("not an IP address or hostname".into());
        }
        if label.len() > MAX_LABEL_LEN {
            return Err("hostname label longer than 63 characters".into());
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("hostname label cannot start or end with -".into());
        }
    }
    // A name whose last label is all digits is a mistyped IPv4 address (10.0.0,
    // 300.1.1.1), never a hostname: top-level domains are not numeric.
    if labels
        .last()
        .is_some_and(|l| l.chars().all(|c| c.is_ascii_digit()))
    {
        return Err("not a valid IPv4 address".into());
    }
    Ok(())
}

/// 1-65535, digits only.
pub fn check_port(s: &str) -> Result<u16, String> {
    const MSG: &str = "port must be 1-65535";
    if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit()) {
        return Err(MSG.into());
    }
    match s.parse::<u32>() {
        Ok(n) if (1..=65535).contains(&n) => Ok(n as u16),
        _ => Err(MSG.into()),
    }
}

/// One of `options`, exactly as listed (case-sensitive).
pub fn check_choice(s: &str, options: &[&str]) -> Result<(), String> {
    if options.contains(&s) {
        Ok(())
    } else {
        Err(format!("must be one of: {}", options.join(", ")))
    }
}

/// `yes`/`no`, also `true`/`false`.
pub fn check_bool(s: &str) -> Result<bool, String> {
    match s {
        "yes" | "true" => Ok(true),
        "no" | "false" => Ok(false),
        _ => Err("must be yes or no".into()),
    }
}

/// An E.164 number: `+`, then 8-15 digits, the first not 0. Spaces, dashes, dots and
/// parentheses are tolerated and stripped. Returns the normalised number.
pub fn check_e164(raw: &str) -> Result<String, String> {
    use crate::phone::{E164, Problem, check};
    check(raw, &E164)
        .map(|digits| format!("+{digits}"))
        .map_err(|p| {
            match p {
                Problem::Empty => "required",
                Problem::DoubleZero => "use + instead of the 00 prefix",
                Problem::NoPlus => "must start with + and the country code",
                Problem::NotDigits => "only digits after the +",
                Problem::LeadingZero => "country code cannot start with 0",
                Problem::Length => "must be + and 8-15 digits",
            }
            .into()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        for ok in [
            "10.0.0.1",
            "::1",
            "2001:db8::5",
            "pbx.example.com",
            "pbx.example.com.",
            "a",
            "sip-1.carrier.net",
        ] {
            assert_eq!(check_host(ok), Ok(()), "{ok}");
        }
        for bad in [
            "pbx example.com",
            "pbx_1.example.com",
            "pbx..example.com",
            ".example.com",
            "-pbx.example.com",
            "pbx-.example.com",
            "300.1.1.1",
            "10.0.0",
            "2001:db8:::1",
            "pbx!.com",
        ] {
            assert!(check_host(bad).is_err(), "{bad}");
        }
        assert!(check_host(&"a".repeat(64)).is_err());
        assert!(check_host(&"a".repeat(63)).is_ok());
        let long = vec!["abcdefghi"; 26].join("."); // 259 characters
        assert!(check_host(&long).is_err());
    }

    #[test]
    fn ports_and_numbers() {
        assert_eq!(check_port("5060"), Ok(5060));
        assert_eq!(check_port("65535"), Ok(65535));
        for bad in ["0", "65536", "-1", "50a", "", "99999999999"] {
            assert_eq!(check_port(bad), Err("port must be 1-65535".into()), "{bad}");
        }
        assert_eq!(
            check_e164("+1 (415) 555-0100"),
            Ok("+14155550100".to_string())
        );
        assert!(check_e164("004415550100").unwrap_err().contains("use +"));
        assert!(check_e164("4155550100").is_err());
        assert!(check_e164("+0123456789").is_err());
        assert!(check_e164("+1234567").is_err());
        assert!(check_e164("+1234567890123456").is_err());
        assert!(check_e164("+1415555O100").is_err());
    }
}
