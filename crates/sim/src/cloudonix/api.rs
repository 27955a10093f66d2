//! Request handling: routing, key scopes, rate limiting and the endpoint handlers.
//! Everything here is synchronous and runs under the state lock; it never panics on
//! request data.

use std::time::Instant;

use serde_json::{Map, Value, json};

use crate::faults::{FaultKind, Roll};

use super::state::{App, Dnid, State, Trunk};
use super::wire;
use super::{KeyScope, RecordedRequest};

/// What to send back, before fault injection.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reply {
    Json(u16, Value),
    NoContent,
    Error(u16, String),
    /// 429 with `Retry-After` seconds.
    Throttled(u64),
}

impl Reply {
    pub fn status(&self) -> u16 {
        match self {
            Reply::Json(s, _) | Reply::Error(s, _) => *s,
            Reply::NoContent => 204,
            Reply::Throttled(_) => 429,
        }
    }

    pub(super) fn ok(v: Value) -> Reply {
        Reply::Json(200, v)
    }

    pub(super) fn bad(msg: impl Into<String>) -> Reply {
        Reply::Error(400, msg.into())
    }

    pub(super) fn not_found() -> Reply {
        Reply::Error(404, "Not Found".into())
    }

    fn forbidden() -> Reply {
        Reply::Error(403, "Forbidden: key lacks scope for this resource".into())
    }
}

pub(crate) struct Incoming<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub authorization: Option<&'a str>,
    pub body: &'a [u8],
}

pub(crate) struct Outcome {
    pub reply: Reply,
    pub fault: Option<FaultKind>,
    pub shape: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Trunks,
    Dnids,
    Applications,
    Subscribers,
    Sessions,
}

impl Kind {
    fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "trunks" => Kind::Trunks,
            "dnids" => Kind::Dnids,
            "applications" => Kind::Applications,
            "subscribers" => Kind::Subscribers,
            "sessions" => Kind::Sessions,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    Customer(String),
    Domains(String),
    Domain(String, String),
    Collection(String, String, Kind),
    Item(String, String, Kind, String),
    CurrentCalls(String),
    LegacySessions(String),
    LegacySession(String, String),
    ClickToCall(String),
    Outgoing(String, String),
    SwitchApplication(String, String),
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_route(path: &str) -> Option<Route> {
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let o = |x: &str| x.to_string();
    Some(match s.as_slice() {
        ["customers", c] => Route::Customer(o(c)),
        ["customers", c, "domains"] => Route::Domains(o(c)),
        ["customers", c, "domains", d] => Route::Domain(o(c), o(d)),
        ["customers", c, "domains", d, k] => Route::Collection(o(c), o(d), Kind::parse(k)?),
        ["customers", c, "domains", d, k, id] => Route::Item(o(c), o(d), Kind::parse(k)?, o(id)),
        ["customers", c, "reports", "current-calls"] => Route::CurrentCalls(o(c)),
        ["calls", d, "sessions"] => Route::LegacySessions(o(d)),
        ["calls", d, "sessions", t] => Route::LegacySession(o(d), o(t)),
        ["calls", d, "application"] => Route::ClickToCall(o(d)),
        ["calls", d, "outgoing", m] => Route::Outgoing(o(d), o(m)),
        ["calls", d, "sessions", t, "application"] => Route::SwitchApplication(o(d), o(t)),
        _ => return None,
    })
}

fn method_allowed(route: &Route, method: &str) -> bool {
    let allowed: &[&str] = match route {
        Route::Customer(_) | Route::Domains(_) | Route::Domain(..) | Route::CurrentCalls(_) => {
            &["GET"]
        }
        Route::Collection(_, _, Kind::Sessions) => &["GET"],
        Route::Collection(..) => &["GET", "POST"],
        Route::Item(_, _, Kind::Sessions, _) => &["GET", "DELETE"],
        Route::Item(..) => &["GET", "PUT", "DELETE"],
        Route::LegacySessions(_) => &["GET"],
        Route::LegacySession(..) => &["GET", "DELETE"],
        Route::ClickToCall(_) | Route::Outgoing(..) | Route::SwitchApplication(..) => &["POST"],
    };
    allowed.contains(&method)
}

/// Extract the key from `Authorization: Bearer <key>` (scheme case-insensitive).
fn bearer(header: Option<&str>) -> Option<&str> {
    let h = header?.trim();
    let (scheme, rest) = h.split_once(char::is_whitespace)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let key = rest.trim();
    (!key.is_empty()).then_some(key)
}

/// Identify the key scope of a request without processing it.
pub(crate) fn scope_of(state: &State, authorization: Option<&str>) -> KeyScope {
    match bearer(authorization) {
        None => KeyScope::Missing,
        Some(k) => state.keys.scope_of(k),
    }
}

impl State {
    /// Process one request at (`now`, `now_ms`) and record it.
    pub fn process(&mut self, req: &Incoming<'_>, now: Instant, now_ms: u64) -> Outcome {
        self.advance(now_ms);
        let roll = Roll::draw(&self.faults, &mut self.fault_rng);
        let scope = scope_of(self, req.authorization);
        let (reply, fault) = if roll.error {
            (
                Reply::Error(500, "Request Failed".into()),
                Some(FaultKind::Error),
            )
        } else {
            let reply = self.respond(req, scope, now, now_ms);
            let fault = match &reply {
                Reply::Json(200, _) if roll.dropped => Some(FaultKind::Dropped),
                Reply::Json(200, _) if roll.malformed => Some(FaultKind::Malformed),
                _ => None,
            };
            (reply, fault)
        };
        if matches!(reply, Reply::Throttled(_)) {
            self.throttled += 1;
        }
        let path = match req.query {
            Some(q) => format!("{}?{}", req.path, q),
            None => req.path.to_string(),
        };
        self.record(RecordedRequest {
            method: req.method.to_string(),
            path,
            scope,
            status: reply.status(),
            at: std::time::SystemTime::now(),
            fault,
        });
        Outcome {
            reply,
            fault,
            shape: roll.shape,
        }
    }

