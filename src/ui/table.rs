//! One pane: a bordered block with a title (name, count, filter, sort, data age), notices
//! (errors, "not offered by", loading) and a virtualised table that builds cells for the
//! visible window only.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::format;
use crate::model::{Call, CallState, Number, QueueStat, Resource, Trunk};
use crate::state::columns::AccountRow;
use crate::state::symbols::{DONE, SORT_DOWN, SORT_UP};
use crate::state::table::{Column, Ctx, Row, TableView};
use crate::state::{Failure, ProviderState, State};
use crate::theme::Theme;

/// Per-row-type cell styling on top of the generic column tables.
pub(crate) trait PaneRow: Row + 'static {
    /// Style of the cell of column `col` (None: the row's style).
    fn cell_style(&self, _col: &Column<Self>, _theme: &Theme, _ctx: &Ctx) -> Option<Style>
    where
        Self: Sized,
    {
        None
    }
}

pub(crate) fn call_state_style(state: &CallState, theme: &Theme) -> Style {
    match state {
        CallState::Setup | CallState::Ringing => theme.ringing,
        CallState::InCall => theme.in_call,
        CallState::Completed | CallState::Cancelled => theme.ended,
        CallState::Busy | CallState::Rejected | CallState::Failed | CallState::NoAnswer => {
            theme.failed
        }
        CallState::Unknown(_) => theme.base,
    }
}

fn active_style(active: Option<bool>, theme: &Theme) -> Option<Style> {
    (active == Some(false)).then_some(theme.warn)
}

impl PaneRow for Call {
    fn cell_style(&self, col: &Column<Self>, theme: &Theme, _ctx: &Ctx) -> Option<Style> {
        matches!(col.title, "State" | "Result").then(|| call_state_style(&self.state, theme))
    }
}

impl PaneRow for Trunk {
    fn cell_style(&self, col: &Column<Self>, theme: &Theme, _ctx: &Ctx) -> Option<Style> {
        match col.title {
            "Name" => active_style(self.active, theme),
            _ => None,
        }
    }
}

impl PaneRow for Number {
    fn cell_style(&self, col: &Column<Self>, theme: &Theme, _ctx: &Ctx) -> Option<Style> {
        match col.title {
            "Active" => active_style(self.active, theme),
            _ => None,
        }
    }
}

impl PaneRow for QueueStat {
    fn cell_style(&self, col: &Column<Self>, theme: &Theme, ctx: &Ctx) -> Option<Style> {
        match col.title {
            "Waiting" if self.waiting.unwrap_or(0) > 0 => Some(theme.warn),
            "Abandon" if self.abandoned.unwrap_or(0) > 0 => Some(theme.warn),
            // Thresholds from the config's [stats] section.
            "Aband%" | "Name" => match crate::stats::level(self, &ctx.thresholds) {
                crate::stats::Level::Critical => Some(theme.error),
                crate::stats::Level::Warning => Some(theme.warn),
                crate::stats::Level::Normal => None,
            },
            _ => None,
        }
    }
}

impl PaneRow for AccountRow {
    fn cell_style(&self, col: &Column<Self>, theme: &Theme, _ctx: &Ctx) -> Option<Style> {
        match col.title {
            "Name" if self.depth == 0 => Some(theme.title),
            "Active" => active_style(self.account.active, theme),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------- pane facts

/// What the pane knows about its providers, computed once per frame (cost: providers ×
/// jobs, independent of the row count).
pub(crate) struct PaneInfo<'a> {
    pub offering: Vec<&'a ProviderState>,
    pub not_offering: Vec<&'a ProviderState>,
    /// Provider name and its error.
    pub errors: Vec<(&'a str, &'a Failure)>,
    /// Offering providers that have not delivered this resource yet.
    pub loading: Vec<&'a str>,
    pub stale: bool,
    pub data_time: Option<i64>,
}

/// The error a pane fed by `resource` shows for `p`: its link error (it cannot be
/// reached, its key was rejected, a 429) or an error of a job that feeds the pane; the
/// worst kind, then the newest. None once successes cleared them.
pub(crate) fn provider_error(p: &ProviderState, resource: Resource) -> Option<&Failure> {
    p.jobs
        .iter()
        .filter(|(k, _)| k.kind.feeds().contains(&resource))
        .filter_map(|(_, s)| s.last_error.as_ref())
        .chain(p.link_error.as_ref())
        .max_by_key(|f| (f.kind, f.at_ms))
}

/// One error line: the kind's symbol, the provider, the text clipped so that the age
/// always shows (`↯ pbx-eu: connection failed: … (2 min ago)`).
pub(crate) fn error_line(
    name: &str,
    f: &Failure,
    now_ms: i64,
    width: usize,
    theme: &Theme,
) -> Line<'static> {
    let head = format!("{} {name}: ", f.kind.symbol());
    let age = format!(" ({})", f.age(now_ms));
    let room =
        width.saturating_sub(Span::raw(head.as_str()).width() + Span::raw(age.as_str()).width());
    let text = crate::format::clip(&f.text, room.max(1));
    Line::from(vec![
        Span::styled(head, theme.error),
        Span::styled(text, theme.error),
        Span::styled(age, theme.error),
    ])
}

pub(crate) fn pane_info(state: &State, resource: Resource) -> PaneInfo<'_> {
    let (offering, not_offering): (Vec<_>, Vec<_>) = state
        .providers
        .iter()
        .partition(|p| p.caps.offers(resource));
    let mut errors = Vec::new();
    let mut loading = Vec::new();
    let mut stale = false;
    for p in &offering {
        let err = provider_error(p, resource);
        if p.data_time(resource).is_none() && err.is_none() {
            loading.push(p.name.as_str());
        }
        if let Some(e) = err {
            errors.push((p.name.as_str(), e));
        }
        stale |= p
            .jobs
            .iter()
            .filter(|(k, _)| k.kind.feeds().contains(&resource))
            .any(|(_, s)| s.is_stale(state.now_ms));
    }
    PaneInfo {
        offering,
        not_offering,
        errors,
        loading,
        stale,
        data_time: state.data_time(resource),
    }
}

