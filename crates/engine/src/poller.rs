//! One background task per provider connection. It owns the provider's jobs and budgets,
//! decides what to fetch next (what is on screen first, live calls before static lists),
//! never exceeds a budget, backs off on failure and sends every result as an [`Event`]
//! tagged with a sequence number to a [`Sink`] (the console maps events into its
//! actions; a headless collector will keep them). It knows no terminal and no UI state.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::model::{ProviderId, Resource};
use crate::providers::{FetchData, Job, JobKey, JobKind, ProviderClient, ProviderError};
use crate::scheduler::{BudgetView, Budgets, Jitter, RateLimit, ScopeBudget, backoff};

/// What a poller reports.
#[derive(Debug)]
pub enum Event {
    /// A job finished.
    Fetched(Box<Fetched>),
    /// The budget changed (after a request, or as its window slides): the tightest
    /// scope's view (the status bar) and every scope's figures (a collector's gauges).
    Budget {
        provider: ProviderId,
        budget: BudgetView,
        scopes: Vec<ScopeBudget>,
    },
    /// A scope is paused after a 429 until `until_ms`.
    RateLimited { provider: ProviderId, until_ms: i64 },
    /// Answer to a manual refresh: `None` = started now; `Some(d)` = budget allows it in `d`.
    RefreshAnswer {
        provider: ProviderId,
        wait: Option<Duration>,
    },
}

/// The result of one polling job, tagged so late or stale results can be dropped.
#[derive(Debug)]
pub struct Fetched {
    pub provider: ProviderId,
    /// The provider epoch the job was started in.
    pub epoch: u64,
    /// Dispatch sequence number (monotonic per provider).
    pub seq: u64,
    pub job: JobKey,
    /// When the result arrived (epoch ms).
    pub at_ms: i64,
    /// Data older than this is shown as stale (from the job's interval).
    pub stale_after_ms: i64,
    /// HTTP requests the job made (a paged list: each page; else the job's cost).
    pub requests: u32,
    pub result: Result<FetchData, ProviderError>,
}

/// Where a poller's events go. Any unbounded channel whose message type can be made
/// from an [`Event`] is one (the console's `Action`); a closed receiver drops events.
pub trait Sink: Send + Sync + 'static {
    fn emit(&self, event: Event);
}

impl<T: From<Event> + Send + 'static> Sink for UnboundedSender<T> {
    fn emit(&self, event: Event) {
        let _ = self.send(T::from(event));
    }
}

/// Commands the UI sends to a poller.
#[derive(Debug)]
pub enum PollerCmd {
    RefreshNow,
    Visible(Resource),
    /// An operator change wants `cost` requests in `budget` now. The answer is Ok when
    /// they are reserved, or how long until they could be; until then polls of that
    /// scope wait, so the change goes first.
    Reserve {
        budget: String,
        cost: u32,
        reply: tokio::sync::oneshot::Sender<Result<(), Duration>>,
    },
    /// The change that reserved `cost` requests has its answer.
    Release {
        budget: String,
        cost: u32,
        accepted: bool,
    },
}

#[derive(Clone)]
pub struct PollerHandle {
    pub provider: ProviderId,
    tx: UnboundedSender<PollerCmd>,
}

impl PollerHandle {
    pub fn send(&self, cmd: PollerCmd) {
        // A poller that has ended has nothing to refresh: ignore.
        let _ = self.tx.send(cmd);
    }

    /// Waits (up to 30 s) until `cost` requests in `budget` are reserved for an operator
    /// change. Polls of that scope hold back meanwhile.
    pub async fn reserve(&self, budget: &str, cost: u32) -> Result<(), ProviderError> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (reply, answer) = tokio::sync::oneshot::channel();
            self.send(PollerCmd::Reserve {
                budget: budget.to_string(),
                cost,
                reply,
            });
            match answer.await {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(wait)) if Instant::now() + wait < deadline => {
                    tokio::time::sleep(wait.max(Duration::from_millis(50))).await;
                }
                Ok(Err(_)) => {
                    return Err(ProviderError::Refused(
                        "the provider's request budget stayed spent for 30 s; nothing was sent"
                            .into(),
                    ));
                }
                // The poller is gone (shutting down): send without it.
                Err(_) => return Ok(()),
            }
        }
    }
}

