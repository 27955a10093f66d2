//! What reaches the terminal, one frame at a time: [`FrameWriter`] sits between ratatui's
//! crossterm backend and stdout. A frame (synchronized-output begin, ratatui's diff,
//! end) is gathered in one buffer and leaves in one `write(2)`, so over SSH a frame is
//! one packet instead of one per kilobyte; a frame whose diff drew nothing (only colour
//! resets and the cursor's hide) is dropped whole, so an unchanged screen costs no bytes.
//! It counts what it wrote, for the output benchmark and the tests. A small frame (at
//! most [`UNWRAPPED_MAX`] bytes, a ticking clock) leaves without the synchronized-output
//! wrapper: in one write that small there is nothing for the terminal to tear.
//!
//! A frame's bounds are the synchronized-output sequences themselves: ratatui's backend
//! offers no stable access to its writer, so the console queues them through the backend
//! as before and the writer recognises them (crossterm writes each in one call).

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// DEC 2026: the terminal shows the frame whole, never half-drawn.
const BEGIN_SYNC: &[u8] = b"\x1b[?2026h";
const END_SYNC: &[u8] = b"\x1b[?2026l";
/// A frame body at most this long leaves without the synchronized-output wrapper (16 B):
/// it is one `write(2)` well inside one read of a terminal and one SSH packet, so the
/// terminal has it whole before it can draw; a ticking clock's digits cost no wrapper.
pub const UNWRAPPED_MAX: usize = 512;

/// What a [`FrameWriter`] has written so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutputStats {
    /// Bytes handed to the terminal.
    pub bytes: u64,
    /// `write` calls on the terminal (one per frame, plus any write outside frames).
    pub writes: u64,
    /// Frames that reached the terminal.
    pub frames: u64,
    /// Frames dropped because they would have changed nothing on screen.
    pub empty_frames: u64,
    /// Bytes not written that the console wrote before this writer: frames dropped
    /// whole, and repeats taken out of frames that were written.
    pub saved_bytes: u64,
}

/// The counters behind [`OutputStats`], readable from outside the terminal (ratatui
/// keeps the writer to itself).
#[derive(Debug, Default)]
pub struct OutputCounters {
    bytes: AtomicU64,
    writes: AtomicU64,
    frames: AtomicU64,
    empty_frames: AtomicU64,
    saved_bytes: AtomicU64,
}

impl OutputCounters {
    pub fn get(&self) -> OutputStats {
        OutputStats {
            bytes: self.bytes.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
            frames: self.frames.load(Ordering::Relaxed),
            empty_frames: self.empty_frames.load(Ordering::Relaxed),
            saved_bytes: self.saved_bytes.load(Ordering::Relaxed),
        }
    }
}

/// Buffers everything; writes it to `out` on `flush` outside a frame and at
/// [`end_frame`](FrameWriter::end_frame), in one `write_all`.
#[derive(Debug)]
pub struct FrameWriter<W: Write> {
    out: W,
    buf: Vec<u8>,
    /// Inside a frame: ratatui's own flushes wait for the frame's end.
    frame_start: Option<usize>,
    counters: Arc<OutputCounters>,
    /// The terminal's cursor is hidden (ratatui hides it again in every frame).
    cursor_hidden: bool,
}

impl<W: Write> FrameWriter<W> {
    pub fn new(out: W) -> FrameWriter<W> {
        FrameWriter {
            out,
            buf: Vec::with_capacity(64 * 1024),
            frame_start: None,
            counters: Arc::default(),
            cursor_hidden: false,
        }
    }

    /// Starts a frame: nothing leaves until [`end_frame`](Self::end_frame).
    pub fn begin_frame(&mut self) {
        if self.frame_start.is_none() {
            self.frame_start = Some(self.buf.len());
            self.buf.extend_from_slice(BEGIN_SYNC);
        }
    }

