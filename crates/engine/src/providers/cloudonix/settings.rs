//! Cloudonix's keys of a `[[provider]]` table and its typed settings.

use crate::providers::settings::{ProviderSettings, kind_settings};
use crate::secret::Secret;
use crate::settings::{SettingError, SettingKey, SettingType, SettingValues};

/// The keys a Cloudonix table reads beyond the ones every kind reads.
pub const KEYS: &[SettingKey] = &[
    SettingKey::new("api_key", SettingType::Secret).required(),
    SettingKey::new("customer", SettingType::Text).help("leave it out for `self`"),
    SettingKey::new(
        "domains",
        SettingType::List {
            item: "domain",
            example: "[\"acme.cloudonix.net\"]",
        },
    ),
];

#[derive(Debug, Clone, PartialEq)]
pub struct CloudonixSettings {
    /// Bearer API key (customer or domain key).
    pub api_key: Secret,
    /// Customer id or name (default `self`).
    pub customer: Option<String>,
    /// Restrict polling to these domains (default: all the key can see).
    pub domains: Vec<String>,
}

kind_settings!(CloudonixSettings, Cloudonix);

impl Default for CloudonixSettings {
    fn default() -> Self {
        CloudonixSettings {
            api_key: Secret::new(""),
            customer: None,
            domains: Vec::new(),
        }
    }
}

impl CloudonixSettings {
    /// Settings with this API key, every other key left out.
    pub fn new(api_key: impl Into<String>) -> CloudonixSettings {
        CloudonixSettings {
            api_key: Secret::new(api_key),
            ..CloudonixSettings::default()
        }
    }
}

/// Builds the settings from a table's checked values.
pub fn from_values(v: &SettingValues) -> Result<ProviderSettings, SettingError> {
    Ok(CloudonixSettings {
        api_key: v.required_secret("api_key")?,
        customer: v.text("customer"),
        domains: v.list("domains"),
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
            .with("api_key", SettingValue::Secret(Secret::new("XI-key")))
            .with("domains", SettingValue::List(vec!["a.example".into()]));
        let want = CloudonixSettings {
            domains: vec!["a.example".into()],
            ..CloudonixSettings::new("XI-key")
        };
        assert_eq!(from_values(&v), Ok(want.into()));
        assert_eq!(
            from_values(&SettingValues::default()).map(|_| ()),
            Err(("api_key", "`api_key` is required".to_string()))
        );
    }
}
