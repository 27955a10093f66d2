//! [`ScrollBackend`]: ratatui's crossterm backend with a memory of the screen, so a table
//! that scrolls by a few rows costs a scroll instead of a rewrite of every row.
//!
//! It keeps a copy of what the terminal shows (every cell written since the last clear).
//! On `draw` it applies ratatui's diff to that copy to get the new screen, then looks for
//! a band of rows that moved up or down by k rows (like ncurses' scroll optimisation:
//! row hashes of the old screen against the new one, here per chunk of columns so a side
//! pane that does not move does not hide the band). For the best bands it encodes the
//! frame as a scroll of that band (DECSTBM `ESC[t;b r`, then k line feeds at its bottom
//! or k reverse indexes `ESC M` at its top, then `ESC[r`) followed by the cells that
//! still differ, and sends whichever encoding is shortest, the plain one included.
//! Cells are encoded by [`cells`]: attributes only where the pen changes, and the
//! shortest cursor move from where the cursor is known (kept from one frame to the next:
//! the console is the only writer). On top of ratatui's diff, a short run of unchanged
//! cells in the same style between two changed ones is rewritten when that is shorter
//! than the cursor move it saves. The moves use line feeds that keep the column, which
//! holds in raw mode (crossterm's, which [`crate::app::init_terminal`] turns on first).
//!
//! DECSTBM scrolls whole lines, so a side pane's rows move with the band and are redrawn
//! as changed cells (the byte count decides whether that still pays). Anything the copy
//! cannot follow (a partial erase, appended lines, a cell outside the screen) makes the
//! backend pass frames through unchanged until the next full clear.

use std::hash::{Hash, Hasher};
use std::io::{self, Write};

use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::{Position, Rect, Size};

use crate::frame_out::FrameWriter;

mod cells;
use cells::At;

/// Columns per hash chunk when comparing rows.
const CHUNK: usize = 8;
/// Scroll candidates encoded in full per frame (besides the plain diff).
const TRIALS: usize = 3;

/// The console's backend: crossterm's, writing through a [`FrameWriter`], plus the copy
/// of the screen behind the scroll optimisation.
pub struct ScrollBackend<W: Write> {
    inner: CrosstermBackend<FrameWriter<W>>,
    /// A fixed screen size (tests, benchmarks); `None`: ask the terminal.
    fixed: Option<Size>,
    /// What the terminal shows; `None` with `trusted`: a blank screen of the next size.
    screen: Option<Buffer>,
    /// False once the terminal may show something the copy does not know.
    trusted: bool,
    /// Where the last explicit cursor move went (a clear from (0,0) down is a full clear).
    cursor: Option<Position>,
    /// Where the terminal's cursor is, as far as the bytes written tell (the console is
    /// the only writer), so the next frame's first move can be a short relative one.
    at: At,
}

impl<W: Write> ScrollBackend<W> {
    pub fn new(writer: FrameWriter<W>) -> ScrollBackend<W> {
        ScrollBackend {
            inner: CrosstermBackend::new(writer),
            fixed: None,
            screen: None,
            trusted: true,
            cursor: None,
            at: At::Unknown,
        }
    }

    /// A backend that reports this size instead of asking the terminal (a fixed viewport).
    pub fn with_size(writer: FrameWriter<W>, width: u16, height: u16) -> ScrollBackend<W> {
        ScrollBackend {
            fixed: Some(Size { width, height }),
            ..ScrollBackend::new(writer)
        }
    }

    /// Changes the fixed size (tests resize with it, then resize the terminal).
    pub fn set_size(&mut self, width: u16, height: u16) {
        self.fixed = Some(Size { width, height });
    }

    fn forget(&mut self, blank: bool) {
        self.screen = None;
        self.trusted = blank;
        self.at = At::Unknown;
    }

    fn pass_through(&mut self, cells: &[(u16, u16, Cell)]) -> io::Result<()> {
        self.forget(false);
        self.inner.draw(cells.iter().map(|(x, y, c)| (*x, *y, c)))
    }
}

