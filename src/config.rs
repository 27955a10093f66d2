//! Console configuration: `[[provider]]` tables, `[ui]` and `[keys]`.
//!
//! `[keys]` maps command names (see the `?` help) to a key or a list of keys, replacing
//! the command's default keys; `[]` unbinds it:
//!
//! ```toml
//! [keys]
//! "trunk.edit" = "E"
//! "row.page-up" = ["pgup", "ctrl-u"]
//! refresh = []
//! ```
//!
//! Unknown command names and bad key specs are errors naming the line; key conflicts and
//! tmux prefix keys are warnings naming the line.
//!
//! Loading, validation with file/line/key messages, secret references (`env:VAR`,
//! `cmd:SHELL COMMAND`) and the commented template live here.
//!
//! The file is parsed into toml's spanned document tree (`toml::de::DeTable`) and walked by
//! hand rather than through `#[derive(Deserialize)]`: every value keeps its byte span, so
//! every error can name the line and the key. This file reads the keys every kind reads;
//! each kind declares its own keys as data in its descriptor (`SettingKey`: type,
//! required, help), and every table is checked against them the same way, with their own
//! wording ("`secure_key` is not a … setting (only … uses it)"). When several problems
//! exist the one nearest the top of the file is reported. Secrets are resolved only after
//! the whole file validated, so a typo never runs a `cmd:` reference; then each provider
//! builds its typed settings from the checked values (`Descriptor::from_values`), and an
//! error it finds names the key's line too.

mod alerts;
mod check;
mod collector;
mod history;
mod provider_keys;
mod secrets;

pub use check::{CheckReport, check};
pub use collector::{CollectorConfig, check_collector_url, token_from};
pub use history::HistoryConfig;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::model::ProviderKind;
use crate::model::Resource;
use provider_keys::{
    Resolving, Settings, check_required, provider_keys, setting_of, walk_setting, wrong_kind,
};

/// The whole configuration after loading and secret resolution.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub providers: Vec<ProviderConfig>,
    pub ui: UiConfig,
    /// `[keys]`: command name → keys replacing its defaults (empty: unbound). Validated:
    /// `keymap::Keymap::new` accepts it.
    pub keys: BTreeMap<String, Vec<String>>,
    /// Top-level `read_only = true`: start read-only (`:write` lifts it for 10 minutes).
    pub read_only: bool,
    /// The file it came from (None for the built-in demo config).
    pub path: Option<PathBuf>,
    /// `[stats]`: queue statistics thresholds.
    pub stats: crate::stats::Thresholds,
    /// `[history]`: the call-history store.
    pub history: HistoryConfig,
    /// `[alerts]`: how provider and queue alerts reach the operator.
    pub alerts: crate::alerts::AlertsConfig,
    /// `[collector]`: attach to a collector instead of polling (`--connect` beats it).
    pub collector: CollectorConfig,
}

pub use crate::providers::ProviderConfig;
pub use crate::settings::RateLimitConfig;

#[derive(Debug, Clone, Default)]
pub struct UiConfig {
    /// Theme name: a file `themes/<name>.toml` or a built-in (`default`, `mono`).
    pub theme: Option<String>,
    /// `history_rows`: finished calls the History pane keeps in memory (the newest).
    pub history_rows: Option<usize>,
    /// `start_pane`: the pane the console opens on (`--pane` beats it).
    pub start_pane: Option<Resource>,
    /// `ascii = true`: every symbol as its ASCII twin (also when the locale is not UTF-8).
    pub ascii: bool,
}

/// The panes by the names `[ui] start_pane`, `--pane` and `snapshot --resource` take, in
/// the console's tab order.
pub const PANES: [(&str, Resource); 6] = [
    ("accounts", Resource::Accounts),
    ("live-calls", Resource::LiveCalls),
    ("history", Resource::CallHistory),
    ("trunks", Resource::Trunks),
    ("numbers", Resource::Numbers),
    ("queues", Resource::Queues),
];

/// The pane called `name` (see [`PANES`]; `_` may stand for `-`, any case).
pub fn pane_named(name: &str) -> Option<Resource> {
    let name = name.trim().to_ascii_lowercase().replace('_', "-");
    PANES.iter().find(|(n, _)| *n == name).map(|(_, r)| *r)
}

/// The name of `pane` in [`PANES`].
pub fn pane_name(pane: Resource) -> &'static str {
    PANES
        .iter()
        .find(|(_, r)| *r == pane)
        .map_or("live-calls", |(n, _)| n)
}

/// Whether `env:`/`cmd:` references are resolved while loading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secrets {
    /// Read the variables and run the commands (the console, `snapshot` …).
    Resolve,
    /// Run nothing: each reference stands in as a placeholder (`config check`).
    Skip,
}

