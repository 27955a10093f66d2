//! Callable REST API client (providers.md §4): OAuth sign-in with JWT refresh
//! ([`auth`]), the organisation and its accounts, addresses, DDIs, SIP trunks, hooks,
//! flow devices ([`flow`]) and the voice channel.
//!
//! Requests: `{base}/api/v1/…` with `Authorization: Bearer <access token>` (sensitive
//! header). A 401 renews the token once and repeats the request once.
//!
//! Voice channel: click-to-call follows the documented verbs model. The live-call list
//! and hang-up follow providers.md §4.5's PROPOSAL (`GET`/`DELETE …/channels/voice`),
//! which Callable does not document; the client is tolerant of their absence (a 404 or
//! 405 on the list is an empty list, not an error).
//!
//! Budget: Callable documents no rate limit; [`DEFAULT_RATE_LIMIT`] is a sane 10/s for
//! the whole connection. Every job's cost includes two spare requests: one token request
//! and the one repeat after a 401.

pub mod auth;
pub mod device_forms;
pub mod flow;
pub mod flow_forms;
pub mod forms;
pub mod route;
pub mod settings;
pub mod wire;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, Url};
use serde_json::{Value, json};

use super::{
    FetchData, Job, JobKey, JobKind, Mutation, MutationOutcome, ProviderChange, ProviderError,
    RateLimit, RequestPreview, http,
};
use crate::model::{
    Account, AccountKind, ActionKind, Call, CallState, Capabilities, Direction, Field, Number,
    ProviderId, Resource, Trunk,
};
use crate::providers::ProviderConfig;
pub(crate) use crate::providers::errors::cap;
use crate::providers::errors::{self, Class, Wording};
use crate::providers::provider::{Descriptor, forward_provider};

/// What Callable offers. No call history: Callable has no CDR endpoint (§4.5).
pub const CAPABILITIES: Capabilities = Capabilities::new()
    .with(Resource::Accounts)
    .with(Resource::LiveCalls)
    .with(Resource::Trunks)
    .with(Resource::Numbers)
    .with_action(ActionKind::ClickToCall)
    .with_action(ActionKind::Hangup)
    .with_action(ActionKind::EditTrunk)
    .with_action(ActionKind::EditAccount);

/// Callable documents no rate limit: a sane default of 10 requests per second for the
/// whole connection (token requests included). Configure `rate_limit` to change it.
pub const DEFAULT_RATE_LIMIT: RateLimit = RateLimit {
    requests: 10,
    per: Duration::from_secs(1),
};

/// What shared code knows about callable without a client.
pub const DESCRIPTOR: Descriptor = Descriptor {
    kind: crate::model::ProviderKind::Callable,
    capabilities: CAPABILITIES,
    default_rate_limit: DEFAULT_RATE_LIMIT,
    default_base_url: Some("https://eu-west-2-api.control.callable.io"),
    settings: settings::KEYS,
    from_values: settings::from_values,
    history_arrives_later: false,
    open_form: forms::open,
    build_form: forms::build,
    offers: super::provider::offers_every_intent,
    acts_on: None,
    commands: forms::COMMANDS,
    route: route::describe,
};

forward_provider!(Client, DESCRIPTOR);

/// The one budget scope (the limit, if any, is per user, not per account).
pub const BUDGET: &str = "api";
/// Spare requests in every job's cost: one token request, one repeat after a 401.
pub const AUTH_SPARE: u32 = 2;

pub const ACCOUNTS_INTERVAL: Duration = Duration::from_secs(60);
pub const CALLS_INTERVAL: Duration = Duration::from_secs(5);
pub const TRUNKS_INTERVAL: Duration = Duration::from_secs(30);
pub const NUMBERS_INTERVAL: Duration = Duration::from_secs(60);
pub const INFO_INTERVAL: Duration = Duration::from_secs(60);

/// The last line of every drawn flow: how its devices are edited.
pub const FLOW_EDIT_HINT: &str = "edit: :device.edit <name> · :device.new · p re-points a DDI";

