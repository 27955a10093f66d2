//! VoIPcloud's keys of a `[[provider]]` table and its typed settings.

use crate::providers::settings::{ProviderSettings, kind_settings};
use crate::secret::Secret;
use crate::settings::{SettingError, SettingKey, SettingType, SettingValues};

/// The keys a VoIPcloud table reads beyond the ones every kind reads.
pub const KEYS: &[SettingKey] = &[
    SettingKey::new("token", SettingType::Secret).required(),
    SettingKey::new("api_version", SettingType::OneOf(&["v1", "v2"])),
];

#[derive(Debug, Clone, PartialEq)]
pub struct VoipcloudSettings {
    /// The `token` header value: the PBX's API key from the portal's Billing tab.
    pub token: Secret,
    /// `v1` (default) or `v2` paths.
    pub api_version: Option<String>,
}

kind_settings!(VoipcloudSettings, Voipcloud);

impl Default for VoipcloudSettings {
    fn default() -> Self {
        VoipcloudSettings {
            token: Secret::new(""),
            api_version: None,
        }
    }
}

impl VoipcloudSettings {
    /// Settings with this token, every other key left out.
    pub fn new(token: impl Into<String>) -> VoipcloudSettings {
        VoipcloudSettings {
            token: Secret::new(token),
            ..VoipcloudSettings::default()
        }
    }
}

/// Builds the settings from a table's checked values.
pub fn from_values(v: &SettingValues) -> Result<ProviderSettings, SettingError> {
    Ok(VoipcloudSettings {
        token: v.required_secret("token")?,
        api_version: v.text("api_version"),
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
            .with("token", SettingValue::Secret(Secret::new("t-1")))
            .with("api_version", SettingValue::Text("v2".into()));
        let want = VoipcloudSettings {
            api_version: Some("v2".into()),
            ..VoipcloudSettings::new("t-1")
        };
        assert_eq!(from_values(&v), Ok(want.into()));
        assert!(from_values(&SettingValues::default()).is_err());
    }
}
