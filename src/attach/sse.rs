//! A Server-Sent Events parser (the WHATWG event-stream format): bytes in as they
//! arrive, whole events out. Lines end in LF, CR or CRLF; `event`, `data` (several join
//! with LF) and `id` fields; comments (`:`, the collector's keep-alives) and unknown
//! fields are skipped; an event is dispatched at a blank line. A line longer than
//! [`MAX_LINE`] is an error: a feed that never ends a line must not grow memory.

/// The longest line accepted (a change of a large provider is one line).
pub const MAX_LINE: usize = 256 << 20;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// `message` unless the event named itself.
    pub event: String,
    pub data: String,
    /// The event's `id`, or the last one seen on the stream (as the spec keeps it).
    pub id: Option<String>,
}

#[derive(Debug, Default)]
pub struct Parser {
    line: Vec<u8>,
    /// A CR ended the last line: a LF right after it belongs to it.
    after_cr: bool,
    event: String,
    data: Option<String>,
    last_id: Option<String>,
    /// Keep-alive comments seen (so a reader can tell the link is alive).
    pub comments: u64,
}

impl Parser {
    pub fn new() -> Parser {
        Parser::default()
    }

    /// The id the stream last set (what `Last-Event-ID` resumes from).
    pub fn last_id(&self) -> Option<&str> {
        self.last_id.as_deref()
    }

    /// Feeds a chunk; returns the events it completed.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<SseEvent>, String> {
        let mut out = Vec::new();
        for &b in chunk {
            match b {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\n' | b'\r' => {
                    self.after_cr = b == b'\r';
                    let line = std::mem::take(&mut self.line);
                    if let Some(e) = self.line_done(&line) {
                        out.push(e);
                    }
                }
                _ => {
                    self.after_cr = false;
                    if self.line.len() >= MAX_LINE {
                        return Err("an event-stream line is too long".into());
                    }
                    self.line.push(b);
                }
            }
        }
        Ok(out)
    }

    fn line_done(&mut self, line: &[u8]) -> Option<SseEvent> {
        if line.is_empty() {
            let data = self.data.take();
            let event = std::mem::take(&mut self.event);
            return data.map(|data| SseEvent {
                event: if event.is_empty() {
                    "message".into()
                } else {
                    event
                },
                data,
                id: self.last_id.clone(),
            });
        }
        if line[0] == b':' {
            self.comments += 1;
            return None;
        }
        let line = String::from_utf8_lossy(line);
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line.as_ref(), ""),
        };
        match field {
            "event" => self.event = value.to_string(),
            "data" => match &mut self.data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => self.data = Some(value.to_string()),
            },
            "id" if !value.contains('\0') => self.last_id = Some(value.to_string()),
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_anywhere_come_out_whole() {
        let text = b": keep-alive\n\nevent: change\nid: 7\ndata: {\"a\":\ndata: 1}\r\n\r\ndata: x\r\rid: 9\nevent: resync\ndata:\n\n";
        for cut in 0..text.len() {
            let mut p = Parser::new();
            let mut got = p.push(&text[..cut]).unwrap();
            got.extend(p.push(&text[cut..]).unwrap());
            assert_eq!(got.len(), 3, "cut at {cut}: {got:?}");
            assert_eq!(got[0].event, "change");
            assert_eq!(got[0].data, "{\"a\":\n1}");
            assert_eq!(got[0].id.as_deref(), Some("7"));
            assert_eq!(got[1].event, "message");
            assert_eq!(got[1].data, "x");
            assert_eq!(got[1].id.as_deref(), Some("7"), "the last id carries over");
            assert_eq!(
                (got[2].event.as_str(), got[2].data.as_str()),
                ("resync", "")
            );
            assert_eq!(p.last_id(), Some("9"));
            assert_eq!(p.comments, 1);
        }
    }

    #[test]
    fn a_block_of_fields_without_data_is_no_event() {
        let mut p = Parser::new();
        assert!(p.push(b"event: change\nid: 3\n\n").unwrap().is_empty());
        assert_eq!(p.last_id(), Some("3"));
    }
}