/// A trunk as Callable stores it (the form's values).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrunkBody {
    pub ip: String,
    pub port: u16,
    pub vendor: String,
    pub caller_format: String,
    pub called_format: String,
    pub description: String,
    pub zone: String,
    pub country_code: String,
}

impl TrunkBody {
    fn json(&self, id: Option<&str>) -> Value {
        let mut v = json!({
            "ip": self.ip,
            "port": self.port,
            "vendor": self.vendor,
            "callerFormat": self.caller_format,
            "calledFormat": self.called_format,
            "description": self.description,
            "zone": self.zone,
            "countryCode": self.country_code,
        });
        if let (Some(id), Some(m)) = (id, v.as_object_mut()) {
            m.insert("id".into(), Value::String(id.to_owned()));
        }
        v
    }
}

/// A hook as Callable stores it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HookBody {
    pub app: String,
    pub url: String,
    pub auth_type: String,
    pub method: String,
    /// None: the stored hook has no priority (none is sent, so none is stored).
    pub priority: Option<i64>,
}

impl HookBody {
    fn json(&self, id: Option<&str>) -> Value {
        let mut v = json!({
            "app": self.app,
            "url": self.url,
            "authType": self.auth_type,
            "method": self.method,
        });
        if let (Some(p), Some(m)) = (self.priority, v.as_object_mut()) {
            m.insert("priority".into(), json!(p));
        }
        if let (Some(id), Some(m)) = (id, v.as_object_mut()) {
            m.insert("id".into(), Value::String(id.to_owned()));
        }
        v
    }
}

/// Who a click-to-call rings first.
#[derive(Debug, Clone, PartialEq)]
pub enum CallTarget {
    /// E.164 with `+`.
    Phone(String),
    Extension(String),
}

/// A click-to-call in the verbs model: ring `target`, then on answer say `say` (if any)
/// and dial `dial` (if any), else hang up.
#[derive(Debug, Clone, PartialEq)]
pub struct CallSpec {
    pub caller_id: Option<String>,
    pub target: CallTarget,
    pub say: Option<String>,
    pub dial: Option<String>,
}

impl CallSpec {
    pub fn json(&self) -> Value {
        let target = match &self.target {
            CallTarget::Phone(n) => json!({"phoneNumber": {"number": n}}),
            CallTarget::Extension(e) => json!({"extension": {"extension": e}}),
        };
        let mut verbs = Vec::new();
        if let Some(s) = &self.say {
            verbs.push(json!({"say": {"text": [s]}}));
        }
        match &self.dial {
            Some(d) => {
                let mut dial = json!({"timeout": 30, "targets": [{"phoneNumber": {"number": d}}]});
                if let (Some(c), Some(m)) = (&self.caller_id, dial.as_object_mut()) {
                    m.insert("callerId".into(), Value::String(c.clone()));
                }
                verbs.push(json!({ "dial": dial }));
            }
            None => verbs.push(json!({"hangup": {"reason": "call-complete"}})),
        }
        let mut v = json!({"target": target, "verbs": verbs});
        if let (Some(c), Some(m)) = (&self.caller_id, v.as_object_mut()) {
            m.insert("callerId".into(), Value::String(c.clone()));
        }
        v
    }
}

/// A change only Callable makes (built by its own forms, sent by [`Client::mutate`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    CreateTrunk(TrunkBody),
    UpdateTrunk {
        id: String,
        trunk: TrunkBody,
    },
    UpdateAddress(wire::Address),
    CreateHook(HookBody),
    UpdateHook {
        id: String,
        hook: HookBody,
    },
    Call(CallSpec),
    /// `PUT …/device/{id}` with the whole device (a flow entry re-pointed …), checked
    /// for dangling references before it was built ([`flow_forms::dangling`]).
    UpdateDevice {
        id: String,
        name: String,
        body: Value,
    },
    /// `POST …/device` (a new flow device), checked like an update.
    CreateDevice {
        name: String,
        body: Value,
    },
}

fn address_json(a: &wire::Address) -> Value {
    json!({
        "line1": a.line1, "line2": a.line2, "level1": a.level1, "level2": a.level2,
        "postalCode": a.postal_code, "country": a.country,
    })
}

