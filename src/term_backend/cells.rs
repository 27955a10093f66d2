//! The cells of a frame as bytes: cursor moves and SGR attributes written only where the
//! terminal is not already right.
//!
//! - **The pen.** The encoder follows the terminal's current attributes (colours and
//!   modifiers) across the frame and writes only what changes between two cells, in one
//!   SGR sequence (`ESC[1;7m`), or a reset and the new attributes when that is shorter.
//!   A frame starts and ends with the default pen (`ESC[m` at the end only if needed),
//!   so a clear or a scroll between frames blanks lines in the default colours.
//! - **The cursor.** Where the cursor is after each cell is known while the symbols are
//!   one column wide and not in the last column (where a terminal waits to wrap). From a
//!   known place the shortest of: an absolute move (`ESC[row;colH`, `ESC[rowH` at column
//!   1), line feeds (the console's terminal is in raw mode — crossterm turns off OPOST —
//!   so `LF` moves down and keeps the column; the region is the whole screen and the
//!   target is on screen, so it never scrolls), `ESC[nB`/`ESC[nA`, then backspaces
//!   (`BS`), `ESC[nD`, `ESC[nC`, or `CR` and forward.
//!
//! The colours are crossterm's own encodings (what ratatui's backend writes), so the
//! screen is the same cell for cell and colour for colour.

use std::fmt::Write as _;

use ratatui::backend::IntoCrossterm;
use ratatui::buffer::Cell;
use ratatui::crossterm::style::Colored;
use ratatui::style::{Color, Modifier};

/// What the terminal would draw the next symbol with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pen {
    fg: Color,
    bg: Color,
    underline: Color,
    modifier: Modifier,
}

impl Pen {
    pub fn of(c: &Cell) -> Pen {
        Pen {
            fg: c.fg,
            bg: c.bg,
            underline: c.underline_color,
            modifier: c.modifier,
        }
    }

    pub fn is_default(&self) -> bool {
        *self == Pen::default()
    }
}

/// Where the cursor is, as far as the encoder knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum At {
    #[default]
    Unknown,
    /// On this row, column not known (after the last column, or a wide symbol).
    Row(u16),
    /// Column and row.
    Cell(u16, u16),
}

/// SGR modifiers with their set and reset parameters, in ratatui's order.
const MODIFIERS: [(Modifier, u8, u8); 9] = [
    (Modifier::REVERSED, 7, 27),
    (Modifier::BOLD, 1, 22),
    (Modifier::ITALIC, 3, 23),
    (Modifier::UNDERLINED, 4, 24),
    (Modifier::DIM, 2, 22),
    (Modifier::CROSSED_OUT, 9, 29),
    (Modifier::HIDDEN, 8, 28),
    (Modifier::SLOW_BLINK, 5, 25),
    (Modifier::RAPID_BLINK, 6, 25),
];

fn fg(c: Color) -> String {
    Colored::ForegroundColor(c.into_crossterm()).to_string()
}
fn bg(c: Color) -> String {
    Colored::BackgroundColor(c.into_crossterm()).to_string()
}
fn underline(c: Color) -> String {
    Colored::UnderlineColor(c.into_crossterm()).to_string()
}

/// The shortest SGR sequence that turns the pen `from` into `to` ("" if they match).
pub fn sgr(from: &Pen, to: &Pen) -> String {
    if from == to {
        return String::new();
    }
    // Step by step: what was removed, what was added, the colours that changed.
    let mut steps: Vec<String> = Vec::new();
    let removed = from.modifier - to.modifier;
    let intensity = removed.intersects(Modifier::BOLD | Modifier::DIM);
    for (m, _, off) in MODIFIERS {
        let cleared = removed.contains(m) && !(off == 22 || off == 25);
        if cleared {
            steps.push(off.to_string());
        }
    }
    if intensity {
        steps.push("22".into());
    }
    if removed.intersects(Modifier::SLOW_BLINK | Modifier::RAPID_BLINK) {
        steps.push("25".into());
    }
    for (m, on, off) in MODIFIERS {
        let lost_to_reset = (off == 22 && intensity)
            || (off == 25 && removed.intersects(Modifier::SLOW_BLINK | Modifier::RAPID_BLINK));
        let wanted = to.modifier.contains(m);
        if wanted && (!from.modifier.contains(m) || lost_to_reset) {
            steps.push(on.to_string());
        }
    }
    colour_steps(&mut steps, from, to);
    // From scratch: a reset, then everything `to` has.
    let mut fresh: Vec<String> = vec!["0".into()];
    for (m, on, _) in MODIFIERS {
        if to.modifier.contains(m) {
            fresh.push(on.to_string());
        }
    }
    colour_steps(&mut fresh, &Pen::default(), to);
    let (a, b) = (steps.join(";"), fresh.join(";"));
    let params = match (a.len() <= b.len(), b.as_str()) {
        // A reset alone needs no parameter.
        (false, "0") => String::new(),
        (true, _) => a,
        (false, _) => b,
    };
    format!("\x1b[{params}m")
}

fn cup(x: u16, y: u16) -> String {
    match (x, y) {
        (0, 0) => "\x1b[H".into(),
        (0, y) => format!("\x1b[{}H", y + 1),
        (x, y) => format!("\x1b[{};{}H", y + 1, x + 1),
    }
}

/// `ESC[nX` with n omitted when it is 1.
fn csi_n(n: u16, f: char) -> String {
    if n == 1 {
        format!("\x1b[{f}")
    } else {
        format!("\x1b[{n}{f}")
    }
}

