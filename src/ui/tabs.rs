//! The top line: pane tabs with their number keys, the focused one highlighted.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::model::Resource;
use crate::state::State;
use crate::theme::Theme;

fn short_title(r: Resource) -> &'static str {
    match r {
        Resource::Accounts => "Acct",
        Resource::LiveCalls => "Live",
        Resource::CallHistory => "Hist",
        Resource::Trunks => "Trnk",
        Resource::Numbers => "Nums",
        Resource::Queues => "Queue",
    }
}

/// Tab labels at a level of detail: 0 full, 1 short names for unfocused tabs, 2 numbers
/// only for unfocused tabs.
fn labels(state: &State, level: u8) -> Vec<String> {
    // What the live-calls pane shows (scope and filter applied).
    let live = state.tables.live.view.len();
    Resource::ALL
        .iter()
        .map(|&r| {
            let n = r.index() + 1;
            let focused = r == state.focus;
            let name = match (focused, level) {
                (true, _) | (false, 0) => r.title(),
                (false, 1) => short_title(r),
                _ => "",
            };
            let mut s = if name.is_empty() {
                format!(" {n} ")
            } else {
                format!(" {n} {name} ")
            };
            if r == Resource::LiveCalls && (focused || level < 2) {
                s.insert_str(s.len() - 1, &format!(" ({live})"));
            }
            s
        })
        .collect()
}

/// The right end of the top line: write-mode banner, read-only marker, scope.
fn indicators<'a>(state: &State, theme: &Theme) -> Vec<Span<'a>> {
    let mut out = Vec::new();
    if let Some(scope) = &state.scope {
        let name = state
            .provider_names
            .get(scope.provider.0 as usize)
            .cloned()
            .unwrap_or_default();
        let text = match &scope.account {
            Some(a) => format!(" scope {name}/{a} "),
            None => format!(" scope {name} "),
        };
        out.push(Span::styled(text, theme.info));
    }
    let now = state.now_ms;
    match state.write.write_until_ms {
        Some(until) if state.write.read_only && until > now => {
            let left = ((until - now) / 1000).max(0);
            out.push(Span::styled(
                format!(" WRITE MODE {}:{:02} ", left / 60, left % 60),
                theme.warn.add_modifier(ratatui::style::Modifier::REVERSED),
            ));
        }
        _ if state.write.read_only => out.push(Span::styled(" read-only ", theme.dim)),
        _ => {}
    }
    out
}

pub(crate) fn render_tabs(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let right = indicators(state, theme);
    let right_w: usize = right.iter().map(|s| crate::format::width(&s.content)).sum();
    let width = (area.width as usize).saturating_sub(right_w);
    let mut chosen = labels(state, 2);
    for level in 0..2 {
        let l = labels(state, level);
        if l.iter().map(|s| crate::format::width(s) + 1).sum::<usize>() <= width {
            chosen = l;
            break;
        }
    }
    let mut spans = Vec::with_capacity(16);
    let mut used = 0;
    for (r, label) in Resource::ALL.iter().zip(chosen) {
        let style = if *r == state.focus {
            theme.tab_active
        } else {
            theme.tab_inactive
        };
        used += crate::format::width(&label) + 1;
        spans.push(Span::styled(label, style));
        spans.push(Span::raw(" "));
    }
    const APP: &str = "switchboard ";
    if right.is_empty() {
        if used + APP.len() + 2 <= width {
            spans.push(Span::raw(" ".repeat(width - used - APP.len())));
            spans.push(Span::styled(APP, theme.dim));
        }
    } else {
        spans.push(Span::raw(" ".repeat(width.saturating_sub(used))));
        spans.extend(right);
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(theme.base), area);
}