/// Callable's wording: 422 is a bad request; a rejected token or a missing role points
/// at the user's roles.
const WORDING: Wording = Wording {
    classes: &[(422, Class::BadRequest)],
    words: |class, said| match class {
        Class::Unauthorized => format!(
            "access token rejected for {} ({}); check the user's roles",
            said.what, said.text
        ),
        Class::Forbidden => format!("user lacks the role for {} ({})", said.what, said.text),
        _ => said.usual(class),
    },
};

/// Maps a non-2xx resource response to a [`ProviderError`].
pub fn map_http_error(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
    what: &str,
) -> ProviderError {
    let provider = wire::decode_error_message(body);
    errors::map_message(status, retry_after, what, provider.as_deref(), &WORDING)
}

pub struct Client {
    id: ProviderId,
    http: http::Guard,
    base: Url,
    auth: auth::Auth,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("callable::Client")
            .field("id", &self.id)
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

/// A 2xx answer: status, `Location` header and body.
struct Answer {
    status: u16,
    body: Vec<u8>,
}

impl Client {
    pub fn new(id: ProviderId, cfg: &ProviderConfig) -> Result<Self, String> {
        let name = &cfg.name;
        let s: &settings::CallableSettings = cfg.kind_settings()?;
        let username = Some(s.username.trim())
            .filter(|u| !u.is_empty())
            .ok_or_else(|| format!("provider '{name}': Callable needs `username`"))?
            .to_owned();
        let password = Some(s.password.clone())
            .filter(|p| !p.is_empty())
            .ok_or_else(|| format!("provider '{name}': Callable needs `password`"))?;
        let base = http::base_url(name, &cfg.base_url)?;
        let timeout = http::timeout(cfg);
        let http = http::Guard::new(timeout, cfg.read_only.unwrap_or(false))
            .map(|g| g.with_limits(http::limits(cfg)))
            .map_err(|e| format!("provider '{name}': {e}"))?;
        let auth = auth::Auth::new(&base, username, password, timeout)
            .map_err(|e| format!("provider '{name}': {e}"))?;
        Ok(Client {
            id,
            http,
            base,
            auth,
        })
    }

    /// The token lifecycle (roles, counters).
    pub fn auth(&self) -> &auth::Auth {
        &self.auth
    }

    pub fn discovery_job(&self) -> Job {
        Job {
            key: JobKey {
                kind: JobKind::Accounts,
                scope: String::new(),
            },
            budget: BUDGET.into(),
            cost: 2 + AUTH_SPARE,
            interval: ACCOUNTS_INTERVAL,
        }
    }

    /// Per account: live calls (5 s), trunks (30 s), numbers (60 s: DDIs + devices),
    /// details (60 s: account, address, hooks, devices, DDIs, trunks).
    pub fn jobs(&self, accounts: &[Account]) -> Vec<Job> {
        let mut jobs = Vec::new();
        let mut seen = HashSet::new();
        for a in accounts
            .iter()
            .filter(|a| a.provider == self.id && a.kind == AccountKind::Domain)
        {
            if a.id.is_empty() || !seen.insert(a.id.as_str()) {
                continue;
            }
            let job = |kind, cost: u32, interval| Job {
                key: JobKey {
                    kind,
                    scope: a.id.clone(),
                },
                budget: BUDGET.into(),
                cost: cost + AUTH_SPARE,
                interval,
            };
            jobs.push(job(JobKind::Calls, 1, CALLS_INTERVAL));
            jobs.push(job(JobKind::Trunks, 1, TRUNKS_INTERVAL));
            jobs.push(job(JobKind::Numbers, 2, NUMBERS_INTERVAL));
            jobs.push(job(JobKind::AccountInfo, 6, INFO_INTERVAL));
        }
        jobs
    }