/// "loading", or for call history from a provider whose records come back
/// asynchronously (its descriptor says so), "records requested, waiting".
fn loading_word(state: &State, resource: Resource, loading: &[&str]) -> &'static str {
    let asynchronous = state.providers.iter().any(|p| {
        crate::providers::descriptor(p.kind).history_arrives_later
            && loading.contains(&p.name.as_str())
    });
    if resource == Resource::CallHistory && asynchronous {
        "records requested, waiting"
    } else {
        "loading"
    }
}

pub(crate) fn names(ps: &[&ProviderState]) -> String {
    ps.iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------- columns

/// Picks the columns that fit `width`: drops the highest `drop` number first (the
/// rightmost on ties, never `drop == 0`), then shares the spare width among the kept
/// columns in proportion to their preferred widths (at most doubling a column; the rest
/// stays blank on the right). Returns (column index, width).
pub(crate) fn fit_columns<T>(cols: &[Column<T>], width: u16) -> Vec<(usize, u16)> {
    let mut keep: Vec<usize> = (0..cols.len()).collect();
    let need = |keep: &[usize]| -> u32 {
        keep.iter().map(|&i| u32::from(cols[i].width)).sum::<u32>()
            + keep.len().saturating_sub(1) as u32
    };
    while need(&keep) > u32::from(width) {
        let victim = keep
            .iter()
            .enumerate()
            .filter(|&(_, &i)| cols[i].drop > 0)
            .max_by_key(|&(pos, &i)| (cols[i].drop, pos))
            .map(|(pos, _)| pos);
        match victim {
            Some(pos) => {
                keep.remove(pos);
            }
            None => break,
        }
    }
    let total = need(&keep);
    let pref: u32 = keep.iter().map(|&i| u32::from(cols[i].width)).sum();
    let spare = u32::from(width).saturating_sub(total);
    keep.iter()
        .map(|&i| {
            let w = u32::from(cols[i].width);
            let extra = (spare * w).checked_div(pref).unwrap_or(0).min(w);
            (i, (w + extra) as u16)
        })
        .collect()
}

// ---------------------------------------------------------------- drawing helpers

/// Writes `text` into one cell of `width` columns, with `…` when it does not fit.
pub(crate) fn put_clipped(buf: &mut Buffer, x: u16, y: u16, text: &str, width: u16, style: Style) {
    if width == 0 {
        return;
    }
    // UTF-8 byte length is an upper bound of display width.
    if text.len() <= width as usize || Span::raw(text).width() <= width as usize {
        buf.set_stringn(x, y, text, width as usize, style);
    } else {
        let (nx, _) = buf.set_stringn(x, y, text, width as usize - 1, style);
        buf.set_stringn(nx, y, "…", 1, style);
    }
}

/// The first row of a window of `height` rows over `len` rows that starts at the view's
/// `offset` where possible and always contains `selected` (the same rule as
/// `TableView::ensure_visible`, applied locally: rendering never changes the state).
pub(crate) fn window_start(offset: usize, selected: usize, len: usize, height: usize) -> usize {
    if height == 0 || len == 0 {
        return 0;
    }
    let mut start = offset.min(len.saturating_sub(height));
    let selected = selected.min(len - 1);
    if selected < start {
        start = selected;
    } else if selected >= start + height {
        start = selected + 1 - height;
    }
    start
}

/// Title pieces dropped by priority until they fit the top border.
struct TitlePiece<'a> {
    prio: u8,
    right: bool,
    spans: Vec<Span<'a>>,
}

