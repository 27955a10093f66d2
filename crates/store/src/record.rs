//! One stored call: the neutral call's facts plus the provider's own fields, keyed by
//! the configured provider name (stable across restarts, unlike a provider's position
//! in the config) and the provider's call id.

use switchboard_core::model::{Call, Direction};

/// A finished call as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    /// The configured provider name (`[[provider]] name`).
    pub provider: String,
    pub id: String,
    pub account: String,
    pub from: String,
    pub to: String,
    /// `in`, `out`, `int` or `?`.
    pub direction: String,
    /// The call's final state (`completed`, `no answer`, `busy` …).
    pub result: String,
    pub started_ms: Option<i64>,
    pub answered_ms: Option<i64>,
    pub ended_ms: Option<i64>,
    /// The provider's own fields (read back in name order).
    pub fields: Vec<(String, String)>,
}

impl CallRecord {
    /// The record of a finished call of the provider configured as `provider`; `None`
    /// for a live one (it is stored once it has ended).
    pub fn from_call(provider: &str, call: &Call) -> Option<CallRecord> {
        if call.state.is_live() {
            return None;
        }
        Some(CallRecord {
            provider: provider.to_string(),
            id: call.id.to_string(),
            account: call.account.to_string(),
            from: call.from.to_string(),
            to: call.to.to_string(),
            direction: direction_label(call.direction).to_string(),
            result: call.state.label().to_string(),
            started_ms: call.started_at_ms,
            answered_ms: call.answered_at_ms,
            ended_ms: call.ended_at_ms,
            fields: call
                .extra
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        })
    }

    pub(crate) fn fields_json(&self) -> String {
        let map: serde_json::Map<String, serde_json::Value> = self
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        serde_json::Value::Object(map).to_string()
    }

    pub(crate) fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<CallRecord> {
        let fields: String = row.get("fields")?;
        Ok(CallRecord {
            provider: row.get("provider")?,
            id: row.get("call_id")?,
            account: row.get("account")?,
            from: row.get("from_number")?,
            to: row.get("to_number")?,
            direction: row.get("direction")?,
            result: row.get("result")?,
            started_ms: row.get("started_ms")?,
            answered_ms: row.get("answered_ms")?,
            ended_ms: row.get("ended_ms")?,
            fields: fields_from_json(&fields),
        })
    }
}

fn direction_label(d: Direction) -> &'static str {
    match d {
        Direction::Unknown => "?",
        other => other.label(),
    }
}

/// The provider's fields back from their JSON; a damaged value reads as no fields.
fn fields_from_json(text: &str) -> Vec<(String, String)> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(map)) => map
            .into_iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => (k, s),
                other => (k, other.to_string()),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The digits of a number as typed (`+44 20 7946-0000` → `442079460000`), the key the
/// store looks numbers up by.
pub fn digits(number: &str) -> String {
    number.chars().filter(char::is_ascii_digit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_ignore_how_a_number_is_typed() {
        assert_eq!(digits("+44 20 7946-0000"), "442079460000");
        assert_eq!(digits("(415) 555 0100"), "4155550100");
        assert_eq!(digits("ext"), "");
    }

    #[test]
    fn damaged_fields_read_as_none() {
        assert!(fields_from_json("{not json").is_empty());
        assert_eq!(
            fields_from_json(r#"{"a":"1","b":2}"#),
            vec![("a".to_string(), "1".to_string()), ("b".into(), "2".into())]
        );
    }
}
