//! Cloudonix mutations (providers.md §1.5, §1.8): trunk create / update / delete, DNID
//! update, click-to-call and hang-up.
//!
//! [`CloudonixClient::preview`] and [`CloudonixClient::mutate`] both build their request
//! with [`CloudonixClient::plan`]; the only difference is whether secrets are written as
//! themselves or as `****`, so the review step shows exactly what is sent.
//!
//! A mutation is sent once through the read-only guard and never retried: a timeout comes
//! back as [`ProviderError::Timeout`] ("outcome unknown"). Only method, path and status
//! are logged, never bodies or headers.

use std::time::Instant;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, Url};
use serde_json::{Map, Value, json};

use crate::providers::{
    Mutation, MutationOutcome, NumberSpec, ProviderChange, ProviderError, RequestPreview,
    TrunkSpec, http,
};

use super::forms::{DIRECTION_LABEL, key};
use super::{CloudonixClient, map_http_error, wire};
use crate::form::diff::StoredChange;

pub use super::plan::MASK;
use super::plan::{Expect, Planned, Secrets};

fn required<'a>(value: &'a str, what: &str) -> Result<&'a str, ProviderError> {
    let v = value.trim();
    if v.is_empty() {
        Err(ProviderError::Refused(format!("{what} is empty")))
    } else {
        Ok(v)
    }
}

fn trunk_body(t: &TrunkSpec, with_name: bool, secrets: Secrets) -> Value {
    let mut o = Map::new();
    if with_name {
        o.insert("name".into(), json!(t.name.trim()));
    }
    o.insert("ip".into(), json!(t.host.trim()));
    o.insert("port".into(), json!(t.port));
    o.insert("transport".into(), json!(t.transport));
    o.insert("prefix".into(), json!(t.prefix));
    o.insert("direction".into(), json!(t.direction));
    let mut auth = Map::new();
    if let Some(u) = &t.auth_username {
        auth.insert("username".into(), json!(u));
    }
    if let Some(p) = &t.auth_password {
        let v = match secrets {
            Secrets::Reveal => p.expose(),
            Secrets::Mask => MASK,
        };
        auth.insert("password".into(), json!(v));
    }
    if !auth.is_empty() {
        o.insert("profile".into(), json!({ "authentication": auth }));
    }
    Value::Object(o)
}

/// Whether the form value `now` of field `key` differs from the stored value the form
/// started from; always true when the start is not known (everything is sent).
fn differs(start: &[(String, String)], key: &str, now: &str) -> bool {
    start.is_empty()
        || start
            .iter()
            .find(|(k, _)| k == key)
            .is_none_or(|(_, v)| v.trim() != now.trim())
}

fn start_value<'a>(start: &'a [(String, String)], key: &str) -> &'a str {
    start
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.trim())
        .unwrap_or_default()
}

/// A trunk update: the API takes a partial PUT (providers.md §1.8; the vendor's own app
/// sends only the fields an operator filled in), so only the fields that differ from the
/// stored ones are sent and nothing else is re-normalised (a stored `inbound` stays as
/// it is when only the port changes). Without a start, the whole trunk.
fn trunk_update_body(t: &TrunkSpec, start: &[(String, String)], secrets: Secrets) -> Value {
    if start.is_empty() {
        return trunk_body(t, false, secrets);
    }
    let mut o = Map::new();
    if differs(start, key::IP, &t.host) {
        o.insert("ip".into(), json!(t.host.trim()));
    }
    if differs(start, key::PORT, &t.port.to_string()) {
        o.insert("port".into(), json!(t.port));
    }
    if differs(start, key::TRANSPORT, &t.transport) {
        o.insert("transport".into(), json!(t.transport));
    }
    if differs(start, key::PREFIX, &t.prefix) {
        o.insert("prefix".into(), json!(t.prefix));
    }
    if differs(start, key::DIRECTION, &t.direction) {
        o.insert("direction".into(), json!(t.direction));
    }
    let mut auth = Map::new();
    if let Some(u) = &t.auth_username
        && differs(start, key::AUTH_USERNAME, u)
    {
        auth.insert("username".into(), json!(u));
    }
    if let Some(p) = &t.auth_password {
        let v = match secrets {
            Secrets::Reveal => p.expose(),
            Secrets::Mask => MASK,
        };
        auth.insert("password".into(), json!(v));
    }
    if !auth.is_empty() {
        o.insert("profile".into(), json!({ "authentication": auth }));
    }
    Value::Object(o)
}

