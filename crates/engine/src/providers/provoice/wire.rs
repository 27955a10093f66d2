//! ProVoice wire format (providers.md §5.3): every read answers a JSON array of objects
//! (single gets: a one-element array), errors are `{"error":{"code","message"}}`.
//!
//! Decoding is total: any bytes give `Ok` or a [`ProviderError::Decode`], never a panic.
//! Objects are read field by field from `serde_json::Value` so one odd field (an id as a
//! string, `active` as `1`) never loses the whole list; objects without an id are skipped.

use serde_json::{Map, Value};

use crate::providers::{ProviderError, lenient};

pub type Object = Map<String, Value>;

/// The provider's error message, when the body is `{"error":{"message":…}}` (or
/// `{"error":"…"}` / `{"message":"…"}`).
pub fn decode_error_message(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let err = v.get("error").unwrap_or(&v);
    let msg = match err {
        Value::String(s) => s.clone(),
        Value::Object(o) => o.get("message").and_then(Value::as_str)?.to_owned(),
        _ => return None,
    };
    let msg = msg.trim().to_owned();
    (!msg.is_empty()).then_some(msg)
}

/// The objects of a JSON array body. A bare object is taken as a one-element array;
/// non-object elements are skipped.
pub fn decode_array(body: &[u8], what: &str) -> Result<Vec<Object>, ProviderError> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| ProviderError::Decode(format!("{what}: not JSON ({e})")))?;
    match v {
        Value::Array(items) => Ok(items
            .into_iter()
            .filter_map(|i| match i {
                Value::Object(o) => Some(o),
                _ => None,
            })
            .collect()),
        Value::Object(o) if o.contains_key("error") => Err(ProviderError::Decode(format!(
            "{what}: {}",
            decode_error_message(body).unwrap_or_else(|| "error without a message".into())
        ))),
        // A bare object stands for a one-item list only if it looks like a record (it
        // has an id or a name): a proxy's `{"data": "…"}` is not an empty account.
        Value::Object(o) if looks_like_record(&o) => Ok(vec![o]),
        Value::Object(o) => Err(ProviderError::Unexpected(format!(
            "{what}: expected a list, got {}",
            crate::providers::shape::describe_keys(&o)
        ))),
        _ => Err(ProviderError::Unexpected(format!(
            "{what}: expected a JSON array"
        ))),
    }
}

fn looks_like_record(o: &Object) -> bool {
    o.keys().any(|k| {
        let k = k.to_ascii_lowercase();
        k == "id" || k == "name" || k.ends_with("id") || k.ends_with("_id")
    })
}

/// Field readers: an id (`0` and negative numbers mean none, integers exact at any
/// size), a text ("" when missing), an integer, a flag (bool, number or yes/no word).
pub use lenient::{flag_at as flag, int_at as int, positive_id_at as id, text_at as text};

