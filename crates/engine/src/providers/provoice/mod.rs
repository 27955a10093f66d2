//! ProVoice client (providers.md §5, seed 004). Nothing beyond the seed's operation names
//! is public, so §5.3's proposal is the contract: RPC-style paths named exactly as the
//! provider's workbench names its requests (`GET {base}/getCustomers`,
//! `POST {base}/createDestination` …), GET for every read and POST for every create,
//! update and delete, single gets as one-element arrays, errors as
//! `{"error":{"code","message"}}`, the key in `X-Api-Key` (marked sensitive; an
//! `api_key` written as `Bearer <token>` is sent as `Authorization` instead).
//!
//! Panes: customers and their users form the account tree, SIP destinations are trunks,
//! extensions are numbers, forwards / limits / whitelists / tariffplans are details of a
//! customer, and call history arrives asynchronously through the local [`callback`]
//! consumer.
//!
//! Budget: one provider-wide scope (60 requests a minute by default). The tree job reads
//! `getCustomers` plus the users of at most [`USERS_PER_RUN`] customers per run (round
//! robin), so its cost is fixed however large the tree is.

pub mod account_forms;
pub mod callback;
pub mod forms;
pub mod map;
pub mod route;
pub mod settings;
pub mod wire;

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue};
use reqwest::{Method, Url};

use super::{
    FetchData, Job, JobKey, JobKind, Mutation, MutationOutcome, ProviderChange, ProviderDetails,
    ProviderError, RateLimit, RequestPreview, http,
};
use crate::model::{Account, AccountKind, ActionKind, Capabilities, ProviderId, Resource};
use crate::providers::ProviderConfig;
use crate::providers::errors::{self, Class, Wording, cap};
use crate::providers::provider::{Descriptor, forward_provider};
use crate::tree::{Cancelled, TreeError};

/// What ProVoice offers.
pub const CAPABILITIES: Capabilities = Capabilities::new()
    .with(Resource::Accounts)
    .with(Resource::CallHistory)
    .with(Resource::Trunks)
    .with(Resource::Numbers)
    .with_action(ActionKind::EditTrunk)
    .with_action(ActionKind::EditNumber)
    .with_action(ActionKind::EditAccount);

/// The provider's documented request budget (invented by §5.3: 60 a minute).
pub const DEFAULT_RATE_LIMIT: RateLimit = RateLimit {
    requests: 60,
    per: Duration::from_secs(60),
};

/// What shared code knows about provoice without a client.
pub const DESCRIPTOR: Descriptor = Descriptor {
    kind: crate::model::ProviderKind::Provoice,
    capabilities: CAPABILITIES,
    default_rate_limit: DEFAULT_RATE_LIMIT,
    default_base_url: None,
    settings: settings::KEYS,
    from_values: settings::from_values,
    history_arrives_later: true,
    open_form: account_forms::open_any,
    build_form: account_forms::build_any,
    offers: super::provider::offers_every_intent,
    acts_on: None,
    commands: forms::COMMANDS,
    route: route::describe,
};

forward_provider!(Client, DESCRIPTOR);

/// The one budget scope: the limit is per key.
pub const BUDGET: &str = "provoice";
/// Customers whose users one tree refresh reads.
pub const USERS_PER_RUN: usize = 8;
pub const ACCOUNTS_INTERVAL: Duration = Duration::from_secs(60);
pub const TRUNKS_INTERVAL: Duration = Duration::from_secs(60);
pub const NUMBERS_INTERVAL: Duration = Duration::from_secs(60);
pub const INFO_INTERVAL: Duration = Duration::from_secs(120);
pub const RECORDS_INTERVAL: Duration = Duration::from_secs(300);
/// How long a records request may stay unanswered.
pub const RECORDS_TIMEOUT: Duration = Duration::from_secs(60);
/// Days of history a records request asks for.
pub const RECORDS_DAYS: i64 = 7;
/// Customers (the first in the provider's order) whose trunks, numbers, details and
/// records are polled. One round over them already takes hours inside the budget (1000
/// customers: about 4 h); jobs for more would never run and would only cost the poller
/// CPU (hundreds of thousands of jobs to order every pass). The tree itself is complete.
pub const MAX_POLLED_CUSTOMERS: usize = 1000;

