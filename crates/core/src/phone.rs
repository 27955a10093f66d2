//! Phone numbers, provider-neutral: what may be typed into a number field and how a
//! stored number is shown. Each provider keeps its own rules as data (a [`Rules`]
//! constant next to its forms); the logic lives here once. [`E164`] is the neutral rule
//! of `FieldKind::E164` form fields.

use std::ops::RangeInclusive;

/// How a number's international prefix may be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefix {
    /// `+` must come first (E.164 as typed).
    Plus,
    /// A leading `+` may be typed and is dropped.
    OptionalPlus,
    /// A leading `+`, then a leading `00`, may be typed; both are dropped.
    OptionalPlusOr00,
    /// No prefix: digits only (extensions).
    None,
}

/// One provider's rules for a number typed into a form.
#[derive(Debug, Clone)]
pub struct Rules {
    /// How the international prefix may be written.
    pub prefix: Prefix,
    /// How many digits (after the prefix) a number has.
    pub digits: RangeInclusive<usize>,
    /// Whether the first digit may be `0` (E.164 country codes never start with one).
    pub leading_zero: bool,
    /// Characters besides `0-9` allowed among the digits (`*`, `#` of dial strings).
    pub extra: &'static [char],
    /// Characters dropped before checking (spaces, dashes, brackets …).
    pub ignore: fn(char) -> bool,
    /// A stored all-digit number of at least this many digits is shown with a `+`
    /// ([`display`]); `usize::MAX` never adds one.
    pub display_plus_from: usize,
}

impl Rules {
    /// Digits typed exactly (nothing dropped), with `prefix` and a count in `digits`; a
    /// leading 0 allowed, no extra characters, never shown with an added `+`. Providers
    /// change what differs with `..Rules::typed(…)`.
    pub const fn typed(prefix: Prefix, digits: RangeInclusive<usize>) -> Rules {
        Rules {
            prefix,
            digits,
            leading_zero: true,
            extra: &[],
            ignore: keep_all,
            display_plus_from: usize::MAX,
        }
    }
}

/// Nothing is dropped before checking.
pub fn keep_all(_: char) -> bool {
    false
}

/// The neutral E.164 field: `+`, then 8-15 digits, the first not 0; spaces, dashes,
/// dots and parentheses are tolerated and dropped.
pub const E164: Rules = Rules {
    leading_zero: false,
    ignore: |c| c.is_whitespace() || matches!(c, '-' | '(' | ')' | '.'),
    display_plus_from: 1,
    ..Rules::typed(Prefix::Plus, 8..=15)
};

/// Why a typed number was refused, in the order the checks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// Nothing was typed (after dropping ignored characters).
    Empty,
    /// `00` typed where a `+` is required.
    DoubleZero,
    /// No `+` where one is required.
    NoPlus,
    /// Something other than a digit (or an allowed extra) after the prefix, or nothing.
    NotDigits,
    /// The first digit is `0` where the rules forbid it.
    LeadingZero,
    /// Too few or too many digits.
    Length,
}

/// `raw` without the characters `rules` ignore (`+1 (415) 555-0100` → `+14155550100`).
pub fn strip(raw: &str, rules: &Rules) -> String {
    raw.chars().filter(|c| !(rules.ignore)(*c)).collect()
}

/// A typed number checked against `rules`: the ignored characters dropped, the prefix
/// checked and removed. Returns the digits (without `+` or `00`).
pub fn check(raw: &str, rules: &Rules) -> Result<String, Problem> {
    let cleaned = strip(raw, rules);
    if cleaned.is_empty() {
        return Err(Problem::Empty);
    }
    let digits = match rules.prefix {
        Prefix::Plus => {
            if cleaned.starts_with("00") {
                return Err(Problem::DoubleZero);
            }
            cleaned.strip_prefix('+').ok_or(Problem::NoPlus)?
        }
        Prefix::OptionalPlus => cleaned.strip_prefix('+').unwrap_or(&cleaned),
        Prefix::OptionalPlusOr00 => {
            let d = cleaned.strip_prefix('+').unwrap_or(&cleaned);
            d.strip_prefix("00").unwrap_or(d)
        }
        Prefix::None => &cleaned,
    };
    let allowed = |c: char| c.is_ascii_digit() || rules.extra.contains(&c);
    if (digits.is_empty() && !rules.digits.contains(&0)) || !digits.chars().all(allowed) {
        return Err(Problem::NotDigits);
    }
    if !rules.leading_zero && digits.starts_with('0') {
        return Err(Problem::LeadingZero);
    }
    if !rules.digits.contains(&digits.len()) {
        return Err(Problem::Length);
    }
    Ok(digits.to_owned())
}

/// Whether `raw` is a number under `rules`.
pub fn is_valid(raw: &str, rules: &Rules) -> bool {
    check(raw, rules).is_ok()
}

/// A stored number as people read it: trimmed, and an all-digit number of at least
/// [`Rules::display_plus_from`] digits gets its `+` back (`441234567890` →
/// `+441234567890`); anything else (extensions, `+44…`, names) stays as sent.
pub fn display(raw: &str, rules: &Rules) -> String {
    let t = raw.trim();
    if !t.is_empty() && t.len() >= rules.display_plus_from && t.bytes().all(|b| b.is_ascii_digit())
    {
        format!("+{t}")
    } else {
        t.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164_checks_run_in_order() {
        assert_eq!(
            check("+1 (415) 555-0100", &E164).as_deref(),
            Ok("14155550100")
        );
        assert_eq!(check("  ", &E164), Err(Problem::Empty));
        assert_eq!(check("004415550100", &E164), Err(Problem::DoubleZero));
        assert_eq!(check("4155550100", &E164), Err(Problem::NoPlus));
        assert_eq!(check("+", &E164), Err(Problem::NotDigits));
        assert_eq!(check("+1415555O100", &E164), Err(Problem::NotDigits));
        assert_eq!(check("+0123456789", &E164), Err(Problem::LeadingZero));
        assert_eq!(check("+1234567", &E164), Err(Problem::Length));
        assert_eq!(check("+1234567890123456", &E164), Err(Problem::Length));
        assert!(is_valid("+12345678", &E164));
    }

    #[test]
    fn display_adds_the_plus_from_a_length() {
        let from_8 = Rules {
            display_plus_from: 8,
            ..E164
        };
        assert_eq!(display(" 441234567890 ", &E164), "+441234567890");
        assert_eq!(display("1001", &E164), "+1001");
        assert_eq!(display("1001", &from_8), "1001");
        assert_eq!(display("61300000000", &from_8), "+61300000000");
        assert_eq!(display("+44", &E164), "+44");
        assert_eq!(display("", &E164), "");
        assert_eq!(display("anonymous", &E164), "anonymous");
    }
}
