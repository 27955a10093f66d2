//! The `?` overlay, generated from `command::COMMANDS`, with a legend of the state
//! symbols when there is room.

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::command::COMMANDS;
use crate::model::CallState;
use crate::state::ConnState;
use crate::theme::Theme;

use super::table::{call_state_style, put_clipped};

fn key_text(keys: &[&str]) -> String {
    keys.join(" ")
}

fn legend(theme: &Theme) -> Vec<Line<'static>> {
    let calls = [
        CallState::Ringing,
        CallState::InCall,
        CallState::Completed,
        CallState::Busy,
        CallState::Failed,
    ];
    let mut c = vec![Span::styled("calls  ", theme.header)];
    for s in calls {
        c.push(Span::styled(
            format!("{} {}", s.symbol(), s.label()),
            call_state_style(&s, theme),
        ));
        c.push(Span::raw("  "));
    }
    let conns = [
        (ConnState::Ok, theme.ok),
        (ConnState::Connecting, theme.dim),
        (ConnState::Degraded(String::new()), theme.warn),
        (ConnState::RateLimited { until_ms: 0 }, theme.warn),
        (ConnState::AuthFailed(String::new()), theme.error),
    ];
    let mut p = vec![Span::styled("links  ", theme.header)];
    for (s, st) in conns {
        p.push(Span::styled(format!("{} {}", s.symbol(), s.label()), st));
        p.push(Span::raw("  "));
    }
    vec![
        Line::raw(""),
        Line::from(c),
        Line::from(p),
        Line::from(vec![
            Span::styled("rows   ", theme.header),
            Span::styled("dimmed", theme.stale),
            Span::styled(
                " = data older than its refresh limit (pane title says STALE)",
                theme.key_desc,
            ),
        ]),
    ]
}

pub(crate) fn render_help(frame: &mut Frame, area: Rect, theme: &Theme) {
    let n = COMMANDS.len();
    let legend_lines = legend(theme);
    let legend_w = legend_lines.iter().map(Line::width).max().unwrap_or(0);
    let desc_w = COMMANDS
        .iter()
        .map(|c| c.description.len())
        .max()
        .unwrap_or(0);

    // One column with every key if it fits the height; otherwise two columns that show
    // the first key of each command (descriptions cut to fit).
    let avail_h = area.height.saturating_sub(2) as usize;
    let two_cols = n > avail_h;
    let keys_of = |i: usize| -> String {
        let keys = COMMANDS[i].keys;
        if two_cols {
            keys.first().copied().unwrap_or("").to_string()
        } else {
            key_text(keys)
        }
    };
    let key_w = (0..n)
        .map(|i| keys_of(i).chars().count())
        .max()
        .unwrap_or(0);
    let entry_w = key_w + 2 + desc_w;
    let per_col = if two_cols { n.div_ceil(2) } else { n };
    let content_w = if two_cols { 2 * entry_w + 3 } else { entry_w };
    let with_legend = per_col + legend_lines.len() <= avail_h;
    let content_w = if with_legend {
        content_w.max(legend_w)
    } else {
        content_w
    };
    let content_h = per_col + if with_legend { legend_lines.len() } else { 0 };

    let w = (content_w as u16 + 4).min(area.width);
    let h = (content_h as u16 + 2).min(area.height);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    frame.render_widget(Clear, r);
    let block = Block::bordered()
        .border_style(theme.border)
        .title_top(Line::styled(" Help: keys ", theme.title))
        .title_bottom(
            Line::from(vec![
                Span::styled(" esc ", theme.key_hint),
                Span::styled("close ", theme.key_desc),
            ])
            .right_aligned(),
        )
        .style(theme.overlay);
    let inner = block.inner(r).inner(Margin::new(1, 0));
    frame.render_widget(block, r);

    let col_w = if two_cols {
        inner.width.saturating_sub(3) / 2
    } else {
        inner.width
    };
    let buf = frame.buffer_mut();
    let mut entry = |i: usize, x: u16, y: u16| {
        let kw = (key_w as u16).min(col_w);
        put_clipped(buf, x, y, &keys_of(i), kw, theme.key_hint);
        let dx = x + kw + 2;
        let dw = (x + col_w).saturating_sub(dx);
        put_clipped(buf, dx, y, COMMANDS[i].description, dw, theme.key_desc);
    };
    let shown = per_col.min(inner.height as usize);
    for row in 0..shown {
        let y = inner.y + row as u16;
        entry(row, inner.x, y);
        if two_cols && row + per_col < n {
            entry(row + per_col, inner.x + col_w + 3, y);
        }
    }
    if with_legend {
        for (i, line) in legend_lines.into_iter().enumerate() {
            let y = inner.y + (per_col + i) as u16;
            if y >= inner.bottom() {
                break;
            }
            frame.render_widget(Paragraph::new(line), Rect::new(inner.x, y, inner.width, 1));
        }
    }
}