fn piece_width(p: &TitlePiece) -> usize {
    p.spans.iter().map(Span::width).sum()
}

fn titled_block<'a>(mut pieces: Vec<TitlePiece<'a>>, width: u16, border: Style) -> Block<'a> {
    let avail = width.saturating_sub(2) as usize;
    loop {
        let left: usize = pieces.iter().filter(|p| !p.right).map(piece_width).sum();
        let right: usize = pieces.iter().filter(|p| p.right).map(piece_width).sum();
        let gap = usize::from(left > 0 && right > 0);
        if left + right + gap <= avail || pieces.len() <= 1 {
            break;
        }
        let Some(pos) = pieces
            .iter()
            .enumerate()
            .max_by_key(|(i, p)| (p.prio, *i))
            .map(|(i, _)| i)
        else {
            break;
        };
        pieces.remove(pos);
    }
    let mut left = Vec::new();
    let mut right = Vec::new();
    for p in pieces {
        if p.right {
            right.extend(p.spans);
        } else {
            left.extend(p.spans);
        }
    }
    let mut block = Block::bordered().border_style(border);
    if !left.is_empty() {
        block = block.title_top(Line::from(left));
    }
    if !right.is_empty() {
        block = block.title_top(Line::from(right).right_aligned());
    }
    block
}

// ---------------------------------------------------------------- the pane

/// How a pane is drawn.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum PaneKind {
    /// The focused pane: full title, notices, selection.
    Focused,
    /// A side pane (accounts tree, live-calls strip): short title, no selection.
    Side,
}

