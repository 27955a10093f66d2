//! The validated settings of one provider connection: what `config` reads from a
//! `[[provider]]` table (secrets resolved) and what a provider client is built from.
//! Kept apart from `config` (the file, its validation and secret references) so the
//! providers depend on their settings, not on the parser that reads them.

use std::path::PathBuf;
use std::time::Duration;

use crate::model::ProviderKind;
use crate::secret::Secret;

/// One `[[provider]]` table. Credential keys differ by kind; `validate` checks that the
/// ones a kind needs are present.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    pub name: String,
    pub kind: ProviderKind,
    pub base_url: String,
    /// Cloudonix, ProVoice.
    pub api_key: Option<Secret>,
    /// VoIPcloud: the `token` header value.
    pub token: Option<Secret>,
    /// VoIPcloud: `v1` (default) or `v2` paths.
    pub api_version: Option<String>,
    /// IOVOX: an extra trusted CA (PEM file), e.g. the simulator's self-signed one.
    pub ca_file: Option<PathBuf>,
    /// IOVOX: `json` (default) or `xml` responses.
    pub output: Option<String>,
    /// ProVoice: where the local call-record consumer listens (default 127.0.0.1:0).
    pub callback_listen: Option<String>,
    /// ProVoice: the URL the provider calls back (default: the bound address).
    pub callback_url: Option<String>,
    /// Cloudonix customer id or name (default `self`).
    pub customer: Option<String>,
    /// Cloudonix: restrict polling to these domains (default: all the key can see).
    pub domains: Vec<String>,
    /// IOVOX, Callable.
    pub username: Option<String>,
    /// Callable.
    pub password: Option<Secret>,
    /// IOVOX.
    pub secure_key: Option<Secret>,
    pub rate_limit: Option<RateLimitConfig>,
    /// Per-request timeout in seconds (default 10).
    pub timeout_seconds: Option<f64>,
    /// Largest response body accepted, in MiB (default 32).
    pub max_response_mib: Option<u32>,
    /// Most rows accepted in one unpaged list (default 50,000).
    pub max_rows: Option<u32>,
    pub read_only: Option<bool>,
}

impl ProviderConfig {
    /// A config for `kind` at `base_url` with no credentials (tests and the demo fill them).
    pub fn new(name: &str, kind: ProviderKind, base_url: &str) -> ProviderConfig {
        ProviderConfig {
            name: name.to_string(),
            kind,
            base_url: base_url.to_string(),
            api_key: None,
            token: None,
            api_version: None,
            ca_file: None,
            output: None,
            callback_listen: None,
            callback_url: None,
            customer: None,
            domains: Vec::new(),
            username: None,
            password: None,
            secure_key: None,
            rate_limit: None,
            timeout_seconds: None,
            max_response_mib: None,
            max_rows: None,
            read_only: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize, serde::Serialize)]
pub struct RateLimitConfig {
    pub requests: u32,
    pub per_seconds: f64,
}

impl From<RateLimitConfig> for crate::scheduler::RateLimit {
    fn from(c: RateLimitConfig) -> Self {
        crate::scheduler::RateLimit {
            requests: c.requests,
            per: Duration::from_secs_f64(c.per_seconds),
        }
    }
}
