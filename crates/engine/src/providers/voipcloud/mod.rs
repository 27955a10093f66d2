//! VoIPcloud PBX integration API client (providers.md §2).
//!
//! Requests: `GET {base}/api/integration/{v1|v2}/{operation}?from_date=…&offset=…&limit=…`
//! with the header `token: <key>` (marked sensitive; never the deprecated `api_key`
//! query parameter). Answers are `{status, message, code, data}` envelopes ([`wire`]).
//!
//! One token is one PBX: the connection is one account (kind Domain, id = the provider's
//! name) and one budget scope. The budget (100 requests per 15 minutes by default) is
//! shared out by [`plan`]: each list's refresh interval comes from its share, and a job's
//! cost is its page cap, reserved before it starts; pages not needed are given back
//! through [`Client::requests_used`].

pub mod forms;
pub mod settings;
pub mod wire;

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, HeaderName, HeaderValue};
use reqwest::{Method, Url};

use super::{
    FetchData, Job, JobKey, JobKind, Mutation, MutationOutcome, ProviderChange, ProviderError,
    RateLimit, RequestPreview, http, shape,
};
use crate::model::{
    Account, AccountKind, ActionKind, Call, CallState, Capabilities, Direction, ProviderId,
    Resource,
};
use crate::providers::ProviderConfig;
use crate::providers::errors::cap;
use crate::providers::errors::{self, Class, Said, Wording};
use crate::providers::provider::{Descriptor, forward_provider};
use crate::stats::{self, GroupCallRecord};

/// What VoIPcloud offers: no trunks, no numbers.
pub const CAPABILITIES: Capabilities = Capabilities::new()
    .with(Resource::Accounts)
    .with(Resource::LiveCalls)
    .with(Resource::CallHistory)
    .with(Resource::Queues)
    .with_action(ActionKind::ClickToCall);

/// The provider's documented request budget.
pub const DEFAULT_RATE_LIMIT: RateLimit = RateLimit {
    requests: 100,
    per: Duration::from_secs(900),
};

/// What shared code knows about voipcloud without a client.
pub const DESCRIPTOR: Descriptor = Descriptor {
    kind: crate::model::ProviderKind::Voipcloud,
    capabilities: CAPABILITIES,
    default_rate_limit: DEFAULT_RATE_LIMIT,
    default_base_url: None,
    settings: settings::KEYS,
    from_values: settings::from_values,
    history_arrives_later: false,
    open_form: forms::open,
    build_form: forms::build,
    offers: super::provider::offers_every_intent,
    acts_on: None,
    commands: &[],
    route: crate::providers::route::target_only,
};

forward_provider!(Client, DESCRIPTOR, requests_used);

/// Rows asked for per page (`limit`; the API takes 1..10000).
pub const PAGE_LIMIT: u32 = 2_000;
/// Pages one list may take per refresh (10,000 rows, a busy PBX's day); the job
/// reserves them all up front and gives back what it did not use.
pub const PAGE_CAP: u32 = 5;

/// The 401 explanation (the provider cannot tell the two apart).
pub const UNAUTHORIZED: &str = "the PBX rejected the token, or this host's IP is not whitelisted";

/// A change only VoIPcloud makes (built by its own forms, sent by [`Client::mutate`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// `call-to-number`: ring `user_number` first, then dial `number_to_call`.
    CallToNumber {
        user_number: String,
        number_to_call: String,
        caller_id: Option<String>,
    },
}

/// Refresh intervals derived from a budget. With the list on screen at `calls`/`stats`
/// and in the background at three times that (the poller's factor), the worst case per
/// window is discovery 10 % + the visible list 60 % + the other list 20 % of the
/// console's capacity (limit minus the scheduler's margin): 90 %, leaving the rest for
/// extra pages. The scheduler's window enforces the limit whatever happens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    pub accounts: Duration,
    pub calls: Duration,
    pub stats: Duration,
}

/// Requests one run of each job normally makes (one page per list).
const CALLS_PAGES: u32 = 1;
const STATS_PAGES: u32 = 2;

