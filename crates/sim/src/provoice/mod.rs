//! ProVoice simulator (providers.md §5.3, seed 004): RPC-style operations as the last
//! path segment under `/api/` (`GET /api/getCustomers`, `POST /api/createForward`), GET
//! for reads and POST for create/update/delete, every answer a JSON array (single gets:
//! one element; deletes: `[]`), errors `{"error":{"code","message"}}`, the key in
//! `X-Api-Key` (or `Authorization: Bearer`), 60 requests a minute with 429.
//!
//! Call records are asynchronous: `getCustomerCallRecords` / `getCallRecords` answer 202
//! with the queued request id, and a queue task POSTs
//! `{"request_id","customer_id","records":[…]}` to the `callback` URL after a delay.
//!
//! Objects are kept as JSON maps (the wire form) and share no types with the client.

mod args;
pub use args::ProvoiceArgs;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State as AxState};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::rng::Rng;
use super::window::RateLimiter;

type Obj = Map<String, Value>;

/// ProVoice-specific simulator settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ProvoiceOptions {
    pub rate_limit_requests: u32,
    pub rate_limit_window: Duration,
    /// How long the processing queue takes before POSTing records to the callback.
    pub records_delay: Duration,
    /// Generated customers added below the seeded tree (load tests: a very large
    /// customer list). Each hangs under the wholesale customer or an earlier generated one.
    pub extra_customers: usize,
}

impl Default for ProvoiceOptions {
    fn default() -> Self {
        ProvoiceOptions {
            rate_limit_requests: 60,
            rate_limit_window: Duration::from_secs(60),
            records_delay: Duration::from_millis(1500),
            extra_customers: 0,
        }
    }
}

/// One request as the simulator saw it (path without the query).
#[derive(Debug, Clone, PartialEq)]
pub struct ProvoiceRequest {
    pub method: String,
    pub path: String,
    pub status: u16,
}

/// What happened to one queued records delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub request_id: String,
    pub callback: String,
    /// The consumer's answer (None: it could not be reached).
    pub status: Option<u16>,
    pub records: usize,
}

#[derive(Debug, Default)]
struct Collections {
    customers: Vec<Obj>,
    users: Vec<Obj>,
    destinations: Vec<Obj>,
    extensions: Vec<Obj>,
    forwards: Vec<Obj>,
    tariffplans: Vec<Obj>,
    whitelists: Vec<Obj>,
    limits: Vec<Obj>,
    domains: Vec<Obj>,
    records: Vec<Obj>,
    /// customer id → tariffplan id.
    plan_of: HashMap<u64, u64>,
}

#[derive(Debug)]
struct State {
    data: Collections,
    next_id: u64,
    key: String,
    limiter: RateLimiter,
    requests: Vec<ProvoiceRequest>,
    deliveries: Vec<Delivery>,
    throttled: u64,
    records_delay: Duration,
    rng: Rng,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running ProVoice simulator.
#[derive(Clone)]
pub struct ProvoiceSim {
    /// e.g. `http://127.0.0.1:40127/api` (the base URL a client is configured with).
    pub base_url: String,
    pub api_key: String,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for ProvoiceSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProvoiceSim")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl ProvoiceSim {
    pub fn requests(&self) -> Vec<ProvoiceRequest> {
        self.shared.lock().requests.clone()
    }
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.shared.lock().deliveries.clone()
    }
    pub fn throttled(&self) -> u64 {
        self.shared.lock().throttled
    }
    pub fn set_rate_limit(&self, requests: u32, window: Duration) {
        self.shared.lock().limiter.set(requests, window);
    }
    pub fn set_records_delay(&self, d: Duration) {
        self.shared.lock().records_delay = d;
    }
    /// The objects of one collection (`customers`, `forwards` …) as JSON.
    pub fn objects(&self, collection: &str) -> Vec<Value> {
        let st = self.shared.lock();
        coll(&st.data, collection)
            .map(|c| c.iter().cloned().map(Value::Object).collect())
            .unwrap_or_default()
    }
    /// Replaces a customer's `parent_id` (tests: orphans and cycles).
    pub fn set_parent(&self, customer: u64, parent: Option<u64>) {
        let mut st = self.shared.lock();
        if let Some(c) = st
            .data
            .customers
            .iter_mut()
            .find(|c| c.get("id").and_then(Value::as_u64) == Some(customer))
        {
            c.insert("parent_id".into(), parent.map_or(Value::Null, Value::from));
        }
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

fn obj(v: Value) -> Obj {
    match v {
        Value::Object(o) => o,
        _ => Obj::new(),
    }
}

fn coll<'a>(d: &'a Collections, name: &str) -> Option<&'a Vec<Obj>> {
    Some(match name {
        "customers" => &d.customers,
        "users" => &d.users,
        "destinations" => &d.destinations,
        "extensions" => &d.extensions,
        "forwards" => &d.forwards,
        "tariffplans" => &d.tariffplans,
        "whitelists" => &d.whitelists,
        "limits" => &d.limits,
        "domains" => &d.domains,
        "records" => &d.records,
        _ => return None,
    })
}

