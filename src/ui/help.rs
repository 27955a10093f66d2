//! The `?` overlay, generated from `command::COMMANDS` and the effective keymap: key
//! conflicts first, then the commands that apply everywhere, then per-pane sections
//! (`e` on Trunks, `e` on Numbers). Commands that cannot run now are greyed with the
//! reason. A legend of the state symbols follows when there is room. Commands with no key
//! show how to reach them from the palette (`:hangup`).

use crate::format::width as width_of;
use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::command::{COMMANDS, Command, CommandCtx, CommandId, availability};
use crate::keymap::{ConflictKind, Keymap};
use crate::model::{CallState, Resource};
use crate::state::ConnState;
use crate::theme::Theme;

use super::table::{call_state_style, put_clipped};

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
    // Two lines, so the legend fits an 80-column help overlay.
    let mut links = [
        vec![Span::styled("links  ", theme.header)],
        vec![Span::raw("       ")],
    ];
    for (i, s) in ConnState::legend().iter().enumerate() {
        let line = &mut links[usize::from(i >= 4)];
        line.push(Span::styled(
            format!("{} {}", s.symbol(), s.label()),
            super::status_bar::conn_style(s, theme),
        ));
        line.push(Span::raw("  "));
    }
    let [p, p2] = links.map(Line::from);
    vec![
        Line::raw(""),
        Line::from(c),
        p,
        p2,
        Line::from(vec![
            Span::styled("rows   ", theme.header),
            Span::styled("dimmed", theme.stale),
            Span::styled(
                " = data older than its refresh limit (pane title says STALE)",
                theme.key_desc,
            ),
        ]),
        Line::from(vec![
            Span::styled("ages   ", theme.header),
            Span::styled(
                "\"just now\" under 10 s (none in the status bar), then 10 s steps, min, h",
                theme.key_desc,
            ),
        ]),
        // Last two: the first legend lines to go when the overlay is short of room.
        Line::from(vec![
            Span::styled("filter ", theme.header),
            Span::styled(FILTER_LEGEND, theme.key_desc),
        ]),
    ]
}

/// The help for the effective `keymap`, with commands that cannot run in `ctx` greyed and
/// their reason, and the keymap's conflicts at the top.
pub fn render_help_with(
    frame: &mut Frame,
    area: Rect,
    keymap: &Keymap,
    ctx: &CommandCtx,
    theme: &Theme,
) {
    render(frame, area, keymap, Some(ctx), theme);
}

enum HelpLine {
    Section(String),
    /// A pane section folded into one line (other panes, when space is short).
    Summary(String),
    /// A line under a command that explains what it takes (the filter's syntax).
    Note(String),
    Entry {
        /// Every effective key, or `:name` when the command has none.
        keys: Vec<String>,
        title: &'static str,
        description: &'static str,
        reason: Option<String>,
    },
}

/// The `/` filter's syntax, under the filter command (README "Filtering" says more).
pub const FILTER_SYNTAX: &str =
    "  text · !text (not) · re:<regex> · col:value (a column header: state:ringing)";

/// The same in the legend (shown when there is room, also beside two columns).
pub const FILTER_LEGEND: &str = "text  !text not  re:<regex>  col:value (a header: state:ringing)";

