//! The trace overlay (`:trace <number>`, `T` on a row with a number): the number trace
//! (`crate::trace`) recomputed from the state at every frame, so live calls and ages
//! stay current while it is open.

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear};

use crate::state::State;
use crate::theme::Theme;
use crate::trace::text::Tone;

use super::table::put_clipped;

pub(crate) fn render_trace(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    query: &str,
    scroll: u16,
    theme: &Theme,
) {
    let trace = crate::trace::trace(state, query);
    let lines = crate::trace::text::lines(&trace, state.now_ms, &state.tz);
    let title = format!(" Trace {} ", trace.query);
    let want_w = lines
        .iter()
        .map(|(l, _)| crate::format::width(l) as u16)
        .max()
        .unwrap_or(0)
        .saturating_add(4)
        .max(60)
        .max(crate::format::width(&title) as u16 + 8);
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
        .title_top(Line::styled(title, theme.title))
        .title_bottom(Line::from(footer).right_aligned())
        .style(theme.overlay);
    let inner = block.inner(r).inner(Margin::new(1, 0));
    frame.render_widget(block, r);
    for (row, (text, tone)) in lines[start..end].iter().enumerate() {
        let style = match tone {
            Tone::Heading => theme.title,
            Tone::Plain => theme.base,
            Tone::Dim => theme.dim,
            Tone::Warn => theme.error,
        };
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