/// Column moves on one row from `cx` to `x`.
fn across(cx: u16, x: u16) -> String {
    if x >= cx {
        return if x == cx {
            String::new()
        } else {
            csi_n(x - cx, 'C')
        };
    }
    let back = cx - x;
    let csi = csi_n(back, 'D');
    if usize::from(back) <= csi.len() {
        "\x08".repeat(back.into())
    } else {
        csi
    }
}

/// The shortest bytes that move the cursor from `at` to column `x`, row `y`.
pub fn move_to(at: At, x: u16, y: u16) -> String {
    let absolute = cup(x, y);
    let (cx, cy) = match at {
        At::Unknown => return absolute,
        At::Row(cy) => (None, cy),
        At::Cell(cx, cy) => (Some(cx), cy),
    };
    let vertical = match y.cmp(&cy) {
        std::cmp::Ordering::Equal => String::new(),
        std::cmp::Ordering::Less => csi_n(cy - y, 'A'),
        std::cmp::Ordering::Greater => {
            let down = y - cy;
            let csi = csi_n(down, 'B');
            if usize::from(down) <= csi.len() {
                "\n".repeat(down.into())
            } else {
                csi
            }
        }
    };
    // A carriage return first (it also ends a pending wrap), then down, then forward.
    let mut best = format!("\r{vertical}{}", across(0, x));
    if let Some(cx) = cx {
        let kept = format!("{vertical}{}", across(cx, x));
        if kept.len() < best.len() {
            best = kept;
        }
    }
    if best.len() < absolute.len() {
        best
    } else {
        absolute
    }
}

/// Where the cursor is after `c` was written at (`x`, `y`) on a screen `width` wide.
fn after(c: &Cell, x: u16, y: u16, width: u16) -> At {
    let sym = c.symbol();
    let mut chars = sym.chars();
    let single = matches!((chars.next(), chars.next()), (Some(ch), None) if !ch.is_control());
    let narrow = ratatui::text::Span::raw(sym).width() == 1;
    if single && narrow && x + 1 < width {
        At::Cell(x + 1, y)
    } else {
        At::Row(y)
    }
}

/// The cells' bytes, from a cursor at `at` and the default pen, ending with the default
/// pen. Returns them and where the cursor is after them.
pub fn encode<'a>(
    cells: impl IntoIterator<Item = (u16, u16, &'a Cell)>,
    at: At,
    width: u16,
) -> (String, At) {
    let mut out = String::new();
    let mut at = at;
    let mut pen = Pen::default();
    for (x, y, c) in cells {
        if at != At::Cell(x, y) {
            out.push_str(&move_to(at, x, y));
        }
        let want = Pen::of(c);
        out.push_str(&sgr(&pen, &want));
        pen = want;
        let _ = write!(out, "{}", c.symbol());
        at = after(c, x, y, width);
    }
    if !pen.is_default() {
        out.push_str("\x1b[m");
    }
    (out, at)
}

/// The colour parameters that take the pen `from` to `to`.
fn colour_steps(steps: &mut Vec<String>, from: &Pen, to: &Pen) {
    if to.fg != from.fg {
        steps.push(fg(to.fg));
    }
    if to.bg != from.bg {
        steps.push(bg(to.bg));
    }
    if to.underline != from.underline {
        steps.push(underline(to.underline));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Style;

    fn pen(s: Style) -> Pen {
        let mut c = Cell::default();
        c.set_style(s);
        Pen::of(&c)
    }

    #[test]
    fn attributes_change_in_one_sequence_or_from_a_reset_whichever_is_shorter() {
        let plain = Pen::default();
        let selected = pen(Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD));
        assert_eq!(sgr(&plain, &selected), "\x1b[7;1m");
        assert_eq!(sgr(&selected, &selected), "");
        assert_eq!(sgr(&selected, &plain), "\x1b[m");
        let red = pen(Style::new().fg(Color::Red));
        assert_eq!(sgr(&plain, &red), "\x1b[38;5;1m");
        // Bold dropped but dim kept: intensity reset, dim again.
        let both = pen(Style::new().add_modifier(Modifier::BOLD | Modifier::DIM));
        let dim = pen(Style::new().add_modifier(Modifier::DIM));
        assert_eq!(sgr(&both, &dim), "\x1b[0;2m");
    }

    #[test]
    fn moves_are_the_shortest_of_absolute_and_relative() {
        assert_eq!(move_to(At::Unknown, 4, 2), "\x1b[3;5H");
        assert_eq!(move_to(At::Unknown, 0, 2), "\x1b[3H");
        // The next row, one column left of where the cursor is: LF and BS.
        assert_eq!(move_to(At::Cell(41, 5), 40, 6), "\n\x08");
        assert_eq!(move_to(At::Cell(40, 5), 40, 8), "\n\n\n");
        assert_eq!(move_to(At::Cell(40, 5), 40, 20), "\x1b[15B");
        assert_eq!(move_to(At::Cell(40, 15), 3, 16), "\r\n\x1b[3C");
        assert_eq!(move_to(At::Cell(40, 5), 30, 5), "\x1b[10D");
        assert_eq!(move_to(At::Cell(40, 9), 40, 5), "\x1b[4A");
        // Column unknown (after the last column): from a carriage return only.
        assert_eq!(move_to(At::Row(5), 0, 6), "\r\n");
        assert_eq!(move_to(At::Row(5), 70, 6), "\x1b[7;71H");
    }
}