pub fn plan(limit: RateLimit) -> Plan {
    let capacity = limit
        .requests
        .saturating_sub(crate::scheduler::margin(limit.requests))
        .max(1);
    let per = limit.per.as_secs_f64().max(0.001);
    // Runs per window a share allows; at least one.
    let every = |share: f64, cost: u32| {
        let runs = (f64::from(capacity) * share / f64::from(cost))
            .floor()
            .max(1.0);
        Duration::from_secs_f64(per / runs).max(Duration::from_millis(200))
    };
    Plan {
        accounts: every(0.10, 1),
        calls: every(0.60, CALLS_PAGES),
        stats: every(0.60, STATS_PAGES),
    }
}

#[derive(Default)]
struct Memo {
    /// Today's queue and ring-group calls as history rows (merged into the calls job's
    /// history).
    group_history: Vec<Call>,
}

pub struct Client {
    id: ProviderId,
    /// The provider's name: the PBX's account id and budget scope.
    name: String,
    http: http::Guard,
    /// `{base}/api/integration/{version}`.
    api: Url,
    version: &'static str,
    token: HeaderValue,
    plan: Plan,
    memo: Mutex<Memo>,
    /// Requests the last run of each job actually made.
    used: Mutex<HashMap<JobKey, u32>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("voipcloud::Client")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("api", &self.api.as_str())
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Client {
    pub fn new(id: ProviderId, cfg: &ProviderConfig) -> Result<Self, String> {
        let name = &cfg.name;
        let s: &settings::VoipcloudSettings = cfg.kind_settings()?;
        let token = Some(s.token.expose().trim())
            .filter(|k| !k.is_empty())
            .ok_or_else(|| {
                format!("provider '{name}': VoIPcloud needs `token` (the PBX's API key from the portal's Billing tab)")
            })?;
        let mut token = HeaderValue::from_str(token).map_err(|_| {
            format!("provider '{name}': `token` has characters that cannot go in an HTTP header")
        })?;
        token.set_sensitive(true);
        let version = match s.api_version.as_deref().map(str::trim) {
            None | Some("") | Some("v1") => "v1",
            Some("v2") => "v2",
            Some(other) => {
                return Err(format!(
                    "provider '{name}': api_version must be \"v1\" or \"v2\", not {other:?}"
                ));
            }
        };
        let base_str = cfg.base_url.trim().trim_end_matches('/');
        if base_str.is_empty() {
            return Err(format!(
                "provider '{name}': VoIPcloud needs `base_url`, your PBX's regional host (e.g. https://au.voipcloud.online)"
            ));
        }
        let lower = base_str.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return Err(format!(
                "provider '{name}': base_url must start with http:// or https://"
            ));
        }
        let mut api = Url::parse(base_str)
            .map_err(|e| format!("provider '{name}': base_url is not a valid URL ({e})"))?;
        if api.cannot_be_a_base() || !api.has_host() {
            return Err(format!("provider '{name}': base_url has no host"));
        }
        api.set_query(None);
        api.set_fragment(None);
        // A base that already ends in /api/integration/vN is taken as it is.
        let path = api.path().trim_end_matches('/').to_owned();
        let has_api =
            path.ends_with("/api/integration/v1") || path.ends_with("/api/integration/v2");
        if !has_api {
            api.path_segments_mut()
                .map_err(|_| format!("provider '{name}': base_url cannot take a path"))?
                .pop_if_empty()
                .extend(["api", "integration", version]);
        }
        let timeout = http::timeout(cfg);
        let http = http::Guard::new(timeout, cfg.read_only.unwrap_or(false))
            .map(|g| g.with_limits(http::limits(cfg)))
            .map_err(|e| format!("provider '{name}': {e}"))?;
        let limit = cfg
            .rate_limit
            .map(RateLimit::from)
            .unwrap_or(DEFAULT_RATE_LIMIT);
        Ok(Client {
            id,
            name: name.clone(),
            http,
            api,
            version,
            token,
            plan: plan(limit),
            memo: Mutex::new(Memo::default()),
            used: Mutex::new(HashMap::new()),
        })
    }

