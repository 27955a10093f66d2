//! VoIPcloud wire format (providers.md §2): the `{status, message, code, data}` envelope
//! and the rows of the call lists, in both the v1 (seed) and v2 (real clients) field
//! names. Every decoder is total: bad input gives a [`ProviderError::Decode`] or a row
//! with missing fields, never a panic.

use serde_json::Value;

use crate::model::Direction;
use crate::providers::ProviderError;

/// A decoded envelope: the `data` member (Null when missing) and the message.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub data: Value,
    pub message: String,
}

/// What an error envelope (or an HTTP status without a readable body) says.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvelopeError {
    /// The `code` member, or the HTTP status when the body carried none.
    pub code: i64,
    pub message: String,
}

use crate::providers::lenient::{int, text};

fn field(row: &Value, names: &[&str]) -> Option<String> {
    names.iter().find_map(|n| row.get(*n).and_then(text))
}

fn field_int(row: &Value, names: &[&str]) -> Option<i64> {
    names.iter().find_map(|n| row.get(*n).and_then(int))
}

/// `is_inbound` as a flag (`true`, `1`, `"yes"`) or any number (non-zero is inbound).
fn is_inbound(row: &Value) -> Option<bool> {
    let v = row.get("is_inbound")?;
    crate::providers::lenient::flag(v).or_else(|| int(v).map(|i| i != 0))
}

fn time(row: &Value, names: &[&str]) -> Option<i64> {
    field(row, names).and_then(|s| crate::providers::dates::parse_iso_ms(&s))
}

/// Decodes the envelope. `Err(Ok(e))`: the provider answered with an error envelope;
/// `Err(Err(d))`: the body is not a JSON object at all.
pub fn decode_envelope(body: &[u8]) -> Result<Envelope, Result<EnvelopeError, ProviderError>> {
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        Err(ProviderError::Decode(format!(
            "VoIPcloud sent something that is not JSON ({})",
            e.classify_label()
        )))
    })?;
    let Value::Object(map) = v else {
        return Err(Err(ProviderError::Unexpected(
            "VoIPcloud sent JSON that is not an {status, message, code, data} envelope".into(),
        )));
    };
    if !["status", "message", "code", "data"]
        .iter()
        .any(|k| map.contains_key(*k))
    {
        return Err(Err(ProviderError::Unexpected(format!(
            "expected the {{status, message, code, data}} envelope, got {}",
            crate::providers::shape::describe_keys(&map)
        ))));
    }
    let status = map.get("status").and_then(text);
    let message = map.get("message").and_then(text).unwrap_or_default();
    let code = map.get("code").and_then(int);
    let ok_status = status
        .as_deref()
        .is_none_or(|s| s.eq_ignore_ascii_case("success"));
    let ok_code = code.is_none_or(|c| c == 200);
    if !(ok_status && ok_code) {
        return Err(Ok(EnvelopeError {
            code: code.unwrap_or(0),
            message: if message.is_empty() {
                status.unwrap_or_else(|| "unknown error".into())
            } else {
                message
            },
        }));
    }
    Ok(Envelope {
        data: map.get("data").cloned().unwrap_or(Value::Null),
        message,
    })
}

trait ClassifyLabel {
    fn classify_label(&self) -> &'static str;
}

impl ClassifyLabel for serde_json::Error {
    fn classify_label(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "read error",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "wrong shape",
            serde_json::error::Category::Eof => "cut short",
        }
    }
}

/// The rows of a list `data`: an array (non-object items skipped); missing, null, `{}`,
/// `""` or `[]` is an empty list; `{"rows": [...]}`-style wrappers are unwrapped once.
/// Anything else (a string, a number, an object holding no list) is not a list, and an
/// error rather than "no calls today".
pub fn rows(data: &Value) -> Result<Vec<Value>, ProviderError> {
    let objects = |a: &Vec<Value>| a.iter().filter(|v| v.is_object()).cloned().collect();
    match data {
        Value::Array(items) => Ok(objects(items)),
        Value::Null => Ok(Vec::new()),
        Value::String(s) if s.trim().is_empty() => Ok(Vec::new()),
        Value::Object(m) if m.is_empty() => Ok(Vec::new()),
        Value::Object(m) => m
            .values()
            .find_map(|v| v.as_array())
            .map(objects)
            .ok_or_else(|| {
                ProviderError::Unexpected(format!(
                    "data should be a list, got {}",
                    crate::providers::shape::describe_keys(m)
                ))
            }),
        Value::String(_) => Err(ProviderError::Unexpected(
            "data should be a list, got a string".into(),
        )),
        Value::Number(_) | Value::Bool(_) => Err(ProviderError::Unexpected(
            "data should be a list, got a scalar".into(),
        )),
    }
}

/// One row of `get-user-calls` (v1 or v2 names).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UserCall {
    /// v2 `unique_call_id`; v1 has none.
    pub id: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub user_name: Option<String>,
    pub user_number: Option<String>,
    /// v1 `is_inbound` (0/1); for v2 read from `type` (`user_inbound_…`) by the shared
    /// normaliser, which also knows `internal`.
    pub direction: Direction,
    /// v2 `type`, e.g. `user_outbound_answered`, `user_inbound_missed`.
    pub kind: Option<String>,
    pub started_ms: Option<i64>,
    /// v2 `connected_at`.
    pub answered_ms: Option<i64>,
    /// `call_finished_at` when it holds a time.
    pub finished_ms: Option<i64>,
    /// The row says the call has not finished: `call_finished_at` is present and `null`
    /// (or empty), as v1 rows of calls in progress are. A row without the key (every v2
    /// row) is the record of a finished call.
    pub unfinished: bool,
    pub duration_s: Option<i64>,
    pub talk_s: Option<i64>,
}

