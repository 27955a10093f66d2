//! `switchboard config check`: the whole validation of a start, without a request and,
//! unless told, without reading a secret: `env:`/`cmd:` references are resolved only with
//! `--resolve`, and then only whether each resolved is said, never its value.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{Config, ConfigError, SecretReference, Secrets, load_with};

/// What a valid file holds, as `config check` reports it.
#[derive(Debug, Clone)]
pub struct CheckReport {
    pub path: PathBuf,
    pub config: Config,
    pub warnings: Vec<String>,
    /// Every `env:`/`cmd:` reference, in file order.
    pub references: Vec<SecretReference>,
}

/// Validates the file at `path` as a start would; `resolve` also resolves its secret
/// references (a failing one is an error naming its line and key, as at start).
pub fn check(path: &Path, resolve: bool) -> Result<CheckReport, ConfigError> {
    let mode = if resolve {
        Secrets::Resolve
    } else {
        Secrets::Skip
    };
    let (loaded, references) = load_with(path, mode)?;
    Ok(CheckReport {
        path: path.to_path_buf(),
        config: loaded.config,
        warnings: loaded.warnings,
        references,
    })
}

impl CheckReport {
    /// The lines `config check` prints: the verdict, each provider, each reference and
    /// whether it resolved. No value appears (the file's literals included).
    pub fn text(&self) -> String {
        let mut out = String::new();
        let n = self.config.providers.len();
        let _ = writeln!(
            out,
            "{}: valid ({n} provider{})",
            self.path.display(),
            if n == 1 { "" } else { "s" }
        );
        for p in &self.config.providers {
            let _ = writeln!(
                out,
                "  provider \"{}\" ({}) {}",
                p.name,
                p.kind,
                crate::providers::http::display_url(&p.base_url)
            );
        }
        for r in &self.references {
            let state = if r.resolved {
                "resolved"
            } else {
                "not resolved (--resolve resolves it)"
            };
            let _ = writeln!(
                out,
                "  secret: provider \"{}\", key `{}` from {}: {state}",
                r.provider, r.key, r.source
            );
        }
        crate::secret::redact(&out).into_owned()
    }
}