impl<W: Write> Write for ScrollBackend<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        // Synchronized output, the bell and OSC notifications leave the cursor where it
        // is; anything else may move it.
        let still = [&b"\x1b[?2026"[..], b"\x07", b"\x1b]", b"\x1bP"];
        if !still.iter().any(|p| data.starts_with(p)) {
            self.at = At::Unknown;
        }
        self.inner.write(data)
    }
    fn flush(&mut self) -> io::Result<()> {
        Write::flush(&mut self.inner)
    }
}

impl<W: Write> Backend for ScrollBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let cells: Vec<(u16, u16, Cell)> = content.map(|(x, y, c)| (x, y, c.clone())).collect();
        self.cursor = None;
        let size = self.size()?;
        let area = Rect::new(0, 0, size.width, size.height);
        if !self.trusted {
            return self.pass_through(&cells);
        }
        let old = match self.screen.take() {
            Some(b) if b.area == area => b,
            Some(_) => return self.pass_through(&cells),
            None => Buffer::empty(area),
        };
        let Some(new) = apply(&old, &cells) else {
            return self.pass_through(&cells);
        };
        let (bytes, at) = encode_frame(&old, &new, self.at);
        self.screen = Some(new);
        self.at = at;
        self.inner.write_all(&bytes)
    }

    fn append_lines(&mut self, n: u16) -> io::Result<()> {
        self.forget(false);
        self.inner.append_lines(n)
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        match self.fixed {
            // No terminal to ask: the last move (ratatui restores it after a clear).
            Some(_) => Ok(self.cursor.unwrap_or_default()),
            None => self.inner.get_cursor_position(),
        }
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        let p = position.into();
        self.cursor = Some(p);
        self.at = At::Cell(p.x, p.y);
        self.inner.set_cursor_position(p)
    }

    fn clear(&mut self) -> io::Result<()> {
        self.clear_region(ClearType::All)
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        let whole = match clear_type {
            ClearType::All => true,
            ClearType::AfterCursor => self.cursor == Some(Position::ORIGIN),
            _ => false,
        };
        self.forget(whole);
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> io::Result<Size> {
        match self.fixed {
            Some(s) => Ok(s),
            None => self.inner.size(),
        }
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> io::Result<()> {
        Backend::flush(&mut self.inner)
    }
}

fn width_of(c: &Cell) -> usize {
    ratatui::text::Span::raw(c.symbol()).width()
}

/// The old screen with ratatui's diff applied: the screen ratatui believes it drew. The
/// cells a wide symbol covers are blank, as in ratatui's buffer. `None` if a cell lies
/// outside the screen.
fn apply(old: &Buffer, cells: &[(u16, u16, Cell)]) -> Option<Buffer> {
    let mut new = old.clone();
    let area = new.area;
    for (x, y, c) in cells {
        if !area.contains(Position::new(*x, *y)) {
            return None;
        }
        let i = new.index_of(*x, *y);
        new.content[i] = c.clone();
        for dx in 1..width_of(c) {
            if *x as usize + dx < area.width as usize {
                new.content[i + dx].reset();
            }
        }
    }
    Some(new)
}

/// A scroll of the lines `top..=bottom` by `k`: up (content moves to lower row numbers)
/// or down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Scroll {
    top: u16,
    bottom: u16,
    k: u16,
    up: bool,
}

impl Scroll {
    /// DECSTBM, then line feeds at the region's bottom (up) or reverse index at its top
    /// (down), then the full screen as the region again. VT100's own scroll, so every
    /// terminal has it; SU/SD (`ESC[k S`/`T`) are shorter but the Linux console lacks them.
    fn sequence(&self) -> String {
        let (at, step) = if self.up {
            (self.bottom, "\n")
        } else {
            (self.top, "\x1bM")
        };
        format!(
            "\x1b[{};{}r\x1b[{};1H{}\x1b[r",
            self.top + 1,
            self.bottom + 1,
            at + 1,
            step.repeat(self.k.into())
        )
    }