    /// The refresh plan derived from the configured budget.
    pub fn plan(&self) -> Plan {
        self.plan
    }

    /// How many requests the last run of `key` made (≤ its job's cost).
    pub fn requests_used(&self, key: &JobKey) -> Option<u32> {
        lock(&self.used).get(key).copied()
    }

    fn job(&self, kind: JobKind, cost: u32, interval: Duration) -> Job {
        Job {
            key: JobKey {
                kind,
                scope: if kind == JobKind::Accounts {
                    String::new()
                } else {
                    self.name.clone()
                },
            },
            budget: self.name.clone(),
            cost,
            interval,
        }
    }

    /// `get-system-status`: the PBX as one account with its status.
    pub fn discovery_job(&self) -> Job {
        self.job(JobKind::Accounts, 1, self.plan.accounts)
    }

    /// User calls (live + history) and queue/ring-group calls (statistics + history).
    pub fn jobs(&self, accounts: &[Account]) -> Vec<Job> {
        if !accounts.iter().any(|a| a.provider == self.id) {
            return Vec::new();
        }
        vec![
            self.job(JobKind::Calls, PAGE_CAP * CALLS_PAGES, self.plan.calls),
            self.job(JobKind::Stats, PAGE_CAP * STATS_PAGES, self.plan.stats),
        ]
    }

    pub async fn fetch(&self, key: &JobKey) -> Result<FetchData, ProviderError> {
        let mut used = 0u32;
        let result = match key.kind {
            JobKind::Accounts => self.fetch_account(&mut used).await,
            JobKind::Calls => self.fetch_calls(&mut used).await,
            JobKind::Stats => self.fetch_stats(&mut used).await,
            _ => Err(ProviderError::Refused(format!(
                "VoIPcloud has no {} list",
                key.kind.label()
            ))),
        };
        lock(&self.used).insert(key.clone(), used);
        result
    }

    async fn fetch_account(&self, used: &mut u32) -> Result<FetchData, ProviderError> {
        *used += 1;
        let body = self.get("get-system-status", &[], "system status").await?;
        let mut extra = crate::model::FieldsBuilder::new();
        extra
            .push("api", format!("integration {}", self.version))
            .push("host", self.api.host_str().unwrap_or(""));
        match wire::decode_system_status(&body) {
            Ok(s) => {
                let status = s.status.unwrap_or_else(|| {
                    if s.message.is_empty() {
                        "unknown".into()
                    } else {
                        s.message.clone()
                    }
                });
                extra.push("system status", status);
                extra.push(
                    "incidents",
                    if s.incidents.is_empty() {
                        "none".into()
                    } else {
                        s.incidents.join("; ")
                    },
                );
            }
            Err(e) => return Err(self.envelope_error(e, "system status")),
        }
        let extra = extra.finish();
        let status_ok = extra
            .get("system status")
            .map(|v| v.eq_ignore_ascii_case("operational") || v.eq_ignore_ascii_case("ok"));
        Ok(FetchData::Accounts(vec![Account {
            provider: self.id,
            id: self.name.clone(),
            name: self.name.clone(),
            parent: None,
            kind: AccountKind::Domain,
            active: status_ok,
            extra,
        }]))
    }

    /// Every page of one list for today, newest first, until a short page or the cap.
    async fn list(
        &self,
        op: &str,
        what: &str,
        used: &mut u32,
    ) -> Result<Vec<serde_json::Value>, ProviderError> {
        let today = today_local();
        let mut rows = Vec::new();
        for page in 0..PAGE_CAP {
            let offset = (page * PAGE_LIMIT).to_string();
            let limit = PAGE_LIMIT.to_string();
            *used += 1;
            let body = self
                .get(
                    op,
                    &[
                        ("from_date", today.as_str()),
                        ("offset", offset.as_str()),
                        ("limit", limit.as_str()),
                    ],
                    what,
                )
                .await?;
            // A page holds at most the rows asked for: anything longer is refused before
            // it is decoded (one page cannot cost gigabytes).
            let list = what.to_owned();
            let decoded = http::decode_off_worker(body, move |body| {
                let page = shape::RowCap::Page(PAGE_LIMIT as usize);
                shape::check_rows(&body, 3, page, &list)?;
                match wire::decode_envelope(&body) {
                    Ok(env) => wire::rows(&env.data).map(Ok),
                    Err(Ok(env_error)) => Ok(Err(env_error)),
                    Err(Err(e)) => Err(e),
                }
            })
            .await?;
            let page_rows = decoded.map_err(|e| self.envelope_error(Ok(e), what))?;
            let n = page_rows.len();
            rows.extend(page_rows);
            if n < PAGE_LIMIT as usize {
                return Ok(rows);
            }
        }
        tracing::warn!(
            provider = %self.name,
            list = op,
            "more than {} rows today; showing the newest",
            PAGE_CAP * PAGE_LIMIT
        );
        Ok(rows)
    }