    fn respond(&mut self, req: &Incoming<'_>, scope: KeyScope, now: Instant, now_ms: u64) -> Reply {
        if matches!(scope, KeyScope::Missing | KeyScope::Invalid) {
            return Reply::Error(401, "Unauthorized".into());
        }
        let Some(route) = parse_route(req.path) else {
            return Reply::not_found();
        };
        if !method_allowed(&route, req.method) {
            return Reply::Error(405, "Method Not Allowed".into());
        }
        // Resolve the customer and domain named in the path.
        let (customer, domain) = match &route {
            Route::Customer(c) | Route::Domains(c) | Route::CurrentCalls(c) => (Some(c), None),
            Route::Domain(c, d) | Route::Collection(c, d, _) | Route::Item(c, d, _, _) => {
                (Some(c), Some(d))
            }
            Route::LegacySessions(d)
            | Route::LegacySession(d, _)
            | Route::ClickToCall(d)
            | Route::Outgoing(d, _)
            | Route::SwitchApplication(d, _) => (None, Some(d)),
        };
        if customer.is_some_and(|c| !self.customer_matches(c)) {
            return Reply::not_found();
        }
        let di = match domain {
            Some(d) => match self.find_domain(d) {
                Some(i) => Some(i),
                None => return Reply::not_found(),
            },
            None => None,
        };
        if !self.allowed(scope, &route, di) {
            return Reply::forbidden();
        }
        let bucket = match di {
            Some(i) => format!("domain:{}", self.domains[i].id),
            None => format!("key:{}", bearer(req.authorization).unwrap_or_default()),
        };
        if let Err(secs) = self.limiter.check(&bucket, now) {
            return Reply::Throttled(secs);
        }
        let di = di.unwrap_or(0);
        match route {
            Route::Customer(_) => Reply::ok(wire::customer(&self.customer)),
            Route::Domains(_) => Reply::ok(Value::Array(
                self.domains
                    .iter()
                    .map(|d| wire::domain(d, &self.customer))
                    .collect(),
            )),
            Route::Domain(..) => Reply::ok(wire::domain(&self.domains[di], &self.customer)),
            Route::CurrentCalls(_) => self.current_calls(now_ms),
            Route::Collection(_, _, kind) => match req.method {
                "POST" => self.create(di, kind, req.body, now_ms),
                _ => self.list(di, kind, now_ms),
            },
            Route::Item(_, _, kind, id) => match req.method {
                "PUT" => self.update(di, kind, &id, req.body, now_ms),
                "DELETE" => self.delete(di, kind, &id, now_ms),
                _ => self.get(di, kind, &id, now_ms),
            },
            Route::LegacySessions(_) => self.legacy_sessions(di, req.query, now_ms),
            Route::LegacySession(_, token) => match req.method {
                "DELETE" => self.delete(di, Kind::Sessions, &token, now_ms),
                _ => self.get(di, Kind::Sessions, &token, now_ms),
            },
            Route::ClickToCall(_) => self.click_to_call(di, req.body, now_ms),
            Route::Outgoing(_, msisdn) => self.outgoing_call(di, &msisdn, req.body, now_ms),
            Route::SwitchApplication(_, token) => {
                self.switch_application(di, &token, req.body, now_ms)
            }
        }
    }

