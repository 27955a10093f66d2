//! Cloudonix wire types (providers.md §1.6) and their tolerant decoders.
//!
//! Every field is decoded by a lenient helper that accepts any JSON value: numbers may
//! arrive as strings, ids as numbers or strings, epochs as integers, floats or numeric
//! strings, `domain` as a string, an object or `null`. A value of an unexpected shape
//! becomes "absent" rather than an error, and unknown fields are ignored. In a list, an
//! item that is not an object is skipped and counted; only a body that is not JSON at
//! all (or not a list/object) is a [`ProviderError::Decode`].
//!
//! Secrets: trunk passwords are never stored (only whether one is set), and domain
//! profiles (which may hold `authorization-api-key`) are not decoded at all.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::providers::lenient::Scalar;
use crate::providers::{ProviderError, dates, shape};

// ---------------------------------------------------------------------------------------
// Wire types
// ---------------------------------------------------------------------------------------

/// A call session (`sessionObject`): live and ended sessions share the shape.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Session {
    #[serde(deserialize_with = "id")]
    pub id: Option<String>,
    #[serde(deserialize_with = "id")]
    pub domain_id: Option<String>,
    /// Spec: string; data-model doc: domain object; captures: absent or null.
    #[serde(deserialize_with = "domain_ref")]
    pub domain: Option<String>,
    #[serde(deserialize_with = "text")]
    pub domain_name_or_id: Option<String>,
    #[serde(deserialize_with = "id")]
    pub subscriber_id: Option<String>,
    #[serde(deserialize_with = "id")]
    pub outgoing_subscriber_id: Option<String>,
    #[serde(deserialize_with = "text")]
    pub destination: Option<String>,
    #[serde(deserialize_with = "text")]
    pub caller_id: Option<String>,
    #[serde(deserialize_with = "text")]
    pub direction: Option<String>,
    #[serde(deserialize_with = "text")]
    pub token: Option<String>,
    #[serde(deserialize_with = "text")]
    pub status: Option<String>,
    #[serde(deserialize_with = "text")]
    pub vapp_server: Option<String>,
    #[serde(deserialize_with = "int")]
    pub time_limit: Option<i64>,
    #[serde(deserialize_with = "epoch_ms")]
    pub call_start_time: Option<i64>,
    #[serde(deserialize_with = "epoch_ms")]
    pub call_answer_time: Option<i64>,
    #[serde(deserialize_with = "epoch_ms")]
    pub call_end_time: Option<i64>,
    /// ISO forms, used when the epoch fields are missing.
    #[serde(deserialize_with = "epoch_ms")]
    pub start_time: Option<i64>,
    #[serde(deserialize_with = "epoch_ms")]
    pub answer_time: Option<i64>,
    #[serde(deserialize_with = "epoch_ms")]
    pub end_time: Option<i64>,
    #[serde(deserialize_with = "epoch_ms")]
    pub created_at: Option<i64>,
    #[serde(deserialize_with = "text")]
    pub url: Option<String>,
    #[serde(deserialize_with = "text")]
    pub callback: Option<String>,
    #[serde(deserialize_with = "text")]
    pub error: Option<String>,
    #[serde(deserialize_with = "text")]
    pub last_error: Option<String>,
    #[serde(deserialize_with = "text_list")]
    pub call_ids: Vec<String>,
    #[serde(deserialize_with = "flag")]
    pub ringing: Option<bool>,
    #[serde(deserialize_with = "object")]
    pub profile: Option<SessionProfile>,
}

/// The few session profile keys worth showing. SIP header maps are not decoded (they
/// carry signatures and customer-specific data).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct SessionProfile {
    #[serde(rename = "inbound-trunk-name", deserialize_with = "text")]
    pub inbound_trunk_name: Option<String>,
    #[serde(rename = "inbound-trunk-id", deserialize_with = "id")]
    pub inbound_trunk_id: Option<String>,
    #[serde(rename = "outbound-trunk-name", deserialize_with = "text")]
    pub outbound_trunk_name: Option<String>,
    #[serde(rename = "outbound-trunk-id", deserialize_with = "id")]
    pub outbound_trunk_id: Option<String>,
    #[serde(rename = "callId", deserialize_with = "text_list")]
    pub call_id: Vec<String>,
    /// Whether the session carries the SIP headers of a subscriber's own INVITE (a call a
    /// subscriber placed). Only the presence is kept: the map holds signatures.
    #[serde(rename = "subscriber-sip-headers", deserialize_with = "non_null")]
    pub subscriber_sip_headers: bool,
}

