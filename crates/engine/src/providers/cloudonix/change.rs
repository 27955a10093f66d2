//! Cloudonix changes beyond the neutral ones (providers.md §1.5): subscribers (create,
//! edit, enable/disable, delete, by id or msisdn), a RegFree call from a subscriber
//! (`POST /calls/{d}/outgoing/{msisdn}`), switching a live session to another voice
//! application (`POST /calls/{d}/sessions/{token}/application`, `{"url","method"}`), and
//! DNID create / delete. Each is planned here as one request; [`super::actions`] sends it.
//!
//! A subscriber's `sipPassword` is a secret: masked in the preview and the audit, never
//! logged; the password the provider answers on creation travels back once in
//! [`crate::providers::MutationOutcome::reveal`].

use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::providers::{NumberSpec, ProviderError};
use crate::secret::Secret;

use super::CloudonixClient;
use super::plan::{Expect, MASK, Planned, Secrets};

/// A Cloudonix-only change.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// `POST …/subscribers` `{"msisdn"[,"sipPassword"]}`; no password = the provider's.
    SubscriberNew {
        msisdn: String,
        password: Option<Secret>,
    },
    /// `PUT …/subscribers/{id or msisdn}` with only what changed.
    SubscriberEdit {
        key: String,
        active: Option<bool>,
        password: Option<Secret>,
    },
    /// `DELETE …/subscribers/{id or msisdn}`.
    SubscriberDelete { key: String },
    /// `POST /calls/{d}/outgoing/{msisdn}` `{"destination"}`.
    RegFreeCall { msisdn: String, destination: String },
    /// `POST /calls/{d}/sessions/{token}/application` `{"url","method"}` of the named
    /// application of the domain.
    Transfer { token: String, application: String },
    /// `POST …/dnids` (answers 204).
    NumberNew { number: NumberSpec },
    /// `DELETE …/dnids/{id}`; `number` is what the operator saw (for messages).
    NumberDelete { id: String, number: String },
}

fn required<'a>(value: &'a str, what: &str) -> Result<&'a str, ProviderError> {
    let v = value.trim();
    if v.is_empty() {
        Err(ProviderError::Refused(format!("{what} is empty")))
    } else {
        Ok(v)
    }
}

fn secret_value(p: &Secret, secrets: Secrets) -> &str {
    match secrets {
        Secrets::Reveal => p.expose(),
        Secrets::Mask => MASK,
    }
}

fn planned(
    method: Method,
    segments: Vec<String>,
    body: Option<Value>,
    what: String,
    done: String,
    expect: Expect,
) -> Planned {
    Planned {
        method,
        segments,
        body,
        what,
        done,
        expect,
        stored_changes: Vec::new(),
    }
}