    /// Ends the frame and sends it, unless it drew nothing.
    pub fn end_frame(&mut self) -> io::Result<()> {
        let Some(start) = self.frame_start.take() else {
            return self.flush();
        };
        let body_at = start + BEGIN_SYNC.len();
        let raw = self.buf.len() - start + END_SYNC.len();
        let body = compact(&self.buf[body_at..], &mut self.cursor_hidden);
        self.buf.truncate(body_at);
        self.buf.extend_from_slice(&body);
        let sent = self.buf.len() - start + END_SYNC.len();
        if draws_nothing(&body) {
            self.counters
                .saved_bytes
                .fetch_add(raw as u64, Ordering::Relaxed);
            self.buf.truncate(start);
            self.counters.empty_frames.fetch_add(1, Ordering::Relaxed);
        } else {
            let mut sent = sent;
            if body.len() <= UNWRAPPED_MAX {
                self.buf.drain(start..body_at);
                sent -= BEGIN_SYNC.len() + END_SYNC.len();
            } else {
                self.buf.extend_from_slice(END_SYNC);
            }
            self.counters
                .saved_bytes
                .fetch_add((raw - sent) as u64, Ordering::Relaxed);
            self.counters.frames.fetch_add(1, Ordering::Relaxed);
        }
        self.send()
    }

    pub fn stats(&self) -> OutputStats {
        self.counters.get()
    }

    /// A handle on the counters that outlives lending the writer to a terminal.
    pub fn counters(&self) -> Arc<OutputCounters> {
        Arc::clone(&self.counters)
    }

    pub fn get_ref(&self) -> &W {
        &self.out
    }

    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let r = self
            .out
            .write_all(&self.buf)
            .and_then(|()| self.out.flush());
        let c = &self.counters;
        c.bytes.fetch_add(self.buf.len() as u64, Ordering::Relaxed);
        c.writes.fetch_add(1, Ordering::Relaxed);
        self.buf.clear();
        r
    }
}

impl<W: Write> Write for FrameWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if data == BEGIN_SYNC {
            self.begin_frame();
        } else if data == END_SYNC && self.frame_start.is_some() {
            self.end_frame()?;
        } else {
            self.buf.extend_from_slice(data);
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.frame_start.is_some() {
            return Ok(());
        }
        self.send()
    }
}

/// A `Write` into memory that stays readable while a terminal owns the writer (tests
/// and the output benchmark).
#[derive(Debug, Clone, Default)]
pub struct SharedBuf(pub Arc<std::sync::Mutex<Vec<u8>>>);