/// A SIP trunk (`voicetrunkObject`). The password is not kept: only whether one is set.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Trunk {
    #[serde(deserialize_with = "id")]
    pub id: Option<String>,
    #[serde(deserialize_with = "id")]
    pub tenant_id: Option<String>,
    #[serde(deserialize_with = "id")]
    pub domain_id: Option<String>,
    #[serde(deserialize_with = "domain_ref")]
    pub domain: Option<String>,
    #[serde(deserialize_with = "text")]
    pub name: Option<String>,
    #[serde(deserialize_with = "text")]
    pub uuid: Option<String>,
    #[serde(deserialize_with = "text")]
    pub ip: Option<String>,
    #[serde(deserialize_with = "port")]
    pub port: Option<u16>,
    #[serde(deserialize_with = "text")]
    pub transport: Option<String>,
    #[serde(deserialize_with = "text")]
    pub prefix: Option<String>,
    #[serde(deserialize_with = "text")]
    pub direction: Option<String>,
    #[serde(deserialize_with = "flag")]
    pub active: Option<bool>,
    #[serde(deserialize_with = "int")]
    pub metric: Option<i64>,
    #[serde(deserialize_with = "flag")]
    pub allow_global: Option<bool>,
    #[serde(deserialize_with = "text")]
    pub global_prefix: Option<String>,
    #[serde(deserialize_with = "text")]
    pub created_at: Option<String>,
    #[serde(deserialize_with = "text")]
    pub modified_at: Option<String>,
    #[serde(deserialize_with = "object")]
    pub profile: Option<TrunkProfile>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct TrunkProfile {
    #[serde(deserialize_with = "object")]
    pub authentication: Option<TrunkAuth>,
}

/// `profile.authentication`. The password value is dropped while decoding.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct TrunkAuth {
    #[serde(deserialize_with = "text")]
    pub username: Option<String>,
    /// Whether a non-empty password was present. The value itself is never stored.
    #[serde(rename = "password", deserialize_with = "presence")]
    pub password_set: bool,
    #[serde(rename = "overwrite-from", deserialize_with = "flag")]
    pub overwrite_from: Option<bool>,
}

/// A DNID, i.e. an inbound number or pattern (`dnidObject`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Dnid {
    #[serde(deserialize_with = "id")]
    pub id: Option<String>,
    #[serde(deserialize_with = "id")]
    pub domain_id: Option<String>,
    #[serde(deserialize_with = "id")]
    pub application_id: Option<String>,
    #[serde(deserialize_with = "id")]
    pub messaging_application_id: Option<String>,
    #[serde(deserialize_with = "flag")]
    pub active: Option<bool>,
    /// The compiled regular expression, e.g. `^(123[4-7])`.
    #[serde(deserialize_with = "text")]
    pub dnid: Option<String>,
    /// The human form, e.g. `+14155550100` or `123[4-7]`.
    #[serde(deserialize_with = "text")]
    pub source: Option<String>,
    #[serde(deserialize_with = "flag")]
    pub global: Option<bool>,
    #[serde(deserialize_with = "flag")]
    pub expression: Option<bool>,
    #[serde(deserialize_with = "flag")]
    pub prefix: Option<bool>,
    #[serde(deserialize_with = "flag")]
    pub asterisk_compatible: Option<bool>,
    /// Embedded application object, when the platform includes it.
    #[serde(deserialize_with = "object")]
    pub application: Option<Application>,
}

