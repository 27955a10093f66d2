//! VoIPcloud PBX integration API simulator (providers.md §2): a local test double of one
//! PBX — `/api/integration/{v1,v2}/{operation}`, the `token` header (optionally the
//! legacy `api_key` query parameter), `{status, message, code, data}` envelopes with the
//! documented codes (400, 401, 404, 429, 0), an IP whitelist, the sliding 100-per-15-min
//! limit (time-scalable for tests), seeded queue/ring-group/user traffic and
//! `call-to-number`.
//!
//! User-call rows come in both versions: v1 (seed names, `call_finished_at: null` while a
//! call is in progress) and v2 (`unique_call_id`, `type`, `caller_id`, `dest_number`,
//! `connected_at`, and no `call_finished_at`: a v2 row is a finished call, so calls in
//! progress appear on v2 only once they end). The client's `api_version` picks the path.
//!
//! `get-system-status`'s shape is INVENTED (no documentation exists): `data =
//! {"status": "operational", "incidents": []}`.
//!
//! It renders its own wire JSON and shares no types with the console's client.

mod args;
pub use args::VoipcloudArgs;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State as AxState};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::rng::Rng;
use super::window::RateLimiter;

/// VoIPcloud-specific simulator settings.
#[derive(Debug, Clone, PartialEq)]
pub struct VoipcloudOptions {
    /// Requests allowed per window per PBX (documented: 100 per 15 minutes).
    pub rate_limit_requests: u32,
    pub rate_limit_window: Duration,
    /// Addresses allowed to call the API. None = loopback only (the default);
    /// `Some(vec![])` = nobody (every request gets the whitelist 401).
    pub whitelist: Option<Vec<IpAddr>>,
    /// Accept the deprecated `api_key` query parameter as well as the header.
    pub accept_api_key_query: bool,
    /// New queue/ring-group/user calls per minute (0 = only the seeded history).
    pub calls_per_minute: f64,
    /// How long a call placed by `call-to-number` stays live.
    pub click_call_duration: Duration,
    /// Finished calls seeded today (0: three hours at `calls_per_minute`), spread over
    /// the last three hours; about 30 % are user calls, the rest queue and ring-group calls.
    pub history_calls: usize,
}

impl Default for VoipcloudOptions {
    fn default() -> Self {
        VoipcloudOptions {
            rate_limit_requests: 100,
            rate_limit_window: Duration::from_secs(900),
            whitelist: None,
            accept_api_key_query: true,
            calls_per_minute: 6.0,
            click_call_duration: Duration::from_secs(45),
            history_calls: 0,
        }
    }
}

/// One request as the simulator saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct VoipcloudRequest {
    pub method: String,
    /// Path with query.
    pub path: String,
    pub status: u16,
    /// Whether the `token` header (not `api_key`) carried the key.
    pub header_auth: bool,
    pub at: Instant,
}

#[derive(Debug, Clone)]
struct UserCall {
    id: String,
    from: String,
    to: String,
    user: String,
    user_number: String,
    inbound: bool,
    start_ms: i64,
    /// Ringing before answer (None: not answered).
    ring_s: i64,
    answered: bool,
    /// Talking time after answer.
    talk_s: i64,
}

#[derive(Debug, Clone)]
struct GroupCall {
    id: String,
    ring_group: bool,
    group: String,
    caller: String,
    inbound_number: String,
    start_ms: i64,
    wait_s: i64,
    /// "answered", "abandoned", "timedout".
    status: &'static str,
    agent: Option<String>,
    talk_s: i64,
}

const QUEUES: [&str; 2] = ["sales", "support"];
const RING_GROUPS: [&str; 1] = ["reception"];
const USERS: [(&str, &str); 4] = [
    ("alice", "201"),
    ("bruno", "202"),
    ("chen", "203"),
    ("dana", "204"),
];
const DID: &str = "61300000000";