    pub async fn fetch(&self, key: &JobKey) -> Result<FetchData, ProviderError> {
        match key.kind {
            JobKind::Accounts => self.fetch_accounts().await,
            JobKind::Calls => {
                let a = scope(key)?;
                // PROPOSAL (providers.md §4.5): not documented by Callable.
                let live = match self
                    .get(&["account", a, "channels", "voice"], "live calls")
                    .await
                {
                    Ok(body) => {
                        map_calls(self.id, a, http::decode(body, wire::decode_calls).await?)
                    }
                    Err(ProviderError::NotFound(_)) => Vec::new(),
                    Err(ProviderError::Server { status: 405, .. }) => Vec::new(),
                    Err(e) => return Err(e),
                };
                Ok(FetchData::Calls {
                    live,
                    history: Vec::new(),
                })
            }
            JobKind::Trunks => {
                let a = scope(key)?;
                let body = self.get(&["account", a, "trunk"], "trunks").await?;
                Ok(FetchData::Trunks(map_trunks(
                    self.id,
                    a,
                    http::decode(body, wire::decode_trunks).await?,
                )))
            }
            JobKind::Numbers => {
                let a = scope(key)?;
                let ddis = wire::decode_id_names(&self.get(&["account", a, "ddi"], "DDIs").await?)?;
                let devices = match self.get(&["account", a, "device"], "flow devices").await {
                    Ok(b) => wire::decode_devices(&b).unwrap_or_default(),
                    Err(
                        e @ (ProviderError::Unauthorized(_) | ProviderError::RateLimited { .. }),
                    ) => {
                        return Err(e);
                    }
                    Err(_) => Vec::new(),
                };
                Ok(FetchData::Numbers(map_ddis(self.id, a, &ddis, &devices)))
            }
            JobKind::AccountInfo => self.fetch_info(scope(key)?).await,
            JobKind::Stats => Err(ProviderError::Refused(
                "Callable has no statistics endpoint".into(),
            )),
        }
    }

    async fn fetch_accounts(&self) -> Result<FetchData, ProviderError> {
        let org = wire::decode_id_name(&self.get(&["userAccounts", "me"], "organisation").await?)?;
        let list = wire::decode_id_names(&self.get(&["account"], "accounts").await?)?;
        let org_id = if org.id.is_empty() {
            "me".to_owned()
        } else {
            org.id.clone()
        };
        let mut out = vec![Account {
            provider: self.id,
            id: org_id.clone(),
            name: if org.name.is_empty() {
                org_id.clone()
            } else {
                org.name
            },
            parent: None,
            kind: AccountKind::Customer,
            active: None,
            extra: vec![
                ("organisation id".into(), org_id.clone().into()),
                ("roles".into(), self.auth.roles().join(", ").into()),
            ]
            .into(),
        }];
        let mut seen = HashSet::new();
        for a in list {
            if a.id == org_id || !seen.insert(a.id.clone()) {
                continue;
            }
            out.push(Account {
                provider: self.id,
                name: if a.name.is_empty() {
                    a.id.clone()
                } else {
                    a.name
                },
                id: a.id.clone(),
                parent: Some(org_id.clone()),
                kind: AccountKind::Domain,
                active: None,
                extra: vec![("id".into(), a.id.into())].into(),
            });
        }
        Ok(FetchData::Accounts(out))
    }