    async fn fetch_calls(&self, used: &mut u32) -> Result<FetchData, ProviderError> {
        let rows = self.list("get-user-calls", "user calls", used).await?;
        let calls: Vec<wire::UserCall> = rows.iter().map(wire::user_call).collect();
        let (live, mut history) = map_user_calls(self.id, &self.name, &calls);
        history.extend(lock(&self.memo).group_history.iter().cloned());
        history.sort_by_key(|c| std::cmp::Reverse(c.started_at_ms));
        Ok(FetchData::Calls { live, history })
    }

    /// Today's queue and ring-group calls. The console computes the statistics for the
    /// window the operator chose from them (`stats.window` makes no request); they also
    /// join the call history.
    async fn fetch_stats(&self, used: &mut u32) -> Result<FetchData, ProviderError> {
        let (queues, rings) = (
            self.list("get-queue-calls", "queue calls", used).await?,
            self.list("get-ringgroup-calls", "ring-group calls", used)
                .await?,
        );
        let mut records = Vec::new();
        let mut history = Vec::new();
        for (rows, kind) in [(queues, "queue"), (rings, "ring group")] {
            for row in &rows {
                let g = wire::group_call(row);
                if let Some(r) = group_record(&g, kind) {
                    records.push(r);
                }
                history.push(group_history_call(self.id, &self.name, &g, kind));
            }
        }
        lock(&self.memo).group_history = history;
        Ok(FetchData::GroupCalls(records))
    }

    fn url(&self, op: &str) -> Result<Url, ProviderError> {
        let mut url = self.api.clone();
        url.path_segments_mut()
            .map_err(|_| ProviderError::Refused("base_url cannot take a path".into()))?
            .pop_if_empty()
            .push(op);
        Ok(url)
    }

    async fn get(
        &self,
        op: &str,
        query: &[(&str, &str)],
        what: &str,
    ) -> Result<bytes_like::Body, ProviderError> {
        let mut url = self.url(op)?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let request = self
            .http
            .request(Method::GET, url)
            .header(HeaderName::from_static("token"), self.token.clone())
            .header(ACCEPT, HeaderValue::from_static("application/json"));
        self.send(request, op, what).await
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        op: &str,
        what: &str,
    ) -> Result<bytes_like::Body, ProviderError> {
        let started = Instant::now();
        let resp = self.http.send(request).await?;
        let status = resp.status().as_u16();
        tracing::debug!(
            op,
            status,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "voipcloud request"
        );
        let retry_after = http::retry_after(resp.headers());
        if (200..300).contains(&status) {
            let body = self.http.read_body(resp).await?;
            shape::check_kind(&body, shape::Expect::Json)?;
            return Ok(body);
        }
        let body = self.http.read_error_body(resp).await;
        let (code, message) = match wire::decode_envelope(&body) {
            Err(Ok(e)) => (i64::from(status), e.message),
            _ => (i64::from(status), String::new()),
        };
        Err(map_error(code, &message, retry_after, what))
    }

    fn envelope_error(
        &self,
        e: Result<wire::EnvelopeError, ProviderError>,
        what: &str,
    ) -> ProviderError {
        match e {
            Ok(env) => map_error(env.code, &env.message, None, what),
            Err(decode) => decode,
        }
    }