/// One `env:`/`cmd:` reference of the file (never its value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretReference {
    pub provider: String,
    pub key: String,
    /// `env:VAR` or `cmd:` (the command is not repeated).
    pub source: String,
    /// It was resolved (with [`Secrets::Resolve`]; loading fails when one cannot be).
    pub resolved: bool,
}

// ---------------------------------------------------------------------------------------
// Public entry points
// ---------------------------------------------------------------------------------------

/// Environment variable naming the config file (beaten by `--config`); read through
/// clap (`cli::Cli::config`), so `--help` shows it.
pub const CONFIG_ENV: &str = "SWITCHBOARD_CONFIG";

/// How long a `cmd:` secret reference may run before it is killed.
pub const SECRET_COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

/// A loaded configuration plus non-fatal findings (shown once at start-up and logged).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub warnings: Vec<String>,
}

/// A configuration problem, located as precisely as the file allows.
///
/// `Display` gives the whole sentence a user sees, e.g.
/// ``config error: /home/u/.config/switchboard/config.toml line 7, key `kind`: unknown provider kind "twilio" (expected one of …)``.
/// Messages never contain a secret value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    /// 1-based line of the offending key or value.
    pub line: Option<usize>,
    /// The key, dotted for nested tables (`rate_limit.requests`).
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = format!("config error: {}", self.path.display());
        if let Some(line) = self.line {
            s.push_str(&format!(" line {line}"));
        }
        if let Some(key) = &self.key {
            s.push_str(&format!(", key `{key}`"));
        }
        s.push_str(": ");
        s.push_str(&self.message);
        // Defence in depth: no registered secret leaves through an error.
        f.write_str(&crate::secret::redact(&s))
    }
}

impl std::error::Error for ConfigError {}

/// The platform config file: `~/.config/switchboard/config.toml` on Linux (honouring
/// `XDG_CONFIG_HOME` and `HOME`). None when no home directory can be found.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "switchboard")
        .map(|d| d.config_dir().join("config.toml"))
}

/// Which file to read: `--config` (or `SWITCHBOARD_CONFIG`, which clap reads into it)
/// beats [`default_path`].
pub fn resolve_path(cli: Option<PathBuf>) -> Option<PathBuf> {
    cli.filter(|p| !p.as_os_str().is_empty())
        .or_else(default_path)
}

/// Reads, validates and resolves the config at `path`, adding a warning when the file holds
/// a literal secret and is readable by group or others.
pub fn load(path: &Path) -> Result<Loaded, ConfigError> {
    let (loaded, _) = load_with(path, Secrets::Resolve)?;
    Ok(loaded)
}

/// [`load`], resolving references or not (`mode`); also returns the references met.
fn load_with(path: &Path, mode: Secrets) -> Result<(Loaded, Vec<SecretReference>), ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        path: path.to_path_buf(),
        line: None,
        key: None,
        message: if e.kind() == std::io::ErrorKind::NotFound {
            "file not found".to_string()
        } else {
            format!("cannot read the file: {e}")
        },
    })?;
    let (mut loaded, r) = parse_inner(&text, path, mode)?;
    if r.has_literal
        && let Some(w) = permission_warning(path)
    {
        loaded.warnings.insert(0, w);
    }
    Ok((loaded, r.references))
}

/// Validates `text` (the contents of `path`, which is only used in messages) and resolves
/// its secret references. Pure except for reading environment variables and running
/// `cmd:` references.
pub fn parse(text: &str, path: &Path) -> Result<Loaded, ConfigError> {
    parse_inner(text, path, Secrets::Resolve).map(|(loaded, _)| loaded)
}

/// The commented template (`assets/config.template.toml`). As shipped every provider table
/// is commented out, so it parses to zero providers.
pub fn template() -> &'static str {
    include_str!("../assets/config.template.toml")
}