impl SharedBuf {
    pub fn bytes(&self) -> Vec<u8> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
    pub fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Write for SharedBuf {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

const HIDE_CURSOR: &[u8] = b"\x1b[?25l";
const SHOW_CURSOR: &[u8] = b"\x1b[?25h";
/// What ratatui's crossterm backend writes after every diff; SGR 0 alone resets all of it.
const RESET_ALL: &[u8] = b"\x1b[39m\x1b[49m\x1b[59m\x1b[0m";
const RESET: &[u8] = b"\x1b[0m";

/// A frame's bytes without what the terminal already is: the colour resets in one
/// sequence, and a cursor hide dropped while the cursor is hidden. `hidden` follows the
/// frame's last hide or show.
fn compact(frame: &[u8], hidden: &mut bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(frame.len());
    let mut i = 0;
    while i < frame.len() {
        let rest = &frame[i..];
        if rest.starts_with(RESET_ALL) {
            out.extend_from_slice(RESET);
            i += RESET_ALL.len();
        } else if rest.starts_with(HIDE_CURSOR) {
            if !*hidden {
                out.extend_from_slice(HIDE_CURSOR);
                *hidden = true;
            }
            i += HIDE_CURSOR.len();
        } else if rest.starts_with(SHOW_CURSOR) {
            out.extend_from_slice(SHOW_CURSOR);
            *hidden = false;
            i += SHOW_CURSOR.len();
        } else {
            out.push(frame[i]);
            i += 1;
        }
    }
    out
}

/// True when `bytes` only resets attributes or hides the cursor: no text, no cursor
/// move, no erase. That is what ratatui writes for a frame whose diff is empty.
fn draws_nothing(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != 0x1b || bytes.get(i + 1) != Some(&b'[') {
            return false;
        }
        // CSI: parameters and intermediates, then one final byte in 0x40..=0x7e.
        let mut j = i + 2;
        while j < bytes.len() && !(0x40..=0x7e).contains(&bytes[j]) {
            j += 1;
        }
        let Some(&last) = bytes.get(j) else {
            return false;
        };
        let params = &bytes[i + 2..j];
        let harmless = last == b'm' || (last == b'l' && params == b"?25");
        if !harmless {
            return false;
        }
        i = j + 1;
    }
    true
}

/// A terminal notification as bytes, written between frames through the writer (so it
/// is counted and ordered with the frames): OSC 9 (`ESC ] 9 ; text ST`) or OSC 777
/// (`ESC ] 777 ; notify ; title ; body ST`). Inside tmux (`tmux`) it is wrapped in
/// tmux's passthrough DCS (`ESC P tmux ; … ESC \`, every ESC doubled), which tmux
/// forwards to the outer terminal when `set -g allow-passthrough on`. Control characters
/// in the text are dropped so it cannot end the sequence early; `Off` writes nothing.
pub fn notification(kind: crate::alerts::Notify, text: &str, tmux: bool) -> Vec<u8> {
    use crate::alerts::Notify;
    let clean: String = text.chars().filter(|c| !c.is_control()).take(200).collect();
    let seq = match kind {
        Notify::Off => return Vec::new(),
        Notify::Osc9 => format!("\x1b]9;{clean}\x1b\\"),
        // The title and body are `;`-separated: the body may hold any `;` after them.
        Notify::Osc777 => format!("\x1b]777;notify;switchboard;{clean}\x1b\\"),
    };
    if !tmux {
        return seq.into_bytes();
    }
    let mut out = b"\x1bPtmux;".to_vec();
    for b in seq.bytes() {
        if b == 0x1b {
            out.push(0x1b);
        }
        out.push(b);
    }
    out.extend_from_slice(b"\x1b\\");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_leaves_in_one_write() {
        let mut w = FrameWriter::new(Vec::new());
        w.begin_frame();
        w.write_all(b"\x1b[1;1Hhello").unwrap();
        w.flush().unwrap(); // ratatui flushes mid-frame: held
        w.write_all(b"\x1b[0m\x1b[?25l").unwrap();
        w.flush().unwrap();
        assert!(w.get_ref().is_empty());
        w.end_frame().unwrap();
        // Small: no synchronized-output wrapper.
        assert_eq!(w.get_ref().as_slice(), b"\x1b[1;1Hhello\x1b[0m\x1b[?25l");
        let s = w.stats();
        assert_eq!((s.frames, s.empty_frames, s.writes), (1, 0, 1));
        assert_eq!(s.bytes, w.get_ref().len() as u64);
    }

    #[test]
    fn a_large_frame_keeps_the_synchronized_output_wrapper() {
        let mut w = FrameWriter::new(Vec::new());
        let body = [b"\x1b[1;1H".as_slice(), &[b'x'; UNWRAPPED_MAX]].concat();
        w.write_all(BEGIN_SYNC).unwrap();
        w.write_all(&body).unwrap();
        w.write_all(END_SYNC).unwrap();
        assert_eq!(
            w.get_ref().as_slice(),
            [BEGIN_SYNC, &body, END_SYNC].concat().as_slice()
        );
        assert_eq!(w.stats().writes, 1);
    }

    #[test]
    fn a_frame_that_only_resets_colours_writes_nothing() {
        let mut w = FrameWriter::new(Vec::new());
        w.begin_frame();
        w.write_all(b"\x1b[39m\x1b[49m\x1b[59m\x1b[0m\x1b[?25l")
            .unwrap();
        w.end_frame().unwrap();
        assert!(w.get_ref().is_empty());
        let s = w.stats();
        assert_eq!((s.frames, s.empty_frames, s.writes, s.bytes), (0, 1, 0, 0));
        assert_eq!(s.saved_bytes, 8 + 5 * 3 + 4 + 6 + 8);
    }

    #[test]
    fn cursor_moves_erases_and_text_are_drawing() {
        for bytes in [
            &b"\x1b[3;4H"[..],
            b"\x1b[2J",
            b"x",
            b"\x1b[?25h",
            b"\x1b[0m\x1b[", // cut short: keep it, it is not provably harmless
        ] {
            assert!(!draws_nothing(bytes), "{bytes:?}");
        }
        assert!(draws_nothing(b""));
    }

    #[test]
    fn the_sync_sequences_written_through_the_writer_bound_a_frame() {
        let mut w = FrameWriter::new(Vec::new());
        w.write_all(BEGIN_SYNC).unwrap();
        w.write_all(b"\x1b[0m").unwrap();
        w.write_all(END_SYNC).unwrap();
        w.flush().unwrap();
        assert!(w.get_ref().is_empty(), "an empty frame is dropped");
        w.write_all(BEGIN_SYNC).unwrap();
        w.write_all(b"\x1b[5;1Habc").unwrap();
        w.write_all(END_SYNC).unwrap();
        w.flush().unwrap();
        assert_eq!(w.get_ref().as_slice(), b"\x1b[5;1Habc");
        assert_eq!(w.stats().writes, 1);
    }

    #[test]
    fn frames_do_not_repeat_what_the_terminal_already_is() {
        let mut w = FrameWriter::new(Vec::new());
        let frame = |w: &mut FrameWriter<Vec<u8>>, body: &[u8]| {
            w.write_all(BEGIN_SYNC).unwrap();
            w.write_all(body).unwrap();
            w.write_all(END_SYNC).unwrap();
            let out = w.get_ref().clone();
            w.out.clear();
            out
        };
        let first = frame(
            &mut w,
            b"\x1b[1;1Hx\x1b[39m\x1b[49m\x1b[59m\x1b[0m\x1b[?25l",
        );
        assert_eq!(first, b"\x1b[1;1Hx\x1b[0m\x1b[?25l");
        // Hidden already: the second frame does not hide it again.
        let second = frame(
            &mut w,
            b"\x1b[1;1Hy\x1b[39m\x1b[49m\x1b[59m\x1b[0m\x1b[?25l",
        );
        assert_eq!(second, b"\x1b[1;1Hy\x1b[0m");
        // A form shows it; the next hide is written.
        let shown = frame(&mut w, b"\x1b[?25h\x1b[3;4H");
        assert_eq!(shown, b"\x1b[?25h\x1b[3;4H");
        let hidden = frame(&mut w, b"\x1b[1;1Hz\x1b[?25l");
        assert_eq!(hidden, b"\x1b[1;1Hz\x1b[?25l");
    }

    #[test]
    fn writes_outside_a_frame_go_on_flush() {
        let mut w = FrameWriter::new(Vec::new());
        w.write_all(b"\x07").unwrap();
        assert!(w.get_ref().is_empty());
        w.flush().unwrap();
        assert_eq!(w.get_ref().as_slice(), b"\x07");
        assert_eq!(w.stats().writes, 1);
    }

    #[test]
    fn notifications_are_osc_sequences_and_tmux_wraps_them() {
        use crate::alerts::Notify;
        let n = notification(Notify::Osc9, "east: degraded\x1b]0;x\x07", false);
        assert_eq!(n, b"\x1b]9;east: degraded]0;x\x1b\\");
        let n = notification(Notify::Osc777, "east: degraded", false);
        assert_eq!(n, b"\x1b]777;notify;switchboard;east: degraded\x1b\\");
        let n = notification(Notify::Osc9, "a", true);
        assert_eq!(n, b"\x1bPtmux;\x1b\x1b]9;a\x1b\x1b\\\x1b\\");
        assert!(notification(Notify::Off, "a", true).is_empty());
    }
}