/// How Cloudonix stores a trunk direction sent as `sent` (providers.md §1.8: `inbound`
/// and `outbound` become `public-inbound` / `public-outbound`).
pub fn stored_direction(sent: &str) -> String {
    match sent.trim() {
        "inbound" => "public-inbound".into(),
        "outbound" => "public-outbound".into(),
        other => other.to_owned(),
    }
}

/// The stored values a trunk update changes beyond what was typed: a direction sent as
/// `inbound`/`outbound` is stored as `public-…`.
fn trunk_stored_changes(t: &TrunkSpec, start: &[(String, String)]) -> Vec<StoredChange> {
    if start.is_empty() || !differs(start, key::DIRECTION, &t.direction) {
        return Vec::new();
    }
    let stored = stored_direction(&t.direction);
    if stored == t.direction.trim() {
        return Vec::new();
    }
    vec![StoredChange::new(
        DIRECTION_LABEL,
        start_value(start, key::DIRECTION),
        &stored,
    )]
}

/// A new trunk's direction sent as `inbound`/`outbound` is stored as `public-…`.
fn created_stored_changes(t: &TrunkSpec) -> Vec<StoredChange> {
    let stored = stored_direction(&t.direction);
    if stored == t.direction.trim() {
        Vec::new()
    } else {
        vec![StoredChange::new(DIRECTION_LABEL, "", &stored)]
    }
}

/// The match mode a DNID's flags select (the form's `match` field).
fn match_mode(n: &NumberSpec) -> &'static str {
    if n.prefix {
        "prefix"
    } else if n.expression {
        "expression"
    } else if n.asterisk_compatible {
        "asterisk"
    } else {
        "exact"
    }
}

/// The stored values a DNID update changes beyond what was typed: a new number or match
/// mode makes Cloudonix recompile the stored pattern (`dnid`).
fn number_stored_changes(n: &NumberSpec, start: &[(String, String)]) -> Vec<StoredChange> {
    if start.is_empty() {
        return Vec::new();
    }
    if differs(start, key::SOURCE, &n.source) || differs(start, key::MATCH, match_mode(n)) {
        vec![StoredChange::new(
            PATTERN_LABEL,
            start_value(start, key::DNID),
            "(recompiled by Cloudonix)",
        )]
    } else {
        Vec::new()
    }
}

/// Review label of the DNID's compiled pattern, a stored value the provider changes that
/// no field shows (the trunk's direction uses its form field's own label).
pub const PATTERN_LABEL: &str = "Pattern (dnid)";

/// `application` as the API takes it: a number when it is an id, else the name.
fn application_value(app: &str) -> Value {
    match app.parse::<u64>() {
        Ok(id) => json!(id),
        Err(_) => json!(app),
    }
}

impl CloudonixClient {
    pub(super) fn domain_segments(&self, domain: &str, rest: &[&str]) -> Vec<String> {
        let mut v = vec![
            "customers".to_owned(),
            self.customer.clone(),
            "domains".to_owned(),
            domain.to_owned(),
        ];
        v.extend(rest.iter().map(|s| (*s).to_owned()));
        v
    }