    /// The account's details: mbn, domain, address, hooks, roles and its flow.
    pub async fn fetch_info(&self, a: &str) -> Result<FetchData, ProviderError> {
        let detail = wire::decode_account(&self.get(&["account", a], "account").await?)?;
        let mut fields: Vec<Field> = vec![
            ("mbn".into(), plus(&detail.mbn).into()),
            ("domain".into(), detail.domain.into()),
            ("roles".into(), self.auth.roles().join(", ").into()),
        ];
        match self.get(&["account", a, "address"], "address").await {
            Ok(b) => {
                let ad = wire::decode_address(&b)?;
                fields.extend(address_fields(&ad));
            }
            Err(e) if keep_going(&e) => {
                fields.push(("address".into(), format!("unavailable: {e}").into()))
            }
            Err(e) => return Err(e),
        }
        match self.get(&["account", a, "hook"], "hooks").await {
            Ok(b) => fields.extend(hook_fields(&wire::decode_hooks(&b)?)),
            Err(e) if keep_going(&e) => {
                fields.push(("hooks".into(), format!("unavailable: {e}").into()))
            }
            Err(e) => return Err(e),
        }
        let (flow, details) = self.fetch_flow_details(a).await?;
        fields.push((
            "flow".into(),
            match flow.problems {
                0 => format!("{} lines (:flow to draw)", flow.lines.len()).into(),
                n => format!("⚠ {n} missing reference(s) (:flow to draw)").into(),
            },
        ));
        let mut lines: Vec<String> = flow
            .lines
            .iter()
            .map(|l| format!("{}{}", "  ".repeat(l.depth as usize), l.text))
            .collect();
        // The flow view is where its devices are changed: say how.
        lines.push(String::new());
        lines.push(FLOW_EDIT_HINT.to_owned());
        for (i, l) in lines.into_iter().enumerate() {
            fields.push((format!("flow {:02}", i + 1).into(), l.into()));
        }
        Ok(FetchData::AccountInfo {
            account: a.to_owned(),
            fields,
            details: Some(crate::providers::ProviderDetails::Callable(details)),
        })
    }

    /// Devices, DDIs and trunks of an account, drawn as a flow.
    pub async fn fetch_flow(&self, a: &str) -> Result<flow::Flow, ProviderError> {
        Ok(self.fetch_flow_details(a).await?.0)
    }

    /// The flow drawn, plus what it was drawn from (the forms edit it).
    pub async fn fetch_flow_details(
        &self,
        a: &str,
    ) -> Result<(flow::Flow, flow_forms::Details), ProviderError> {
        let devices =
            wire::decode_devices(&self.get(&["account", a, "device"], "flow devices").await?)?;
        let ddis = wire::decode_id_names(&self.get(&["account", a, "ddi"], "DDIs").await?)?;
        let trunks = wire::decode_trunks(&self.get(&["account", a, "trunk"], "trunks").await?)?;
        let flow = flow::build(&devices, &ddis, &trunks);
        Ok((
            flow,
            flow_forms::Details {
                devices,
                trunks,
                ddis,
            },
        ))
    }

    pub fn mutation_budget(&self, _m: &Mutation) -> (String, u32) {
        (BUDGET.into(), 1 + AUTH_SPARE)
    }

    /// The single request a mutation sends: method, path relative to the base, body.
    fn request_of(
        &self,
        m: &Mutation,
    ) -> Result<(Method, Vec<String>, Option<Value>), ProviderError> {
        let acc = |rest: &[&str]| {
            let mut v = vec!["account".to_owned(), m.account().to_owned()];
            v.extend(rest.iter().map(|s| (*s).to_owned()));
            v
        };
        Ok(match m {
            Mutation::Hangup { call_id, .. } => {
                // PROPOSAL (providers.md §4.5): DELETE …/channels/voice/{callId}.
                (Method::DELETE, acc(&["channels", "voice", call_id]), None)
            }
            Mutation::ClickToCall {
                destination,
                caller_id,
                ..
            } => {
                let spec = CallSpec {
                    caller_id: caller_id.clone(),
                    target: CallTarget::Phone(destination.clone()),
                    say: None,
                    dial: None,
                };
                (Method::POST, acc(&["channels", "voice"]), Some(spec.json()))
            }
            Mutation::Provider {
                change: ProviderChange::Callable(c),
                ..
            } => match c {
                Change::CreateTrunk(t) => (Method::POST, acc(&["trunk"]), Some(t.json(None))),
                Change::UpdateTrunk { id, trunk } => {
                    (Method::PUT, acc(&["trunk", id]), Some(trunk.json(Some(id))))
                }
                Change::UpdateAddress(ad) => {
                    (Method::PUT, acc(&["address"]), Some(address_json(ad)))
                }
                Change::CreateHook(h) => (Method::POST, acc(&["hook"]), Some(h.json(None))),
                Change::UpdateHook { id, hook } => {
                    (Method::PUT, acc(&["hook", id]), Some(hook.json(Some(id))))
                }
                Change::Call(spec) => {
                    (Method::POST, acc(&["channels", "voice"]), Some(spec.json()))
                }
                Change::UpdateDevice { id, body, .. } => {
                    (Method::PUT, acc(&["device", id]), Some(body.clone()))
                }
                Change::CreateDevice { body, .. } => {
                    (Method::POST, acc(&["device"]), Some(body.clone()))
                }
            },
            other => {
                return Err(ProviderError::Refused(format!(
                    "{} is not offered by Callable",
                    other.command()
                )));
            }
        })
    }

