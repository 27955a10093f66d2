//! Scrolled tables leave as terminal scrolls (issue 14 item 5). Every frame the console
//! writes through its backend, replayed into a virtual terminal, shows exactly what
//! ratatui drew, cell for cell and colour for colour (against ratatui's own crossterm
//! backend replayed the same way): one-row scrolls at both edges, page moves, jumps, pane
//! switches, overlays, data changes and resizes. And a scroll costs a fraction of a
//! rewrite.

use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;

use switchboard::action::Action;
use switchboard::app::{Screen, Terminal};
use switchboard::frame_out::{FrameWriter, SharedBuf};
use switchboard::model::{Account, AccountKind, Call, CallState, Direction, ProviderId};
use switchboard::providers::{FetchData, JobKind};
use switchboard::state::State;
use switchboard::term_backend::ScrollBackend;
use switchboard::theme::Theme;
use switchboard::update::update;

use crate::ux_fixture::{self, fetched};
use crate::vterm::VTerm;

const NOW: i64 = 1_700_000_000_000;

type Plain = ratatui::Terminal<CrosstermBackend<FrameWriter<SharedBuf>>>;

/// The console's terminal and, beside it, ratatui's plain crossterm backend, each
/// replayed into a virtual terminal.
struct Pair {
    ours: Terminal<SharedBuf>,
    ours_out: SharedBuf,
    ours_seen: usize,
    ours_vt: VTerm,
    plain: Plain,
    plain_out: SharedBuf,
    plain_seen: usize,
    plain_vt: VTerm,
    theme: Theme,
}

fn fixed(w: u16, h: u16) -> ratatui::TerminalOptions {
    ratatui::TerminalOptions {
        viewport: ratatui::Viewport::Fixed(Rect::new(0, 0, w, h)),
    }
}

fn plain(w: u16, h: u16) -> (Plain, SharedBuf) {
    let out = SharedBuf::default();
    let t = ratatui::Terminal::with_options(
        CrosstermBackend::new(FrameWriter::new(out.clone())),
        fixed(w, h),
    )
    .expect("a terminal over a buffer");
    (t, out)
}

impl Pair {
    fn new(w: u16, h: u16) -> Pair {
        let ours_out = SharedBuf::default();
        let backend = ScrollBackend::with_size(FrameWriter::new(ours_out.clone()), w, h);
        let ours = ratatui::Terminal::with_options(backend, fixed(w, h)).expect("a terminal");
        let (plain, plain_out) = plain(w, h);
        Pair {
            ours,
            ours_out,
            ours_seen: 0,
            ours_vt: VTerm::new(w.into(), h.into()),
            plain,
            plain_out,
            plain_seen: 0,
            plain_vt: VTerm::new(w.into(), h.into()),
            theme: Theme::default(),
        }
    }

    /// Draws `s` on both terminals, checks the screens, and returns the bytes the
    /// console wrote for the frame and what the plain backend wrote.
    fn frame(&mut self, s: &State, what: &str) -> (usize, usize) {
        self.ours.draw_state(s, &self.theme).expect("a frame");
        let theme = &self.theme;
        let done = self
            .plain
            .draw(|f| switchboard::ui::render(f, s, theme))
            .expect("a frame");
        let expected: Vec<String> = done
            .buffer
            .content
            .chunks(done.buffer.area.width as usize)
            .map(|row| row.iter().map(|c| c.symbol()).collect())
            .collect();
        let ours = self.ours_out.bytes();
        let plain = self.plain_out.bytes();
        self.ours_vt.feed(&ours[self.ours_seen..]);
        self.plain_vt.feed(&plain[self.plain_seen..]);
        let sent = (ours.len() - self.ours_seen, plain.len() - self.plain_seen);
        (self.ours_seen, self.plain_seen) = (ours.len(), plain.len());
        assert_eq!(self.ours_vt.lines(), expected, "{what}: the screen differs");
        assert!(
            self.ours_vt.cells == self.plain_vt.cells,
            "{what}: colours or attributes differ"
        );
        sent
    }

    /// The terminal changes size: the console's terminal follows (it clears), the plain
    /// one starts again on a blank screen.
    fn resize(&mut self, s: &mut State, w: u16, h: u16) {
        self.ours.backend_mut().set_size(w, h);
        self.ours.resize(Rect::new(0, 0, w, h)).expect("resize");
        self.ours_vt.resize(w.into(), h.into());
        let (t, out) = plain(w, h);
        (self.plain, self.plain_out, self.plain_seen) = (t, out, 0);
        self.plain_vt = VTerm::new(w.into(), h.into());
        update(s, Action::Resize(w, h));
    }
}

fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn call(i: usize) -> Call {
    let started = NOW - 1_000 * (40 + (mix(i as u64 + 3) % 3_000) as i64);
    let ringing = i.is_multiple_of(4);
    Call {
        provider: ProviderId(0),
        account: "acme.example.net".into(),
        account_name: Default::default(),
        id: format!("call-{i:05}").into(),
        from: format!("+44{:010}", mix(i as u64) % 10_000_000_000).into(),
        to: format!("+61{:09}", mix(i as u64 + 7) % 1_000_000_000).into(),
        direction: if i.is_multiple_of(3) {
            Direction::Outbound
        } else {
            Direction::Inbound
        },
        state: if ringing {
            CallState::Ringing
        } else {
            CallState::InCall
        },
        started_at_ms: Some(started),
        answered_at_ms: (!ringing).then_some(started + 5_000),
        ended_at_ms: None,
        extra: Default::default(),
    }
}

