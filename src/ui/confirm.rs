//! The `:write` confirmation: a small box with Cancel focused by default.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::theme::Theme;

pub(crate) fn render_confirm_write(frame: &mut Frame, area: Rect, apply: bool, theme: &Theme) {
    let w = area.width.saturating_sub(4).clamp(20, 64);
    let h = 8.min(area.height);
    let r = Rect::new(
        area.x + area.width.saturating_sub(w) / 2,
        area.y + area.height.saturating_sub(h) / 2,
        w,
        h,
    );
    frame.render_widget(Clear, r);
    let button = |label: &'static str, focused: bool| {
        let style = if focused {
            theme.selected.add_modifier(Modifier::REVERSED)
        } else {
            theme.base
        };
        Span::styled(label, style)
    };
    let text = vec![
        Line::from(Span::styled(
            "Allow changes for 10 minutes?",
            theme.warn.add_modifier(Modifier::BOLD),
        )),
        Line::from("Edits, calls and hang-ups are then sent to the providers;"),
        Line::from("after 10 minutes the console is read-only again by itself."),
        Line::from(""),
        Line::from(vec![
            button("[ Cancel ]", !apply),
            Span::raw("   "),
            button("[ Enable write mode ]", apply),
        ]),
    ];
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(" :write ", theme.title));
    frame.render_widget(
        Paragraph::new(text)
            .block(block)
            .wrap(Wrap { trim: true })
            .style(theme.overlay),
        r,
    );
}