#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    pub id: String,
    pub parent_id: Option<String>,
    pub name: String,
    pub active: Option<bool>,
    pub created: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: String,
    pub customer_id: Option<String>,
    pub username: String,
    /// Only whether one is set: the value is never kept.
    pub has_password: bool,
    pub callerid: String,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Destination {
    pub id: String,
    pub customer_id: Option<String>,
    pub user_id: Option<String>,
    pub name: String,
    pub host: String,
    pub port: Option<u16>,
    pub transport: String,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Extension {
    pub id: String,
    pub customer_id: Option<String>,
    pub user_id: Option<String>,
    pub number: String,
    pub direction: String,
    pub destination_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Forward {
    pub id: String,
    pub customer_id: Option<String>,
    pub user_id: Option<String>,
    pub extension_id: Option<String>,
    pub target: String,
    pub kind: String,
    pub timeout: Option<i64>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tariffplan {
    pub id: String,
    pub name: String,
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Whitelist {
    pub id: String,
    pub customer_id: Option<String>,
    pub user_id: Option<String>,
    /// The prefix or, when the entry is an address, the IP.
    pub prefix: String,
    pub ip: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Limit {
    pub id: String,
    pub customer_id: Option<String>,
    pub user_id: Option<String>,
    pub kind: String,
    pub value: Option<i64>,
    pub period: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub id: String,
    pub customer_id: Option<String>,
    pub user_id: Option<String>,
    pub caller: String,
    pub callee: String,
    pub start: String,
    pub answer: String,
    pub end: String,
    pub duration: Option<i64>,
    pub billsec: Option<i64>,
    pub disposition: String,
    pub direction: String,
    pub cost: String,
}

/// The body the provider POSTs to the callback.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordsBatch {
    pub request_id: String,
    pub customer_id: Option<String>,
    pub records: Vec<Record>,
}

fn port(o: &Object) -> Option<u16> {
    int(o, "port")
        .and_then(|p| u16::try_from(p).ok())
        .filter(|p| *p > 0)
}

fn list<T>(
    body: &[u8],
    what: &str,
    f: impl Fn(&Object) -> Option<T>,
) -> Result<Vec<T>, ProviderError> {
    Ok(decode_array(body, what)?.iter().filter_map(f).collect())
}

pub fn customer(o: &Object) -> Option<Customer> {
    Some(Customer {
        id: id(o, "id")?,
        parent_id: id(o, "parent_id"),
        name: text(o, "name"),
        active: flag(o, "active"),
        created: text(o, "created"),
    })
}

pub fn user(o: &Object) -> Option<User> {
    Some(User {
        id: id(o, "id")?,
        customer_id: id(o, "customer_id"),
        username: text(o, "username"),
        has_password: !text(o, "password").is_empty(),
        callerid: text(o, "callerid"),
        active: flag(o, "active"),
    })
}

pub fn destination(o: &Object) -> Option<Destination> {
    Some(Destination {
        id: id(o, "id")?,
        customer_id: id(o, "customer_id"),
        user_id: id(o, "user_id"),
        name: text(o, "name"),
        host: text(o, "host"),
        port: port(o),
        transport: text(o, "transport").to_ascii_lowercase(),
        active: flag(o, "active"),
    })
}

pub fn extension(o: &Object) -> Option<Extension> {
    Some(Extension {
        id: id(o, "id")?,
        customer_id: id(o, "customer_id"),
        user_id: id(o, "user_id"),
        number: text(o, "number"),
        direction: text(o, "direction").to_ascii_lowercase(),
        destination_id: id(o, "destination_id"),
    })
}

pub fn forward(o: &Object) -> Option<Forward> {
    Some(Forward {
        id: id(o, "id")?,
        customer_id: id(o, "customer_id"),
        user_id: id(o, "user_id"),
        extension_id: id(o, "extension_id"),
        target: text(o, "target"),
        kind: text(o, "type").to_ascii_lowercase(),
        timeout: int(o, "timeout"),
        active: flag(o, "active"),
    })
}

pub fn tariffplan(o: &Object) -> Option<Tariffplan> {
    Some(Tariffplan {
        id: id(o, "id")?,
        name: text(o, "name"),
        currency: text(o, "currency"),
    })
}

pub fn whitelist(o: &Object) -> Option<Whitelist> {
    Some(Whitelist {
        id: id(o, "id")?,
        customer_id: id(o, "customer_id"),
        user_id: id(o, "user_id"),
        prefix: text(o, "prefix"),
        ip: text(o, "ip"),
        description: text(o, "description"),
    })
}

pub fn limit(o: &Object) -> Option<Limit> {
    Some(Limit {
        id: id(o, "id")?,
        customer_id: id(o, "customer_id"),
        user_id: id(o, "user_id"),
        kind: text(o, "type"),
        value: int(o, "value"),
        period: text(o, "period"),
    })
}

pub fn record(o: &Object) -> Option<Record> {
    Some(Record {
        id: id(o, "id")?,
        customer_id: id(o, "customer_id"),
        user_id: id(o, "user_id"),
        caller: text(o, "caller"),
        callee: text(o, "callee"),
        start: text(o, "start"),
        answer: text(o, "answer"),
        end: text(o, "end"),
        duration: int(o, "duration"),
        billsec: int(o, "billsec"),
        disposition: text(o, "disposition"),
        direction: text(o, "direction").to_ascii_lowercase(),
        cost: text(o, "cost"),
    })
}

pub fn decode_customers(body: &[u8]) -> Result<Vec<Customer>, ProviderError> {
    list(body, "customers", customer)
}
pub fn decode_users(body: &[u8]) -> Result<Vec<User>, ProviderError> {
    list(body, "users", user)
}
pub fn decode_destinations(body: &[u8]) -> Result<Vec<Destination>, ProviderError> {
    list(body, "destinations", destination)
}
pub fn decode_extensions(body: &[u8]) -> Result<Vec<Extension>, ProviderError> {
    list(body, "extensions", extension)
}
pub fn decode_forwards(body: &[u8]) -> Result<Vec<Forward>, ProviderError> {
    list(body, "forwards", forward)
}
pub fn decode_tariffplans(body: &[u8]) -> Result<Vec<Tariffplan>, ProviderError> {
    list(body, "tariffplans", tariffplan)
}
pub fn decode_whitelists(body: &[u8]) -> Result<Vec<Whitelist>, ProviderError> {
    list(body, "whitelists", whitelist)
}
pub fn decode_limits(body: &[u8]) -> Result<Vec<Limit>, ProviderError> {
    list(body, "limits", limit)
}

/// The answer to `getCustomerCallRecords`: the request id the provider queued.
pub fn decode_queued(body: &[u8]) -> Result<Option<String>, ProviderError> {
    Ok(decode_array(body, "call record request")?
        .iter()
        .find_map(|o| id(o, "request_id")))
}

/// The records POSTed to the callback.
pub fn decode_records(body: &[u8]) -> Result<RecordsBatch, ProviderError> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| ProviderError::Decode(format!("call records: not JSON ({e})")))?;
    let Value::Object(o) = v else {
        return Err(ProviderError::Decode(
            "call records: expected a JSON object".into(),
        ));
    };
    let request_id = id(&o, "request_id")
        .ok_or_else(|| ProviderError::Decode("call records: no request_id".into()))?;
    let records = match o.get("records") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_object().and_then(record))
            .collect(),
        _ => Vec::new(),
    };
    Ok(RecordsBatch {
        request_id,
        customer_id: id(&o, "customer_id"),
        records,
    })
}
