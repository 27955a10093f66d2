//! Rendering: pure functions of `&State` and `&Theme`. Nothing here mutates state; where
//! the view's scroll offset would hide the selection (a notice line took a row, the view
//! shrank), the window is corrected locally for this frame.
//!
//! Screen, top to bottom:
//! - pane tabs (1 line);
//! - the focused pane in a bordered block; on wide terminals (≥ 160 columns) the
//!   accounts tree is a left column, and on wide and tall ones (≥ 40 rows) a compact
//!   live-calls strip sits under it;
//! - the message line (the `/` prompt while filtering);
//! - the status bar (providers, budgets, key hints).
//!
//! The vertical split depends on the terminal size only, so [`table_height`] (screen
//! arithmetic in [`crate::state::layout`]) is exact.

mod alerts;
mod confirm;
mod details;
pub mod flow;
pub mod form;
mod help;
pub mod layout;
mod message;
pub mod palette;
mod status_bar;
mod table;
mod tabs;
mod text_overlay;
mod trace;

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::model::Resource;
use crate::state::{Overlay, State};
use crate::theme::Theme;

pub use crate::state::layout::{MIN_SIZE, details_max_scroll, table_height};
pub use message::{ERROR_TTL_MS, MESSAGE_TTL_MS, message_visible};

use table::{PaneKind, render_pane};

/// Draws the whole screen; in ASCII mode every symbol then becomes its twin.
pub fn render(frame: &mut Frame, state: &State, theme: &Theme) {
    render_screen(frame, state, theme);
    if state.ascii {
        to_ascii(frame.buffer_mut());
    }
}

/// Every cell's symbol as its ASCII twin (one column each, so nothing moves).
fn to_ascii(buf: &mut ratatui::buffer::Buffer) {
    for cell in buf.content.iter_mut() {
        if !cell.symbol().is_ascii() {
            let text = crate::state::symbols::to_ascii(cell.symbol()).into_owned();
            cell.set_symbol(&text);
        }
    }
}

fn render_screen(frame: &mut Frame, state: &State, theme: &Theme) {
    let area = frame.area();
    frame.render_widget(ratatui::widgets::Block::new().style(theme.base), area);
    if layout::too_small(area) {
        render_too_small(frame, area, theme);
        return;
    }
    let a = layout::areas(area, state.focus);
    tabs::render_tabs(frame, a.tabs, state, theme);
    if let Some(side) = a.side {
        render_resource(
            frame,
            side,
            state,
            theme,
            Resource::Accounts,
            PaneKind::Side,
        );
    }
    if let Some(strip) = a.strip {
        render_resource(
            frame,
            strip,
            state,
            theme,
            Resource::LiveCalls,
            PaneKind::Side,
        );
    }
    render_resource(frame, a.main, state, theme, state.focus, PaneKind::Focused);
    message::render_message_line(frame, a.message, state, theme);
    alerts::render_banner(frame, a.tabs, state, theme);
    status_bar::render_status_bar(frame, a.status, state, theme);

    match &state.overlay {
        Some(Overlay::Help) => {
            let ctx = state.command_ctx();
            help::render_help(frame, area, &state.keymap, &ctx, state.help_scroll, theme)
        }
        Some(Overlay::Palette) => {
            let items = state.palette.matches(
                &crate::command::COMMANDS,
                &state.command_ctx(),
                &state.keymap,
            );
            palette::render_palette(frame, area, &state.palette, &items, theme);
        }
        Some(Overlay::Form(o)) => form::render_form(frame, area, &o.form, theme),
        Some(Overlay::ConfirmWrite { apply }) => {
            confirm::render_confirm_write(frame, area, *apply, theme)
        }
        Some(Overlay::Audit { entries, scroll }) => {
            // Newest first: the change an operator just made is the one looked for.
            let fields: Vec<crate::model::Field> = entries
                .iter()
                .rev()
                .map(|e| {
                    // Month-day and time: the outcome and command lead the line.
                    let time = e.time.get(5..19).unwrap_or(&e.time).replace('T', " ");
                    let status = e
                        .status
                        .map(|s| s.to_string())
                        .unwrap_or_else(|| "-".into());
                    (
                        time.into(),
                        format!(
                            "{} {} {}/{} {} {} → {status} {} ({}@{})",
                            e.outcome.as_str(),
                            e.command,
                            e.provider,
                            e.account,
                            e.method,
                            e.path,
                            e.message,
                            e.user,
                            e.host
                        )
                        .into(),
                    )
                })
                .collect();
            let title = if fields.is_empty() {
                "Audit log: no entries yet"
            } else {
                "Audit log (newest first, UTC)"
            };
            details::render_details(frame, area, title, &fields, *scroll, theme);
        }
        Some(Overlay::Details {
            title,
            fields,
            scroll,
        }) => details::render_details(frame, area, title, fields, *scroll, theme),
        Some(Overlay::Alerts { scroll }) => {
            let fields = alerts::overlay_fields(state);
            let title = if fields.is_empty() {
                "Alerts: none yet"
            } else {
                "Alerts (newest first)"
            };
            details::render_details(frame, area, title, &fields, *scroll, theme)
        }
        Some(Overlay::Themes { lines, scroll }) => {
            details::render_details(frame, area, "Themes", lines, *scroll, theme)
        }
        Some(Overlay::Flow {
            title,
            lines,
            scroll,
        }) => flow::render_flow(frame, area, title, lines, *scroll, theme),
        Some(Overlay::Trace { query, scroll }) => {
            trace::render_trace(frame, area, state, query, *scroll, theme)
        }
        None => {}
    }
}

fn render_resource(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    theme: &Theme,
    resource: Resource,
    kind: PaneKind,
) {
    let t = &state.tables;
    match resource {
        Resource::Accounts => render_pane(frame, area, state, theme, &t.accounts, resource, kind),
        Resource::LiveCalls => render_pane(frame, area, state, theme, &t.live, resource, kind),
        Resource::CallHistory => render_pane(frame, area, state, theme, &t.history, resource, kind),
        Resource::Trunks => render_pane(frame, area, state, theme, &t.trunks, resource, kind),
        Resource::Numbers => render_pane(frame, area, state, theme, &t.numbers, resource, kind),
        Resource::Queues => render_pane(frame, area, state, theme, &t.queues, resource, kind),
    }
}

/// The applied filter of the focused pane.
pub(crate) fn focused_filter(state: &State) -> &str {
    let t = &state.tables;
    match state.focus {
        Resource::Accounts => &t.accounts.filter,
        Resource::LiveCalls => &t.live.filter,
        Resource::CallHistory => &t.history.filter,
        Resource::Trunks => &t.trunks.filter,
        Resource::Numbers => &t.numbers.filter,
        Resource::Queues => &t.queues.filter,
    }
}

fn render_too_small(frame: &mut Frame, area: Rect, theme: &Theme) {
    let text = format!(
        "terminal too small (need at least {}x{}, have {}x{})",
        MIN_SIZE.0, MIN_SIZE.1, area.width, area.height
    );
    table::centered_text(frame, area, &text, theme.warn);
}