/// Sends an operator change once, inside the provider's budget: it reserves the change's
/// requests from the provider's poller first (polls of that scope wait, so the change
/// goes before them), then releases them with whether the provider accepted the request.
/// Never retried: a timeout is "outcome unknown" for the caller to say. The console (its
/// own poller) and the collector (for an attached console) both send through here.
pub async fn send_change(
    client: &ProviderClient,
    poller: Option<&PollerHandle>,
    mutation: &crate::providers::Mutation,
) -> Result<crate::providers::MutationOutcome, ProviderError> {
    let Some(p) = poller else {
        return client.mutate(mutation).await;
    };
    let (budget, cost) = client.mutation_budget(mutation);
    p.reserve(&budget, cost).await?;
    let r = client.mutate(mutation).await;
    let accepted = !matches!(r, Err(ProviderError::RateLimited { .. }));
    p.send(PollerCmd::Release {
        budget,
        cost,
        accepted,
    });
    r
}

/// Tuning that tests may shorten.
#[derive(Debug, Clone, Copy)]
pub struct PollerOptions {
    /// Intervals of jobs whose pane is not on screen are multiplied by this.
    pub background_factor: u32,
    /// Longest backoff after repeated failures.
    pub max_backoff: Duration,
    /// Longest sleep between scheduling passes (budget display refresh).
    pub heartbeat: Duration,
    /// Finished calls per account a poll hands over, the newest (None: every one, as a
    /// collector storing history wants; a console keeps its History pane's worth).
    pub history_per_account: Option<usize>,
    /// Most polls of one provider in flight at once. A provider with 20 domains has ~80
    /// jobs due together at start; unbounded, that was ~80 connections, each with its
    /// buffers kept while idle in the pool (issue 14), and a burst no provider enjoys.
    /// Budgets still decide what runs: this only queues what is due, highest priority first.
    pub max_in_flight: usize,
}

impl Default for PollerOptions {
    fn default() -> Self {
        PollerOptions {
            background_factor: 3,
            max_backoff: Duration::from_secs(60),
            heartbeat: Duration::from_secs(1),
            history_per_account: None,
            max_in_flight: 8,
        }
    }
}

struct JobState {
    job: Job,
    next_due: Instant,
    failures: u32,
    in_flight: bool,
    /// A refresh was asked for while the job was in flight: run it again right after,
    /// since the answer on its way may predate the change that prompted the refresh.
    again: bool,
}

/// Builds the client of configured provider `id` and starts its poller within the
/// provider's budget (`rate_limit`, else the documented one). The error says why the
/// client cannot be built (a bad key, a CA file that does not load …).
pub fn start(
    id: ProviderId,
    cfg: &crate::providers::ProviderConfig,
    opts: PollerOptions,
    events: impl Sink,
    cancel: CancellationToken,
) -> Result<(Arc<ProviderClient>, PollerHandle), String> {
    let client = Arc::new(ProviderClient::from_config(id, cfg)?);
    client.set_history_cap(opts.history_per_account);
    let limit = client.rate_limit_for(cfg);
    let handle = spawn(id, client.clone(), limit, opts, events, cancel);
    Ok((client, handle))
}

/// Starts the poller of one provider.
pub fn spawn(
    provider: ProviderId,
    client: Arc<ProviderClient>,
    limit: RateLimit,
    opts: PollerOptions,
    events: impl Sink,
    cancel: CancellationToken,
) -> PollerHandle {
    let (tx, rx) = unbounded_channel();
    let poller = Poller::new(provider, client, limit, opts, Box::new(events));
    tokio::spawn(poller.run(rx, cancel));
    PollerHandle { provider, tx }
}

/// A finished job: its key, sequence number, result and the requests it sent.
type Outcome = (JobKey, u64, Result<FetchData, ProviderError>, u32);

