//! A generic table view: rows, a filtered and sorted index over them, the selection and
//! the scroll offset. Sorting and filtering happen here, when data, filter or sort
//! change, never while rendering; the renderer only reads the rows in the visible window.

use std::cmp::Ordering;

use crate::model::{Field, ProviderId};

/// What every table row can tell about itself.
pub trait Row {
    fn provider(&self) -> ProviderId;
    fn account(&self) -> &str;
    /// Stable identity, used to keep the selection across refreshes.
    fn id(&self) -> &str;
    /// Every field, for the details panel.
    fn fields(&self, ctx: &Ctx) -> Vec<Field>;
    /// What `y` copies: the value an operator pastes elsewhere (number, host, call id).
    fn copy_text(&self, _ctx: &Ctx) -> Option<String> {
        Some(self.id().to_string())
    }
    /// Folded away (an account under a collapsed tree node): never in the view.
    fn hidden(&self) -> bool {
        false
    }
    /// When the row's object began (a call's start), the first tie-break of every sort.
    fn started_ms(&self) -> Option<i64> {
        None
    }
}

/// The total order among rows a sort key calls equal: start time (rows without one
/// last), then provider, account and id. With it a refresh that changes no data moves
/// no row, whichever provider or account answered last.
fn tie_break<T: Row>(a: &T, b: &T) -> Ordering {
    let start = match (a.started_ms(), b.started_ms()) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    start
        .then_with(|| a.provider().cmp(&b.provider()))
        .then_with(|| a.account().cmp(b.account()))
        .then_with(|| a.id().cmp(b.id()))
}

/// Read-only context a cell needs: the clock and provider names.
pub struct Ctx<'a> {
    pub now_ms: i64,
    pub provider_names: &'a [String],
    pub tz: &'a jiff::tz::TimeZone,
    /// The `[stats]` thresholds the Queues pane grades rows by.
    pub thresholds: crate::stats::Thresholds,
}

impl Ctx<'_> {
    pub fn provider_name(&self, id: ProviderId) -> &str {
        self.provider_names
            .get(id.0 as usize)
            .map(String::as_str)
            .unwrap_or("?")
    }
}

#[derive(Debug, Clone, PartialEq, PartialOrd)]
pub enum SortKey {
    Int(i64),
    Text(String),
    /// Missing values sort last in ascending order.
    None,
}

impl SortKey {
    fn cmp(&self, other: &SortKey) -> Ordering {
        match (self, other) {
            (SortKey::Int(a), SortKey::Int(b)) => a.cmp(b),
            (SortKey::Text(a), SortKey::Text(b)) => a.cmp(b),
            (SortKey::None, SortKey::None) => Ordering::Equal,
            (SortKey::None, _) => Ordering::Greater,
            (_, SortKey::None) => Ordering::Less,
            (SortKey::Int(_), SortKey::Text(_)) => Ordering::Less,
            (SortKey::Text(_), SortKey::Int(_)) => Ordering::Greater,
        }
    }
}

/// One column of a pane: title, widths, and how to print and sort a cell.
pub struct Column<T: 'static> {
    pub title: &'static str,
    /// Preferred width in cells.
    pub width: u16,
    /// Columns with a higher `drop` number are hidden first on narrow terminals (0 = never).
    pub drop: u8,
    pub text: fn(&T, &Ctx) -> String,
    pub sort: fn(&T, &Ctx) -> SortKey,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub column: usize,
    pub descending: bool,
}

pub struct TableView<T: 'static> {
    pub rows: Vec<T>,
    /// Indexes into `rows` in display order, after filter and sort.
    pub view: Vec<u32>,
    /// Position of the selection in `view`.
    pub selected: usize,
    /// First visible position in `view`.
    pub offset: usize,
    pub sort: Option<Sort>,
    /// The filter as typed (see [`super::filter`] for its syntax).
    pub filter: String,
    /// Why the typed filter cannot be used (a bad regular expression); while set, the
    /// filter keeps no row and stays as typed.
    pub filter_error: Option<String>,
    /// The typed filter, parsed when it changed.
    parsed: Option<super::filter::Filter>,
    /// Show only rows of this provider (and account, when set).
    pub scope: Option<Scope>,
    pub columns: &'static [Column<T>],
    /// Rows marked for a multi-row action, by (provider, id); survives refreshes.
    pub marked: std::collections::BTreeSet<(ProviderId, String)>,
}

