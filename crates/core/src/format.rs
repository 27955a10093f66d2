//! Small text formatters shared by panes, the status bar and `snapshot`.
//!
//! Widths are terminal columns, not chars: a CJK character or most emoji take two
//! columns, a combining mark none ([`width`], [`clip`], [`pad`]).

use unicode_truncate::{Alignment, UnicodeTruncateStr};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The ellipsis that marks a cut (one column).
pub const ELLIPSIS: char = '…';

/// Terminal columns of `s` (as ratatui counts them).
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Terminal columns of one char (control chars count 0).
pub fn char_width(c: char) -> usize {
    UnicodeWidthChar::width(c).unwrap_or(0)
}

/// `s` cut to at most `w` columns, the cut marked with `…` (which takes the last
/// column). A wide char that would straddle the edge is left out whole.
pub fn clip(s: &str, w: usize) -> String {
    if width(s) <= w {
        return s.to_owned();
    }
    if w == 0 {
        return String::new();
    }
    let (head, _) = s.unicode_truncate(w - 1);
    let mut out = String::with_capacity(head.len() + ELLIPSIS.len_utf8());
    out.push_str(head);
    out.push(ELLIPSIS);
    out
}

/// At most `w` columns of `s`, cut without a mark.
pub fn cut(s: &str, w: usize) -> &str {
    s.unicode_truncate(w).0
}

/// `s` clipped (see [`clip`]) and padded with spaces on the right to exactly `w`
/// columns (one fewer when a wide char was left out at the edge and there is no room).
pub fn pad(s: &str, w: usize) -> String {
    clip(s, w)
        .unicode_pad(w, Alignment::Left, false)
        .into_owned()
}

/// `mm:ss`, or `h:mm:ss` from an hour on.
pub fn duration(secs: i64) -> String {
    let s = secs.max(0);
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 60, s % 60)
    }
}

/// Local wall-clock time `HH:MM:SS` of an epoch-milliseconds instant; `MM-DD HH:MM` when it
/// is not on the same local day as `now_ms`.
pub fn clock(ms: i64, now_ms: i64, tz: &jiff::tz::TimeZone) -> String {
    let (Ok(t), Ok(now)) = (
        jiff::Timestamp::from_millisecond(ms),
        jiff::Timestamp::from_millisecond(now_ms),
    ) else {
        return "-".to_string();
    };
    let z = t.to_zoned(tz.clone());
    let n = now.to_zoned(tz.clone());
    if z.date() == n.date() {
        z.strftime("%H:%M:%S").to_string()
    } else {
        z.strftime("%m-%d %H:%M").to_string()
    }
}

/// "3 s ago", "4 min ago", "2 h ago".
/// How old something is, coarse on purpose: "just now" under 10 s, then 10 s steps,
/// minutes, hours. Freshness stays readable while a screen whose data keeps arriving
/// does not rewrite the age every second (each rewrite is bytes over SSH).
pub fn age(since_ms: i64, now_ms: i64) -> String {
    let s = ((now_ms - since_ms) / 1000).max(0);
    if s < 10 {
        "just now".to_string()
    } else if s < 60 {
        format!("{} s ago", s / 10 * 10)
    } else if s < 3600 {
        format!("{} min ago", s / 60)
    } else {
        format!("{} h ago", s / 3600)
    }
}

/// [`age`] in the status bar's short form: nothing under 10 s (fresh data needs no
/// age, and the room goes to provider names), then "10s" … "50s", "3m", "1h", "2d".
pub fn compact_age(secs: i64) -> String {
    let s = secs.max(0);
    if s < 10 {
        String::new()
    } else if s < 60 {
        format!("{}s", s / 10 * 10)
    } else {
        compact_secs(s)
    }
}

/// A countdown in 10 s steps, rounded up (it never promises sooner than it will be):
/// "<10s", "20s" … "60s", then "2m" ….
pub fn compact_countdown(secs: i64) -> String {
    let s = secs.max(0) as u64;
    if s < 10 {
        "<10s".to_string()
    } else if s <= 60 {
        format!("{}s", s.div_ceil(10) * 10)
    } else {
        compact_secs((s.div_ceil(60) * 60) as i64)
    }
}

