//! `[alerts]` (bell, banner, terminal notifications, cool-down, which events) and the
//! `[ui] ascii` switch, walked like the rest of the file (line and key in every error).

use toml::Spanned;
use toml::de::DeValue;

use super::{Walker, as_i128, type_name, unknown_key_message};
use crate::alerts::{AlertEvent, AlertsConfig, Notify};

const ALERTS_KEYS: &[&str] = &["bell", "flash", "notify", "cooldown_seconds", "events"];

/// A `true`/`false` value, or an issue at `path`.
pub(super) fn walk_bool(w: &mut Walker, path: &str, v: &Spanned<DeValue<'_>>) -> Option<bool> {
    match v.get_ref() {
        DeValue::Boolean(b) => Some(*b),
        other => {
            w.issue(
                v.span().start,
                Some(path),
                format!("expected true or false, found {}", type_name(other)),
            );
            None
        }
    }
}

pub(super) fn walk_alerts(w: &mut Walker, v: &Spanned<DeValue<'_>>) -> AlertsConfig {
    let mut a = AlertsConfig::default();
    let DeValue::Table(table) = v.get_ref() else {
        w.issue(
            v.span().start,
            Some("alerts"),
            format!(
                "expected a table `[alerts]`, found {}",
                type_name(v.get_ref())
            ),
        );
        return a;
    };
    for (k, v) in table.iter() {
        let key = k.get_ref().as_ref();
        let path = format!("alerts.{key}");
        let at = v.span().start;
        match key {
            "bell" => a.bell = walk_bool(w, &path, v).unwrap_or(a.bell),
            "flash" => a.flash = walk_bool(w, &path, v).unwrap_or(a.flash),
            "notify" => match v.get_ref() {
                DeValue::String(s) => match Notify::from_name(s) {
                    Some(n) => a.notify = n,
                    None => w.issue(
                        at,
                        Some(&path),
                        format!(
                            "unknown value {s:?} (expected one of {})",
                            Notify::NAMES.join(", ")
                        ),
                    ),
                },
                other => w.issue(
                    at,
                    Some(&path),
                    format!("expected a string, found {}", type_name(other)),
                ),
            },
            "cooldown_seconds" => match v.get_ref() {
                DeValue::Integer(_) => match as_i128(v.get_ref()) {
                    Some(n) if (0..=86_400).contains(&n) => a.cooldown_s = n as u64,
                    _ => w.issue(at, Some(&path), "keep between 0 and 86400 seconds"),
                },
                other => w.issue(
                    at,
                    Some(&path),
                    format!(
                        "expected a whole number of seconds, found {}",
                        type_name(other)
                    ),
                ),
            },
            "events" => {
                let DeValue::Array(items) = v.get_ref() else {
                    w.issue(
                        at,
                        Some(&path),
                        "expected a list like [\"degraded\", \"auth\", \"stale\", \"queue\"]",
                    );
                    continue;
                };
                a.events.clear();
                for item in items.iter() {
                    match item.get_ref() {
                        DeValue::String(s) if AlertEvent::from_name(s).is_some() => {
                            a.events.extend(AlertEvent::from_name(s));
                        }
                        _ => {
                            let names: Vec<&str> =
                                AlertEvent::ALL.iter().map(|e| e.name()).collect();
                            w.issue(
                                item.span().start,
                                Some(&path),
                                format!("unknown event (expected one of {})", names.join(", ")),
                            );
                        }
                    }
                }
            }
            _ => w.issue(
                k.span().start,
                Some(&path),
                unknown_key_message(key, "[alerts]", ALERTS_KEYS),
            ),
        }
    }
    a
}