    fn allowed(&self, scope: KeyScope, route: &Route, di: Option<usize>) -> bool {
        match scope {
            KeyScope::Customer => true,
            KeyScope::Domain => di == Some(0),
            KeyScope::Subscriber => {
                let (sdi, sid) = self.keys.subscriber_of;
                match route {
                    Route::Item(_, _, Kind::Subscribers, key) if di == Some(sdi) => self.domains
                        [sdi]
                        .find_subscriber(key)
                        .is_some_and(|i| self.domains[sdi].subscribers[i].id == sid),
                    _ => false,
                }
            }
            KeyScope::Missing | KeyScope::Invalid => false,
        }
    }

    fn current_calls(&self, now_ms: u64) -> Reply {
        let today = wire::date(now_ms);
        let day_start = now_ms - now_ms % 86_400_000;
        let concurrency: usize = self.domains.iter().map(|d| d.live_count(now_ms)).sum();
        let count: usize = self
            .domains
            .iter()
            .flat_map(|d| d.sessions.iter())
            .filter(|s| s.plan.start_ms >= day_start && s.plan.start_ms <= now_ms)
            .count();
        Reply::ok(json!([{"date": today, "concurrency": concurrency, "count": count}]))
    }

    fn list(&self, di: usize, kind: Kind, now_ms: u64) -> Reply {
        let d = &self.domains[di];
        let tenant = self.customer.id;
        Reply::ok(match kind {
            Kind::Trunks => d.trunks.iter().map(|t| wire::trunk(t, d, tenant)).collect(),
            Kind::Dnids => d.dnids.iter().map(|n| wire::dnid(n, d)).collect(),
            Kind::Applications => d.apps.iter().map(|a| wire::app_in(a, d)).collect(),
            Kind::Subscribers => d
                .subscribers
                .iter()
                .map(|s| wire::subscriber(s, d))
                .collect(),
            // "Will list all sessions, both active and inactive": no cap but the kept
            // sessions' (`max_sessions`); only the legacy path takes `limit`.
            Kind::Sessions => wire::session_list(d, now_ms, usize::MAX, |_| true),
        })
    }

    fn get(&self, di: usize, kind: Kind, id: &str, now_ms: u64) -> Reply {
        let d = &self.domains[di];
        let v = match kind {
            Kind::Trunks => d
                .find_trunk(id)
                .map(|i| wire::trunk(&d.trunks[i], d, self.customer.id)),
            Kind::Dnids => d.find_dnid(id).map(|i| wire::dnid(&d.dnids[i], d)),
            Kind::Applications => d.find_app(id).map(|i| wire::app_in(&d.apps[i], d)),
            Kind::Subscribers => d
                .find_subscriber(id)
                .map(|i| wire::subscriber(&d.subscribers[i], d)),
            Kind::Sessions => d
                .find_session(id)
                .filter(|i| d.sessions[*i].plan.start_ms <= now_ms)
                .map(|i| wire::session(&d.sessions[i], d, now_ms)),
        };
        v.map_or_else(Reply::not_found, Reply::ok)
    }

