//! The flow overlay (`:flow` on the accounts pane): an account's call flow as the
//! provider drew it (`flow NN` detail fields, read back into lines by
//! `model::Account::flow_lines`). The overlay only draws lines; a line with a dangling
//! reference carries `⚠ MISSING` in its text and is shown in the error style as well.

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear};

use crate::theme::Theme;

use super::table::put_clipped;

pub(crate) fn render_flow(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    lines: &[(String, bool)],
    scroll: u16,
    theme: &Theme,
) {
    let want_w = lines
        .iter()
        .map(|(l, _)| Span::raw(l.as_str()).width() as u16)
        .max()
        .unwrap_or(0)
        .saturating_add(4)
        .max(50)
        .max(crate::format::width(title) as u16 + 8);
    let w = want_w
        .min(area.width.saturating_sub(4).max(20))
        .min(area.width);
    let h = (lines.len().min(u16::MAX as usize - 2) as u16 + 2)
        .max(5)
        .min(area.height.saturating_sub(2).max(3))
        .min(area.height);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    let inner_h = h.saturating_sub(2) as usize;
    let start = (scroll as usize).min(lines.len().saturating_sub(inner_h));
    let end = (start + inner_h).min(lines.len());
    let problems = lines.iter().filter(|(_, p)| *p).count();
    let mut footer = vec![
        Span::styled(" esc ", theme.key_hint),
        Span::styled("close ", theme.key_desc),
    ];
    if lines.len() > inner_h {
        footer.push(Span::styled("↑↓ ", theme.key_hint));
        footer.push(Span::styled(
            format!("scroll {}-{}/{} ", start + 1, end, lines.len()),
            theme.key_desc,
        ));
    }
    let head = match problems {
        0 => format!(" {title} "),
        n => format!(" {title}: ⚠ {n} missing reference(s) "),
    };
    frame.render_widget(Clear, r);
    let block = Block::bordered()
        .border_style(theme.border)
        .title_top(Line::styled(head, theme.title))
        .title_bottom(Line::from(footer).right_aligned())
        .style(theme.overlay);
    let inner = block.inner(r).inner(Margin::new(1, 0));
    frame.render_widget(block, r);
    if lines.is_empty() {
        put_clipped(
            frame.buffer_mut(),
            inner.x,
            inner.y,
            "no flow loaded for this account yet (providers that draw one send it with the account's details)",
            inner.width,
            theme.dim,
        );
        return;
    }
    for (row, (text, problem)) in lines[start..end].iter().enumerate() {
        let style = if *problem { theme.error } else { theme.base };
        put_clipped(
            frame.buffer_mut(),
            inner.x,
            inner.y + row as u16,
            text,
            inner.width,
            style,
        );
    }
}
