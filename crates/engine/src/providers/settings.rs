//! One provider connection's settings: [`ProviderConfig`], the keys every kind reads,
//! plus [`ProviderSettings`], the typed settings of its kind, which each provider owns in
//! `providers/<name>/settings.rs` (declared keys, type, `from_values`). The enum itself,
//! one variant per provider, is in the registry (`providers/mod.rs`).

use crate::model::ProviderKind;
use crate::settings::RateLimitConfig;

pub use super::ProviderSettings;

/// One `[[provider]]` table, validated, secrets resolved: what a client is built from.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    pub name: String,
    pub kind: ProviderKind,
    pub base_url: String,
    pub rate_limit: Option<RateLimitConfig>,
    /// Per-request timeout in seconds (default 10).
    pub timeout_seconds: Option<f64>,
    /// Largest response body accepted, in MiB (default 32).
    pub max_response_mib: Option<u32>,
    /// Most rows accepted in one unpaged list (default 50,000).
    pub max_rows: Option<u32>,
    pub read_only: Option<bool>,
    /// The keys only this kind reads.
    pub settings: ProviderSettings,
}

impl ProviderConfig {
    /// A config for `kind` at `base_url` with its kind's default settings (no credentials:
    /// tests and the demo fill them, e.g. with [`ProviderConfig::with`]).
    pub fn new(name: &str, kind: ProviderKind, base_url: &str) -> ProviderConfig {
        ProviderConfig {
            name: name.to_string(),
            kind,
            base_url: base_url.to_string(),
            rate_limit: None,
            timeout_seconds: None,
            max_response_mib: None,
            max_rows: None,
            read_only: None,
            settings: ProviderSettings::default_for(kind),
        }
    }

    /// The same config with these settings (their kind becomes the config's kind).
    pub fn with(mut self, settings: impl Into<ProviderSettings>) -> ProviderConfig {
        self.settings = settings.into();
        self.kind = self.settings.kind();
        self
    }

    /// The settings of kind `T`, or why a client of that kind cannot use this config.
    pub fn kind_settings<T: KindSettings>(&self) -> Result<&T, String> {
        T::get(&self.settings).ok_or_else(|| {
            format!(
                "provider '{}': its settings are {} settings, not {}",
                self.name,
                self.settings.kind(),
                T::KIND
            )
        })
    }

    /// The settings of kind `T` to change (None when the config is of another kind).
    pub fn kind_settings_mut<T: KindSettings>(&mut self) -> Option<&mut T> {
        T::get_mut(&mut self.settings)
    }
}

/// A provider's typed settings: one variant of [`ProviderSettings`].
pub trait KindSettings: Sized + Into<ProviderSettings> {
    const KIND: ProviderKind;
    fn get(s: &ProviderSettings) -> Option<&Self>;
    fn get_mut(s: &mut ProviderSettings) -> Option<&mut Self>;
}

/// Implements `From<$ty> for ProviderSettings` and [`KindSettings`] for a provider's
/// settings type (one line beside the type).
macro_rules! kind_settings {
    ($ty:ty, $variant:ident) => {
        impl From<$ty> for $crate::providers::settings::ProviderSettings {
            fn from(s: $ty) -> Self {
                $crate::providers::settings::ProviderSettings::$variant(s)
            }
        }
        impl $crate::providers::settings::KindSettings for $ty {
            const KIND: $crate::model::ProviderKind = $crate::model::ProviderKind::$variant;
            fn get(s: &$crate::providers::settings::ProviderSettings) -> Option<&Self> {
                match s {
                    $crate::providers::settings::ProviderSettings::$variant(s) => Some(s),
                    #[allow(unreachable_patterns)]
                    _ => None,
                }
            }
            fn get_mut(s: &mut $crate::providers::settings::ProviderSettings) -> Option<&mut Self> {
                match s {
                    $crate::providers::settings::ProviderSettings::$variant(s) => Some(s),
                    #[allow(unreachable_patterns)]
                    _ => None,
                }
            }
        }
    };
}
pub(crate) use kind_settings;