/// "2s", "3m", "1h", "2d".
pub fn compact_secs(secs: i64) -> String {
    let s = secs.max(0);
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m", s / 60)
    } else if s < 86_400 {
        format!("{}h", s / 3600)
    } else {
        format!("{}d", s / 86_400)
    }
}

pub fn opt_bool(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "yes",
        Some(false) => "no",
        None => "-",
    }
}

pub fn opt_num<T: std::fmt::Display>(n: Option<T>) -> String {
    match n {
        Some(v) => v.to_string(),
        None => "-".to_string(),
    }
}

/// A CSV cell a spreadsheet will not run: text starting with `=`, `+`, `-`, `@`, a tab
/// or a carriage return is a formula to Excel, LibreOffice and Sheets (a caller name
/// `=HYPERLINK(…)` from a provider would run when the operator opens the export), so it
/// gets a leading `'`. Numbers and phone numbers (`+1 555-0100`, `-3.5`) stay as they are.
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let Some(first) = cell.chars().next() else {
        return cell.into();
    };
    let numeric = |rest: &str| {
        !rest.is_empty()
            && rest.chars().any(|c| c.is_ascii_digit())
            && rest
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')'))
    };
    let risky = match first {
        '=' | '@' | '\t' | '\r' => true,
        '+' | '-' => !numeric(&cell[1..]),
        _ => false,
    };
    if risky {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// At most `max` chars of `s`, then `…` when anything was cut. A length cap for stored
/// text (messages, extra fields), not a layout width: see [`clip`] for columns.
pub fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_owned(),
        Some((i, _)) => format!("{}…", &s[..i]),
    }
}

/// Edit distance for "did you mean" hints (config keys, command names): insertions,
/// deletions, substitutions and transpositions of two neighbours each count as one
/// (optimal string alignment).
pub fn edit_distance(a: &str, b: &str) -> usize {
    strsim::osa_distance(a, b)
}

