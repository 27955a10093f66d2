//! Callable's keys of a `[[provider]]` table and its typed settings.

use crate::providers::settings::{ProviderSettings, kind_settings};
use crate::secret::Secret;
use crate::settings::{SettingError, SettingKey, SettingType, SettingValues};

/// The keys a Callable table reads beyond the ones every kind reads.
pub const KEYS: &[SettingKey] = &[
    SettingKey::new("username", SettingType::Login).required(),
    SettingKey::new("password", SettingType::Secret).required(),
];

/// The account's credentials, exchanged for a short-lived token.
#[derive(Debug, Clone, PartialEq)]
pub struct CallableSettings {
    pub username: String,
    pub password: Secret,
}

kind_settings!(CallableSettings, Callable);

impl Default for CallableSettings {
    fn default() -> Self {
        CallableSettings {
            username: String::new(),
            password: Secret::new(""),
        }
    }
}

impl CallableSettings {
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> CallableSettings {
        CallableSettings {
            username: username.into(),
            password: Secret::new(password),
        }
    }
}

/// Builds the settings from a table's checked values.
pub fn from_values(v: &SettingValues) -> Result<ProviderSettings, SettingError> {
    Ok(CallableSettings {
        username: v.required_text("username")?,
        password: v.required_secret("password")?,
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
            .with("password", SettingValue::Secret(Secret::new("pw")));
        assert_eq!(
            from_values(&v),
            Ok(CallableSettings::new("noc", "pw").into())
        );
        let no_user =
            SettingValues::default().with("password", SettingValue::Secret(Secret::new("pw")));
        assert_eq!(from_values(&no_user).map(|_| ()).unwrap_err().0, "username");
    }
}
