//! Cloudonix Voice API simulator (providers.md §1): a faithful local test double of the
//! REST API — bearer keys with customer / domain / subscriber scopes, bare-array lists,
//! 204s without bodies, per-domain sliding-window rate limit with 429, the wire quirks
//! of §1.7–1.8, live call traffic and fault injection.
//!
//! It renders its own wire JSON and shares no types with the console's client.

mod api;
mod state;
mod subscribers;
mod wire;

mod args;
pub use args::CloudonixArgs;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State as AxState};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::json;
use tokio::task::JoinHandle;

use super::faults::{self, FaultKind, Faults};
use super::rng::Rng;
use super::traffic::CallPlan;
use api::{Incoming, Reply};
use state::{State, now_ms};

/// Cloudonix-specific simulator settings.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudonixOptions {
    /// Requests allowed per window, per domain (and per key for customer-level paths).
    pub rate_limit_requests: u32,
    pub rate_limit_window: Duration,
    /// New calls per minute per domain.
    pub calls_per_minute: f64,
    /// Generate new calls over time (the seeded history and in-progress calls exist
    /// either way).
    pub traffic: bool,
    /// Domains under the customer: `acme-main`, `acme-support`, then `acme-03` … (the
    /// later ones copy the first two's trunks and applications).
    pub domains: usize,
    /// Sessions kept per domain, all of which the sessions list returns; beyond it the
    /// oldest ended sessions are dropped (calls in progress never are).
    pub max_sessions: usize,
    /// Calls in progress at start, over all domains (0: three to five per domain).
    pub live_calls: usize,
    /// Ended calls at start, over the last day and all domains (0: 14–21 per domain
    /// over the last three hours).
    pub history_calls: usize,
}

impl Default for CloudonixOptions {
    fn default() -> Self {
        CloudonixOptions {
            rate_limit_requests: 10,
            rate_limit_window: Duration::from_secs(10),
            calls_per_minute: 12.0,
            traffic: true,
            domains: 2,
            max_sessions: 1500,
            live_calls: 0,
            history_calls: 0,
        }
    }
}

/// Which kind of key a request presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyScope {
    /// No `Authorization: Bearer …` header.
    Missing,
    /// A bearer key the simulator does not know.
    Invalid,
    Customer,
    Domain,
    Subscriber,
}

/// One request as the simulator saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    pub method: String,
    /// Path with the query string, e.g. `/calls/x.cloudonix.net/sessions?limit=5`.
    pub path: String,
    pub scope: KeyScope,
    /// Status sent (200 for dropped connections, whose status line did go out).
    pub status: u16,
    pub at: SystemTime,
    /// The injected fault, if any.
    pub fault: Option<FaultKind>,
}

#[derive(Debug)]
pub(crate) struct Shared {
    state: Mutex<State>,
    /// Requests being answered now, and the most ever at once (what a client's
    /// connection count costs the provider; tests read it).
    in_flight: std::sync::atomic::AtomicUsize,
    peak_in_flight: std::sync::atomic::AtomicUsize,
}

/// Counts one request as being answered until it is dropped.
struct InFlight<'a>(&'a Shared);

impl<'a> InFlight<'a> {
    fn enter(shared: &'a Shared) -> Self {
        use std::sync::atomic::Ordering::SeqCst;
        let now = shared.in_flight.fetch_add(1, SeqCst) + 1;
        shared.peak_in_flight.fetch_max(now, SeqCst);
        InFlight(shared)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0
            .in_flight
            .fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock only means another handler panicked mid-update; the data is
        // still usable for a simulator.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running Cloudonix simulator: its address, demo credentials and controls.
#[derive(Clone)]
pub struct CloudonixSim {
    /// e.g. `http://127.0.0.1:40123` (no trailing slash).
    pub base_url: String,
    /// Customer (tenant) key: full scope.
    pub customer_key: String,
    /// Domain key scoped to `domains[0]`.
    pub domain_key: String,
    /// Subscriber key for the first subscriber of `domains[0]`.
    pub subscriber_key: String,
    pub customer_name: String,
    pub domains: Vec<String>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for CloudonixSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudonixSim")
            .field("base_url", &self.base_url)
            .field("customer_name", &self.customer_name)
            .field("domains", &self.domains)
            .finish_non_exhaustive()
    }
}

impl CloudonixSim {
    /// Every request received so far (the most recent 20 000), oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().recorded.iter().cloned().collect()
    }