    /// What the terminal shows after the scroll: lines moved, the uncovered ones blank.
    fn applied(&self, old: &Buffer) -> Buffer {
        let mut b = old.clone();
        let w = old.area.width as usize;
        let (top, bottom, k) = (self.top as usize, self.bottom as usize, self.k as usize);
        let row = |r: usize| r * w..(r + 1) * w;
        for r in top..=bottom {
            let src = if self.up {
                r.checked_add(k).filter(|s| *s <= bottom)
            } else {
                r.checked_sub(k).filter(|s| *s >= top)
            };
            match src {
                Some(s) => b.content[row(r)].clone_from_slice(&old.content[row(s)]),
                None => b.content[row(r)].iter_mut().for_each(Cell::reset),
            }
        }
        b
    }
}

/// The shortest bytes that turn `old` into `new` on the terminal, the cursor starting
/// at `at`; and where the cursor is after them.
fn encode_frame(old: &Buffer, new: &Buffer, at: At) -> (Vec<u8>, At) {
    let mut best = encode_cells(old, new, at);
    for scroll in candidates(old, new) {
        let mut bytes = scroll.sequence().into_bytes();
        if bytes.len() >= best.0.len() {
            continue;
        }
        // DECSTBM (`ESC[r`) leaves the cursor at the top left.
        let (cells, after) = encode_cells(&scroll.applied(old), new, At::Cell(0, 0));
        bytes.extend(cells);
        if bytes.len() < best.0.len() {
            best = (bytes, after);
        }
    }
    best
}

/// Cursor moves and cells from `old` to `new`, the cursor starting at `at`; the bytes
/// and where the cursor is after them.
fn encode_cells(old: &Buffer, new: &Buffer, at: At) -> (Vec<u8>, At) {
    let cells = fill_gaps(old.diff(new), new);
    let (text, at) = cells::encode(cells, at, new.area.width);
    (text.into_bytes(), at)
}

/// Bytes of the cursor move forward over `gap` cells.
fn move_cost(gap: u16) -> usize {
    cells::move_to(At::Cell(0, 0), gap, 0).len()
}

/// The diff plus, between two changed cells of a row, the unchanged cells when writing
/// them again is shorter than moving the cursor over them: narrow symbols in the style
/// of the cell before the gap, so no colour change comes with them.
fn fill_gaps<'a>(diff: Vec<(u16, u16, &'a Cell)>, new: &'a Buffer) -> Vec<(u16, u16, &'a Cell)> {
    let mut out: Vec<(u16, u16, &Cell)> = Vec::with_capacity(diff.len());
    for (x, y, c) in diff {
        if let Some(&(px, py, pc)) = out.last()
            && py == y
            && x > px + 1
            && width_of(pc) == 1
        {
            let cost = move_cost(x - px - 1);
            let style = pc.style();
            let mut bytes = 0;
            let mut gap = Vec::new();
            for gx in px + 1..x {
                let g = &new[(gx, y)];
                bytes += g.symbol().len();
                if bytes >= cost || width_of(g) != 1 || g.style() != style {
                    gap.clear();
                    break;
                }
                gap.push((gx, y, g));
            }
            out.extend(gap);
        }
        out.push((x, y, c));
    }
    out
}

fn row_chunks(b: &Buffer) -> Vec<Vec<u64>> {
    let w = b.area.width as usize;
    b.content
        .chunks(w.max(1))
        .map(|row| {
            row.chunks(CHUNK)
                .map(|chunk| {
                    let mut h = std::collections::hash_map::DefaultHasher::new();
                    for c in chunk {
                        c.symbol().hash(&mut h);
                        c.fg.hash(&mut h);
                        c.bg.hash(&mut h);
                        c.modifier.hash(&mut h);
                    }
                    h.finish()
                })
                .collect()
        })
        .collect()
}

fn same_chunks(a: &[u64], b: &[u64]) -> usize {
    a.iter().zip(b).filter(|(x, y)| x == y).count()
}