fn state(calls: usize, (w, h): (u16, u16)) -> State {
    let mut s = ux_fixture::state(&["cx-demo"]);
    update(&mut s, Action::Resize(w, h));
    let accounts = ["acme.example.net", "beta.example.net", "gamma.example.net"]
        .iter()
        .map(|d| Account {
            provider: ProviderId(0),
            id: (*d).into(),
            name: (*d).into(),
            parent: None,
            kind: AccountKind::Domain,
            active: Some(true),
            extra: Default::default(),
        })
        .collect();
    update(
        &mut s,
        fetched(0, 1, JobKind::Accounts, FetchData::Accounts(accounts)),
    );
    let live = (0..calls).map(call).collect();
    update(
        &mut s,
        fetched(
            0,
            2,
            JobKind::Calls,
            FetchData::Calls {
                live,
                history: vec![],
            },
        ),
    );
    s
}

fn press(s: &mut State, code: KeyCode) {
    update(s, Action::Key(KeyEvent::from(code)));
}

#[test]
fn every_frame_shows_what_ratatui_drew_through_scrolls_jumps_overlays_and_resizes() {
    for size in [(200, 50), (100, 30)] {
        let mut s = state(400, size);
        let mut t = Pair::new(size.0, size.1);
        t.frame(&s, "first frame");
        let step = |t: &mut Pair, s: &mut State, code: KeyCode, n: usize| {
            for i in 0..n {
                press(s, code);
                t.frame(s, &format!("{size:?} {code:?} #{i}"));
            }
        };
        step(&mut t, &mut s, KeyCode::PageDown, 2);
        step(&mut t, &mut s, KeyCode::Down, 5); // one row at a time at the bottom edge
        step(&mut t, &mut s, KeyCode::Up, 60); // and at the top edge
        step(&mut t, &mut s, KeyCode::PageUp, 1);
        step(&mut t, &mut s, KeyCode::End, 1);
        step(&mut t, &mut s, KeyCode::Up, 3);
        step(&mut t, &mut s, KeyCode::Home, 1);
        step(&mut t, &mut s, KeyCode::Char('?'), 2); // the help overlay, open and closed
        step(&mut t, &mut s, KeyCode::PageDown, 1);
        step(&mut t, &mut s, KeyCode::Tab, 2); // other panes
        step(&mut t, &mut s, KeyCode::BackTab, 2);
        step(&mut t, &mut s, KeyCode::Down, 50);
        // New calls arrive while scrolled: rows shift under the selection.
        let live = (0..430).rev().map(call).collect();
        let calls = FetchData::Calls {
            live,
            history: vec![],
        };
        update(&mut s, fetched(0, 3, JobKind::Calls, calls));
        t.frame(&s, "new calls");
        step(&mut t, &mut s, KeyCode::Down, 3);
        t.resize(&mut s, 120, 40);
        t.frame(&s, "after a resize");
        step(&mut t, &mut s, KeyCode::Down, 40);
        t.resize(&mut s, size.0, size.1);
        t.frame(&s, "back to the first size");
        step(&mut t, &mut s, KeyCode::PageDown, 2);
        step(&mut t, &mut s, KeyCode::Up, 45);
    }
}

#[test]
fn a_one_row_scroll_and_a_page_down_cost_a_fraction_of_a_rewrite() {
    let size = (200, 50);
    let mut s = state(10_000, size);
    let mut t = Pair::new(size.0, size.1);
    t.frame(&s, "first frame");
    press(&mut s, KeyCode::PageDown);
    let (page, page_plain) = t.frame(&s, "page down");
    press(&mut s, KeyCode::Down);
    let (row, row_plain) = t.frame(&s, "one row at the edge");
    press(&mut s, KeyCode::PageDown);
    let (page2, page2_plain) = t.frame(&s, "a whole new page");
    press(&mut s, KeyCode::Up);
    t.frame(&s, "selection up, no scroll");
    for _ in 0..50 {
        press(&mut s, KeyCode::Up);
    }
    let (up, _) = t.frame(&s, "scrolled up");
    eprintln!(
        "page down {page} B (plain {page_plain}), row {row} B (plain {row_plain}), \
         new page {page2} B (plain {page2_plain}), up {up}"
    );
    assert!(row <= 450, "one-row scroll: {row} B");
    assert!(row * 2 < row_plain, "{row} B against {row_plain} B");
    assert!(page <= 400, "page down by one row: {page} B");
    // A whole new page: short relative cursor moves, short gaps rewritten, attributes
    // only where they change.
    assert!(page2 <= 2_650, "a whole new page: {page2} B");
    assert!(
        page2 * 5 < page2_plain * 4,
        "{page2} B against {page2_plain} B"
    );
}
