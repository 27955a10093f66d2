//! The bottom line: one segment per provider (state, data age, request budget), then key
//! hints generated from the command table, trimmed to fit.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::command::{COMMANDS, CommandId};
use crate::format;
use crate::state::{ConnState, Mode, ProviderState, State};
use crate::theme::Theme;

pub(crate) fn conn_style(c: &ConnState, theme: &Theme) -> Style {
    match c {
        ConnState::Connecting => theme.dim,
        ConnState::Ok => theme.ok,
        ConnState::Degraded(_) | ConnState::RateLimited { .. } | ConnState::Unreadable(_) => {
            theme.warn
        }
        ConnState::AuthFailed(_) | ConnState::Unreachable(_) => theme.error,
    }
}

/// How much of a provider's segment shows, from the most to the least. Every level keeps
/// the state symbol and the data age: narrower terminals lose words, then name length.
const FULL: u8 = 4;
/// Without the request budget.
const NO_BUDGET: u8 = 3;
/// Without the "ok" word and the pause countdown.
const STATE_WORDS: u8 = 2;
/// Symbol, name and data age.
const SYMBOL_NAME_AGE: u8 = 1;
/// The same, with names shortened to fit (see [`short_names`]).
const SHORT_NAMES: u8 = 0;

/// One provider's segment at `level`, with `name` as given (full or shortened).
fn provider_segment<'a>(
    p: &'a ProviderState,
    name: String,
    now_ms: i64,
    theme: &Theme,
    level: u8,
) -> Vec<Span<'a>> {
    let style = conn_style(&p.conn, theme);
    let mut v = vec![
        Span::styled(p.conn.symbol(), style),
        Span::styled(" ", theme.base),
        Span::styled(name, theme.title),
    ];
    let word = match p.conn {
        ConnState::Ok => level >= NO_BUDGET,
        _ => level >= STATE_WORDS,
    };
    if word {
        v.push(Span::styled(format!(" {}", p.conn.label()), style));
    }
    // The age of its data, whatever its state (none while under 10 s): a current outage
    // reads apart from an old one.
    if let Some(t) = p.last_ok_ms {
        let age = format::compact_age((now_ms - t) / 1000);
        if !age.is_empty() {
            v.push(Span::styled(format!(" {age}"), theme.dim));
        }
    }
    if let ConnState::RateLimited { until_ms } = p.conn
        && until_ms > now_ms
        && level >= NO_BUDGET
    {
        let left = format::compact_secs((until_ms - now_ms + 999) / 1000);
        v.push(Span::styled(format!(" · resumes in {left}"), style));
    }
    let b = &p.budget;
    if level >= FULL && b.limit > 0 && matches!(p.conn, ConnState::Ok | ConnState::Degraded(_)) {
        let bstyle = if b.remaining == 0 {
            theme.warn
        } else {
            theme.dim
        };
        if b.window_s >= 60 && b.documented > 0 {
            // Long windows (100 per 15 min, say): what is spent and when it frees.
            v.push(Span::styled(long_window_budget(b), bstyle));
        } else {
            v.push(Span::styled(
                format!(" · {}/{} per {}s", b.remaining, b.limit, b.window_s),
                bstyle,
            ));
        }
    }
    if level >= NO_BUDGET && p.budget.throttled > 0 {
        v.push(Span::styled(
            format!(" · 429×{}", p.budget.throttled),
            theme.warn,
        ));
    }
    v
}

/// Names that fit `budget` characters in all: first a prefix or suffix every
/// name shares (`-demo` of `alpha-demo`, `bravo-demo` …) goes, then the longest
/// names are cut (with `…`) to one common length so each keeps as much as the others.
pub(crate) fn short_names(names: &[&str], budget: usize) -> Vec<String> {
    let stripped = strip_common_affixes(names);
    let lens: Vec<usize> = stripped.iter().map(|n| format::width(n)).collect();
    let total = |cap: usize| lens.iter().map(|&l| l.min(cap)).sum::<usize>();
    let longest = lens.iter().copied().max().unwrap_or(0);
    let mut cap = longest;
    while cap > 1 && total(cap) > budget {
        cap -= 1;
    }
    // What is left over goes, one character each, to the first names that were cut.
    let mut spare = budget.saturating_sub(total(cap));
    stripped
        .iter()
        .zip(&lens)
        .map(|(n, &l)| {
            let mut cap = cap;
            if l > cap && spare > 0 {
                cap += 1;
                spare -= 1;
            }
            if l <= cap {
                n.clone()
            } else if cap >= 3 {
                format::clip(n, cap)
            } else {
                format::cut(n, cap).to_owned()
            }
        })
        .collect()
}

