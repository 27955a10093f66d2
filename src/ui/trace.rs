//! The trace overlay (`:trace <number>`, `T` on a row with a number): the number trace
//! (`crate::trace`) recomputed from the state at every frame, so live calls and ages
//! stay current while it is open.

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::state::State;
use crate::theme::Theme;
use crate::trace::text::Tone;

use super::text_overlay::{TextBox, render};

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
    let lines = lines
        .iter()
        .map(|(text, tone)| {
            let style = match tone {
                Tone::Heading => theme.title,
                Tone::Plain => theme.base,
                Tone::Dim => theme.dim,
                Tone::Warn => theme.error,
            };
            (text.as_str(), style)
        })
        .collect();
    let b = TextBox {
        head: format!(" Trace {} ", trace.query),
        lines,
        min_width: 60,
        scroll,
        empty: "",
    };
    render(frame, area, &b, theme);
}