/// The candidate closest to a mistyped `word` ("did you mean"), compared after
/// `normalise` (applied to both): at most 2 edits, and fewer than half the candidate's
/// length plus one (so a short word is not "close" to everything). The first of equally
/// close candidates wins.
pub fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    normalise: impl Fn(&str) -> String,
) -> Option<&'a str> {
    let word = normalise(word);
    candidates
        .into_iter()
        .map(|c| (c, edit_distance(&word, &normalise(c))))
        .filter(|(c, d)| *d <= 2 && *d < c.len() / 2 + 1)
        .min_by_key(|(_, d)| *d)
        .map(|(c, _)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheet_formulas_are_defused_and_numbers_kept() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(
            spreadsheet_safe("+cmd|' /C calc'!A0"),
            "'+cmd|' /C calc'!A0"
        );
        assert_eq!(spreadsheet_safe("-2+3"), "'-2+3");
        assert_eq!(spreadsheet_safe("\tx"), "'\tx");
        for kept in ["+1 555-0100", "+442071838750", "-3.5", "acme", "", "42"] {
            assert_eq!(spreadsheet_safe(kept), kept);
        }
    }

    #[test]
    fn ages_are_coarse_until_they_matter() {
        let now = 1_000_000_000;
        assert_eq!(age(now - 9_999, now), "just now");
        assert_eq!(age(now - 10_000, now), "10 s ago");
        assert_eq!(age(now - 59_000, now), "50 s ago");
        assert_eq!(age(now - 61_000, now), "1 min ago");
        assert_eq!(age(now - 7_200_000, now), "2 h ago");
        assert_eq!(age(now + 5_000, now), "just now");
        assert_eq!(compact_age(3), "");
        assert_eq!(compact_age(27), "20s");
        assert_eq!(compact_age(61), "1m");
    }

    #[test]
    fn countdowns_round_up_in_10_s_steps() {
        assert_eq!(compact_countdown(0), "<10s");
        assert_eq!(compact_countdown(9), "<10s");
        assert_eq!(compact_countdown(10), "10s");
        assert_eq!(compact_countdown(11), "20s");
        assert_eq!(compact_countdown(60), "60s");
        assert_eq!(compact_countdown(61), "2m");
    }

    #[test]
    fn durations_and_ages_read_naturally() {
        assert_eq!(duration(0), "00:00");
        assert_eq!(duration(75), "01:15");
        assert_eq!(duration(3725), "1:02:05");
        assert_eq!(duration(-5), "00:00");
        // Coarse since issue 14: under 10 s is "just now".
        assert_eq!(age(0, 3_000), "just now");
        assert_eq!(age(0, 13_000), "10 s ago");
        assert_eq!(age(0, 125_000), "2 min ago");
        assert_eq!(age(0, 7_300_000), "2 h ago");
    }

    #[test]
    fn clip_and_pad_count_terminal_columns() {
        // ASCII: as before.
        assert_eq!(clip("hello", 5), "hello");
        assert_eq!(clip("hello", 4), "hel…");
        assert_eq!(clip("hello", 1), "…");
        assert_eq!(clip("hello", 0), "");
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(pad("abcdef", 4), "abc…");
        // CJK: two columns each.
        assert_eq!(width("東京"), 4);
        assert_eq!(clip("東京都庁", 8), "東京都庁");
        assert_eq!(clip("東京都庁", 7), "東京都…");
        // A wide char never straddles the edge: 5 columns hold 東京 and the mark.
        assert_eq!(clip("東京都庁", 6), "東京…");
        assert_eq!(clip("東京都庁", 5), "東京…");
        assert_eq!(width(&clip("東京都庁", 5)), 5);
        assert_eq!(pad("東京", 6), "東京  ");
        assert_eq!(pad("東京都庁", 6), "東京… ");
        assert_eq!(width(&pad("東京都庁", 6)), 6);
        // Emoji: two columns.
        assert_eq!(width("📞 call"), 7);
        assert_eq!(clip("📞📞📞", 4), "📞…");
        assert_eq!(pad("a📞", 5), "a📞  ");
        // Mixed: a name column lines up whatever the script.
        for name in ["acme", "東京支店", "café ☕", "📞 desk"] {
            assert_eq!(width(&pad(name, 6)), 6, "{name}");
        }
        assert_eq!(cut("東京都", 3), "東");
        assert_eq!(char_width('東'), 2);
        assert_eq!(char_width('a'), 1);
    }

    #[test]
    fn truncate_chars_caps_length_not_width() {
        assert_eq!(truncate_chars("abc", 3), "abc");
        assert_eq!(truncate_chars("abcd", 3), "abc…");
        assert_eq!(truncate_chars("東京都庁", 2), "東京…");
    }

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("timeout", "timeout_seconds"), 8);
        // A transposition is one edit (it was two before `strsim::osa_distance`).
        assert_eq!(edit_distance("qiut", "quit"), 1);
        assert_eq!(edit_distance("", "ab"), 2);
    }

    #[test]
    fn did_you_mean_counts_a_transposition_as_one_edit() {
        let keys = ["timeout", "retries", "name"];
        let same = |s: &str| s.to_owned();
        assert_eq!(edit_distance("timeuot", "timeout"), 1);
        assert_eq!(closest("timeuot", keys, same), Some("timeout"));
        // Two transpositions are two edits: still close for a long word.
        assert_eq!(closest("itmeuot", keys, same), Some("timeout"));
        // Short candidates need a closer match.
        assert_eq!(closest("nmea", keys, same), Some("name"));
        assert_eq!(closest("xyz", keys, same), None);
        assert_eq!(
            closest("Time-Out", keys, |s: &str| s
                .to_ascii_lowercase()
                .replace('-', "")),
            Some("timeout")
        );
    }

    #[test]
    fn clock_is_total_over_any_instant() {
        let tz = jiff::tz::TimeZone::UTC;
        assert_eq!(clock(0, 1_000, &tz), "00:00:00");
        assert_eq!(clock(i64::MAX, 0, &tz), "-");
        assert_eq!(clock(86_400_000 * 3, 0, &tz), "01-04 00:00");
    }
}