    pub fn preview(&self, m: &Mutation) -> Result<RequestPreview, ProviderError> {
        let (method, segs, body) = self.request_of(m)?;
        let url = self.url(&segs.iter().map(String::as_str).collect::<Vec<_>>())?;
        Ok(RequestPreview {
            method: method.to_string(),
            path: url.path().to_owned(),
            body: body.map(|b| serde_json::to_string_pretty(&b).unwrap_or_default()),
            stored_changes: Vec::new(),
        })
    }

    /// Sends a mutation once (a 401 renews the token and repeats it once: the first
    /// attempt was refused, so nothing was changed).
    pub async fn mutate(&self, m: &Mutation) -> Result<MutationOutcome, ProviderError> {
        let (method, segs, body) = self.request_of(m)?;
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        let what = m.command();
        let result = self.send(method, &segs, body.as_ref(), what).await;
        let answer = match result {
            Err(ProviderError::NotFound(_)) if matches!(m, Mutation::Hangup { .. }) => {
                return Ok(MutationOutcome {
                    status: 404,
                    message: "call already ended".into(),
                    created_id: None,
                    reveal: None,
                });
            }
            other => other?,
        };
        let created_id = wire::decode_created_id(&answer.body);
        let message = match m {
            Mutation::Provider {
                change: ProviderChange::Callable(c),
                ..
            } => match c {
                Change::CreateTrunk(t) => format!("trunk {} created", t.ip),
                Change::UpdateTrunk { trunk, .. } => format!("trunk {} updated", trunk.ip),
                Change::UpdateAddress(_) => "address updated".into(),
                Change::CreateHook(h) => format!("hook {} created", h.url),
                Change::UpdateHook { hook, .. } => format!("hook {} updated", hook.url),
                Change::Call(_) => "call started".into(),
                Change::UpdateDevice { name, .. } => format!("flow device {name} updated"),
                Change::CreateDevice { name, .. } => format!("flow device {name} created"),
            },
            Mutation::Hangup { .. } => "call hung up".into(),
            Mutation::ClickToCall { .. } => "call started".into(),
            _ => "done".into(),
        };
        Ok(MutationOutcome {
            status: answer.status,
            message,
            created_id,
            reveal: None,
        })
    }

    pub fn set_read_only(&self, on: bool) {
        self.http.read_only().set(on);
    }

    pub fn read_only(&self) -> bool {
        self.http.read_only().is_on()
    }

    fn url(&self, segments: &[&str]) -> Result<Url, ProviderError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|_| ProviderError::Refused("base_url cannot take a path".into()))?
            .pop_if_empty()
            .extend(["api", "v1"])
            .extend(segments);
        Ok(url)
    }

    async fn get(&self, segments: &[&str], what: &str) -> Result<Vec<u8>, ProviderError> {
        let body = self.send(Method::GET, segments, None, what).await?.body;
        // Lists are bare arrays or `{"data": [...]}`: count two levels before decoding.
        self.http.checked_json_list(body, 2, what).await
    }

    /// One request with a valid token; on 401 the token is renewed and the request
    /// repeated once.
    async fn send(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<&Value>,
        what: &str,
    ) -> Result<Answer, ProviderError> {
        let url = self.url(segments)?;
        // Refuse before signing in, so a read-only console sends nothing for a mutation.
        self.http.read_only().check(&method, url.path())?;
        let mut retried = false;
        loop {
            let (bearer, generation) = self.auth.bearer().await?;
            let started = Instant::now();
            let mut request = self
                .http
                .request(method.clone(), url.clone())
                .header(reqwest::header::AUTHORIZATION, bearer)
                .header(ACCEPT, HeaderValue::from_static("application/json"));
            if let Some(b) = body {
                request = request
                    .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                    .body(serde_json::to_vec(b).unwrap_or_default());
            }
            let resp = self.http.send(request).await?;
            let status = resp.status().as_u16();
            tracing::debug!(
                method = %method,
                path = %url.path(),
                status,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "callable request"
            );
            if status == 401 && !retried {
                retried = true;
                self.auth.rejected(generation).await;
                continue;
            }
            let retry_after = http::retry_after(resp.headers());
            if (200..300).contains(&status) {
                let body = self.http.read_body(resp).await?;
                return Ok(Answer { status, body });
            }
            let bytes = self.http.read_error_body(resp).await;
            return Err(map_http_error(status, retry_after, &bytes, what));
        }
    }
}