    /// The id of an application given by id or name, from the numeric form or the
    /// application list last read for the domain.
    pub(super) fn cached_app_id(&self, domain: &str, app: &str) -> Option<u64> {
        let app = app.trim();
        if let Ok(id) = app.parse::<u64>() {
            return Some(id);
        }
        let memo = self.memo();
        let apps = memo.apps.get(domain)?;
        let id_of = |a: &wire::Application| a.id.as_deref().and_then(|i| i.parse::<u64>().ok());
        apps.iter()
            .find(|a| a.name.as_deref() == Some(app))
            .or_else(|| {
                apps.iter().find(|a| {
                    a.name
                        .as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(app))
                })
            })
            .and_then(id_of)
    }

    /// The names of the voice applications last read for a domain (for the number form).
    pub fn cached_applications(&self, domain: &str) -> Vec<String> {
        self.memo()
            .apps
            .get(domain)
            .map(|apps| apps.iter().filter_map(|a| a.name.clone()).collect())
            .unwrap_or_default()
    }

    /// Reads the domain's applications (a GET) and remembers them.
    async fn refresh_apps(&self, domain: &str) -> Result<(), ProviderError> {
        let path = self.domain_path(domain, "applications");
        let body = self
            .get(&path, &format!("applications of {domain}"))
            .await?;
        let apps = wire::decode_applications(&body)?;
        self.memo().apps.insert(domain.to_owned(), apps);
        Ok(())
    }

    /// A DNID update: partial like a trunk's (the toggle has always sent `{"active"}`
    /// alone), so only what differs from the stored values goes; the three match flags go
    /// together when the match mode changed (at most one may be true). Without a start,
    /// every field.
    fn number_body(
        &self,
        domain: &str,
        n: &NumberSpec,
        start: &[(String, String)],
    ) -> Result<Value, ProviderError> {
        let mut o = Map::new();
        if differs(start, key::SOURCE, &n.source) {
            o.insert("source".into(), json!(n.source.trim()));
        }
        let app = n.application.trim();
        if !app.is_empty() && differs(start, key::APPLICATION, app) {
            let id = self.cached_app_id(domain, app).ok_or_else(|| {
                ProviderError::Refused(format!("no application '{app}' in {domain}"))
            })?;
            o.insert("applicationId".into(), json!(id));
        }
        if differs(start, key::ACTIVE, if n.active { "yes" } else { "no" }) {
            o.insert("active".into(), json!(n.active));
        }
        if differs(start, key::MATCH, match_mode(n)) {
            o.insert("prefix".into(), json!(n.prefix));
            o.insert("expression".into(), json!(n.expression));
            o.insert("asteriskCompatible".into(), json!(n.asterisk_compatible));
        }
        Ok(Value::Object(o))
    }

    /// Decides the one request a mutation sends. Pure apart from reading the cached
    /// application list; `secrets` only changes how passwords are written.
    fn plan(&self, m: &Mutation, secrets: Secrets) -> Result<Planned, ProviderError> {
        let domain = required(m.account(), "the domain")?;
        Ok(match m {
            Mutation::CreateTrunk { trunk, .. } => {
                let name = required(&trunk.name, "the trunk name")?;
                Planned {
                    method: Method::POST,
                    segments: self.domain_segments(domain, &["trunks"]),
                    body: Some(trunk_body(trunk, true, secrets)),
                    what: format!("new trunk {name} in {domain}"),
                    done: format!("trunk {name} created"),
                    expect: Expect::CreatedTrunk,
                    stored_changes: created_stored_changes(trunk),
                }
            }
            Mutation::UpdateTrunk {
                id, trunk, start, ..
            } => {
                let id = required(id, "the trunk id")?;
                let name = if trunk.name.trim().is_empty() {
                    id
                } else {
                    trunk.name.trim()
                };
                Planned {
                    method: Method::PUT,
                    segments: self.domain_segments(domain, &["trunks", id]),
                    body: Some(trunk_update_body(trunk, start, secrets)),
                    what: format!("trunk {name} of {domain}"),
                    done: format!("trunk {name} updated"),
                    expect: Expect::Done,
                    stored_changes: trunk_stored_changes(trunk, start),
                }
            }
            Mutation::DeleteTrunk { id, .. } => {
                let id = required(id, "the trunk id")?;
                Planned {
                    method: Method::DELETE,
                    segments: self.domain_segments(domain, &["trunks", id]),
                    body: None,
                    what: format!("trunk {id} of {domain}"),
                    done: format!("trunk {id} deleted"),
                    expect: Expect::Done,
                    stored_changes: Vec::new(),
                }
            }
            Mutation::UpdateNumber {
                id, number, start, ..
            } => {
                let id = required(id, "the number id")?;
                required(&number.source, "the number")?;
                Planned {
                    method: Method::PUT,
                    segments: self.domain_segments(domain, &["dnids", id]),
                    body: Some(self.number_body(domain, number, start)?),
                    what: format!("number {} of {domain}", number.source.trim()),
                    done: format!("number {} updated", number.source.trim()),
                    expect: Expect::Done,
                    stored_changes: number_stored_changes(number, start),
                }
            }
            Mutation::SetNumberActive { id, active, .. } => {
                let id = required(id, "the number id")?;
                let verb = if *active { "enabled" } else { "disabled" };
                Planned {
                    method: Method::PUT,
                    segments: self.domain_segments(domain, &["dnids", id]),
                    body: Some(json!({ "active": active })),
                    what: format!("number {id} of {domain}"),
                    done: format!("number {id} {verb}"),
                    expect: Expect::Done,
                    stored_changes: Vec::new(),
                }
            }
            Mutation::ClickToCall {
                destination,
                caller_id,
                application,
                ..
            } => {
                let dest = required(destination, "the destination")?;
                let mut o = Map::new();
                o.insert("destination".into(), json!(dest));
                if let Some(c) = caller_id
                    .as_deref()
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                {
                    o.insert("caller-id".into(), json!(c));
                }
                if let Some(a) = application
                    .as_deref()
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                {
                    o.insert("application".into(), application_value(a));
                }
                Planned {
                    method: Method::POST,
                    segments: vec!["calls".into(), domain.to_owned(), "application".into()],
                    body: Some(Value::Object(o)),
                    what: format!("call to {dest} from {domain}"),
                    done: format!("call to {dest} placed"),
                    expect: Expect::Call,
                    stored_changes: Vec::new(),
                }
            }
            Mutation::Hangup { call_id, .. } => {
                let id = required(call_id, "the call id")?;
                Planned {
                    method: Method::DELETE,
                    segments: self.domain_segments(domain, &["sessions", id]),
                    body: None,
                    what: format!("call {id} of {domain}"),
                    done: format!("call {id} hung up"),
                    expect: Expect::Hangup,
                    stored_changes: Vec::new(),
                }
            }
            Mutation::Provider {
                change: ProviderChange::Cloudonix(c),
                ..
            } => return self.plan_change(domain, c, secrets),
            Mutation::Provider { .. } => {
                return Err(ProviderError::Refused(
                    "not a Cloudonix change (it belongs to another provider)".into(),
                ));
            }
        })
    }

    fn url_for(&self, segments: &[String]) -> Result<Url, ProviderError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|_| ProviderError::Refused("base_url cannot take a path".into()))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// The request path relative to the base URL (percent-encoded, leading `/`).
    fn relative_path(&self, url: &Url) -> String {
        let base = self.base.path().trim_end_matches('/');
        let path = url.path();
        match path.strip_prefix(base) {
            Some(rest) if rest.starts_with('/') => rest.to_owned(),
            _ => path.to_owned(),
        }
    }

    /// Exactly the request [`CloudonixClient::mutate`] would send, with every secret
    /// shown as `****`. Sends nothing. An application given by name is resolved from
    /// the application list last read for the domain (the numbers job reads it); when it
    /// is not known yet this is `Refused` while `mutate` reads the list first.
    /// Per domain; a number edit may first read the application list.
    pub fn mutation_budget(&self, m: &Mutation) -> (String, u32) {
        let reads_apps = matches!(
            m,
            Mutation::UpdateNumber { .. }
                | Mutation::Provider {
                    change: ProviderChange::Cloudonix(
                        super::change::Change::Transfer { .. }
                            | super::change::Change::NumberNew { .. }
                    ),
                    ..
                }
        );
        let cost = if reads_apps { 2 } else { 1 };
        (m.account().to_string(), cost)
    }

    pub fn preview(&self, m: &Mutation) -> Result<RequestPreview, ProviderError> {
        let p = self.plan(m, Secrets::Mask)?;
        let url = self.url_for(&p.segments)?;
        Ok(RequestPreview {
            method: p.method.as_str().to_owned(),
            path: self.relative_path(&url),
            body: p
                .body
                .as_ref()
                .map(|b| crate::secret::redact(&b.to_string()).into_owned()),
            stored_changes: p.stored_changes,
        })
    }

    /// Sends the mutation once (never retried) and reports how it ended. 404 on a
    /// hang-up is success ("call had already ended"); other non-2xx statuses map like
    /// reads do (400 carries the provider's message).
    pub async fn mutate(&self, m: &Mutation) -> Result<MutationOutcome, ProviderError> {
        if let Mutation::UpdateNumber {
            account,
            number,
            start,
            ..
        } = m
        {
            let app = number.application.trim();
            let domain = account.trim();
            if !app.is_empty()
                && !domain.is_empty()
                && differs(start, key::APPLICATION, app)
                && self.cached_app_id(domain, app).is_none()
            {
                self.refresh_apps(domain).await?;
            }
        }
        if let Mutation::Provider {
            account,
            change: ProviderChange::Cloudonix(c),
            ..
        } = m
        {
            let domain = account.trim();
            if !domain.is_empty() && self.change_needs_apps(domain, c) {
                self.refresh_apps(domain).await?;
            }
        }
        let p = self.plan(m, Secrets::Reveal)?;
        let url = self.url_for(&p.segments)?;
        let path = self.relative_path(&url);
        let mut request = self
            .http
            .request(p.method.clone(), url)
            .header(AUTHORIZATION, self.auth.clone())
            .header(ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(body) = &p.body {
            request = request
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(body.to_string());
        }
        let started = Instant::now();
        let resp = match self.http.send(request).await {
            Ok(r) => r,
            Err(e) => {
                tracing::info!(
                    method = p.method.as_str(),
                    path = %path,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    error = %e,
                    "cloudonix mutation not completed"
                );
                return Err(e);
            }
        };
        let status = resp.status().as_u16();
        tracing::info!(
            method = p.method.as_str(),
            path = %path,
            status,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "cloudonix mutation"
        );
        let retry_after = http::retry_after(resp.headers());
        // The change has happened once the status is 2xx: a body that cannot be read
        // only costs the created id.
        let body = self.http.read_error_body(resp).await;
        if (200..300).contains(&status) {
            let mut reveal = None;
            let created_id = match p.expect {
                Expect::CreatedTrunk => wire::decode_one::<wire::Trunk>(&body)
                    .ok()
                    .and_then(|t| t.id.or(t.uuid)),
                Expect::Call => call_token(&body),
                Expect::CreatedSubscriber => {
                    let (id, password) = super::change::created_subscriber(&body);
                    reveal = password;
                    id
                }
                Expect::Hangup | Expect::Done => None,
            };
            let message = match (p.expect, &created_id) {
                (Expect::Call, None) => format!("{}; no call id in the answer", p.done),
                _ => p.done,
            };
            return Ok(MutationOutcome {
                status,
                message,
                created_id,
                reveal,
            });
        }
        if status == 404 && p.expect == Expect::Hangup {
            return Ok(MutationOutcome {
                status,
                message: "call had already ended".into(),
                created_id: None,
                reveal: None,
            });
        }
        Err(map_http_error(status, retry_after, &body, &p.what))
    }
}

