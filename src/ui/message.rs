//! The line above the status bar: the `/` filter prompt while filtering, otherwise the
//! latest message while it is recent, otherwise the active filter.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::state::{Level, Message, Mode, State};
use crate::theme::Theme;

/// How long info and warning messages stay on screen.
pub const MESSAGE_TTL_MS: i64 = 10_000;
/// How long error messages stay on screen.
pub const ERROR_TTL_MS: i64 = 30_000;

/// Whether `msg` is still shown at `now_ms` (the loop may redraw once when it expires).
pub fn message_visible(msg: &Message, now_ms: i64) -> bool {
    let ttl = match msg.level {
        Level::Error => ERROR_TTL_MS,
        _ => MESSAGE_TTL_MS,
    };
    now_ms - msg.at_ms <= ttl
}

pub(crate) fn render_message_line(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    if state.mode == Mode::Filter && state.overlay.is_none() {
        render_prompt(frame, area, state, theme);
        return;
    }
    if let Some(msg) = &state.message
        && message_visible(msg, state.now_ms)
    {
        // A provider's failed poll carries the symbol of its kind, as on the panes.
        let kind = state
            .message_failure
            .as_ref()
            .filter(|(.., text)| *text == msg.text)
            .map(|(_, _, kind, _)| kind.symbol());
        let (prefix, style) = match msg.level {
            Level::Info => (String::new(), theme.info),
            Level::Warn => (format!("{} ", kind.unwrap_or("!")), theme.warn),
            Level::Error => (
                format!("{} ", kind.unwrap_or(crate::state::symbols::FAILED)),
                theme.error,
            ),
        };
        let line = Line::from(vec![
            Span::styled(prefix, style),
            Span::styled(msg.text.as_str(), style),
        ]);
        frame.render_widget(Paragraph::new(line).style(theme.base), area);
        return;
    }
    let filter = super::focused_filter(state);
    if !filter.is_empty() {
        let line = Line::from(vec![
            Span::styled("/", theme.key_hint),
            Span::styled(filter, theme.input),
            Span::styled("   esc clears", theme.dim),
        ]);
        frame.render_widget(Paragraph::new(line).style(theme.base), area);
    } else {
        frame.render_widget(Paragraph::new("").style(theme.base), area);
    }
}

fn render_prompt(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    const HINT: &str = "  enter keep · esc clear";
    let input = &state.filter_input;
    let hint_w = if area.width >= 50 {
        crate::format::width(HINT) as u16
    } else {
        0
    };
    let field_w = area.width.saturating_sub(1 + hint_w).max(1);
    // One column is kept for the cursor after the last character.
    let scroll = input.visual_scroll(field_w.saturating_sub(1) as usize);
    frame.render_widget(
        Paragraph::new(Span::styled("/", theme.key_hint)).style(theme.base),
        Rect::new(area.x, area.y, 1, 1),
    );
    let field = Rect::new(area.x + 1, area.y, field_w, 1);
    frame.render_widget(
        Paragraph::new(Span::styled(input.value(), theme.input))
            .style(theme.base)
            .scroll((0, scroll as u16)),
        field,
    );
    if hint_w > 0 {
        frame.render_widget(
            Paragraph::new(Span::styled(HINT, theme.dim)).style(theme.base),
            Rect::new(field.right(), area.y, hint_w, 1),
        );
    }
    let cx = input.visual_cursor().saturating_sub(scroll) as u16;
    frame.set_cursor_position((field.x + cx.min(field_w.saturating_sub(1)), area.y));
}
