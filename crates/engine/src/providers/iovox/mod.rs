//! IOVOX REST API v3 client (providers.md §3).
//!
//! Requests: `{base}/{Interface}?v=3&method={method}&output=JSON|XML[&…]` with the
//! `username` and `secureKey` headers (the key marked sensitive). HTTPS only: a plain
//! `http://` base or request URL is refused unless the host is loopback (the local
//! simulator in tests). Bodies go through one tolerant layer ([`tree`]) whatever the
//! format, then [`wire`] reads the envelopes and [`map`] builds the neutral model.

pub mod forms;
pub mod map;
pub mod route;
pub mod settings;
pub mod tree;
pub mod wire;

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderName, HeaderValue};
use reqwest::{Method, Url};

use super::{
    FetchData, Job, JobKey, JobKind, Mutation, MutationOutcome, ProviderChange, ProviderError,
    RateLimit, RequestPreview, http, shape,
};
use crate::model::{Account, ActionKind, Capabilities, ProviderId, Resource};
use crate::providers::ProviderConfig;
use crate::providers::errors::cap;
use crate::providers::errors::{self, Class, Said, Wording};
use crate::providers::provider::{Descriptor, forward_provider};

/// What IOVOX offers: the node/link tree, call history, VoxNumbers (on/off), call
/// metrics; no live calls (v3 has no live-call API).
pub const CAPABILITIES: Capabilities = Capabilities::new()
    .with(Resource::Accounts)
    .with(Resource::CallHistory)
    .with(Resource::Numbers)
    .with(Resource::Queues)
    .with_action(ActionKind::EditNumber)
    .with_action(ActionKind::ClickToCall);

/// IOVOX documents no rate limit (providers.md §3.5); this keeps the console polite.
pub const DEFAULT_RATE_LIMIT: RateLimit = RateLimit {
    requests: 10,
    per: Duration::from_secs(1),
};

/// What shared code knows about iovox without a client.
pub const DESCRIPTOR: Descriptor = Descriptor {
    kind: crate::model::ProviderKind::Iovox,
    capabilities: CAPABILITIES,
    default_rate_limit: DEFAULT_RATE_LIMIT,
    default_base_url: Some("https://api.iovox.com:444"),
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

/// Every request counts against one budget (the API user).
pub const BUDGET: &str = "api";
/// The documented maximum (and default) `limit`.
pub const MAX_LIMIT: u32 = 20000;
/// Pages read per list job at most (each is a request the job's cost accounts for).
pub const MAX_PAGES: u32 = 2;
/// Calls read per history refresh (one page).
pub const HISTORY_LIMIT: u32 = 1000;
/// History covers the last 24 hours, metrics the last 7 days.
pub const HISTORY_HOURS: i64 = 24;
pub const METRICS_DAYS: i64 = 7;

pub const ACCOUNTS_INTERVAL: Duration = Duration::from_secs(60);
pub const CALLS_INTERVAL: Duration = Duration::from_secs(30);
pub const NUMBERS_INTERVAL: Duration = Duration::from_secs(30);
pub const STATS_INTERVAL: Duration = Duration::from_secs(60);

/// A change only IOVOX makes (built by its own forms, sent by [`Client::mutate`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// `PUT /Voxnumbers?method=setCallStatus`: switch numbers ON or OFF.
    SetCallStatus { numbers: Vec<String>, on: bool },
    /// `POST /Calling?method=initiateCall`: a call following the link's rules.
    InitiateCall {
        link_id: String,
        destination: String,
    },
}

/// Response format asked for with `output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Json,
    Xml,
}

impl Output {
    pub fn param(self) -> &'static str {
        match self {
            Output::Json => "JSON",
            Output::Xml => "XML",
        }
    }
}

/// Whether `url` may carry the key: HTTPS, or plain HTTP to a loopback host.
pub fn check_https(url: &Url) -> Result<(), String> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        _ => Err(format!(
            "IOVOX requires HTTPS: {}://{} is not allowed (use https://, the API listens on port 444)",
            url.scheme(),
            url.host_str().unwrap_or("")
        )),
    }
}

