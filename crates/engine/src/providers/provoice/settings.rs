//! ProVoice's keys of a `[[provider]]` table and its typed settings.

use crate::providers::settings::{ProviderSettings, kind_settings};
use crate::secret::Secret;
use crate::settings::{SettingError, SettingKey, SettingType, SettingValues};

/// The keys a ProVoice table reads beyond the ones every kind reads.
pub const KEYS: &[SettingKey] = &[
    SettingKey::new("api_key", SettingType::Secret).required(),
    SettingKey::new("callback_listen", SettingType::Text).check(check_listen),
    SettingKey::new("callback_url", SettingType::Url).help("http://127.0.0.1:8099/"),
];

#[derive(Debug, Clone, PartialEq)]
pub struct ProvoiceSettings {
    /// The API key (`Bearer <token>` is sent as `Authorization` instead).
    pub api_key: Secret,
    /// Where the local call-record consumer listens (default 127.0.0.1:0).
    pub callback_listen: Option<String>,
    /// The URL the provider calls back (default: the bound address).
    pub callback_url: Option<String>,
}

kind_settings!(ProvoiceSettings, Provoice);

impl Default for ProvoiceSettings {
    fn default() -> Self {
        ProvoiceSettings {
            api_key: Secret::new(""),
            callback_listen: None,
            callback_url: None,
        }
    }
}

impl ProvoiceSettings {
    /// Settings with this API key, every other key left out.
    pub fn new(api_key: impl Into<String>) -> ProvoiceSettings {
        ProvoiceSettings {
            api_key: Secret::new(api_key),
            ..ProvoiceSettings::default()
        }
    }
}

/// `callback_listen` is an address and port; one other hosts can reach is worth a warning.
fn check_listen(s: &str) -> Result<Option<String>, String> {
    match s.parse::<std::net::SocketAddr>() {
        Ok(addr) if addr.ip().is_loopback() => Ok(None),
        Ok(addr) => Ok(Some(super::callback::exposed_warning(addr))),
        Err(_) => Err("expected an address and port, e.g. \"127.0.0.1:0\"".into()),
    }
}

/// Builds the settings from a table's checked values.
pub fn from_values(v: &SettingValues) -> Result<ProviderSettings, SettingError> {
    Ok(ProvoiceSettings {
        api_key: v.required_secret("api_key")?,
        callback_listen: v.text("callback_listen"),
        callback_url: v.text("callback_url"),
    }
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::SettingValue;

    #[test]
    fn built_from_values() {
        let v = SettingValues::default()
            .with("api_key", SettingValue::Secret(Secret::new("k")))
            .with("callback_listen", SettingValue::Text("127.0.0.1:0".into()));
        let want = ProvoiceSettings {
            callback_listen: Some("127.0.0.1:0".into()),
            ..ProvoiceSettings::new("k")
        };
        assert_eq!(from_values(&v), Ok(want.into()));
    }

    #[test]
    fn the_listen_address_is_checked() {
        assert_eq!(check_listen("127.0.0.1:0"), Ok(None));
        assert!(check_listen("0.0.0.0:8099").is_ok_and(|w| w.is_some()));
        assert!(check_listen("localhost").is_err());
    }
}
