//! The `/` filter's syntax, parsed once when the filter changes (never per row):
//!
//! | typed | keeps rows … |
//! |---|---|
//! | `text` | with `text` in any column (case-insensitive, as before) |
//! | `!text` | without `text` in any column |
//! | `re:<regex>` | where the regular expression matches any column (case-insensitive) |
//! | `col:value` | whose column `col` (a header, case-insensitive; spaces and marks such as `%` or `/` may be left out) contains `value` |
//!
//! Text that looks like a number (digits with `+`, spaces, dashes, dots, brackets) also
//! finds that number however it is shown: `+1 415 555 0100`, `14155550100`,
//! `(415) 555-0100` and `00 1 415…` all keep the rows showing `+14155550100`
//! (`phone::typed_digits`).
//!
//! They combine: `!state:ringing`, `to:re:^\+44`, `!re:^ext`. A prefix that names no
//! column of the pane is plain text (`10:30` and `sip:alice` still search every column).
//! An empty value filters nothing. A bad regular expression is an error the console
//! shows; the filter stays as typed and keeps no row until it is fixed.

/// Marks a regular expression: `re:<regex>`.
pub const REGEX_MARK: &str = "re:";
/// Inverts the filter: `!text`.
pub const INVERT_MARK: char = '!';
/// How every filter error message begins (so the message line can clear it once the
/// filter is fixed).
pub const ERROR_PREFIX: &str = "filter: ";

/// How a value is looked for in a cell's text.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// A case-insensitive substring (kept lower-cased).
    Text(String),
    /// A regular expression, compiled case-insensitive.
    Regex(regex_lite::Regex),
    /// Typed text that looks like a number: found as text, or by its digits in a cell
    /// that holds only a number.
    Number { text: String, digits: String },
}

impl Matcher {
    pub fn matches(&self, cell: &str) -> bool {
        match self {
            Matcher::Text(needle) => contains_folded(cell, needle),
            Matcher::Regex(re) => re.is_match(cell),
            Matcher::Number { text, digits } => {
                contains_folded(cell, text)
                    || crate::phone::cell_digits(cell).is_some_and(|d| d.contains(digits.as_str()))
            }
        }
    }
}

/// `haystack` contains `needle_lower` (already lower-cased), ignoring case. ASCII text
/// (most cells) is compared without allocating.
fn contains_folded(haystack: &str, needle_lower: &str) -> bool {
    if needle_lower.is_empty() {
        return true;
    }
    if haystack.is_ascii() && needle_lower.is_ascii() {
        let (h, n) = (haystack.as_bytes(), needle_lower.as_bytes());
        return h.len() >= n.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
    }
    haystack.to_lowercase().contains(needle_lower)
}

/// A parsed filter.
#[derive(Debug, Clone)]
pub struct Filter {
    pub invert: bool,
    /// The one column searched (index into the pane's columns), or every column.
    pub column: Option<usize>,
    pub matcher: Matcher,
}

impl Filter {
    /// Whether a row is kept, given its cells' text by column index.
    pub fn keeps(&self, columns: usize, cell: impl Fn(usize) -> String) -> bool {
        let hit = match self.column {
            Some(c) => self.matcher.matches(&cell(c)),
            None => (0..columns).any(|c| self.matcher.matches(&cell(c))),
        };
        hit != self.invert
    }
}

/// A column title as the filter compares it: lower-case letters and digits only
/// (`Routes to` → `routesto`, `Aband%` → `aband`, `T/out` → `tout`).
fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Parses what was typed after `/` against the pane's column titles. `Ok(None)`: no
/// filter (empty, or only markers so far). `Err`: a message for the operator.
pub fn parse(typed: &str, titles: &[&str]) -> Result<Option<Filter>, String> {
    let (invert, rest) = match typed.strip_prefix(INVERT_MARK) {
        Some(r) => (true, r),
        None => (false, typed),
    };
    let (column, rest) = match split_column(rest, titles) {
        Some((c, value)) => (Some(c), value),
        None => (None, rest),
    };
    let matcher = match strip_prefix_folded(rest, REGEX_MARK) {
        Some("") => return Ok(None),
        Some(pattern) => regex_lite::RegexBuilder::new(pattern)
            .case_insensitive(true)
            .build()
            .map(Matcher::Regex)
            .map_err(|e| format!("{ERROR_PREFIX}bad regular expression after {REGEX_MARK}: {e}"))?,
        None if rest.is_empty() => return Ok(None),
        None => match crate::phone::typed_digits(rest) {
            Some(digits) => Matcher::Number {
                text: rest.to_lowercase(),
                digits,
            },
            None => Matcher::Text(rest.to_lowercase()),
        },
    };
    Ok(Some(Filter {
        invert,
        column,
        matcher,
    }))
}