    fn legacy_sessions(&self, di: usize, query: Option<&str>, now_ms: u64) -> Reply {
        let mut by_direction: Option<String> = None;
        let mut limit = 1000usize;
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "by_direction" => {
                    let v = percent_decode(v).to_ascii_lowercase();
                    if !matches!(v.as_str(), "incoming" | "outgoing" | "application") {
                        return Reply::bad(format!("Invalid by_direction value '{v}'"));
                    }
                    by_direction = Some(v);
                }
                "limit" => match v.parse::<usize>() {
                    Ok(n) => limit = n.min(1000),
                    Err(_) => return Reply::bad("Invalid limit value"),
                },
                _ => {}
            }
        }
        let d = &self.domains[di];
        Reply::ok(wire::session_list(d, now_ms, limit, |s| {
            let dir = s.direction.to_ascii_lowercase();
            match by_direction.as_deref() {
                None => true,
                Some("incoming") => dir == "inbound" || dir == "incoming",
                Some("outgoing") => dir.starts_with("outbound") || dir == "outgoing",
                Some(_) => dir == "application" || dir == "outbound-api",
            }
        }))
    }

    fn delete(&mut self, di: usize, kind: Kind, id: &str, now_ms: u64) -> Reply {
        if kind == Kind::Subscribers {
            return self.delete_subscriber(di, id);
        }
        let d = &mut self.domains[di];
        let found = match kind {
            Kind::Trunks => d.find_trunk(id).map(|i| {
                d.trunks.remove(i);
            }),
            Kind::Dnids => d.find_dnid(id).map(|i| {
                d.dnids.remove(i);
            }),
            Kind::Applications => d.find_app(id).map(|i| {
                d.apps.remove(i);
            }),
            Kind::Subscribers => None,
            Kind::Sessions => match d.find_session(id) {
                Some(i) if d.sessions[i].plan.hang_up(now_ms) => Some(()),
                _ => None,
            },
        };
        found.map_or_else(Reply::not_found, |_| Reply::NoContent)
    }

    fn create(&mut self, di: usize, kind: Kind, body: &[u8], now_ms: u64) -> Reply {
        let obj = match json_object(body) {
            Ok(o) => o,
            Err(r) => return r,
        };
        match kind {
            Kind::Trunks => self.create_trunk(di, &obj, now_ms),
            Kind::Dnids => self.create_dnid(di, &obj, now_ms),
            Kind::Applications => self.create_app(di, &obj, now_ms),
            Kind::Subscribers => self.create_subscriber(di, body, now_ms),
            Kind::Sessions => Reply::Error(405, "Method Not Allowed".into()),
        }
    }

    fn update(&mut self, di: usize, kind: Kind, id: &str, body: &[u8], now_ms: u64) -> Reply {
        let obj = match json_object(body) {
            Ok(o) => o,
            Err(r) => return r,
        };
        match kind {
            Kind::Trunks => self.update_trunk(di, id, &obj, now_ms),
            Kind::Dnids => self.update_dnid(di, id, &obj, now_ms),
            Kind::Applications => self.update_app(di, id, &obj, now_ms),
            Kind::Subscribers => self.update_subscriber(di, id, body, now_ms),
            Kind::Sessions => Reply::Error(405, "Method Not Allowed".into()),
        }
    }

    // ----- trunks -----

    fn create_trunk(&mut self, di: usize, o: &Map<String, Value>, now_ms: u64) -> Reply {
        let r = (|| -> Result<Trunk, Reply> {
            let name = opt_str(o, "name")?
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| Reply::bad("Missing required field 'name'"))?;
            if self.domains[di].find_trunk(&name).is_some() {
                return Err(Reply::bad(format!("Trunk '{name}' already exists")));
            }
            let ip = opt_str(o, "ip")?
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| Reply::bad("Missing required field 'ip'"))?;
            let (port, port_as_string) = opt_port(o)?.unwrap_or((5060, false));
            let transport = opt_transport(o)?.unwrap_or_else(|| "udp".into());
            let direction = opt_direction(o)?.unwrap_or_else(|| "public-outbound".into());
            let prefix = opt_str(o, "prefix")?.unwrap_or_default();
            let (username, password, overwrite_from) = opt_auth(o)?;
            let active = opt_bool(o, "active")?.unwrap_or(true);
            let allow_global = opt_bool(o, "allowGlobal")?.unwrap_or(false);
            let metric = opt_i64(o, "metric")?.unwrap_or(0);
            let global_prefix = opt_str(o, "globalPrefix")?;
            Ok(Trunk {
                id: 0,
                uuid: String::new(),
                name,
                ip,
                port,
                port_as_string,
                transport,
                prefix,
                direction,
                username: username.unwrap_or_default(),
                password: password.unwrap_or_default(),
                overwrite_from: overwrite_from.unwrap_or(false),
                active,
                metric,
                allow_global,
                global_prefix,
                created_ms: now_ms,
                modified_ms: now_ms,
            })
        })();
        let mut t = match r {
            Ok(t) => t,
            Err(e) => return e,
        };
        self.ids.trunk += 1;
        t.id = self.ids.trunk;
        t.uuid = self.rng.uuid();
        let tenant = self.customer.id;
        let d = &mut self.domains[di];
        d.trunks.push(t);
        let d = &self.domains[di];
        match d.trunks.last() {
            Some(t) => Reply::ok(wire::trunk(t, d, tenant)),
            None => Reply::Error(500, "Request Failed".into()),
        }
    }

    fn update_trunk(&mut self, di: usize, id: &str, o: &Map<String, Value>, now_ms: u64) -> Reply {
        let Some(i) = self.domains[di].find_trunk(id) else {
            return Reply::not_found();
        };
        let r = (|| -> Result<Trunk, Reply> {
            let mut t = self.domains[di].trunks[i].clone();
            if opt_str(o, "name")?.is_some_and(|name| name != t.name) {
                return Err(Reply::bad("Trunk name cannot be changed"));
            }
            if let Some(ip) = opt_str(o, "ip")? {
                if ip.trim().is_empty() {
                    return Err(Reply::bad("Invalid value for 'ip'"));
                }
                t.ip = ip;
            }
            if let Some((port, as_string)) = opt_port(o)? {
                t.port = port;
                t.port_as_string = as_string;
            }
            if let Some(v) = opt_transport(o)? {
                t.transport = v;
            }
            if let Some(v) = opt_direction(o)? {
                t.direction = v;
            }
            if let Some(v) = opt_str(o, "prefix")? {
                t.prefix = v;
            }
            let (user, pass, over) = opt_auth(o)?;
            if let Some(v) = user {
                t.username = v;
            }
            if let Some(v) = pass {
                t.password = v;
            }
            if let Some(v) = over {
                t.overwrite_from = v;
            }
            if let Some(v) = opt_bool(o, "active")? {
                t.active = v;
            }
            if let Some(v) = opt_bool(o, "allowGlobal")? {
                t.allow_global = v;
            }
            if let Some(v) = opt_i64(o, "metric")? {
                t.metric = v;
            }
            if o.contains_key("globalPrefix") {
                t.global_prefix = opt_str(o, "globalPrefix")?;
            }
            t.modified_ms = now_ms;
            Ok(t)
        })();
        match r {
            Ok(t) => {
                self.domains[di].trunks[i] = t;
                let d = &self.domains[di];
                Reply::ok(wire::trunk(&d.trunks[i], d, self.customer.id))
            }
            Err(e) => e,
        }
    }

    // ----- DNIDs -----

    fn create_dnid(&mut self, di: usize, o: &Map<String, Value>, now_ms: u64) -> Reply {
        let blank = Dnid {
            id: 0,
            application_id: self.domains[di].default_app,
            messaging_application_id: None,
            active: true,
            dnid: String::new(),
            source: String::new(),
            global: false,
            expression: false,
            prefix: false,
            asterisk: false,
            created_ms: now_ms,
            modified_ms: now_ms,
        };
        match self.apply_dnid(di, blank, o, true, now_ms) {
            Ok(mut n) => {
                self.ids.dnid += 1;
                n.id = self.ids.dnid;
                self.domains[di].dnids.push(n);
                Reply::NoContent
            }
            Err(e) => e,
        }
    }

    fn update_dnid(&mut self, di: usize, id: &str, o: &Map<String, Value>, now_ms: u64) -> Reply {
        let Some(i) = self.domains[di].find_dnid(id) else {
            return Reply::not_found();
        };
        let current = self.domains[di].dnids[i].clone();
        match self.apply_dnid(di, current, o, false, now_ms) {
            Ok(n) => {
                self.domains[di].dnids[i] = n;
                Reply::NoContent
            }
            Err(e) => e,
        }
    }

    fn apply_dnid(
        &self,
        di: usize,
        mut n: Dnid,
        o: &Map<String, Value>,
        creating: bool,
        now_ms: u64,
    ) -> Result<Dnid, Reply> {
        let dnid = opt_str(o, "dnid")?;
        let source = opt_str(o, "source")?;
        if dnid.is_some() && source.is_some() {
            return Err(Reply::bad("Only one of 'dnid' or 'source' may be set"));
        }
        if creating && dnid.is_none() && source.is_none() {
            return Err(Reply::bad("One of 'dnid' or 'source' is required"));
        }
        if let Some(v) = opt_bool(o, "prefix")? {
            n.prefix = v;
        }
        if let Some(v) = opt_bool(o, "expression")? {
            n.expression = v;
        }
        if let Some(v) = opt_bool(o, "asteriskCompatible")? {
            n.asterisk = v;
        }
        if [n.prefix, n.expression, n.asterisk]
            .iter()
            .filter(|b| **b)
            .count()
            > 1
        {
            return Err(Reply::bad(
                "Only one of 'prefix', 'expression' or 'asteriskCompatible' may be true",
            ));
        }
        if let Some(v) = opt_bool(o, "active")? {
            n.active = v;
        }
        if let Some(v) = opt_bool(o, "global")? {
            n.global = v;
        }
        if let Some(v) = opt_u64(o, "applicationId")? {
            if self.domains[di].app(v).is_none() {
                return Err(Reply::bad(format!("Application {v} not found in domain")));
            }
            n.application_id = v;
        }
        if o.contains_key("messagingApplicationId") {
            n.messaging_application_id = opt_u64(o, "messagingApplicationId")?;
        }
        if let Some(d) = dnid {
            if d.trim().is_empty() {
                return Err(Reply::bad("Invalid value for 'dnid'"));
            }
            n.source = d.clone();
            n.dnid = d;
        } else if let Some(s) = source {
            if s.trim().is_empty() {
                return Err(Reply::bad("Invalid value for 'source'"));
            }
            n.source = s;
        }
        if source_changed(o) {
            n.dnid = compile_dnid(&n);
        }
        n.modified_ms = now_ms;
        Ok(n)
    }

    // ----- applications -----

    fn create_app(&mut self, di: usize, o: &Map<String, Value>, now_ms: u64) -> Reply {
        let r = (|| -> Result<App, Reply> {
            let name = opt_str(o, "name")?
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| Reply::bad("Missing required field 'name'"))?;
            if self.domains[di].find_app(&name).is_some() {
                return Err(Reply::bad(format!("Application '{name}' already exists")));
            }
            let kind = opt_app_type(o)?.unwrap_or_else(|| "cxml".into());
            let url = opt_str(o, "url")?;
            if kind == "cxml" && url.as_deref().is_none_or(|u| u.trim().is_empty()) {
                return Err(Reply::bad("Missing required field 'url'"));
            }
            Ok(App {
                id: 0,
                uuid: String::new(),
                name,
                kind,
                url: url.unwrap_or_default(),
                method: opt_http_method(o)?.unwrap_or_else(|| "POST".into()),
                active: opt_bool(o, "active")?.unwrap_or(true),
                profile: opt_object(o, "profile")?.unwrap_or_else(|| json!({})),
                created_ms: now_ms,
                modified_ms: now_ms,
            })
        })();
        let mut a = match r {
            Ok(a) => a,
            Err(e) => return e,
        };
        self.ids.app += 1;
        a.id = self.ids.app;
        a.uuid = self.rng.uuid();
        self.domains[di].apps.push(a);
        let d = &self.domains[di];
        match d.apps.last() {
            Some(a) => Reply::ok(wire::app_in(a, d)),
            None => Reply::Error(500, "Request Failed".into()),
        }
    }

    fn update_app(&mut self, di: usize, id: &str, o: &Map<String, Value>, now_ms: u64) -> Reply {
        let Some(i) = self.domains[di].find_app(id) else {
            return Reply::not_found();
        };
        let r = (|| -> Result<App, Reply> {
            let mut a = self.domains[di].apps[i].clone();
            if opt_str(o, "name")?.is_some_and(|name| name != a.name) {
                return Err(Reply::bad("Application name cannot be changed"));
            }
            if let Some(v) = opt_app_type(o)? {
                a.kind = v;
            }
            if let Some(v) = opt_str(o, "url")? {
                a.url = v;
            }
            if let Some(v) = opt_http_method(o)? {
                a.method = v;
            }
            if let Some(v) = opt_bool(o, "active")? {
                a.active = v;
            }
            if let Some(v) = opt_object(o, "profile")? {
                a.profile = v;
            }
            a.modified_ms = now_ms;
            Ok(a)
        })();
        match r {
            Ok(a) => {
                self.domains[di].apps[i] = a;
                let d = &self.domains[di];
                Reply::ok(wire::app_in(&d.apps[i], d))
            }
            Err(e) => e,
        }
    }

    // ----- calls -----

    fn click_to_call(&mut self, di: usize, body: &[u8], now_ms: u64) -> Reply {
        let o = match json_object(body) {
            Ok(o) => o,
            Err(r) => return r,
        };
        let r = (|| -> Result<(String, String, Option<String>), Reply> {
            let destination = opt_str(&o, "destination")?
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .ok_or_else(|| Reply::bad("Missing required field 'destination'"))?;
            let caller_id = opt_str(&o, "caller-id")?;
            opt_bool(&o, "record")?;
            opt_i64(&o, "timeout")?;
            opt_i64(&o, "timeLimit")?;
            let d = &self.domains[di];
            let url = match o.get("application") {
                None | Some(Value::Null) => match opt_str(&o, "url")? {
                    Some(u) => Some(u),
                    None => d.app(d.default_app).map(|a| a.url.clone()),
                },
                Some(Value::String(s)) => match d.find_app(s) {
                    Some(i) => Some(d.apps[i].url.clone()),
                    None => return Err(Reply::bad(format!("Application '{s}' not found"))),
                },
                Some(Value::Number(n)) => match n.as_u64().and_then(|id| d.app(id)) {
                    Some(a) => Some(a.url.clone()),
                    None => return Err(Reply::bad(format!("Application '{n}' not found"))),
                },
                Some(_) => return Err(Reply::bad("Invalid value for 'application'")),
            };
            let caller = caller_id.unwrap_or_else(|| {
                d.dnids
                    .first()
                    .map(|n| n.source.trim_start_matches('+').to_string())
                    .unwrap_or_else(|| "14155550100".into())
            });
            Ok((destination, caller, url))
        })();
        let (destination, caller, url) = match r {
            Ok(v) => v,
            Err(e) => return e,
        };
        let subscriber_id = self.domains[di].subscribers.first().map(|s| s.id);
        let domain_id = self.domains[di].id;
        let s = self.add_api_call(di, destination, caller, url, subscriber_id, now_ms);
        Reply::ok(json!({
            "domainId": domain_id,
            "subscriberId": s.subscriber_id,
            "destination": s.destination,
            "direction": s.direction,
            "token": s.token,
        }))
    }
}

