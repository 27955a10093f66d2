//! What the console writes to the terminal, through the real crossterm backend into a
//! byte-counting writer: a frame leaves in one write, and a redraw of an unchanged
//! screen writes nothing (issue 14: over SSH every byte is a packet).

use std::sync::Arc;

use switchboard::action::Action;
use switchboard::app::{Screen, Terminal};
use switchboard::frame_out::{FrameWriter, OutputCounters, SharedBuf, UNWRAPPED_MAX};
use switchboard::model::{Capabilities, ProviderId, ProviderKind, Resource};
use switchboard::providers::{FetchData, JobKind};
use switchboard::state::{BudgetView, Level, Message, ProviderState, State};
use switchboard::term_backend::ScrollBackend;
use switchboard::theme::Theme;
use switchboard::update::update;

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
    let backend = ScrollBackend::with_size(writer, w, h);
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
    crate::ux_fixture::state(&["cx-demo"])
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
    // Synchronized output around it, unless it is small enough to need none.
    let wrapped = frame.starts_with(b"\x1b[?2026h") && frame.ends_with(b"\x1b[?2026l");
    assert_eq!(wrapped, frame.len() > UNWRAPPED_MAX, "{} B", frame.len());
    assert!(String::from_utf8_lossy(frame).contains("trunk saved"));
    assert!(
        frame.len() < before / 2,
        "only the diff is written: {} B",
        frame.len()
    );
}

fn live_call(p: u16, id: &str, started: i64) -> switchboard::model::Call {
    switchboard::model::Call {
        provider: ProviderId(p),
        account: format!("acct-{p}").into(),
        account_name: Default::default(),
        id: id.into(),
        from: "+442079460000".into(),
        to: "+61293741000".into(),
        direction: switchboard::model::Direction::Inbound,
        state: switchboard::model::CallState::InCall,
        started_at_ms: Some(started),
        answered_at_ms: Some(started + 1_000),
        ended_at_ms: None,
        extra: Default::default(),
    }
}

fn calls_fetched(p: u16, seq: u64, calls: Vec<switchboard::model::Call>) -> Action {
    crate::ux_fixture::fetched(
        p,
        seq,
        JobKind::Calls,
        FetchData::Calls {
            live: calls,
            history: vec![],
        },
    )
}

fn two_providers() -> State {
    let caps = Resource::ALL
        .iter()
        .fold(Capabilities::new(), |c, &r| c.with(r));
    let kinds = ProviderKind::ALL;
    let ps = vec![
        ProviderState::new(ProviderId(0), "alpha", kinds[0], caps),
        ProviderState::new(ProviderId(1), "bravo", kinds[1], caps),
    ];
    let mut s = State::new(ps, NOW);
    s.tz = jiff::tz::TimeZone::UTC;
    s
}

fn live_order(s: &State) -> Vec<String> {
    let t = &s.tables.live;
    t.view
        .iter()
        .map(|&i| t.rows[i as usize].id.to_string())
        .collect()
}

#[test]
fn a_refresh_with_unchanged_data_moves_no_row_and_writes_nothing() {
    let theme = Theme::default();
    let Out {
        mut t,
        buf,
        counters,
    } = terminal(120, 30);
    let mut s = two_providers();
    // Four calls of the same whole-second duration (the live pane sorts by it), from two
    // providers, started within one second: every sort key ties.
    let t0 = NOW - 65_000;
    let p0 = vec![live_call(0, "a", t0), live_call(0, "b", t0 + 600)];
    let p1 = vec![live_call(1, "c", t0 + 300), live_call(1, "d", t0 + 900)];
    update(&mut s, calls_fetched(0, 1, p0.clone()));
    update(&mut s, calls_fetched(1, 1, p1));
    let before = live_order(&s);
    assert_eq!(before.len(), 4);
    t.draw_state(&s, &theme).expect("frame");
    let bytes = buf.len();
    let frames = counters.get().frames;

    // The first provider answers again with the same calls: nothing moves, nothing is
    // written (the frame is drawn and dropped as empty).
    update(&mut s, calls_fetched(0, 2, p0));
    assert_eq!(live_order(&s), before, "a refresh reordered tied rows");
    t.draw_state(&s, &theme).expect("frame");
    assert_eq!(buf.len(), bytes, "an unchanged refresh wrote bytes");
    assert_eq!(counters.get().frames, frames);
    assert_eq!(counters.get().empty_frames, 1);
}

#[test]
fn a_budget_countdown_alone_draws_nothing_until_the_tick() {
    let mut s = state();
    s.dirty = false;
    let mut budget = BudgetView {
        remaining: 7,
        limit: 9,
        window_s: 10,
        scopes: 1,
        ..BudgetView::default()
    };
    for countdown in (1..=5).rev() {
        budget.next_refresh_s = [Some(countdown), None];
        update(
            &mut s,
            Action::Budget {
                provider: ProviderId(0),
                budget,
            },
        );
        assert!(!s.dirty, "a budget countdown asked for a frame");
    }
    // It is kept, and the next tick's frame shows it.
    assert_eq!(s.providers[0].budget, budget);
    update(&mut s, Action::Tick(NOW + 1_000));
    assert!(s.dirty);
}