fn is_loopback(url: &Url) -> bool {
    let Some(h) = url.host_str() else {
        return false;
    };
    let h = h.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// IOVOX's wording: a rejected login names the three things to check.
const WORDING: Wording = Wording {
    classes: &[],
    words: |class, said| match class {
        Class::Unauthorized => format!(
            "username or secure key rejected, or this IP is not allowed in IOVOX Settings > API Settings ({})",
            said.text
        ),
        _ => said.usual(class),
    },
};

/// Maps a non-2xx answer to a [`ProviderError`] with IOVOX's own error texts
/// (`400 Username Empty; 400 Secure Key Empty`).
pub fn map_http_error(status: u16, body: &[u8], what: &str) -> ProviderError {
    let errors = wire::decode_errors(body).filter(|e| !e.is_empty());
    let provider = errors.as_deref().map(wire::format_errors);
    let text = match &provider {
        Some(t) => t.clone(),
        None => format!("{status} {}", errors::reason(status)),
    };
    let said = Said {
        what,
        provider: provider.as_deref(),
        text: &text,
    };
    errors::map_status(status, None, &said, &WORDING)
}

/// What the client learned from the last account refresh.
#[derive(Default)]
struct Memo {
    root: Option<String>,
}

pub struct Client {
    id: ProviderId,
    http: http::Guard,
    base: Url,
    username: HeaderValue,
    /// The secure key, marked sensitive.
    key: HeaderValue,
    /// The account tree's root id (the API user name).
    root: String,
    output: Output,
    memo: Mutex<Memo>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IovoxClient")
            .field("id", &self.id)
            .field("base", &self.base.as_str())
            .field("output", &self.output)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub fn new(id: ProviderId, cfg: &ProviderConfig) -> Result<Self, String> {
        let name = &cfg.name;
        let s: &settings::IovoxSettings = cfg.kind_settings()?;
        let user = Some(s.username.trim())
            .filter(|u| !u.is_empty())
            .ok_or_else(|| format!("provider '{name}': IOVOX needs `username`"))?;
        let key = Some(s.secure_key.expose().trim())
            .filter(|k| !k.is_empty())
            .ok_or_else(|| format!("provider '{name}': IOVOX needs `secure_key`"))?;
        let username = HeaderValue::from_str(user).map_err(|_| {
            format!("provider '{name}': `username` has characters that cannot go in an HTTP header")
        })?;
        let mut key = HeaderValue::from_str(key).map_err(|_| {
            format!(
                "provider '{name}': `secure_key` has characters that cannot go in an HTTP header"
            )
        })?;
        key.set_sensitive(true);

        let base_str = cfg.base_url.trim().trim_end_matches('/');
        let mut base = Url::parse(base_str)
            .map_err(|e| format!("provider '{name}': base_url is not a valid URL ({e})"))?;
        if base.cannot_be_a_base() || !base.has_host() {
            return Err(format!("provider '{name}': base_url has no host"));
        }
        check_https(&base).map_err(|e| format!("provider '{name}': {e}"))?;
        base.set_query(None);
        base.set_fragment(None);

        let output = match s.output.as_deref().map(|o| o.trim().to_ascii_lowercase()) {
            None => Output::Json,
            Some(o) if o.is_empty() || o == "json" => Output::Json,
            Some(o) if o == "xml" => Output::Xml,
            Some(o) => {
                return Err(format!(
                    "provider '{name}': `output` must be \"json\" or \"xml\", not {o:?}"
                ));
            }
        };
        let mut roots = Vec::new();
        if let Some(path) = &s.ca_file {
            let pem = std::fs::read(path).map_err(|e| {
                format!(
                    "provider '{name}': cannot read ca_file {}: {e}",
                    path.display()
                )
            })?;
            roots = reqwest::Certificate::from_pem_bundle(&pem)
                .ok()
                .filter(|c| !c.is_empty())
                .ok_or_else(|| {
                    format!(
                        "provider '{name}': ca_file {} holds no PEM certificate",
                        path.display()
                    )
                })?;
        }
        let timeout = http::timeout(cfg);
        let http = http::Guard::with_roots(timeout, cfg.read_only.unwrap_or(false), roots)
            .map(|g| g.with_limits(http::limits(cfg)))
            .map_err(|e| format!("provider '{name}': {e}"))?;
        Ok(Client {
            id,
            http,
            base,
            username,
            key,
            root: user.to_owned(),
            output,
            memo: Mutex::new(Memo::default()),
        })
    }

    fn memo(&self) -> MutexGuard<'_, Memo> {
        self.memo.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `getNodes` + `getLinks`, once a minute.
    pub fn discovery_job(&self) -> Job {
        Job {
            key: JobKey {
                kind: JobKind::Accounts,
                scope: String::new(),
            },
            budget: BUDGET.into(),
            cost: 2 * MAX_PAGES,
            interval: ACCOUNTS_INTERVAL,
        }
    }

    /// Provider-wide jobs: numbers, call history and metrics.
    pub fn jobs(&self, accounts: &[Account]) -> Vec<Job> {
        if let Some(root) = accounts
            .iter()
            .find(|a| a.provider == self.id && a.parent.is_none())
        {
            self.memo().root = Some(root.id.clone());
        }
        let job = |kind, cost, interval| Job {
            key: JobKey {
                kind,
                scope: String::new(),
            },
            budget: BUDGET.into(),
            cost,
            interval,
        };
        vec![
            job(JobKind::Numbers, MAX_PAGES, NUMBERS_INTERVAL),
            job(JobKind::Calls, 1, CALLS_INTERVAL),
            job(JobKind::Stats, 1, STATS_INTERVAL),
        ]
    }

    pub async fn fetch(&self, key: &JobKey) -> Result<FetchData, ProviderError> {
        match key.kind {
            JobKind::Accounts => {
                let nodes = self
                    .get_all("Nodes", "getNodes", &[], MAX_PAGES, "nodes", wire::node_row)
                    .await?;
                let links = self
                    .get_all("Links", "getLinks", &[], MAX_PAGES, "links", wire::link)
                    .await?;
                Ok(FetchData::Accounts(map::map_tree(
                    self.id, &self.root, nodes, links,
                )))
            }
            JobKind::Numbers => {
                let rows = self
                    .get_all(
                        "Voxnumbers",
                        "getVoxnumbers",
                        &[],
                        MAX_PAGES,
                        "numbers",
                        wire::voxnumber,
                    )
                    .await?;
                Ok(FetchData::Numbers(map::map_numbers(
                    self.id, &self.root, rows,
                )))
            }
            JobKind::Calls => {
                let now = jiff::Timestamp::now();
                let from = now - jiff::SignedDuration::from_hours(HISTORY_HOURS);
                let params = [
                    ("sdt", map::format_time(from)),
                    ("edt", map::format_time(now)),
                    ("order", "cs_DESC".to_owned()),
                    ("limit", HISTORY_LIMIT.to_string()),
                ];
                let rows = self
                    .get_all(
                        "Calls",
                        "getCallData",
                        &params,
                        1,
                        "call data",
                        wire::call_data,
                    )
                    .await?;
                Ok(FetchData::Calls {
                    live: Vec::new(),
                    history: map::map_calls(self.id, &self.root, rows),
                })
            }
            JobKind::Stats => {
                let now = jiff::Timestamp::now();
                let from = now - jiff::SignedDuration::from_hours(24 * (METRICS_DAYS - 1));
                let params = [
                    ("sdt", format!("{} 00:00:00", map::format_date(from))),
                    ("edt", format!("{} 23:59:59", map::format_date(now))),
                    ("group_fields", "cdate,call_res".to_owned()),
                ];
                let rows = self
                    .get_all(
                        "Calls",
                        "getCallMetrics",
                        &params,
                        1,
                        "call metrics",
                        wire::metric,
                    )
                    .await?;
                let root = self
                    .memo()
                    .root
                    .clone()
                    .unwrap_or_else(|| self.root.clone());
                Ok(FetchData::Queues(map::map_metrics(
                    self.id,
                    &root,
                    &format!("last {METRICS_DAYS} days"),
                    rows,
                )))
            }
            JobKind::Trunks | JobKind::AccountInfo => Err(ProviderError::Refused(format!(
                "IOVOX has no {} to fetch",
                key.kind.label()
            ))),
        }
    }

    /// One request per mutation.
    pub fn mutation_budget(&self, _m: &Mutation) -> (String, u32) {
        (BUDGET.to_owned(), 1)
    }

    /// The exact request [`Client::mutate`] sends (no secret is in it: the key only
    /// travels in a header).
    pub fn preview(&self, m: &Mutation) -> Result<RequestPreview, ProviderError> {
        let (method, interface, api_method, body) = request_of(m)?;
        Ok(RequestPreview {
            method: method.to_string(),
            path: format!("/{interface}?v=3&method={api_method}"),
            body: Some(body),
            stored_changes: Vec::new(),
        })
    }

    pub async fn mutate(&self, m: &Mutation) -> Result<MutationOutcome, ProviderError> {
        let (method, interface, api_method, body) = request_of(m)?;
        let what = match m {
            Mutation::Provider {
                change: ProviderChange::Iovox(Change::SetCallStatus { numbers, on }),
                ..
            } => format!(
                "setting {} number{} {}",
                numbers.len(),
                if numbers.len() == 1 { "" } else { "s" },
                if *on { "ON" } else { "OFF" }
            ),
            _ => "initiating the call".to_owned(),
        };
        let url = self.url(interface, api_method, &[])?;
        let request = self
            .http
            .request(method.clone(), url)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/xml"))
            .body(body);
        let resp = self.send(request, &method, interface).await?;
        let status = resp.status().as_u16();
        if !(200..300).contains(&status) {
            let body = self.http.read_error_body(resp).await;
            return Err(map_http_error(status, &body, &what));
        }
        let message = match m {
            Mutation::Provider {
                change: ProviderChange::Iovox(Change::SetCallStatus { numbers, on }),
                ..
            } => {
                let state = if *on { "ON" } else { "OFF" };
                match numbers.as_slice() {
                    [one] => format!("number {one} switched {state}"),
                    many => format!("{} numbers switched {state}", many.len()),
                }
            }
            Mutation::Provider {
                change:
                    ProviderChange::Iovox(Change::InitiateCall {
                        link_id,
                        destination,
                    }),
                ..
            } => format!("call to {destination} accepted (link {link_id})"),
            _ => "done".to_owned(),
        };
        Ok(MutationOutcome {
            status,
            message,
            created_id: None,
            reveal: None,
        })
    }

    pub fn set_read_only(&self, on: bool) {
        self.http.read_only().set(on);
    }

    pub fn read_only(&self) -> bool {
        self.http.read_only().is_on()
    }

    /// `{base}/{interface}?v=3&method=…&output=…&…`, refused when not HTTPS.
    fn url(
        &self,
        interface: &str,
        method: &str,
        params: &[(&str, String)],
    ) -> Result<Url, ProviderError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|_| ProviderError::Refused("base_url cannot take a path".into()))?
            .pop_if_empty()
            .push(interface);
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("v", "3").append_pair("method", method);
            q.append_pair("output", self.output.param());
            for (k, v) in params {
                q.append_pair(k, v);
            }
        }
        check_https(&url).map_err(ProviderError::Refused)?;
        Ok(url)
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        method: &Method,
        interface: &str,
    ) -> Result<reqwest::Response, ProviderError> {
        let started = Instant::now();
        let request = request
            .header(HeaderName::from_static("username"), self.username.clone())
            .header(HeaderName::from_static("securekey"), self.key.clone());
        let resp = self.http.send(request).await;
        tracing::debug!(
            method = %method,
            path = %format!("/{interface}"),
            status = resp.as_ref().map(|r| r.status().as_u16()).unwrap_or(0),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "iovox request"
        );
        resp
    }

    /// One GET; the body of a 2xx answer.
    async fn get(
        &self,
        interface: &str,
        method: &str,
        params: &[(&str, String)],
        what: &str,
    ) -> Result<Vec<u8>, ProviderError> {
        let url = self.url(interface, method, params)?;
        let accept = match self.output {
            Output::Json => "application/json",
            Output::Xml => "application/xml",
        };
        let request = self
            .http
            .request(Method::GET, url)
            .header(ACCEPT, HeaderValue::from_static(accept));
        let resp = self.send(request, &Method::GET, interface).await?;
        let status = resp.status().as_u16();
        if (200..300).contains(&status) {
            let body = self.http.read_body(resp).await?;
            shape::check_kind(&body, shape::Expect::JsonOrXml)?;
            Ok(body)
        } else {
            let body = self.http.read_error_body(resp).await;
            Err(map_http_error(status, &body, what))
        }
    }

    /// Reads up to `max_pages` pages (`limit` = [`MAX_LIMIT`] unless given) and maps
    /// every result with `f`.
    async fn get_all<T>(
        &self,
        interface: &str,
        method: &str,
        params: &[(&str, String)],
        max_pages: u32,
        what: &str,
        f: fn(&tree::Node) -> T,
    ) -> Result<Vec<T>, ProviderError>
    where
        T: Send + 'static,
    {
        let mut out = Vec::new();
        let mut page = 1u32;
        loop {
            let mut p: Vec<(&str, String)> = params.to_vec();
            if !p.iter().any(|(k, _)| *k == "limit") {
                p.push(("limit", MAX_LIMIT.to_string()));
            }
            // A page holds at most the rows asked for.
            let asked = p
                .iter()
                .find(|(k, _)| *k == "limit")
                .and_then(|(_, v)| v.parse::<usize>().ok())
                .unwrap_or(MAX_LIMIT as usize);
            p.push(("page", page.to_string()));
            let body = self.get(interface, method, &p, what).await?;
            let list = what.to_owned();
            // ~8 ms per 1,000 VoxNumbers (release): big pages are decoded off the workers.
            let (info, rows) = http::decode_off_worker(body, move |body| {
                let page = shape::RowCap::Page(asked);
                shape::check_rows(&body, 4, page, &list)?;
                if shape::xml_elements_over(&body, "result", asked).is_some() {
                    return Err(page.exceeded(&list));
                }
                wire::decode_with(&body, f)
                    .map_err(|e| ProviderError::Decode(cap(&format!("{list}: {e}"))))
            })
            .await?;
            out.extend(rows);
            if u64::from(page) >= info.total_pages {
                break;
            }
            if page >= max_pages {
                tracing::warn!(
                    what,
                    pages = info.total_pages,
                    "iovox: more pages than one refresh reads; showing the first"
                );
                break;
            }
            page += 1;
        }
        Ok(out)
    }
}