struct Poller {
    provider: ProviderId,
    client: Arc<ProviderClient>,
    opts: PollerOptions,
    events: Box<dyn Sink>,
    budgets: Budgets,
    jobs: BTreeMap<JobKey, JobState>,
    visible: Resource,
    seq: u64,
    jitter: Jitter,
    last_budget: Option<BudgetView>,
    last_scopes: Vec<ScopeBudget>,
    /// Scopes held for an operator change waiting for budget: polls there wait.
    held: std::collections::HashMap<String, Instant>,
}

/// Lower ranks go first: accounts, then live calls, then stats, then static lists.
fn rank(kind: JobKind) -> u8 {
    match kind {
        JobKind::Accounts => 0,
        JobKind::Calls => 1,
        JobKind::Stats => 2,
        JobKind::Trunks => 3,
        JobKind::Numbers => 4,
        JobKind::AccountInfo => 5,
    }
}

impl Poller {
    fn new(
        provider: ProviderId,
        client: Arc<ProviderClient>,
        limit: RateLimit,
        opts: PollerOptions,
        events: Box<dyn Sink>,
    ) -> Poller {
        let now = Instant::now();
        let mut jobs = BTreeMap::new();
        let discovery = client.discovery_job();
        jobs.insert(
            discovery.key.clone(),
            JobState {
                job: discovery,
                next_due: now,
                failures: 0,
                in_flight: false,
                again: false,
            },
        );
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(7)
            ^ u64::from(provider.0);
        Poller {
            provider,
            client,
            opts,
            events,
            budgets: Budgets::new(limit),
            jobs,
            visible: Resource::LiveCalls,
            seq: 0,
            jitter: Jitter::new(seed),
            last_budget: None,
            last_scopes: Vec::new(),
            held: std::collections::HashMap::new(),
        }
    }

    fn is_visible(&self, kind: JobKind) -> bool {
        kind.feeds().contains(&self.visible)
    }

    /// The interval a job runs at now (slower when its pane is not on screen).
    fn interval(&self, job: &Job) -> Duration {
        if self.is_visible(job.key.kind) || job.key.kind == JobKind::Accounts {
            job.interval
        } else {
            job.interval * self.opts.background_factor.max(1)
        }
    }

    async fn run(mut self, mut rx: UnboundedReceiver<PollerCmd>, cancel: CancellationToken) {
        let mut running: JoinSet<Outcome> = JoinSet::new();
        loop {
            let wake = self.dispatch(&mut running);
            self.report_budget();
            tokio::select! {
                biased;
                _ = cancel.cancelled() => break,
                cmd = rx.recv() => match cmd {
                    Some(PollerCmd::RefreshNow) => self.refresh_now(),
                    Some(PollerCmd::Visible(r)) => self.set_visible(r),
                    Some(PollerCmd::Reserve { budget, cost, reply }) => {
                        let now = Instant::now();
                        let window = self.budgets.scope(&budget);
                        let answer = if window.try_reserve(now, cost) {
                            self.held.remove(&budget);
                            Ok(())
                        } else {
                            let wait = window.wait_for(now, cost);
                            self.held.insert(budget, now + wait + Duration::from_secs(1));
                            Err(wait)
                        };
                        let _ = reply.send(answer);
                    }
                    Some(PollerCmd::Release { budget, cost, accepted }) => {
                        let now = Instant::now();
                        self.budgets.scope(&budget).complete(now, cost, accepted);
                        if !accepted {
                            self.budgets.throttle(&budget, now, None);
                        }
                    }
                    None => break,
                },
                Some(done) = running.join_next(), if !running.is_empty() => {
                    match done {
                        Ok((key, seq, result, sent)) => self.finish(key, seq, result, sent),
                        Err(e) => tracing::error!(provider = self.provider.0, "poll task failed: {e}"),
                    }
                }
                _ = tokio::time::sleep_until(wake) => {}
            }
        }
        running.abort_all();
    }

