//! The console at NOC scale (issue 14): the Cloudonix simulator with 20 domains,
//! 10,000 calls in progress and 100,000 ended ones, polled over loopback HTTP by the real
//! client at the documented rate limit (10 requests per 10 s per domain: one sessions
//! poll per domain is well within it), folded into the console's `State` by `update`.
//!
//! Prints:
//! - memory: the heap the folded `State` keeps and its allocator peak while folding
//!   (a counting global allocator; the simulator and the HTTP bodies are gone by then),
//!   and where the rows' bytes go;
//! - sort and filter of the 10,000 live rows (and the 100,000 history rows);
//! - key → frame: the real console loop (`app::Console::run`, crossterm backend into a
//!   byte-counting `FrameWriter`, real time) while each domain's poll result (500 live +
//!   5,000 history rows) arrives every 250 ms, i.e. the 10k live rows every 5 s: `j`
//!   every ~40 ms, latency from the key sent to the end of the frame that shows it.
//!
//! Targets: State ≤ 30 MB (the whole process is measured separately, see README),
//! sort/filter of 10k rows ≤ 20 ms, key → frame p99 ≤ 16 ms.
//!
//! `cargo bench --bench scale`

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::RefCell;
use std::io;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::Stream;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use tokio_util::sync::CancellationToken;

use switchboard::action::{Action, Fetched};
use switchboard::app::{Console, Screen, StartOptions, Terminal};
use switchboard::config::Config;
use switchboard::frame_out::{FrameWriter, SharedBuf};
use switchboard::model::{Call, ProviderId, ProviderKind, Resource};
use switchboard::providers::{
    CloudonixSettings, FetchData, JobKey, JobKind, ProviderClient, ProviderError,
};
use switchboard::state::table::Ctx;
use switchboard::state::{ProviderState, State};
use switchboard::term_backend::ScrollBackend;
use switchboard::theme::Theme;

const DOMAINS: usize = 20;
const LIVE: usize = 10_000;
const HISTORY: usize = 100_000;
const SIZE: (u16, u16) = (200, 50);

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let grow = new_size - layout.size();
                let now = CURRENT.fetch_add(grow, Ordering::Relaxed) + grow;
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn mib(b: usize) -> String {
    format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0))
}

type Polled = Vec<(JobKey, Result<FetchData, ProviderError>)>;

