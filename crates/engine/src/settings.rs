//! The vocabulary of provider settings, shared by the config file and the providers
//! without either knowing the other: [`SettingKey`], how a provider declares one key of
//! its `[[provider]]` table (as data, so `config` checks every table the same way and
//! names file, line and key), [`SettingValues`], the checked values a provider builds its
//! typed settings from, and [`RateLimitConfig`], a key every kind reads.
//!
//! Each provider owns its typed settings (`providers/<name>/settings.rs`); the connection
//! (`providers::ProviderConfig`) holds the keys every kind reads plus those.

use std::path::PathBuf;
use std::time::Duration;

use crate::secret::Secret;

/// A value's extra check: Err(why it is wrong), or Ok(a warning to show, if any).
pub type Check = fn(&str) -> Result<Option<String>, String>;

/// What a provider-specific key holds, and so how the config file checks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingType {
    /// A non-empty string, trimmed.
    Text,
    /// A credential: a literal, `env:VAR` or `cmd:COMMAND`, resolved only after the whole
    /// file validated, kept as a [`Secret`] (masked everywhere).
    Secret,
    /// A user name: written like a credential (literal, `env:`, `cmd:`) but not masked,
    /// and a literal one is no reason to warn about the file's mode.
    Login,
    /// An http(s) URL; [`SettingKey::help`] is an example of one.
    Url,
    /// A file path, trimmed.
    Path,
    /// An array of non-empty strings: `item` names one in messages, `example` shows the
    /// array.
    List {
        item: &'static str,
        example: &'static str,
    },
    /// One of these words, trimmed.
    OneOf(&'static [&'static str]),
}

/// One provider-specific key of a `[[provider]]` table, declared by the provider.
#[derive(Debug, Clone, Copy)]
pub struct SettingKey {
    pub name: &'static str,
    pub ty: SettingType,
    /// The provider cannot work without it (a credential).
    pub required: bool,
    /// What leaving it out means, said when the value is empty ("leave it out for
    /// `self`"); for a [`SettingType::Url`], an example URL.
    pub help: &'static str,
    /// A further check of a text value (after trimming), run instead of the emptiness
    /// check.
    pub check: Option<Check>,
}

impl SettingKey {
    pub const fn new(name: &'static str, ty: SettingType) -> SettingKey {
        SettingKey {
            name,
            ty,
            required: false,
            help: "",
            check: None,
        }
    }

    /// The provider cannot work without it.
    pub const fn required(self) -> SettingKey {
        SettingKey {
            required: true,
            ..self
        }
    }

    pub const fn help(self, help: &'static str) -> SettingKey {
        SettingKey { help, ..self }
    }

    pub const fn check(self, check: Check) -> SettingKey {
        SettingKey {
            check: Some(check),
            ..self
        }
    }

    /// Whether its value is written as a reference (literal, `env:`, `cmd:`) resolved
    /// after validation.
    pub fn is_reference(&self) -> bool {
        matches!(self.ty, SettingType::Secret | SettingType::Login)
    }
}

/// A checked value of one provider-specific key (references resolved).
#[derive(Debug, Clone, PartialEq)]
pub enum SettingValue {
    /// Text, one word of a [`SettingType::OneOf`], a URL or a login.
    Text(String),
    Secret(Secret),
    Path(PathBuf),
    List(Vec<String>),
}

/// Why a provider could not build its settings: the key at fault and the message.
pub type SettingError = (&'static str, String);

/// The checked provider-specific values of one `[[provider]]` table, by key: what a
/// provider builds its typed settings from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SettingValues(Vec<(&'static str, SettingValue)>);

impl SettingValues {
    /// Sets `key` (replacing an earlier value).
    pub fn insert(&mut self, key: &'static str, value: SettingValue) {
        self.0.retain(|(k, _)| *k != key);
        self.0.push((key, value));
    }

    /// The same values with `key` set: for building samples.
    pub fn with(mut self, key: &'static str, value: SettingValue) -> SettingValues {
        self.insert(key, value);
        self
    }

    fn get(&self, key: &str) -> Option<&SettingValue> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    pub fn text(&self, key: &str) -> Option<String> {
        match self.get(key)? {
            SettingValue::Text(s) => Some(s.clone()),
            _ => None,
        }
    }

    pub fn secret(&self, key: &str) -> Option<Secret> {
        match self.get(key)? {
            SettingValue::Secret(s) => Some(s.clone()),
            _ => None,
        }
    }

    pub fn path(&self, key: &str) -> Option<PathBuf> {
        match self.get(key)? {
            SettingValue::Path(p) => Some(p.clone()),
            _ => None,
        }
    }

    /// The list under `key`; empty when it is left out.
    pub fn list(&self, key: &str) -> Vec<String> {
        match self.get(key) {
            Some(SettingValue::List(l)) => l.clone(),
            _ => Vec::new(),
        }
    }

    /// A required credential, or the error naming it.
    pub fn required_secret(&self, key: &'static str) -> Result<Secret, SettingError> {
        self.secret(key).ok_or_else(|| (key, missing(key)))
    }

    /// A required text (a login), or the error naming it.
    pub fn required_text(&self, key: &'static str) -> Result<String, SettingError> {
        self.text(key).ok_or_else(|| (key, missing(key)))
    }
}

fn missing(key: &str) -> String {
    format!("`{key}` is required")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_read_by_key_and_type() {
        let v = SettingValues::default()
            .with("user", SettingValue::Text("noc".into()))
            .with("key", SettingValue::Secret(Secret::new("k")))
            .with("hosts", SettingValue::List(vec!["a".into()]));
        assert_eq!(v.text("user").as_deref(), Some("noc"));
        assert_eq!(v.secret("user"), None, "a text is not a secret");
        assert_eq!(v.list("hosts"), ["a"]);
        assert!(v.list("other").is_empty());
        assert_eq!(
            v.required_secret("key").map(|s| s.expose().to_string()),
            Ok("k".into())
        );
        assert_eq!(
            v.required_secret("password"),
            Err(("password", "`password` is required".to_string()))
        );
    }
}
