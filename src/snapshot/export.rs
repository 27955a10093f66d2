//! `snapshot --output jsonl|csv` and `--resource`: one resource's rows across providers,
//! one line (JSON object or CSV record) per row. A row is the object the JSON document
//! holds for it, with the provider's name and kind in front; every string redacted.

use serde_json::{Map, Value};

use super::ProviderSnapshot;
use crate::model::Resource;

/// Every CSV column of `resource`, in order (README "Command line" documents them):
/// `provider` and `provider_kind`, then the row's own fields as the JSON document names
/// them. `extra` (the provider's own fields) is a JSON object in one cell; `per_agent`
/// and `series` (queues) are JSON arrays.
pub fn columns(resource: Resource) -> &'static [&'static str] {
    match resource {
        Resource::Accounts => &[
            "provider",
            "provider_kind",
            "id",
            "name",
            "parent",
            "kind",
            "active",
            "extra",
        ],
        Resource::LiveCalls | Resource::CallHistory => &[
            "provider",
            "provider_kind",
            "account",
            "account_name",
            "id",
            "from",
            "to",
            "direction",
            "state",
            "started_at_ms",
            "answered_at_ms",
            "ended_at_ms",
            "extra",
        ],
        Resource::Trunks => &[
            "provider",
            "provider_kind",
            "account",
            "account_name",
            "id",
            "name",
            "host",
            "port",
            "transport",
            "direction",
            "prefix",
            "active",
            "extra",
        ],
        Resource::Numbers => &[
            "provider",
            "provider_kind",
            "account",
            "account_name",
            "id",
            "number",
            "target",
            "active",
            "extra",
        ],
        Resource::Queues => &[
            "provider",
            "provider_kind",
            "account",
            "account_name",
            "name",
            "kind",
            "waiting",
            "active",
            "answered",
            "abandoned",
            "total",
            "max_concurrency",
            "longest_wait_s",
            "timed_out",
            "avg_wait_s",
            "avg_talk_s",
            "avg_call_s",
            "period",
            "per_agent",
            "series",
            "extra",
        ],
    }
}

/// The key of `resource`'s rows in a provider's JSON object.
pub fn json_key(resource: Resource) -> &'static str {
    match resource {
        Resource::Accounts => "accounts",
        Resource::LiveCalls => "live_calls",
        Resource::CallHistory => "call_history",
        Resource::Trunks => "trunks",
        Resource::Numbers => "numbers",
        Resource::Queues => "queues",
    }
}

fn to_values<T: serde::Serialize>(rows: &[T]) -> Vec<Value> {
    rows.iter()
        .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
        .collect()
}

/// `resource`'s rows of every provider, in config order, as redacted JSON objects with
/// `provider` and `provider_kind` added.
pub fn rows(snaps: &[ProviderSnapshot], resource: Resource) -> Vec<Map<String, Value>> {
    let mut out = Vec::new();
    for s in snaps {
        let values = match resource {
            Resource::Accounts => to_values(&s.accounts),
            Resource::LiveCalls => to_values(&s.live_calls),
            Resource::CallHistory => to_values(&s.call_history),
            Resource::Trunks => to_values(&s.trunks),
            Resource::Numbers => to_values(&s.numbers),
            Resource::Queues => to_values(&s.queues),
        };
        for v in values {
            let Value::Object(fields) = v else { continue };
            let mut row = Map::new();
            row.insert("provider".into(), Value::String(s.name.clone()));
            row.insert("provider_kind".into(), Value::String(s.kind.clone()));
            row.extend(fields);
            let mut row = Value::Object(row);
            crate::secret::redact_json(&mut row);
            if let Value::Object(row) = row {
                out.push(row);
            }
        }
    }
    out
}

/// One JSON object per line.
pub fn render_jsonl(snaps: &[ProviderSnapshot], resource: Resource) -> String {
    let mut out = String::new();
    for row in rows(snaps, resource) {
        out.push_str(&Value::Object(row).to_string());
        out.push('\n');
    }
    out
}

