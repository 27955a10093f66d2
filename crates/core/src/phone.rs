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

/// How a number is shown where no provider's rules apply (audit lines of neutral
/// changes): 8 to 15 digits, the first not 0, get their `+`.
pub const SHOWN: Rules = Rules {
    display_plus_from: 8,
    ..E164
};

/// A number in the one format every pane shows, by the neutral [`SHOWN`] rules.
pub fn shown(raw: &str) -> String {
    display(raw, &SHOWN)
}

/// The most digits an E.164 number has.
pub const E164_MAX_DIGITS: usize = 15;

/// A stored number as people read it, the one number format of every pane: a number
/// that is E.164 by its length and the provider's rules — all digits (a `+` already
/// there is kept), at least [`Rules::display_plus_from`] and at most 15 of them, the
/// first not 0 — is shown as `+<digits>` (`441234567890` → `+441234567890`); anything
/// else (extensions, short codes, national numbers, patterns, names) stays as sent,
/// trimmed.
pub fn display(raw: &str, rules: &Rules) -> String {
    let t = raw.trim();
    let digits = t.strip_prefix('+').unwrap_or(t);
    let e164 = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
        && (rules.display_plus_from..=E164_MAX_DIGITS).contains(&digits.len());
    if e164 {
        format!("+{digits}")
    } else {
        t.to_owned()
    }
}

/// What the `/` filter compares when an operator types a number: its digits, in the
/// shape every pane shows them, however it was typed. `+1 415 555-0100`,
/// `1415 555 0100`, `(415) 555-0100` and `00 1 415…` all give digits found in the shown
/// `+14155550100`: separators go, an international `00` goes, and a national trunk `0`
/// goes too (`020 1234 4321` → `2012344321`, found in `+442012344321`; no provider sends
/// national numbers, so no default country is needed to match them).
///
/// None when the text does not look like a number: fewer than 3 digits, or any
/// character other than digits, a leading `+` and the separators people type
/// (space, `-`, `.`, `(`, `)`, `/`).
pub fn typed_digits(typed: &str) -> Option<String> {
    let t = typed.trim();
    let body = t.strip_prefix('+').unwrap_or(t);
    if !body
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')' | '/'))
    {
        return None;
    }
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 3 {
        return None;
    }
    let international = digits.strip_prefix("00");
    let national = digits.strip_prefix('0');
    Some(international.or(national).unwrap_or(&digits).to_owned())
}

/// The digits of a shown cell that holds only a number (`+14155550100`, `1001`,
/// `+31 20 700 1001`), for [`typed_digits`] to be found in; None for any other text.
pub fn cell_digits(cell: &str) -> Option<String> {
    let t = cell.trim();
    let body = t.strip_prefix('+').unwrap_or(t);
    if body.is_empty()
        || !body.starts_with(|c: char| c.is_ascii_digit())
        || !body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')'))
    {
        return None;
    }
    Some(body.chars().filter(char::is_ascii_digit).collect())
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

    #[test]
    fn display_shows_e164_by_length_and_leaves_the_rest_as_sent() {
        let from_8 = Rules {
            display_plus_from: 8,
            ..E164
        };
        assert_eq!(display("13815249695", &from_8), "+13815249695");
        assert_eq!(display("+13815249695", &from_8), "+13815249695");
        assert_eq!(display("1004", &from_8), "1004", "an extension");
        assert_eq!(display("112", &from_8), "112", "a short code");
        assert_eq!(display("02012344321", &from_8), "02012344321", "national");
        assert_eq!(display("1234567890123456", &from_8), "1234567890123456");
        assert_eq!(display("123[4-7]", &from_8), "123[4-7]", "a pattern");
        assert_eq!(display("sip:1004@pbx", &from_8), "sip:1004@pbx");
    }

    #[test]
    fn a_number_typed_any_way_gives_the_digits_the_panes_show() {
        let shown = cell_digits("+14155550100").expect("a number");
        for typed in [
            "+1 415 555 0100",
            "14155550100",
            "(415) 555-0100",
            "1-415-555-0100",
            "001 415 555 0100",
            "+1 (415) 555.0100",
        ] {
            let d = typed_digits(typed).expect(typed);
            assert!(shown.contains(&d), "{typed} → {d}");
        }
        let uk = cell_digits("+442012344321").expect("a number");
        assert!(uk.contains(&typed_digits("020 1234 4321").expect("national")));
        assert_eq!(typed_digits("ringing"), None);
        assert_eq!(typed_digits("10:30"), None);
        assert_eq!(typed_digits("+4"), None);
        assert_eq!(cell_digits("● in call"), None);
        assert_eq!(cell_digits("12:30"), None);
        assert_eq!(cell_digits("1004").as_deref(), Some("1004"));
    }
}
