//! Terminal output: what the real console loop (`app::Console::run`) writes, through the
//! console's backend (`term_backend::ScrollBackend`, crossterm's with terminal scrolls)
//! into a byte-counting `frame_out::FrameWriter`, with scripted
//! time (a paused tokio clock; the console's tick reads the same script). No provider
//! is polled: the script plays the pollers' part (results, the budget countdown each
//! second) so every scenario is the same on every machine.
//!
//! Prints, per scenario: bytes, bytes per second (idle ones), frames drawn, empty frames
//! dropped and write calls, and ("before") what the same backend would write without
//! `frame_out`: every empty frame too, each frame in its synchronized-output wrapper,
//! ratatui's four colour resets (the console before `frame_out` also wrote each frame in
//! pieces of at most 1 KiB). Targets (issue 14): idle with no data change at 80x24
//! ≤ 35 B/s and 0 empty frames; with N ticking calls ≤ 35 + 12 × N B/s; PageDown at
//! 200x50 with 10k rows ≤ 1,685 B (sngrep's full page, measured on numbers that count
//! up: the sequential scenario; on random numbers sngrep writes ~1,980 B, see
//! `benches/sip_pcap.py`); one-row scroll ≤ 1 KB.
//!
//! `cargo bench --bench output`

use std::io;
use std::sync::Arc;
use std::time::Duration;

use futures_util::Stream;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use switchboard::action::{Action, Fetched};
use switchboard::app::{Console, StartOptions, Terminal};
use switchboard::config::Config;
use switchboard::frame_out::{FrameWriter, OutputCounters, OutputStats, SharedBuf};
use switchboard::model::{
    Account, AccountKind, Call, CallState, Capabilities, Direction, ProviderId, ProviderKind,
    Resource,
};
use switchboard::providers::{FetchData, JobKey, JobKind};
use switchboard::state::{BudgetView, ProviderState, State};
use switchboard::term_backend::ScrollBackend;
use switchboard::theme::Theme;

/// 2023-11-14 22:13:20 UTC, the script's start.
const T0: i64 = 1_700_000_000_000;

fn main() {
    println!("terminal output of the console loop (scripted time, crossterm backend)");
    println!(
        "{:<46} {:>9} {:>8} {:>7} {:>6} {:>7} | {:>9} {:>8}",
        "scenario", "bytes", "B/s", "frames", "empty", "writes", "before B", "B/s"
    );
    for scenario in SCENARIOS {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .expect("a runtime");
        let r = rt.block_on(run(scenario));
        let before = r.bytes + r.saved_bytes;
        let per_s = |b: u64| match scenario.measure {
            Measure::Idle(secs) => format!("{:.1}", b as f64 / secs as f64),
            Measure::Keys(_) | Measure::Poll => "-".into(),
        };
        println!(
            "{:<46} {:>9} {:>8} {:>7} {:>6} {:>7} | {:>9} {:>8}",
            scenario.name,
            r.bytes,
            per_s(r.bytes),
            r.frames,
            r.empty_frames,
            r.writes,
            before,
            per_s(before)
        );
    }
}