/// A voice application (only the fields the console shows).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Application {
    #[serde(deserialize_with = "id")]
    pub id: Option<String>,
    #[serde(deserialize_with = "id")]
    pub domain_id: Option<String>,
    #[serde(deserialize_with = "text")]
    pub name: Option<String>,
    #[serde(deserialize_with = "text")]
    pub uuid: Option<String>,
    #[serde(rename = "type", deserialize_with = "text")]
    pub kind: Option<String>,
    #[serde(deserialize_with = "text")]
    pub url: Option<String>,
    #[serde(deserialize_with = "text")]
    pub method: Option<String>,
    #[serde(deserialize_with = "flag")]
    pub active: Option<bool>,
}

/// A subscriber (only what the console counts; `sipPassword` is never decoded).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Subscriber {
    #[serde(deserialize_with = "id")]
    pub id: Option<String>,
    #[serde(deserialize_with = "text")]
    pub msisdn: Option<String>,
    #[serde(deserialize_with = "flag")]
    pub active: Option<bool>,
    #[serde(deserialize_with = "text")]
    pub created_at: Option<String>,
}

/// A domain. Its `profile` is deliberately not decoded (it can hold API keys).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Domain {
    #[serde(deserialize_with = "id")]
    pub id: Option<String>,
    #[serde(deserialize_with = "id")]
    pub tenant_id: Option<String>,
    #[serde(deserialize_with = "text")]
    pub domain: Option<String>,
    #[serde(deserialize_with = "text")]
    pub uuid: Option<String>,
    #[serde(deserialize_with = "flag")]
    pub active: Option<bool>,
    #[serde(deserialize_with = "id")]
    pub default_application: Option<String>,
    #[serde(deserialize_with = "flag")]
    pub registration_free: Option<bool>,
    #[serde(deserialize_with = "text")]
    pub created_at: Option<String>,
    #[serde(deserialize_with = "text")]
    pub modified_at: Option<String>,
    #[serde(deserialize_with = "text")]
    pub deleted_at: Option<String>,
    #[serde(deserialize_with = "object")]
    pub application: Option<Application>,
    #[serde(deserialize_with = "object_list")]
    pub aliases: Vec<DomainAlias>,
}

/// The customer (tenant) behind the key.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Customer {
    #[serde(deserialize_with = "id")]
    pub id: Option<String>,
    #[serde(deserialize_with = "text")]
    pub name: Option<String>,
    #[serde(deserialize_with = "text")]
    pub uuid: Option<String>,
    #[serde(deserialize_with = "flag")]
    pub active: Option<bool>,
    #[serde(deserialize_with = "text")]
    pub created_at: Option<String>,
    #[serde(deserialize_with = "object")]
    pub profile: Option<CustomerProfile>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct CustomerProfile {
    #[serde(rename = "contact-name", deserialize_with = "text")]
    pub contact_name: Option<String>,
    #[serde(rename = "contact-email", deserialize_with = "text")]
    pub contact_email: Option<String>,
}

/// One `{date, concurrency, count}` sample of `GET …/reports/current-calls`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ConcurrencyPoint {
    #[serde(deserialize_with = "text")]
    pub date: Option<String>,
    #[serde(deserialize_with = "int")]
    pub concurrency: Option<i64>,
    #[serde(deserialize_with = "int")]
    pub count: Option<i64>,
}

/// `reportCustomerObject` (the fields the console shows).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct CustomerReport {
    #[serde(rename = "current-calls", deserialize_with = "int")]
    pub current_calls: Option<i64>,
    #[serde(rename = "concurrency-max", deserialize_with = "int")]
    pub concurrency_max: Option<i64>,
    #[serde(rename = "count-total", deserialize_with = "int")]
    pub count_total: Option<i64>,
    #[serde(rename = "subscribers-total", deserialize_with = "int")]
    pub subscribers_total: Option<i64>,
    #[serde(rename = "subscribers-active", deserialize_with = "int")]
    pub subscribers_active: Option<i64>,
    #[serde(rename = "billing-plan", deserialize_with = "object")]
    pub billing_plan: Option<BillingPlan>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct BillingPlan {
    #[serde(rename = "period-start", deserialize_with = "text")]
    pub period_start: Option<String>,
    #[serde(rename = "period-end", deserialize_with = "text")]
    pub period_end: Option<String>,
}