    pub fn mutation_budget(&self, _m: &Mutation) -> (String, u32) {
        (self.name.clone(), 1)
    }

    fn call_to_number<'a>(
        &self,
        m: &'a Mutation,
    ) -> Result<(&'a str, &'a str, Option<&'a str>), ProviderError> {
        match m {
            Mutation::Provider {
                change:
                    ProviderChange::Voipcloud(Change::CallToNumber {
                        user_number,
                        number_to_call,
                        caller_id,
                    }),
                ..
            } => Ok((user_number, number_to_call, caller_id.as_deref())),
            Mutation::ClickToCall {
                destination,
                caller_id: Some(user),
                ..
            } => Ok((user, destination, None)),
            _ => Err(ProviderError::Refused(
                "VoIPcloud offers only click-to-call (call-to-number)".into(),
            )),
        }
    }

    fn body(user: &str, to: &str, caller_id: Option<&str>) -> serde_json::Value {
        let mut body = serde_json::json!({ "user_number": user, "number_to_call": to });
        if let Some(c) = caller_id.filter(|c| !c.is_empty()) {
            body["caller_id"] = serde_json::Value::String(c.to_owned());
        }
        body
    }

    pub fn preview(&self, m: &Mutation) -> Result<RequestPreview, ProviderError> {
        let (user, to, caller) = self.call_to_number(m)?;
        let url = self.url("call-to-number")?;
        Ok(RequestPreview {
            method: "POST".into(),
            path: url.path().to_owned(),
            body: Some(Self::body(user, to, caller).to_string()),
            stored_changes: Vec::new(),
        })
    }

    pub async fn mutate(&self, m: &Mutation) -> Result<MutationOutcome, ProviderError> {
        let (user, to, caller) = self.call_to_number(m)?;
        let url = self.url("call-to-number")?;
        let request = self
            .http
            .request(Method::POST, url)
            .header(HeaderName::from_static("token"), self.token.clone())
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .json(&Self::body(user, to, caller));
        let body = self
            .send(request, "call-to-number", "call-to-number")
            .await?;
        let (id, message) = wire::decode_call_to_number(&body)
            .map_err(|e| self.envelope_error(e, "call-to-number"))?;
        Ok(MutationOutcome {
            status: 200,
            message: if message.is_empty() {
                format!("ringing {user}, then dialling {to}")
            } else {
                format!("ringing {user}, then dialling {to} ({})", cap(&message))
            },
            created_id: id,
            reveal: None,
        })
    }

    pub fn set_read_only(&self, on: bool) {
        self.http.read_only().set(on);
    }

    pub fn read_only(&self) -> bool {
        self.http.read_only().is_on()
    }
}

mod bytes_like {
    /// A response body.
    pub type Body = Vec<u8>;
}

/// VoIPcloud's wording: 401 and 403 both mean the token or the host's IP was refused; a
/// 404 hints at the integration API.
const WORDING: Wording = Wording {
    classes: &[(403, Class::Unauthorized)],
    words: |class, said| match class {
        Class::Unauthorized => UNAUTHORIZED.to_owned(),
        Class::NotFound => format!(
            "{}: {} (is the integration API enabled for this PBX?)",
            said.what, said.text
        ),
        _ => said.usual(class),
    },
};

/// Maps a status (HTTP or the envelope's `code`) and message to an error an operator can
/// act on. `what` names the list ("queue calls").
pub fn map_error(
    code: i64,
    message: &str,
    retry_after: Option<Duration>,
    what: &str,
) -> ProviderError {
    let provider = Some(message).filter(|m| !m.trim().is_empty());
    let text = provider.unwrap_or(match code {
        400 => "parameters error",
        404 => "tenant or required data not found",
        429 => "Too Many Requests",
        _ => "unknown error",
    });
    let said = Said {
        what,
        provider,
        text,
    };
    // A code outside the HTTP range reads as a server error with status 0.
    let status = u16::try_from(code).unwrap_or(0);
    errors::map_status(status, retry_after, &said, &WORDING)
}