#[derive(Clone, Copy)]
enum Measure {
    /// Nothing changes for this many seconds: the clock ticks, the budget counts down,
    /// the pollers bring the same data every 5 s.
    Idle(u64),
    /// These keys, one after the other (the first ones set up, the last is measured).
    Keys(&'static [KeyCode]),
    /// One poll result that changes one row.
    Poll,
}

#[derive(Clone, Copy)]
struct Scenario {
    name: &'static str,
    size: (u16, u16),
    live_calls: usize,
    /// Of those, answered calls whose duration ticks on screen; the rest ring (also ticking).
    measure: Measure,
    /// Keys before measuring (not counted).
    setup: &'static [KeyCode],
    /// The calls' numbers and start times.
    rows: Rows,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Rows {
    /// Random E.164 numbers, random start times (rows differ as real ones do).
    Random,
    /// Numbers that count up row by row (+442079460000, +442079460001 …), started one
    /// second apart: the data sngrep's 1,685 B were first measured on.
    Sequential,
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "idle, no data change, 80x24 (60 s)",
        size: (80, 24),
        live_calls: 0,
        measure: Measure::Idle(60),
        setup: &[],
        rows: Rows::Random,
    },
    Scenario {
        name: "idle, 10 ticking calls, 80x24 (60 s)",
        size: (80, 24),
        live_calls: 10,
        measure: Measure::Idle(60),
        setup: &[],
        rows: Rows::Random,
    },
    Scenario {
        name: "a poll that changes one row, 80x24",
        size: (80, 24),
        live_calls: 10,
        measure: Measure::Poll,
        setup: &[],
        rows: Rows::Random,
    },
    Scenario {
        name: "PageDown, 200x50, 10k rows",
        size: (200, 50),
        live_calls: 10_000,
        measure: Measure::Keys(&[KeyCode::PageDown]),
        setup: &[],
        rows: Rows::Random,
    },
    Scenario {
        name: "PageDown again (a whole new page), 200x50, 10k",
        size: (200, 50),
        live_calls: 10_000,
        measure: Measure::Keys(&[KeyCode::PageDown]),
        // The first page down moves the window by one row; the second shows new rows only.
        setup: &[KeyCode::PageDown],
        rows: Rows::Random,
    },
    Scenario {
        name: "PageDown again, sequential numbers, 200x50, 10k",
        size: (200, 50),
        live_calls: 10_000,
        measure: Measure::Keys(&[KeyCode::PageDown]),
        setup: &[KeyCode::PageDown],
        rows: Rows::Sequential,
    },
    Scenario {
        name: "one-row scroll at the window edge, 200x50, 10k",
        size: (200, 50),
        live_calls: 10_000,
        measure: Measure::Keys(&[KeyCode::Down]),
        // A page down leaves the selection on the window's last row: the next Down scrolls.
        setup: &[KeyCode::PageDown],
        rows: Rows::Random,
    },
    Scenario {
        name: "pane switch (Tab), 200x50, 10k rows",
        size: (200, 50),
        live_calls: 10_000,
        measure: Measure::Keys(&[KeyCode::Tab]),
        setup: &[],
        rows: Rows::Random,
    },
];

fn provider() -> ProviderState {
    let caps = Resource::ALL
        .iter()
        .fold(Capabilities::new(), |c, &r| c.with(r));
    ProviderState::new(ProviderId(0), "cx-demo", ProviderKind::Cloudonix, caps)
}

fn accounts() -> Vec<Account> {
    ["acme.example.net", "beta.example.net", "gamma.example.net"]
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
        .collect()
}

fn call(i: usize, state: CallState, rows: Rows) -> Call {
    let started = match rows {
        Rows::Random => T0 - 1_000 * (40 + (mix(i as u64 + 3) % 3_000) as i64),
        Rows::Sequential => T0 - 1_000 * (40 + i as i64),
    };
    let (from, to) = match rows {
        // Numbers that differ row to row as real ones do (a page down rewrites them).
        Rows::Random => (
            format!("+44{:010}", mix(i as u64) % 10_000_000_000),
            format!("+61{:09}", mix(i as u64 + 7) % 1_000_000_000),
        ),
        Rows::Sequential => (
            format!("+44207946{:04}", i % 10_000),
            format!("+1415555{:04}", i % 10_000),
        ),
    };
    Call {
        provider: ProviderId(0),
        account: "acme.example.net".into(),
        account_name: Default::default(),
        id: format!("call-{i:05}").into(),
        from: from.into(),
        to: to.into(),
        direction: if i.is_multiple_of(3) {
            Direction::Outbound
        } else {
            Direction::Inbound
        },
        answered_at_ms: (state == CallState::InCall).then_some(started + 5_000),
        ended_at_ms: None,
        state,
        started_at_ms: Some(started),
        extra: Default::default(),
    }
}

/// A cheap, fixed scramble (splitmix64), so every run draws the same rows.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn calls(n: usize, rows: Rows) -> Vec<Call> {
    (0..n)
        .map(|i| {
            let state = if i.is_multiple_of(4) {
                CallState::Ringing
            } else {
                CallState::InCall
            };
            call(i, state, rows)
        })
        .collect()
}

fn fetched(seq: u64, at_ms: i64, kind: JobKind, data: FetchData) -> Action {
    Action::Fetched(Box::new(Fetched {
        requests: 1,
        provider: ProviderId(0),
        epoch: 0,
        seq,
        job: JobKey {
            kind,
            scope: String::new(),
        },
        at_ms,
        stale_after_ms: 30_000,
        result: Ok(data),
    }))
}

fn key(code: KeyCode) -> io::Result<Event> {
    Ok(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn key_stream(
    rx: tokio::sync::mpsc::UnboundedReceiver<io::Result<Event>>,
) -> impl Stream<Item = io::Result<Event>> + Unpin {
    Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|e| (e, rx))
    }))
}

/// Scripted wall clock: T0 plus the paused tokio clock's progress.
fn clock(start: Instant) -> impl Fn() -> i64 + Send + 'static {
    move || T0 + start.elapsed().as_millis() as i64
}

