//! Cloudonix Voice API client (providers.md §1), read side. Wire types and their
//! tolerant decoders live in [`wire`], the mapping into the neutral model in [`map`];
//! both are pure and public so tests and benches can use them without HTTP.
//!
//! Requests: `GET {base}/customers/{c}[/domains/{d}/{resource}]` with
//! `Authorization: Bearer <key>`. The key is only ever put in that header (marked
//! sensitive); error messages are built from the status and the provider's `message`,
//! capped and run through the secret redactor.

pub mod actions;
pub mod change;
pub mod change_forms;
pub mod forms;
pub mod map;
mod plan;
pub mod route;
pub mod settings;
pub mod wire;

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use reqwest::{Method, Url};

use crate::model::{Account, AccountKind, ActionKind, Capabilities, ProviderId, Resource};
use crate::providers::ProviderConfig;
pub(crate) use crate::providers::errors::cap;
use crate::providers::errors::{self, Class, Wording};
use crate::providers::provider::{Descriptor, forward_provider};
use crate::providers::{FetchData, Job, JobKey, JobKind, ProviderError, RateLimit, http};

pub use map::{
    SessionSink, call_state, direction, map_current_calls, map_customer, map_dnid, map_dnids,
    map_domain, map_domains, map_session, map_sessions, map_trunk, map_trunks, session_direction,
};
pub use wire::{
    Decoded, ListSink, decode_applications, decode_current_calls, decode_customer, decode_dnids,
    decode_domain, decode_domains, decode_each, decode_error_message, decode_list, decode_one,
    decode_sessions, decode_trunks,
};

pub const CAPABILITIES: Capabilities = Capabilities::new()
    .with(Resource::Accounts)
    .with(Resource::LiveCalls)
    .with(Resource::CallHistory)
    .with(Resource::Trunks)
    .with(Resource::Numbers)
    .with(Resource::Queues)
    .with_action(ActionKind::ClickToCall)
    .with_action(ActionKind::Hangup)
    .with_action(ActionKind::EditTrunk)
    .with_action(ActionKind::EditNumber)
    .with_action(ActionKind::EditAccount);

/// The seed's limit: 10 requests per domain per 10 seconds (the newer spec says 10 per
/// 3 s; configure `rate_limit` for that).
pub const DEFAULT_RATE_LIMIT: RateLimit = RateLimit {
    requests: 10,
    per: Duration::from_secs(10),
};

/// What shared code knows about cloudonix without a client.
pub const DESCRIPTOR: Descriptor = Descriptor {
    kind: crate::model::ProviderKind::Cloudonix,
    capabilities: CAPABILITIES,
    default_rate_limit: DEFAULT_RATE_LIMIT,
    default_base_url: Some("https://api.cloudonix.io"),
    settings: settings::KEYS,
    from_values: settings::from_values,
    history_arrives_later: false,
    open_form: change_forms::open_any,
    build_form: change_forms::build_any,
    offers: change_forms::offers,
    acts_on: Some(crate::model::AccountKind::Domain),
    commands: change_forms::COMMANDS,
    route: route::describe,
};

forward_provider!(CloudonixClient, DESCRIPTOR);

/// Budget scope of customer-level requests (domain-level ones use the domain name).
pub const CUSTOMER_BUDGET: &str = "customer";

pub const ACCOUNTS_INTERVAL: Duration = Duration::from_secs(60);
pub const CALLS_INTERVAL: Duration = Duration::from_secs(3);
pub const TRUNKS_INTERVAL: Duration = Duration::from_secs(30);
pub const NUMBERS_INTERVAL: Duration = Duration::from_secs(60);
pub const STATS_INTERVAL: Duration = Duration::from_secs(10);

/// Longest error message passed on (chars).
/// Cloudonix's wording: a rejected key or a missing scope says so, with the provider's
/// message when it gave one; other errors name the resource, server errors do not.
const WORDING: Wording = Wording {
    classes: &[],
    words: |class, said| match (class, said.provider) {
        (Class::Unauthorized, Some(m)) => format!("API key rejected ({m})"),
        (Class::Unauthorized, None) => "API key rejected".to_owned(),
        (Class::Forbidden, Some(m)) => format!("key lacks scope for {} ({m})", said.what),
        (Class::Forbidden, None) => format!("key lacks scope for {}", said.what),
        (Class::Server, _) => said.text.to_owned(),
        _ => said.usual(class),
    },
};

