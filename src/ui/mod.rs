//! Rendering.
pub fn table_height(size: (u16, u16)) -> usize {
    size.1.saturating_sub(6) as usize
}
pub fn render(
    _frame: &mut ratatui::Frame,
    _state: &crate::state::State,
    _theme: &crate::theme::Theme,
) {
}
