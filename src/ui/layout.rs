//! Screen regions. The vertical split depends on the terminal size only, so
//! [`table_height`](super::table_height) is exact whatever the state: the focused pane's
//! height never changes with messages, the filter prompt or the focused pane.

use ratatui::layout::Rect;

use crate::model::Resource;

/// Below this size only a "terminal too small" notice is drawn.
pub const MIN_SIZE: (u16, u16) = (60, 15);
/// From this width on, the accounts tree is shown as a left column.
pub const WIDE: u16 = 160;
/// From this height on, a live-calls strip is shown under the accounts tree (wide only).
pub const TALL: u16 = 40;

/// Rows above and below the focused pane: tabs (1), message / prompt line (1), status
/// bar (1).
const CHROME_ROWS: u16 = 3;
/// Rows of the focused pane that are not data rows: two borders and the header.
const PANE_FRAME_ROWS: u16 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    /// Pane tabs (top line).
    pub tabs: Rect,
    /// The accounts tree (wide terminals, focus not on Accounts).
    pub side: Option<Rect>,
    /// The compact live-calls strip under the accounts tree (wide and tall, focus on
    /// neither Accounts nor Live calls).
    pub strip: Option<Rect>,
    /// The focused pane, border included.
    pub main: Rect,
    /// The message line, replaced by the `/` prompt while filtering.
    pub message: Rect,
    /// Provider states and key hints.
    pub status: Rect,
}

pub fn too_small(area: Rect) -> bool {
    area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1
}

/// Width of the left column on wide terminals.
fn side_width(width: u16) -> u16 {
    (width * 3 / 10).clamp(50, 64)
}

pub fn areas(area: Rect, focus: Resource) -> Areas {
    let h = area.height;
    let row = |y: u16, height: u16| Rect::new(area.x, area.y + y, area.width, height);
    let tabs = row(0, 1.min(h));
    let body_h = h.saturating_sub(CHROME_ROWS);
    let body = row(1.min(h), body_h);
    let message = row(h.saturating_sub(2), 1.min(h));
    let status = row(h.saturating_sub(1), 1.min(h));

    let mut side = None;
    let mut strip = None;
    let mut main = body;
    if area.width >= WIDE && focus != Resource::Accounts {
        let sw = side_width(area.width);
        let left = Rect::new(body.x, body.y, sw, body.height);
        main = Rect::new(body.x + sw, body.y, body.width - sw, body.height);
        if h >= TALL && focus != Resource::LiveCalls {
            let top = left.height * 11 / 20;
            side = Some(Rect::new(left.x, left.y, left.width, top));
            strip = Some(Rect::new(
                left.x,
                left.y + top,
                left.width,
                left.height - top,
            ));
        } else {
            side = Some(left);
        }
    }
    Areas {
        tabs,
        side,
        strip,
        main,
        message,
        status,
    }
}

/// Data rows of a bordered pane with a header, for a pane area of `height` rows.
pub fn data_rows(height: u16) -> usize {
    height.saturating_sub(PANE_FRAME_ROWS) as usize
}
