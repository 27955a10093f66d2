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
//! Cells are always encoded by the crossterm backend itself; on top of its diff, a short
//! run of unchanged cells in the same style between two changed ones is rewritten when
//! that is shorter than the cursor move it saves, and absolute cursor moves become
//! shorter relative ones where the cursor's place is known (`ESC[nC`, `CR LF`).
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
}

impl<W: Write> ScrollBackend<W> {
    pub fn new(writer: FrameWriter<W>) -> ScrollBackend<W> {
        ScrollBackend {
            inner: CrosstermBackend::new(writer),
            fixed: None,
            screen: None,
            trusted: true,
            cursor: None,
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
    }

    fn pass_through(&mut self, cells: &[(u16, u16, Cell)]) -> io::Result<()> {
        self.forget(false);
        self.inner.draw(cells.iter().map(|(x, y, c)| (*x, *y, c)))
    }
}

impl<W: Write> Write for ScrollBackend<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
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
        let bytes = encode_frame(&old, &new)?;
        self.screen = Some(new);
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

/// The shortest bytes that turn `old` into `new` on the terminal.
fn encode_frame(old: &Buffer, new: &Buffer) -> io::Result<Vec<u8>> {
    let mut best = encode_cells(old, new)?;
    for scroll in candidates(old, new) {
        let mut bytes = scroll.sequence().into_bytes();
        if bytes.len() >= best.len() {
            continue;
        }
        bytes.extend(encode_cells(&scroll.applied(old), new)?);
        if bytes.len() < best.len() {
            best = bytes;
        }
    }
    Ok(best)
}

/// Cursor moves and cells (crossterm's encoding) from `old` to `new`.
fn encode_cells(old: &Buffer, new: &Buffer) -> io::Result<Vec<u8>> {
    let cells = fill_gaps(old.diff(new), new);
    let mut bytes = Vec::new();
    CrosstermBackend::new(&mut bytes).draw(cells.into_iter())?;
    Ok(shorter_moves(&bytes))
}

/// Crossterm's bytes with each absolute cursor move (`ESC[row;colH`) replaced by a
/// shorter relative one where the cursor's place is known: forward on the same row
/// (`ESC[nC`), or to the next row (`CR LF`, then forward). The place is known after a
/// move and after narrow symbols; after anything wider, narrower or combined it is not,
/// and the absolute move stays (as ratatui itself moves after a wide symbol).
fn shorter_moves(bytes: &[u8]) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return bytes.to_vec();
    };
    let mut out = String::with_capacity(text.len());
    let mut at: Option<(u32, u32)> = None;
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(csi) = rest.strip_prefix("\x1b[") {
            let end = csi
                .find(|c: char| ('\x40'..='\x7e').contains(&c))
                .unwrap_or(csi.len().saturating_sub(1));
            let (params, tail) = csi.split_at(end);
            let Some(last) = tail.chars().next() else {
                out.push_str(rest);
                break;
            };
            let target = (last == 'H').then(|| cup_target(params)).flatten();
            match target {
                Some((x, y)) => {
                    out.push_str(&move_from(at, x, y));
                    at = Some((x, y));
                }
                None => {
                    if last != 'm' {
                        at = None;
                    }
                    out.push_str(&rest[..2 + end + 1]);
                }
            }
            rest = &tail[1..];
        } else {
            let Some(c) = rest.chars().next() else { break };
            let w = ratatui::text::Span::raw(c.encode_utf8(&mut [0; 4]) as &str).width();
            at = match at {
                Some((x, y)) if w == 1 && !c.is_control() => Some((x + 1, y)),
                _ => None,
            };
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out.into_bytes()
}

/// The 0-based column and row of `ESC[row;colH`.
fn cup_target(params: &str) -> Option<(u32, u32)> {
    let (row, col) = params.split_once(';')?;
    let (row, col): (u32, u32) = (row.parse().ok()?, col.parse().ok()?);
    Some((col.checked_sub(1)?, row.checked_sub(1)?))
}

/// The shortest move from `at` to column `x`, row `y`.
fn move_from(at: Option<(u32, u32)>, x: u32, y: u32) -> String {
    let cup = format!("\x1b[{};{}H", y + 1, x + 1);
    let forward = |n: u32| match n {
        0 => String::new(),
        1 => "\x1b[C".to_string(),
        n => format!("\x1b[{n}C"),
    };
    let relative = match at {
        Some((cx, cy)) if cy == y && x >= cx => Some(forward(x - cx)),
        Some((_, cy)) if cy + 1 == y => Some(format!("\r\n{}", forward(x))),
        _ => None,
    };
    match relative {
        Some(r) if r.len() < cup.len() => r,
        _ => cup,
    }
}

/// Bytes of the cursor move forward over `gap` cells (`ESC[nC`, see [`move_from`]).
fn move_cost(gap: u16) -> usize {
    move_from(Some((0, 0)), u32::from(gap), 0).len()
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
    fn cursor_moves_become_relative_only_where_the_cursor_is_known() {
        let crossterm = b"\x1b[3;5Hab\x1b[3;12Hc\x1b[4;1Hd\x1b[5;3H\x1b[1mx\x1b[7;2Hy";
        assert_eq!(
            String::from_utf8_lossy(&shorter_moves(crossterm)),
            // (the move to row 5 is as short absolute as relative)
            "\x1b[3;5Hab\x1b[5Cc\r\nd\x1b[5;3H\x1b[1mx\x1b[7;2Hy"
        );
        // After a wide symbol the terminal's idea of its width decides: move absolute.
        let wide = "\x1b[1;1H\u{30b3}\x1b[1;4Hz".as_bytes();
        assert_eq!(shorter_moves(wide), wide);
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
        let scrolled = encode_frame(&lines(0), &lines(1)).expect("encode");
        assert!(
            scrolled.starts_with(b"\x1b[1;10r\x1b[10;1H\n\x1b[r"),
            "{scrolled:?}"
        );
        // The scroll, then only the new last row (66 cells).
        let plain = encode_cells(&lines(0), &lines(1)).expect("encode");
        assert!(scrolled.len() < 120, "{} B", scrolled.len());
        assert!(plain.len() > 5 * scrolled.len(), "{} B", plain.len());
        // A one-cell change: no scroll.
        let mut one = lines(0);
        one[(0, 3)].set_symbol("R");
        let plain = encode_frame(&lines(0), &one).expect("encode");
        assert!(
            !String::from_utf8_lossy(&plain).contains("\x1b[r"),
            "{plain:?}"
        );
        assert!(plain.len() < 30, "{plain:?}");
    }
}
