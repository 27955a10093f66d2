//! A JSON list read element by element as its bytes arrive: each top-level element of a
//! bare array goes to the caller as soon as it is complete, so a 5,000-item answer is
//! never held whole (issue 14: two sessions lists of ~5 MB in flight were the largest
//! part of the console's memory at NOC scale). Only the element being read and what
//! follows it in the last chunk are kept.
//!
//! The split is a byte scan (strings and escapes skipped, nesting counted) that is total
//! over any input. An answer that is not a top-level array (an object, an HTML page, an
//! empty body) is kept whole for the caller's usual checks and decoder.

use super::ProviderError;

/// Where the scan is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    /// Before the first byte that is not whitespace.
    Start,
    /// Inside the top-level array.
    Array,
    /// After its closing bracket.
    Done,
    /// Not an array: everything is kept.
    Whole,
}

#[derive(Debug)]
pub struct ArraySplit {
    buf: Vec<u8>,
    /// Where the scan goes on in `buf`.
    pos: usize,
    at: At,
    depth: usize,
    in_string: bool,
    escaped: bool,
    /// Where the element being read starts in `buf`.
    start: Option<usize>,
    /// Elements handed out so far.
    pub count: usize,
}

impl Default for ArraySplit {
    fn default() -> Self {
        ArraySplit::new()
    }
}

fn malformed(why: &str) -> ProviderError {
    ProviderError::Decode(format!("not JSON: {why}"))
}

impl ArraySplit {
    pub fn new() -> ArraySplit {
        ArraySplit {
            buf: Vec::new(),
            pos: 0,
            at: At::Start,
            depth: 0,
            in_string: false,
            escaped: false,
            start: None,
            count: 0,
        }
    }

    /// Whether the answer turned out not to be an array (see [`ArraySplit::into_whole`]).
    pub fn is_whole(&self) -> bool {
        self.at == At::Whole
    }

    /// Feeds the next bytes; every element completed by them goes to `each` in order.
    pub fn push(
        &mut self,
        chunk: &[u8],
        each: &mut impl FnMut(&[u8]) -> Result<(), ProviderError>,
    ) -> Result<(), ProviderError> {
        self.buf.extend_from_slice(chunk);
        while self.pos < self.buf.len() {
            let i = self.pos;
            let b = self.buf[i];
            self.pos += 1;
            match self.at {
                At::Whole => {
                    self.pos = self.buf.len();
                    return Ok(());
                }
                At::Start => {
                    // Whitespace and a UTF-8 byte-order mark before the value.
                    if b.is_ascii_whitespace() || matches!(b, 0xEF | 0xBB | 0xBF) {
                        continue;
                    }
                    if b == b'[' {
                        self.at = At::Array;
                        self.depth = 1;
                    } else {
                        self.at = At::Whole;
                        self.pos = self.buf.len();
                        return Ok(());
                    }
                }
                At::Done => {
                    if !b.is_ascii_whitespace() {
                        return Err(malformed("trailing characters after the list"));
                    }
                }
                At::Array => self.scan(i, b, each)?,
            }
        }
        self.compact();
        Ok(())
    }