#[derive(Debug)]
struct State {
    token: String,
    rng: Rng,
    opts: VoipcloudOptions,
    limiter: RateLimiter,
    user_calls: Vec<UserCall>,
    group_calls: Vec<GroupCall>,
    next_arrival_ms: i64,
    next_id: u64,
    requests: Vec<VoipcloudRequest>,
    unknown_errors: u32,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn iso(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S.000Z").to_string())
        .unwrap_or_default()
}

fn ymd(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

impl State {
    fn seed(seed: u64, opts: &VoipcloudOptions, now: i64) -> State {
        let mut rng = Rng::derive(seed, 0x0FC1);
        let token: String = (0..64)
            .map(|_| {
                let c = rng.below(62) as u8;
                char::from(match c {
                    0..=9 => b'0' + c,
                    10..=35 => b'a' + c - 10,
                    _ => b'A' + c - 36,
                })
            })
            .collect();
        let mut st = State {
            token,
            rng,
            opts: opts.clone(),
            limiter: RateLimiter::new(opts.rate_limit_requests, opts.rate_limit_window),
            user_calls: Vec::new(),
            group_calls: Vec::new(),
            next_arrival_ms: now,
            next_id: 1,
            requests: Vec::new(),
            unknown_errors: 0,
        };
        // Three hours of history at the configured rate (at least a call every 90 s), plus
        // two live user calls.
        let mut t = now - 3 * 3_600_000;
        if opts.history_calls > 0 {
            // Evenly over the window, kept within today (UTC) so one day's lists hold them.
            let from = t.max(now - now.rem_euclid(86_400_000)).min(now - 600_000);
            let step = ((now - 120_000 - from) / opts.history_calls as i64).max(1);
            for i in 0..opts.history_calls as i64 {
                st.new_call(from + i * step, now);
            }
        } else {
            while t < now - 120_000 {
                st.new_call(t, now);
                t += st.gap().min(90_000);
            }
        }
        for _ in 0..2 {
            let start = now - st.rng.range(10_000, 60_000) as i64;
            st.user_call(start, true, 300);
        }
        st.next_arrival_ms = now + st.gap();
        st
    }

    fn gap(&mut self) -> i64 {
        if self.opts.calls_per_minute <= 0.0 {
            return i64::MAX / 4;
        }
        (self.rng.exp(60_000.0 / self.opts.calls_per_minute) as i64).max(1_000)
    }

    fn id(&mut self) -> String {
        self.next_id += 1;
        format!("vc-{}-{}", self.next_id, self.rng.hex_lower(6))
    }

    fn user_call(&mut self, start: i64, answered: bool, talk_s: i64) {
        let (user, number) = USERS[self.rng.index(USERS.len())];
        let inbound = self.rng.chance(0.5);
        let other = format!("614{}", self.rng.digits(8));
        let id = self.id();
        self.user_calls.push(UserCall {
            id,
            from: if inbound {
                other.clone()
            } else {
                number.into()
            },
            to: if inbound { number.into() } else { other },
            user: user.into(),
            user_number: number.into(),
            inbound,
            start_ms: start,
            ring_s: self.rng.range(2, 15) as i64,
            answered,
            talk_s,
        });
    }

    /// One new call starting at `start`: mostly queue/ring-group traffic.
    fn new_call(&mut self, start: i64, _now: i64) {
        if self.rng.chance(0.3) {
            let answered = self.rng.chance(0.8);
            let talk = self.rng.range(20, 400) as i64;
            self.user_call(start, answered, talk);
            return;
        }
        let ring_group = self.rng.chance(0.3);
        let group = if ring_group {
            RING_GROUPS[0]
        } else {
            QUEUES[self.rng.index(QUEUES.len())]
        };
        // Support is understaffed: more abandons (crosses the demo's thresholds).
        let roll = self.rng.f64();
        let abandon_p = if group == "support" { 0.25 } else { 0.08 };
        let (status, wait_s) = if roll < abandon_p {
            ("abandoned", self.rng.range(5, 90) as i64)
        } else if roll < abandon_p + 0.05 {
            ("timedout", 120)
        } else {
            ("answered", self.rng.range(2, 60) as i64)
        };
        let agent =
            (status == "answered").then(|| USERS[self.rng.index(USERS.len())].0.to_string());
        let id = self.id();
        self.group_calls.push(GroupCall {
            id,
            ring_group,
            group: group.into(),
            caller: format!("614{}", self.rng.digits(8)),
            inbound_number: DID.into(),
            start_ms: start,
            wait_s,
            status,
            agent,
            talk_s: self.rng.range(30, 300) as i64,
        });
    }

    fn advance(&mut self, now: i64) {
        let mut n = 0;
        while self.next_arrival_ms <= now && n < 1000 {
            let t = self.next_arrival_ms;
            self.new_call(t, now);
            self.next_arrival_ms = t + self.gap();
            n += 1;
        }
        if n >= 1000 {
            self.next_arrival_ms = now + self.gap();
        }
        // Keep a day at most.
        let cutoff = now - 86_400_000;
        self.user_calls.retain(|c| c.start_ms >= cutoff);
        self.group_calls.retain(|c| c.start_ms >= cutoff);
    }

    fn user_row(&self, c: &UserCall, v2: bool, now: i64) -> Option<Value> {
        if c.start_ms > now {
            return None;
        }
        let answer_at = c.start_ms + c.ring_s * 1000;
        let end = if c.answered {
            answer_at + c.talk_s * 1000
        } else {
            answer_at
        };
        let live = now < end;
        let elapsed_s = ((now.min(end) - c.start_ms) / 1000).max(0);
        let talk = if c.answered && now > answer_at {
            ((now.min(end) - answer_at) / 1000).max(0)
        } else {
            0
        };
        let finished = (!live).then(|| iso(end));
        // A v2 row is the record of a finished call: it has no `call_finished_at`
        // (providers.md §2.5), so a call in progress is not listed on v2 until it ends.
        if v2 && live {
            return None;
        }
        Some(if v2 {
            let kind = format!(
                "user_{}_{}",
                if c.inbound { "inbound" } else { "outbound" },
                if c.answered {
                    "answered"
                } else if c.inbound {
                    "missed"
                } else {
                    "unanswered"
                }
            );
            json!({
                "unique_call_id": c.id,
                "type": kind,
                "caller_id": c.from,
                "caller_name": null,
                "dest_number": c.to,
                "user_name": c.user,
                "user_number": c.user_number,
                "call_start_at": iso(c.start_ms),
                "connected_at": c.answered.then(|| iso(answer_at)),
                "call_duration": elapsed_s,
                "conversation_duration": talk,
            })
        } else {
            json!({
                "from_number": c.from,
                "to_number": c.to,
                "user_name": c.user,
                "is_inbound": i32::from(c.inbound),
                "call_start_at": iso(c.start_ms),
                "call_duration": elapsed_s,
                "call_finished_at": finished,
                "conversation_duration": talk,
            })
        })
    }

    fn group_row(c: &GroupCall, v2: bool, now: i64) -> Option<Value> {
        let answer_at = c.start_ms + c.wait_s * 1000;
        let end = if c.status == "answered" {
            answer_at + c.talk_s * 1000
        } else {
            answer_at
        };
        // Listed once it has ended (a summary per call).
        if end > now {
            return None;
        }
        let name_key = if c.ring_group {
            "ring_group_name"
        } else {
            "queue_name"
        };
        let mut row = json!({
            "callerid": c.caller,
            "inbound_number": c.inbound_number,
            "call_start_at": iso(c.start_ms),
            "call_answered_at": (c.status == "answered").then(|| iso(answer_at)),
            "call_finished_at": iso(end),
            "answered_by_user_name": c.agent,
            "status": c.status,
        });
        row[name_key] = Value::String(c.group.clone());
        if v2 {
            row["unique_call_id"] = Value::String(c.id.clone());
        }
        Some(row)
    }
}

struct Shared {
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running VoIPcloud simulator.
#[derive(Clone)]
pub struct VoipcloudSim {
    /// e.g. `http://127.0.0.1:40124` (the client appends `/api/integration/v1`).
    pub base_url: String,
    /// The PBX's API token (a demo key).
    pub token: String,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for VoipcloudSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VoipcloudSim")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl VoipcloudSim {
    /// Every request so far (the most recent 20 000), oldest first.
    pub fn requests(&self) -> Vec<VoipcloudRequest> {
        self.shared.lock().requests.clone()
    }

    /// Requests answered 429 so far.
    pub fn throttled(&self) -> usize {
        self.shared
            .lock()
            .requests
            .iter()
            .filter(|r| r.status == 429)
            .count()
    }

    /// Replace the whitelist (None = loopback only, empty = nobody).
    pub fn set_whitelist(&self, list: Option<Vec<IpAddr>>) {
        self.shared.lock().opts.whitelist = list;
    }

    /// The next `n` requests fail with HTTP 500 and envelope code 0 ("Unknown error").
    pub fn inject_unknown_errors(&self, n: u32) {
        self.shared.lock().unknown_errors = n;
    }

    /// Users (name, extension) of the simulated PBX.
    pub fn users(&self) -> Vec<(String, String)> {
        USERS
            .iter()
            .map(|(n, e)| (n.to_string(), e.to_string()))
            .collect()
    }

    /// User calls currently live (call_finished_at null).
    pub fn live_user_calls(&self) -> usize {
        let st = self.shared.lock();
        let now = now_ms();
        st.user_calls
            .iter()
            .filter_map(|c| st.user_row(c, false, now))
            .filter(|r| r["call_finished_at"].is_null())
            .count()
    }
}

pub(crate) struct Handles {
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Handles {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub(crate) fn spawn(
    listener: tokio::net::TcpListener,
    seed: u64,
    opts: &VoipcloudOptions,
    faults: crate::Faults,
) -> std::io::Result<(VoipcloudSim, Handles)> {
    let addr = listener.local_addr()?;
    let base_url = match addr {
        SocketAddr::V6(a) => format!("http://[{}]:{}", a.ip(), a.port()),
        SocketAddr::V4(a) => format!("http://{}:{}", a.ip(), a.port()),
    };
    let state = State::seed(seed, opts, now_ms());
    let token = state.token.clone();
    let shared = Arc::new(Shared {
        state: Mutex::new(state),
    });
    let app = crate::faults::inject(
        Router::new().fallback(handle).with_state(shared.clone()),
        faults,
        crate::rng::Rng::derive(seed, 0xFA17),
        |_| error(500, "Request Failed"),
    );
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = rx.await;
        })
        .await;
    });
    Ok((
        VoipcloudSim {
            base_url,
            token,
            shared,
        },
        Handles { shutdown: Some(tx) },
    ))
}

fn envelope(http: u16, code: i64, message: &str, data: Value) -> Response {
    let status = if code == 200 { "success" } else { "error" };
    let body = json!({ "status": status, "message": message, "code": code, "data": data });
    let mut r = Response::new(Body::from(body.to_string()));
    *r.status_mut() = StatusCode::from_u16(http).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn error(http: u16, message: &str) -> Response {
    envelope(http, i64::from(http), message, json!([]))
}

/// `a=1&b=2` (percent- and plus-decoded) as a map.
fn pairs(encoded: &str) -> HashMap<String, String> {
    reqwest::Url::parse(&format!("http://sim/?{encoded}"))
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default()
}

fn query_map(uri: &Uri) -> HashMap<String, String> {
    uri.query().map(pairs).unwrap_or_default()
}

async fn handle(
    AxState(shared): AxState<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut st = shared.lock();
    let now = now_ms();
    st.advance(now);
    let query = query_map(&uri);
    let header_token = headers.get("token").and_then(|v| v.to_str().ok());
    let (response, header_auth) = respond(
        &mut st,
        peer.ip(),
        &method,
        &uri,
        &query,
        header_token,
        &headers,
        &body,
        now,
    );
    let status = response.status().as_u16();
    st.requests.push(VoipcloudRequest {
        method: method.to_string(),
        path: uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default(),
        status,
        header_auth,
        at: crate::window::now(),
    });
    if st.requests.len() > 20_000 {
        st.requests.drain(..10_000);
    }
    response
}

#[allow(clippy::too_many_arguments)]
fn respond(
    st: &mut State,
    peer: IpAddr,
    method: &Method,
    uri: &Uri,
    query: &HashMap<String, String>,
    header_token: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
    now: i64,
) -> (Response, bool) {
    let allowed = match &st.opts.whitelist {
        None => peer.is_loopback(),
        Some(list) => list.contains(&peer),
    };
    if !allowed {
        return (error(401, "Not authorised"), header_token.is_some());
    }
    let query_key = query
        .get("api_key")
        .filter(|_| st.opts.accept_api_key_query)
        .map(String::as_str);
    let presented = header_token.or(query_key);
    if presented != Some(st.token.as_str()) {
        return (error(401, "Authorization error"), header_token.is_some());
    }
    let header_auth = header_token.is_some();
    if let Err(retry) = st.limiter.check(&st.token.clone(), crate::window::now()) {
        let mut r = error(429, "Too Many Requests");
        if let Ok(v) = HeaderValue::from_str(&retry.to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return (r, header_auth);
    }
    if st.unknown_errors > 0 {
        st.unknown_errors -= 1;
        return (envelope(500, 0, "Unknown error", json!([])), header_auth);
    }
    let path = uri.path().trim_end_matches('/');
    let Some(rest) = path.strip_prefix("/api/integration/") else {
        return (error(404, "Tenant or required data not found"), header_auth);
    };
    let (version, op) = rest.split_once('/').unwrap_or((rest, ""));
    let v2 = match version {
        "v1" => false,
        "v2" => true,
        _ => return (error(404, "Tenant or required data not found"), header_auth),
    };
    let r = match (method.as_str(), op) {
        ("GET", "get-user-calls" | "get-queue-calls" | "get-ringgroup-calls") => {
            list(st, op, v2, query, now)
        }
        ("GET", "get-system-status") => envelope(
            200,
            200,
            "",
            json!({ "status": "operational", "incidents": [] }),
        ),
        ("POST", "call-to-number") => call_to_number(st, headers, body, now),
        _ => error(404, "Tenant or required data not found"),
    };
    (r, header_auth)
}

fn list(st: &mut State, op: &str, v2: bool, q: &HashMap<String, String>, now: i64) -> Response {
    let limit = match q.get("limit").map(|v| v.trim().parse::<u32>()) {
        None => 100,
        Some(Ok(n)) if (1..=10_000).contains(&n) => n,
        Some(_) => return error(400, "limit must be between 1 and 10000"),
    };
    let offset = match q.get("offset").map(|v| v.trim().parse::<usize>()) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => return error(400, "offset must be a whole number"),
    };
    let mut dates = [None, None];
    for (i, k) in ["from_date", "to_date"].iter().enumerate() {
        if let Some(v) = q.get(*k).filter(|v| !v.trim().is_empty()) {
            if v.trim().parse::<jiff::civil::Date>().is_err() {
                return error(400, &format!("{k} must be Y-m-d"));
            }
            dates[i] = Some(v.trim().to_string());
        }
    }
    let in_dates = |start: i64| {
        let d = ymd(start);
        dates[0].as_ref().is_none_or(|f| d >= *f) && dates[1].as_ref().is_none_or(|t| d <= *t)
    };
    let names = |k: &str| -> Option<Vec<String>> {
        q.get(k)
            .filter(|v| !v.trim().is_empty())
            .map(|v| v.split(',').map(|s| s.trim().to_string()).collect())
    };
    let mut rows: Vec<(i64, Value)> = match op {
        "get-user-calls" => {
            let users = names("users_names");
            st.user_calls
                .iter()
                .filter(|c| in_dates(c.start_ms))
                .filter(|c| users.as_ref().is_none_or(|u| u.contains(&c.user)))
                .filter_map(|c| st.user_row(c, v2, now).map(|r| (c.start_ms, r)))
                .collect()
        }
        _ => {
            let ring = op == "get-ringgroup-calls";
            let wanted = names(if ring {
                "ringgroups_names"
            } else {
                "queues_names"
            });
            st.group_calls
                .iter()
                .filter(|c| c.ring_group == ring && in_dates(c.start_ms))
                .filter(|c| wanted.as_ref().is_none_or(|w| w.contains(&c.group)))
                .filter_map(|c| State::group_row(c, v2, now).map(|r| (c.start_ms, r)))
                .collect()
        }
    };
    // Newest first.
    rows.sort_by_key(|r| std::cmp::Reverse(r.0));
    let page: Vec<Value> = rows
        .into_iter()
        .skip(offset)
        .take(limit as usize)
        .map(|(_, r)| r)
        .collect();
    envelope(200, 200, "", Value::Array(page))
}

/// The body as key/value pairs: JSON, form-urlencoded or multipart/form-data.
fn body_fields(headers: &HeaderMap, body: &[u8]) -> HashMap<String, String> {
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ctype.starts_with("multipart/form-data") {
        let text = String::from_utf8_lossy(body);
        let mut out = HashMap::new();
        for part in text.split("Content-Disposition:").skip(1) {
            let Some(name) = part
                .split("name=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
            else {
                continue;
            };
            let value = part
                .split_once("\r\n\r\n")
                .map(|(_, v)| v.split("\r\n--").next().unwrap_or("").trim().to_string())
                .unwrap_or_default();
            out.insert(name.to_string(), value);
        }
        return out;
    }
    if ctype.starts_with("application/x-www-form-urlencoded") {
        return pairs(&String::from_utf8_lossy(body));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => m
            .into_iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((k, s)),
                Value::Number(n) => Some((k, n.to_string())),
                _ => None,
            })
            .collect(),
        _ => HashMap::new(),
    }
}

fn call_to_number(st: &mut State, headers: &HeaderMap, body: &[u8], now: i64) -> Response {
    let f = body_fields(headers, body);
    let get = |k: &str| {
        f.get(k)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let (Some(user_number), Some(to)) = (get("user_number"), get("number_to_call")) else {
        return error(400, "user_number and number_to_call are required");
    };
    let digits = |s: &str| {
        !s.is_empty()
            && s.trim_start_matches('+')
                .bytes()
                .all(|b| b.is_ascii_digit())
    };
    if !digits(&user_number) || !digits(&to) {
        return error(400, "user_number and number_to_call must be numbers");
    }
    let Some((user, _)) = USERS.iter().find(|(_, n)| *n == user_number) else {
        return error(
            404,
            "Tenant or required data not found: no such user number",
        );
    };
    let id = st.id();
    let talk = st.opts.click_call_duration.as_secs() as i64;
    st.user_calls.push(UserCall {
        id: id.clone(),
        from: user_number.clone(),
        to: to.trim_start_matches('+').to_string(),
        user: (*user).to_string(),
        user_number: user_number.clone(),
        inbound: false,
        start_ms: now,
        ring_s: 0,
        answered: true,
        talk_s: talk.max(1),
    });
    envelope(
        200,
        200,
        "Call initiated",
        json!({ "call_id": id, "user": user, "number_to_call": to, "status": "initiated" }),
    )
}
