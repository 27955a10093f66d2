//! A small virtual terminal for the output tests: it applies what the console writes
//! (cursor moves absolute and relative, CR, LF — a pure line feed that keeps the column,
//! as in raw mode —, BS and RI — scrolling at the region's edge —, SGR with its pen kept
//! from one sequence to the next, text, DECSTBM with SU/SD, erases, synchronized output,
//! cursor show/hide) to a grid of cells, so a test can compare the screen a user would
//! see with what ratatui meant to draw. An escape it does not know fails the test.
//!
//! Text in the last column leaves the cursor there with a wrap pending, as a VT100 does:
//! the next symbol goes to the next line's start, and a relative move or backspace from
//! there (which terminals disagree on) fails the test.

/// Colours as their SGR parameters, attributes as bits by SGR number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pen {
    fg: Option<String>,
    bg: Option<String>,
    underline: Option<String>,
    attrs: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VCell {
    /// "" for the second column of a wide symbol.
    pub symbol: String,
    pub pen: Pen,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VTerm {
    pub width: usize,
    pub height: usize,
    pub cells: Vec<VCell>,
    x: usize,
    y: usize,
    pen: Pen,
    /// The scroll region, first and last line.
    region: (usize, usize),
    /// Text reached the last column: the next symbol wraps.
    wrap: bool,
}

impl VTerm {
    pub fn new(width: usize, height: usize) -> VTerm {
        let blank = VCell {
            symbol: " ".into(),
            pen: Pen::default(),
        };
        VTerm {
            width,
            height,
            cells: vec![blank; width * height],
            x: 0,
            y: 0,
            pen: Pen::default(),
            region: (0, height - 1),
            wrap: false,
        }
    }

    /// The terminal's window changes size: what fits stays, the rest is blank.
    pub fn resize(&mut self, width: usize, height: usize) {
        let mut next = VTerm::new(width, height);
        for y in 0..height.min(self.height) {
            for x in 0..width.min(self.width) {
                next.cells[y * width + x] = self.cells[y * self.width + x].clone();
            }
        }
        next.pen = self.pen.clone();
        *self = next;
    }

    /// The screen as text, a line per row (wide symbols' second columns left out).
    pub fn lines(&self) -> Vec<String> {
        self.cells
            .chunks(self.width)
            .map(|row| row.iter().map(|c| c.symbol.as_str()).collect())
            .collect()
    }

    fn blank(&self) -> VCell {
        VCell {
            symbol: " ".into(),
            pen: Pen {
                bg: self.pen.bg.clone(),
                ..Pen::default()
            },
        }
    }

    fn erase(&mut self, from: usize, to: usize) {
        let b = self.blank();
        for c in &mut self.cells[from..to] {
            *c = b.clone();
        }
    }

    fn scroll(&mut self, n: usize, up: bool) {
        let (top, bottom) = self.region;
        let w = self.width;
        let n = n.min(bottom + 1 - top);
        let rows: Vec<Vec<VCell>> = (top..=bottom)
            .map(|r| self.cells[r * w..(r + 1) * w].to_vec())
            .collect();
        let blank = vec![self.blank(); w];
        for (i, r) in (top..=bottom).enumerate() {
            let src = if up {
                rows.get(i + n)
            } else {
                i.checked_sub(n).and_then(|j| rows.get(j))
            };
            self.cells[r * w..(r + 1) * w].clone_from_slice(src.unwrap_or(&blank));
        }
    }

    fn sgr(&mut self, params: &[u32]) {
        let params = if params.is_empty() { &[0][..] } else { params };
        let mut i = 0;
        while i < params.len() {
            let p = params[i];
            match p {
                0 => self.pen = Pen::default(),
                1..=9 => self.pen.attrs |= 1 << p,
                22 => self.pen.attrs &= !(1 << 1 | 1 << 2),
                23 | 24 | 27 | 28 | 29 => self.pen.attrs &= !(1 << (p - 20)),
                25 => self.pen.attrs &= !(1 << 5 | 1 << 6),
                30..=37 | 90..=97 => self.pen.fg = Some(p.to_string()),
                40..=47 | 100..=107 => self.pen.bg = Some(p.to_string()),
                39 => self.pen.fg = None,
                49 => self.pen.bg = None,
                59 => self.pen.underline = None,
                38 | 48 | 58 => {
                    let n = match params.get(i + 1) {
                        Some(5) => 2,
                        Some(2) => 4,
                        other => panic!("colour form {other:?}"),
                    };
                    let value = format!("{:?}", &params[i + 1..=i + n]);
                    match p {
                        38 => self.pen.fg = Some(value),
                        48 => self.pen.bg = Some(value),
                        _ => self.pen.underline = Some(value),
                    }
                    i += n;
                }
                _ => panic!("SGR {p}"),
            }
            i += 1;
        }
    }

    fn csi(&mut self, private: bool, params: &[u32], last: u8) {
        let arg = |i: usize, default: u32| match params.get(i) {
            Some(&0) | None => default,
            Some(&v) => v,
        } as usize;
        let relative = matches!(last, b'A' | b'B' | b'C' | b'D');
        assert!(
            private || !(relative && self.wrap),
            "a relative move with a wrap pending"
        );
        if !private && last != b'm' {
            self.wrap = false;
        }
        match (private, last) {
            (true, b'h' | b'l') => {} // synchronized output, cursor visibility
            (false, b'H') => {
                self.y = (arg(0, 1) - 1).min(self.height - 1);
                self.x = (arg(1, 1) - 1).min(self.width - 1);
            }
            (false, b'A') => self.y = self.y.saturating_sub(arg(0, 1)),
            (false, b'B') => self.y = (self.y + arg(0, 1)).min(self.height - 1),
            (false, b'C') => self.x = (self.x + arg(0, 1)).min(self.width - 1),
            (false, b'D') => self.x = self.x.saturating_sub(arg(0, 1)),
            (false, b'm') => self.sgr(params),
            (false, b'r') => {
                let top = arg(0, 1) - 1;
                let bottom = arg(1, self.height as u32) - 1;
                assert!(top < bottom && bottom < self.height, "DECSTBM {params:?}");
                self.region = (top, bottom);
                (self.x, self.y) = (0, 0);
            }
            (false, b'S') => self.scroll(arg(0, 1), true),
            (false, b'T') => self.scroll(arg(0, 1), false),
            (false, b'J') => match params.first().copied().unwrap_or(0) {
                0 => self.erase(self.y * self.width + self.x, self.cells.len()),
                2 => self.erase(0, self.cells.len()),
                other => panic!("ED {other}"),
            },
            (false, b'K') => {
                let row = self.y * self.width;
                match params.first().copied().unwrap_or(0) {
                    0 => self.erase(row + self.x, row + self.width),
                    2 => self.erase(row, row + self.width),
                    other => panic!("EL {other}"),
                }
            }
            _ => panic!("CSI {params:?} {}", last as char),
        }
    }

    fn print(&mut self, ch: char) {
        let w = ratatui::text::Span::raw(ch.to_string()).width();
        if w == 0 {
            return;
        }
        if self.wrap {
            self.wrap = false;
            self.x = 0;
            if self.y == self.region.1 {
                self.scroll(1, true);
            } else {
                self.y = (self.y + 1).min(self.height - 1);
            }
        }
        assert!(
            self.x + w <= self.width,
            "text past the right edge at {},{}",
            self.x,
            self.y
        );
        let i = self.y * self.width + self.x;
        self.cells[i] = VCell {
            symbol: ch.to_string(),
            pen: self.pen.clone(),
        };
        for k in 1..w {
            self.cells[i + k] = VCell {
                symbol: String::new(),
                pen: self.pen.clone(),
            };
        }
        self.wrap = self.x + w == self.width;
        self.x = (self.x + w).min(self.width - 1);
    }

    pub fn feed(&mut self, bytes: &[u8]) {
        let text = std::str::from_utf8(bytes).expect("the console writes UTF-8");
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\x1b' if chars.next_if_eq(&'M').is_some() => {
                    // Reverse index: up a line, or the region down at its top.
                    if self.y == self.region.0 {
                        self.scroll(1, false);
                    } else {
                        self.y = self.y.saturating_sub(1);
                    }
                }
                '\x1b' => {
                    assert_eq!(chars.next(), Some('['), "only CSI and RI sequences");
                    let private = chars.next_if_eq(&'?').is_some();
                    let mut raw = String::new();
                    let last = loop {
                        let Some(c) = chars.next() else {
                            panic!("cut short: ESC[{raw}")
                        };
                        if ('\x40'..='\x7e').contains(&c) {
                            break c as u8;
                        }
                        raw.push(c);
                    };
                    let params: Vec<u32> = if raw.is_empty() {
                        vec![]
                    } else {
                        raw.split([';', ':'])
                            .map(|p| p.parse().unwrap_or(0))
                            .collect()
                    };
                    self.csi(private, &params, last);
                }
                '\x07' => {}
                '\r' => (self.x, self.wrap) = (0, false),
                '\x08' => {
                    assert!(!self.wrap, "a backspace with a wrap pending");
                    self.x = self.x.saturating_sub(1);
                }
                '\n' if self.y == self.region.1 => self.scroll(1, true),
                '\n' => self.y = (self.y + 1).min(self.height - 1),
                c if c.is_control() => panic!("control {c:?}"),
                c => self.print(c),
            }
        }
    }
}
