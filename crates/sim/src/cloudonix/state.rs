//! The simulated Cloudonix account: customer, domains, trunks, DNIDs, applications,
//! subscribers, sessions and API keys, seeded deterministically.

use std::time::Duration;

use serde_json::{Value, json};

use crate::faults::Faults;
use crate::rng::Rng;
use crate::traffic::{Arrivals, CallPlan};
use crate::window::RateLimiter;

use super::{CloudonixOptions, KeyScope, RecordedRequest};

/// Requests kept in the log (oldest dropped beyond this).
pub(crate) const MAX_RECORDED: usize = 20_000;
/// Arrivals generated in one step at most.
const MAX_ARRIVALS_PER_STEP: usize = 50;

#[derive(Debug, Clone)]
pub(crate) struct Customer {
    pub id: u64,
    pub name: String,
    pub uuid: String,
    pub created_ms: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct Trunk {
    pub id: u64,
    pub uuid: String,
    pub name: String,
    pub ip: String,
    pub port: u16,
    /// Render `port` as a JSON string (`"5060"`) rather than a number.
    pub port_as_string: bool,
    pub transport: String,
    pub prefix: String,
    pub direction: String,
    pub username: String,
    pub password: String,
    pub overwrite_from: bool,
    pub active: bool,
    pub metric: i64,
    pub allow_global: bool,
    pub global_prefix: Option<String>,
    pub created_ms: u64,
    pub modified_ms: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct Dnid {
    pub id: u64,
    pub application_id: u64,
    pub messaging_application_id: Option<u64>,
    pub active: bool,
    pub dnid: String,
    pub source: String,
    pub global: bool,
    pub expression: bool,
    pub prefix: bool,
    pub asterisk: bool,
    pub created_ms: u64,
    pub modified_ms: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct App {
    pub id: u64,
    pub uuid: String,
    pub name: String,
    pub kind: String,
    pub url: String,
    pub method: String,
    pub active: bool,
    pub profile: Value,
    pub created_ms: u64,
    pub modified_ms: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct Subscriber {
    pub id: u64,
    pub uuid: String,
    pub msisdn: String,
    pub sip_password: String,
    pub active: bool,
    pub created_ms: u64,
    pub modified_ms: u64,
}

/// How the `domain` field of a session is serialised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DomainField {
    Name,
    Null,
    Absent,
}

/// Per-session serialisation quirks, fixed when the session is created so one session
/// looks the same on every poll.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Quirks {
    pub times_as_strings: bool,
    pub domain_field: DomainField,
    pub upper_new: bool,
    pub title_ringing: bool,
    pub answer_word: bool,
    pub connected_after_end: bool,
    pub omit_unset_times: bool,
}

impl Quirks {
    pub fn draw(rng: &mut Rng) -> Quirks {
        Quirks {
            times_as_strings: rng.chance(0.2),
            domain_field: match rng.below(3) {
                0 => DomainField::Name,
                1 => DomainField::Null,
                _ => DomainField::Absent,
            },
            upper_new: rng.chance(0.4),
            title_ringing: rng.chance(0.2),
            answer_word: rng.chance(0.2),
            connected_after_end: rng.chance(0.15),
            omit_unset_times: rng.chance(0.3),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallKind {
    Inbound,
    SubscriberOut,
    Application,
    Api,
}

#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub id: u64,
    pub token: String,
    pub kind: CallKind,
    pub subscriber_id: Option<u64>,
    pub destination: String,
    pub caller_id: String,
    pub direction: String,
    pub url: Option<String>,
    pub vapp_server: String,
    pub call_id: String,
    pub trunk: Option<(u64, String)>,
    pub plan: CallPlan,
    pub quirks: Quirks,
}

#[derive(Debug, Clone)]
pub(crate) struct Domain {
    pub id: u64,
    pub uuid: String,
    pub name: String,
    pub created_ms: u64,
    pub default_app: u64,
    pub registration_free: bool,
    pub trunks: Vec<Trunk>,
    pub dnids: Vec<Dnid>,
    pub apps: Vec<App>,
    pub subscribers: Vec<Subscriber>,
    /// Oldest first.
    pub sessions: Vec<Session>,
    pub arrivals: Arrivals,
}

impl Domain {
    pub fn app(&self, id: u64) -> Option<&App> {
        self.apps.iter().find(|a| a.id == id)
    }

    pub fn find_app(&self, key: &str) -> Option<usize> {
        self.apps
            .iter()
            .position(|a| a.id.to_string() == key || a.name == key)
    }

    pub fn find_trunk(&self, key: &str) -> Option<usize> {
        self.trunks
            .iter()
            .position(|t| t.id.to_string() == key || t.name == key || t.uuid == key)
    }

    pub fn find_dnid(&self, key: &str) -> Option<usize> {
        self.dnids.iter().position(|d| d.id.to_string() == key)
    }

    pub fn find_subscriber(&self, key: &str) -> Option<usize> {
        let bare = key.trim_start_matches('+');
        self.subscribers
            .iter()
            .position(|s| s.id.to_string() == key || s.msisdn == key || s.msisdn == bare)
    }

    pub fn find_session(&self, key: &str) -> Option<usize> {
        self.sessions
            .iter()
            .position(|s| s.token == key || s.id.to_string() == key)
    }

    pub fn live_count(&self, now_ms: u64) -> usize {
        self.sessions
            .iter()
            .filter(|s| s.plan.is_live(now_ms))
            .count()
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Keys {
    pub customer: String,
    pub domain: String,
    pub subscriber: String,
    /// (domain index, subscriber id) the subscriber key belongs to.
    pub subscriber_of: (usize, u64),
}

impl Keys {
    pub fn scope_of(&self, key: &str) -> KeyScope {
        if key == self.customer {
            KeyScope::Customer
        } else if key == self.domain {
            KeyScope::Domain
        } else if key == self.subscriber {
            KeyScope::Subscriber
        } else {
            KeyScope::Invalid
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub trunk: u64,
    pub dnid: u64,
    pub app: u64,
    pub subscriber: u64,
    pub session: u64,
}

/// Everything behind the simulator's lock.
#[derive(Debug)]
pub(crate) struct State {
    pub customer: Customer,
    pub domains: Vec<Domain>,
    pub keys: Keys,
    pub ids: Counters,
    /// Runtime randomness (traffic, click-to-call, created objects).
    pub rng: Rng,
    /// Fault rolls, kept apart so faults do not shift the traffic.
    pub fault_rng: Rng,
    pub faults: Faults,
    pub traffic: bool,
    /// Sessions kept per domain: beyond it the oldest ended ones are dropped (live
    /// calls never are).
    pub max_sessions: usize,
    pub limiter: RateLimiter,
    pub recorded: std::collections::VecDeque<RecordedRequest>,
    pub throttled: u64,
}

pub(crate) const DOMAIN_NAMES: [&str; 2] =
    ["acme-main.cloudonix.net", "acme-support.cloudonix.net"];

const VAPP_SERVERS: [&str; 4] = [
    "172.24.40.238",
    "172.24.40.152",
    "172.24.41.17",
    "172.24.42.96",
];

/// (name, ip, port, transport, direction, port rendered as a string)
type TrunkSeed = (
    &'static str,
    &'static str,
    u16,
    &'static str,
    &'static str,
    bool,
);

const TRUNKS: [[TrunkSeed; 4]; 2] = [
    [
        (
            "carrier-a-primary",
            "203.0.113.10",
            5060,
            "udp",
            "public-inbound",
            true,
        ),
        (
            "carrier-a-backup",
            "203.0.113.11",
            5060,
            "udp",
            "public-outbound",
            false,
        ),
        (
            "pbx-hq",
            "pbx.hq.acme.example",
            5061,
            "tls",
            "inbound",
            false,
        ),
        ("sip-out-eu", "198.51.100.24", 5080, "tcp", "outbound", true),
    ],
    [
        (
            "support-carrier",
            "203.0.113.40",
            5060,
            "udp",
            "public-inbound",
            false,
        ),
        (
            "support-carrier-out",
            "203.0.113.41",
            5060,
            "udp",
            "public-outbound",
            true,
        ),
        (
            "callcenter-sbc",
            "sbc.cc.acme.example",
            5061,
            "tls",
            "inbound",
            true,
        ),
        (
            "overflow-bpo",
            "198.51.100.77",
            5070,
            "tcp",
            "outbound",
            false,
        ),
    ],
];

/// (name, url path, method)
const APPS: [&[(&str, &str, &str)]; 2] = [
    &[
        ("ivr-main", "ivr/main", "POST"),
        ("sales-queue", "queues/sales", "POST"),
        ("voicemail", "voicemail", "GET"),
    ],
    &[
        ("support-queue", "queues/support", "POST"),
        ("after-hours", "after-hours", "GET"),
    ],
];

/// The name of domain `di`: the two seeded names, then `acme-03.cloudonix.net` …
fn domain_name(di: usize) -> String {
    DOMAIN_NAMES.get(di).map_or_else(
        || format!("acme-{:02}.cloudonix.net", di + 1),
        |n| (*n).to_string(),
    )
}

/// Domain `di`'s part of `total` spread over `n` domains (the first ones take the rest).
fn share(total: usize, n: usize, di: usize) -> usize {
    let n = n.max(1);
    total / n + usize::from(di < total % n)
}

pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl State {
    /// The seeded account as of `now_ms`. Same seed → same keys, ids, names and data.
    pub fn seed(seed: u64, opts: &CloudonixOptions, faults: Faults, now_ms: u64) -> State {
        let mut rng = Rng::derive(seed, 1);
        let keys_customer = format!("XI{}", rng.hex_upper(32));
        let keys_domain = format!("XI{}", rng.hex_upper(32));
        let keys_subscriber = format!("XI{}", rng.hex_upper(32));
        let day = 86_400_000;
        let customer = Customer {
            id: rng.range(1000, 9000),
            name: "acme".into(),
            uuid: rng.uuid(),
            created_ms: now_ms.saturating_sub(400 * day),
        };
        let mut ids = Counters {
            trunk: rng.range(300, 900),
            dnid: rng.range(5000, 9000),
            app: rng.range(4000, 4500),
            subscriber: rng.range(240_000, 250_000),
            session: rng.range(22_000_000, 23_000_000),
        };
        let first_domain_id = rng.range(1700, 1800);
        let mut domains = Vec::new();
        for di in 0..opts.domains.max(1) {
            let name = domain_name(di);
            // Domains past the first two copy their trunks and applications.
            let template = di % DOMAIN_NAMES.len();
            let created =
                now_ms.saturating_sub(300u64.saturating_sub(40 * di as u64).max(30) * day);
            let mut apps = Vec::new();
            for (name, path, method) in APPS[template] {
                ids.app += 1;
                apps.push(App {
                    id: ids.app,
                    uuid: rng.uuid(),
                    name: (*name).into(),
                    kind: "cxml".into(),
                    url: format!("https://voice.acme.example/{path}"),
                    method: (*method).into(),
                    active: true,
                    profile: json!({}),
                    created_ms: created + rng.range(0, day),
                    modified_ms: created + rng.range(day, 30 * day),
                });
            }
            let mut trunks = Vec::new();
            for (name, ip, port, transport, direction, as_string) in TRUNKS[template] {
                ids.trunk += 1;
                trunks.push(Trunk {
                    id: ids.trunk,
                    uuid: rng.uuid(),
                    name: name.into(),
                    ip: ip.into(),
                    port,
                    port_as_string: as_string,
                    transport: transport.into(),
                    prefix: if direction.contains("outbound") {
                        format!("{}#", rng.range(1000, 9999))
                    } else {
                        String::new()
                    },
                    direction: direction.into(),
                    username: format!("acme{}", rng.digits(5)),
                    password: rng.hex_lower(12),
                    overwrite_from: rng.chance(0.3),
                    active: true,
                    metric: rng.range(0, 3) as i64,
                    allow_global: false,
                    global_prefix: None,
                    created_ms: created + rng.range(0, 5 * day),
                    modified_ms: created + rng.range(5 * day, 60 * day),
                });
            }
            let mut dnids = Vec::new();
            for i in 0..6u64 {
                ids.dnid += 1;
                let app = &apps[(i as usize) % apps.len()];
                let (source, dnid, prefix, expression) = match i {
                    4 => {
                        let base = format!("1415555{}{}", di, rng.digits(2));
                        (base.clone(), format!("^({base})"), true, false)
                    }
                    5 => {
                        let src = format!("3{di}[0-4][0-9]");
                        (src.clone(), format!("^({src})"), false, true)
                    }
                    _ => {
                        let n = format!("+1415555{}{:03}", di, 100 + i);
                        (n.clone(), format!("^(\\{n})$"), false, false)
                    }
                };
                dnids.push(Dnid {
                    id: ids.dnid,
                    application_id: app.id,
                    messaging_application_id: None,
                    active: i != 3,
                    dnid,
                    source,
                    global: false,
                    expression,
                    prefix,
                    asterisk: false,
                    created_ms: created + rng.range(0, 20 * day),
                    modified_ms: created + rng.range(20 * day, 90 * day),
                });
            }
            let mut subscribers = Vec::new();
            for i in 0..4u64 {
                ids.subscriber += 1;
                subscribers.push(Subscriber {
                    id: ids.subscriber,
                    uuid: rng.uuid(),
                    msisdn: format!("{}{:03}", di + 1, i + 1),
                    sip_password: rng.hex_lower(16),
                    active: i != 3,
                    created_ms: created + rng.range(0, 30 * day),
                    modified_ms: created + rng.range(30 * day, 90 * day),
                });
            }
            let default_app = apps[0].id;
            domains.push(Domain {
                id: first_domain_id + di as u64,
                uuid: rng.uuid(),
                name,
                created_ms: created,
                default_app,
                registration_free: di == 0,
                trunks,
                dnids,
                apps,
                subscribers,
                sessions: Vec::new(),
                arrivals: Arrivals {
                    per_minute: 0.0,
                    next_ms: u64::MAX,
                },
            });
        }
        let keys = Keys {
            customer: keys_customer,
            domain: keys_domain,
            subscriber: keys_subscriber,
            subscriber_of: (0, domains[0].subscribers[0].id),
        };
        let mut state = State {
            customer,
            domains,
            keys,
            ids,
            rng,
            fault_rng: Rng::derive(seed, 2),
            faults,
            traffic: opts.traffic,
            max_sessions: opts.max_sessions.max(1),
            limiter: RateLimiter::new(opts.rate_limit_requests, opts.rate_limit_window),
            recorded: std::collections::VecDeque::new(),
            throttled: 0,
        };
        // History and calls already in progress.
        let n_domains = state.domains.len();
        for di in 0..n_domains {
            let n_hist = match share(opts.history_calls, n_domains, di) {
                0 => 14 + state.rng.below(8) as usize,
                n => n,
            };
            // At scale the history spans the day; the default is the last three hours.
            let span = if opts.history_calls > 0 {
                24 * 3_600_000
            } else {
                3 * 3_600_000
            };
            for _ in 0..n_hist {
                let start = now_ms.saturating_sub(state.rng.range(5 * 60_000, span));
                let mut plan = CallPlan::draw(&mut state.rng, start);
                if opts.history_calls > 0 {
                    // Asked-for history is history: a long call drawn recently has ended.
                    plan.hang_up(now_ms.saturating_sub(1));
                }
                state.add_generated(di, plan);
            }
            let (n_live, longest) = match share(opts.live_calls, n_domains, di) {
                0 => (3 + state.rng.below(3) as usize, 15 * 60_000),
                // Seeded at scale, calls last long enough to measure against.
                n => (n, 2 * 3_600_000),
            };
            for _ in 0..n_live {
                let ago = state.rng.range(5_000, 240_000);
                let remaining = state.rng.range(60_000, longest);
                let plan = CallPlan::in_progress(&mut state.rng, now_ms, ago, remaining);
                state.add_generated(di, plan);
            }
            state.domains[di].sessions.sort_by_key(|s| s.plan.start_ms);
            // Renumber so ids grow with start time like a real sequence.
            let base = state.ids.session;
            for (i, s) in state.domains[di].sessions.iter_mut().enumerate() {
                s.id = base + 1 + i as u64 * 3;
            }
            state.ids.session = base + 3 * state.domains[di].sessions.len() as u64 + 7;
            let per_minute = opts.calls_per_minute;
            state.domains[di].arrivals = Arrivals::new(&mut state.rng, per_minute, now_ms);
        }
        state
    }

    pub fn set_rate_limit(&mut self, requests: u32, window: Duration) {
        self.limiter.set(requests, window);
    }

    /// A generated call (inbound, subscriber-originated or application) in domain `di`.
    pub fn add_generated(&mut self, di: usize, plan: CallPlan) -> usize {
        let x = self.rng.f64();
        let kind = if x < 0.6 {
            CallKind::Inbound
        } else if x < 0.9 {
            CallKind::SubscriberOut
        } else {
            CallKind::Application
        };
        let rng = &mut self.rng;
        let d = &self.domains[di];
        let external = format!("1{}{}", rng.range(201, 990), rng.digits(7));
        let (caller_id, destination, subscriber_id, trunk, url, direction) = match kind {
            CallKind::Inbound => {
                let dn = d
                    .dnids
                    .get(rng.index(d.dnids.len()))
                    .map(|n| n.source.trim_start_matches('+').to_string())
                    .filter(|s| s.chars().all(|c| c.is_ascii_digit()))
                    .unwrap_or_else(|| format!("1415555{}", rng.digits(4)));
                let trunk = d
                    .trunks
                    .iter()
                    .filter(|t| t.direction.contains("inbound"))
                    .nth(rng.index(2))
                    .or_else(|| d.trunks.first())
                    .map(|t| (t.id, t.name.clone()));
                let dir = rng.pick(&["inbound", "inbound", "Inbound", "incoming"]);
                let url = d.app(d.default_app).map(|a| a.url.clone());
                (external, dn, None, trunk, url, dir.unwrap_or("inbound"))
            }
            CallKind::SubscriberOut => {
                let sub = d.subscribers.get(rng.index(d.subscribers.len()));
                let caller = sub.map_or_else(|| "1001".to_string(), |s| s.msisdn.clone());
                let dir = rng.pick(&["outbound", "Outbound", "outbound"]);
                (
                    caller,
                    external,
                    sub.map(|s| s.id),
                    None,
                    None,
                    dir.unwrap_or("outbound"),
                )
            }
            _ => {
                let app = d.apps.get(rng.index(d.apps.len()));
                (
                    format!("1415555{}", rng.digits(4)),
                    external,
                    None,
                    None,
                    app.map(|a| a.url.clone()),
                    "application",
                )
            }
        };
        self.ids.session += 1 + self.rng.below(3);
        let session = Session {
            id: self.ids.session,
            token: self.rng.hex_lower(32),
            kind,
            subscriber_id,
            destination,
            caller_id,
            direction: direction.to_string(),
            url,
            vapp_server: self
                .rng
                .pick(&VAPP_SERVERS)
                .unwrap_or("172.24.40.238")
                .into(),
            call_id: format!("{}@{}", self.rng.hex_lower(32), "203.0.113.10:5060"),
            trunk,
            plan,
            quirks: Quirks::draw(&mut self.rng),
        };
        self.domains[di].sessions.push(session);
        self.domains[di].sessions.len() - 1
    }

    /// An API-originated (click-to-call) session starting now.
    pub fn add_api_call(
        &mut self,
        di: usize,
        destination: String,
        caller_id: String,
        url: Option<String>,
        subscriber_id: Option<u64>,
        now_ms: u64,
    ) -> &Session {
        let plan = CallPlan::draw(&mut self.rng, now_ms);
        self.ids.session += 1 + self.rng.below(3);
        let session = Session {
            id: self.ids.session,
            token: self.rng.hex_lower(32),
            kind: CallKind::Api,
            subscriber_id,
            destination,
            caller_id,
            direction: "outbound-api".into(),
            url,
            vapp_server: self
                .rng
                .pick(&VAPP_SERVERS)
                .unwrap_or("172.24.40.238")
                .into(),
            call_id: format!("{}@{}", self.rng.hex_lower(32), "172.24.40.1:5060"),
            trunk: None,
            plan,
            quirks: Quirks::draw(&mut self.rng),
        };
        let sessions = &mut self.domains[di].sessions;
        sessions.push(session);
        &sessions[sessions.len() - 1]
    }

    /// Bring traffic up to `now_ms`: new arrivals (if traffic is on) and pruning.
    pub fn advance(&mut self, now_ms: u64) {
        for di in 0..self.domains.len() {
            if self.traffic {
                let due =
                    self.domains[di]
                        .arrivals
                        .due(&mut self.rng, now_ms, MAX_ARRIVALS_PER_STEP);
                for start in due {
                    let plan = CallPlan::draw(&mut self.rng, start);
                    self.add_generated(di, plan);
                }
            }
            let sessions = &mut self.domains[di].sessions;
            if sessions.len() > self.max_sessions {
                let mut excess = sessions.len() - self.max_sessions;
                sessions.retain(|s| {
                    if excess > 0 && !s.plan.is_live(now_ms) {
                        excess -= 1;
                        false
                    } else {
                        true
                    }
                });
            }
        }
    }

    pub fn find_domain(&self, key: &str) -> Option<usize> {
        self.domains.iter().position(|d| {
            d.name.eq_ignore_ascii_case(key) || d.id.to_string() == key || d.uuid == key
        })
    }

    pub fn customer_matches(&self, key: &str) -> bool {
        key == "self" || key == self.customer.name || key == self.customer.id.to_string()
    }

    pub fn record(&mut self, r: RecordedRequest) {
        if self.recorded.len() >= MAX_RECORDED {
            self.recorded.pop_front();
        }
        self.recorded.push_back(r);
    }
}
