//! Callable wire types (providers.md §4.4) and their tolerant decoders. Every decoder is
//! total: bad JSON is a [`ProviderError::Decode`], a list item of the wrong shape is
//! skipped, a missing or mistyped field becomes empty. Unknown fields are ignored.

use base64::Engine;
use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Map, Value};

use crate::providers::{ProviderError, lenient};

/// The token endpoint's answer (sign-in and refresh alike).
#[derive(Debug, Clone, PartialEq)]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: Option<String>,
    /// Seconds; None when absent.
    pub expires_in: Option<u64>,
    pub refresh_expires_in: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct IdName {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AccountDetail {
    pub id: String,
    pub name: String,
    /// Main billing number (E.164 without `+`).
    pub mbn: String,
    pub domain: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Address {
    pub line1: String,
    pub line2: String,
    pub level1: String,
    pub level2: String,
    pub postal_code: String,
    pub country: String,
}

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Trunk {
    pub id: String,
    pub ip: String,
    pub port: Option<u16>,
    pub vendor: String,
    pub caller_format: String,
    pub called_format: String,
    pub description: String,
    pub zone: String,
    pub country_code: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Hook {
    pub id: String,
    pub app: String,
    pub url: String,
    pub auth_type: String,
    pub method: String,
    pub priority: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct SipGateway {
    pub trunks: Vec<String>,
    pub on_complete: String,
    pub on_fail: String,
    pub on_no_answer: String,
    pub on_busy: String,
    pub ring_time: Option<i64>,
    pub max_call_time: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct StartRoute {
    pub ddis: Vec<String>,
    pub connect_to: String,
}

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Device {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub extension: String,
    pub sip_gateway: Option<SipGateway>,
    pub start_route: Option<StartRoute>,
    /// The device as read: an update sends it back with only the edited fields changed,
    /// so fields the console does not show (`record`, `present` …) are kept.
    pub raw: Value,
}

/// A live call (providers.md §4.5 PROPOSAL: not documented by Callable).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VoiceCall {
    pub id: String,
    pub caller_id: String,
    /// The dialled target in readable form (`+4412…`, `ext 604`, `sip:…`).
    pub target: String,
    pub state: String,
    pub started_at: String,
    pub answered_at: String,
    /// `endedAt` when the listing carries one (a channel that says it has ended).
    pub ended_at: String,
    /// `direction` when the listing carries one; channels are otherwise the calls
    /// `POST …/channels/voice` placed.
    pub direction: String,
}

fn parse(body: &[u8]) -> Result<Value, ProviderError> {
    serde_json::from_slice(body).map_err(|e| {
        ProviderError::Decode(format!(
            "not JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })
}

fn object(body: &[u8], what: &str) -> Result<Map<String, Value>, ProviderError> {
    match parse(body)? {
        Value::Object(m) => Ok(m),
        _ => Err(ProviderError::Unexpected(format!(
            "{what}: expected a JSON object"
        ))),
    }
}

/// A bare array, or an object wrapping one (`{"data": [...]}`, `{"items": [...]}`).
fn array(body: &[u8], what: &str) -> Result<Vec<Map<String, Value>>, ProviderError> {
    let items = match parse(body)? {
        Value::Array(a) => a,
        Value::Object(mut m) => match ["data", "items", "content", "results"]
            .iter()
            .find_map(|k| match m.remove(*k) {
                Some(Value::Array(a)) => Some(a),
                _ => None,
            }) {
            Some(a) => a,
            None => {
                return Err(ProviderError::Unexpected(format!(
                    "{what}: expected a list, got {}",
                    crate::providers::shape::describe_keys(&m)
                )));
            }
        },
        _ => {
            return Err(ProviderError::Unexpected(format!(
                "{what}: expected a list"
            )));
        }
    };
    Ok(items
        .into_iter()
        .filter_map(|v| match v {
            Value::Object(m) => Some(m),
            _ => None,
        })
        .collect())
}

/// A string field; numbers and booleans are rendered, anything else is empty.
pub use lenient::text_at as text;

use lenient::int_at as int;

fn strings(m: &Map<String, Value>, key: &str) -> Vec<String> {
    match m.get(key) {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| match v {
                Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        Some(Value::String(s)) if !s.trim().is_empty() => vec![s.trim().to_owned()],
        _ => Vec::new(),
    }
}

fn sub<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a Map<String, Value>> {
    m.get(key).and_then(Value::as_object)
}

pub fn decode_token(body: &[u8]) -> Result<TokenResponse, ProviderError> {
    let m = object(body, "token response")?;
    let access_token = text(&m, "access_token");
    if access_token.is_empty() {
        return Err(ProviderError::Decode(
            "token response has no access_token".into(),
        ));
    }
    let refresh = text(&m, "refresh_token");
    let secs = |k| int(&m, k).and_then(|v| u64::try_from(v).ok());
    Ok(TokenResponse {
        access_token,
        refresh_token: (!refresh.is_empty()).then_some(refresh),
        expires_in: secs("expires_in"),
        refresh_expires_in: secs("refresh_expires_in"),
    })
}

/// The reason in a failed token or resource response: Keycloak's `error_description` /
/// `error`, or Spring's `message` / `error`. None when the body has none.
pub fn decode_error_message(body: &[u8]) -> Option<String> {
    let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(body) else {
        return None;
    };
    ["error_description", "message", "error"]
        .iter()
        .map(|k| text(&m, k))
        .find(|s| !s.is_empty())
}

pub fn decode_id_name(body: &[u8]) -> Result<IdName, ProviderError> {
    let m = object(body, "organisation")?;
    Ok(IdName {
        id: text(&m, "id"),
        name: text(&m, "name"),
    })
}

/// `GET /account` and `GET …/ddi`: `[{"id","name"}]`. Items without an id are skipped.
pub fn decode_id_names(body: &[u8]) -> Result<Vec<IdName>, ProviderError> {
    Ok(array(body, "list")?
        .into_iter()
        .map(|m| IdName {
            id: text(&m, "id"),
            name: text(&m, "name"),
        })
        .filter(|x| !x.id.is_empty())
        .collect())
}

pub fn decode_account(body: &[u8]) -> Result<AccountDetail, ProviderError> {
    let m = object(body, "account")?;
    Ok(AccountDetail {
        id: text(&m, "id"),
        name: text(&m, "name"),
        mbn: text(&m, "mbn"),
        domain: text(&m, "domain"),
    })
}

pub fn decode_address(body: &[u8]) -> Result<Address, ProviderError> {
    let m = object(body, "address")?;
    Ok(Address {
        line1: text(&m, "line1"),
        line2: text(&m, "line2"),
        level1: text(&m, "level1"),
        level2: text(&m, "level2"),
        postal_code: text(&m, "postalCode"),
        country: text(&m, "country"),
    })
}

fn trunk_of(m: &Map<String, Value>) -> Trunk {
    Trunk {
        id: text(m, "id"),
        ip: text(m, "ip"),
        port: int(m, "port").and_then(|p| u16::try_from(p).ok()),
        vendor: text(m, "vendor"),
        caller_format: text(m, "callerFormat"),
        called_format: text(m, "calledFormat"),
        description: text(m, "description"),
        zone: text(m, "zone"),
        country_code: text(m, "countryCode"),
    }
}

pub fn decode_trunks(body: &[u8]) -> Result<Vec<Trunk>, ProviderError> {
    Ok(array(body, "trunks")?
        .iter()
        .map(trunk_of)
        .filter(|t| !t.id.is_empty())
        .collect())
}

pub fn decode_trunk(body: &[u8]) -> Result<Trunk, ProviderError> {
    Ok(trunk_of(&object(body, "trunk")?))
}

fn hook_of(m: &Map<String, Value>) -> Hook {
    Hook {
        id: text(m, "id"),
        app: text(m, "app"),
        url: text(m, "url"),
        auth_type: text(m, "authType"),
        method: text(m, "method"),
        priority: int(m, "priority"),
    }
}

pub fn decode_hooks(body: &[u8]) -> Result<Vec<Hook>, ProviderError> {
    Ok(array(body, "hooks")?
        .iter()
        .map(hook_of)
        .filter(|h| !h.id.is_empty())
        .collect())
}

pub fn decode_hook(body: &[u8]) -> Result<Hook, ProviderError> {
    Ok(hook_of(&object(body, "hook")?))
}

fn device_of(m: &Map<String, Value>) -> Device {
    Device {
        id: text(m, "id"),
        kind: text(m, "type"),
        name: text(m, "name"),
        extension: text(m, "extension"),
        sip_gateway: sub(m, "sipGateway").map(|g| SipGateway {
            trunks: strings(g, "trunks"),
            on_complete: text(g, "onComplete"),
            on_fail: text(g, "onFail"),
            on_no_answer: text(g, "onNoAnswer"),
            on_busy: text(g, "onBusy"),
            ring_time: int(g, "ringTime"),
            max_call_time: int(g, "maxCallTime"),
        }),
        start_route: sub(m, "startRoute").map(|r| StartRoute {
            ddis: strings(r, "ddis"),
            connect_to: text(r, "connectTo"),
        }),
        raw: Value::Object(m.clone()),
    }
}

pub fn decode_devices(body: &[u8]) -> Result<Vec<Device>, ProviderError> {
    Ok(array(body, "devices")?
        .iter()
        .map(device_of)
        .filter(|d| !d.id.is_empty())
        .collect())
}

pub fn decode_device(body: &[u8]) -> Result<Device, ProviderError> {
    Ok(device_of(&object(body, "device")?))
}

/// A voice target (`phoneNumber`, `extension`, `sipUri`, `device`) in readable form.
pub fn target_text(v: Option<&Value>) -> String {
    let Some(Value::Object(t)) = v else {
        return match v {
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        };
    };
    if let Some(p) = sub(t, "phoneNumber") {
        return text(p, "number");
    }
    if let Some(e) = sub(t, "extension") {
        return format!("ext {}", text(e, "extension"));
    }
    for k in ["sipUri", "sipURI", "SipURI"] {
        if let Some(s) = sub(t, k) {
            let uri = text(s, "uri");
            return if uri.is_empty() {
                text(s, "sipUri")
            } else {
                uri
            };
        }
    }
    if let Some(d) = sub(t, "device") {
        let name = text(d, "name");
        return format!(
            "device {}",
            if name.is_empty() { text(d, "id") } else { name }
        );
    }
    String::new()
}

/// `GET …/channels/voice` (PROPOSAL, providers.md §4.5). Items without an id are skipped;
/// `id` may also come as `callId` or `uuid`.
pub fn decode_calls(body: &[u8]) -> Result<Vec<VoiceCall>, ProviderError> {
    Ok(array(body, "calls")?
        .iter()
        .map(|m| VoiceCall {
            id: ["id", "callId", "uuid"]
                .iter()
                .map(|k| text(m, k))
                .find(|s| !s.is_empty())
                .unwrap_or_default(),
            caller_id: text(m, "callerId"),
            target: target_text(m.get("target")),
            state: text(m, "state"),
            started_at: text(m, "startedAt"),
            answered_at: text(m, "answeredAt"),
            ended_at: text(m, "endedAt"),
            direction: text(m, "direction"),
        })
        .filter(|c| !c.id.is_empty())
        .collect())
}

/// The `id` of a create response body, when it has one (the proposal's `{"id"}`).
pub fn decode_created_id(body: &[u8]) -> Option<String> {
    let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(body) else {
        return None;
    };
    Some(text(&m, "id")).filter(|s| !s.is_empty())
}

/// Claims of a JWT read WITHOUT verifying its signature (display only: roles, expiry).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Claims {
    pub roles: Vec<String>,
    pub exp: Option<i64>,
    pub iat: Option<i64>,
    pub username: String,
}

/// Decodes a JWT's payload (base64url, padding tolerated). None for anything that is not
/// a three-part token with a JSON object payload.
pub fn decode_jwt_claims(token: &str) -> Option<Claims> {
    let mut parts = token.trim().split('.');
    let (_h, p, _s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    // Lenient: padding or not, non-zero trailing bits tolerated (display only).
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &URL_SAFE,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let bytes = LENIENT.decode(p).ok()?;
    let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(&bytes) else {
        return None;
    };
    Some(Claims {
        roles: sub(&m, "realm_access")
            .map(|r| strings(r, "roles"))
            .unwrap_or_default(),
        exp: int(&m, "exp"),
        iat: int(&m, "iat"),
        username: text(&m, "preferred_username"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    #[test]
    fn jwt_claims_of_the_documents_refresh_token_header_only_are_none() {
        // The document's tokens are truncated ("…"), so they do not decode.
        assert_eq!(decode_jwt_claims("eyJhbGciOiJIUzI1NiJ9.eyJleH..."), None);
        assert_eq!(decode_jwt_claims("not a token"), None);
        let payload =
            URL_SAFE_NO_PAD.encode(br#"{"exp":5,"realm_access":{"roles":["VoiceChannel"]}}"#);
        let c = decode_jwt_claims(&format!("h.{payload}.s")).expect("claims");
        assert_eq!(c.roles, vec!["VoiceChannel"]);
        assert_eq!(c.exp, Some(5));
        // Padded payloads decode too.
        let padded = base64::engine::general_purpose::URL_SAFE.encode(br#"{"iat":12}"#);
        assert!(padded.ends_with('='));
        let c = decode_jwt_claims(&format!("h.{padded}.s")).expect("padded");
        assert_eq!(c.iat, Some(12));
    }

    #[test]
    fn error_messages_prefer_keycloak_description() {
        let b = br#"{"error":"invalid_grant","error_description":"Invalid user credentials"}"#;
        assert_eq!(
            decode_error_message(b).as_deref(),
            Some("Invalid user credentials")
        );
        assert_eq!(decode_error_message(b"<html>"), None);
    }
}
