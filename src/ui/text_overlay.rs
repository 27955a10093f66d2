//! A centred, bordered box of text lines that scrolls (`↑↓`, `esc` to close): what the
//! flow and trace overlays draw their lines in.

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear};

use crate::theme::Theme;

use super::table::put_clipped;

/// What goes in the box.
pub(crate) struct TextBox<'a> {
    /// The title, spaces around it included.
    pub head: String,
    /// Each line with its style.
    pub lines: Vec<(&'a str, Style)>,
    /// The narrowest box, in columns (wider when a line or the title needs it).
    pub min_width: u16,
    /// First line shown (clamped so the last page stays full).
    pub scroll: u16,
    /// Shown dimmed when there are no lines.
    pub empty: &'a str,
}

pub(crate) fn render(frame: &mut Frame, area: Rect, b: &TextBox, theme: &Theme) {
    let lines = &b.lines;
    let want_w = lines
        .iter()
        .map(|(l, _)| crate::format::width(l) as u16)
        .max()
        .unwrap_or(0)
        .saturating_add(4)
        .max(b.min_width)
        .max(crate::format::width(&b.head) as u16 + 6);
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
    let start = (b.scroll as usize).min(lines.len().saturating_sub(inner_h));
    let end = (start + inner_h).min(lines.len());
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
    frame.render_widget(Clear, r);
    let block = Block::bordered()
        .border_style(theme.border)
        .title_top(Line::styled(b.head.as_str(), theme.title))
        .title_bottom(Line::from(footer).right_aligned())
        .style(theme.overlay);
    let inner = block.inner(r).inner(Margin::new(1, 0));
    frame.render_widget(block, r);
    if lines.is_empty() {
        put_clipped(
            frame.buffer_mut(),
            inner.x,
            inner.y,
            b.empty,
            inner.width,
            theme.dim,
        );
        return;
    }
    for (row, (text, style)) in lines[start..end].iter().enumerate() {
        put_clipped(
            frame.buffer_mut(),
            inner.x,
            inner.y + row as u16,
            text,
            inner.width,
            *style,
        );
    }
}