    /// The most requests this simulator was answering at one time.
    pub fn peak_concurrent_requests(&self) -> usize {
        self.shared
            .peak_in_flight
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// How many 429s were sent.
    pub fn throttled(&self) -> u64 {
        self.shared.lock().throttled
    }

    pub fn set_faults(&self, f: Faults) {
        self.shared.lock().faults = f;
    }

    pub fn faults(&self) -> Faults {
        self.shared.lock().faults
    }

    /// Change the rate limit for all buckets (takes effect immediately).
    pub fn set_rate_limit(&self, requests: u32, window: Duration) {
        self.shared.lock().set_rate_limit(requests, window);
    }

    /// Live sessions (no `callEndTime` yet) in all domains.
    pub fn live_sessions_total(&self) -> usize {
        let now = now_ms();
        let mut st = self.shared.lock();
        st.advance(now);
        st.domains.iter().map(|d| d.live_count(now)).sum()
    }

    /// Sessions kept (live and ended) in all domains.
    pub fn sessions_total(&self) -> usize {
        self.shared
            .lock()
            .domains
            .iter()
            .map(|d| d.sessions.len())
            .sum()
    }

    /// Live sessions (no `callEndTime` yet) in a domain given by name, id or uuid;
    /// 0 for an unknown domain.
    pub fn live_sessions(&self, domain: &str) -> usize {
        let now = now_ms();
        let mut st = self.shared.lock();
        st.advance(now);
        st.find_domain(domain)
            .map_or(0, |i| st.domains[i].live_count(now))
    }

    /// The subscriber the subscriber key belongs to: (domain name, id, msisdn).
    pub fn key_subscriber(&self) -> (String, u64, String) {
        let st = self.shared.lock();
        let (di, id) = st.keys.subscriber_of;
        let d = &st.domains[di];
        let msisdn = d
            .subscribers
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.msisdn.clone())
            .unwrap_or_default();
        (d.name.clone(), id, msisdn)
    }
}

/// Background tasks of one simulator; stopped on drop.
pub(crate) struct Handles {
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    traffic: Option<JoinHandle<()>>,
}

impl Drop for Handles {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.traffic.take() {
            t.abort();
        }
    }
}

/// Serve the simulator on `listener`.
pub(crate) fn spawn(
    listener: tokio::net::TcpListener,
    seed: u64,
    faults: Faults,
    opts: &CloudonixOptions,
) -> std::io::Result<(CloudonixSim, Handles)> {
    let addr = listener.local_addr()?;
    let state = State::seed(seed, opts, faults, now_ms());
    let sim_base = match addr {
        std::net::SocketAddr::V6(a) => format!("http://[{}]:{}", a.ip(), a.port()),
        std::net::SocketAddr::V4(a) => format!("http://{}:{}", a.ip(), a.port()),
    };
    let shared = Arc::new(Shared {
        state: Mutex::new(state),
        in_flight: Default::default(),
        peak_in_flight: Default::default(),
    });
    let sim = {
        let st = shared.lock();
        CloudonixSim {
            base_url: sim_base,
            customer_key: st.keys.customer.clone(),
            domain_key: st.keys.domain.clone(),
            subscriber_key: st.keys.subscriber.clone(),
            customer_name: st.customer.name.clone(),
            domains: st.domains.iter().map(|d| d.name.clone()).collect(),
            shared: shared.clone(),
        }
    };
    let app = Router::new().fallback(handle).with_state(shared.clone());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
    });
    let weak = Arc::downgrade(&shared);
    let traffic = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Some(shared) = weak.upgrade() else { break };
            shared.lock().advance(now_ms());
        }
    });
    Ok((
        sim,
        Handles {
            shutdown: Some(tx),
            traffic: Some(traffic),
        },
    ))
}

const MAX_BODY: usize = 1 << 20;

async fn handle(AxState(shared): AxState<Arc<Shared>>, req: Request) -> Response {
    let _answering = InFlight::enter(&shared);
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    // An unreadable or oversized body is treated as an empty (invalid) one.
    let body = axum::body::to_bytes(req.into_body(), MAX_BODY)
        .await
        .unwrap_or_default();
    let latency = shared.lock().faults.latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let outcome = {
        let incoming = Incoming {
            method: &method,
            path: &path,
            query: query.as_deref(),
            authorization: authorization.as_deref(),
            body: &body,
        };
        shared
            .lock()
            .process(&incoming, crate::window::now(), now_ms())
    };
    build(outcome.reply, outcome.fault, outcome.shape)
}

fn json_response(status: u16, bytes: Vec<u8>) -> Response {
    json_body(status, Body::from(bytes))
}