/// What the pollers would send each second: the budget with its refresh countdown.
fn budget(countdown: u32) -> Action {
    Action::Budget {
        provider: ProviderId(0),
        budget: BudgetView {
            remaining: 7,
            limit: 9,
            window_s: 10,
            scopes: 1,
            documented: 10,
            next_refresh_s: [Some(countdown), None],
            ..BudgetView::default()
        },
    }
}

async fn run(s: &Scenario) -> OutputStats {
    let start = Instant::now();
    let now = clock(start);
    let cancel = CancellationToken::new();
    let opts = StartOptions::default();
    let mut console = Console::start(&Config::default(), Theme::default(), opts, cancel.clone())
        .with_clock(clock(start));
    let mut state = State::new(vec![provider()], now());
    state.tz = jiff::tz::TimeZone::UTC;
    console.state = state;
    let actions = console.sender();

    let buf = SharedBuf::default();
    let writer = FrameWriter::new(buf);
    let counters = writer.counters();
    let mut term: Terminal<SharedBuf> = ratatui::Terminal::with_options(
        ScrollBackend::with_size(writer, s.size.0, s.size.1),
        ratatui::TerminalOptions {
            viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(
                0, 0, s.size.0, s.size.1,
            )),
        },
    )
    .expect("a terminal over a buffer");
    let (keys, key_rx) = unbounded_channel();

    let script = script(*s, actions, keys, counters, cancel.clone(), now);
    let (ran, measured) = tokio::join!(console.run(&mut term, key_stream(key_rx)), script);
    ran.expect("the console loop");
    measured
}

async fn script(
    s: Scenario,
    actions: UnboundedSender<Action>,
    keys: UnboundedSender<io::Result<Event>>,
    counters: Arc<OutputCounters>,
    cancel: CancellationToken,
    now: impl Fn() -> i64,
) -> OutputStats {
    let sleep = |ms: u64| tokio::time::sleep(Duration::from_millis(ms));
    let _ = actions.send(fetched(
        1,
        now(),
        JobKind::Accounts,
        FetchData::Accounts(accounts()),
    ));
    let _ = actions.send(fetched(
        2,
        now(),
        JobKind::Calls,
        FetchData::Calls {
            live: calls(s.live_calls, s.rows),
            history: vec![],
        },
    ));
    sleep(1_500).await;
    for &k in s.setup {
        let _ = keys.send(key(k));
        sleep(50).await;
    }
    // The budget countdown a poller sends once a second, out of phase with the tick.
    let countdown = {
        let actions = actions.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(430)).await;
            for i in 0u32.. {
                let _ = actions.send(budget(10 - i % 10));
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    };
    // The pollers: every 5 s the same accounts and calls again (nothing changed).
    let polls = {
        let actions = actions.clone();
        let live = calls(s.live_calls, s.rows);
        let start = tokio::time::Instant::now();
        tokio::spawn(async move {
            for seq in 3u64.. {
                tokio::time::sleep(Duration::from_millis(5_000)).await;
                let at = T0 + 1_500 + start.elapsed().as_millis() as i64;
                let _ = actions.send(fetched(
                    seq,
                    at,
                    JobKind::Accounts,
                    FetchData::Accounts(accounts()),
                ));
                let _ = actions.send(fetched(
                    seq,
                    at,
                    JobKind::Calls,
                    FetchData::Calls {
                        live: live.clone(),
                        history: vec![],
                    },
                ));
            }
        })
    };
    sleep(5_000).await; // warm-up: first frames, ages settling
    let before = counters.get();
    match s.measure {
        Measure::Idle(secs) => sleep(secs * 1_000).await,
        Measure::Keys(ks) => {
            for &k in ks {
                let _ = keys.send(key(k));
                sleep(20).await;
            }
        }
        Measure::Poll => {
            let mut live = calls(s.live_calls, s.rows);
            if let Some(c) = live.first_mut() {
                c.state = CallState::InCall;
                c.answered_at_ms = Some(now() - 1_000);
            }
            let _ = actions.send(fetched(
                1_000,
                now(),
                JobKind::Calls,
                FetchData::Calls {
                    live,
                    history: vec![],
                },
            ));
            sleep(20).await;
        }
    }
    let after = counters.get();
    countdown.abort();
    polls.abort();
    cancel.cancel();
    OutputStats {
        bytes: after.bytes - before.bytes,
        writes: after.writes - before.writes,
        frames: after.frames - before.frames,
        empty_frames: after.empty_frames - before.empty_frames,
        saved_bytes: after.saved_bytes - before.saved_bytes,
    }
}
