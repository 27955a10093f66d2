//! What the console writes to the terminal, through the real crossterm backend into a
//! byte-counting writer: a frame leaves in one write, and a redraw of an unchanged
//! screen writes nothing (issue 14: over SSH every byte is a packet).

use std::sync::Arc;

use ratatui::backend::CrosstermBackend;

use switchboard::app::{Screen, Terminal};
use switchboard::frame_out::{FrameWriter, OutputCounters, SharedBuf};
use switchboard::model::{Capabilities, ProviderId, ProviderKind, Resource};
use switchboard::state::{Level, Message, ProviderState, State};
use switchboard::theme::Theme;

const NOW: i64 = 1_700_000_000_000;

struct Out {
    t: Terminal<SharedBuf>,
    buf: SharedBuf,
    counters: Arc<OutputCounters>,
}

fn terminal(w: u16, h: u16) -> Out {
    let buf = SharedBuf::default();
    let writer = FrameWriter::new(buf.clone());
    let counters = writer.counters();
    let backend = CrosstermBackend::new(writer);
    let t = ratatui::Terminal::with_options(
        backend,
        ratatui::TerminalOptions {
            viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, w, h)),
        },
    )
    .expect("a terminal over a buffer");
    Out { t, buf, counters }
}

fn state() -> State {
    let caps = Resource::ALL
        .iter()
        .fold(Capabilities::new(), |c, &r| c.with(r));
    let p = ProviderState::new(ProviderId(0), "cx-demo", ProviderKind::Cloudonix, caps);
    let mut s = State::new(vec![p], NOW);
    s.tz = jiff::tz::TimeZone::UTC;
    s
}

#[test]
fn an_unchanged_screen_redrawn_writes_nothing_and_a_change_leaves_in_one_write() {
    let theme = Theme::default();
    let Out {
        mut t,
        buf,
        counters,
    } = terminal(80, 24);
    let mut s = state();
    t.draw_state(&s, &theme).expect("first frame");
    let first = counters.get();
    assert_eq!(first.frames, 1);
    assert!(buf.len() > 500, "the first frame draws the screen");
    let before = buf.len();

    // Nothing changed: the frame is dropped whole (no sync markers, no colour resets).
    t.draw_state(&s, &theme).expect("second frame");
    let idle = counters.get();
    assert_eq!(buf.len(), before, "an unchanged redraw wrote bytes");
    assert_eq!(idle.empty_frames, 1);
    assert_eq!(idle.writes, first.writes);

    // A visible change: one frame, one write, and only the changed cells.
    s.message = Some(Message {
        text: "trunk saved".into(),
        level: Level::Info,
        at_ms: NOW,
    });
    t.draw_state(&s, &theme).expect("third frame");
    let after = counters.get();
    assert_eq!(after.frames, 2);
    assert_eq!(after.writes, idle.writes + 1, "a frame is one write");
    let all = buf.bytes();
    let frame = &all[before..];
    assert!(frame.starts_with(b"\x1b[?2026h") && frame.ends_with(b"\x1b[?2026l"));
    assert!(String::from_utf8_lossy(frame).contains("trunk saved"));
    assert!(
        frame.len() < before / 2,
        "only the diff is written: {} B",
        frame.len()
    );
}