/// The keymap's conflicts as sentences, then the command sections. `fold`: sections of
/// panes other than the focused one become one summary line each.
fn help_lines(
    keymap: &Keymap,
    ctx: Option<&CommandCtx>,
    fold: bool,
) -> (Vec<String>, Vec<HelpLine>) {
    let warnings = keymap
        .conflicts()
        .iter()
        .map(|c| match c.kind {
            ConflictKind::Clash => format!("⚠ {}", c.message),
            ConflictKind::TmuxPrefix => format!("⚠ tmux: {}", c.message),
        })
        .collect();
    let entry = |c: &Command| {
        let mut keys = keymap.keys_for(c.id);
        if keys.is_empty() {
            keys.push(format!(":{}", c.aliases.first().unwrap_or(&c.name)));
        }
        HelpLine::Entry {
            keys,
            title: c.title,
            description: c.description,
            reason: ctx.and_then(|ctx| availability(c, ctx).err()),
        }
    };
    let mut lines = vec![HelpLine::Section("Everywhere".into())];
    for c in COMMANDS.iter().filter(|c| c.panes.is_empty()) {
        lines.push(entry(c));
        if c.id == CommandId::Filter {
            lines.push(HelpLine::Note(FILTER_SYNTAX.into()));
        }
    }
    for r in Resource::ALL {
        let scoped: Vec<&Command> = COMMANDS.iter().filter(|c| c.panes.contains(&r)).collect();
        if scoped.is_empty() {
            continue;
        }
        if fold && ctx.is_some_and(|c| c.focus != r) {
            let parts: Vec<String> = scoped
                .iter()
                .map(|c| {
                    let key = keymap
                        .first_key(c.id)
                        .unwrap_or_else(|| format!(":{}", c.name));
                    format!("{key} {}", c.title.to_lowercase())
                })
                .collect();
            lines.push(HelpLine::Summary(format!(
                "{} pane: {}",
                r.title(),
                parts.join(" · ")
            )));
            continue;
        }
        lines.push(HelpLine::Section(format!("{} pane", r.title())));
        lines.extend(scoped.into_iter().map(entry));
    }
    (warnings, lines)
}

/// Greedy word wrap; continuation lines are indented by two spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(10);
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let len = width_of(&line);
        if len > 0 && len + 1 + width_of(word) > width {
            out.push(std::mem::replace(&mut line, "  ".to_string()));
        } else if len > 0 && line != "  " {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push(line);
    out
}