fn main() {
    println!(
        "the console at NOC scale: {DOMAINS} Cloudonix domains, {LIVE} live calls, {HISTORY} history rows"
    );
    println!("rate limit: the documented 10 requests / 10 s per domain (one poll per domain)");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let t = Instant::now();
    let (polled, caps) = rt.block_on(poll_once());
    println!(
        "simulator seeded and polled over HTTP in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    drop(rt);

    // ---- memory
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let mut state = new_state(caps);
    fold_all(&mut state, &polled, 1);
    let kept = CURRENT.load(Ordering::Relaxed) - base;
    let peak = PEAK.load(Ordering::Relaxed) - base;
    let live = state.tables.live.rows.len();
    let history = state.tables.history.rows.len();
    println!("\nmemory (counting allocator)");
    println!("  rows folded              {live} live, {history} history");
    println!("  State keeps              {}", mib(kept));
    println!("  allocator peak (fold)    {}", mib(peak));
    let rows = state
        .tables
        .live
        .rows
        .iter()
        .chain(&state.tables.history.rows);
    let b = breakdown(rows);
    let n = (live + history).max(1);
    println!(
        "  per row                  {} B: struct {} B, ids/numbers {} B, account + name {} B, extra {} B in {:.1} fields (one buffer)",
        b.total() / n,
        b.structs / n,
        b.strings / n,
        b.account / n,
        b.extra / n,
        b.extra_fields as f64 / n as f64
    );
    println!(
        "  views (sorted indexes)   {}",
        mib((state.tables.live.view.capacity() + state.tables.history.view.capacity()) * 4)
    );
    with_store(caps, &polled);

    // ---- sort and filter
    println!("\nsort and filter (median of 15)");
    sort_filter(&mut state);

    // ---- key → frame while polls arrive
    println!(
        "\nkey → frame at {}x{} while polls arrive (real console loop)",
        SIZE.0, SIZE.1
    );
    key_to_frame(state, polled);
}

/// The same folds into a console with a call-history store: the store's newest
/// `history_rows` calls (those the first polls wrote) arrive as `Action::HistoryLoaded`,
/// then two rounds of polls are merged with them. Prints what that `State` keeps and the
/// share of its stored history (measured by dropping it).
fn with_store(caps: switchboard::model::Capabilities, polled: &Polled) {
    let rows = switchboard::retention::DEFAULT_HISTORY_ROWS;
    let base = CURRENT.load(Ordering::Relaxed);
    let mut state = new_state(caps);
    let mut loaded: Vec<Call> = polled
        .iter()
        .filter_map(|(_, r)| match r {
            Ok(FetchData::Calls { history, .. }) => Some(history),
            _ => None,
        })
        .flatten()
        .filter(|c| !c.state.is_live())
        .cloned()
        .collect();
    switchboard::retention::keep_newest(&mut loaded, rows);
    let n = loaded.len();
    switchboard::update::update(&mut state, Action::HistoryLoaded(loaded));
    fold_all(&mut state, polled, 1);
    fold_all(&mut state, polled, 2);
    let kept = CURRENT.load(Ordering::Relaxed) - base;
    let before = CURRENT.load(Ordering::Relaxed);
    drop(state.stored_history.take());
    let stored = before - CURRENT.load(Ordering::Relaxed);
    println!(
        "  with a store ({n} stored calls loaded, two polls merged): State keeps {}, of which stored history {}",
        mib(kept),
        mib(stored)
    );
}

/// Seeds the simulator, polls discovery and every domain's sessions once, stops it.
async fn poll_once() -> (Polled, switchboard::model::Capabilities) {
    let mut opts = switchboard::sim::SimOptions::default();
    opts.cloudonix.domains = DOMAINS;
    opts.cloudonix.live_calls = LIVE;
    opts.cloudonix.history_calls = HISTORY;
    opts.cloudonix.traffic = false;
    opts.cloudonix.max_sessions = (LIVE + HISTORY) / DOMAINS;
    let sims = switchboard::sim::start(opts).await.expect("simulators");
    let c = &sims.cloudonix;
    let mut cfg =
        switchboard::config::ProviderConfig::new("cx", ProviderKind::Cloudonix, &c.base_url);
    cfg.settings = CloudonixSettings::new(&c.customer_key).into();
    cfg.timeout_seconds = Some(60.0);
    let client = ProviderClient::from_config(ProviderId(0), &cfg).expect("a client");
    let mut out = Vec::new();
    let discovery = client.discovery_job().key;
    let accounts = client.fetch(&discovery).await;
    let jobs = match &accounts {
        Ok(FetchData::Accounts(a)) => client.jobs(a),
        other => panic!("discovery: {other:?}"),
    };
    out.push((discovery, accounts));
    for job in jobs.into_iter().filter(|j| j.key.kind == JobKind::Calls) {
        let r = client.fetch(&job.key).await;
        out.push((job.key, r));
    }
    assert_eq!(c.throttled(), 0, "within the rate limit");
    (out, client.capabilities())
}

fn new_state(caps: switchboard::model::Capabilities) -> State {
    let mut s = State::new(
        vec![ProviderState::new(
            ProviderId(0),
            "cx",
            ProviderKind::Cloudonix,
            caps,
        )],
        switchboard::clock::epoch_ms(),
    );
    s.tz = jiff::tz::TimeZone::UTC;
    s.focus = Resource::LiveCalls;
    // The History pane's cap, as `Console::start` sets it (`[ui] history_rows`).
    s.history_rows = switchboard::retention::DEFAULT_HISTORY_ROWS;
    s
}

fn fetched(seq: u64, job: &JobKey, result: &Result<FetchData, ProviderError>) -> Action {
    Action::Fetched(Box::new(Fetched {
        requests: 1,
        provider: ProviderId(0),
        epoch: 0,
        seq,
        job: job.clone(),
        at_ms: switchboard::clock::epoch_ms(),
        stale_after_ms: 600_000,
        result: result.clone(),
    }))
}

fn fold_all(state: &mut State, polled: &Polled, seq: u64) {
    for (job, result) in polled {
        switchboard::update::update(state, fetched(seq, job, result));
    }
}

#[derive(Default)]
struct Bytes {
    structs: usize,
    strings: usize,
    account: usize,
    extra: usize,
    extra_fields: usize,
}

impl Bytes {
    fn total(&self) -> usize {
        self.structs + self.strings + self.account + self.extra
    }
}

/// Heap bytes of a short text (one kept inline has none).
fn heap_capacity(v: &switchboard::model::FieldText) -> usize {
    if v.is_heap_allocated() {
        v.capacity()
    } else {
        0
    }
}

fn breakdown<'a>(rows: impl Iterator<Item = &'a Call>) -> Bytes {
    let mut b = Bytes::default();
    for c in rows {
        b.structs += std::mem::size_of::<Call>();
        b.strings += heap_capacity(&c.id) + heap_capacity(&c.from) + heap_capacity(&c.to);
        b.account += heap_capacity(&c.account) + heap_capacity(&c.account_name);
        // Every key and value of a row in one buffer (a key in the table is one byte).
        b.extra += c.extra.heap_bytes();
        b.extra_fields += c.extra.len();
    }
    b
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn sort_filter(state: &mut State) {
    let names = state.provider_names.clone();
    let tz = state.tz.clone();
    let ctx = Ctx {
        now_ms: state.now_ms,
        provider_names: &names,
        tz: &tz,
        thresholds: Default::default(),
    };
    let time = |f: &mut dyn FnMut()| {
        median(
            (0..15)
                .map(|_| {
                    let t = Instant::now();
                    f();
                    t.elapsed()
                })
                .collect(),
        )
    };
    let live = &mut state.tables.live;
    let n = live.rows.len();
    let mut flip = false;
    let filter = time(&mut || {
        flip = !flip;
        live.set_filter(if flip { "415" } else { "4155" }, &ctx);
    });
    live.set_filter("", &ctx);
    let sort = time(&mut || live.sort_next(&ctx));
    let reverse = time(&mut || live.sort_reverse(&ctx));
    println!("  filter keystroke, {n} live rows   {:>8.2} ms", ms(filter));
    println!("  sort by next column, {n} rows     {:>8.2} ms", ms(sort));
    println!(
        "  reverse sort, {n} rows            {:>8.2} ms",
        ms(reverse)
    );
    let history = &mut state.tables.history;
    let n = history.rows.len();
    let filter = time(&mut || {
        flip = !flip;
        history.set_filter(if flip { "415" } else { "4155" }, &ctx);
    });
    history.set_filter("", &ctx);
    let sort = time(&mut || history.sort_next(&ctx));
    println!(
        "  filter keystroke, {n} history rows {:>7.2} ms",
        ms(filter)
    );
    println!("  sort by next column, {n} rows    {:>8.2} ms", ms(sort));
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}

/// The console's terminal, noting when each frame ended and where the live pane's
/// selection was in it.
struct Timed {
    term: Terminal<SharedBuf>,
    frames: Rc<RefCell<Vec<(usize, Instant)>>>,
}

impl Screen for Timed {
    fn draw_state(&mut self, state: &State, theme: &Theme) -> io::Result<()> {
        let r = self.term.draw_state(state, theme);
        self.frames
            .borrow_mut()
            .push((state.tables.live.selected, Instant::now()));
        r
    }
    fn size(&mut self) -> io::Result<(u16, u16)> {
        Screen::size(&mut self.term)
    }
}

const PRESSES: usize = 250;

fn key_to_frame(state: State, polled: Polled) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let (sent, frames, polls) = rt.block_on(async move {
        let cancel = CancellationToken::new();
        let mut console = Console::start(
            &Config::default(),
            Theme::default(),
            StartOptions::default(),
            cancel.clone(),
        );
        console.state = state;
        console
            .state
            .tables
            .live
            .select_first(switchboard::ui::table_height(SIZE));
        let actions = console.sender();
        let term: Terminal<SharedBuf> = ratatui::Terminal::with_options(
            ScrollBackend::with_size(FrameWriter::new(SharedBuf::default()), SIZE.0, SIZE.1),
            ratatui::TerminalOptions {
                viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(
                    0, 0, SIZE.0, SIZE.1,
                )),
            },
        )
        .expect("a terminal over a buffer");
        let frames = Rc::new(RefCell::new(Vec::new()));
        let mut screen = Timed {
            term,
            frames: frames.clone(),
        };
        // The pollers, on their own thread as in the console: one domain's result every
        // 250 ms, round the 20 domains (the same data again: nothing moves but the fold).
        let stop = CancellationToken::new();
        let poller = {
            let stop = stop.clone();
            let calls: Vec<_> = polled
                .into_iter()
                .filter(|(k, _)| k.kind == JobKind::Calls)
                .collect();
            std::thread::spawn(move || {
                let mut n = 0u64;
                while !stop.is_cancelled() {
                    std::thread::sleep(Duration::from_millis(250));
                    let (job, result) = &calls[n as usize % calls.len()];
                    let _ = actions.send(fetched(10 + n, job, result));
                    n += 1;
                }
                n
            })
        };
        let (keys, key_rx) = tokio::sync::mpsc::unbounded_channel();
        let sent = Rc::new(RefCell::new(Vec::new()));
        let script = {
            let sent = sent.clone();
            let cancel = cancel.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(1_000)).await;
                for i in 0..PRESSES {
                    sent.borrow_mut().push(Instant::now());
                    let _ = keys.send(Ok(Event::Key(KeyEvent::new(
                        KeyCode::Char('j'),
                        KeyModifiers::NONE,
                    ))));
                    // 31–49 ms apart: out of step with the polls.
                    tokio::time::sleep(Duration::from_millis(31 + (i as u64 * 7) % 19)).await;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
                println!(
                    "  heap in use with the polls folded (loop running)  {}",
                    mib(CURRENT.load(Ordering::Relaxed))
                );
                cancel.cancel();
            }
        };
        let (ran, ()) = tokio::join!(console.run(&mut screen, key_stream(key_rx)), script);
        ran.expect("the console loop");
        stop.cancel();
        let polls = poller.join().unwrap_or(0);
        let sent = sent.borrow().clone();
        let frames = frames.borrow().clone();
        (sent, frames, polls)
    });
    // Key i (from 0) moved the selection to row i + 1: its frame is the first showing it.
    let mut lat: Vec<Duration> = sent
        .iter()
        .enumerate()
        .filter_map(|(i, at)| {
            frames
                .iter()
                .find(|(sel, t)| *sel > i && t >= at)
                .map(|(_, t)| *t - *at)
        })
        .collect();
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1];
    println!(
        "  {} keys, {} frames, {polls} poll results of 500 live + 5,000 history rows folded",
        lat.len(),
        frames.len()
    );
    println!(
        "  key → frame  p50 {:.2} ms   p99 {:.2} ms   max {:.2} ms",
        ms(pct(0.50)),
        ms(pct(0.99)),
        ms(pct(1.0))
    );
}

fn key_stream(
    rx: tokio::sync::mpsc::UnboundedReceiver<io::Result<Event>>,
) -> impl Stream<Item = io::Result<Event>> + Unpin {
    Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|e| (e, rx))
    }))
}