    /// Starts every due job whose budget allows it, highest priority first. Returns
    /// when to wake up next.
    fn dispatch(&mut self, running: &mut JoinSet<Outcome>) -> Instant {
        let now = Instant::now();
        let mut wake = now + self.opts.heartbeat;
        let mut order: Vec<(bool, u8, Instant, JobKey)> = self
            .jobs
            .values()
            .filter(|s| !s.in_flight)
            .map(|s| {
                (
                    !self.is_visible(s.job.key.kind),
                    rank(s.job.key.kind),
                    s.next_due,
                    s.job.key.clone(),
                )
            })
            .collect();
        order.sort();
        // A scope where a higher-priority job (or an operator change) is waiting for
        // budget is closed to lower ones.
        self.held.retain(|_, until| *until > now);
        let mut blocked: Vec<String> = self.held.keys().cloned().collect();
        for (_, _, due, key) in order {
            if due > now {
                wake = wake.min(due);
                continue;
            }
            if running.len() >= self.opts.max_in_flight.max(1) {
                // The next poll to finish wakes the loop, which dispatches again.
                break;
            }
            let Some(state) = self.jobs.get(&key) else {
                continue;
            };
            let (budget, cost) = (state.job.budget.clone(), state.job.cost);
            if blocked.contains(&budget) {
                continue;
            }
            let window = self.budgets.scope(&budget);
            if !window.try_reserve(now, cost) {
                let wait = window.wait_for(now, cost).max(Duration::from_millis(20));
                wake = wake.min(now + wait);
                blocked.push(budget);
                continue;
            }
            self.seq += 1;
            let seq = self.seq;
            if let Some(s) = self.jobs.get_mut(&key) {
                s.in_flight = true;
            }
            let client = self.client.clone();
            running.spawn(async move {
                let (result, sent) = crate::providers::http::counting(client.fetch(&key)).await;
                (key, seq, result, sent)
            });
        }
        wake
    }

    /// `sent`: the HTTP requests the job really sent (counted at the guard).
    fn finish(
        &mut self,
        key: JobKey,
        seq: u64,
        result: Result<FetchData, ProviderError>,
        sent: u32,
    ) {
        let now = Instant::now();
        let Some(state) = self.jobs.get(&key) else {
            return;
        };
        let (budget, cost) = (state.job.budget.clone(), state.job.cost);
        let accepted = !matches!(result, Err(ProviderError::RateLimited { .. }));
        // A paged job may have needed fewer requests than it reserved.
        let used = self
            .client
            .requests_used(&key)
            .map_or(cost, |u| u.min(cost));
        self.budgets
            .scope(&budget)
            .complete_used(now, cost, used, accepted);
        let interval = self.interval(&state.job);
        if let Err(ProviderError::RateLimited { retry_after, .. }) = &result {
            let until = self.budgets.throttle(&budget, now, *retry_after);
            tracing::warn!(provider = self.provider.0, scope = %budget, "429 from provider; pausing scope");
            self.events.emit(Event::RateLimited {
                provider: self.provider,
                until_ms: crate::clock::epoch_ms() + until.duration_since(now).as_millis() as i64,
            });
        }
        // Discovery decides the other jobs.
        if let (JobKind::Accounts, Ok(FetchData::Accounts(accounts))) = (key.kind, &result) {
            self.replace_jobs(self.client.jobs(accounts), now);
        }
        let failures = match &result {
            Ok(_) => 0,
            Err(_) => self.jobs.get(&key).map_or(1, |s| s.failures + 1),
        };
        let delay = match &result {
            Ok(_) => interval,
            Err(ProviderError::RateLimited { .. }) => self
                .budgets
                .scope(&budget)
                .wait_for(now, cost)
                .max(interval),
            Err(_) => backoff(failures, self.opts.max_backoff, &mut self.jitter)
                .max(Duration::from_millis(500)),
        };
        if let Some(s) = self.jobs.get_mut(&key) {
            s.in_flight = false;
            s.failures = failures;
            s.next_due = if s.again && result.is_ok() {
                now
            } else {
                now + delay
            };
            s.again = false;
        }
        if let Err(e) = &result {
            tracing::warn!(provider = self.provider.0, job = key.kind.label(), scope = %key.scope, "fetch failed: {e}");
        }
        let stale_after = (interval * 3).max(Duration::from_secs(15));
        self.events.emit(Event::Fetched(Box::new(Fetched {
            // What was sent, where the guard saw it (a token request included); else
            // what the provider says it used.
            requests: if sent > 0 { sent } else { used },
            provider: self.provider,
            epoch: 0,
            seq,
            job: key,
            at_ms: crate::clock::epoch_ms(),
            stale_after_ms: stale_after.as_millis() as i64,
            result,
        })));
    }