fn render(frame: &mut Frame, area: Rect, keymap: &Keymap, ctx: Option<&CommandCtx>, theme: &Theme) {
    let (warnings, mut lines) = help_lines(keymap, ctx, false);
    let mut legend_lines = legend(theme);
    let max_inner = area.width.saturating_sub(4) as usize;

    // Conflicts first, across the whole width, wrapped.
    let mut top: Vec<(String, bool)> = Vec::new();
    if !warnings.is_empty() {
        top.push(("Key conflicts".to_string(), true));
        for w in &warnings {
            top.extend(wrap(w, max_inner).into_iter().map(|l| (l, false)));
        }
    }
    let top_w = top.iter().map(|(l, _)| width_of(l)).max().unwrap_or(0);

    // One column with every key if it fits the height; otherwise two columns that show
    // the first key and the short title of each command.
    let avail_h = area.height.saturating_sub(2) as usize;
    let body_h = avail_h.saturating_sub(top.len());
    if lines.len() > 2 * body_h {
        lines = help_lines(keymap, ctx, true).1;
    }
    let mut two_cols = lines.len() > body_h;
    if two_cols {
        // Two columns have no room for notes: the filter's syntax is in the legend.
        lines.retain(|l| !matches!(l, HelpLine::Note(_)));
        two_cols = lines.len() > body_h;
    }
    let n = lines.len();
    let keys_of = |keys: &[String]| -> String {
        if two_cols {
            keys.first().cloned().unwrap_or_default()
        } else {
            keys.join(" ")
        }
    };
    let reason_text = |r: &Option<String>| r.as_ref().map(|r| format!("  ✗ {r}"));
    let mut key_w = 0;
    let mut text_w = 0;
    let mut note_w = 0;
    for l in &lines {
        match l {
            HelpLine::Entry {
                keys,
                title,
                description,
                reason,
            } => {
                let description = if two_cols { title } else { description };
                key_w = key_w.max(width_of(&keys_of(keys)));
                let dw = width_of(description) + reason_text(reason).map_or(0, |t| width_of(&t));
                text_w = text_w.max(dw);
            }
            HelpLine::Section(t) => text_w = text_w.max(width_of(t)),
            // Under the keys and descriptions, as wide as both (never widening two
            // columns: clipped there).
            HelpLine::Note(t) if !two_cols => note_w = note_w.max(width_of(t)),
            // Clipped to the column rather than widening it.
            HelpLine::Summary(_) | HelpLine::Note(_) => {}
        }
    }
    let key_w = if two_cols { key_w.min(12) } else { key_w };
    let text_w = text_w.max(note_w.saturating_sub(key_w + 2));
    let entry_w = key_w + 2 + text_w;
    let per_col = if two_cols { n.div_ceil(2) } else { n };
    let content_w = if two_cols { 2 * entry_w + 3 } else { entry_w };
    let content_w = content_w.max(top_w.min(max_inner));
    if top.len() + per_col + legend_lines.len() > avail_h {
        // Short of room: the legend goes without its filter and ages lines (the filter's
        // syntax is listed under the filter command when there is one column; both are
        // in the README) and its blank line before it goes.
        legend_lines.pop();
        legend_lines.pop();
        legend_lines.remove(0);
        // Then the `rows` line: the state symbols (calls, links) stay while they fit.
        if top.len() + per_col + legend_lines.len() > avail_h {
            legend_lines.pop();
        }
    }
    let with_legend = top.len() + per_col + legend_lines.len() <= avail_h;
    let content_w = if with_legend {
        content_w.max(legend_lines.iter().map(Line::width).max().unwrap_or(0))
    } else {
        content_w
    };
    let content_h = top.len() + per_col + if with_legend { legend_lines.len() } else { 0 };

    let w = (content_w as u16 + 4).min(area.width);
    let h = (content_h as u16 + 2).min(area.height);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    let body_rows = (h.saturating_sub(2) as usize)
        .saturating_sub(top.len())
        .min(per_col);
    let shown = body_rows
        + if two_cols {
            body_rows.min(n - per_col)
        } else {
            0
        };
    let hidden = n - shown.min(n);

    frame.render_widget(Clear, r);
    let mut title = vec![Span::styled(" Help: keys ", theme.title)];
    if let Some(ctx) = ctx {
        title.push(Span::styled(format!("· {} ", ctx.focus.title()), theme.dim));
        if ctx.read_only {
            title.push(Span::styled("· read-only ", theme.warn));
        }
    }
    let mut block = Block::bordered()
        .border_style(theme.border)
        .title_top(Line::from(title))
        .title_bottom(
            Line::from(vec![
                Span::styled(" esc ", theme.key_hint),
                Span::styled("close ", theme.key_desc),
            ])
            .right_aligned(),
        )
        .style(theme.overlay);
    if hidden > 0 {
        block = block.title_bottom(Line::styled(
            format!(" +{hidden} more in a taller terminal "),
            theme.dim,
        ));
    }
    let inner = block.inner(r).inner(Margin::new(1, 0));
    frame.render_widget(block, r);

    let col_w = if two_cols {
        inner.width.saturating_sub(3) / 2
    } else {
        inner.width
    };
    let buf = frame.buffer_mut();
    for (i, (text, header)) in top.iter().enumerate() {
        let y = inner.y + i as u16;
        if y >= inner.bottom() {
            break;
        }
        let style = if *header { theme.header } else { theme.warn };
        put_clipped(buf, inner.x, y, text, inner.width, style);
    }
    let body_y = inner.y + top.len() as u16;
    let mut draw = |i: usize, x: u16, y: u16| match &lines[i] {
        HelpLine::Section(t) => put_clipped(buf, x, y, t, col_w, theme.header),
        HelpLine::Summary(t) => put_clipped(buf, x, y, t, col_w, theme.stale),
        HelpLine::Note(t) => put_clipped(buf, x, y, t, col_w, theme.key_desc),
        HelpLine::Entry {
            keys,
            title,
            description,
            reason,
        } => {
            let description = if two_cols { title } else { description };
            let (ks, ds) = if reason.is_some() {
                (theme.stale, theme.stale)
            } else {
                (theme.key_hint, theme.key_desc)
            };
            let kw = (key_w as u16).min(col_w);
            put_clipped(buf, x, y, &keys_of(keys), kw, ks);
            let dx = x + kw + 2;
            let dw = (x + col_w).saturating_sub(dx);
            let text = match reason_text(reason) {
                Some(r) => format!("{description}{r}"),
                None => description.to_string(),
            };
            put_clipped(buf, dx, y, &text, dw, ds);
        }
    };
    for row in 0..body_rows {
        let y = body_y + row as u16;
        draw(row, inner.x, y);
        if two_cols && row + per_col < n {
            draw(row + per_col, inner.x + col_w + 3, y);
        }
    }
    if with_legend {
        for (i, line) in legend_lines.into_iter().enumerate() {
            let y = body_y + (per_col + i) as u16;
            if y >= inner.bottom() {
                break;
            }
            frame.render_widget(Paragraph::new(line), Rect::new(inner.x, y, inner.width, 1));
        }
    }
}
