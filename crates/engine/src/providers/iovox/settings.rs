//! IOVOX's keys of a `[[provider]]` table and its typed settings.

use std::path::PathBuf;

use crate::providers::settings::{ProviderSettings, kind_settings};
use crate::secret::Secret;
use crate::settings::{SettingError, SettingKey, SettingType, SettingValues};

/// The keys an IOVOX table reads beyond the ones every kind reads.
pub const KEYS: &[SettingKey] = &[
    SettingKey::new("username", SettingType::Login).required(),
    SettingKey::new("secure_key", SettingType::Secret).required(),
    SettingKey::new("ca_file", SettingType::Path).help("leave it out to trust the system CAs only"),
    SettingKey::new("output", SettingType::OneOf(&["json", "xml"])),
];

#[derive(Debug, Clone, PartialEq)]
pub struct IovoxSettings {
    /// The REST user name.
    pub username: String,
    pub secure_key: Secret,
    /// An extra trusted CA (PEM file), e.g. the simulator's self-signed one.
    pub ca_file: Option<PathBuf>,
    /// `json` (default) or `xml` responses.
    pub output: Option<String>,
}

kind_settings!(IovoxSettings, Iovox);

impl Default for IovoxSettings {
    fn default() -> Self {
        IovoxSettings {
            username: String::new(),
            secure_key: Secret::new(""),
            ca_file: None,
            output: None,
        }
    }
}

impl IovoxSettings {
    /// Settings with these credentials, every other key left out.
    pub fn new(username: impl Into<String>, secure_key: impl Into<String>) -> IovoxSettings {
        IovoxSettings {
            username: username.into(),
            secure_key: Secret::new(secure_key),
            ..IovoxSettings::default()
        }
    }
}

/// Builds the settings from a table's checked values.
pub fn from_values(v: &SettingValues) -> Result<ProviderSettings, SettingError> {
    Ok(IovoxSettings {
        username: v.required_text("username")?,
        secure_key: v.required_secret("secure_key")?,
        ca_file: v.path("ca_file"),
        output: v.text("output"),
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
            .with("username", SettingValue::Text("noc".into()))
            .with("secure_key", SettingValue::Secret(Secret::new("k")))
            .with("ca_file", SettingValue::Path("/tmp/ca.pem".into()));
        let want = IovoxSettings {
            ca_file: Some("/tmp/ca.pem".into()),
            ..IovoxSettings::new("noc", "k")
        };
        assert_eq!(from_values(&v), Ok(want.into()));
        let no_key = SettingValues::default().with("username", SettingValue::Text("noc".into()));
        assert_eq!(
            from_values(&no_key).map(|_| ()).unwrap_err().0,
            "secure_key"
        );
    }
}