/// Maps a non-2xx response to a [`ProviderError`]. `resource` names what was asked
/// for ("sessions of acme.cloudonix.net"); the provider's `message` (or `error`) is used
/// when the body has one, else the status text.
pub fn map_http_error(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
    resource: &str,
) -> ProviderError {
    let provider = wire::decode_error_message(body);
    errors::map_message(status, retry_after, resource, provider.as_deref(), &WORDING)
}

/// Whether a domain matches one of the configured names: by name (case-insensitive,
/// `acme` also matches `acme.cloudonix.net`), numeric id or uuid.
pub fn domain_matches(
    configured: &[String],
    name: &str,
    id: Option<&str>,
    uuid: Option<&str>,
) -> bool {
    if configured.is_empty() {
        return true;
    }
    configured.iter().any(|c| {
        let c = c.trim();
        name.eq_ignore_ascii_case(c)
            || id == Some(c)
            || uuid.is_some_and(|u| u.eq_ignore_ascii_case(c))
            || (!c.contains('.')
                && name.len() == c.len() + ".cloudonix.net".len()
                && name
                    .get(..c.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(c))
                && name
                    .get(c.len()..)
                    .is_some_and(|tail| tail.eq_ignore_ascii_case(".cloudonix.net")))
    })
}

fn extra_value<'a>(a: &'a Account, key: &str) -> Option<&'a str> {
    a.extra.get(key)
}

/// What the client learned from earlier fetches.
#[derive(Default)]
struct Memo {
    /// The customer account id (its name) once discovered.
    customer_id: Option<String>,
    /// `GET /customers/{c}` answered 403: the key is domain-scoped.
    domain_scoped: bool,
    /// Last application list per domain, used when a refresh of it fails.
    apps: HashMap<String, Vec<wire::Application>>,
    /// Ended sessions kept per poll, over all domains (None: all, as `serve` stores
    /// them); each domain's poll keeps its share (see [`per_domain_cap`]).
    history_cap: Option<usize>,
    /// Domains whose sessions are polled (from the last job list).
    domains_polled: usize,
}

/// Fewest ended sessions a domain's poll keeps under a cap, however many domains share it.
const MIN_HISTORY_PER_DOMAIN: usize = 100;

/// A domain's share of the history cap: the console keeps `cap` finished calls over all
/// domains, so twenty domains each hand over a twentieth (at least
/// [`MIN_HISTORY_PER_DOMAIN`]). Handing over the whole cap per domain made the first
/// poll of 20 domains 100,000 rows, all built, sent to the store and dropped again.
fn per_domain_cap(cap: Option<usize>, domains: usize) -> Option<usize> {
    cap.map(|c| (c / domains.max(1)).max(MIN_HISTORY_PER_DOMAIN))
}

/// Sessions lists fetched and decoded at once. A domain's list holds every session it
/// ever had (megabytes at NOC scale); twenty domains polled together would hold twenty
/// bodies and their rows at once (issue 14's RSS), one or two at a time cost the same
/// requests, only spread over a moment.
const SESSION_LISTS_AT_ONCE: usize = 2;

pub struct CloudonixClient {
    id: ProviderId,
    /// Every request goes through it (read-only switch, no retries).
    http: http::Guard,
    base: Url,
    /// `Bearer <key>`, marked sensitive.
    auth: HeaderValue,
    customer: String,
    domains: Vec<String>,
    timeout: Duration,
    memo: Mutex<Memo>,
    sessions_gate: tokio::sync::Semaphore,
}