/// `call_finished_at` present and saying "not yet": `null`, or an empty string.
fn says_unfinished(row: &Value) -> bool {
    match row.get("call_finished_at") {
        Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        _ => false,
    }
}

pub fn user_call(row: &Value) -> UserCall {
    let kind = field(row, &["type"]);
    let direction = match is_inbound(row) {
        Some(true) => Direction::Inbound,
        Some(false) => Direction::Outbound,
        None => kind
            .as_deref()
            .map_or(Direction::Unknown, Direction::from_text),
    };
    UserCall {
        id: field(row, &["unique_call_id", "call_id", "id"]),
        from: field(row, &["from_number", "caller_id"]),
        to: field(row, &["to_number", "dest_number"]),
        user_name: field(row, &["user_name"]),
        user_number: field(row, &["user_number"]),
        direction,
        kind,
        started_ms: time(row, &["call_start_at"]),
        answered_ms: time(row, &["connected_at", "call_answered_at"]),
        finished_ms: time(row, &["call_finished_at"]),
        unfinished: says_unfinished(row),
        duration_s: field_int(row, &["call_duration"]),
        talk_s: field_int(row, &["conversation_duration"]),
    }
}

/// How a queue or ring-group call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Answered,
    Abandoned,
    TimedOut,
    Other(String),
}

impl Outcome {
    pub fn parse(s: &str) -> Outcome {
        let l: String = s
            .trim()
            .to_ascii_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        match l.as_str() {
            "answered" => Outcome::Answered,
            "abandoned" => Outcome::Abandoned,
            "timedout" | "timeout" => Outcome::TimedOut,
            _ => Outcome::Other(s.trim().to_owned()),
        }
    }
}

/// One row of `get-queue-calls` or `get-ringgroup-calls`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GroupCall {
    pub id: Option<String>,
    /// `queue_name` or `ring_group_name`.
    pub group: Option<String>,
    pub caller: Option<String>,
    pub inbound_number: Option<String>,
    pub started_ms: Option<i64>,
    pub answered_ms: Option<i64>,
    pub finished_ms: Option<i64>,
    pub agent: Option<String>,
    pub outcome: Option<Outcome>,
}

pub fn group_call(row: &Value) -> GroupCall {
    GroupCall {
        id: field(row, &["unique_call_id", "call_id", "id"]),
        group: field(
            row,
            &["queue_name", "ring_group_name", "ringgroup_name", "name"],
        ),
        caller: field(row, &["callerid", "caller_id", "from_number"]),
        inbound_number: field(row, &["inbound_number", "dest_number"]),
        started_ms: time(row, &["call_start_at"]),
        answered_ms: time(row, &["call_answered_at", "connected_at"]),
        finished_ms: time(row, &["call_finished_at"]),
        agent: field(row, &["answered_by_user_name", "user_name"]),
        outcome: field(row, &["status"]).map(|s| Outcome::parse(&s)),
    }
}

pub fn decode_user_calls(
    body: &[u8],
) -> Result<Vec<UserCall>, Result<EnvelopeError, ProviderError>> {
    let env = decode_envelope(body)?;
    Ok(rows(&env.data)
        .map_err(Err)?
        .iter()
        .map(user_call)
        .collect())
}

pub fn decode_group_calls(
    body: &[u8],
) -> Result<Vec<GroupCall>, Result<EnvelopeError, ProviderError>> {
    let env = decode_envelope(body)?;
    Ok(rows(&env.data)
        .map_err(Err)?
        .iter()
        .map(group_call)
        .collect())
}

/// `get-system-status` (shape invented, providers.md §2.5): `data.status` and
/// `data.incidents[]` (strings or objects with a `title`/`name`/`message`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SystemStatus {
    pub status: Option<String>,
    pub incidents: Vec<String>,
    /// The envelope message when data carried no status.
    pub message: String,
}

pub fn decode_system_status(
    body: &[u8],
) -> Result<SystemStatus, Result<EnvelopeError, ProviderError>> {
    let env = decode_envelope(body)?;
    let status = match &env.data {
        Value::Object(_) => field(&env.data, &["status", "state"]),
        other => text(other),
    };
    let incidents = env
        .data
        .get("incidents")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|i| text(i).or_else(|| field(i, &["title", "name", "message"])))
                .collect()
        })
        .unwrap_or_default();
    Ok(SystemStatus {
        status,
        incidents,
        message: env.message,
    })
}

/// `call-to-number`'s answer `data`: `{call_id, user, number_to_call, status}` (a C#
/// client's model; no captured sample). Returns the call id when present.
pub fn decode_call_to_number(
    body: &[u8],
) -> Result<(Option<String>, String), Result<EnvelopeError, ProviderError>> {
    let env = decode_envelope(body)?;
    Ok((
        field(&env.data, &["call_id", "unique_call_id", "id"]),
        env.message,
    ))
}