/// Draws the pane for `resource` from `tv` into `area`.
pub(crate) fn render_pane<T: PaneRow>(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    theme: &Theme,
    tv: &TableView<T>,
    resource: Resource,
    kind: PaneKind,
) {
    if area.width < 4 || area.height < 3 {
        return;
    }
    let focused = kind == PaneKind::Focused;
    let info = pane_info(state, resource);
    let total = tv.rows.len();
    let shown = tv.view.len();

    // ---- title
    let mut pieces = vec![TitlePiece {
        prio: 0,
        right: false,
        spans: vec![Span::styled(format!(" {} ", resource.title()), theme.title)],
    }];
    let count = if tv.filter.is_empty() && tv.scope.is_none() {
        format!("{total} ")
    } else {
        format!("{shown}/{total} ")
    };
    pieces.push(TitlePiece {
        prio: 2,
        right: false,
        spans: vec![Span::styled(count, theme.title)],
    });
    let filter = crate::format::clip(&tv.filter, 24);
    if !tv.filter.is_empty() {
        pieces.push(TitlePiece {
            prio: 3,
            right: false,
            spans: vec![
                Span::styled("/ ", theme.key_hint),
                Span::styled(format!("{filter} "), theme.input),
            ],
        });
    }
    if focused
        && let Some(sort) = tv.sort
        && let Some(col) = tv.columns.get(sort.column)
    {
        let arrow = if sort.descending { SORT_DOWN } else { SORT_UP };
        pieces.push(TitlePiece {
            prio: 5,
            right: false,
            spans: vec![Span::styled(
                format!("sort {} {arrow} ", col.title),
                theme.dim,
            )],
        });
    }
    if info.stale {
        pieces.push(TitlePiece {
            prio: 1,
            right: true,
            spans: vec![Span::styled(
                " STALE ",
                theme.warn.add_modifier(Modifier::REVERSED),
            )],
        });
    }
    if let Some(t) = info.data_time {
        let style = if info.stale { theme.warn } else { theme.dim };
        pieces.push(TitlePiece {
            prio: 4,
            right: true,
            spans: vec![Span::styled(
                format!(" as of {} ", format::age(t, state.now_ms)),
                style,
            )],
        });
    }
    let border = if focused {
        theme.border
    } else {
        theme.border_inactive
    };
    let block = titled_block(pieces, area.width, border);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }

    // ---- nobody offers it
    if info.offering.is_empty() {
        let text = if info.not_offering.is_empty() {
            "no providers configured".to_string()
        } else {
            format!(
                "{} not offered by {}",
                resource.title(),
                names(&info.not_offering)
            )
        };
        centered_text(frame, inner, &text, theme.dim);
        return;
    }

    // ---- notices above the table (errors first), at most a third of the pane
    let mut notices: Vec<Line> = Vec::new();
    for (name, err) in &info.errors {
        notices.push(error_line(
            name,
            err,
            state.now_ms,
            inner.width as usize,
            theme,
        ));
    }
    if focused {
        if !info.not_offering.is_empty() {
            notices.push(Line::styled(
                format!("not offered by {}", names(&info.not_offering)),
                theme.dim,
            ));
        }
        if !info.loading.is_empty() && total > 0 {
            notices.push(Line::styled(
                format!(
                    "{} {}…",
                    loading_word(state, resource, &info.loading),
                    info.loading.join(", ")
                ),
                theme.dim,
            ));
        }
    }
    let max_notices = (inner.height as usize / 3).max(1);
    if notices.len() > max_notices {
        let hidden = notices.len() - max_notices + 1;
        notices.truncate(max_notices - 1);
        notices.push(Line::styled(format!("… {hidden} more"), theme.dim));
    }
    let n = notices.len() as u16;
    for (i, line) in notices.into_iter().enumerate() {
        let r = Rect::new(inner.x, inner.y + i as u16, inner.width, 1);
        frame.render_widget(Paragraph::new(line), r);
    }
    let table_area = Rect::new(
        inner.x,
        inner.y + n,
        inner.width,
        inner.height.saturating_sub(n),
    );
    if table_area.height == 0 {
        return;
    }

    // ---- header
    let cols = fit_columns(tv.columns, table_area.width);
    let buf = frame.buffer_mut();
    let hy = table_area.y;
    buf.set_style(
        Rect::new(table_area.x, hy, table_area.width, 1),
        theme.header,
    );
    let mut x = table_area.x;
    for &(i, w) in &cols {
        let col = &tv.columns[i];
        match tv.sort {
            Some(s) if s.column == i && w > 1 => {
                // The arrow always shows; the title gives way.
                let arrow = if s.descending { SORT_DOWN } else { SORT_UP };
                let (nx, _) = buf.set_stringn(x, hy, col.title, w as usize - 1, theme.header);
                buf.set_stringn(nx, hy, arrow, 1, theme.header);
            }
            _ => put_clipped(buf, x, hy, col.title, w, theme.header),
        }
        x = x.saturating_add(w + 1);
    }
    let body = Rect::new(
        table_area.x,
        hy + 1,
        table_area.width,
        table_area.height - 1,
    );
    if body.height == 0 {
        return;
    }

    // ---- empty states
    if shown == 0 {
        let text = if total == 0 && !info.loading.is_empty() {
            format!(
                "{}… ({})",
                loading_word(state, resource, &info.loading),
                info.loading.join(", ")
            )
        } else if total > 0 && !tv.filter.is_empty() {
            format!("no rows match /{filter}")
        } else if !info.errors.is_empty() {
            "no data".to_string()
        } else {
            "no rows".to_string()
        };
        centered_text(frame, body, &text, theme.dim);
        return;
    }

    // ---- rows: only the visible window is built
    let height = body.height as usize;
    let start = window_start(tv.offset, tv.selected, shown, height);
    let end = (start + height).min(shown);
    let ctx: Ctx = state.ctx();
    let stale_dim = Style::new().add_modifier(Modifier::DIM);
    for (k, &ri) in tv.view[start..end].iter().enumerate() {
        let Some(row) = tv.rows.get(ri as usize) else {
            continue;
        };
        let pos = start + k;
        let y = body.y + k as u16;
        let stale = state.is_stale(row.provider(), resource, row.account());
        let selected = focused && pos == tv.selected;
        let marked = tv.is_marked(row);
        let mut row_style = theme.base;
        if marked {
            row_style = row_style.add_modifier(Modifier::BOLD);
        }
        if stale {
            row_style = row_style.patch(theme.stale);
        }
        if selected {
            row_style = row_style.patch(theme.selected);
        }
        buf.set_style(Rect::new(body.x, y, body.width, 1), row_style);
        let mut x = body.x;
        for (n, &(i, w)) in cols.iter().enumerate() {
            let col = &tv.columns[i];
            let mut text = (col.text)(row, &ctx);
            if marked && n == 0 {
                // Marked for a multi-row action (`space`); readable without colour.
                text = format!("{DONE} {text}");
            }
            let mut style = row_style;
            if let Some(cs) = row.cell_style(col, theme, &ctx) {
                style = style.patch(cs);
                if stale {
                    style = style.patch(stale_dim);
                }
                if selected {
                    style = style.patch(theme.selected);
                }
            }
            put_clipped(buf, x, y, &text, w, style);
            x = x.saturating_add(w + 1);
        }
    }
}

/// Text centred horizontally and vertically in `area`, wrapped if too long.
pub(crate) fn centered_text(frame: &mut Frame, area: Rect, text: &str, style: Style) {
    let width = Span::raw(text).width() as u16;
    let lines = if area.width == 0 {
        1
    } else {
        width.div_ceil(area.width).max(1)
    };
    let y = area.y + area.height.saturating_sub(lines) / 2;
    let r = Rect::new(area.x, y, area.width, lines.min(area.height));
    frame.render_widget(
        Paragraph::new(Line::styled(text.to_string(), style).centered()).wrap(Wrap { trim: true }),
        r,
    );
}
