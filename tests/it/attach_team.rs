//! Five attached consoles for a simulated 10 minutes (issue 16): a collector polls the
//! five simulators at their providers' documented (strict) rate limits while five
//! headless consoles follow it through its real HTTP feed (`Console::attach`, loopback
//! sockets, `/v1/snapshot` then `/v1/events`). The simulators see the collector's
//! requests only (their counts equal its `switchboard_provider_requests_total`, scraped
//! from `/metrics`), none answered 429, and at the end every console holds exactly the
//! collector's `GET /v1/snapshot`: the same providers in the same states and the same
//! rows (per table and provider, by account and id).
//!
//! Time is tokio's, paused, as in `serve_budget`: the pollers' budgets, the simulators'
//! rate-limit windows and traffic, the feed's keep-alives and the consoles' idle and
//! backoff timers all run on it, so the ten minutes take seconds of wall time. Sockets
//! are real: loopback writes land in the reader's buffer before the writer yields, so
//! the clock (which only jumps when every task waits) never skips an event in flight.
//! The console keeps no revision number, so "at the same revision" is reached by
//! holding the clock still ([`Freeze`]: a task that keeps the runtime busy, so it never
//! parks and never advances the clock): no poll is due, the collector's revision stops
//! moving once the requests in flight are folded, the consoles drain their streams, and
//! the comparison runs against a snapshot whose revision is the collector's last.

use crate::serve::{Scrape, scrape, sims_config, start, temp_dir};
use crate::support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use switchboard::app::{Console, StartOptions};
use switchboard::attach::client::{AttachOptions, Link};
use switchboard::attach::doc::{FeedDoc, ProviderFeed, Slice};
use switchboard::config::Config;
use switchboard::model::{AccountKind, ProviderKind};
use switchboard::serve::Serve;
use switchboard::sim::RunningSims;
use switchboard::state::table::Row;
use switchboard::state::{ConnState, State};
use switchboard::theme::Theme;
use tokio_util::sync::CancellationToken;

const TEN_MINUTES: Duration = Duration::from_secs(600);
const CONSOLES: usize = 5;

/// A headless console attached to `url` (short reconnect waits).
pub(crate) fn attached(url: &str) -> Console {
    let mut feed = AttachOptions::new(url, None);
    feed.backoff_min = Duration::from_millis(100);
    feed.backoff_max = Duration::from_millis(400);
    Console::attach(
        feed,
        Theme::default(),
        StartOptions::default(),
        CancellationToken::new(),
    )
}

pub(crate) fn link(s: &State) -> Option<&Link> {
    s.attached.as_ref().map(|a| &a.link)
}

/// A provider as the status bar and the provider pane show it: name, state word,
/// problem, last success and budget (remaining, limit, used, throttled, window).
type ProviderView = (String, String, Option<String>, Option<i64>, [u32; 5]);

/// What a console shows, comparable with what a snapshot says: the providers, and
/// every non-empty (table, provider) slice as its rows' `account/id`, sorted.
#[derive(Debug, PartialEq)]
pub(crate) struct View {
    pub(crate) providers: Vec<ProviderView>,
    pub(crate) tables: BTreeMap<(&'static str, u16), Vec<String>>,
}

impl View {
    pub(crate) fn rows(&self, table: &str) -> usize {
        self.tables
            .iter()
            .filter(|((t, _), _)| *t == table)
            .map(|(_, r)| r.len())
            .sum()
    }