/// `from_date` for "today": the UTC date of the console's local midnight. The API does
/// not say which time zone its dates are in; this never starts later than local midnight
/// (east of UTC it starts a day early, and the statistics window filters by time anyway).
fn today_local() -> String {
    jiff::Timestamp::from_millisecond(crate::clock::today_start_ms())
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_else(|_| jiff::Zoned::now().date().to_string())
}

/// A number as people read it: long all-digit numbers get their `+` back (VoIPcloud
/// sends `61300000000`); extensions and anything else stay as sent.
pub fn display_number(s: &str) -> String {
    crate::phone::display(s, &forms::PHONE)
}

fn opt_number(s: &Option<String>) -> String {
    s.as_deref().map(display_number).unwrap_or_default()
}

/// What a v2 `type` says about how a call ended (`user_inbound_missed` → no answer,
/// `user_outbound_answered` → completed); None when it names no outcome it knows.
pub fn type_outcome(kind: &str) -> Option<CallState> {
    let outcome: String = kind
        .to_ascii_lowercase()
        .split(['_', '-', ' '])
        .filter(|p| {
            !p.is_empty()
                && Direction::from_text(p) == Direction::Unknown
                && !matches!(
                    *p,
                    "user" | "queue" | "ringgroup" | "ring" | "group" | "call"
                )
        })
        .collect();
    match outcome.as_str() {
        "answered" | "answer" | "connected" | "completed" => Some(CallState::Completed),
        "missed" | "unanswered" | "noanswer" | "notanswered" | "voicemail" => {
            Some(CallState::NoAnswer)
        }
        "busy" => Some(CallState::Busy),
        "failed" | "failure" | "error" => Some(CallState::Failed),
        "cancelled" | "canceled" | "abandoned" => Some(CallState::Cancelled),
        "rejected" | "declined" => Some(CallState::Rejected),
        _ => None,
    }
}

/// A user call's state. Live only when the row says it is unfinished (v1
/// `call_finished_at: null`): in call once answered, else ringing. Every other row is a
/// finished call: completed when answered (`connected_at`, talk time, or its `type`),
/// else what its `type` says (missed → no answer); a `type` naming no known outcome is
/// shown as sent; a v1 row with neither is a call nobody answered.
pub fn user_call_state(c: &wire::UserCall) -> CallState {
    let by_type = c.kind.as_deref().and_then(type_outcome);
    let answered = c.answered_ms.is_some()
        || c.talk_s.is_some_and(|t| t > 0)
        || by_type == Some(CallState::Completed);
    if c.unfinished {
        return if answered {
            CallState::InCall
        } else {
            CallState::Ringing
        };
    }
    if answered {
        return CallState::Completed;
    }
    match (by_type, &c.kind) {
        (Some(state), _) => state,
        (None, Some(kind)) if !kind.trim().is_empty() => CallState::Unknown(kind.trim().into()),
        _ => CallState::NoAnswer,
    }
}

/// When a finished user call ended: `call_finished_at`, else (v2 rows carry none)
/// `call_start_at` + `call_duration` (ringing + talking). None while it is live.
pub fn user_call_end(c: &wire::UserCall) -> Option<i64> {
    if c.unfinished {
        return None;
    }
    c.finished_ms.or_else(|| {
        let (start, d) = (c.started_ms?, c.duration_s?);
        start.checked_add(d.max(0).checked_mul(1000)?)
    })
}