/// What `GET /customers/{c}/reports/current-calls` returned: the documented array of
/// samples, or a report object.
#[derive(Debug, Clone, PartialEq)]
pub enum CurrentCalls {
    Series(Vec<ConcurrencyPoint>),
    Report(CustomerReport),
}

/// The documented error body `{"status": false, "message": "…"}` (some handlers use `error`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ErrorBody {
    #[serde(deserialize_with = "flag")]
    pub status: Option<bool>,
    #[serde(deserialize_with = "text")]
    pub message: Option<String>,
    #[serde(deserialize_with = "text")]
    pub error: Option<String>,
}

// ---------------------------------------------------------------------------------------
// Decoders
// ---------------------------------------------------------------------------------------

/// A decoded list and how many of its items were skipped for having the wrong shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded<T> {
    pub items: Vec<T>,
    pub skipped: usize,
}

/// Short, content-free description of a JSON syntax error.
fn syntax_error(e: &serde_json::Error) -> ProviderError {
    ProviderError::Decode(format!(
        "not JSON ({:?} error at line {} column {})",
        e.classify(),
        e.line(),
        e.column()
    ))
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `{"status": false, "message": …}` delivered with a 2xx status.
fn error_body_in_success(obj: &serde_json::Map<String, Value>) -> Option<ProviderError> {
    if obj.get("status") == Some(&Value::Bool(false)) {
        let msg = obj
            .get("message")
            .or_else(|| obj.get("error"))
            .and_then(Value::as_str)
            .unwrap_or("request rejected");
        return Some(ProviderError::Decode(format!(
            "provider reported an error: {}",
            super::cap(msg)
        )));
    }
    None
}

/// Where [`decode_each`] hands the items of a list, one at a time.
pub trait ListSink<T> {
    fn item(&mut self, item: T);
    /// Forget every item handed so far: the fast path failed part-way (a duplicate key in
    /// a later item) and the slow path hands the whole list again.
    fn restart(&mut self);
}

impl<T> ListSink<T> for Vec<T> {
    fn item(&mut self, item: T) {
        self.push(item);
    }
    fn restart(&mut self) {
        self.clear();
    }
}

/// Decodes a bare JSON array of objects, skipping (and counting) items that are not
/// objects. A single object is accepted as a one-item list; `null` as an empty list.
pub fn decode_list<T: DeserializeOwned>(bytes: &[u8]) -> Result<Decoded<T>, ProviderError> {
    let mut items = Vec::new();
    let skipped = decode_each(bytes, &mut items)?;
    Ok(Decoded { items, skipped })
}

/// [`decode_list`] without the list: each item goes to `sink` as soon as it is decoded,
/// so a 5,000-session body never exists as 5,000 wire sessions at once (issue 14: the
/// whole list, decoded, was the largest allocation of a poll). Returns how many items
/// were skipped.
pub fn decode_each<T: DeserializeOwned>(
    bytes: &[u8],
    sink: &mut impl ListSink<T>,
) -> Result<usize, ProviderError> {
    // Fast path: stream straight into the typed items.
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let streamed = de
        .deserialize_seq(EachSeq {
            sink: &mut *sink,
            _t: PhantomData,
        })
        .and_then(|skipped| de.end().map(|()| skipped));
    match streamed {
        Ok(skipped) => return Ok(skipped),
        Err(_) => sink.restart(),
    }
    // Slow path (odd top-level shape, duplicate keys …): go through a JSON tree.
    let value: Value = serde_json::from_slice(bytes).map_err(|e| syntax_error(&e))?;
    match value {
        Value::Array(values) => {
            let mut skipped = 0;
            for v in &values {
                match from_value_object(v) {
                    Some(item) => sink.item(item),
                    None => skipped += 1,
                }
            }
            Ok(skipped)
        }
        Value::Object(ref obj) => {
            if let Some(e) = error_body_in_success(obj) {
                return Err(e);
            }
            // A lone object stands for a one-item list only if it looks like an item: a
            // proxy's `{"data": "…"}` is not "an account with nothing in it".
            if !shape::has_known_key::<T>(obj) {
                return Err(ProviderError::Unexpected(format!(
                    "expected a list, got {}",
                    shape::describe_keys(obj)
                )));
            }
            match from_value_object(&value) {
                Some(item) => {
                    sink.item(item);
                    Ok(0)
                }
                None => Ok(1),
            }
        }
        Value::Null => Ok(0),
        other => Err(ProviderError::Unexpected(format!(
            "expected a list, got {}",
            kind_of(&other)
        ))),
    }
}

/// Decodes a single object; an array yields its first object.
pub fn decode_one<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ProviderError> {
    // Single objects are small: go through a JSON tree so an error body sent with a 2xx
    // status is recognised.
    let value: Value = serde_json::from_slice(bytes).map_err(|e| syntax_error(&e))?;
    match &value {
        Value::Object(obj) => {
            if let Some(e) = error_body_in_success(obj) {
                return Err(e);
            }
            if !shape::has_known_key::<T>(obj) {
                return Err(ProviderError::Unexpected(format!(
                    "expected an item, got {}",
                    shape::describe_keys(obj)
                )));
            }
            from_value_object(&value)
                .ok_or_else(|| ProviderError::Decode("object of unexpected shape".into()))
        }
        Value::Array(values) => values
            .iter()
            .find_map(from_value_object)
            .ok_or_else(|| ProviderError::Decode("expected an object, got an empty list".into())),
        other => Err(ProviderError::Unexpected(format!(
            "expected an object, got {}",
            kind_of(other)
        ))),
    }
}

fn from_value_object<T: DeserializeOwned>(v: &Value) -> Option<T> {
    if v.is_object() {
        T::deserialize(v).ok()
    } else {
        None
    }
}

/// One element of a list read as it arrives ([`crate::providers::json_stream`]), into
/// `sink` as [`decode_each`] would: an object of the item's shape is handed over; one that
/// does not decode as is goes through a JSON tree (duplicate keys …); anything else is
/// skipped (`Ok(true)`). Bytes that are not JSON are an error for the whole answer.
pub fn decode_element<T: DeserializeOwned>(
    elem: &[u8],
    sink: &mut impl ListSink<T>,
) -> Result<bool, ProviderError> {
    match serde_json::from_slice::<Item<T>>(elem) {
        Ok(Item::Ok(t)) => {
            sink.item(t);
            Ok(false)
        }
        Ok(Item::Bad) => Ok(true),
        Err(_) => {
            let v: Value = serde_json::from_slice(elem).map_err(|e| syntax_error(&e))?;
            match from_value_object(&v) {
                Some(t) => {
                    sink.item(t);
                    Ok(false)
                }
                None => Ok(true),
            }
        }
    }
}

/// Log (at warn) how many items of a list were skipped.
fn note_skipped<T>(what: &str, d: Decoded<T>) -> Vec<T> {
    if d.skipped > 0 {
        tracing::warn!(
            resource = what,
            skipped = d.skipped,
            kept = d.items.len(),
            "cloudonix: skipped list items of unexpected shape"
        );
    }
    d.items
}

/// [`note_skipped`] for a list decoded with [`decode_each`].
pub fn note_skipped_count(what: &str, skipped: usize) {
    if skipped > 0 {
        tracing::warn!(
            resource = what,
            skipped,
            "cloudonix: skipped list items of unexpected shape"
        );
    }
}

/// `GET …/sessions`: a bare array of sessions.
pub fn decode_sessions(bytes: &[u8]) -> Result<Vec<Session>, ProviderError> {
    decode_list(bytes).map(|d| note_skipped("sessions", d))
}

/// `GET …/trunks`.
pub fn decode_trunks(bytes: &[u8]) -> Result<Vec<Trunk>, ProviderError> {
    decode_list(bytes).map(|d| note_skipped("trunks", d))
}

/// `GET …/dnids`.
pub fn decode_dnids(bytes: &[u8]) -> Result<Vec<Dnid>, ProviderError> {
    decode_list(bytes).map(|d| note_skipped("dnids", d))
}

/// `GET …/applications`.
pub fn decode_applications(bytes: &[u8]) -> Result<Vec<Application>, ProviderError> {
    decode_list(bytes).map(|d| note_skipped("applications", d))
}

/// `GET …/subscribers`.
pub fn decode_subscribers(bytes: &[u8]) -> Result<Vec<Subscriber>, ProviderError> {
    decode_list(bytes).map(|d| note_skipped("subscribers", d))
}

/// `GET /customers/{c}/domains`.
pub fn decode_domains(bytes: &[u8]) -> Result<Vec<Domain>, ProviderError> {
    decode_list(bytes).map(|d| note_skipped("domains", d))
}

/// `GET /customers/{c}/domains/{d}`.
pub fn decode_domain(bytes: &[u8]) -> Result<Domain, ProviderError> {
    decode_one(bytes)
}

/// `GET /customers/{c}`.
pub fn decode_customer(bytes: &[u8]) -> Result<Customer, ProviderError> {
    decode_one(bytes)
}

/// `GET /customers/{c}/reports/current-calls`: an array of `{date, concurrency, count}`
/// (documented) or a `reportCustomerObject` (tolerated). A lone sample object is also
/// accepted.
pub fn decode_current_calls(bytes: &[u8]) -> Result<CurrentCalls, ProviderError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| syntax_error(&e))?;
    match &value {
        Value::Array(values) => {
            let total = values.len();
            let points: Vec<ConcurrencyPoint> =
                values.iter().filter_map(from_value_object).collect();
            let skipped = total - points.len();
            Ok(CurrentCalls::Series(note_skipped(
                "current-calls",
                Decoded {
                    items: points,
                    skipped,
                },
            )))
        }
        Value::Object(obj) => {
            if let Some(e) = error_body_in_success(obj) {
                return Err(e);
            }
            let is_sample = obj.contains_key("concurrency")
                && !obj.contains_key("current-calls")
                && !obj.contains_key("count-total");
            if is_sample {
                let p = ConcurrencyPoint::deserialize(&value).unwrap_or_default();
                Ok(CurrentCalls::Series(vec![p]))
            } else {
                Ok(CurrentCalls::Report(
                    CustomerReport::deserialize(&value).unwrap_or_default(),
                ))
            }
        }
        Value::Null => Ok(CurrentCalls::Series(Vec::new())),
        other => Err(ProviderError::Decode(format!(
            "expected a JSON array or object, got {}",
            kind_of(other)
        ))),
    }
}