fn source_changed(o: &Map<String, Value>) -> bool {
    ["source", "prefix", "expression", "asteriskCompatible"]
        .iter()
        .any(|k| o.contains_key(*k))
        && !o.contains_key("dnid")
}

fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The regular expression Cloudonix stores in `dnid` for a human `source`.
fn compile_dnid(n: &Dnid) -> String {
    if n.expression {
        format!("^({})", n.source)
    } else if n.asterisk {
        let body: String = n
            .source
            .trim_start_matches('_')
            .chars()
            .map(|c| match c {
                'X' | 'x' => "[0-9]".to_string(),
                'Z' | 'z' => "[1-9]".to_string(),
                'N' | 'n' => "[2-9]".to_string(),
                '.' => "[0-9]+".to_string(),
                '!' => "[0-9]*".to_string(),
                '[' | ']' | '-' => c.to_string(),
                c => regex_escape(&c.to_string()),
            })
            .collect();
        format!("^({body})$")
    } else if n.prefix {
        format!("^({})", regex_escape(&n.source))
    } else {
        format!("^({})$", regex_escape(&n.source))
    }
}

// ----- body validation helpers -----

pub(super) fn json_object(body: &[u8]) -> Result<Map<String, Value>, Reply> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(Reply::bad("Request body must be a JSON object")),
        Err(_) => Err(Reply::bad("Malformed JSON body")),
    }
}

