//! The documents an attached console and the collector exchange for a change:
//! `POST /v1/actions/<op>/preview` and `POST /v1/actions/<op>` carry a [`ChangeRequest`]
//! (the open form's target and the values it was reviewed with); the answer is an
//! [`Answer`]: the request preview, the provider's outcome, or an error typed like
//! [`ProviderError`], so the console words it exactly as in local mode (a timeout is
//! "outcome unknown").
//!
//! The collector builds the mutation from the target and values with the same form
//! builder the console uses, so what it sends is what the operator reviewed.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::providers::forms::ProviderTarget;
use crate::providers::{MutationOutcome, ProviderError, RequestPreview};
use crate::secret::Secret;

impl ChangeRequest {
    /// The open form's target and the values it was reviewed with; the provider's name,
    /// the console's state and its host are filled in when it is sent.
    pub fn of_form(target: &ProviderTarget, values: Vec<(String, String)>) -> ChangeRequest {
        ChangeRequest {
            provider: String::new(),
            target: target.clone(),
            values,
            read_only: false,
            host: String::new(),
            user: String::new(),
            pane: None,
        }
    }
}

/// A change as a console asks the collector to preview or send it.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeRequest {
    /// The provider connection by its name at the collector (the feed's name).
    pub provider: String,
    pub target: ProviderTarget,
    /// The form's values by field key. A secret typed into the form is here in clear (the
    /// collector needs it to send it): never logged, never in an error.
    pub values: Vec<(String, String)>,
    /// The console is in read-only mode: the collector refuses the change.
    #[serde(default)]
    pub read_only: bool,
    /// The console's host and operating-system user, for the collector's audit line (the
    /// operator's name comes from the token).
    #[serde(default)]
    pub host: String,
    #[serde(default)]
    pub user: String,
    /// The pane the operator made it from: the collector reads it again at once, so every
    /// console sees the change (a local console refreshes its visible pane the same way).
    #[serde(default)]
    pub pane: Option<crate::model::Resource>,
}

/// Values may hold a typed password: only their keys are shown.
impl std::fmt::Debug for ChangeRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeRequest")
            .field("provider", &self.provider)
            .field("op", &self.target.op)
            .field("account", &self.target.account)
            .field(
                "fields",
                &self.values.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("read_only", &self.read_only)
            .finish()
    }
}

/// A provider's answer to a change that went through.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutcomeDoc {
    pub status: u16,
    pub message: String,
    #[serde(default)]
    pub created_id: Option<String>,
    /// A secret the provider shows once (a new subscriber's SIP password), for the
    /// operator who made the change.
    #[serde(default)]
    pub reveal: Option<String>,
}

impl OutcomeDoc {
    pub fn of(o: &MutationOutcome) -> OutcomeDoc {
        OutcomeDoc {
            status: o.status,
            message: o.message.clone(),
            created_id: o.created_id.clone(),
            reveal: o.reveal.as_ref().map(|s| s.expose().to_string()),
        }
    }

    pub fn into_outcome(self) -> MutationOutcome {
        MutationOutcome {
            status: self.status,
            message: self.message,
            created_id: self.created_id,
            reveal: self.reveal.map(Secret::new),
        }
    }
}

/// A [`ProviderError`] as JSON: its kind, its message (already redacted), and the
/// figures some kinds carry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorDoc {
    /// `unauthorized`, `forbidden`, `not_found`, `bad_request`, `rate_limited`, `server`,
    /// `timeout`, `connect`, `decode`, `unexpected` or `refused`.
    pub kind: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub retry_after_ms: Option<u64>,
    #[serde(default)]
    pub timeout_ms: Option<u64>,
}

impl ErrorDoc {
    pub fn refused(message: impl Into<String>) -> ErrorDoc {
        ErrorDoc::of(&ProviderError::Refused(message.into()))
    }