/// The provider's message from an error body (`message`, else `error`), if any.
pub fn decode_error_message(bytes: &[u8]) -> Option<String> {
    let body: ErrorBody = match serde_json::from_slice::<Item<ErrorBody>>(bytes) {
        Ok(Item::Ok(b)) => b,
        _ => return None,
    };
    body.message.or(body.error).filter(|m| !m.trim().is_empty())
}

// ---------------------------------------------------------------------------------------
// Lenient building blocks
// ---------------------------------------------------------------------------------------

/// Implements the scalar `visit_*` methods of a visitor so they all yield `$v`.
macro_rules! scalars_give {
    ($v:expr) => {
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok($v)
        }
    };
}

/// The fast path of [`decode_each`]: a top-level array whose elements go to the sink.
struct EachSeq<'s, T, S> {
    sink: &'s mut S,
    _t: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>, S: ListSink<T>> Visitor<'de> for EachSeq<'_, T, S> {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let mut skipped = 0;
        while let Some(item) = seq.next_element::<Item<T>>()? {
            match item {
                Item::Ok(t) => self.sink.item(t),
                Item::Bad => skipped += 1,
            }
        }
        Ok(skipped)
    }
}

/// A list element: an object decoded as `T`, or anything else (skipped).
enum Item<T> {
    Ok(T),
    Bad,
}

