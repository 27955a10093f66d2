//! Console configuration: `[[provider]]` tables and `[ui]`.
//!
//! Loading, validation with file/line/key messages, secret references (`env:VAR`,
//! `cmd:SHELL COMMAND`) and the commented template live here.

use std::path::PathBuf;

use crate::model::ProviderKind;
use crate::secret::Secret;

/// The whole configuration after loading and secret resolution.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub providers: Vec<ProviderConfig>,
    pub ui: UiConfig,
    /// The file it came from (None for the built-in demo config).
    pub path: Option<PathBuf>,
}

/// One `[[provider]]` table. Credential keys differ by kind; `validate` checks that the
/// ones a kind needs are present.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    pub name: String,
    pub kind: ProviderKind,
    pub base_url: String,
    /// Cloudonix, VoIPcloud, ProVoice.
    pub api_key: Option<Secret>,
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
            customer: None,
            domains: Vec::new(),
            username: None,
            password: None,
            secure_key: None,
            rate_limit: None,
            timeout_seconds: None,
            read_only: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize, serde::Serialize)]
pub struct RateLimitConfig {
    pub requests: u32,
    pub per_seconds: f64,
}

#[derive(Debug, Clone, Default)]
pub struct UiConfig {
    /// Theme name: a file `themes/<name>.toml` or a built-in (`default`, `mono`).
    pub theme: Option<String>,
}