/// `col:value` when `col` names one of `titles`: (column index, value).
fn split_column<'a>(s: &'a str, titles: &[&str]) -> Option<(usize, &'a str)> {
    let (name, value) = s.split_once(':')?;
    let name = squash(name);
    if name.is_empty() || name == squash(REGEX_MARK) {
        return None;
    }
    let column = titles.iter().position(|t| squash(t) == name)?;
    Some((column, value))
}

fn strip_prefix_folded<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TITLES: &[&str] = &["State", "Provider", "Routes to", "Aband%", "T/out"];

    fn keeps(typed: &str, row: &[&str]) -> bool {
        match parse(typed, TITLES).expect("parses") {
            None => true,
            Some(f) => f.keeps(row.len(), |c| row[c].to_string()),
        }
    }

    #[test]
    fn plain_text_searches_every_column_ignoring_case() {
        let row = ["◔ ringing", "East-PBX", "sales", "12%", "3"];
        assert!(keeps("east", &row));
        assert!(keeps("RING", &row));
        assert!(!keeps("busy", &row));
        assert!(keeps("", &row));
    }

    #[test]
    fn bang_inverts_and_column_prefixes_narrow() {
        let row = ["◔ ringing", "east-pbx", "sales", "12%", "3"];
        assert!(!keeps("!ringing", &row));
        assert!(keeps("!busy", &row));
        assert!(keeps("state:ringing", &row));
        assert!(!keeps("state:sales", &row), "only the State column");
        assert!(keeps("STATE:Ring", &row));
        assert!(keeps("routes to:sales", &row));
        assert!(keeps("routesto:sales", &row));
        assert!(keeps("aband:12", &row));
        assert!(keeps("tout:3", &row));
        assert!(!keeps("!provider:east", &row));
        // Markers alone filter nothing yet.
        assert!(keeps("!", &row));
        assert!(keeps("state:", &row));
    }

    #[test]
    fn an_unknown_prefix_is_plain_text() {
        let row = ["sip:alice@example.com", "10:30", "x", "y", "z"];
        assert!(keeps("sip:alice", &row));
        assert!(keeps("10:30", &row));
        assert!(!keeps("sip:bob", &row));
    }

    #[test]
    fn regexes_match_per_cell_case_insensitive() {
        let row = ["● in call", "west-pbx", "+61299998888", "0%", "0"];
        assert!(keeps("re:^\\+61", &row));
        assert!(!keeps("re:^61", &row));
        assert!(keeps("re:WEST.*pbx$", &row));
        assert!(keeps("routes to:re:8888$", &row));
        assert!(!keeps("state:re:^\\+61", &row));
        assert!(!keeps("!re:pbx", &row));
        assert!(keeps("RE:pbx", &row));
        assert!(keeps("re:", &row), "no pattern yet");
    }

    #[test]
    fn a_number_is_found_however_it_is_typed() {
        let row = ["● in call", "vc-prod", "+14155550100", "12%", "1001"];
        for typed in [
            "+1 415 555 0100",
            "14155550100",
            "(415) 555-0100",
            "001 415 555 0100",
            "routes to:+1 (415) 555-0100",
        ] {
            assert!(keeps(typed, &row), "{typed}");
        }
        assert!(!keeps("+1 415 555 0199", &row));
        assert!(!keeps("!(415) 555-0100", &row));
        assert!(keeps("1001", &row), "an extension as sent");
        assert!(!keeps("state:415 555", &row), "only the State column");
    }

    #[test]
    fn a_bad_regex_is_a_clear_error() {
        let err = parse("re:(ring", TITLES).expect_err("unclosed group");
        assert!(err.starts_with("filter: bad regular expression"), "{err}");
        assert!(err.contains("')'"), "{err}");
        assert!(parse("state:re:[a-", TITLES).is_err());
    }
}
