//! Screen regions. The sizes and the vertical split come from
//! [`crate::state::layout`], which `update` uses for the same numbers.

use ratatui::layout::Rect;

use crate::state::layout::CHROME_ROWS;
pub use crate::state::layout::{MIN_SIZE, TALL, WIDE, data_rows};

use crate::model::Resource;

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
    crate::state::layout::too_small((area.width, area.height))
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