/// `token` of a callObjectResult (string, or a number for tolerance).
fn call_token(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let obj = match &v {
        Value::Array(a) => a.first()?,
        other => other,
    };
    match obj.get("token")? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn spec(password: Option<&str>) -> TrunkSpec {
        TrunkSpec {
            name: "pbx".into(),
            host: "10.0.0.1".into(),
            port: 5061,
            transport: "tls".into(),
            direction: "inbound".into(),
            prefix: "".into(),
            auth_username: Some("u1".into()),
            auth_password: password.map(Secret::new),
        }
    }

    #[test]
    fn trunk_bodies() {
        let b = trunk_body(&spec(Some("pw-abcdef")), true, Secrets::Mask);
        assert_eq!(b["name"], "pbx");
        assert_eq!(b["port"], 5061);
        assert_eq!(b["profile"]["authentication"]["password"], "****");
        let b = trunk_body(&spec(Some("pw-abcdef")), false, Secrets::Reveal);
        assert!(b.get("name").is_none());
        assert_eq!(b["profile"]["authentication"]["password"], "pw-abcdef");
        let b = trunk_body(&spec(None), false, Secrets::Reveal);
        assert!(b["profile"]["authentication"].get("password").is_none());
        let mut s = spec(None);
        s.auth_username = None;
        assert!(
            trunk_body(&s, true, Secrets::Reveal)
                .get("profile")
                .is_none()
        );
    }

    fn start(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_trunk_update_sends_only_what_differs_from_the_stored_trunk() {
        let stored = start(&[
            ("ip", "10.0.0.1"),
            ("port", "5060"),
            ("transport", "tls"),
            ("prefix", ""),
            ("direction", "inbound"),
            ("auth_username", "u1"),
        ]);
        // Only the port changed (spec() has port 5061): the stored `inbound` is not re-sent.
        let b = trunk_update_body(&spec(None), &stored, Secrets::Reveal);
        assert_eq!(b, json!({ "port": 5061 }));
        assert!(trunk_stored_changes(&spec(None), &stored).is_empty());
        // A typed password always goes (masked in the preview).
        let b = trunk_update_body(&spec(Some("pw-abcdef")), &stored, Secrets::Mask);
        assert_eq!(
            b,
            json!({ "port": 5061, "profile": { "authentication": { "password": "****" } } })
        );
        // A direction typed as `outbound` is stored as `public-outbound`: the review says so.
        let mut s = spec(None);
        s.direction = "outbound".into();
        assert_eq!(
            trunk_stored_changes(&s, &stored),
            vec![StoredChange::new("Direction", "inbound", "public-outbound")]
        );
        // Created with `inbound`: stored as `public-inbound`, and the review says so.
        assert_eq!(
            created_stored_changes(&spec(None)),
            vec![StoredChange::new("Direction", "", "public-inbound")]
        );
        // No start known: the whole trunk, as before.
        assert_eq!(
            trunk_update_body(&spec(None), &[], Secrets::Reveal),
            trunk_body(&spec(None), false, Secrets::Reveal)
        );
    }

    #[test]
    fn tokens_and_application_values() {
        assert_eq!(call_token(br#"{"token":"abc"}"#), Some("abc".into()));
        assert_eq!(call_token(br#"[{"token":"abc"}]"#), Some("abc".into()));
        assert_eq!(call_token(br#"{"token":""}"#), None);
        assert_eq!(call_token(b"<html>"), None);
        assert_eq!(application_value("12"), json!(12));
        assert_eq!(application_value("ivr"), json!("ivr"));
    }
}