impl std::fmt::Debug for CloudonixClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudonixClient")
            .field("id", &self.id)
            .field("base", &self.base.as_str())
            .field("customer", &self.customer)
            .field("domains", &self.domains)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl CloudonixClient {
    pub fn new(id: ProviderId, cfg: &ProviderConfig) -> Result<Self, String> {
        let name = &cfg.name;
        let s: &settings::CloudonixSettings = cfg.kind_settings()?;
        let key = Some(s.api_key.expose().trim())
            .filter(|k| !k.is_empty())
            .ok_or_else(|| format!("provider '{name}': Cloudonix needs `api_key`"))?;
        let mut auth = HeaderValue::from_str(&format!("Bearer {key}")).map_err(|_| {
            format!("provider '{name}': `api_key` has characters that cannot go in an HTTP header")
        })?;
        auth.set_sensitive(true);

        let base = http::base_url(name, &cfg.base_url)?;

        let customer = s
            .customer
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .unwrap_or("self")
            .to_owned();
        let mut domains: Vec<String> = Vec::new();
        for d in &s.domains {
            let d = d.trim();
            if !d.is_empty() && !domains.iter().any(|x| x.eq_ignore_ascii_case(d)) {
                domains.push(d.to_owned());
            }
        }
        let timeout = http::timeout(cfg);
        let http = http::Guard::new(timeout, cfg.read_only.unwrap_or(false))
            .map(|g| g.with_limits(http::limits(cfg)))
            .map_err(|e| format!("provider '{name}': {e}"))?;

        Ok(CloudonixClient {
            id,
            http,
            base,
            auth,
            customer,
            domains,
            timeout,
            memo: Mutex::new(Memo::default()),
            sessions_gate: tokio::sync::Semaphore::new(SESSION_LISTS_AT_ONCE),
        })
    }

    /// How many ended sessions per domain a poll hands over (the newest; None: all).
    pub fn set_history_cap(&self, cap: Option<usize>) {
        self.memo().history_cap = cap;
    }

    /// Switches the read-only guard: while on, every non-GET request is refused before
    /// anything is sent.
    pub fn set_read_only(&self, on: bool) {
        self.http.read_only().set(on);
    }

    pub fn read_only(&self) -> bool {
        self.http.read_only().is_on()
    }

    fn memo(&self) -> MutexGuard<'_, Memo> {
        self.memo.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `GET /customers/{c}` + `GET /customers/{c}/domains`, once a minute.
    pub fn discovery_job(&self) -> Job {
        Job {
            key: JobKey {
                kind: JobKind::Accounts,
                scope: String::new(),
            },
            budget: CUSTOMER_BUDGET.into(),
            cost: 2,
            interval: ACCOUNTS_INTERVAL,
        }
    }

    /// Per domain: calls (3 s), trunks (30 s), numbers (60 s, 2 requests); plus the
    /// customer's concurrency stats (10 s) when a customer account was discovered (a
    /// domain-scoped key cannot read customer reports).
    pub fn jobs(&self, accounts: &[Account]) -> Vec<Job> {
        let mut jobs = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        let mut customer: Option<&str> = None;
        for a in accounts.iter().filter(|a| a.provider == self.id) {
            match a.kind {
                AccountKind::Customer => customer = customer.or(Some(a.id.as_str())),
                AccountKind::Domain => {
                    let allowed = domain_matches(
                        &self.domains,
                        &a.id,
                        extra_value(a, "id"),
                        extra_value(a, "uuid"),
                    );
                    if a.id.is_empty() || !allowed || !seen.insert(a.id.as_str()) {
                        continue;
                    }
                    let job = |kind, cost, interval| Job {
                        key: JobKey {
                            kind,
                            scope: a.id.clone(),
                        },
                        budget: a.id.clone(),
                        cost,
                        interval,
                    };
                    jobs.push(job(JobKind::Calls, 1, CALLS_INTERVAL));
                    jobs.push(job(JobKind::Trunks, 1, TRUNKS_INTERVAL));
                    jobs.push(job(JobKind::Numbers, 2, NUMBERS_INTERVAL));
                    jobs.push(job(JobKind::AccountInfo, 1, ACCOUNTS_INTERVAL));
                }
                _ => {}
            }
        }
        self.memo().domains_polled = seen.len();
        if let Some(c) = customer {
            self.memo().customer_id = Some(c.to_owned());
            jobs.push(Job {
                key: JobKey {
                    kind: JobKind::Stats,
                    scope: String::new(),
                },
                budget: CUSTOMER_BUDGET.into(),
                cost: 1,
                interval: STATS_INTERVAL,
            });
        }
        jobs
    }

    pub async fn fetch(&self, key: &JobKey) -> Result<FetchData, ProviderError> {
        match key.kind {
            JobKind::Accounts => self.fetch_accounts().await,
            JobKind::Calls => {
                let d = domain_scope(key)?;
                // A closed gate cannot happen (it is never closed); go on without it.
                let _turn = self.sessions_gate.acquire().await.ok();
                let what = format!("sessions of {d}");
                let resp = self
                    .get_response(&self.domain_path(d, "sessions"), &what)
                    .await?;
                let cap = {
                    let memo = self.memo();
                    per_domain_cap(memo.history_cap, memo.domains_polled)
                };
                // Each session is mapped as soon as its bytes are in (~3 µs each, a
                // chunk at a time): the list is never held whole.
                let mut sink = map::SessionSink::new(self.id, d, cap);
                let mut skipped = 0;
                let whole = self
                    .http
                    .read_json_elements(resp, &what, |elem| {
                        skipped += usize::from(wire::decode_element(elem, &mut sink)?);
                        Ok(())
                    })
                    .await?;
                if let Some(body) = whole {
                    // Not a bare list: checked and decoded whole, as any other answer.
                    let body = self.http.checked_json_list(body, 1, &what).await?;
                    skipped += wire::decode_each(&body, &mut sink)?;
                }
                wire::note_skipped_count("sessions", skipped);
                let (live, history) = sink.finish();
                Ok(FetchData::Calls { live, history })
            }
            JobKind::Trunks => {
                let d = domain_scope(key)?;
                let body = self
                    .get(&self.domain_path(d, "trunks"), &format!("trunks of {d}"))
                    .await?;
                let trunks = http::decode(body, wire::decode_trunks).await?;
                Ok(FetchData::Trunks(map::map_trunks(self.id, d, trunks)))
            }
            JobKind::Numbers => self.fetch_numbers(domain_scope(key)?).await,
            JobKind::AccountInfo => {
                let d = domain_scope(key)?;
                let body = self
                    .get(
                        &self.domain_path(d, "subscribers"),
                        &format!("subscribers of {d}"),
                    )
                    .await?;
                let subs = http::decode(body, wire::decode_subscribers).await?;
                let mut fields = map::map_subscribers(&subs);
                // The voice applications last read (the numbers job reads them): the
                // choices of the transfer and new-number forms.
                let apps = self.cached_applications(d);
                if !apps.is_empty() {
                    fields.push((
                        change_forms::APPLICATIONS_FIELD.into(),
                        apps.join(", ").into(),
                    ));
                }
                Ok(FetchData::AccountInfo {
                    account: d.to_owned(),
                    fields,
                    details: None,
                })
            }
            JobKind::Stats => {
                let path = [
                    "customers",
                    self.customer.as_str(),
                    "reports",
                    "current-calls",
                ];
                let body = self
                    .get(&path, &format!("reports of customer {}", self.customer))
                    .await?;
                let report = wire::decode_current_calls(&body)?;
                let name = self
                    .memo()
                    .customer_id
                    .clone()
                    .unwrap_or_else(|| self.customer.clone());
                Ok(FetchData::Queues(map::map_current_calls(
                    self.id, &name, report,
                )))
            }
        }
    }

    fn domain_path<'a>(&'a self, domain: &'a str, resource: &'a str) -> [&'a str; 5] {
        [
            "customers",
            self.customer.as_str(),
            "domains",
            domain,
            resource,
        ]
    }

    async fn fetch_numbers(&self, d: &str) -> Result<FetchData, ProviderError> {
        let dnids_path = self.domain_path(d, "dnids");
        let apps_path = self.domain_path(d, "applications");
        let dnids_what = format!("numbers (dnids) of {d}");
        let apps_what = format!("applications of {d}");
        let (dnids, apps) = tokio::join!(
            self.get(&dnids_path, &dnids_what),
            self.get(&apps_path, &apps_what)
        );
        let dnids = http::decode(dnids?, wire::decode_dnids).await?;
        let apps = match apps.and_then(|b| wire::decode_applications(&b)) {
            Ok(apps) => {
                self.memo().apps.insert(d.to_owned(), apps.clone());
                apps
            }
            Err(e @ (ProviderError::RateLimited { .. } | ProviderError::Unauthorized(_))) => {
                return Err(e);
            }
            Err(e) => {
                tracing::warn!(domain = d, error = %e, "cloudonix: application names unavailable");
                self.memo().apps.get(d).cloned().unwrap_or_default()
            }
        };
        Ok(FetchData::Numbers(map::map_dnids(self.id, d, dnids, &apps)))
    }

    async fn fetch_accounts(&self) -> Result<FetchData, ProviderError> {
        let c = self.customer.as_str();
        let domain_scoped = self.memo().domain_scoped;
        if !domain_scoped {
            match self.get(&["customers", c], &format!("customer {c}")).await {
                Ok(body) => {
                    let customer = map::map_customer(self.id, wire::decode_customer(&body)?, c);
                    let body = self
                        .get(
                            &["customers", c, "domains"],
                            &format!("domains of customer {c}"),
                        )
                        .await?;
                    let domains =
                        self.keep_configured(http::decode(body, wire::decode_domains).await?);
                    let mut out = vec![customer];
                    out.extend(map::map_domains(self.id, Some(&out[0].id), domains));
                    dedup_accounts(&mut out);
                    self.memo().customer_id = Some(out[0].id.clone());
                    return Ok(FetchData::Accounts(out));
                }
                Err(ProviderError::Forbidden(m)) => {
                    tracing::info!(reason = %m, "cloudonix: key is not customer-scoped, using domain lookups");
                    self.memo().domain_scoped = true;
                }
                Err(e) => return Err(e),
            }
        }

        // Domain-scoped key: no customer account; look the domains up one by one.
        if self.domains.is_empty() {
            let body = self
                .get(
                    &["customers", c, "domains"],
                    &format!("domains of customer {c}"),
                )
                .await
                .map_err(|e| match e {
                    ProviderError::Forbidden(m) => ProviderError::Forbidden(cap(&format!(
                        "{m}; the key looks domain-scoped: list its domains in `domains`"
                    ))),
                    other => other,
                })?;
            let domains = http::decode(body, wire::decode_domains).await?;
            let mut out = map::map_domains(self.id, None, domains);
            dedup_accounts(&mut out);
            return Ok(FetchData::Accounts(out));
        }
        let mut out = Vec::new();
        let mut first_err = None;
        for d in &self.domains {
            let got = self
                .get(&["customers", c, "domains", d], &format!("domain {d}"))
                .await
                .and_then(|b| wire::decode_domain(&b));
            match got {
                Ok(mut dom) => {
                    if dom.domain.is_none() {
                        dom.domain = Some(d.clone());
                    }
                    out.push(map::map_domain(self.id, None, dom));
                }
                Err(e @ (ProviderError::RateLimited { .. } | ProviderError::Unauthorized(_))) => {
                    return Err(e);
                }
                Err(e) => {
                    tracing::warn!(domain = %d, error = %e, "cloudonix: configured domain unavailable");
                    first_err.get_or_insert(e);
                }
            }
        }
        if out.is_empty()
            && let Some(e) = first_err
        {
            return Err(e);
        }
        dedup_accounts(&mut out);
        Ok(FetchData::Accounts(out))
    }

    fn keep_configured(&self, domains: Vec<wire::Domain>) -> Vec<wire::Domain> {
        if self.domains.is_empty() {
            return domains;
        }
        domains
            .into_iter()
            .filter(|d| {
                domain_matches(
                    &self.domains,
                    d.domain.as_deref().unwrap_or_default(),
                    d.id.as_deref(),
                    d.uuid.as_deref(),
                )
            })
            .collect()
    }

    /// One GET. Returns the body of a 2xx response; maps everything else.
    async fn get(&self, segments: &[&str], what: &str) -> Result<Vec<u8>, ProviderError> {
        let resp = self.get_response(segments, what).await?;
        let body = self.http.read_body(resp).await?;
        // Lists are bare arrays: count the top level before anything is decoded.
        self.http.checked_json_list(body, 1, what).await
    }

    /// One GET: the 2xx response, its body unread; everything else mapped.
    async fn get_response(
        &self,
        segments: &[&str],
        what: &str,
    ) -> Result<reqwest::Response, ProviderError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|_| ProviderError::Refused("base_url cannot take a path".into()))?
            .pop_if_empty()
            .extend(segments);
        let path = url.path().to_owned();
        let started = Instant::now();
        let request = self
            .http
            .request(Method::GET, url)
            .header(AUTHORIZATION, self.auth.clone())
            .header(ACCEPT, HeaderValue::from_static("application/json"));
        let sent = self.http.send(request).await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(
                    method = "GET",
                    path = %path,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "cloudonix request failed"
                );
                return Err(e);
            }
        };
        let status = resp.status();
        tracing::debug!(
            method = "GET",
            path = %path,
            status = status.as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "cloudonix request"
        );
        if status.is_success() {
            Ok(resp)
        } else {
            let retry_after = http::retry_after(resp.headers());
            let body = self.http.read_error_body(resp).await;
            Err(map_http_error(status.as_u16(), retry_after, &body, what))
        }
    }
}

