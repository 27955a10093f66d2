//! The `?` overlay, generated from `command::COMMANDS` and the effective keymap: key
//! conflicts first, then the commands that apply everywhere, then per-pane sections
//! (`e` on Trunks, `e` on Numbers). Commands that cannot run now are greyed with the
//! reason. A legend of the state symbols follows when there is room. Commands with no key
//! show how to reach them from the palette (`:hangup`).

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::command::CommandCtx;
use crate::keymap::Keymap;
use crate::model::CallState;
use crate::state::ConnState;
use crate::state::help_text::{self, HelpKind, LEGEND_LINES};
use crate::theme::Theme;

use super::table::{call_state_style, put_clipped};

/// Under the legend's filter line (README "Filtering" says more).
pub const FILTER_LEGEND: &str = "text  !text not  re:<regex>  col:value (a header: state:ringing)";

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
                "\"just now\" under 10 s (status bar: none), then 10 s steps, min, h",
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

/// The help for the effective `keymap` from its first line, with commands that cannot
/// run in `ctx` greyed and their reason, and the keymap's conflicts at the top.
pub fn render_help_with(
    frame: &mut Frame,
    area: Rect,
    keymap: &Keymap,
    ctx: &CommandCtx,
    theme: &Theme,
) {
    render_help(frame, area, keymap, ctx, 0, theme);
}

/// The help scrolled to line `scroll` (j/k, PgUp/PgDn): one column, every entry wrapped
/// under its description, then the symbol legend.
pub fn render_help(
    frame: &mut Frame,
    area: Rect,
    keymap: &Keymap,
    ctx: &CommandCtx,
    scroll: u16,
    theme: &Theme,
) {
    let (inner_w, body_h) = help_text::geometry((area.width, area.height));
    let lines = help_text::lines(keymap, Some(ctx), inner_w);
    let legend_lines = legend(theme);
    debug_assert_eq!(legend_lines.len(), LEGEND_LINES);
    let total = lines.len() + legend_lines.len();
    let max = total.saturating_sub(body_h);
    let top = (scroll as usize).min(max);

    let w = (inner_w as u16 + 4).min(area.width);
    let h = (total.min(body_h) as u16 + 2).min(area.height);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    frame.render_widget(Clear, r);
    let mut title = vec![Span::styled(" Help: keys ", theme.title)];
    title.push(Span::styled(format!("· {} ", ctx.focus.title()), theme.dim));
    if ctx.read_only {
        title.push(Span::styled("· read-only ", theme.warn));
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
    if max > 0 {
        let shown_to = (top + body_h).min(total);
        block = block.title_bottom(Line::from(vec![
            Span::styled(" j/k pgup/pgdn ", theme.key_hint),
            Span::styled(
                format!("scroll · lines {}-{shown_to} of {total} ", top + 1),
                theme.dim,
            ),
        ]));
    }
    let inner = block.inner(r).inner(Margin::new(1, 0));
    frame.render_widget(block, r);
    for row in 0..inner.height as usize {
        let i = top + row;
        let y = inner.y + row as u16;
        if let Some(l) = lines.get(i) {
            let buf = frame.buffer_mut();
            match l.kind {
                HelpKind::Warning => put_clipped(buf, inner.x, y, &l.text, inner.width, theme.warn),
                HelpKind::Section => {
                    put_clipped(buf, inner.x, y, &l.text, inner.width, theme.header)
                }
                HelpKind::Note => {
                    let line = format!("{}  {}", l.keys, l.text);
                    put_clipped(buf, inner.x, y, &line, inner.width, theme.key_desc)
                }
                HelpKind::Entry { greyed } => {
                    let (ks, ds) = if greyed {
                        (theme.stale, theme.stale)
                    } else {
                        (theme.key_hint, theme.key_desc)
                    };
                    let kw = crate::format::width(&l.keys) as u16;
                    put_clipped(buf, inner.x, y, &l.keys, inner.width, ks);
                    if !l.text.is_empty() {
                        let dx = inner.x + kw + 2;
                        let dw = inner.right().saturating_sub(dx);
                        put_clipped(buf, dx, y, &l.text, dw, ds);
                    }
                }
            }
        } else if let Some(line) = legend_lines.get(i - lines.len()) {
            frame.render_widget(
                Paragraph::new(line.clone()),
                Rect::new(inner.x, y, inner.width, 1),
            );
        }
    }
}