/// Drops a word every name shares at its start or end (`acme-`, `-demo`), when at least
/// two names share it and every name keeps something.
fn strip_common_affixes(names: &[&str]) -> Vec<String> {
    let seps = ['-', '_', '.', ' '];
    let mut out: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    if names.len() < 2 {
        return out;
    }
    let first = names[0];
    // Suffix: from the last separator of the first name.
    if let Some(i) = first.rfind(seps) {
        let suffix = &first[i..];
        if names
            .iter()
            .all(|n| n.len() > suffix.len() && n.ends_with(suffix))
        {
            out = out
                .iter()
                .map(|n| n[..n.len() - suffix.len()].to_string())
                .collect();
        }
    }
    let first = out[0].clone();
    if let Some(i) = first.find(seps) {
        let prefix = &first[..=i];
        if out
            .iter()
            .all(|n| n.len() > prefix.len() && n.starts_with(prefix))
        {
            out = out.iter().map(|n| n[prefix.len()..].to_string()).collect();
        }
    }
    out
}

/// " · budget 63/100, window resets in 7 min · calls 12s stats 30s".
pub(crate) fn long_window_budget(b: &crate::state::BudgetView) -> String {
    let resets = if b.used == 0 {
        "window empty".to_string()
    } else if b.resets_in_s >= 60 {
        format!("window resets in {} min", b.resets_in_s.div_ceil(60))
    } else {
        format!(
            "window resets in {}",
            format::compact_countdown(i64::from(b.resets_in_s))
        )
    };
    let mut s = format!(" · budget {}/{}, {resets}", b.used, b.documented);
    for (label, next) in ["calls", "stats"].iter().zip(b.next_refresh_s) {
        if let Some(n) = next {
            s.push_str(&format!(
                " · {label} {}",
                format::compact_countdown(i64::from(n))
            ));
        }
    }
    s
}

/// A provider-reported system status (its `get-system-status` or the like, on its account rows
/// as the `system status` field): " · system ok" when operational (full detail only),
/// " · system <status>" in the warning style otherwise.
fn system_status_segment<'a>(
    state: &'a State,
    provider: crate::model::ProviderId,
    theme: &Theme,
    detail: u8,
) -> Vec<Span<'a>> {
    let status = state
        .tables
        .accounts
        .rows
        .iter()
        .filter(|r| r.account.provider == provider)
        .find_map(|r| r.account.extra.get("system status"));
    match status {
        Some(s) if s.eq_ignore_ascii_case("operational") || s.eq_ignore_ascii_case("ok") => {
            if detail >= 3 {
                vec![Span::styled(" · system ok", theme.dim)]
            } else {
                Vec::new()
            }
        }
        Some(s) if detail >= 1 => {
            // Provider text: one line, at most 24 characters.
            let mut short: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
            short = format::clip(&short, 24);
            vec![Span::styled(format!(" · system {short}"), theme.warn)]
        }
        _ => Vec::new(),
    }
}

fn width(spans: &[Span]) -> usize {
    spans.iter().map(Span::width).sum()
}

/// The key an operator presses for `id`, as remapped in `[keys]` (`:name` when unbound).
fn first_key(state: &State, id: CommandId) -> String {
    state.keymap.first_key(id).unwrap_or_else(|| {
        let name = COMMANDS.iter().find(|c| c.id == id).map_or("?", |c| c.name);
        format!(":{name}")
    })
}

/// Key hints for the current mode, in display order, with a priority (0 = dropped
/// last).
fn hints(state: &State) -> Vec<(u8, String, &'static str)> {
    if state.overlay.is_some() {
        return vec![(0, "esc".to_string(), "close")];
    }
    if state.mode == Mode::Filter || !state.hints {
        // The prompt line shows its own keys; `--no-hints` (wall screens) shows none.
        return vec![];
    }
    vec![
        (0, first_key(state, CommandId::Help), "help"),
        (1, first_key(state, CommandId::Palette), "commands"),
        (2, first_key(state, CommandId::Filter), "filter"),
        (3, first_key(state, CommandId::SortNext), "sort"),
        (4, first_key(state, CommandId::Refresh), "refresh"),
        (5, first_key(state, CommandId::Details), "details"),
        (1, first_key(state, CommandId::Quit), "quit"),
    ]
}

fn hint_width(k: &str, d: &str) -> usize {
    2 + format::width(k) + 1 + format::width(d)
}

/// Attached to a collector: "via collector <host> · live" (or reconnecting, or down and
/// why), ahead of the providers' segments (their states as the collector sees them).
fn collector_segment<'a>(state: &State, theme: &Theme) -> Vec<Span<'a>> {
    let Some(a) = &state.attached else {
        return Vec::new();
    };
    let style = match a.link {
        crate::attach::client::Link::Live => theme.ok,
        crate::attach::client::Link::Connecting => theme.warn,
        crate::attach::client::Link::Down { .. } => theme.error,
    };
    vec![
        Span::styled(format!("via collector {}", a.host), theme.title),
        Span::styled(
            format!(" · {}", format::clip(&a.words(state.now_ms), 48)),
            style,
        ),
        Span::styled("  ", theme.dim),
    ]
}