impl<T> Item<T> {
    fn into_option(self) -> Option<T> {
        match self {
            Item::Ok(t) => Some(t),
            Item::Bad => None,
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Item<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Item<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Item<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Item::Ok)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Item<T>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Item::Bad)
            }
            scalars_give!(Item::Bad);
        }
        d.deserialize_any(V(PhantomData))
    }
}

fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Scalar::deserialize(d).map(Scalar::into_text)
}

fn id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Scalar::deserialize(d).map(Scalar::into_id)
}

fn int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Scalar::deserialize(d).map(Scalar::into_int)
}

fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Scalar::deserialize(d).map(Scalar::into_flag)
}

fn epoch_ms<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Scalar::deserialize(d).map(dates::scalar_epoch_ms)
}

fn port<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u16>, D::Error> {
    Scalar::deserialize(d).map(|s| {
        s.into_int()
            .and_then(|p| u16::try_from(p).ok())
            .filter(|p| *p != 0)
    })
}

/// True when a non-empty string was present. The string is dropped here.
fn presence<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Scalar::deserialize(d).map(|s| match s {
        Scalar::Str(v) => !v.is_empty(),
        Scalar::Null | Scalar::Other | Scalar::Bool(_) => false,
        _ => true,
    })
}

/// True when the key is present with any value but `null` (the value is skipped unread).
fn non_null<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Option::<IgnoredAny>::deserialize(d).map(|v| v.is_some())
}