/// Method, interface, API method and XML body of a mutation IOVOX can send.
fn request_of(m: &Mutation) -> Result<(Method, &'static str, &'static str, String), ProviderError> {
    match m {
        Mutation::Provider {
            change: ProviderChange::Iovox(change),
            ..
        } => Ok(match change {
            Change::SetCallStatus { numbers, on } => (
                Method::PUT,
                "Voxnumbers",
                "setCallStatus",
                set_call_status_xml(numbers, *on),
            ),
            Change::InitiateCall {
                link_id,
                destination,
            } => (
                Method::POST,
                "Calling",
                "initiateCall",
                initiate_call_xml(link_id, destination),
            ),
        }),
        other => Err(ProviderError::Refused(format!(
            "{} is not offered by IOVOX",
            other.command()
        ))),
    }
}

const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>";

/// The `setCallStatus` body.
pub fn set_call_status_xml(numbers: &[String], on: bool) -> String {
    let mut s = format!(
        "{XML_DECL}\n<request>\n  <call_status>{}</call_status>\n  <voxnumbers>\n",
        if on { "ON" } else { "OFF" }
    );
    for n in numbers {
        s.push_str(&format!(
            "    <voxnumber>{}</voxnumber>\n",
            tree::xml_escape(n)
        ));
    }
    s.push_str("  </voxnumbers>\n</request>\n");
    s
}

/// The `initiateCall` body.
pub fn initiate_call_xml(link_id: &str, destination: &str) -> String {
    format!(
        "{XML_DECL}\n<request>\n  <link_id>{}</link_id>\n  <call_variables>\n    <call_destination>{}</call_destination>\n  </call_variables>\n</request>\n",
        tree::xml_escape(link_id),
        tree::xml_escape(destination)
    )
}