/// The bands most worth scrolling: for each shift k up or down, the longest run of rows
/// whose new content is (at least half, by chunks) the old content k rows away, scored
/// by the chunks it gains over leaving the rows in place.
fn candidates(old: &Buffer, new: &Buffer) -> Vec<Scroll> {
    let h = old.area.height as usize;
    let (o, n) = (row_chunks(old), row_chunks(new));
    let chunks = o.first().map_or(0, Vec::len);
    if chunks == 0 {
        return vec![];
    }
    let stay: Vec<usize> = (0..h).map(|r| same_chunks(&n[r], &o[r])).collect();
    let mut found: Vec<(usize, Scroll)> = Vec::new();
    for k in 1..h {
        for up in [true, false] {
            let mut run: Option<(usize, usize, usize)> = None; // first row, last row, gain
            let mut best: Option<(usize, usize, usize)> = None;
            for r in 0..h {
                let src = if up { r + k } else { r.wrapping_sub(k) };
                let moved = (src < h).then(|| same_chunks(&n[r], &o[src]));
                match moved {
                    Some(m) if m * 2 >= chunks => {
                        let gain = m.saturating_sub(stay[r]);
                        run = Some(match run {
                            Some((a, _, g)) => (a, r, g + gain),
                            None => (r, r, gain),
                        });
                    }
                    _ => run = None,
                }
                if let Some(cur) = run
                    && best.is_none_or(|b| cur.2 > b.2)
                {
                    best = Some(cur);
                }
            }
            if let Some((a, b, gain)) = best
                && gain > 0
            {
                let (top, bottom) = if up { (a, b + k) } else { (a - k, b) };
                found.push((
                    gain,
                    Scroll {
                        top: top as u16,
                        bottom: bottom as u16,
                        k: k as u16,
                        up,
                    },
                ));
            }
        }
    }
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    found.into_iter().take(TRIALS).map(|(_, s)| s).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Color, Style};

    fn screen(lines: &[&str]) -> Buffer {
        Buffer::with_lines(lines.iter().copied())
    }

    #[test]
    fn a_band_that_moved_up_is_found_with_its_bounds() {
        let old = screen(&["head", "r1 a", "r2 b", "r3 c", "r4 d", "foot"]);
        let new = screen(&["head", "r2 b", "r3 c", "r4 d", "r5 e", "foot"]);
        let c = candidates(&old, &new);
        assert_eq!(
            c.first(),
            Some(&Scroll {
                top: 1,
                bottom: 4,
                k: 1,
                up: true
            })
        );
        let moved = c[0].applied(&old);
        assert_eq!(
            moved,
            screen(&["head", "r2 b", "r3 c", "r4 d", "    ", "foot"])
        );
    }

    #[test]
    fn a_band_that_moved_down_keeps_the_rows_outside_it() {
        let old = screen(&["head", "r2 b", "r3 c", "r4 d", "r5 e", "foot"]);
        let s = Scroll {
            top: 1,
            bottom: 4,
            k: 2,
            up: false,
        };
        assert_eq!(
            s.applied(&old),
            screen(&["head", "    ", "    ", "r2 b", "r3 c", "foot"])
        );
        assert_eq!(s.sequence(), "\x1b[2;5r\x1b[2;1H\x1bM\x1bM\x1b[r");
    }

    #[test]
    fn a_short_gap_in_one_style_is_rewritten_a_long_or_styled_one_is_jumped() {
        let old = screen(&["abcdefghijklmnopqrstuvwxyz"]);
        let mut new = screen(&["Xbcdefghijklmnopqrstuvwxyz"]);
        new[(3, 0)].set_symbol("Y"); // gap of 2 (bc): rewritten
        new[(20, 0)].set_symbol("Z"); // gap of 16: a cursor move
        let cells = fill_gaps(old.diff(&new), &new);
        let xs: Vec<u16> = cells.iter().map(|c| c.0).collect();
        assert_eq!(xs, [0, 1, 2, 3, 20]);
        new[(1, 0)].set_style(Style::new().fg(Color::Red));
        let cells = fill_gaps(old.diff(&new), &new);
        let xs: Vec<u16> = cells.iter().map(|c| c.0).collect();
        assert_eq!(xs, [0, 1, 3, 20], "a styled gap cell is not rewritten");
    }

    #[test]
    fn a_column_of_ticking_digits_costs_three_bytes_a_row() {
        let rows: Vec<String> = (0..10).map(|i| format!("call {i}  0:4{i} up")).collect();
        let old = screen(&rows.iter().map(String::as_str).collect::<Vec<_>>());
        let ticked: Vec<String> = (0..10).map(|i| format!("call {i}  0:5{i} up")).collect();
        let new = screen(&ticked.iter().map(String::as_str).collect::<Vec<_>>());
        // From an unknown cursor: one absolute move, then a digit, BS and LF per row.
        let (bytes, at) = encode_frame(&old, &new, At::Unknown);
        let text = String::from_utf8_lossy(&bytes);
        assert_eq!(text, format!("\x1b[1;11H{}5", "5\n\x08".repeat(9)));
        assert_eq!(at, At::Cell(11, 9));
        assert!(bytes.len() <= 8 + 10 * 3, "{} B", bytes.len());
    }

    #[test]
    fn a_selected_row_costs_no_attributes_while_the_pen_already_matches() {
        use ratatui::style::Modifier;
        let old = screen(&["a  0:41  x", "b  0:42  y", "c  0:43  z"]);
        let mut new = screen(&["a  0:42  x", "b  0:43  y", "c  0:44  z"]);
        let selected = Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD);
        let mut old_sel = old.clone();
        for x in 0..10 {
            old_sel[(x, 1)].set_style(selected);
            new[(x, 1)].set_style(selected);
        }
        let (bytes, _) = encode_frame(&old_sel, &new, At::Unknown);
        let text = String::from_utf8_lossy(&bytes);
        // One change of pen into the selected row and one out of it; no repeat.
        assert_eq!(text, "\x1b[1;7H2\n\x08\x1b[7;1m3\n\x08\x1b[m4");
        // Two changed cells of the selected row: the pen is set once for both.
        let mut both = new.clone();
        both[(0, 1)].set_symbol("B");
        let (bytes, _) = encode_frame(&old_sel, &both, At::Unknown);
        let text = String::from_utf8_lossy(&bytes);
        assert_eq!(text.matches("\x1b[7;1m").count(), 1, "{text:?}");
        assert_eq!(text.matches('m').count(), 2, "{text:?}");
    }

    #[test]
    fn the_scroll_is_sent_only_when_it_is_shorter() {
        let rows: Vec<String> = (0..20)
            .map(|i| format!("row {i:02} {}", char::from(b'a' + i).to_string().repeat(60)))
            .collect();
        let lines = |from: usize| -> Buffer {
            let v: Vec<&str> = rows[from..from + 10].iter().map(String::as_str).collect();
            screen(&v)
        };
        let (scrolled, _) = encode_frame(&lines(0), &lines(1), At::Unknown);
        assert!(
            scrolled.starts_with(b"\x1b[1;10r\x1b[10;1H\n\x1b[r"),
            "{scrolled:?}"
        );
        // The scroll, then only the new last row (66 cells).
        let (plain, _) = encode_cells(&lines(0), &lines(1), At::Unknown);
        assert!(scrolled.len() < 120, "{} B", scrolled.len());
        assert!(plain.len() > 5 * scrolled.len(), "{} B", plain.len());
        // A one-cell change: no scroll.
        let mut one = lines(0);
        one[(0, 3)].set_symbol("R");
        let (plain, _) = encode_frame(&lines(0), &one, At::Unknown);
        assert!(
            !String::from_utf8_lossy(&plain).contains("\x1b[r"),
            "{plain:?}"
        );
        assert!(plain.len() < 30, "{plain:?}");
    }
}