impl CloudonixClient {
    /// The url and method of the application `app` (name or id) of `domain`, from the
    /// application list last read.
    pub(super) fn cached_app_target(&self, domain: &str, app: &str) -> Option<(String, String)> {
        let app = app.trim();
        let memo = self.memo();
        let apps = memo.apps.get(domain)?;
        apps.iter()
            .find(|a| a.name.as_deref() == Some(app) || a.id.as_deref() == Some(app))
            .or_else(|| {
                apps.iter().find(|a| {
                    a.name
                        .as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(app))
                })
            })
            .and_then(|a| {
                let url = a.url.clone().filter(|u| !u.trim().is_empty())?;
                let method = a
                    .method
                    .clone()
                    .filter(|m| !m.trim().is_empty())
                    .unwrap_or_else(|| "POST".to_owned());
                Some((url, method.to_ascii_uppercase()))
            })
    }

    /// Whether sending `c` needs the domain's application list, and it is not known yet.
    pub(super) fn change_needs_apps(&self, domain: &str, c: &Change) -> bool {
        match c {
            Change::Transfer { application, .. } => {
                self.cached_app_target(domain, application).is_none()
            }
            Change::NumberNew { number } => {
                self.cached_app_id(domain, &number.application).is_none()
            }
            _ => false,
        }
    }

    /// The one request a Cloudonix-only change sends.
    pub(super) fn plan_change(
        &self,
        domain: &str,
        c: &Change,
        secrets: Secrets,
    ) -> Result<Planned, ProviderError> {
        let calls = |rest: &[&str]| {
            let mut v = vec!["calls".to_owned(), domain.to_owned()];
            v.extend(rest.iter().map(|s| (*s).to_owned()));
            v
        };
        Ok(match c {
            Change::SubscriberNew { msisdn, password } => {
                let msisdn = required(msisdn, "the subscriber's msisdn")?;
                let mut o = Map::new();
                o.insert("msisdn".into(), json!(msisdn));
                if let Some(p) = password {
                    o.insert("sipPassword".into(), json!(secret_value(p, secrets)));
                }
                planned(
                    Method::POST,
                    self.domain_segments(domain, &["subscribers"]),
                    Some(Value::Object(o)),
                    format!("new subscriber {msisdn} in {domain}"),
                    format!("subscriber {msisdn} created"),
                    Expect::CreatedSubscriber,
                )
            }
            Change::SubscriberEdit {
                key,
                active,
                password,
            } => {
                let key = required(key, "the subscriber")?;
                let mut o = Map::new();
                if let Some(a) = active {
                    o.insert("active".into(), json!(a));
                }
                if let Some(p) = password {
                    o.insert("sipPassword".into(), json!(secret_value(p, secrets)));
                }
                if o.is_empty() {
                    return Err(ProviderError::Refused("nothing to change".into()));
                }
                let done = match active {
                    Some(true) if password.is_none() => format!("subscriber {key} enabled"),
                    Some(false) if password.is_none() => format!("subscriber {key} disabled"),
                    _ => format!("subscriber {key} updated"),
                };
                planned(
                    Method::PUT,
                    self.domain_segments(domain, &["subscribers", key]),
                    Some(Value::Object(o)),
                    format!("subscriber {key} of {domain}"),
                    done,
                    Expect::Done,
                )
            }
            Change::SubscriberDelete { key } => {
                let key = required(key, "the subscriber")?;
                planned(
                    Method::DELETE,
                    self.domain_segments(domain, &["subscribers", key]),
                    None,
                    format!("subscriber {key} of {domain}"),
                    format!("subscriber {key} deleted"),
                    Expect::Done,
                )
            }
            Change::RegFreeCall {
                msisdn,
                destination,
            } => {
                let msisdn = required(msisdn, "the subscriber's msisdn")?;
                let dest = required(destination, "the destination")?;
                planned(
                    Method::POST,
                    calls(&["outgoing", msisdn]),
                    Some(json!({ "destination": dest })),
                    format!("call from subscriber {msisdn} to {dest}"),
                    format!("call from {msisdn} to {dest} placed"),
                    Expect::Call,
                )
            }
            Change::Transfer { token, application } => {
                let token = required(token, "the call token")?;
                let app = required(application, "the application")?;
                let (url, method) = self.cached_app_target(domain, app).ok_or_else(|| {
                    ProviderError::Refused(format!("no application '{app}' with a URL in {domain}"))
                })?;
                planned(
                    Method::POST,
                    calls(&["sessions", token, "application"]),
                    Some(json!({ "url": url, "method": method })),
                    format!("call {token} of {domain}"),
                    format!("call {token} switched to {app}"),
                    Expect::Call,
                )
            }
            Change::NumberNew { number } => {
                let source = required(&number.source, "the number")?;
                let app = required(&number.application, "the application")?;
                let id = self.cached_app_id(domain, app).ok_or_else(|| {
                    ProviderError::Refused(format!("no application '{app}' in {domain}"))
                })?;
                planned(
                    Method::POST,
                    self.domain_segments(domain, &["dnids"]),
                    Some(json!({
                        "source": source,
                        "applicationId": id,
                        "active": number.active,
                        "prefix": number.prefix,
                        "expression": number.expression,
                        "asteriskCompatible": number.asterisk_compatible,
                    })),
                    format!("new number {source} in {domain}"),
                    format!("number {source} created"),
                    Expect::Done,
                )
            }
            Change::NumberDelete { id, number } => {
                let id = required(id, "the number id")?;
                let shown = if number.trim().is_empty() {
                    id
                } else {
                    number.trim()
                };
                planned(
                    Method::DELETE,
                    self.domain_segments(domain, &["dnids", id]),
                    None,
                    format!("number {shown} of {domain}"),
                    format!("number {shown} deleted"),
                    Expect::Done,
                )
            }
        })
    }
}

/// A created subscriber's id and the `sipPassword` the provider answered (shown once).
pub(super) fn created_subscriber(body: &[u8]) -> (Option<String>, Option<Secret>) {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return (None, None);
    };
    let obj = match &v {
        Value::Array(a) => a.first().unwrap_or(&Value::Null),
        other => other,
    };
    let id = match obj.get("id") {
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    };
    let password = ["sipPassword", "sip-password"]
        .iter()
        .find_map(|k| obj.get(*k).and_then(Value::as_str))
        .filter(|p| !p.is_empty())
        .map(Secret::new);
    (id, password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_created_subscriber_gives_its_id_and_password_once() {
        let (id, pw) =
            created_subscriber(br#"{"id":12,"msisdn":"1001","sipPassword":"s3cr3t-pass"}"#);
        assert_eq!(id.as_deref(), Some("12"));
        assert_eq!(
            pw.map(|p| p.expose().to_owned()).as_deref(),
            Some("s3cr3t-pass")
        );
        assert_eq!(created_subscriber(b"<html>"), (None, None));
        let (_, pw) = created_subscriber(br#"[{"id":"7","sipPassword":""}]"#);
        assert!(pw.is_none());
    }
}