fn invalid(field: &str, expected: &str) -> Reply {
    Reply::bad(format!("Invalid value for '{field}': expected {expected}"))
}

pub(super) fn opt_str(o: &Map<String, Value>, field: &str) -> Result<Option<String>, Reply> {
    match o.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(field, "a string")),
    }
}

/// Booleans must be JSON booleans: `"true"` is rejected like the real API does.
pub(super) fn opt_bool(o: &Map<String, Value>, field: &str) -> Result<Option<bool>, Reply> {
    match o.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(invalid(field, "a boolean")),
    }
}

fn opt_u64(o: &Map<String, Value>, field: &str) -> Result<Option<u64>, Reply> {
    match o.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_u64().map(Some).ok_or_else(|| invalid(field, "an id")),
        Some(_) => Err(invalid(field, "an integer")),
    }
}

fn opt_i64(o: &Map<String, Value>, field: &str) -> Result<Option<i64>, Reply> {
    match o.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| invalid(field, "an integer")),
        Some(_) => Err(invalid(field, "an integer")),
    }
}

fn opt_object(o: &Map<String, Value>, field: &str) -> Result<Option<Value>, Reply> {
    match o.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Object(_)) => Ok(Some(v.clone())),
        Some(_) => Err(invalid(field, "an object")),
    }
}