/// Errors after which an account's details are still worth showing.
fn keep_going(e: &ProviderError) -> bool {
    !matches!(
        e,
        ProviderError::Unauthorized(_)
            | ProviderError::RateLimited { .. }
            | ProviderError::Timeout(_)
            | ProviderError::Connect(_)
    )
}

fn scope(key: &JobKey) -> Result<&str, ProviderError> {
    let a = key.scope.trim();
    if a.is_empty() {
        Err(ProviderError::Refused(format!(
            "{} job needs an account scope",
            key.kind.label()
        )))
    } else {
        Ok(a)
    }
}

/// `441234567890` → `+441234567890` (already-prefixed and empty values kept).
pub fn plus(n: &str) -> String {
    crate::phone::display(n, &SHOWN)
}

/// How Callable numbers are shown: E.164 digits (8 to 15) get their `+`; extensions
/// (`1001`) stay as sent.
pub const SHOWN: crate::phone::Rules = crate::phone::Rules {
    display_plus_from: 8,
    ..forms::PHONE
};

pub fn address_fields(a: &wire::Address) -> Vec<Field> {
    let one_line = [
        &a.line1,
        &a.line2,
        &a.level2,
        &a.level1,
        &a.postal_code,
        &a.country,
    ]
    .iter()
    .filter(|s| !s.is_empty())
    .map(|s| s.as_str())
    .collect::<Vec<_>>()
    .join(", ");
    vec![
        ("address".into(), one_line.into()),
        ("address line1".into(), a.line1.clone().into()),
        ("address line2".into(), a.line2.clone().into()),
        ("address level1".into(), a.level1.clone().into()),
        ("address level2".into(), a.level2.clone().into()),
        ("address postalCode".into(), a.postal_code.clone().into()),
        ("address country".into(), a.country.clone().into()),
    ]
}

/// `hooks` = count, then one `hook <id>` field each: `app method url prio N auth X`.
pub fn hook_fields(hooks: &[wire::Hook]) -> Vec<Field> {
    let mut out: Vec<Field> = vec![("hooks".into(), hooks.len().to_string().into())];
    for h in hooks {
        out.push((
            format!("hook {}", h.id).into(),
            format!(
                "{} {} {} prio {} auth {}",
                h.app,
                h.method,
                h.url,
                h.priority
                    .map(|p| p.to_string())
                    .unwrap_or_else(|| "-".into()),
                h.auth_type
            )
            .into(),
        ));
    }
    out
}

pub fn map_trunks(provider: ProviderId, account: &str, trunks: Vec<wire::Trunk>) -> Vec<Trunk> {
    trunks
        .into_iter()
        .map(|t| Trunk {
            provider,
            account: account.to_owned(),
            account_name: Default::default(),
            name: if t.description.is_empty() {
                t.ip.clone()
            } else {
                t.description.clone()
            },
            host: t.ip,
            port: t.port,
            transport: String::new(),
            direction: String::new(),
            prefix: String::new(),
            active: None,
            extra: vec![
                ("id".into(), t.id.clone().into()),
                ("vendor".into(), t.vendor.into()),
                ("callerFormat".into(), t.caller_format.into()),
                ("calledFormat".into(), t.called_format.into()),
                ("description".into(), t.description.into()),
                ("zone".into(), t.zone.into()),
                ("countryCode".into(), t.country_code.into()),
            ]
            .into(),
            id: t.id,
        })
        .collect()
}

