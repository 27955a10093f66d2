//! Screen arithmetic `update` needs without drawing anything: how many data rows the
//! focused pane shows and how far an overlay can scroll, for a terminal of a given size
//! (columns, rows). `ui` lays the screen out and draws with the same numbers.
//!
//! The vertical split depends on the terminal size only, so [`table_height`] is exact
//! whatever the state: the focused pane's height never changes with messages, the
//! filter prompt or the focused pane.

/// Below this size only a "terminal too small" notice is drawn.
pub const MIN_SIZE: (u16, u16) = (60, 15);
/// From this width on, the accounts tree is shown as a left column.
pub const WIDE: u16 = 160;
/// From this height on, a live-calls strip is shown under the accounts tree (wide only).
pub const TALL: u16 = 40;

/// Rows above and below the focused pane: tabs (1), message / prompt line (1), status
/// bar (1).
pub const CHROME_ROWS: u16 = 3;
/// Rows of the focused pane that are not data rows: two borders and the header.
const PANE_FRAME_ROWS: u16 = 3;

/// Whether a terminal of `size` is below [`MIN_SIZE`].
pub fn too_small(size: (u16, u16)) -> bool {
    size.0 < MIN_SIZE.0 || size.1 < MIN_SIZE.1
}

/// Data rows of a bordered pane with a header, for a pane area of `height` rows.
pub fn data_rows(height: u16) -> usize {
    height.saturating_sub(PANE_FRAME_ROWS) as usize
}

/// Data rows the focused pane shows in a terminal of `size`. `update` keeps the
/// selection inside a window of this height. 0 below [`MIN_SIZE`].
pub fn table_height(size: (u16, u16)) -> usize {
    if too_small(size) {
        return 0;
    }
    // The focused pane takes the whole body, wide or not.
    data_rows(size.1.saturating_sub(CHROME_ROWS))
}

/// Height of the details overlay (borders included) for `n` fields on a screen
/// `screen_h` rows tall.
pub fn details_height(screen_h: u16, n: usize) -> u16 {
    (n.min(u16::MAX as usize - 2) as u16 + 2)
        .max(5)
        .min(screen_h.saturating_sub(2).max(3))
        .min(screen_h)
}

/// The largest useful scroll of the details overlay for `n` fields on a terminal of
/// `size`.
pub fn details_max_scroll(size: (u16, u16), n: usize) -> u16 {
    let inner = details_height(size.1, n).saturating_sub(2) as usize;
    n.saturating_sub(inner).min(u16::MAX as usize) as u16
}

/// The largest useful scroll of the flow overlay for `n` lines on a terminal of `size`.
pub fn flow_max_scroll(size: (u16, u16), n: usize) -> u16 {
    let inner = size.1.saturating_sub(4) as usize;
    n.saturating_sub(inner).min(u16::MAX as usize) as u16
}
