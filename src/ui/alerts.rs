//! The alert banner (`[alerts] flash`) over the pane tabs, and the `:alerts` overlay's
//! lines (time, what happened; newest first).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::state::State;
use crate::theme::Theme;

/// The banner over the tabs row while an alert's flash lasts.
pub fn render_banner(frame: &mut Frame, tabs: Rect, state: &State, theme: &Theme) {
    let Some((text, at)) = &state.alerts.flash else {
        return;
    };
    let style = theme.error.add_modifier(Modifier::REVERSED);
    let time = crate::format::clock(*at, state.now_ms, &state.tz);
    let key = state
        .keymap
        .first_key(crate::command::CommandId::Alerts)
        .unwrap_or_else(|| ":alerts".into());
    let line = Line::from(vec![
        Span::styled(
            format!(" ALERT {time} "),
            style.add_modifier(Modifier::BOLD),
        ),
        Span::styled(format!("{text} "), style),
        Span::styled(format!(" {key} lists alerts "), theme.key_hint),
    ]);
    frame.render_widget(Paragraph::new(line).style(style), tabs);
}

/// The overlay's rows: (time, "east: degraded (…)"), newest first; a cooled-down one
/// says it was not signalled.
pub fn overlay_fields(state: &State) -> Vec<crate::model::Field> {
    state
        .alerts
        .list
        .iter()
        .rev()
        .map(|a| {
            let time = crate::format::clock(a.at_ms, state.now_ms, &state.tz);
            let mut line = a.line();
            if !a.signalled && !a.recovered {
                line.push_str(" [cool-down: not signalled]");
            }
            (time.into(), line.into())
        })
        .collect()
}
