//! `[history]`: the call-history store (retention) and its JSON lines export.

use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::DeValue;

use super::{Walker, as_i128, type_name, unknown_key_message};

const KEYS: &[&str] = &[
    "keep_days",
    "export_jsonl",
    "export_jsonl_max_mb",
    "export_jsonl_keep",
];

/// `[history]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryConfig {
    /// Calls that started more than this many days ago are pruned (1 to 3650).
    pub keep_days: u32,
    /// `export_jsonl`: append one JSON line per newly stored call to this file (a
    /// relative path is taken from the state dir).
    pub export_jsonl: Option<PathBuf>,
    /// `export_jsonl_max_mb`: rotate the export at this size (1 to 10240, default 100).
    pub export_jsonl_max_mb: u32,
    /// `export_jsonl_keep`: rotated files kept (1 to 100, default 5).
    pub export_jsonl_keep: u32,
}

impl Default for HistoryConfig {
    fn default() -> Self {
        HistoryConfig {
            keep_days: 30,
            export_jsonl: None,
            export_jsonl_max_mb: 100,
            export_jsonl_keep: 5,
        }
    }
}

impl HistoryConfig {
    /// The export's file and rotation, a relative path resolved against `state_dir`.
    pub fn export(&self, state_dir: &Path) -> Option<switchboard_store::ExportOptions> {
        let path = self.export_jsonl.as_ref()?;
        Some(switchboard_store::ExportOptions {
            path: state_dir.join(path),
            max_bytes: u64::from(self.export_jsonl_max_mb) * 1024 * 1024,
            keep: self.export_jsonl_keep,
        })
    }
}

/// A whole number in `range`, or an issue at its line naming `[history] key`.
fn whole(
    w: &mut Walker,
    path: &str,
    v: &Spanned<DeValue<'_>>,
    range: std::ops::RangeInclusive<i128>,
    unit: &str,
    example: u32,
) -> Option<u32> {
    match (v.get_ref(), as_i128(v.get_ref())) {
        (DeValue::Integer(_), Some(n)) if range.contains(&n) => Some(n as u32),
        (DeValue::Integer(_), Some(n)) => {
            let (lo, hi) = (range.start(), range.end());
            w.issue(
                v.span().start,
                Some(path),
                format!("is {n}: keep between {lo} and {hi} {unit}"),
            );
            None
        }
        (other, _) => {
            w.issue(
                v.span().start,
                Some(path),
                format!(
                    "expected a whole number of {unit} (e.g. {example}), found {}",
                    type_name(other)
                ),
            );
            None
        }
    }
}

/// `[history]`: `keep_days` (1 to 3650), `export_jsonl` (a file path),
/// `export_jsonl_max_mb` (1 to 10240), `export_jsonl_keep` (1 to 100).
pub(super) fn walk(w: &mut Walker, v: &Spanned<DeValue<'_>>) -> HistoryConfig {
    let mut h = HistoryConfig::default();
    let DeValue::Table(table) = v.get_ref() else {
        w.issue(
            v.span().start,
            Some("history"),
            format!(
                "expected a table `[history]`, found {}",
                type_name(v.get_ref())
            ),
        );
        return h;
    };
    for (k, v) in table.iter() {
        let key = k.get_ref().as_ref();
        let path = format!("history.{key}");
        match key {
            "keep_days" => {
                if let Some(n) = whole(w, &path, v, 1..=3650, "days", 30) {
                    h.keep_days = n;
                }
            }
            "export_jsonl_max_mb" => {
                if let Some(n) = whole(w, &path, v, 1..=10240, "MiB", 100) {
                    h.export_jsonl_max_mb = n;
                }
            }
            "export_jsonl_keep" => {
                if let Some(n) = whole(w, &path, v, 1..=100, "files", 5) {
                    h.export_jsonl_keep = n;
                }
            }
            "export_jsonl" => match v.get_ref() {
                DeValue::String(s) if !s.trim().is_empty() && !s.ends_with('/') => {
                    h.export_jsonl = Some(PathBuf::from(s.as_ref()));
                }
                DeValue::String(_) => w.issue(
                    v.span().start,
                    Some(&path),
                    "expected a file path (e.g. \"/var/log/switchboard/calls.jsonl\")",
                ),
                other => w.issue(
                    v.span().start,
                    Some(&path),
                    format!(
                        "expected a file path as a string, found {}",
                        type_name(other)
                    ),
                ),
            },
            _ => w.issue(
                k.span().start,
                Some(&path),
                unknown_key_message(key, "[history]", KEYS),
            ),
        }
    }
    h
}
