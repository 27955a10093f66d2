//! The `:` command palette: a box centred near the top (k9s-like) with the input line,
//! then the matching commands: title, name (dim), keys right-aligned. Commands that cannot
//! run now are greyed, marked `✗` and show their reason instead of their keys. The
//! selected row is reversed so it shows without colour.

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::palette::{Palette, PaletteItem};
use crate::state::symbols::FAILED_MARK;
use crate::theme::Theme;

use super::table::put_clipped;

pub use super::help::render_help_with;

/// Rows of the list at most (the box should not hide the whole screen).
const MAX_ROWS: u16 = 12;
/// Widest box.
const MAX_WIDTH: u16 = 110;

/// Draws the palette over `area` (the whole screen).
pub fn render_palette(
    frame: &mut Frame,
    area: Rect,
    palette: &Palette,
    items: &[PaletteItem],
    theme: &Theme,
) {
    if area.width < 10 || area.height < 6 {
        return;
    }
    let w = if area.width >= 24 {
        (area.width - 4).min(MAX_WIDTH)
    } else {
        area.width
    };
    let top = if area.height >= 16 { 1 } else { 0 };
    let notice = u16::from(palette.notice.is_some());
    // Borders, input line, rule, notice.
    let chrome = 2 + 2 + notice;
    let room = area.height.saturating_sub(top + chrome).min(MAX_ROWS);
    let rows = (items.len() as u16).clamp(1, room.max(1));
    let h = (chrome + rows).min(area.height - top);
    let r = Rect::new(area.x + (area.width - w) / 2, area.y + top, w, h);

    frame.render_widget(Clear, r);
    let hints: &[(&str, &str)] = if w >= 60 {
        &[
            ("↑↓", "select"),
            ("tab", "complete"),
            ("enter", "run"),
            ("esc", "close"),
        ]
    } else {
        &[("enter", "run"), ("esc", "close")]
    };
    let mut bottom = Vec::new();
    for (k, d) in hints {
        bottom.push(Span::styled(format!(" {k} "), theme.key_hint));
        bottom.push(Span::styled(format!("{d} "), theme.key_desc));
    }
    let block = Block::bordered()
        .border_style(theme.border)
        .title_top(Line::styled(" Command ", theme.title))
        .title_bottom(Line::from(bottom).right_aligned())
        .style(theme.overlay);
    let inner = block.inner(r).inner(Margin::new(1, 0));
    frame.render_widget(block, r);
    if inner.height < 2 || inner.width < 4 {
        return;
    }

    // The input line.
    let input = &palette.input;
    let field_w = inner.width - 1;
    let scroll = input.visual_scroll(field_w.saturating_sub(1) as usize);
    frame.render_widget(
        Paragraph::new(Span::styled(":", theme.key_hint)),
        Rect::new(inner.x, inner.y, 1, 1),
    );
    frame.render_widget(
        Paragraph::new(Span::styled(input.value(), theme.input)).scroll((0, scroll as u16)),
        Rect::new(inner.x + 1, inner.y, field_w, 1),
    );
    let cx = input.visual_cursor().saturating_sub(scroll) as u16;
    frame.set_cursor_position((inner.x + 1 + cx.min(field_w.saturating_sub(1)), inner.y));

    // The rule, with the count at its right.
    let buf = frame.buffer_mut();
    let rule_y = inner.y + 1;
    let rule: String = "─".repeat(inner.width as usize);
    buf.set_stringn(
        inner.x,
        rule_y,
        &rule,
        inner.width as usize,
        theme.border_inactive,
    );
    let runnable = items.iter().filter(|i| i.available.is_ok()).count();
    let count = if runnable == items.len() {
        format!(" {} ", items.len())
    } else {
        format!(" {runnable} of {} runnable ", items.len())
    };
    let cw = crate::format::width(&count) as u16;
    if cw + 2 <= inner.width {
        buf.set_stringn(
            inner.right() - cw - 1,
            rule_y,
            &count,
            cw as usize,
            theme.dim,
        );
    }

    // The list.
    let list = Rect::new(
        inner.x,
        inner.y + 2,
        inner.width,
        inner.height.saturating_sub(2 + notice),
    );
    if items.is_empty() {
        if list.height > 0 {
            put_clipped(
                buf,
                list.x + 2,
                list.y,
                "no matching command",
                list.width.saturating_sub(2),
                theme.dim,
            );
        }
    } else {
        let n = list.height as usize;
        let sel = palette.selected.min(items.len() - 1);
        let start = if sel >= n { sel + 1 - n } else { 0 };
        let title_w = items
            .iter()
            .map(|i| crate::format::width(i.title))
            .max()
            .unwrap_or(0)
            .min(list.width as usize * 2 / 5) as u16;
        let name_w = items
            .iter()
            .map(|i| crate::format::width(i.name))
            .max()
            .unwrap_or(0)
            .min(list.width as usize / 4) as u16;
        for (row, item) in items.iter().skip(start).take(n).enumerate() {
            let y = list.y + row as u16;
            let ok = item.available.is_ok();
            let (main, secondary) = if ok {
                (theme.key_desc, theme.dim)
            } else {
                (theme.stale, theme.stale)
            };
            let mark = if ok { "  " } else { FAILED_MARK };
            put_clipped(buf, list.x, y, mark, 2, main);
            put_clipped(buf, list.x + 2, y, item.title, title_w, main);
            let name_x = list.x + 2 + title_w + 2;
            // Right side: keys, or the reason it cannot run. A reason too long for the
            // room after the name takes the name's place: the reason matters more.
            let (text, style) = match &item.available {
                Ok(()) => (item.keys.clone(), theme.key_hint),
                Err(reason) => (reason.clone(), theme.stale),
            };
            let after_name = list.right().saturating_sub(name_x + name_w + 2);
            let text_w = Span::raw(text.as_str()).width() as u16;
            let (room, show_name) = if !ok && text_w > after_name {
                (list.right().saturating_sub(name_x), false)
            } else {
                (after_name, true)
            };
            if show_name {
                put_clipped(
                    buf,
                    name_x,
                    y,
                    item.name,
                    name_w.min(list.right().saturating_sub(name_x)),
                    secondary,
                );
            }
            let tw = text_w.min(room);
            if tw > 0 {
                put_clipped(buf, list.right() - tw, y, &text, tw, style);
            }
            if start + row == sel {
                buf.set_style(Rect::new(list.x, y, list.width, 1), theme.selected);
            }
        }
    }

    if let Some(text) = &palette.notice {
        let y = inner.bottom() - 1;
        put_clipped(
            buf,
            inner.x,
            y,
            &format!("! {text}"),
            inner.width,
            theme.warn,
        );
    }
}