/// Writes [`template`] to `path`, creating parent directories (0700 on unix). Refuses to
/// replace an existing file unless `force`. The file is written with mode 0600 on unix.
pub fn write_template(path: &Path, force: bool) -> Result<(), String> {
    use std::io::Write;
    if path.exists() && !force {
        return Err(format!(
            "{} already exists; not overwriting it (use --force to replace it)",
            path.display()
        ));
    }
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        create_private_dir(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut file = opts
        .open(path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    #[cfg(unix)]
    {
        // `mode` only applies to new files; tighten a forced overwrite too.
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("cannot set permissions on {}: {e}", path.display()))?;
    }
    file.write_all(template().as_bytes())
        .and_then(|()| file.flush())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Creates `dir` and its parents, private to the user on unix.
pub(crate) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// The warning for a file that holds a literal secret and is group/other readable, or None
/// when its mode is private (or on non-unix systems).
#[cfg(unix)]
pub fn permission_warning(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    if mode & 0o077 == 0 {
        return None;
    }
    // The remedy comes first: on an 80-column message line the path may be cut.
    Some(format!(
        "run `chmod 600 {}`: it holds a literal secret and is readable by group or \
         others (mode {:04o}); or use `env:VAR` / `cmd:COMMAND` references",
        path.display(),
        mode,
    ))
}

/// The warning for a file that holds a literal secret and is group/other readable, or None
/// when its mode is private (or on non-unix systems).
#[cfg(not(unix))]
pub fn permission_warning(_path: &Path) -> Option<String> {
    None
}

// ---------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------

const TOP_KEYS: &[&str] = &[
    "read_only",
    "ui",
    "provider",
    "keys",
    "stats",
    "history",
    "alerts",
    "collector",
];
const STATS_KEYS: &[&str] = &["abandon_warn_percent", "abandon_crit_percent", "bell"];
const UI_KEYS: &[&str] = &["theme", "history_rows", "start_pane", "ascii"];
/// The `[[provider]]` keys every kind reads; the others come from the kinds' descriptors.
const COMMON_KEYS: &[&str] = &[
    "name",
    "kind",
    "base_url",
    "rate_limit",
    "timeout_seconds",
    "max_response_mib",
    "max_rows",
    "read_only",
];
const RATE_LIMIT_KEYS: &[&str] = &["requests", "per_seconds"];

fn kinds_list() -> String {
    ProviderKind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// One problem found while walking the document; the earliest is reported.
struct Issue {
    at: usize,
    key: Option<String>,
    message: String,
}

/// A provider table after validation, before secret resolution; `config` still holds its
/// kind's default settings.
struct DraftProvider {
    config: ProviderConfig,
    header: usize,
    name_at: usize,
    settings: Settings,
}

struct Walker {
    issues: Vec<Issue>,
    warnings: Vec<(usize, String)>,
}

impl Walker {
    fn issue(&mut self, at: usize, key: Option<&str>, message: impl Into<String>) {
        self.issues.push(Issue {
            at,
            key: key.map(str::to_string),
            message: message.into(),
        });
    }
}

fn line_of(text: &str, at: usize) -> usize {
    let at = at.min(text.len());
    text.as_bytes()[..at]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The bare (possibly dotted) key that starts the line holding byte `at`, if any: names the
/// key in syntax errors such as an unquoted value.
fn key_on_line(text: &str, at: usize) -> Option<String> {
    let at = at.min(text.len());
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[start..].lines().next().unwrap_or("");
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    let bare = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.';
    (!key.is_empty() && key.chars().all(bare)).then(|| key.to_string())
}

fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

fn as_i128(v: &DeValue<'_>) -> Option<i128> {
    match v {
        DeValue::Integer(i) => i128::from_str_radix(i.as_str(), i.radix()).ok(),
        _ => None,
    }
}

/// A whole number in `min..=max` (`unit` names it in the message), else an issue.
fn whole_in(
    w: &mut Walker,
    at: usize,
    key: &str,
    v: &DeValue<'_>,
    min: u32,
    max: u32,
    unit: &str,
) -> Option<u32> {
    match as_i128(v) {
        Some(n) if (i128::from(min)..=i128::from(max)).contains(&n) => u32::try_from(n).ok(),
        Some(_) => {
            w.issue(at, Some(key), format!("must be {min} to {max} {unit}"));
            None
        }
        None => {
            w.issue(
                at,
                Some(key),
                format!("expected a whole number of {unit}, found {}", type_name(v)),
            );
            None
        }
    }
}

fn as_number(v: &DeValue<'_>) -> Option<f64> {
    match v {
        DeValue::Integer(_) => as_i128(v).map(|i| i as f64),
        DeValue::Float(f) => f.as_str().parse::<f64>().ok(),
        _ => None,
    }
}

fn unknown_key_message(key: &str, section: &str, known: &[&str]) -> String {
    let norm = |s: &str| s.to_ascii_lowercase().replace(['-', '_'], "");
    let key_n = norm(key);
    let close = crate::format::closest(key, known.iter().copied(), norm);
    // `timeout` for `timeout_seconds`, `rate` for `rate_limit`.
    let prefix = || {
        known
            .iter()
            .find(|k| key_n.len() >= 4 && norm(k).starts_with(&key_n))
            .copied()
    };
    let hint = close
        .or_else(prefix)
        .map(|k| format!("; did you mean `{k}`?"))
        .unwrap_or_default();
    format!(
        "unknown key in {section} (expected one of {}){hint}",
        known.join(", ")
    )
}

fn parse_inner(text: &str, path: &Path, mode: Secrets) -> Result<(Loaded, Resolving), ConfigError> {
    let err = |at: Option<usize>, key: Option<String>, message: String| ConfigError {
        path: path.to_path_buf(),
        line: at.map(|a| line_of(text, a)),
        key,
        message,
    };

    let root = DeTable::parse(text).map_err(|e| {
        // `message()` is the bare description; the full `Display` would quote the
        // offending source line, which may hold a secret.
        let at = e.span().map(|s| s.start);
        err(
            at,
            at.and_then(|a| key_on_line(text, a)),
            format!("invalid TOML: {}", e.message().trim()),
        )
    })?;

    let mut w = Walker {
        issues: Vec::new(),
        warnings: Vec::new(),
    };
    let mut ui = UiConfig::default();
    let mut keys = BTreeMap::new();
    let mut key_lines: BTreeMap<String, usize> = BTreeMap::new();
    let mut drafts: Vec<DraftProvider> = Vec::new();
    let mut read_only = false;
    let mut stats = crate::stats::Thresholds::default();
    let mut history = HistoryConfig::default();
    let mut alerts_cfg = crate::alerts::AlertsConfig::default();
    let mut collector_cfg = CollectorConfig::default();

    for (k, v) in root.get_ref().iter() {
        let key = k.get_ref().as_ref();
        match key {
            "ui" => ui = walk_ui(&mut w, v),
            "stats" => stats = walk_stats(&mut w, v),
            "history" => history = history::walk(&mut w, v),
            "alerts" => alerts_cfg = alerts::walk_alerts(&mut w, v),
            "collector" => collector_cfg = collector::walk(&mut w, v),
            "read_only" => match v.get_ref() {
                DeValue::Boolean(b) => read_only = *b,
                other => w.issue(
                    v.span().start,
                    Some("read_only"),
                    format!("expected true or false, found {}", type_name(other)),
                ),
            },
            "keys" => walk_keys(&mut w, v, &mut keys, &mut key_lines),
            "provider" => match v.get_ref() {
                DeValue::Array(items) => {
                    for item in items.iter() {
                        if let Some(d) = walk_provider(&mut w, item) {
                            drafts.push(d);
                        }
                    }
                }
                DeValue::Table(_) => w.issue(
                    k.span().start,
                    Some("provider"),
                    "providers are an array of tables: write `[[provider]]` (double brackets)",
                ),
                other => w.issue(
                    v.span().start,
                    Some("provider"),
                    format!("expected `[[provider]]` tables, found {}", type_name(other)),
                ),
            },
            _ => w.issue(
                k.span().start,
                Some(key),
                unknown_key_message(key, "the top level", TOP_KEYS),
            ),
        }
    }

    // Unique names.
    for i in 0..drafts.len() {
        if let Some(first) = drafts[..i]
            .iter()
            .find(|d| d.config.name == drafts[i].config.name)
        {
            let msg = format!(
                "duplicate provider name \"{}\" (first used on line {})",
                drafts[i].config.name,
                line_of(text, first.name_at)
            );
            let at = drafts[i].name_at;
            w.issue(at, Some("name"), msg);
        }
    }

    if let Some(first) = w.issues.iter().min_by_key(|i| i.at) {
        return Err(err(
            Some(first.at),
            first.key.clone(),
            first.message.clone(),
        ));
    }

    // Key conflicts and tmux prefixes: warnings at the line of the override involved.
    if !keys.is_empty() {
        match crate::keymap::Keymap::new(&keys) {
            Ok((_, conflicts)) => {
                for c in conflicts {
                    if let Some(at) = c.commands.iter().filter_map(|n| key_lines.get(*n)).min() {
                        w.warnings.push((*at, format!("[keys]: {}", c.message)));
                    }
                }
            }
            // Not reached: walk_keys checked names and keys the same way.
            Err(e) => return Err(err(None, Some("keys".into()), e.to_string())),
        }
    }

    // Resolve secrets, top of the file first; then each provider builds its settings.
    let mut resolving = Resolving::new(mode);
    let mut providers = Vec::with_capacity(drafts.len());
    for mut d in drafts {
        d.config.settings = provider_keys::resolve_settings(
            d.settings,
            &d.config.name,
            d.config.kind,
            d.header,
            &mut resolving,
        )
        .map_err(|i| err(Some(i.at), i.key, i.message))?;
        providers.push(d.config);
    }
    w.warnings.append(&mut resolving.warnings);

    w.warnings.sort_by_key(|(at, _)| *at);
    let warnings = w
        .warnings
        .into_iter()
        .map(|(at, m)| format!("{} line {}: {m}", path.display(), line_of(text, at)))
        .collect();
    Ok((
        Loaded {
            config: Config {
                providers,
                ui,
                keys,
                read_only,
                path: Some(path.to_path_buf()),
                stats,
                history,
                alerts: alerts_cfg,
                collector: collector_cfg,
            },
            warnings,
        },
        resolving,
    ))
}

/// `[stats]`: abandon-rate thresholds (percent, 0-100, warn ≤ crit) and the bell.
fn walk_stats(w: &mut Walker, v: &Spanned<DeValue<'_>>) -> crate::stats::Thresholds {
    let mut t = crate::stats::Thresholds::default();
    let DeValue::Table(table) = v.get_ref() else {
        w.issue(
            v.span().start,
            Some("stats"),
            format!(
                "expected a table `[stats]`, found {}",
                type_name(v.get_ref())
            ),
        );
        return t;
    };
    let mut warn_at = None;
    for (k, v) in table.iter() {
        let key = k.get_ref().as_ref();
        let path = format!("stats.{key}");
        match key {
            "abandon_warn_percent" | "abandon_crit_percent" => match as_number(v.get_ref()) {
                Some(n) if (0.0..=100.0).contains(&n) => {
                    if key == "abandon_warn_percent" {
                        t.abandon_warn_percent = n;
                        warn_at = Some(v.span().start);
                    } else {
                        t.abandon_crit_percent = n;
                    }
                }
                Some(n) => w.issue(
                    v.span().start,
                    Some(&path),
                    format!("is {n}: a percentage must be between 0 and 100"),
                ),
                None => w.issue(
                    v.span().start,
                    Some(&path),
                    format!(
                        "expected a number of percent (e.g. 10), found {}",
                        type_name(v.get_ref())
                    ),
                ),
            },
            "bell" => match v.get_ref() {
                DeValue::Boolean(b) => t.bell = *b,
                other => w.issue(
                    v.span().start,
                    Some(&path),
                    format!("expected true or false, found {}", type_name(other)),
                ),
            },
            _ => w.issue(
                k.span().start,
                Some(&path),
                unknown_key_message(key, "[stats]", STATS_KEYS),
            ),
        }
    }
    if t.abandon_warn_percent > t.abandon_crit_percent {
        w.issue(
            warn_at.unwrap_or(v.span().start),
            Some("stats.abandon_warn_percent"),
            format!(
                "is {} but abandon_crit_percent is {}: the warning level must not be above the critical one",
                t.abandon_warn_percent, t.abandon_crit_percent
            ),
        );
    }
    t
}

fn walk_ui(w: &mut Walker, v: &Spanned<DeValue<'_>>) -> UiConfig {
    let mut ui = UiConfig::default();
    let DeValue::Table(t) = v.get_ref() else {
        w.issue(
            v.span().start,
            Some("ui"),
            format!("expected a table `[ui]`, found {}", type_name(v.get_ref())),
        );
        return ui;
    };
    for (k, v) in t.iter() {
        let key = k.get_ref().as_ref();
        match key {
            "theme" => match v.get_ref() {
                DeValue::String(s) if !s.trim().is_empty() => ui.theme = Some(s.to_string()),
                DeValue::String(_) => w.issue(
                    v.span().start,
                    Some("ui.theme"),
                    "is empty (leave it out for the default theme)",
                ),
                other => w.issue(
                    v.span().start,
                    Some("ui.theme"),
                    format!("expected a string, found {}", type_name(other)),
                ),
            },
            "history_rows" => match (v.get_ref(), as_i128(v.get_ref())) {
                (DeValue::Integer(_), Some(n)) if (100..=1_000_000).contains(&n) => {
                    ui.history_rows = Some(n as usize)
                }
                (DeValue::Integer(_), Some(n)) => w.issue(
                    v.span().start,
                    Some("ui.history_rows"),
                    format!("is {n}: keep between 100 and 1000000 rows"),
                ),
                (other, _) => w.issue(
                    v.span().start,
                    Some("ui.history_rows"),
                    format!(
                        "expected a whole number of rows (e.g. 5000), found {}",
                        type_name(other)
                    ),
                ),
            },
            "start_pane" => match v.get_ref() {
                DeValue::String(s) => match pane_named(s) {
                    Some(pane) => ui.start_pane = Some(pane),
                    None => w.issue(
                        v.span().start,
                        Some("ui.start_pane"),
                        format!(
                            "unknown pane \"{}\" (expected one of {})",
                            s.escape_debug(),
                            PANES.map(|(n, _)| n).join(", ")
                        ),
                    ),
                },
                other => w.issue(
                    v.span().start,
                    Some("ui.start_pane"),
                    format!(
                        "expected a pane name like \"trunks\", found {}",
                        type_name(other)
                    ),
                ),
            },
            "ascii" => ui.ascii = alerts::walk_bool(w, "ui.ascii", v).unwrap_or(false),
            _ => w.issue(
                k.span().start,
                Some(&format!("ui.{key}")),
                unknown_key_message(key, "[ui]", UI_KEYS),
            ),
        }
    }
    ui
}

/// `[keys]`: `name = "key"` or `name = ["key", …]`. Dotted names may be quoted
/// (`"trunk.edit" = "e"`) or bare (`trunk.edit = "e"`, which TOML reads as a nested table).
fn walk_keys(
    w: &mut Walker,
    v: &Spanned<DeValue<'_>>,
    keys: &mut BTreeMap<String, Vec<String>>,
    lines: &mut BTreeMap<String, usize>,
) {
    let DeValue::Table(t) = v.get_ref() else {
        w.issue(
            v.span().start,
            Some("keys"),
            format!(
                "expected a table `[keys]` of command = \"key\", found {}",
                type_name(v.get_ref())
            ),
        );
        return;
    };
    walk_keys_in(w, t, "", keys, lines);
}

fn walk_keys_in(
    w: &mut Walker,
    t: &DeTable<'_>,
    prefix: &str,
    keys: &mut BTreeMap<String, Vec<String>>,
    lines: &mut BTreeMap<String, usize>,
) {
    for (k, v) in t.iter() {
        let name = format!("{prefix}{}", k.get_ref().as_ref());
        let key_path = format!("keys.{name}");
        if let DeValue::Table(inner) = v.get_ref() {
            // `trunk.edit = "e"` unquoted; `[keys.trunk]` tables.
            walk_keys_in(w, inner, &format!("{name}."), keys, lines);
            continue;
        }
        if let Err(e) = crate::keymap::lookup_command(&name) {
            w.issue(k.span().start, Some(&key_path), e.to_string());
            continue;
        }
        let mut specs: Vec<(String, usize)> = Vec::new();
        match v.get_ref() {
            DeValue::String(s) => specs.push((s.to_string(), v.span().start)),
            DeValue::Array(items) => {
                for item in items.iter() {
                    match item.get_ref() {
                        DeValue::String(s) => specs.push((s.to_string(), item.span().start)),
                        other => w.issue(
                            item.span().start,
                            Some(&key_path),
                            format!(
                                "expected an array of key strings, found {} in it",
                                type_name(other)
                            ),
                        ),
                    }
                }
            }
            other => {
                w.issue(
                    v.span().start,
                    Some(&key_path),
                    format!(
                        "expected a key like \"e\" or a list like [\"e\", \"f2\"] ([] unbinds), \
                         found {}",
                        type_name(other)
                    ),
                );
                continue;
            }
        }
        let mut list = Vec::new();
        for (spec, at) in specs {
            match crate::keymap::parse_key_spec(&spec) {
                Ok(_) => list.push(spec),
                Err(reason) if spec.trim().is_empty() => w.issue(
                    at,
                    Some(&key_path),
                    format!("{reason} (use [] to unbind the command)"),
                ),
                Err(reason) => w.issue(at, Some(&key_path), reason),
            }
        }
        lines.insert(name.clone(), k.span().start);
        keys.insert(name, list);
    }
}

fn walk_provider(w: &mut Walker, item: &Spanned<DeValue<'_>>) -> Option<DraftProvider> {
    let header = item.span().start;
    let DeValue::Table(t) = item.get_ref() else {
        w.issue(
            header,
            Some("provider"),
            format!(
                "expected a `[[provider]]` table, found {}",
                type_name(item.get_ref())
            ),
        );
        return None;
    };
    let issues_before = w.issues.len();
    // Kind first: it decides which settings keys belong.
    let kind = walk_kind(w, t, header);
    let mut common = Common::default();
    let mut settings = Settings::default();
    let mut present: Vec<&'static str> = Vec::new();
    let mut misplaced = false;

    for (k, v) in t.iter() {
        let key = k.get_ref().as_ref();
        if let Some(&key) = COMMON_KEYS.iter().find(|&&c| c == key) {
            present.push(key);
            walk_common(w, &mut common, kind, key, v);
        } else if let Some(spec) = setting_of(kind, key) {
            present.push(spec.name);
            walk_setting(w, spec, v, &mut settings);
        } else if let Some(m) = kind.and_then(|kind| wrong_kind(kind, key)) {
            misplaced = true;
            w.issue(k.span().start, Some(key), m);
        } else {
            misplaced = true;
            w.issue(
                k.span().start,
                Some(key),
                unknown_key_message(key, "[[provider]]", &provider_keys(kind)),
            );
        }
    }

    if !present.contains(&"name") {
        w.issue(
            header,
            Some("name"),
            "this [[provider]] table has no `name`",
        );
    }
    if let Some(kind) = kind {
        let d = crate::providers::descriptor(kind);
        if common.base_url.is_none() && !present.contains(&"base_url") {
            match d.default_base_url {
                Some(u) => common.base_url = Some(u.to_string()),
                None => w.issue(
                    header,
                    Some("base_url"),
                    format!(
                        "this {kind} provider has no `base_url` (there is no default for {kind})"
                    ),
                ),
            }
        }
        // A mistyped credential (`api_kye`) is reported by its own name, line and the
        // suggestion, not as the credential missing on the table's first line.
        if !misplaced {
            check_required(w, kind, header, &present);
        }
    }

    if w.issues.len() != issues_before {
        return None;
    }
    let (name, name_at) = common.name?;
    let mut config = ProviderConfig::new(&name, kind?, common.base_url.as_deref()?);
    config.rate_limit = common.rate_limit;
    config.timeout_seconds = common.timeout_seconds;
    config.max_response_mib = common.max_response_mib;
    config.max_rows = common.max_rows;
    config.read_only = common.read_only;
    Some(DraftProvider {
        config,
        header,
        name_at,
        settings,
    })
}

/// The `kind` of a provider table, or None after reporting why there is none.
fn walk_kind(w: &mut Walker, t: &DeTable<'_>, header: usize) -> Option<ProviderKind> {
    let Some(v) = t.get("kind") else {
        w.issue(
            header,
            Some("kind"),
            format!(
                "this [[provider]] table has no `kind` (one of {})",
                kinds_list()
            ),
        );
        return None;
    };
    let s = match v.get_ref() {
        DeValue::String(s) => s,
        other => {
            w.issue(
                v.span().start,
                Some("kind"),
                format!("expected a string, found {}", type_name(other)),
            );
            return None;
        }
    };
    let kind = ProviderKind::parse(s.trim());
    if kind.is_none() {
        let hint = ProviderKind::parse(&s.trim().to_ascii_lowercase())
            .map(|k| format!("; kinds are lower case: \"{k}\""))
            .unwrap_or_default();
        w.issue(
            v.span().start,
            Some("kind"),
            format!(
                "unknown provider kind \"{}\" (expected one of {}){hint}",
                s.escape_debug(),
                kinds_list()
            ),
        );
    }
    kind
}

/// The keys every kind reads, as walked.
#[derive(Default)]
struct Common {
    name: Option<(String, usize)>,
    base_url: Option<String>,
    rate_limit: Option<RateLimitConfig>,
    timeout_seconds: Option<f64>,
    max_response_mib: Option<u32>,
    max_rows: Option<u32>,
    read_only: Option<bool>,
}

/// A string value, or an issue naming `key` and what it found.
fn string_value(w: &mut Walker, key: &str, v: &Spanned<DeValue<'_>>) -> Option<String> {
    match v.get_ref() {
        DeValue::String(s) => Some(s.to_string()),
        other => {
            w.issue(
                v.span().start,
                Some(key),
                format!("expected a string, found {}", type_name(other)),
            );
            None
        }
    }
}

/// One of [`COMMON_KEYS`].
fn walk_common(
    w: &mut Walker,
    c: &mut Common,
    kind: Option<ProviderKind>,
    key: &'static str,
    v: &Spanned<DeValue<'_>>,
) {
    let at = v.span().start;
    match key {
        "name" => {
            if let Some(s) = string_value(w, key, v) {
                if s.trim().is_empty() {
                    w.issue(at, Some("name"), "is empty (every provider needs a name)");
                } else {
                    c.name = Some((s.trim().to_string(), at));
                }
            }
        }
        "base_url" => {
            if let Some(s) = string_value(w, key, v) {
                let s = s.trim().to_string();
                let example = kind
                    .and_then(|k| crate::providers::descriptor(k).default_base_url)
                    .unwrap_or("https://api.example.com");
                match check_url(&s, example) {
                    Ok(plain_http) => {
                        if plain_http {
                            w.warnings.push((
                                at,
                                "base_url uses plain http to a non-local host; credentials \
                                 travel unencrypted"
                                    .into(),
                            ));
                        }
                        c.base_url = Some(s);
                    }
                    Err(m) => w.issue(at, Some("base_url"), m),
                }
            }
        }
        "rate_limit" => c.rate_limit = walk_rate_limit(w, v),
        "timeout_seconds" => match as_number(v.get_ref()) {
            Some(n) if n.is_finite() && n > 0.0 => c.timeout_seconds = Some(n),
            Some(_) => w.issue(at, Some(key), "must be greater than 0"),
            None => w.issue(
                at,
                Some(key),
                format!(
                    "expected a number of seconds, found {}",
                    type_name(v.get_ref())
                ),
            ),
        },
        "max_response_mib" => {
            c.max_response_mib = whole_in(w, at, key, v.get_ref(), 1, 1024, "MiB")
        }
        "max_rows" => c.max_rows = whole_in(w, at, key, v.get_ref(), 100, 10_000_000, "rows"),
        "read_only" => match v.get_ref() {
            DeValue::Boolean(b) => c.read_only = Some(*b),
            other => w.issue(
                at,
                Some(key),
                format!("expected true or false, found {}", type_name(other)),
            ),
        },
        // `kind` was read first.
        _ => {}
    }
}

fn walk_rate_limit(w: &mut Walker, v: &Spanned<DeValue<'_>>) -> Option<RateLimitConfig> {
    let DeValue::Table(t) = v.get_ref() else {
        w.issue(
            v.span().start,
            Some("rate_limit"),
            format!(
                "expected a table like {{ requests = 10, per_seconds = 10 }}, found {}",
                type_name(v.get_ref())
            ),
        );
        return None;
    };
    let mut requests = None;
    let mut per_seconds = None;
    let mut ok = true;
    for (k, v) in t.iter() {
        let key = k.get_ref().as_ref();
        let at = v.span().start;
        match key {
            "requests" => match as_i128(v.get_ref()) {
                Some(n) if n >= 1 && n <= i128::from(u32::MAX) => requests = Some(n as u32),
                Some(n) if n < 1 => {
                    ok = false;
                    w.issue(at, Some("rate_limit.requests"), "must be at least 1")
                }
                Some(_) => {
                    ok = false;
                    w.issue(at, Some("rate_limit.requests"), "is too large")
                }
                None => {
                    ok = false;
                    w.issue(
                        at,
                        Some("rate_limit.requests"),
                        format!(
                            "expected a whole number of requests, found {}",
                            type_name(v.get_ref())
                        ),
                    )
                }
            },
            "per_seconds" => match as_number(v.get_ref()) {
                Some(n) if n.is_finite() && n > 0.0 => per_seconds = Some(n),
                Some(_) => {
                    ok = false;
                    w.issue(at, Some("rate_limit.per_seconds"), "must be greater than 0")
                }
                None => {
                    ok = false;
                    w.issue(
                        at,
                        Some("rate_limit.per_seconds"),
                        format!(
                            "expected a number of seconds, found {}",
                            type_name(v.get_ref())
                        ),
                    )
                }
            },
            _ => {
                ok = false;
                w.issue(
                    k.span().start,
                    Some(&format!("rate_limit.{key}")),
                    unknown_key_message(key, "rate_limit", RATE_LIMIT_KEYS),
                )
            }
        }
    }
    if !ok {
        return None;
    }
    for (name, missing) in [
        ("requests", requests.is_none()),
        ("per_seconds", per_seconds.is_none()),
    ] {
        if missing {
            w.issue(
                v.span().start,
                Some(&format!("rate_limit.{name}")),
                format!("rate_limit has no `{name}` (write {{ requests = 10, per_seconds = 10 }})"),
            );
        }
    }
    Some(RateLimitConfig {
        requests: requests?,
        per_seconds: per_seconds?,
    })
}

/// Checks an http(s) URL (`example` shows a good one in the message); Ok(true) when it
/// is plain http to a non-loopback host.
fn check_url(url: &str, example: &str) -> Result<bool, String> {
    let lower = url.to_ascii_lowercase();
    let (rest, plain) = if let Some(r) = lower.strip_prefix("https://") {
        (r, false)
    } else if let Some(r) = lower.strip_prefix("http://") {
        (r, true)
    } else {
        return Err(format!(
            "must start with https:// (or http://), e.g. \"{example}\""
        ));
    };
    if url.chars().any(char::is_whitespace) {
        return Err("must not contain spaces".into());
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Err(
            "must not contain credentials (user:password@); use the credential keys".into(),
        );
    }
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority.split(':').next().unwrap_or("")
    };
    if host.is_empty() {
        return Err("has no host name".into());
    }
    let local = host == "localhost" || host == "::1" || host.starts_with("127.");
    Ok(plain && !local)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_numbers_are_one_based() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 4), 3);
    }

    #[test]
    fn urls() {
        let url = |u| check_url(u, "https://api.example.com");
        assert_eq!(url("https://api.example.com"), Ok(false));
        assert_eq!(url("http://127.0.0.1:8080/x"), Ok(false));
        assert_eq!(url("http://[::1]:8080"), Ok(false));
        assert_eq!(url("http://example.com"), Ok(true));
        assert!(url("ftp://example.com").is_err());
        assert!(url("https://").is_err());
        assert!(url("https://u:p@example.com").is_err());
        assert_eq!(
            url("example.com"),
            Err("must start with https:// (or http://), e.g. \"https://api.example.com\"".into())
        );
    }
}