pub(crate) fn render_status_bar(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let w = area.width as usize;
    let mut hint_list = hints(state);
    // Leave room for at least the most important hint.
    let min_hints = hint_list
        .iter()
        .find(|h| h.0 == 0)
        .map(|(_, k, d)| hint_width(k, d) + 1)
        .unwrap_or(0);
    let lead = collector_segment(state, theme);
    let min_hints = min_hints + width(&lead);
    const SEP: &str = "  ";

    let system = |p: &ProviderState, level: u8| {
        // " · system ok" only in full detail; another status down to the shortest.
        let detail = if level >= FULL { 3 } else { 1 };
        system_status_segment(state, p.id, theme, detail)
    };
    let build = |level: u8, names: &[String], sep: &'static str| -> Vec<Span> {
        let mut v = Vec::new();
        for (i, p) in state.providers.iter().enumerate() {
            if i > 0 {
                v.push(Span::styled(sep, theme.dim));
            }
            let name = names.get(i).cloned().unwrap_or_default();
            v.extend(provider_segment(p, name, state.now_ms, theme, level));
            v.extend(system(p, level));
        }
        v
    };
    let names: Vec<&str> = state.providers.iter().map(|p| p.name.as_str()).collect();
    let full_names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let stripped = strip_common_affixes(&names);
    let mut spans = Vec::new();
    // Words go before facts; before any words go, names lose what they all share.
    'fit: for level in (SYMBOL_NAME_AGE..=FULL).rev() {
        for names in [&full_names, &stripped] {
            let s = build(level, names, SEP);
            if width(&s) + min_hints <= w {
                spans = s;
                break 'fit;
            }
        }
    }
    if spans.is_empty() {
        // Many providers on a narrow terminal: names get shorter (segments start with
        // their symbol, so one space parts them), never the symbols and ages, so every
        // provider keeps its state and data age.
        let fixed: usize = state
            .providers
            .iter()
            .map(|p| {
                width(&provider_segment(
                    p,
                    String::new(),
                    state.now_ms,
                    theme,
                    SHORT_NAMES,
                )) + width(&system(p, SHORT_NAMES))
            })
            .sum();
        let seps = state.providers.len().saturating_sub(1);
        let budget = w.saturating_sub(min_hints + seps + fixed);
        spans = build(SHORT_NAMES, &short_names(&names, budget), " ");
    }
    spans.splice(0..0, lead);
    let used = width(&spans);

    // Hints, right-aligned; the least important are dropped until they fit.
    let fits = |h: &[(u8, String, &str)]| {
        used + h.iter().map(|(_, k, d)| hint_width(k, d)).sum::<usize>() < w
    };
    while !hint_list.is_empty() && !fits(&hint_list) {
        if let Some(pos) = hint_list
            .iter()
            .enumerate()
            .max_by_key(|(_, h)| h.0)
            .map(|(i, _)| i)
        {
            hint_list.remove(pos);
        }
    }
    let hw: usize = hint_list.iter().map(|(_, k, d)| hint_width(k, d)).sum();
    let mut hint_spans: Vec<Span> = Vec::new();
    for (_, k, d) in hint_list {
        hint_spans.push(Span::styled("  ", theme.base));
        hint_spans.push(Span::styled(k, theme.key_hint));
        hint_spans.push(Span::styled(format!(" {d}"), theme.key_desc));
    }
    if !hint_spans.is_empty() {
        spans.push(Span::raw(" ".repeat(w.saturating_sub(used + hw))));
        spans.extend(hint_spans);
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(theme.base), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_what_they_share_then_their_ends() {
        let demo = [
            "northwind-demo",
            "southport-demo",
            "delta-demo",
            "harbours-demo",
            "westgate-demo",
        ];
        assert_eq!(
            short_names(&demo, 100),
            ["northwind", "southport", "delta", "harbours", "westgate"]
        );
        // 39 characters needed, 36 there: the longest are cut to one length, the spare
        // characters go to the first of them.
        assert_eq!(
            short_names(&demo, 36),
            ["northwi…", "southpo…", "delta", "harbours", "westga…"]
        );
        assert_eq!(short_names(&["acme-cx", "acme-vc"], 100), ["cx", "vc"]);
        // Nothing shared, or a name that would be left empty: unchanged.
        assert_eq!(short_names(&["cx", "vc-demo"], 100), ["cx", "vc-demo"]);
        assert_eq!(short_names(&["demo", "x-demo"], 100), ["demo", "x-demo"]);
        assert_eq!(short_names(&["solo-demo"], 100), ["solo-demo"]);
        // Never below one character each.
        assert_eq!(short_names(&["alpha", "beta"], 0), ["a", "b"]);
    }
}