/// DDIs as numbers; the target is the ROUTE_START flow that takes the DDI.
pub fn map_ddis(
    provider: ProviderId,
    account: &str,
    ddis: &[wire::IdName],
    devices: &[wire::Device],
) -> Vec<Number> {
    ddis.iter()
        .map(|d| {
            let flow = devices
                .iter()
                .find(|dev| {
                    dev.start_route
                        .as_ref()
                        .is_some_and(|r| r.ddis.contains(&d.id))
                })
                .map(|dev| dev.name.clone())
                .unwrap_or_default();
            Number {
                provider,
                account: account.to_owned(),
                account_name: Default::default(),
                id: d.id.clone(),
                number: plus(&d.name),
                target: if flow.is_empty() {
                    "(no flow)".into()
                } else {
                    format!("flow {flow}")
                },
                active: None,
                extra: vec![("id".into(), d.id.clone().into())].into(),
            }
        })
        .collect()
}

/// Call state words of the §4.5 proposal (tolerant: any casing, `-`/`_`/spaces inside
/// the word ignored; unknown words kept as they are).
pub fn call_state(s: &str) -> CallState {
    let word: String = s
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    match word.as_str() {
        "new" | "queued" | "initiated" | "dialing" | "dialling" => CallState::Setup,
        "ringing" | "early" => CallState::Ringing,
        "inprogress" | "answered" | "connected" | "active" | "up" => CallState::InCall,
        "completed" | "ended" | "hangup" => CallState::Completed,
        "busy" => CallState::Busy,
        "noanswer" => CallState::NoAnswer,
        "failed" => CallState::Failed,
        "" => CallState::Setup,
        _ => CallState::Unknown(s.trim().to_ascii_lowercase()),
    }
}

/// Live calls of the §4.5 proposal. Calls whose state says they ended, or that carry an
/// end time, are dropped. Direction: the channel's own `direction` when it has one, else
/// outbound (a channel is a call `POST …/channels/voice` placed).
pub fn map_calls(provider: ProviderId, account: &str, calls: Vec<wire::VoiceCall>) -> Vec<Call> {
    calls
        .into_iter()
        .filter(|c| c.ended_at.trim().is_empty())
        .map(|c| Call {
            provider,
            account: account.to_owned().into(),
            account_name: Default::default(),
            state: call_state(&c.state),
            from: plus(&c.caller_id).into(),
            to: plus(&c.target).into(),
            direction: match Direction::from_text(&c.direction) {
                Direction::Unknown => Direction::Outbound,
                said => said,
            },
            started_at_ms: crate::providers::dates::parse_iso_ms(&c.started_at),
            answered_at_ms: crate::providers::dates::parse_iso_ms(&c.answered_at),
            ended_at_ms: None,
            extra: vec![("state".into(), c.state.into())].into(),
            id: c.id.into(),
        })
        .filter(|c| c.state.is_live() || matches!(c.state, CallState::Unknown(_)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_json_follows_the_verbs_model() {
        let spec = CallSpec {
            caller_id: Some("+441234567890".into()),
            target: CallTarget::Extension("604".into()),
            say: Some("Connecting you now".into()),
            dial: Some("+441234567891".into()),
        };
        let v = spec.json();
        assert_eq!(v["target"]["extension"]["extension"], "604");
        assert_eq!(v["verbs"][0]["say"]["text"][0], "Connecting you now");
        assert_eq!(
            v["verbs"][1]["dial"]["targets"][0]["phoneNumber"]["number"],
            "+441234567891"
        );
        assert_eq!(v["callerId"], "+441234567890");
    }

    #[test]
    fn numbers_get_a_plus() {
        assert_eq!(plus("441234567890"), "+441234567890");
        assert_eq!(plus("+44"), "+44");
        assert_eq!(plus(""), "");
    }
}