/// A provider, or one account of a provider, that every pane is narrowed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub provider: ProviderId,
    pub account: Option<String>,
}

impl Scope {
    pub fn admits(&self, provider: ProviderId, account: &str) -> bool {
        self.provider == provider && self.account.as_deref().is_none_or(|a| a == account)
    }
}

impl<T: Row> TableView<T> {
    pub fn new(columns: &'static [Column<T>], sort: Option<Sort>) -> Self {
        TableView {
            rows: Vec::new(),
            view: Vec::new(),
            selected: 0,
            offset: 0,
            sort,
            filter: String::new(),
            filter_error: None,
            parsed: None,
            scope: None,
            columns,
            marked: Default::default(),
        }
    }

    /// Marks or unmarks the selected row; returns whether it is marked now.
    pub fn toggle_mark(&mut self) -> bool {
        let Some(key) = self.selection_key() else {
            return false;
        };
        if self.marked.remove(&key) {
            false
        } else {
            self.marked.insert(key);
            true
        }
    }

    pub fn is_marked(&self, row: &T) -> bool {
        !self.marked.is_empty()
            && self
                .marked
                .contains(&(row.provider(), row.id().to_string()))
    }

    /// The marked rows still present, in row order.
    pub fn marked_rows(&self) -> impl Iterator<Item = &T> {
        self.rows.iter().filter(|r| self.is_marked(r))
    }

    pub fn selected_row(&self) -> Option<&T> {
        self.view
            .get(self.selected)
            .and_then(|&i| self.rows.get(i as usize))
    }

    /// Replaces the rows owned by `(provider, account)` — or every row of `provider` when
    /// `account` is None — with `new_rows`, where the old ones stood (so the unsorted view
    /// keeps its order when a slice refreshes), then rebuilds the view.
    pub fn replace_slice(
        &mut self,
        provider: ProviderId,
        account: Option<&str>,
        new_rows: Vec<T>,
        ctx: &Ctx,
    ) {
        self.replace_slice_then(provider, account, new_rows, ctx, |_| {});
    }

    /// [`TableView::replace_slice`], with `trim` run on the rows before the one rebuild
    /// (the History pane cuts to its cap there: a second rebuild of 10,000 rows per poll
    /// showed in the key → frame figures).
    pub fn replace_slice_then(
        &mut self,
        provider: ProviderId,
        account: Option<&str>,
        new_rows: Vec<T>,
        ctx: &Ctx,
        trim: impl FnOnce(&mut Vec<T>),
    ) {
        let keep = self.selection_key();
        let owned = |r: &T| r.provider() == provider && account.is_none_or(|a| r.account() == a);
        // In place: the rows before the first owned one are not owned, so `at` still
        // points where the slice stood once the owned rows are gone, and the table keeps
        // one buffer (a second one of 10,000 rows while a poll replaced it showed in the
        // console's peak memory, issue 14).
        let at = self.rows.iter().position(owned).unwrap_or(self.rows.len());
        self.rows.retain(|r| !owned(r));
        // Grow by what the slice adds, not by doubling: 10,000 rows leave no spare half.
        self.rows.reserve_exact(new_rows.len());
        self.rows.splice(at..at, new_rows);
        trim(&mut self.rows);
        self.rebuild(ctx, keep);
    }

    /// Removes every row of a provider (e.g. on reconnect).
    pub fn clear_provider(&mut self, provider: ProviderId, ctx: &Ctx) {
        let keep = self.selection_key();
        self.rows.retain(|r| r.provider() != provider);
        self.rebuild(ctx, keep);
    }

    fn selection_key(&self) -> Option<(ProviderId, String)> {
        self.selected_row()
            .map(|r| (r.provider(), r.id().to_string()))
    }

    pub fn set_scope(&mut self, scope: Option<Scope>, ctx: &Ctx) {
        if self.scope != scope {
            let keep = self.selection_key();
            self.scope = scope;
            self.rebuild(ctx, keep);
        }
    }

    /// Sets the filter as typed and rebuilds the view. A filter that cannot be used
    /// (a bad regular expression) is kept as typed, keeps no row, and leaves its reason
    /// in [`TableView::filter_error`].
    pub fn set_filter(&mut self, filter: &str, ctx: &Ctx) {
        if self.filter != filter {
            let keep = self.selection_key();
            self.filter = filter.to_string();
            let titles: Vec<&str> = self.columns.iter().map(|c| c.title).collect();
            match super::filter::parse(filter, &titles) {
                Ok(parsed) => {
                    self.parsed = parsed;
                    self.filter_error = None;
                }
                Err(e) => {
                    self.parsed = None;
                    self.filter_error = Some(e);
                }
            }
            self.rebuild(ctx, keep);
        }
    }

