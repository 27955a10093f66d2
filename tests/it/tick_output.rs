//! What a second of ticking calls costs on the wire (issue 14: ≤ 12 B/s a call): a column
//! of durations that each move on by one second is a digit, a backspace and a line feed
//! per row, the selected row's reverse and bold are set once and reset once, and so
//! small a frame leaves without the synchronized-output wrapper. Every frame is replayed
//! into the virtual terminal and must show what ratatui drew, in the same colours as
//! ratatui's own backend.

use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;

use switchboard::action::Action;
use switchboard::app::{Screen, Terminal};
use switchboard::frame_out::{FrameWriter, SharedBuf};
use switchboard::model::{Call, CallState, Direction, ProviderId};
use switchboard::providers::{FetchData, JobKind};
use switchboard::state::State;
use switchboard::term_backend::ScrollBackend;
use switchboard::theme::Theme;
use switchboard::update::update;

use crate::ux_fixture::{self, fetched};
use crate::vterm::VTerm;

const NOW: i64 = 1_700_000_000_000;
const CALLS: usize = 8;

fn fixed(w: u16, h: u16) -> ratatui::TerminalOptions {
    ratatui::TerminalOptions {
        viewport: ratatui::Viewport::Fixed(Rect::new(0, 0, w, h)),
    }
}

/// Eight answered calls, 100, 110 … 170 s long at `NOW` (no carry into the tens when a
/// second passes).
fn state() -> State {
    let mut s = ux_fixture::state(&["cx-demo"]);
    update(&mut s, Action::Resize(80, 24));
    let live = (0..CALLS)
        .map(|i| {
            let answered = NOW - 1_000 * (100 + 10 * i as i64);
            Call {
                provider: ProviderId(0),
                account: "acme.example.net".into(),
                account_name: Default::default(),
                id: format!("call-{i}").into(),
                from: format!("+4420794600{i:02}").into(),
                to: format!("+6129374100{i:02}").into(),
                direction: Direction::Inbound,
                state: CallState::InCall,
                started_at_ms: Some(answered - 3_000),
                answered_at_ms: Some(answered),
                ended_at_ms: None,
                extra: Default::default(),
            }
        })
        .collect();
    update(
        &mut s,
        fetched(
            0,
            1,
            JobKind::Calls,
            FetchData::Calls {
                live,
                history: vec![],
            },
        ),
    );
    s
}

#[test]
fn a_second_of_ticking_calls_costs_three_bytes_a_row_and_no_repeated_attributes() {
    let theme = Theme::default();
    let out = SharedBuf::default();
    let mut ours: Terminal<SharedBuf> = ratatui::Terminal::with_options(
        ScrollBackend::with_size(FrameWriter::new(out.clone()), 80, 24),
        fixed(80, 24),
    )
    .expect("a terminal");
    let plain_out = SharedBuf::default();
    let mut plain = ratatui::Terminal::with_options(
        CrosstermBackend::new(FrameWriter::new(plain_out.clone())),
        fixed(80, 24),
    )
    .expect("a terminal");
    let (mut vt, mut plain_vt) = (VTerm::new(80, 24), VTerm::new(80, 24));
    let (mut seen, mut plain_seen) = (0, 0);
    let mut s = state();
    let mut frames = Vec::new();
    for second in 0..4 {
        update(&mut s, Action::Tick(NOW + 1_000 * second));
        ours.draw_state(&s, &theme).expect("a frame");
        let done = plain
            .draw(|f| switchboard::ui::render(f, &s, &theme))
            .expect("a frame");
        let expected: Vec<String> = done
            .buffer
            .content
            .chunks(80)
            .map(|row| row.iter().map(|c| c.symbol()).collect())
            .collect();
        let (bytes, plain_bytes) = (out.bytes(), plain_out.bytes());
        vt.feed(&bytes[seen..]);
        plain_vt.feed(&plain_bytes[plain_seen..]);
        frames.push(bytes[seen..].to_vec());
        (seen, plain_seen) = (bytes.len(), plain_bytes.len());
        assert_eq!(vt.lines(), expected, "second {second}: the screen differs");
        assert!(
            vt.cells == plain_vt.cells,
            "second {second}: colours differ"
        );
    }
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    assert!(
        text(&frames[0]).contains("call") || frames[0].len() > 500,
        "the first frame draws the table"
    );
    for (i, frame) in frames.iter().enumerate().skip(1) {
        let t = text(frame);
        // Each row: the new digit, then BS and LF down to the next row's digit.
        assert!(
            t.matches("\n\x08").count() >= CALLS - 1,
            "second {i}: {t:?}"
        );
        // Into the selected row's reverse and bold once, out of it once.
        assert_eq!(t.matches('m').count(), 2, "second {i}: {t:?}");
        assert!(!t.contains("\x1b[?2026"), "second {i}: a wrapper: {t:?}");
        // A move to the first row (absolute, or back up from the last frame's end),
        // 3 B a row, 9 B of attributes.
        assert!(
            frame.len() <= 8 + 3 * CALLS + 9,
            "second {i}: {} B {t:?}",
            frame.len()
        );
    }
    // From the second tick on, the cursor is where the last frame left it: a move up.
    assert!(text(&frames[2]).starts_with(&format!("\x1b[{}A", CALLS - 1)));
}