/// A CSV cell: text as is, numbers and booleans as written in JSON, null empty, arrays
/// and objects as compact JSON.
fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// A header line, then one record per row (RFC 4180 quoting by the csv crate; cells a
/// spreadsheet would run as formulas get a leading `'`).
pub fn render_csv(snaps: &[ProviderSnapshot], resource: Resource) -> Result<String, String> {
    let cols = columns(resource);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(cols).map_err(|e| e.to_string())?;
    for row in rows(snaps, resource) {
        w.write_record(
            cols.iter()
                .map(|c| crate::format::spreadsheet_safe(&cell(row.get(*c))).into_owned()),
        )
        .map_err(|e| e.to_string())?;
    }
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Account, AccountKind, Call, Number, ProviderId, QueueStat, Trunk};

    /// Every field a row serialises has its CSV column, so a new field cannot be left out
    /// of the CSV (or the README's list) unnoticed.
    #[test]
    fn csv_columns_are_exactly_the_rows_fields() {
        fn keys<T: serde::Serialize>(row: T) -> Vec<String> {
            let mut k: Vec<String> = match serde_json::to_value(row) {
                Ok(Value::Object(m)) => m.keys().cloned().collect(),
                other => panic!("{other:?}"),
            };
            k.extend(["provider".to_string(), "provider_kind".to_string()]);
            k.sort();
            k
        }
        let p = ProviderId(0);
        let call = Call {
            provider: p,
            account: String::new().into(),
            account_name: Default::default(),
            id: Default::default(),
            from: String::new().into(),
            to: String::new().into(),
            direction: crate::model::Direction::from_text(""),
            state: crate::model::CallState::Unknown(String::new()),
            started_at_ms: None,
            answered_at_ms: None,
            ended_at_ms: None,
            extra: Default::default(),
        };
        let account = Account {
            provider: p,
            id: String::new(),
            name: String::new(),
            parent: None,
            kind: AccountKind::Customer,
            active: None,
            extra: Default::default(),
        };
        let trunk = Trunk {
            provider: p,
            account: String::new(),
            account_name: Default::default(),
            id: String::new(),
            name: String::new(),
            host: String::new(),
            port: None,
            transport: String::new(),
            direction: String::new(),
            prefix: String::new(),
            active: None,
            extra: Default::default(),
        };
        let number = Number {
            provider: p,
            account: String::new(),
            account_name: Default::default(),
            id: String::new(),
            number: String::new(),
            target: String::new(),
            active: None,
            extra: Default::default(),
        };
        let queue = QueueStat {
            provider: p,
            account: String::new(),
            account_name: Default::default(),
            name: String::new(),
            kind: String::new(),
            ..QueueStat::default()
        };
        let sorted = |r: Resource| {
            let mut c: Vec<String> = columns(r).iter().map(|s| s.to_string()).collect();
            c.sort();
            c
        };
        assert_eq!(sorted(Resource::LiveCalls), keys(&call));
        assert_eq!(sorted(Resource::CallHistory), keys(&call));
        assert_eq!(sorted(Resource::Accounts), keys(&account));
        assert_eq!(sorted(Resource::Trunks), keys(&trunk));
        assert_eq!(sorted(Resource::Numbers), keys(&number));
        assert_eq!(sorted(Resource::Queues), keys(&queue));
    }

    #[test]
    fn cells_quote_commas_quotes_and_newlines() {
        let snap = ProviderSnapshot {
            name: "pbx".into(),
            kind: "k".into(),
            status: "ok".into(),
            numbers: vec![Number {
                provider: ProviderId(0),
                account: "a, b".into(),
                account_name: "say \"hi\"".into(),
                id: "n1".into(),
                number: "+15550100".into(),
                target: "line\nbreak".into(),
                active: Some(true),
                extra: vec![("note".into(), "x".into())].into(),
            }],
            ..Default::default()
        };
        let text = render_csv(&[snap], Resource::Numbers).expect("csv");
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let rec = r.records().next().expect("a row").expect("parses");
        let got: Vec<&str> = rec.iter().collect();
        assert_eq!(
            got,
            [
                "pbx",
                "k",
                "a, b",
                "say \"hi\"",
                "n1",
                "+15550100",
                "line\nbreak",
                "true",
                "{\"note\":\"x\"}"
            ]
        );
    }
}