/// `port` as a number or a numeric string, 1–65535. Returns (port, was a string).
fn opt_port(o: &Map<String, Value>) -> Result<Option<(u16, bool)>, Reply> {
    let (n, as_string) = match o.get("port") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => (n.as_i64(), false),
        Some(Value::String(s)) => (s.trim().parse::<i64>().ok(), true),
        Some(_) => (None, false),
    };
    match n {
        Some(p) if (1..=65535).contains(&p) => Ok(Some((p as u16, as_string))),
        _ => Err(Reply::bad("Invalid value for 'port': must be 1-65535")),
    }
}

fn opt_transport(o: &Map<String, Value>) -> Result<Option<String>, Reply> {
    match opt_str(o, "transport")? {
        None => Ok(None),
        Some(t) if matches!(t.as_str(), "udp" | "tcp" | "tls") => Ok(Some(t)),
        Some(_) => Err(invalid("transport", "one of udp, tcp, tls")),
    }
}

/// The trunk direction enum; `inbound`/`outbound` are stored as `public-…`.
fn opt_direction(o: &Map<String, Value>) -> Result<Option<String>, Reply> {
    match opt_str(o, "direction")?.as_deref() {
        None => Ok(None),
        Some("inbound") | Some("public-inbound") => Ok(Some("public-inbound".into())),
        Some("outbound") | Some("public-outbound") => Ok(Some("public-outbound".into())),
        Some(_) => Err(invalid(
            "direction",
            "one of inbound, outbound, public-inbound, public-outbound",
        )),
    }
}