/// A change only ProVoice makes: one POST of a named operation with a JSON body.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Post {
        /// The operation name as the provider document spells it (`createForward` …).
        operation: &'static str,
        body: serde_json::Map<String, serde_json::Value>,
        /// What it changes, for the operator ("forward 3 of customer 12").
        what: String,
        /// A user's SIP password, sent as the body's `password`; `****` in the preview
        /// (and so in the audit), never in a log or a debug print.
        password: Option<crate::secret::Secret>,
    },
}

impl Change {
    /// The body as sent (`Reveal`) or as shown and audited (the password as `****`).
    fn body(&self, reveal: bool) -> serde_json::Value {
        let Change::Post { body, password, .. } = self;
        let mut body = body.clone();
        if let Some(p) = password {
            let v = if reveal { p.expose() } else { "****" };
            body.insert("password".into(), v.into());
        }
        serde_json::Value::Object(body)
    }
}

impl Change {
    pub fn operation(&self) -> &'static str {
        match self {
            Change::Post { operation, .. } => operation,
        }
    }
}

#[derive(Default)]
struct Memo {
    /// Users per customer id, with when they were read.
    users: HashMap<String, (Instant, Vec<wire::User>)>,
    /// Destination (id, name) per customer, for extension targets.
    destinations: HashMap<String, Vec<(String, String)>>,
    /// Customers whose details and records are polled, in the order they were admitted.
    admitted: Vec<String>,
}

pub struct Client {
    id: ProviderId,
    http: http::Guard,
    base: Url,
    auth: (HeaderName, HeaderValue),
    records_timeout: Mutex<Duration>,
    /// Requests the scheduler allows itself per window (limit minus margin).
    window_capacity: u32,
    consumer: callback::Consumer,
    memo: Mutex<Memo>,
    /// The tree was larger than [`MAX_POLLED_CUSTOMERS`] (said once in the log).
    capped: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("provoice::Client")
            .field("id", &self.id)
            .field("base", &self.base.as_str())
            .field("callback", &self.consumer)
            .finish_non_exhaustive()
    }
}

/// ProVoice's wording: 422 is a bad request; a rejected key points at `api_key`.
const WORDING: Wording = Wording {
    classes: &[(422, Class::BadRequest)],
    words: |class, said| match class {
        Class::Unauthorized => format!("API key rejected ({}); check `api_key`", said.text),
        _ => said.usual(class),
    },
};

