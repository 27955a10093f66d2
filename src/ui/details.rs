//! The details overlay: every field of the selected row, scrolled by `scroll`.

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear};

use crate::theme::Theme;

use super::table::put_clipped;

pub(crate) fn render_details(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    fields: &[crate::model::Field],
    scroll: u16,
    theme: &Theme,
) {
    let key_w = fields
        .iter()
        .map(|(k, _)| Span::raw(k.as_ref()).width())
        .max()
        .unwrap_or(0)
        .min(24) as u16;
    let val_w = fields
        .iter()
        .map(|(_, v)| Span::raw(v.as_str()).width())
        .max()
        .unwrap_or(0) as u16;
    let want_w = (key_w + 2 + val_w + 4)
        .max(44)
        .max(crate::format::width(title) as u16 + 8);
    let w = want_w
        .min(area.width.saturating_sub(4).max(20))
        .min(area.width)
        .min(110);
    let h = crate::state::layout::details_height(area.height, fields.len());
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    let inner_h = h.saturating_sub(2) as usize;
    let max_scroll = fields.len().saturating_sub(inner_h);
    let start = (scroll as usize).min(max_scroll);
    let end = (start + inner_h).min(fields.len());

    let mut footer = vec![
        Span::styled(" esc ", theme.key_hint),
        Span::styled("close ", theme.key_desc),
    ];
    if fields.len() > inner_h {
        footer.push(Span::styled("↑↓ ", theme.key_hint));
        footer.push(Span::styled(
            format!("scroll {}-{}/{} ", start + 1, end, fields.len()),
            theme.key_desc,
        ));
    }
    frame.render_widget(Clear, r);
    let block = Block::bordered()
        .border_style(theme.border)
        .title_top(Line::styled(format!(" {title} "), theme.title))
        .title_bottom(Line::from(footer).right_aligned())
        .style(theme.overlay);
    let inner = block.inner(r).inner(Margin::new(1, 0));
    frame.render_widget(block, r);
    if fields.is_empty() {
        put_clipped(
            frame.buffer_mut(),
            inner.x,
            inner.y,
            "no fields",
            inner.width,
            theme.dim,
        );
        return;
    }
    let buf = frame.buffer_mut();
    let vx = inner.x + key_w + 2;
    let vw = inner.right().saturating_sub(vx);
    for (k, (key, value)) in fields[start..end].iter().enumerate() {
        let y = inner.y + k as u16;
        put_clipped(buf, inner.x, y, key, key_w.min(inner.width), theme.header);
        if vw > 0 {
            put_clipped(buf, vx, y, value, vw, theme.overlay);
        }
    }
}
