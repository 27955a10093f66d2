//! The flow overlay (`:flow` on the accounts pane): an account's call flow as the
//! provider drew it (`flow NN` detail fields, read back into lines by
//! `model::Account::flow_lines`). The overlay only draws lines; a line with a dangling
//! reference carries `⚠ MISSING` in its text and is shown in the error style as well.

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::theme::Theme;

use super::text_overlay::{TextBox, render};

pub(crate) fn render_flow(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    lines: &[(String, bool)],
    scroll: u16,
    theme: &Theme,
) {
    let problems = lines.iter().filter(|(_, p)| *p).count();
    let head = match problems {
        0 => format!(" {title} "),
        n => format!(
            " {title}: {} {n} missing reference(s) ",
            crate::state::symbols::WARNING
        ),
    };
    let lines = lines
        .iter()
        .map(|(text, problem)| {
            let style = if *problem { theme.error } else { theme.base };
            (text.as_str(), style)
        })
        .collect();
    let b = TextBox {
        head,
        lines,
        min_width: 50,
        scroll,
        empty: "no flow loaded for this account yet (providers that draw one send it with the account's details)",
    };
    render(frame, area, &b, theme);
}