    pub fn of(e: &ProviderError) -> ErrorDoc {
        let redact = |m: &str| crate::secret::redact(m).into_owned();
        let (kind, message) = match e {
            ProviderError::Unauthorized(m) => ("unauthorized", redact(m)),
            ProviderError::Forbidden(m) => ("forbidden", redact(m)),
            ProviderError::NotFound(m) => ("not_found", redact(m)),
            ProviderError::BadRequest(m) => ("bad_request", redact(m)),
            ProviderError::RateLimited { message, .. } => ("rate_limited", redact(message)),
            ProviderError::Server { message, .. } => ("server", redact(message)),
            ProviderError::Timeout(_) => ("timeout", String::new()),
            ProviderError::Connect(m) => ("connect", redact(m)),
            ProviderError::Decode(m) => ("decode", redact(m)),
            ProviderError::Unexpected(m) => ("unexpected", redact(m)),
            ProviderError::Refused(m) => ("refused", redact(m)),
        };
        ErrorDoc {
            kind: kind.into(),
            message,
            status: match e {
                ProviderError::Server { status, .. } => Some(*status),
                _ => None,
            },
            retry_after_ms: match e {
                ProviderError::RateLimited { retry_after, .. } => {
                    retry_after.map(|d| d.as_millis() as u64)
                }
                _ => None,
            },
            timeout_ms: match e {
                ProviderError::Timeout(d) => Some(d.as_millis() as u64),
                _ => None,
            },
        }
    }

    /// Back into the error the console words; an unknown kind (a newer collector) is
    /// an unexpected answer with its message.
    pub fn into_error(self) -> ProviderError {
        let m = self.message;
        match self.kind.as_str() {
            "unauthorized" => ProviderError::Unauthorized(m),
            "forbidden" => ProviderError::Forbidden(m),
            "not_found" => ProviderError::NotFound(m),
            "bad_request" => ProviderError::BadRequest(m),
            "rate_limited" => ProviderError::RateLimited {
                retry_after: self.retry_after_ms.map(Duration::from_millis),
                message: m,
            },
            "server" => ProviderError::Server {
                status: self.status.unwrap_or(500),
                message: m,
            },
            "timeout" => {
                ProviderError::Timeout(Duration::from_millis(self.timeout_ms.unwrap_or_default()))
            }
            "connect" => ProviderError::Connect(m),
            "decode" => ProviderError::Decode(m),
            "refused" => ProviderError::Refused(m),
            _ => ProviderError::Unexpected(m),
        }
    }
}

/// The collector's answer to a change request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Preview(RequestPreview),
    Outcome(OutcomeDoc),
    Error(ErrorDoc),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_kind_round_trips() {
        let errors = [
            ProviderError::Unauthorized("bad key".into()),
            ProviderError::Forbidden("no scope".into()),
            ProviderError::NotFound("trunk 9".into()),
            ProviderError::BadRequest("port".into()),
            ProviderError::RateLimited {
                retry_after: Some(Duration::from_secs(3)),
                message: "slow down".into(),
            },
            ProviderError::Server {
                status: 503,
                message: "down".into(),
            },
            ProviderError::Timeout(Duration::from_secs(10)),
            ProviderError::Connect("reset".into()),
            ProviderError::Decode("json".into()),
            ProviderError::Unexpected("html".into()),
            ProviderError::Refused("read-only".into()),
        ];
        for e in errors {
            let json = serde_json::to_string(&Answer::Error(ErrorDoc::of(&e))).unwrap();
            let Answer::Error(doc) = serde_json::from_str(&json).unwrap() else {
                panic!("{json}")
            };
            assert_eq!(doc.into_error().to_string(), e.to_string(), "{json}");
        }
    }

    #[test]
    fn a_typed_password_never_shows_in_debug() {
        let r = ChangeRequest {
            provider: "p".into(),
            target: ProviderTarget::new(crate::model::ProviderKind::ALL[0], "d", "trunk.edit"),
            values: vec![("password".into(), "hunter2-secret".into())],
            read_only: false,
            host: "h".into(),
            user: "u".into(),
            pane: None,
        };
        let shown = format!("{r:?}");
        assert!(
            shown.contains("password") && !shown.contains("hunter2"),
            "{shown}"
        );
    }
}