fn domain_scope(key: &JobKey) -> Result<&str, ProviderError> {
    let d = key.scope.trim();
    if d.is_empty() {
        Err(ProviderError::Refused(format!(
            "{} job needs a domain scope",
            key.kind.label()
        )))
    } else {
        Ok(d)
    }
}

/// Keeps the first account of each id.
fn dedup_accounts(accounts: &mut Vec<Account>) {
    let mut seen = HashSet::new();
    accounts.retain(|a| seen.insert(a.id.clone()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CallState, Direction};

    #[test]
    fn each_domain_keeps_its_share_of_the_history_cap() {
        assert_eq!(
            per_domain_cap(None, 20),
            None,
            "no cap: every ended session"
        );
        assert_eq!(per_domain_cap(Some(5_000), 20), Some(250));
        assert_eq!(
            per_domain_cap(Some(5_000), 0),
            Some(5_000),
            "before any job list"
        );
        assert_eq!(
            per_domain_cap(Some(5_000), 1_000),
            Some(MIN_HISTORY_PER_DOMAIN)
        );
    }

    #[test]
    fn domain_allow_list_matches_name_short_name_id_and_uuid() {
        let cfg = vec!["acme".to_owned(), "1781".to_owned(), "UUID-X".to_owned()];
        assert!(domain_matches(&cfg, "acme.cloudonix.net", None, None));
        assert!(domain_matches(&cfg, "ACME.cloudonix.net", None, None));
        assert!(!domain_matches(&cfg, "acme2.cloudonix.net", None, None));
        assert!(!domain_matches(&cfg, "acme.example.net", None, None));
        assert!(domain_matches(
            &cfg,
            "beta.cloudonix.net",
            Some("1781"),
            None
        ));
        assert!(domain_matches(
            &cfg,
            "gamma.cloudonix.net",
            None,
            Some("uuid-x")
        ));
        assert!(domain_matches(&[], "anything", None, None));
        // Multi-byte names never split a char.
        assert!(!domain_matches(
            &["é".to_owned()],
            "ééééééééééééééé",
            None,
            None
        ));
    }

    #[test]
    fn messages_are_one_line_and_capped() {
        assert_eq!(cap("a\n  b\tc"), "a b c");
        let long = "é".repeat(500);
        assert_eq!(cap(&long).chars().count(), errors::MESSAGE_MAX + 1);
    }

    #[test]
    fn status_and_direction_vocabulary() {
        let cases = [
            ("new", CallState::Setup),
            ("PROCESSING", CallState::Setup),
            ("Ringing", CallState::Ringing),
            ("connected", CallState::InCall),
            ("answer", CallState::InCall),
            ("external", CallState::InCall),
            ("completed", CallState::Completed),
            ("busy", CallState::Busy),
            ("noanswer", CallState::NoAnswer),
            ("cancel", CallState::Cancelled),
            ("error", CallState::Failed),
            ("nocredit", CallState::Failed),
            ("teleporting", CallState::Unknown("teleporting".into())),
        ];
        for (raw, want) in cases {
            assert_eq!(call_state(raw), want, "{raw}");
        }
        assert_eq!(direction("Inbound"), Direction::Inbound);
        assert_eq!(direction("INCOMING"), Direction::Inbound);
        assert_eq!(direction("outbound-api"), Direction::Outbound);
        assert_eq!(direction("Outgoing"), Direction::Outbound);
        assert_eq!(direction("application"), Direction::Outbound);
        assert_eq!(direction("subscriber"), Direction::Internal);
        assert_eq!(direction("internal"), Direction::Internal);
        assert_eq!(direction(""), Direction::Unknown);
    }
}