/// A nested object decoded leniently: anything that is not an object becomes `None`.
fn object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    Item::<T>::deserialize(d).map(Item::into_option)
}

/// A list of scalars as text (a single scalar becomes a one-item list).
fn text_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of strings")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
            let mut out = Vec::new();
            while let Some(s) = seq.next_element::<Scalar>()? {
                if let Some(t) = s.into_text() {
                    out.push(t);
                }
            }
            Ok(out)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<String>, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(Vec::new())
        }
        fn visit_str<E>(self, v: &str) -> Result<Vec<String>, E> {
            Ok(Scalar::Str(v.to_owned()).into_text().into_iter().collect())
        }
        fn visit_i64<E>(self, v: i64) -> Result<Vec<String>, E> {
            Ok(vec![v.to_string()])
        }
        fn visit_u64<E>(self, v: u64) -> Result<Vec<String>, E> {
            Ok(vec![v.to_string()])
        }
        fn visit_f64<E>(self, _: f64) -> Result<Vec<String>, E> {
            Ok(Vec::new())
        }
        fn visit_bool<E>(self, _: bool) -> Result<Vec<String>, E> {
            Ok(Vec::new())
        }
        fn visit_unit<E>(self) -> Result<Vec<String>, E> {
            Ok(Vec::new())
        }
        fn visit_none<E>(self) -> Result<Vec<String>, E> {
            Ok(Vec::new())
        }
    }
    d.deserialize_any(V)
}

/// `domain` as a name string, a domain object (`domain` or `name` key) or null.
fn domain_ref<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a domain name or object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<String>, A::Error> {
            let mut domain = None;
            let mut name = None;
            while let Some(key) = map.next_key::<Scalar>()? {
                match key {
                    Scalar::Str(k) if k == "domain" => {
                        domain = map.next_value::<Scalar>()?.into_text()
                    }
                    Scalar::Str(k) if k == "name" => name = map.next_value::<Scalar>()?.into_text(),
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(domain.or(name))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<String>, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_str<E>(self, v: &str) -> Result<Option<String>, E> {
            Ok(Scalar::Str(v.to_owned()).into_text())
        }
        fn visit_i64<E>(self, v: i64) -> Result<Option<String>, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Option<String>, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_f64<E>(self, _: f64) -> Result<Option<String>, E> {
            Ok(None)
        }
        fn visit_bool<E>(self, _: bool) -> Result<Option<String>, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Option<String>, E> {
            Ok(None)
        }
        fn visit_none<E>(self) -> Result<Option<String>, E> {
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

/// A list of objects decoded leniently: items that are not objects are dropped, and a
/// value that is not a list becomes an empty list.
fn object_list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    struct V<T>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of objects")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::new();
            while let Some(item) = seq.next_element::<Item<T>>()? {
                if let Item::Ok(t) = item {
                    out.push(t);
                }
            }
            Ok(out)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<T>, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(Vec::new())
        }
        scalars_give!(Vec::new());
    }
    d.deserialize_any(V(PhantomData))
}

/// `aliases[]` of a domain (only the alias name is kept).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct DomainAlias {
    #[serde(deserialize_with = "text")]
    pub alias: Option<String>,
}