    /// What differs, for a failure message (not every row of both).
    pub(crate) fn diff(&self, other: &View) -> String {
        let mut out = Vec::new();
        if self.providers != other.providers {
            out.push(format!(
                "providers {:?} vs {:?}",
                self.providers, other.providers
            ));
        }
        let keys: std::collections::BTreeSet<_> =
            self.tables.keys().chain(other.tables.keys()).collect();
        for k in keys {
            let (a, b) = (self.tables.get(k), other.tables.get(k));
            if a != b {
                out.push(format!(
                    "{k:?}: {} vs {} rows",
                    a.map_or(0, Vec::len),
                    b.map_or(0, Vec::len)
                ));
            }
        }
        out.join("; ")
    }
}

fn conn_word(c: &ConnState) -> (String, Option<String>) {
    let (w, e) = match c {
        ConnState::Connecting => ("connecting", None),
        ConnState::Ok => ("ok", None),
        ConnState::Degraded(e) => ("degraded", Some(e.clone())),
        ConnState::RateLimited { .. } => ("rate_limited", None),
        ConnState::AuthFailed(e) => ("auth_failed", Some(e.clone())),
        ConnState::Unreachable(e) => ("unreachable", Some(e.clone())),
        ConnState::Unreadable(e) => ("unreadable", Some(e.clone())),
    };
    (w.to_string(), e)
}

fn keys<'a, T: Row + 'a>(
    tables: &mut BTreeMap<(&'static str, u16), Vec<String>>,
    table: &'static str,
    rows: impl Iterator<Item = &'a T>,
) {
    for r in rows {
        tables
            .entry((table, r.provider().0))
            .or_default()
            .push(format!("{}/{}", r.account(), r.id()));
    }
}

fn sorted(
    mut tables: BTreeMap<(&'static str, u16), Vec<String>>,
) -> BTreeMap<(&'static str, u16), Vec<String>> {
    tables.retain(|_, v| !v.is_empty());
    tables.values_mut().for_each(|v| v.sort());
    tables
}

/// What a console holds. The accounts pane's provider rows are the console's own (one
/// root per provider, made again from the collector's tree), so they are left out.
pub(crate) fn console_view(s: &State) -> View {
    let providers = s
        .providers
        .iter()
        .map(|p| {
            let (word, error) = conn_word(&p.conn);
            let b = &p.budget;
            (
                p.name.clone(),
                word,
                error,
                p.last_ok_ms,
                [b.remaining, b.limit, b.used, b.throttled, b.window_s],
            )
        })
        .collect();
    let t = &s.tables;
    let mut tables = BTreeMap::new();
    keys(
        &mut tables,
        "accounts",
        t.accounts
            .rows
            .iter()
            .filter(|r| r.account.kind != AccountKind::Provider),
    );
    keys(&mut tables, "live_calls", t.live.rows.iter());
    keys(&mut tables, "call_history", t.history.rows.iter());
    keys(&mut tables, "trunks", t.trunks.rows.iter());
    keys(&mut tables, "numbers", t.numbers.rows.iter());
    keys(&mut tables, "queues", t.queues.rows.iter());
    View {
        providers,
        tables: sorted(tables),
    }
}

fn feed_provider(p: &ProviderFeed) -> ProviderView {
    let b = &p.budget;
    (
        p.name.clone(),
        p.state.clone(),
        p.error.clone(),
        p.last_success_ms,
        [b.remaining, b.limit, b.used, b.throttled, b.window_s],
    )
}

/// What a snapshot says, in the same terms.
pub(crate) fn snapshot_view(doc: &FeedDoc) -> View {
    let mut providers: Vec<_> = doc.providers.iter().collect();
    providers.sort_by_key(|p| p.id);
    let mut tables = BTreeMap::new();
    for s in &doc.slices {
        let key = (s.table(), s.provider().0);
        let rows: Vec<String> = match s {
            Slice::Accounts(_, r) => r
                .iter()
                .filter(|a| a.kind != AccountKind::Provider)
                .map(|a| format!("{}/{}", a.id, a.id))
                .collect(),
            Slice::LiveCalls(_, _, r) | Slice::CallHistory(_, _, r) => r
                .iter()
                .map(|c| format!("{}/{}", c.account, c.id))
                .collect(),
            Slice::Trunks(_, r) => r
                .iter()
                .map(|x| format!("{}/{}", x.account, x.id))
                .collect(),
            Slice::Numbers(_, r) => r
                .iter()
                .map(|x| format!("{}/{}", x.account, x.id))
                .collect(),
            Slice::Queues(_, r) => r
                .iter()
                .map(|x| format!("{}/{}", x.account, x.name))
                .collect(),
        };
        tables.entry(key).or_insert_with(Vec::new).extend(rows);
    }
    View {
        providers: providers.into_iter().map(feed_provider).collect(),
        tables: sorted(tables),
    }
}

/// The collector's `GET /v1/snapshot`, typed.
pub(crate) async fn snapshot(serve: &Serve) -> FeedDoc {
    let r = reqwest::get(format!("http://{}/v1/snapshot", serve.addr))
        .await
        .expect("the collector answers");
    assert_eq!(r.status().as_u16(), 200);
    FeedDoc::parse(&r.text().await.expect("a body")).expect("a snapshot")
}

/// Holds tokio's paused clock still while it lives: a task that is always ready keeps
/// the runtime from parking, and only a parking runtime advances a paused clock.
/// Sockets are still polled (the scheduler checks them between tasks).
pub(crate) struct Freeze(Arc<AtomicBool>);

impl Freeze {
    pub(crate) fn new() -> Freeze {
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        tokio::spawn(async move {
            while !s.load(Ordering::Relaxed) {
                tokio::task::yield_now().await;
            }
        });
        Freeze(stop)
    }
}

impl Drop for Freeze {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Applies whatever each console has received, without letting time pass.
pub(crate) async fn drain(consoles: &mut [Console]) {
    for _ in 0..20 {
        tokio::task::yield_now().await;
        for c in consoles.iter_mut() {
            c.pump_until(Duration::ZERO, |_| false).await;
        }
    }
}

/// The collector's requests per provider kind, from a real `/metrics` scrape.
fn collector_requests(cfg: &Config, s: &Scrape) -> BTreeMap<String, usize> {
    cfg.providers
        .iter()
        .map(|p| {
            let n: f64 = s
                .series("switchboard_provider_requests_total")
                .iter()
                .filter(|x| x.labels.get("provider") == Some(&p.name))
                .map(|x| x.value)
                .sum();
            (format!("{:?}", p.kind), n as usize)
        })
        .collect()
}

/// Every simulator's answers' statuses, by provider kind.
fn sim_statuses(sims: &RunningSims) -> BTreeMap<String, Vec<u16>> {
    BTreeMap::from([
        (
            format!("{:?}", ProviderKind::Cloudonix),
            sims.cloudonix.requests().iter().map(|r| r.status).collect(),
        ),
        (
            format!("{:?}", ProviderKind::Voipcloud),
            sims.voipcloud.requests().iter().map(|r| r.status).collect(),
        ),
        (
            format!("{:?}", ProviderKind::Iovox),
            sims.iovox.requests().iter().map(|r| r.status).collect(),
        ),
        (
            format!("{:?}", ProviderKind::Callable),
            sims.callable.requests().iter().map(|r| r.status).collect(),
        ),
        (
            format!("{:?}", ProviderKind::Provoice),
            sims.provoice.requests().iter().map(|r| r.status).collect(),
        ),
    ])
}

/// To be called with the clock held still ([`Freeze`]): lets the collector's revision
/// stop moving and every console drain its stream, then compares each console with
/// the collector's snapshot. `Err` says what differed (a request in flight when the
/// clock stopped may still wait on it: the caller lets time pass a little and retries).
pub(crate) async fn equal_when_still(
    serve: &Serve,
    consoles: &mut [Console],
) -> Result<FeedDoc, String> {
    let mut last = 0;
    for _ in 0..50 {
        drain(consoles).await;
        let now = serve.shared.lock().unwrap().feed.revision;
        if now == last {
            break;
        }
        last = now;
    }
    let doc = snapshot(serve).await;
    drain(consoles).await;
    if doc.revision != serve.shared.lock().unwrap().feed.revision {
        return Err("the collector still moves".into());
    }
    let want = snapshot_view(&doc);
    for (i, c) in consoles.iter().enumerate() {
        let have = console_view(&c.state);
        if have != want {
            return Err(format!("console {i}: {}", have.diff(&want)));
        }
    }
    Ok(doc)
}

/// Waits (in short steps of simulated time) for a moment every console equals the
/// collector's snapshot; fails with the last difference.
pub(crate) async fn until_equal(serve: &Serve, consoles: &mut [Console]) -> FeedDoc {
    let mut why = String::new();
    for _ in 0..40 {
        let still = Freeze::new();
        match equal_when_still(serve, consoles).await {
            Ok(doc) => return doc,
            Err(e) => why = e,
        }
        drop(still);
        for c in consoles.iter_mut() {
            c.pump_until(Duration::from_millis(50), |_| false).await;
        }
    }
    panic!("never equal to the collector: {why}");
}

/// With the clock held still: every console equals the snapshot, and the simulators'
/// counts fit the collector's.
async fn compare_frozen(
    serve: &Serve,
    cfg: &Config,
    sims: &RunningSims,
    consoles: &mut [Console],
) -> Result<(FeedDoc, BTreeMap<String, usize>, BTreeMap<String, usize>), String> {
    let _still = Freeze::new();
    let at = tokio::time::Instant::now();
    let doc = equal_when_still(serve, consoles).await?;
    let (_, metrics) = scrape(serve).await;
    assert_eq!(tokio::time::Instant::now(), at, "the clock held still");
    let theirs = collector_requests(cfg, &metrics);
    let seen: BTreeMap<String, usize> = sim_statuses(sims)
        .into_iter()
        .map(|(k, s)| (k, s.len()))
        .collect();
    // The collector counts each HTTP request it sends (every page, every token
    // request): the simulators saw exactly that many. Consoles that polled would add at
    // least the collector's own requests again, five times over.
    let fits = seen
        .iter()
        .all(|(k, &n)| theirs.get(k).copied().unwrap_or(0) == n);
    if !fits || seen.keys().ne(theirs.keys()) {
        return Err(format!(
            "simulators saw {seen:?}, the collector sent {theirs:?}"
        ));
    }
    Ok((doc, seen, theirs))
}

#[tokio::test(start_paused = true)]
async fn five_attached_consoles_for_ten_minutes_ask_no_provider_and_equal_the_collector() {
    let wall = std::time::Instant::now();
    let sims = support::sims(161, |_| {}).await;
    let cfg = sims_config(&sims);
    let dir = temp_dir("team");
    let serve = start(&cfg, &dir).await;
    let url = format!("http://{}", serve.addr);
    let mut consoles: Vec<Console> = (0..CONSOLES).map(|_| attached(&url)).collect();
    let t0 = tokio::time::Instant::now();
    let mut downs = 0;
    let mut was_live = [false; CONSOLES];
    while t0.elapsed() < TEN_MINUTES {
        for (i, c) in consoles.iter_mut().enumerate() {
            c.pump_until(Duration::from_millis(500), |_| false).await;
            match link(&c.state) {
                Some(Link::Live) => was_live[i] = true,
                Some(Link::Down { error, .. }) => {
                    eprintln!("console {i} down: {error}");
                    downs += 1;
                }
                _ => {}
            }
        }
    }
    let simulated = t0.elapsed();
    assert!(was_live.iter().all(|&l| l), "every console went live");
    assert_eq!(downs, 0, "no console lost its link");

    // At a revision the collector holds still: every console equals its snapshot, and
    // the simulators saw what the collector sent, no more.
    let mut tries = 0;
    let (doc, requests, counted) = loop {
        match compare_frozen(&serve, &cfg, &sims, &mut consoles).await {
            Ok(done) => break done,
            Err(why) => {
                tries += 1;
                assert!(tries < 40, "never equal: {why}");
                for c in consoles.iter_mut() {
                    c.pump_until(Duration::from_millis(50), |_| false).await;
                }
            }
        }
    };
    let view = snapshot_view(&doc);
    eprintln!(
        "simulated {:.0} s in {:.1} s of wall time; revision {} after {tries} retries; \
         simulators saw {requests:?}, the collector counted {counted:?}; rows: {} live, {} history, {} trunks, {} numbers, {} accounts, {} queues",
        simulated.as_secs_f64(),
        wall.elapsed().as_secs_f64(),
        doc.revision,
        view.rows("live_calls"),
        view.rows("call_history"),
        view.rows("trunks"),
        view.rows("numbers"),
        view.rows("accounts"),
        view.rows("queues"),
    );
    assert!(simulated >= TEN_MINUTES);
    assert_eq!(view.providers.len(), cfg.providers.len());
    assert!(
        view.providers.iter().all(|p| p.1 == "ok"),
        "{:?}",
        view.providers
    );
    for table in [
        "live_calls",
        "call_history",
        "trunks",
        "numbers",
        "accounts",
    ] {
        assert!(view.rows(table) > 0, "the collector has {table}");
    }
    for c in &consoles {
        assert_eq!(link(&c.state), Some(&Link::Live));
    }
    for (kind, statuses) in sim_statuses(&sims) {
        assert!(!statuses.is_empty(), "{kind} was never polled");
        assert!(!statuses.contains(&429), "{kind} answered 429");
    }
    serve.shutdown().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