    /// The operator moved to another pane: jobs that come on screen move to their
    /// on-screen interval (counted from their last run), jobs that leave it to the
    /// background one. Matters where intervals are long (tens of seconds for a provider with a small hourly budget).
    fn set_visible(&mut self, r: Resource) {
        let before = self.visible;
        self.visible = r;
        let factor = self.opts.background_factor.max(1);
        if before == r || factor == 1 {
            return;
        }
        let now = Instant::now();
        for s in self.jobs.values_mut() {
            if s.in_flight || s.failures > 0 || s.job.key.kind == JobKind::Accounts {
                continue;
            }
            let feeds = s.job.key.kind.feeds();
            let (was, is) = (feeds.contains(&before), feeds.contains(&r));
            let shift = s.job.interval * (factor - 1);
            if is && !was {
                s.next_due = s.next_due.checked_sub(shift).unwrap_or(now);
            } else if was && !is && s.next_due > now {
                s.next_due += shift;
            }
        }
    }

    /// Keeps the state of jobs that still exist, adds new ones (due now), drops vanished ones.
    fn replace_jobs(&mut self, jobs: Vec<Job>, now: Instant) {
        let mut next: BTreeMap<JobKey, JobState> = BTreeMap::new();
        if let Some((k, s)) = self.jobs.iter().find(|(k, _)| k.kind == JobKind::Accounts) {
            next.insert(
                k.clone(),
                JobState {
                    job: s.job.clone(),
                    next_due: s.next_due,
                    failures: s.failures,
                    in_flight: s.in_flight,
                    again: s.again,
                },
            );
        }
        for job in jobs {
            let key = job.key.clone();
            let state = match self.jobs.remove(&key) {
                Some(old) => JobState { job, ..old },
                None => JobState {
                    job,
                    next_due: now,
                    failures: 0,
                    in_flight: false,
                    again: false,
                },
            };
            next.insert(key, state);
        }
        self.jobs = next;
    }

    /// `r`: make the on-screen jobs due now; say when the budget allows it if not now.
    fn refresh_now(&mut self) {
        let now = Instant::now();
        let visible = self.visible;
        let mut wait = Duration::ZERO;
        let keys: Vec<JobKey> = self
            .jobs
            .keys()
            .filter(|k| k.kind.feeds().contains(&visible))
            .cloned()
            .collect();
        for key in &keys {
            if let Some(s) = self.jobs.get_mut(key) {
                s.next_due = now;
                s.again = s.in_flight;
                let (budget, cost) = (s.job.budget.clone(), s.job.cost);
                wait = wait.max(self.budgets.scope(&budget).wait_for(now, cost));
            }
        }
        self.events.emit(Event::RefreshAnswer {
            provider: self.provider,
            wait: (!wait.is_zero()).then_some(wait),
        });
    }

    fn report_budget(&mut self) {
        let now = Instant::now();
        let mut view = self.budgets.view(now);
        for (slot, kind) in [JobKind::Calls, JobKind::Stats].into_iter().enumerate() {
            view.next_refresh_s[slot] = self
                .jobs
                .values()
                .filter(|s| s.job.key.kind == kind)
                .map(|s| {
                    if s.in_flight {
                        0
                    } else {
                        s.next_due.saturating_duration_since(now).as_secs() as u32
                    }
                })
                .min();
        }
        let scopes = self.budgets.scope_views(now);
        if self.last_budget != Some(view) || self.last_scopes != scopes {
            self.last_budget = Some(view);
            self.last_scopes = scopes.clone();
            self.events.emit(Event::Budget {
                provider: self.provider,
                budget: view,
                scopes,
            });
        }
    }
}