/// User calls → (live, history). Live = the row says it is unfinished
/// (`call_finished_at: null`); see [`user_call_state`].
pub fn map_user_calls(
    provider: ProviderId,
    account: &str,
    calls: &[wire::UserCall],
) -> (Vec<Call>, Vec<Call>) {
    let mut live = Vec::new();
    let mut history = Vec::new();
    for c in calls {
        let is_live = c.unfinished;
        let state = user_call_state(c);
        let answered_at = c.answered_ms.or_else(|| {
            // v1 has no answer time: start + (whole − talk).
            match (c.started_ms, c.duration_s, c.talk_s) {
                (Some(s), Some(d), Some(t)) if t > 0 && d >= t => {
                    s.checked_add(d.checked_sub(t)?.checked_mul(1000)?)
                }
                _ => None,
            }
        });
        let id = c.id.clone().unwrap_or_else(|| {
            format!(
                "{}-{}-{}-{}",
                c.user_name.as_deref().unwrap_or("?"),
                c.started_ms.unwrap_or(0),
                c.from.as_deref().unwrap_or(""),
                c.to.as_deref().unwrap_or("")
            )
        });
        let mut extra = crate::model::FieldsBuilder::new();
        let mut add = |k: &'static str, v: Option<String>| {
            if let Some(v) = v {
                extra.push(k, v);
            }
        };
        add("user", c.user_name.clone());
        add("user number", c.user_number.as_deref().map(display_number));
        add("type", c.kind.clone());
        add("call duration s", c.duration_s.map(|v| v.to_string()));
        add("talk s", c.talk_s.map(|v| v.to_string()));
        let call = Call {
            provider,
            account: account.to_string().into(),
            account_name: Default::default(),
            id: id.into(),
            from: opt_number(&c.from).into(),
            to: opt_number(&c.to).into(),
            direction: c.direction,
            state,
            started_at_ms: c.started_ms,
            answered_at_ms: answered_at,
            ended_at_ms: user_call_end(c),
            extra: extra.finish(),
        };
        if is_live {
            live.push(call);
        } else {
            history.push(call);
        }
    }
    (live, history)
}

/// A queue/ring-group row as a statistics record (None without a group or start).
pub fn group_record(g: &wire::GroupCall, kind: &str) -> Option<GroupCallRecord> {
    Some(GroupCallRecord {
        id: group_call_id(g, kind),
        group: g.group.clone()?,
        kind: kind.to_string(),
        started_ms: g.started_ms?,
        answered_ms: g.answered_ms,
        finished_ms: g.finished_ms,
        agent: g.agent.clone(),
        outcome: match &g.outcome {
            Some(wire::Outcome::Answered) => stats::Outcome::Answered,
            Some(wire::Outcome::Abandoned) => stats::Outcome::Abandoned,
            Some(wire::Outcome::TimedOut) => stats::Outcome::TimedOut,
            _ => stats::Outcome::Other,
        },
    })
}

/// A queue/ring-group row's call id: `unique_call_id` (v2) or, without one (v1), a key
/// from the group, the start and the caller, the same at every poll.
fn group_call_id(g: &wire::GroupCall, kind: &str) -> String {
    g.id.clone().unwrap_or_else(|| {
        format!(
            "{kind}:{}-{}-{}",
            g.group.as_deref().unwrap_or("?"),
            g.started_ms.unwrap_or(0),
            g.caller.as_deref().unwrap_or("")
        )
    })
}

fn group_history_call(
    provider: ProviderId,
    account: &str,
    g: &wire::GroupCall,
    kind: &str,
) -> Call {
    let state = match &g.outcome {
        Some(wire::Outcome::Answered) => CallState::Completed,
        Some(wire::Outcome::Abandoned) => CallState::Cancelled,
        Some(wire::Outcome::TimedOut) => CallState::NoAnswer,
        Some(wire::Outcome::Other(s)) => CallState::Unknown(s.clone()),
        // A queue or ring-group row is the summary of a call that ended (it only joins
        // the history): without a status it is completed when someone answered.
        None if g.answered_ms.is_some() => CallState::Completed,
        None => CallState::Unknown(String::new()),
    };
    let id = group_call_id(g, kind);
    let mut extra = crate::model::FieldsBuilder::new();
    extra.push(kind.to_string(), g.group.as_deref().unwrap_or_default());
    if let Some(a) = &g.agent {
        extra.push("answered by", a.clone());
    }
    Call {
        provider,
        account: account.to_string().into(),
        account_name: Default::default(),
        id: id.into(),
        from: opt_number(&g.caller).into(),
        to: opt_number(&g.inbound_number).into(),
        direction: Direction::Inbound,
        state,
        started_at_ms: g.started_ms,
        answered_at_ms: g.answered_ms,
        ended_at_ms: g.finished_ms,
        extra: extra.finish(),
    }
}