fn coll_mut<'a>(d: &'a mut Collections, name: &str) -> Option<&'a mut Vec<Obj>> {
    Some(match name {
        "customers" => &mut d.customers,
        "users" => &mut d.users,
        "destinations" => &mut d.destinations,
        "extensions" => &mut d.extensions,
        "forwards" => &mut d.forwards,
        "whitelists" => &mut d.whitelists,
        "limits" => &mut d.limits,
        _ => return None,
    })
}

fn seed(rng: &mut Rng, now_s: i64) -> (Collections, u64) {
    let mut d = Collections::default();
    let customers: [(u64, Option<u64>, &str, u64); 7] = [
        (1, None, "ProVoice Wholesale", 3),
        (2, Some(1), "Reseller Noord", 2),
        (3, Some(1), "Reseller Zuid", 2),
        (4, Some(2), "Bakkerij de Vries", 1),
        (5, Some(2), "Tandarts Jansen", 1),
        (6, Some(3), "Garage Peters", 2),
        (7, Some(6), "Garage Peters Filiaal", 1),
    ];
    for (id, name, cur) in [
        (1, "Standaard", "EUR"),
        (2, "Zakelijk", "EUR"),
        (3, "Wholesale", "EUR"),
    ] {
        d.tariffplans
            .push(obj(json!({"id": id, "name": name, "currency": cur})));
    }
    let mut next = 100u64;
    let mut id = || {
        next += 1;
        next
    };
    for (cid, parent, name, plan) in customers {
        d.customers.push(obj(json!({
            "id": cid, "parent_id": parent, "name": name, "active": cid != 5,
            "created": format!("2024-0{}-1{}T09:00:00Z", 1 + cid % 9, cid % 10),
        })));
        d.plan_of.insert(cid, plan);
        d.domains.push(obj(
            json!({"id": id(), "customer_id": cid, "name": format!("c{cid}.voip.example.nl")}),
        ));
        let n_users = if cid == 1 { 0 } else { 1 + (cid % 3) };
        let mut user_ids = Vec::new();
        for u in 0..n_users {
            let uid = id();
            user_ids.push(uid);
            d.users.push(obj(json!({
                "id": uid, "customer_id": cid,
                "username": format!("{}{}", ["anna", "bram", "cor", "daan"][(u as usize) % 4], cid),
                "password": rng.hex_lower(12),
                "callerid": format!("+3120{}", 5550000 + cid * 100 + u),
                "active": true,
            })));
        }
        if cid == 1 {
            continue;
        }
        let dest = id();
        d.destinations.push(obj(json!({
            "id": dest, "customer_id": cid, "user_id": null,
            "name": format!("pbx-{cid}"), "host": format!("10.{cid}.0.10"), "port": 5060,
            "transport": "udp", "active": true,
        })));
        if let Some(&u) = user_ids.first() {
            d.destinations.push(obj(json!({
                "id": id(), "customer_id": cid, "user_id": u,
                "name": format!("softphone-{u}"), "host": format!("sip{u}.example.nl"), "port": 5061,
                "transport": "tls", "active": cid % 2 == 0,
            })));
        }
        let mut exts = Vec::new();
        for (k, dir) in ["inbound", "outbound"].iter().enumerate() {
            let eid = id();
            exts.push(eid);
            d.extensions.push(obj(json!({
                "id": eid, "customer_id": cid, "user_id": user_ids.first(),
                "number": format!("+31207{:03}{:03}", cid, k), "direction": dir,
                "destination_id": dest,
            })));
        }
        d.forwards.push(obj(json!({
            "id": id(), "customer_id": cid, "user_id": null, "extension_id": exts[0],
            "target": format!("+3161234{:04}", cid), "type": "busy", "timeout": 0, "active": true,
        })));
        if let Some(&u) = user_ids.first() {
            d.forwards.push(obj(json!({
                "id": id(), "customer_id": cid, "user_id": u, "extension_id": null,
                "target": format!("+3165555{:04}", u), "type": "noanswer", "timeout": 20, "active": true,
            })));
            d.limits.push(obj(json!({
                "id": id(), "customer_id": cid, "user_id": u, "type": "concurrent_calls", "value": 2, "period": "minute",
            })));
        }
        d.limits.push(obj(json!({
            "id": id(), "customer_id": cid, "user_id": null, "type": "minutes", "value": 3000 * cid, "period": "month",
        })));
        d.whitelists.push(obj(json!({
            "id": id(), "customer_id": cid, "user_id": null, "prefix": "+31", "description": "Netherlands",
        })));
        if cid % 2 == 0 {
            d.whitelists.push(obj(json!({
                "id": id(), "customer_id": cid, "user_id": null, "ip": format!("192.0.2.{cid}"), "description": "office",
            })));
        }
        // Call records of the last week.
        for _ in 0..(6 + rng.below(8)) {
            let start = now_s - rng.range(300, 7 * 86_400) as i64;
            let ring = rng.range(2, 20) as i64;
            let disp = rng
                .pick(&[
                    "ANSWERED",
                    "ANSWERED",
                    "ANSWERED",
                    "BUSY",
                    "NO ANSWER",
                    "FAILED",
                ])
                .unwrap_or("ANSWERED");
            let talk = if disp == "ANSWERED" {
                rng.range(10, 900) as i64
            } else {
                0
            };
            let fmt = |s: i64| {
                jiff::Timestamp::from_second(s)
                    .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
                    .unwrap_or_default()
            };
            let inbound = rng.chance(0.5);
            let ext = format!("+31207{:03}000", cid);
            let other = format!("+316{}", rng.digits(8));
            d.records.push(obj(json!({
                "id": id(), "customer_id": cid, "user_id": user_ids.first(),
                "caller": if inbound { other.clone() } else { ext.clone() },
                "callee": if inbound { ext } else { other },
                "start": fmt(start),
                "answer": if talk > 0 { Value::from(fmt(start + ring)) } else { Value::Null },
                "end": fmt(start + ring + talk),
                "duration": ring + talk, "billsec": talk, "disposition": disp,
                "direction": if inbound { "inbound" } else { "outbound" },
                "cost": format!("{:.4}", talk as f64 * 0.0002),
            })));
        }
    }
    (d, next)
}