/// Maps a non-2xx answer: the provider's `{"error":{"message"}}` when present.
pub fn map_http_error(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
    what: &str,
) -> ProviderError {
    let provider = wire::decode_error_message(body);
    errors::map_message(status, retry_after, what, provider.as_deref(), &WORDING)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn stopped(_: Cancelled) -> ProviderError {
    ProviderError::Refused("stopped: the result is no longer wanted".into())
}

fn scope(key: &JobKey) -> Result<&str, ProviderError> {
    let s = key.scope.trim();
    if s.is_empty() {
        Err(ProviderError::Refused(format!(
            "{} job needs a customer",
            key.kind.label()
        )))
    } else {
        Ok(s)
    }
}

impl Client {
    pub fn new(id: ProviderId, cfg: &ProviderConfig) -> Result<Self, String> {
        let name = &cfg.name;
        let s: &settings::ProvoiceSettings = cfg.kind_settings()?;
        let key = Some(s.api_key.expose().trim())
            .filter(|k| !k.is_empty())
            .ok_or_else(|| format!("provider '{name}': ProVoice needs `api_key`"))?;
        let bad_header = || {
            format!("provider '{name}': `api_key` has characters that cannot go in an HTTP header")
        };
        let auth = match key.strip_prefix("Bearer ") {
            Some(token) => {
                let mut v = HeaderValue::from_str(&format!("Bearer {}", token.trim()))
                    .map_err(|_| bad_header())?;
                v.set_sensitive(true);
                (AUTHORIZATION, v)
            }
            None => {
                let mut v = HeaderValue::from_str(key).map_err(|_| bad_header())?;
                v.set_sensitive(true);
                (HeaderName::from_static("x-api-key"), v)
            }
        };
        let base = http::base_url(name, &cfg.base_url)?;
        let timeout = http::timeout(cfg);
        let http = http::Guard::new(timeout, cfg.read_only.unwrap_or(false))
            .map(|g| g.with_limits(http::limits(cfg)))
            .map_err(|e| format!("provider '{name}': {e}"))?;
        let consumer = callback::Consumer::bind(
            s.callback_listen.as_deref().unwrap_or("127.0.0.1:0"),
            s.callback_url.as_deref(),
        )
        .map_err(|e| format!("provider '{name}': {e}"))?;
        Ok(Client {
            id,
            http,
            base,
            auth,
            records_timeout: Mutex::new(RECORDS_TIMEOUT),
            window_capacity: {
                let limit = cfg
                    .rate_limit
                    .map(RateLimit::from)
                    .unwrap_or(DEFAULT_RATE_LIMIT);
                limit
                    .requests
                    .saturating_sub(crate::scheduler::margin(limit.requests))
                    .max(1)
            },
            consumer,
            memo: Mutex::new(Memo::default()),
            capped: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// The call-record consumer (its URL and address).
    pub fn consumer(&self) -> &callback::Consumer {
        &self.consumer
    }

    /// How long a records request may wait for its callback (default 60 s).
    pub fn set_records_timeout(&self, d: Duration) {
        *lock(&self.records_timeout) = d;
    }

    pub fn discovery_job(&self) -> Job {
        Job {
            key: JobKey {
                kind: JobKind::Accounts,
                scope: String::new(),
            },
            budget: BUDGET.into(),
            cost: 1 + USERS_PER_RUN as u32,
            interval: ACCOUNTS_INTERVAL,
        }
    }

    /// Per customer: destinations, extensions, details (forwards, limits, whitelists,
    /// tariffplans: 4 requests) and call records.
    ///
    /// Ramp-up: every job is due at once when it first appears, so details and records
    /// (5 requests a customer) are admitted only for as many customers as fit in 80 % of
    /// one window next to the tree and the destination / extension reads; the rest join
    /// at the next tree refresh (a minute later). The first minute then leaves budget for
    /// the operator's changes and refreshes instead of spending all of it (7 customers:
    /// 43 of 54 requests, details of 4 customers first and 3 a minute later).
    ///
    /// Every eight customers beyond the first eight stretch these intervals once more,
    /// so a large tree stays inside the 60-a-minute budget (50 customers: about 44 a
    /// minute).
    ///
    /// Only the first [`MAX_POLLED_CUSTOMERS`] customers get jobs (logged once).
    pub fn jobs(&self, accounts: &[Account]) -> Vec<Job> {
        let mut jobs = Vec::new();
        let mut customers: Vec<&Account> = accounts
            .iter()
            .filter(|a| a.provider == self.id && a.kind == AccountKind::Customer)
            .collect();
        if customers.len() > MAX_POLLED_CUSTOMERS {
            if !self.capped.swap(true, std::sync::atomic::Ordering::Relaxed) {
                tracing::warn!(
                    customers = customers.len(),
                    "provoice: trunks, numbers, details and records are polled for the first {MAX_POLLED_CUSTOMERS} customers only"
                );
            }
            customers.truncate(MAX_POLLED_CUSTOMERS);
        }
        let scale = (customers.len() as u32).div_ceil(8).max(1);
        let admitted: Vec<String> = {
            let mut memo = lock(&self.memo);
            memo.admitted
                .retain(|id| customers.iter().any(|c| c.id == *id));
            let base = self.discovery_job().cost + 2 * customers.len() as u32;
            let room = (self.window_capacity * 4 / 5).saturating_sub(base);
            let mut new = (room / 5).max(1);
            for c in &customers {
                if new == 0 {
                    break;
                }
                if !memo.admitted.contains(&c.id) {
                    memo.admitted.push(c.id.clone());
                    new -= 1;
                }
            }
            memo.admitted.clone()
        };
        for a in customers {
            let job = |kind, cost, interval| Job {
                key: JobKey {
                    kind,
                    scope: a.id.clone(),
                },
                budget: BUDGET.into(),
                cost,
                interval: interval * scale,
            };
            jobs.push(job(JobKind::Trunks, 1, TRUNKS_INTERVAL));
            jobs.push(job(JobKind::Numbers, 1, NUMBERS_INTERVAL));
            if admitted.contains(&a.id) {
                jobs.push(job(JobKind::AccountInfo, 4, INFO_INTERVAL));
                jobs.push(job(JobKind::Calls, 1, RECORDS_INTERVAL));
            }
        }
        jobs
    }

    pub async fn fetch(&self, key: &JobKey) -> Result<FetchData, ProviderError> {
        match key.kind {
            JobKind::Accounts => self.fetch_tree().await,
            JobKind::Trunks => {
                let c = scope(key)?;
                let body = self
                    .get(
                        "getCustomerDestinations",
                        &[("customer_id", c)],
                        &format!("destinations of customer {c}"),
                    )
                    .await?;
                let list = http::decode(body, wire::decode_destinations).await?;
                lock(&self.memo).destinations.insert(
                    c.to_owned(),
                    list.iter()
                        .map(|d| (d.id.clone(), d.name.clone()))
                        .collect(),
                );
                Ok(FetchData::Trunks(
                    list.into_iter()
                        .map(|d| map::map_destination(self.id, c, d))
                        .collect(),
                ))
            }
            JobKind::Numbers => {
                let c = scope(key)?;
                let body = self
                    .get(
                        "getCustomerExtensions",
                        &[("customer_id", c)],
                        &format!("extensions of customer {c}"),
                    )
                    .await?;
                let list = http::decode(body, wire::decode_extensions).await?;
                let names = lock(&self.memo)
                    .destinations
                    .get(c)
                    .cloned()
                    .unwrap_or_default();
                Ok(FetchData::Numbers(
                    list.into_iter()
                        .map(|e| map::map_extension(self.id, c, e, &names))
                        .collect(),
                ))
            }
            JobKind::AccountInfo => {
                let c = scope(key)?;
                let q = [("customer_id", c)];
                let (fw, li, wl, tp) = tokio::join!(
                    self.get("getCustomerForwards", &q, "forwards"),
                    self.get("getCustomerLimits", &q, "limits"),
                    self.get("getCustomerWhitelists", &q, "whitelists"),
                    self.get("getCustomerTariffplans", &q, "tariffplans"),
                );
                let forwards = http::decode(fw?, wire::decode_forwards).await?;
                let limits = http::decode(li?, wire::decode_limits).await?;
                let whitelists = http::decode(wl?, wire::decode_whitelists).await?;
                let plans = http::decode(tp?, wire::decode_tariffplans).await?;
                Ok(FetchData::AccountInfo {
                    account: c.to_owned(),
                    fields: map::map_customer_info(&forwards, &limits, &whitelists, &plans),
                    details: Some(ProviderDetails::Provoice(forms::Details {
                        forwards,
                        limits,
                        whitelists,
                    })),
                })
            }
            JobKind::Calls => {
                let c = scope(key)?;
                let history = self.fetch_records(c).await?;
                Ok(FetchData::Calls {
                    live: Vec::new(),
                    history,
                })
            }
            JobKind::Stats => Err(ProviderError::Refused(
                "ProVoice has no queue statistics".into(),
            )),
        }
    }

    /// `getCustomers`, checked to be a tree, plus users of up to [`USERS_PER_RUN`]
    /// customers (never-read first, then the longest unread). Decoding, mapping and the
    /// tree check run on the blocking pool: a list of any size leaves the async workers
    /// free, and the work stops soon after the fetch is dropped.
    async fn fetch_tree(&self) -> Result<FetchData, ProviderError> {
        let body = self.get("getCustomers", &[], "customers").await?;
        let read: HashMap<String, Instant> = lock(&self.memo)
            .users
            .iter()
            .map(|(c, (t, _))| (c.clone(), *t))
            .collect();
        let id = self.id;
        let (customers, due) = http::work_off_worker(move |cancel| {
            let customers = wire::decode_customers(&body)?;
            drop(body);
            let bare = map::map_tree_until(id, &customers, &[], cancel).map_err(stopped)?;
            crate::tree::build_tree_until(&bare, cancel).map_err(|e| match e {
                TreeError::Cancelled => stopped(Cancelled),
                e => ProviderError::Decode(cap(&format!(
                    "customer tree: {e}; fix the parent_id of these customers at ProVoice"
                ))),
            })?;
            drop(bare);
            let mut order: Vec<(Option<Instant>, usize)> = Vec::with_capacity(customers.len());
            for (i, c) in customers.iter().enumerate() {
                cancel.check(i).map_err(stopped)?;
                order.push((read.get(&c.id).copied(), i));
            }
            order.sort_by_key(|(t, _)| *t);
            let due: Vec<String> = order
                .into_iter()
                .take(USERS_PER_RUN)
                .filter_map(|(_, i)| customers.get(i).map(|c| c.id.clone()))
                .collect();
            Ok((customers, due))
        })
        .await?;
        for c in &due {
            let users = match self
                .get(
                    "getCustomerUsers",
                    &[("customer_id", c)],
                    &format!("users of customer {c}"),
                )
                .await
            {
                Ok(body) => http::decode(body, wire::decode_users).await,
                Err(e) => Err(e),
            };
            match users {
                Ok(users) => {
                    lock(&self.memo)
                        .users
                        .insert(c.clone(), (Instant::now(), users));
                }
                Err(e @ (ProviderError::RateLimited { .. } | ProviderError::Unauthorized(_))) => {
                    return Err(e);
                }
                Err(e) => tracing::warn!(customer = %c, error = %e, "provoice: users unavailable"),
            }
        }
        // Users are read a few customers at a time: the memo stays small.
        let users: Vec<(String, Vec<wire::User>)> = lock(&self.memo)
            .users
            .iter()
            .map(|(c, (_, u))| (c.clone(), u.clone()))
            .collect();
        let accounts = http::work_off_worker(move |cancel| {
            map::map_tree_until(id, &customers, &users, cancel).map_err(stopped)
        })
        .await?;
        Ok(FetchData::Accounts(accounts))
    }

    /// Asks for the last [`RECORDS_DAYS`] days of records and waits for the callback.
    async fn fetch_records(
        &self,
        customer: &str,
    ) -> Result<Vec<crate::model::Call>, ProviderError> {
        self.consumer.ensure_started()?;
        let mut waiter = self.consumer.issue();
        let now = jiff::Timestamp::now();
        let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
        let from = today
            .checked_sub(jiff::Span::new().days(RECORDS_DAYS))
            .unwrap_or(today);
        let (from, to) = (from.to_string(), today.to_string());
        let request_id = waiter.id().to_owned();
        let body = self
            .get(
                "getCustomerCallRecords",
                &[
                    ("customer_id", customer),
                    ("from", &from),
                    ("to", &to),
                    ("callback", self.consumer.url()),
                    ("request_id", &request_id),
                ],
                &format!("call records of customer {customer}"),
            )
            .await?;
        if let Some(theirs) = wire::decode_queued(&body)? {
            waiter.also(&theirs);
        }
        let wait = *lock(&self.records_timeout);
        let Some(records) = waiter.wait(wait).await else {
            return Err(ProviderError::Server {
                status: 504,
                message: format!(
                    "call records of customer {customer} requested but not delivered within {} s; check that ProVoice can reach {} (`callback_url`)",
                    wait.as_secs(),
                    http::display_url(self.consumer.url())
                ),
            });
        };
        let batch = http::decode(records.to_vec(), wire::decode_records).await?;
        Ok(map::map_records(self.id, customer, batch.records))
    }

    pub fn mutation_budget(&self, _m: &Mutation) -> (String, u32) {
        (BUDGET.to_owned(), 1)
    }

    fn change<'a>(&self, m: &'a Mutation) -> Result<&'a Change, ProviderError> {
        match m {
            Mutation::Provider {
                change: ProviderChange::Provoice(c),
                ..
            } => Ok(c),
            other => Err(ProviderError::Refused(format!(
                "{} is not a ProVoice change",
                other.command()
            ))),
        }
    }

    pub fn preview(&self, m: &Mutation) -> Result<RequestPreview, ProviderError> {
        let change = self.change(m)?;
        let Change::Post { operation, .. } = change;
        Ok(RequestPreview {
            method: "POST".into(),
            path: format!("/{operation}"),
            body: Some(change.body(false).to_string()),
            stored_changes: Vec::new(),
        })
    }

    pub async fn mutate(&self, m: &Mutation) -> Result<MutationOutcome, ProviderError> {
        let change = self.change(m)?;
        let Change::Post {
            operation, what, ..
        } = change;
        let url = self.url(operation, &[])?;
        let request = self
            .http
            .request(Method::POST, url)
            .header(self.auth.0.clone(), self.auth.1.clone())
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .body(change.body(true).to_string());
        let started = Instant::now();
        let resp = self.http.send(request).await?;
        let status = resp.status().as_u16();
        tracing::debug!(
            method = "POST",
            operation = *operation,
            status,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "provoice request"
        );
        let retry = http::retry_after(resp.headers());
        let bytes = self.http.read_error_body(resp).await;
        if !(200..300).contains(&status) {
            return Err(map_http_error(status, retry, &bytes, what));
        }
        let created_id = if operation.starts_with("create") {
            wire::decode_array(&bytes, operation)
                .ok()
                .and_then(|objs| objs.first().and_then(|o| wire::id(o, "id")))
        } else {
            None
        };
        let verb = if operation.starts_with("create") {
            "created"
        } else if operation.starts_with("delete") {
            "deleted"
        } else {
            "updated"
        };
        let message = match &created_id {
            Some(id) => format!("{what} {verb} (id {id})"),
            None => format!("{what} {verb}"),
        };
        Ok(MutationOutcome {
            status,
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

    fn url(&self, operation: &str, query: &[(&str, &str)]) -> Result<Url, ProviderError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|_| ProviderError::Refused("base_url cannot take a path".into()))?
            .pop_if_empty()
            .push(operation);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query.iter().copied());
        }
        Ok(url)
    }

    /// One GET of a named operation. 200 and 202 bodies come back; the rest is mapped.
    async fn get(
        &self,
        operation: &str,
        query: &[(&str, &str)],
        what: &str,
    ) -> Result<Vec<u8>, ProviderError> {
        let url = self.url(operation, query)?;
        let started = Instant::now();
        let request = self
            .http
            .request(Method::GET, url)
            .header(self.auth.0.clone(), self.auth.1.clone())
            .header(ACCEPT, HeaderValue::from_static("application/json"));
        let resp = self.http.send(request).await?;
        let status = resp.status();
        tracing::debug!(
            method = "GET",
            operation,
            status = status.as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "provoice request"
        );
        if status.is_success() {
            let body = self.http.read_body(resp).await?;
            // Lists are bare arrays: count the top level before anything is decoded.
            self.http.checked_json_list(body, 1, what).await
        } else {
            let retry = http::retry_after(resp.headers());
            let body = self.http.read_error_body(resp).await;
            Err(map_http_error(status.as_u16(), retry, &body, what))
        }
    }
}
