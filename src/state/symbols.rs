//! Every symbol the screen draws, as data: its Unicode form, its ASCII twin and what it
//! means. `[ui] ascii = true` (or a locale that is not UTF-8) draws the twins: old jump
//! hosts and Windows consoles show `?` or nothing for ◔ ⏸ ∅ ◐.
//!
//! Each twin is one column wide, like its Unicode form, so the layout is the same in both
//! modes: the frame is drawn once and its cells are translated ([`to_ascii`]). Text that
//! comes from a provider (names in other scripts) is data, not a symbol, and is left as is.

use std::borrow::Cow;

/// The console's own state symbols, named where code picks one.
pub const OK: &str = "●";
pub const CONNECTING: &str = "○";
pub const DEGRADED: &str = "◐";
pub const UNREADABLE: &str = "≠";
pub const RATE_LIMITED: &str = "⏸";
pub const UNREACHABLE: &str = "↯";
pub const FAILED: &str = "✗";
/// A line or list item that cannot go ahead.
pub const FAILED_MARK: &str = "✗ ";
pub const DONE: &str = "✓";
pub const WARNING: &str = "⚠";
pub const SORT_DOWN: &str = "▼";
pub const SORT_UP: &str = "▲";
pub const FOLDED: &str = "▸";
pub const UNFOLDED: &str = "▾";
pub const CHILD: &str = "└";
pub const FOCUS: &str = "› ";

/// One symbol: what it looks like, its ASCII twin (one column, like the symbol) and what
/// it stands for (the help legend and README's table read the same words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Symbol {
    pub unicode: char,
    pub ascii: char,
    pub meaning: &'static str,
}

const fn s(unicode: char, ascii: char, meaning: &'static str) -> Symbol {
    Symbol {
        unicode,
        ascii,
        meaning,
    }
}

/// Every non-ASCII character the console itself draws.
pub const TABLE: &[Symbol] = &[
    // Provider and call states.
    s('●', '*', "ok / in call"),
    s('○', 'o', "connecting"),
    s('◐', '%', "degraded"),
    s('≠', '?', "unreadable"),
    s('⏸', '=', "rate-limited"),
    s('↯', '#', "unreachable"),
    s('✗', 'X', "auth failed / not possible"),
    s('✓', '+', "completed / done"),
    s('◔', '~', "ringing"),
    s('∅', '0', "no answer"),
    s('⊘', '/', "rejected"),
    s('×', 'x', "cancelled"),
    s('⚠', '!', "warning"),
    // Sorting, the account tree, pointers.
    s('▲', '^', "sorted ascending"),
    s('▼', 'v', "sorted descending"),
    s('▸', '>', "folded"),
    s('▾', 'v', "unfolded"),
    s('▶', '>', "start"),
    s('›', '>', "focused field"),
    s('‹', '<', "choice"),
    s('↺', '@', "shown above"),
    s('→', '>', "to"),
    s('←', '<', "left"),
    s('↑', '^', "up"),
    s('↓', 'v', "down"),
    // Text.
    s('…', '~', "cut / in progress"),
    s('·', '-', "separator"),
    s('—', '-', "dash"),
    s('•', '*', "hidden character"),
    // Queue sparkline, low to high.
    s('▁', '_', "bar 1/8"),
    s('▂', '.', "bar 2/8"),
    s('▃', ':', "bar 3/8"),
    s('▄', '-', "bar 4/8"),
    s('▅', '=', "bar 5/8"),
    s('▆', '+', "bar 6/8"),
    s('▇', '*', "bar 7/8"),
    s('█', '#', "bar 8/8"),
    // Borders.
    s('─', '-', "border"),
    s('│', '|', "border"),
    s('┌', '+', "border"),
    s('┐', '+', "border"),
    s('└', '+', "border / child account"),
    s('┘', '+', "border"),
    s('├', '+', "border"),
    s('┤', '+', "border"),
    s('┬', '+', "border"),
    s('┴', '+', "border"),
    s('┼', '+', "border"),
    s('╭', '+', "border"),
    s('╮', '+', "border"),
    s('╯', '+', "border"),
    s('╰', '+', "border"),
];

/// The ASCII twin of one symbol (None: not a symbol of ours).
pub fn twin(c: char) -> Option<char> {
    if c.is_ascii() {
        return Some(c);
    }
    TABLE.iter().find(|s| s.unicode == c).map(|s| s.ascii)
}

/// `text` with every symbol replaced by its twin (other characters kept).
pub fn to_ascii(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().map(|c| twin(c).unwrap_or(c)).collect())
}

/// Whether the locale says the terminal is not UTF-8: the first of `LC_ALL`, `LC_CTYPE`,
/// `LANG` that is set and not empty decides; none set means the POSIX locale (ASCII).
pub fn locale_is_ascii(lc_all: Option<&str>, lc_ctype: Option<&str>, lang: Option<&str>) -> bool {
    let Some(locale) = [lc_all, lc_ctype, lang]
        .into_iter()
        .flatten()
        .find(|v| !v.is_empty())
    else {
        return true;
    };
    let l = locale.to_ascii_lowercase();
    !(l.contains("utf-8") || l.contains("utf8"))
}

/// ASCII mode for this process: `[ui] ascii = true`, or the environment's locale.
pub fn ascii_from_env(config: bool) -> bool {
    let var = |k: &str| std::env::var(k).ok();
    config
        || locale_is_ascii(
            var("LC_ALL").as_deref(),
            var("LC_CTYPE").as_deref(),
            var("LANG").as_deref(),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_twin_is_one_ascii_column_and_symbols_are_listed_once() {
        for s in TABLE {
            assert!(s.ascii.is_ascii_graphic(), "{s:?}");
            assert_eq!(crate::format::width(&s.unicode.to_string()), 1);
            let n = TABLE.iter().filter(|t| t.unicode == s.unicode).count();
            assert_eq!(n, 1, "{} listed twice", s.unicode);
        }
        assert_eq!(to_ascii("◔ ringing · 3 → 4 ✗"), "~ ringing - 3 > 4 X");
        assert_eq!(to_ascii("東京 ok"), "東京 ok");
    }

    #[test]
    fn locale_decides_when_config_does_not() {
        assert!(!locale_is_ascii(None, None, Some("en_US.UTF-8")));
        assert!(!locale_is_ascii(Some("C.utf8"), None, Some("C")));
        assert!(locale_is_ascii(Some("C"), None, Some("en_US.UTF-8")));
        assert!(locale_is_ascii(
            Some(""),
            Some("POSIX"),
            Some("en_US.UTF-8")
        ));
        assert!(locale_is_ascii(None, None, None));
        assert!(!locale_is_ascii(None, Some("de_DE.UTF-8"), None));
    }
}