/// Ids of generated customers start here (far above every seeded or created id).
const GENERATED_FIRST_ID: u64 = 10_000_000;

/// `n` more customers in a random tree under the wholesale customer (id 1).
fn add_generated_customers(d: &mut Collections, n: usize, rng: &mut Rng) {
    d.customers.reserve(n);
    for i in 0..n as u64 {
        let id = GENERATED_FIRST_ID + i;
        // Under the root or any earlier generated customer: a shallow, wide tree.
        let parent = match rng.below(i + 1) {
            0 => 1,
            k => GENERATED_FIRST_ID + k - 1,
        };
        d.customers.push(obj(json!({
            "id": id, "parent_id": parent, "name": format!("Klant {id}"), "active": true,
        })));
        d.plan_of.insert(id, 1);
    }
}

pub(crate) fn spawn(
    listener: tokio::net::TcpListener,
    seed_value: u64,
    opts: &ProvoiceOptions,
    faults: super::Faults,
) -> std::io::Result<(ProvoiceSim, Handles)> {
    let addr = listener.local_addr()?;
    let mut rng = Rng::new(seed_value);
    let now_s = jiff::Timestamp::now().as_second();
    let (mut data, next_id) = seed(&mut rng, now_s);
    add_generated_customers(&mut data, opts.extra_customers, &mut rng);
    let key = format!("pv_{}", rng.hex_lower(32));
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            data,
            next_id,
            key: key.clone(),
            limiter: RateLimiter::new(opts.rate_limit_requests, opts.rate_limit_window),
            requests: Vec::new(),
            deliveries: Vec::new(),
            throttled: 0,
            records_delay: opts.records_delay,
            rng,
        }),
    });
    let base = match addr {
        std::net::SocketAddr::V6(a) => format!("http://[{}]:{}/api", a.ip(), a.port()),
        std::net::SocketAddr::V4(a) => format!("http://{}:{}/api", a.ip(), a.port()),
    };
    let app = super::faults::inject(
        Router::new().fallback(handle).with_state(shared.clone()),
        faults,
        Rng::derive(seed_value, 0xFA17),
        |_| error(StatusCode::INTERNAL_SERVER_ERROR, "Request Failed"),
    );
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
    });
    Ok((
        ProvoiceSim {
            base_url: base,
            api_key: key,
            shared,
        },
        Handles { shutdown: Some(tx) },
    ))
}