type AuthFields = (Option<String>, Option<String>, Option<bool>);

fn opt_auth(o: &Map<String, Value>) -> Result<AuthFields, Reply> {
    let Some(profile) = opt_object(o, "profile")? else {
        return Ok((None, None, None));
    };
    let Some(auth) = profile.get("authentication") else {
        return Ok((None, None, None));
    };
    let auth = match auth {
        Value::Object(m) => m,
        Value::Null => return Ok((None, None, None)),
        _ => return Err(invalid("profile.authentication", "an object")),
    };
    Ok((
        opt_str(auth, "username")?,
        opt_str(auth, "password")?,
        opt_bool(auth, "overwrite-from")?,
    ))
}

fn opt_app_type(o: &Map<String, Value>) -> Result<Option<String>, Reply> {
    match opt_str(o, "type")? {
        None => Ok(None),
        Some(t) if t == "cxml" || t == "Cloudonix:built-in" => Ok(Some(t)),
        Some(_) => Err(invalid("type", "cxml or Cloudonix:built-in")),
    }
}

fn opt_http_method(o: &Map<String, Value>) -> Result<Option<String>, Reply> {
    match opt_str(o, "method")? {
        None => Ok(None),
        Some(m) if m == "GET" || m == "POST" => Ok(Some(m)),
        Some(_) => Err(invalid("method", "GET or POST")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(
            parse_route("/customers/self/domains/a.cloudonix.net/trunks/x"),
            Some(Route::Item(
                "self".into(),
                "a.cloudonix.net".into(),
                Kind::Trunks,
                "x".into()
            ))
        );
        assert_eq!(
            parse_route("/calls/d/sessions/"),
            Some(Route::LegacySessions("d".into()))
        );
        assert_eq!(parse_route("/customers/self/domains/d/widgets"), None);
        assert_eq!(parse_route("/customer/self"), None);
        assert_eq!(percent_decode("%2B1415"), "+1415");
        assert_eq!(percent_decode("50%"), "50%");
        assert_eq!(percent_decode("%zz%2"), "%zz%2");
    }

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer(Some("Bearer XI1")), Some("XI1"));
        assert_eq!(bearer(Some("bearer   XI1 ")), Some("XI1"));
        assert_eq!(bearer(Some("Basic abc")), None);
        assert_eq!(bearer(Some("Bearer")), None);
        assert_eq!(bearer(None), None);
    }

    #[test]
    fn compiles_dnids() {
        let mut n = Dnid {
            id: 1,
            application_id: 1,
            messaging_application_id: None,
            active: true,
            dnid: String::new(),
            source: "+14155550100".into(),
            global: false,
            expression: false,
            prefix: false,
            asterisk: false,
            created_ms: 0,
            modified_ms: 0,
        };
        assert_eq!(compile_dnid(&n), "^(\\+14155550100)$");
        n.asterisk = true;
        n.source = "_1NXX".into();
        assert_eq!(compile_dnid(&n), "^(1[2-9][0-9][0-9])$");
    }
}
