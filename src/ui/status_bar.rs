//! The bottom line: one segment per provider (state, data age, request budget), then key
//! hints generated from the command table, trimmed to fit.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::command::{COMMANDS, CommandId};
use crate::state::{ConnState, Mode, ProviderState, State};
use crate::theme::Theme;

/// "2s", "3m", "1h", "2d".
pub(crate) fn compact_secs(secs: i64) -> String {
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

fn conn_style(c: &ConnState, theme: &Theme) -> Style {
    match c {
        ConnState::Connecting => theme.dim,
        ConnState::Ok => theme.ok,
        ConnState::Degraded(_) | ConnState::RateLimited { .. } => theme.warn,
        ConnState::AuthFailed(_) => theme.error,
    }
}

/// One provider's segment. `detail`: 3 full, 2 without budget, 1 symbol, name and
/// non-ok state, 0 symbol and name.
fn provider_segment<'a>(
    p: &'a ProviderState,
    now_ms: i64,
    theme: &Theme,
    detail: u8,
) -> Vec<Span<'a>> {
    let style = conn_style(&p.conn, theme);
    let mut v = vec![
        Span::styled(p.conn.symbol(), style),
        Span::styled(" ", theme.base),
        Span::styled(p.name.as_str(), theme.title),
    ];
    if detail == 0 {
        return v;
    }
    let age = p
        .last_ok_ms
        .map(|t| compact_secs((now_ms - t) / 1000))
        .unwrap_or_default();
    match &p.conn {
        ConnState::Ok if detail >= 2 => {
            v.push(Span::styled(" ok", style));
            if !age.is_empty() {
                v.push(Span::styled(format!(" {age}"), theme.dim));
            }
        }
        ConnState::Ok => {}
        ConnState::RateLimited { until_ms } => {
            let left = compact_secs((until_ms - now_ms + 999) / 1000);
            v.push(Span::styled(format!(" rate-limited {left}"), style));
        }
        ConnState::Degraded(_) if detail >= 2 && !age.is_empty() => {
            v.push(Span::styled(" degraded", style));
            v.push(Span::styled(format!(" {age}"), theme.dim));
        }
        other => v.push(Span::styled(format!(" {}", other.label()), style)),
    }
    let b = &p.budget;
    if detail >= 3 && b.limit > 0 && matches!(p.conn, ConnState::Ok | ConnState::Degraded(_)) {
        let bstyle = if b.remaining == 0 {
            theme.warn
        } else {
            theme.dim
        };
        if b.window_s >= 60 && b.documented > 0 {
            // Long windows (VoIPcloud: 100 per 15 min): what is spent and when it frees.
            v.push(Span::styled(long_window_budget(b), bstyle));
        } else {
            v.push(Span::styled(
                format!(" · {}/{} per {}s", b.remaining, b.limit, b.window_s),
                bstyle,
            ));
        }
    }
    if detail >= 2 && p.budget.throttled > 0 {
        v.push(Span::styled(
            format!(" · 429×{}", p.budget.throttled),
            theme.warn,
        ));
    }
    v
}

/// " · budget 63/100, window resets in 7 min · calls 12s stats 30s".
pub(crate) fn long_window_budget(b: &crate::state::BudgetView) -> String {
    let resets = if b.used == 0 {
        "window empty".to_string()
    } else if b.resets_in_s >= 60 {
        format!("window resets in {} min", b.resets_in_s.div_ceil(60))
    } else {
        format!("window resets in {} s", b.resets_in_s)
    };
    let mut s = format!(" · budget {}/{}, {resets}", b.used, b.documented);
    for (label, next) in ["calls", "stats"].iter().zip(b.next_refresh_s) {
        if let Some(n) = next {
            s.push_str(&format!(" · {label} {}", compact_secs(i64::from(n))));
        }
    }
    s
}

/// A provider-reported system status (VoIPcloud `get-system-status`, on its account rows
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
        .find_map(|r| {
            r.account
                .extra
                .iter()
                .find(|(k, _)| k == "system status")
                .map(|(_, v)| v.as_str())
        });
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
            if short.chars().count() > 24 {
                short = short.chars().take(23).collect::<String>() + "…";
            }
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
    if state.mode == Mode::Filter {
        // The prompt line shows its own keys.
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
    2 + k.chars().count() + 1 + d.len()
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
    const SEP: &str = "  ";

    let build = |detail: u8| -> Vec<Span> {
        let mut v = Vec::new();
        for (i, p) in state.providers.iter().enumerate() {
            if i > 0 {
                v.push(Span::styled(SEP, theme.dim));
            }
            v.extend(provider_segment(p, state.now_ms, theme, detail));
            v.extend(system_status_segment(state, p.id, theme, detail));
        }
        v
    };
    let mut spans = Vec::new();
    let mut fitted = false;
    for detail in (0..=3).rev() {
        let s = build(detail);
        if width(&s) + min_hints <= w {
            spans = s;
            fitted = true;
            break;
        }
    }
    if !fitted {
        // Many providers on a narrow terminal: every provider keeps its symbol and the
        // start of its name rather than the last ones falling off the edge.
        let n = state.providers.len().max(1);
        let room = w.saturating_sub(min_hints + SEP.len() * (n - 1)) / n;
        let keep = room.saturating_sub(2).max(1);
        for (i, p) in state.providers.iter().enumerate() {
            if i > 0 {
                spans.push(Span::styled(SEP, theme.dim));
            }
            let name: String = if p.name.chars().count() > keep {
                let mut t: String = p.name.chars().take(keep.saturating_sub(1)).collect();
                t.push('…');
                t
            } else {
                p.name.clone()
            };
            spans.push(Span::styled(p.conn.symbol(), conn_style(&p.conn, theme)));
            spans.push(Span::styled(" ", theme.base));
            spans.push(Span::styled(name, theme.title));
        }
    }
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