fn respond(status: StatusCode, body: Value) -> Response {
    let mut r = Response::new(Body::from(body.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn error(status: StatusCode, message: &str) -> Response {
    respond(
        status,
        json!({"error": {"code": status.as_u16(), "message": message}}),
    )
}

fn parse_query(q: Option<&str>) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for pair in q.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        out.insert(decode(k), decode(v));
    }
    out
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(
                    std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"),
                    16,
                ) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn id_of(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn by_id(list: &[Obj], id: u64) -> Vec<Value> {
    list.iter()
        .filter(|o| id_of(o.get("id")) == Some(id))
        .cloned()
        .map(Value::Object)
        .collect()
}

fn by_field(list: &[Obj], field: &str, id: u64) -> Vec<Value> {
    list.iter()
        .filter(|o| id_of(o.get(field)) == Some(id))
        .cloned()
        .map(Value::Object)
        .collect()
}

const MAX_BODY: usize = 256 * 1024;

async fn handle(AxState(shared): AxState<Arc<Shared>>, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = parse_query(req.uri().query());
    let key_ok = {
        let st = shared.lock();
        let h = req.headers();
        let api = h.get("x-api-key").and_then(|v| v.to_str().ok());
        let bearer = h
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        api == Some(st.key.as_str()) || bearer == Some(st.key.as_str())
    };
    let body = axum::body::to_bytes(req.into_body(), MAX_BODY)
        .await
        .unwrap_or_default();
    let mut st = shared.lock();
    let r = route(&mut st, &shared, &method, &path, &query, &body, key_ok);
    st.requests.push(ProvoiceRequest {
        method: method.to_string(),
        path: path.clone(),
        status: r.status().as_u16(),
    });
    if st.requests.len() > 20_000 {
        st.requests.drain(..10_000);
    }
    r
}

fn route(
    st: &mut State,
    shared: &Arc<Shared>,
    method: &Method,
    path: &str,
    q: &HashMap<String, String>,
    body: &[u8],
    key_ok: bool,
) -> Response {
    let Some(op) = path.strip_prefix("/api/").filter(|o| !o.contains('/')) else {
        return error(
            StatusCode::NOT_FOUND,
            "unknown path: requests are /api/<operation>",
        );
    };
    if !key_ok {
        return error(StatusCode::UNAUTHORIZED, "missing or invalid API key");
    }
    if let Err(retry) = st.limiter.check("key", crate::window::now()) {
        st.throttled += 1;
        let mut r = error(
            StatusCode::TOO_MANY_REQUESTS,
            "rate limit exceeded: 60 requests per minute",
        );
        if let Ok(v) = HeaderValue::from_str(&retry.max(1).to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return r;
    }
    let is_read = op.starts_with("get");
    let wants = if is_read { Method::GET } else { Method::POST };
    if *method != wants {
        return error(
            StatusCode::METHOD_NOT_ALLOWED,
            &format!("{op} must be called with {wants}"),
        );
    }
    if is_read {
        read(st, shared, op, q)
    } else {
        let Ok(Value::Object(input)) = serde_json::from_slice::<Value>(body) else {
            return error(StatusCode::BAD_REQUEST, "body must be a JSON object");
        };
        write(st, op, input)
    }
}

/// A refusal: status and message (rendered by [`error`]).
type Fail = (StatusCode, String);

fn fail(f: Fail) -> Response {
    error(f.0, &f.1)
}

fn need(q: &HashMap<String, String>, key: &str) -> Result<u64, Fail> {
    q.get(key)
        .or_else(|| q.get("id"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| {
            (
                StatusCode::BAD_REQUEST,
                format!("parameter {key} is required (a number)"),
            )
        })
}

fn ok(list: Vec<Value>) -> Response {
    respond(StatusCode::OK, Value::Array(list))
}

fn one(list: Vec<Value>, what: &str) -> Response {
    if list.is_empty() {
        error(StatusCode::NOT_FOUND, &format!("{what} not found"))
    } else {
        ok(list)
    }
}

fn read(st: &mut State, shared: &Arc<Shared>, op: &str, q: &HashMap<String, String>) -> Response {
    let d = &st.data;
    let customer_exists = |id: u64| d.customers.iter().any(|c| id_of(c.get("id")) == Some(id));
    let per_customer = |list: &[Obj]| -> Response {
        match need(q, "customer_id") {
            Ok(c) if customer_exists(c) => ok(by_field(list, "customer_id", c)),
            Ok(c) => error(StatusCode::NOT_FOUND, &format!("customer {c} not found")),
            Err(f) => fail(f),
        }
    };
    let single = |list: &[Obj], key: &str, what: &str| -> Response {
        match need(q, key) {
            Ok(id) => one(by_id(list, id), &format!("{what} {id}")),
            Err(f) => fail(f),
        }
    };
    match op {
        "getCustomers" => ok(d.customers.iter().cloned().map(Value::Object).collect()),
        "getCustomer" => single(&d.customers, "customer_id", "customer"),
        "getCustomerCustomers" => per_customer_parent(d, q),
        "getCustomerUsers" => per_customer(&d.users),
        "getCustomerForwards" => per_customer(&d.forwards),
        "getCustomerDomains" => per_customer(&d.domains),
        "getCustomerExtensions" => per_customer(&d.extensions),
        "getCustomerWhitelists" => per_customer(&d.whitelists),
        "getCustomerLimits" => per_customer(&d.limits),
        "getCustomerDestinations" => per_customer(&d.destinations),
        "getCustomerTariffplans" => match need(q, "customer_id") {
            Ok(c) if customer_exists(c) => {
                let plan = d.plan_of.get(&c).copied().unwrap_or(0);
                ok(by_id(&d.tariffplans, plan))
            }
            Ok(c) => error(StatusCode::NOT_FOUND, &format!("customer {c} not found")),
            Err(f) => fail(f),
        },
        "getUser" => single(&d.users, "user_id", "user"),
        "getUserExtensions" => match need(q, "user_id") {
            Ok(u) => ok(by_field(&d.extensions, "user_id", u)),
            Err(f) => fail(f),
        },
        "getUserLimits" => match need(q, "user_id") {
            Ok(u) => ok(by_field(&d.limits, "user_id", u)),
            Err(f) => fail(f),
        },
        "getDestination" => single(&d.destinations, "destination_id", "destination"),
        "getTariffplan" => single(&d.tariffplans, "tariffplan_id", "tariffplan"),
        "getDomain" => single(&d.domains, "domain_id", "domain"),
        "getLimit" => single(&d.limits, "limit_id", "limit"),
        "getWhitelist" => single(&d.whitelists, "whitelist_id", "whitelist"),
        "getExtension" => single(&d.extensions, "extension_id", "extension"),
        "getForward" => single(&d.forwards, "forward_id", "forward"),
        "getCallRecords" | "getCustomerCallRecords" => queue_records(st, shared, op, q),
        other => error(StatusCode::NOT_FOUND, &format!("unknown operation {other}")),
    }
}

fn per_customer_parent(d: &Collections, q: &HashMap<String, String>) -> Response {
    match need(q, "customer_id") {
        Ok(c) => ok(by_field(&d.customers, "parent_id", c)),
        Err(f) => fail(f),
    }
}

fn queue_records(
    st: &mut State,
    shared: &Arc<Shared>,
    op: &str,
    q: &HashMap<String, String>,
) -> Response {
    let customer = if op == "getCustomerCallRecords" {
        match need(q, "customer_id") {
            Ok(c) => Some(c),
            Err(f) => return fail(f),
        }
    } else {
        None
    };
    let Some(callback) = q
        .get("callback")
        .filter(|c| c.starts_with("http://") || c.starts_with("https://"))
    else {
        return error(
            StatusCode::BAD_REQUEST,
            "parameter callback (an http(s) URL) is required",
        );
    };
    let request_id = q
        .get("request_id")
        .filter(|r| !r.trim().is_empty())
        .cloned()
        .unwrap_or_else(|| format!("pv-{}", st.rng.hex_lower(16)));
    let records: Vec<Value> = st
        .data
        .records
        .iter()
        .filter(|r| customer.is_none_or(|c| id_of(r.get("customer_id")) == Some(c)))
        .cloned()
        .map(Value::Object)
        .collect();
    let payload = json!({"request_id": request_id, "customer_id": customer, "records": records});
    let delay = st.records_delay;
    let weak = Arc::downgrade(shared);
    let (rid, url) = (request_id.clone(), callback.clone());
    let n = records_len(&payload);
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build();
        let status = match client {
            Ok(c) => c
                .post(&url)
                .header("content-type", "application/json")
                .body(payload.to_string())
                .send()
                .await
                .ok()
                .map(|r| r.status().as_u16()),
            Err(_) => None,
        };
        if let Some(shared) = weak.upgrade() {
            shared.lock().deliveries.push(Delivery {
                request_id: rid,
                callback: url,
                status,
                records: n,
            });
        }
    });
    respond(
        StatusCode::ACCEPTED,
        json!([{"request_id": request_id, "status": "queued"}]),
    )
}

fn records_len(v: &Value) -> usize {
    v.get("records")
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

/// (collection, required fields, allowed values per field).
fn schema(op: &str) -> Option<(&'static str, &'static [&'static str])> {
    let kind = op
        .trim_start_matches("create")
        .trim_start_matches("update")
        .trim_start_matches("delete");
    Some(match kind {
        "Customer" => ("customers", &["name"]),
        "User" => ("users", &["customer_id", "username"]),
        "Destination" => ("destinations", &["customer_id", "name", "host", "port"]),
        "Limit" => ("limits", &["customer_id", "type", "value", "period"]),
        "Whitelist" => ("whitelists", &["customer_id"]),
        "Extension" => ("extensions", &["customer_id", "number", "direction"]),
        "Forward" => ("forwards", &["customer_id", "target", "type"]),
        _ => return None,
    })
}

const OPERATIONS: &[&str] = &[
    "createCustomer",
    "updateCustomer",
    "createUser",
    "updateUser",
    "createDestination",
    "updateDestination",
    "deleteDestination",
    "createLimit",
    "updateLimit",
    "createWhitelist",
    "updateWhitelist",
    "deleteWhitelist",
    "createExtension",
    "updateExtension",
    "deleteExtension",
    "createForward",
    "updateForward",
    "deleteForward",
];

fn check(st: &State, coll: &str, o: &Obj) -> Result<(), Fail> {
    let bad = |m: String| Err((StatusCode::UNPROCESSABLE_ENTITY, m));
    if let Some(c) = o.get("customer_id") {
        let c = id_of(Some(c));
        if !c.is_some_and(|c| {
            st.data
                .customers
                .iter()
                .any(|x| id_of(x.get("id")) == Some(c))
        }) {
            return Err((
                StatusCode::NOT_FOUND,
                "customer_id names no customer".into(),
            ));
        }
    }
    if let Some(u) = o.get("user_id").filter(|u| !u.is_null())
        && !st
            .data
            .users
            .iter()
            .any(|x| id_of(x.get("id")) == id_of(Some(u)))
    {
        return Err((StatusCode::NOT_FOUND, "user_id names no user".into()));
    }
    match coll {
        "destinations" => {
            if !o
                .get("port")
                .and_then(Value::as_u64)
                .is_some_and(|p| (1..=65535).contains(&p))
            {
                return bad("port must be 1-65535".into());
            }
            if let Some(t) = o.get("transport").and_then(Value::as_str)
                && !["udp", "tcp", "tls"].contains(&t)
            {
                return bad(format!("transport {t} is not udp, tcp or tls"));
            }
        }
        "extensions" => {
            let dir = o.get("direction").and_then(Value::as_str).unwrap_or("");
            if !["inbound", "outbound"].contains(&dir) {
                return bad("direction must be inbound or outbound".into());
            }
            if let Some(dest) = o.get("destination_id").filter(|d| !d.is_null())
                && !st
                    .data
                    .destinations
                    .iter()
                    .any(|x| id_of(x.get("id")) == id_of(Some(dest)))
            {
                return Err((
                    StatusCode::NOT_FOUND,
                    "destination_id names no destination".into(),
                ));
            }
        }
        "forwards" => {
            let t = o.get("type").and_then(Value::as_str).unwrap_or("");
            if !["always", "busy", "noanswer", "unavailable"].contains(&t) {
                return bad("type must be always, busy, noanswer or unavailable".into());
            }
        }
        "whitelists" => {
            let has = |k: &str| {
                o.get(k)
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.is_empty())
            };
            if !has("prefix") && !has("ip") {
                return bad("a whitelist needs a prefix or an ip".into());
            }
        }
        "customers" => {
            if let Some(p) = o.get("parent_id").filter(|p| !p.is_null())
                && !st
                    .data
                    .customers
                    .iter()
                    .any(|x| id_of(x.get("id")) == id_of(Some(p)))
            {
                return Err((StatusCode::NOT_FOUND, "parent_id names no customer".into()));
            }
        }
        _ => {}
    }
    Ok(())
}

fn write(st: &mut State, op: &str, input: Obj) -> Response {
    if !OPERATIONS.contains(&op) {
        return error(StatusCode::NOT_FOUND, &format!("unknown operation {op}"));
    }
    let Some((coll, required)) = schema(op) else {
        return error(StatusCode::NOT_FOUND, &format!("unknown operation {op}"));
    };
    if op.starts_with("create") {
        for r in required {
            if input
                .get(*r)
                .is_none_or(|v| v.is_null() || v.as_str() == Some(""))
            {
                return error(StatusCode::BAD_REQUEST, &format!("{r} is required"));
            }
        }
        if let Err(f) = check(st, coll, &input) {
            return fail(f);
        }
        st.next_id += 1;
        let mut o = input;
        o.insert("id".into(), Value::from(st.next_id));
        if let Some(list) = coll_mut(&mut st.data, coll) {
            list.push(o.clone());
        }
        return ok(vec![Value::Object(o)]);
    }
    let Some(id) = id_of(input.get("id")) else {
        return error(StatusCode::BAD_REQUEST, "id is required");
    };
    let pos = coll_mut(&mut st.data, coll)
        .and_then(|l| l.iter().position(|o| id_of(o.get("id")) == Some(id)));
    let Some(pos) = pos else {
        return error(
            StatusCode::NOT_FOUND,
            &format!("{} {id} not found", coll.trim_end_matches('s')),
        );
    };
    if op.starts_with("delete") {
        if let Some(l) = coll_mut(&mut st.data, coll) {
            l.remove(pos);
        }
        return ok(Vec::new());
    }
    let mut merged = coll_mut(&mut st.data, coll)
        .and_then(|l| l.get(pos).cloned())
        .unwrap_or_default();
    for (k, v) in input {
        merged.insert(k, v);
    }
    if let Err(f) = check(st, coll, &merged) {
        return fail(f);
    }
    if let Some(l) = coll_mut(&mut st.data, coll) {
        l[pos] = merged.clone();
    }
    ok(vec![Value::Object(merged)])
}