    fn scan(
        &mut self,
        i: usize,
        b: u8,
        each: &mut impl FnMut(&[u8]) -> Result<(), ProviderError>,
    ) -> Result<(), ProviderError> {
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                self.in_string = false;
            }
            return Ok(());
        }
        match b {
            b'"' => {
                self.in_string = true;
                self.mark(i);
            }
            b'{' | b'[' => {
                self.mark(i);
                self.depth += 1;
            }
            b'}' | b']' => {
                if self.depth == 1 {
                    if b == b'}' {
                        return Err(malformed("a brace closes the list"));
                    }
                    self.emit(i, false, each)?;
                    self.depth = 0;
                    self.at = At::Done;
                } else {
                    self.depth -= 1;
                }
            }
            b',' if self.depth == 1 => self.emit(i, true, each)?,
            b if b.is_ascii_whitespace() => {}
            _ => self.mark(i),
        }
        Ok(())
    }

    fn mark(&mut self, i: usize) {
        if self.depth == 1 && self.start.is_none() {
            self.start = Some(i);
        }
    }

    /// The element that ends before `end` (a comma when `more`, else the closing bracket).
    fn emit(
        &mut self,
        end: usize,
        more: bool,
        each: &mut impl FnMut(&[u8]) -> Result<(), ProviderError>,
    ) -> Result<(), ProviderError> {
        match self.start.take() {
            Some(s) => {
                self.count += 1;
                each(&self.buf[s..end])
            }
            // `[]` is an empty list; `[,` or `[1,]` are not JSON.
            None if !more && self.count == 0 => Ok(()),
            None => Err(malformed("an empty list element")),
        }
    }

    /// Drops the bytes already handed out, keeping the element being read.
    fn compact(&mut self) {
        // Before the list (blank so far) and outside one, everything is kept.
        if !matches!(self.at, At::Array | At::Done) {
            return;
        }
        let keep = self.start.unwrap_or(self.pos);
        if keep > 0 {
            self.buf.drain(..keep);
            self.pos -= keep;
            if let Some(s) = &mut self.start {
                *s -= keep;
            }
        }
    }

    /// The end of the answer: an array must have closed. Returns the whole body when it
    /// was not an array (the caller checks and decodes it as any answer).
    pub fn finish(self) -> Result<Option<Vec<u8>>, ProviderError> {
        match self.at {
            At::Done => Ok(None),
            At::Whole | At::Start => Ok(Some(self.buf)),
            At::Array => Err(malformed("the list was cut off")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `text` in pieces of `step` bytes; the elements as text, or the error.
    fn split(text: &str, step: usize) -> Result<(Vec<String>, Option<Vec<u8>>), ProviderError> {
        let mut s = ArraySplit::new();
        let mut out = Vec::new();
        for piece in text.as_bytes().chunks(step.max(1)) {
            s.push(piece, &mut |e| {
                out.push(String::from_utf8_lossy(e).trim().to_string());
                Ok(())
            })?;
        }
        let whole = s.finish()?;
        Ok((out, whole))
    }

    #[test]
    fn elements_come_out_whole_however_the_bytes_are_cut() {
        let text = r#" [ {"a": "x,]}\"{["}, {"b": [1, {"c": 2}]} ,3,"s\\",null ] "#;
        for step in [1, 2, 3, 7, 64] {
            let (els, whole) = split(text, step).unwrap();
            assert_eq!(
                els,
                vec![
                    r#"{"a": "x,]}\"{["}"#,
                    r#"{"b": [1, {"c": 2}]}"#,
                    "3",
                    r#""s\\""#,
                    "null"
                ],
                "step {step}"
            );
            assert!(whole.is_none());
        }
    }

    #[test]
    fn only_the_element_being_read_is_kept() {
        let mut s = ArraySplit::new();
        let item = format!("{{\"pad\":\"{}\"}},", "x".repeat(1000));
        s.push(b"[", &mut |_| Ok(())).unwrap();
        for _ in 0..1000 {
            s.push(item.as_bytes(), &mut |_| Ok(())).unwrap();
        }
        assert_eq!(s.count, 1000, "each one out at its comma");
        assert!(s.buf.len() < 2 * item.len(), "{} bytes kept", s.buf.len());
    }

    #[test]
    fn not_an_array_is_kept_whole_and_bad_lists_are_errors() {
        let (els, whole) = split(r#"{"status": false}"#, 4).unwrap();
        assert!(els.is_empty());
        assert_eq!(whole.as_deref(), Some(&br#"{"status": false}"#[..]));
        assert_eq!(split("[]", 1).unwrap().0.len(), 0);
        for bad in ["[1,]", "[,1]", "[1 2}", "[1] x", "[{\"a\":1}", "[1,,2]"] {
            assert!(split(bad, 2).is_err(), "{bad}");
        }
        // Empty or blank bodies are the caller's to judge.
        assert_eq!(split("  ", 1).unwrap().1.as_deref(), Some(&b"  "[..]));
    }
}