    /// Sort by the next column (wrapping to "no sort" after the last one).
    pub fn sort_next(&mut self, ctx: &Ctx) {
        let keep = self.selection_key();
        self.sort = match self.sort {
            None => Some(Sort {
                column: 0,
                descending: false,
            }),
            Some(s) if s.column + 1 < self.columns.len() => Some(Sort {
                column: s.column + 1,
                descending: s.descending,
            }),
            Some(_) => None,
        };
        self.rebuild(ctx, keep);
    }

    pub fn sort_reverse(&mut self, ctx: &Ctx) {
        let keep = self.selection_key();
        match &mut self.sort {
            Some(s) => s.descending = !s.descending,
            None => {
                self.sort = Some(Sort {
                    column: 0,
                    descending: true,
                })
            }
        }
        self.rebuild(ctx, keep);
    }

    /// Recomputes `view` from rows, filter and sort, keeping the selected row if it is
    /// still there.
    pub fn rebuild(&mut self, ctx: &Ctx, keep: Option<(ProviderId, String)>) {
        let cols = self.columns;
        let (parsed, broken) = (&self.parsed, self.filter_error.is_some());
        let mut view: Vec<u32> = (0..self.rows.len() as u32)
            .filter(|&i| !self.rows[i as usize].hidden())
            .filter(|&i| {
                let r = &self.rows[i as usize];
                self.scope
                    .as_ref()
                    .is_none_or(|s| s.admits(r.provider(), r.account()))
            })
            .filter(|&i| {
                let row = &self.rows[i as usize];
                match parsed {
                    None => !broken,
                    Some(f) => f.keeps(cols.len(), |c| (cols[c].text)(row, ctx)),
                }
            })
            .collect();
        if let Some(sort) = self.sort
            && let Some(col) = cols.get(sort.column)
        {
            let mut keyed: Vec<(SortKey, u32)> = view
                .iter()
                .map(|&i| ((col.sort)(&self.rows[i as usize], ctx), i))
                .collect();
            let rows = &self.rows;
            keyed.sort_by(|a, b| {
                let o = a.0.cmp(&b.0);
                let o = if sort.descending { o.reverse() } else { o };
                o.then_with(|| tie_break(&rows[a.1 as usize], &rows[b.1 as usize]))
            });
            view = keyed.into_iter().map(|(_, i)| i).collect();
        }
        self.view = view;
        self.selected = keep
            .and_then(|(p, id)| {
                self.view.iter().position(|&i| {
                    let r = &self.rows[i as usize];
                    r.provider() == p && r.id() == id
                })
            })
            .unwrap_or(self.selected)
            .min(self.view.len().saturating_sub(1));
    }

    /// Moves the selection by `delta` rows and keeps it inside a window of `height` rows.
    pub fn move_by(&mut self, delta: isize, height: usize) {
        if self.view.is_empty() {
            self.selected = 0;
            self.offset = 0;
            return;
        }
        let last = self.view.len() - 1;
        let cur = self.selected as isize + delta;
        self.selected = cur.clamp(0, last as isize) as usize;
        self.ensure_visible(height);
    }

    pub fn select_first(&mut self, height: usize) {
        self.selected = 0;
        self.ensure_visible(height);
    }

    pub fn select_last(&mut self, height: usize) {
        self.selected = self.view.len().saturating_sub(1);
        self.ensure_visible(height);
    }

    /// Adjusts the offset so the selection is inside the window.
    pub fn ensure_visible(&mut self, height: usize) {
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        let max_offset = self.view.len().saturating_sub(height);
        self.offset = self.offset.min(max_offset);
    }

    /// The rows in the window `[offset, offset + height)`, in display order. The
    /// renderer builds cells for these rows only.
    pub fn visible(&self, height: usize) -> impl Iterator<Item = (usize, &T)> {
        let start = self.offset.min(self.view.len());
        let end = (start + height).min(self.view.len());
        self.view[start..end]
            .iter()
            .enumerate()
            .filter_map(move |(k, &i)| self.rows.get(i as usize).map(|r| (start + k, r)))
    }
}