fn json_body(status: u16, body: Body) -> Response {
    let mut r = Response::new(body);
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn error_bytes(message: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"status": false, "message": message})).unwrap_or_default()
}

fn build(reply: Reply, fault: Option<FaultKind>, shape: f64) -> Response {
    match reply {
        Reply::Json(status, v) => {
            let bytes = serde_json::to_vec(&v).unwrap_or_default();
            match fault {
                Some(FaultKind::Malformed) => {
                    json_response(status, faults::malformed_body(&bytes, shape))
                }
                Some(FaultKind::Dropped) => json_body(status, faults::dropped_body(bytes, shape)),
                _ => json_response(status, bytes),
            }
        }
        Reply::NoContent => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::NO_CONTENT;
            r
        }
        Reply::Error(status, message) => {
            let mut r = json_response(status, error_bytes(&message));
            if status == 401 {
                r.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            r
        }
        Reply::Throttled(secs) => {
            let mut r = json_response(429, error_bytes("Too Many Requests"));
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
    }
}

/// A realistic bare-array sessions response with `n` sessions (newest first; a mix of
/// live and ended, with the wire quirks), deterministic in `n` and `seed`. For
/// benchmarks and fixtures; the "now" it is rendered at is fixed
/// (2025-01-15T12:00:00Z).
pub fn sample_sessions_json(n: usize, seed: u64) -> String {
    const NOW_MS: u64 = 1_736_942_400_000;
    let opts = CloudonixOptions {
        traffic: false,
        ..CloudonixOptions::default()
    };
    let mut st = State::seed(seed, &opts, Faults::default(), NOW_MS);
    st.domains[0].sessions.clear();
    let mut rng = Rng::derive(seed, 3);
    // Spread starts over the period that yields ~n calls at a busy rate; the last few
    // minutes hold the live ones.
    let span_ms = (n as u64).max(1).saturating_mul(20_000);
    let mut starts: Vec<u64> = (0..n)
        .map(|_| NOW_MS.saturating_sub(rng.range(1_000, span_ms.saturating_add(2_000))))
        .collect();
    starts.sort_unstable();
    // The newest sixth (at least one) are still in progress.
    let first_live = n - n.div_ceil(6);
    for (i, start) in starts.into_iter().enumerate() {
        let plan = if i >= first_live {
            let remaining = rng.range(5_000, 600_000);
            CallPlan::in_progress(&mut rng, NOW_MS, NOW_MS - start, remaining)
        } else {
            let mut p = CallPlan::draw(&mut rng, start);
            // Calls drawn close to "now" are ended just before it, keeping the mix.
            p.hang_up(NOW_MS - 1);
            p
        };
        st.add_generated(0, plan);
    }
    let d = &st.domains[0];
    let v = wire::session_list(d, NOW_MS, usize::MAX, |_| true);
    serde_json::to_string(&v).unwrap_or_else(|_| "[]".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_sessions_are_deterministic_and_mixed() {
        let a = sample_sessions_json(60, 7);
        assert_eq!(a, sample_sessions_json(60, 7));
        assert_ne!(a, sample_sessions_json(60, 8));
        let v: serde_json::Value = serde_json::from_str(&a).unwrap();
        let arr = v.as_array().unwrap();
        assert_eq!(arr.len(), 60);
        let live = arr
            .iter()
            .filter(|s| s.get("callEndTime").is_none_or(|e| e.is_null()))
            .count();
        assert!((5..60).contains(&live), "{live}");
        assert!(arr.iter().any(|s| s["callStartTime"].is_string()));
        assert!(arr.iter().any(|s| s["callStartTime"].is_u64()));
        assert!(arr.iter().any(|s| s.get("domain").is_none()));
        assert!(
            arr.iter()
                .any(|s| s.get("domain").is_some_and(|d| d.is_null()))
        );
        // Newest first.
        let starts: Vec<u64> = arr
            .iter()
            .map(|s| match &s["callStartTime"] {
                serde_json::Value::String(x) => x.parse().unwrap(),
                other => other.as_u64().unwrap(),
            })
            .collect();
        assert!(starts.windows(2).all(|w| w[0] >= w[1]));
        assert_eq!(sample_sessions_json(0, 1), "[]");
        let small: serde_json::Value = serde_json::from_str(&sample_sessions_json(4, 1)).unwrap();
        let live = small
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s.get("callEndTime").is_none_or(|e| e.is_null()))
            .count();
        assert_eq!(live, 1);
        let big = std::time::Instant::now();
        assert!(sample_sessions_json(5_000, 2).len() > 5_000 * 500);
        assert!(big.elapsed() < std::time::Duration::from_secs(5));
    }
}
