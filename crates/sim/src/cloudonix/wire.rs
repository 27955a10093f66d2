//! Rendering of the simulated objects as Cloudonix wire JSON (providers.md §1.6–1.8),
//! quirks included.

use serde_json::{Map, Value, json};

use crate::traffic::{Outcome, Phase};

use super::state::{
    App, CallKind, Customer, Dnid, Domain, DomainField, Session, Subscriber, Trunk,
};

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `2024-05-09T12:42:51Z` (whole seconds, like the spec examples).
pub(crate) fn iso(ms: u64) -> String {
    let secs = (ms / 1000) as i64;
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// `2024-05-09` (UTC).
pub(crate) fn date(ms: u64) -> String {
    let (y, mo, d) = civil_from_days(((ms / 1000) as i64).div_euclid(86_400));
    format!("{y:04}-{mo:02}-{d:02}")
}

pub(crate) fn customer(c: &Customer) -> Value {
    json!({
        "id": c.id,
        "name": c.name,
        "uuid": c.uuid,
        "profile": {"contact-name": "Alex Rivera", "contact-email": "noc@acme.example"},
        "active": true,
        "createdAt": iso(c.created_ms),
        "modifiedAt": iso(c.created_ms + 86_400_000),
        "deletedAt": null,
        "settings": {},
    })
}

/// The short domain object nested in trunks.
fn domain_brief(d: &Domain, tenant_id: u64) -> Value {
    json!({
        "id": d.id,
        "tenantId": tenant_id,
        "domain": d.name,
        "uuid": d.uuid,
        "active": true,
    })
}

pub(crate) fn domain(d: &Domain, c: &Customer) -> Value {
    json!({
        "id": d.id,
        "tenantId": c.id,
        "domain": d.name,
        "active": true,
        "uuid": d.uuid,
        "createdAt": iso(d.created_ms),
        "modifiedAt": iso(d.created_ms + 3 * 86_400_000),
        "deletedAt": null,
        "defaultApplication": d.default_app,
        "registrationFree": d.registration_free,
        "profile": {"call-timeout": 60, "recording-media-type": "mp3"},
        "application": d.app(d.default_app).map(app).unwrap_or(Value::Null),
        "aliases": [{
            "id": d.id * 10 + 1,
            "domainId": d.id,
            "alias": d.name.split('.').next().unwrap_or(&d.name),
            "active": true,
            "type": "main",
            "createdAt": iso(d.created_ms),
            "modifiedAt": iso(d.created_ms),
            "deletedAt": null,
        }],
        "tenant": customer(c),
    })
}

pub(crate) fn trunk(t: &Trunk, d: &Domain, tenant_id: u64) -> Value {
    json!({
        "id": t.id,
        "tenantId": tenant_id,
        "domainId": d.id,
        "name": t.name,
        "uuid": t.uuid,
        "ip": t.ip,
        "port": if t.port_as_string { json!(t.port.to_string()) } else { json!(t.port) },
        "transport": t.transport,
        "prefix": t.prefix,
        "direction": t.direction,
        "profile": {
            "authentication": {
                "username": t.username,
                "password": t.password,
                "overwrite-from": t.overwrite_from,
            }
        },
        "active": t.active,
        "createdAt": iso(t.created_ms),
        "modifiedAt": iso(t.modified_ms),
        "deletedAt": null,
        "metric": t.metric,
        "allowGlobal": t.allow_global,
        "globalPrefix": t.global_prefix,
        "domain": domain_brief(d, tenant_id),
    })
}

pub(crate) fn app(a: &App) -> Value {
    json!({
        "id": a.id,
        "name": a.name,
        "uuid": a.uuid,
        "profile": a.profile,
        "type": a.kind,
        "url": a.url,
        "method": a.method,
        "active": a.active,
        "createdAt": iso(a.created_ms),
        "modifiedAt": iso(a.modified_ms),
        "deletedAt": null,
        "llm-tools": [],
    })
}

/// An application as listed under its domain (with `domainId`).
pub(crate) fn app_in(a: &App, d: &Domain) -> Value {
    let mut v = app(a);
    if let Value::Object(m) = &mut v {
        m.insert("domainId".into(), json!(d.id));
    }
    v
}

pub(crate) fn dnid(n: &Dnid, d: &Domain) -> Value {
    json!({
        "id": n.id,
        "domainId": d.id,
        "applicationId": n.application_id,
        "messagingApplicationId": n.messaging_application_id,
        "active": n.active,
        "dnid": n.dnid,
        "source": n.source,
        "global": n.global,
        "expression": n.expression,
        "prefix": n.prefix,
        "asteriskCompatible": n.asterisk,
        "createdAt": iso(n.created_ms),
        "modifiedAt": iso(n.modified_ms),
        "deletedAt": null,
        "application": d.app(n.application_id).map(|a| app_in(a, d)).unwrap_or(Value::Null),
    })
}

pub(crate) fn subscriber(s: &Subscriber, d: &Domain) -> Value {
    json!({
        "id": s.id,
        "domainId": d.id,
        "msisdn": s.msisdn,
        "uuid": s.uuid,
        "active": s.active,
        "sipPassword": s.sip_password,
        "createdAt": iso(s.created_ms),
        "modifiedAt": iso(s.modified_ms),
        "deletedAt": null,
        "profile": {},
    })
}

fn status_word(s: &Session, phase: Phase) -> &'static str {
    let q = &s.quirks;
    match phase {
        Phase::New if q.upper_new => "NEW",
        Phase::New => "new",
        Phase::Processing => "processing",
        Phase::Ringing if q.title_ringing => "Ringing",
        Phase::Ringing => "ringing",
        Phase::Connected if q.answer_word => "answer",
        Phase::Connected => "connected",
        Phase::Ended(Outcome::Completed) if q.connected_after_end => "connected",
        Phase::Ended(Outcome::Completed) => "completed",
        Phase::Ended(Outcome::NoAnswer) => "noanswer",
        Phase::Ended(Outcome::Busy) => "busy",
        Phase::Ended(Outcome::Cancel) => "cancel",
        Phase::Ended(Outcome::Error) => "error",
    }
}

/// A session as seen at `now_ms`.
pub(crate) fn session(s: &Session, d: &Domain, now_ms: u64) -> Value {
    let q = &s.quirks;
    let plan = &s.plan;
    let phase = plan.phase_at(now_ms);
    let epoch = |ms: u64| {
        if q.times_as_strings {
            json!(ms.to_string())
        } else {
            json!(ms)
        }
    };
    let answer = plan.answered_by(now_ms);
    let end = (plan.end_ms <= now_ms).then_some(plan.end_ms);
    let mut m = Map::new();
    m.insert("id".into(), json!(s.id));
    m.insert("domainId".into(), json!(d.id));
    match q.domain_field {
        DomainField::Name => {
            m.insert("domain".into(), json!(d.name));
        }
        DomainField::Null => {
            m.insert("domain".into(), Value::Null);
        }
        DomainField::Absent => {}
    }
    if s.kind == CallKind::SubscriberOut {
        m.insert("outgoingSubscriberId".into(), json!(s.subscriber_id));
    }
    m.insert("subscriberId".into(), json!(s.subscriber_id));
    m.insert("destination".into(), json!(s.destination));
    m.insert("callerId".into(), json!(s.caller_id));
    // Real captures of trunk-inbound and subscriber sessions carry no `direction` at all
    // (providers.md §1.7): every other such session here leaves it out, so the console
    // has to read the direction from the profile and `outgoingSubscriberId`.
    let origin_shown = match s.kind {
        CallKind::Inbound => s.trunk.is_some(),
        CallKind::SubscriberOut => true,
        _ => false,
    };
    let bare = origin_shown && s.id.is_multiple_of(2);
    if !bare {
        m.insert("direction".into(), json!(s.direction));
    }
    m.insert("token".into(), json!(s.token));
    m.insert("createdAt".into(), json!(iso(plan.start_ms)));
    m.insert("modifiedAt".into(), json!(iso(plan.last_change(now_ms))));
    m.insert("timeLimit".into(), json!(0));
    m.insert("status".into(), json!(status_word(s, phase)));
    m.insert("vappServer".into(), json!(s.vapp_server));
    m.insert("callStartTime".into(), epoch(plan.start_ms));
    let optional = |m: &mut Map<String, Value>, name: &str, v: Option<Value>| match v {
        Some(v) => {
            m.insert(name.into(), v);
        }
        None if q.omit_unset_times => {}
        None => {
            m.insert(name.into(), Value::Null);
        }
    };
    optional(&mut m, "callAnswerTime", answer.map(epoch));
    optional(&mut m, "callEndTime", end.map(epoch));
    m.insert("startTime".into(), json!(iso(plan.start_ms)));
    m.insert(
        "answerTime".into(),
        answer.map_or(Value::Null, |a| json!(iso(a))),
    );
    m.insert("endTime".into(), end.map_or(Value::Null, |e| json!(iso(e))));
    let mut profile = Map::new();
    match (&s.kind, &s.trunk) {
        (CallKind::Inbound, Some((id, name))) => {
            profile.insert(
                "trunk-sip-headers".into(),
                json!({"A2B-CLID": s.caller_id, "A2B-DNID": s.destination}),
            );
            profile.insert("inbound-trunk-name".into(), json!(name));
            profile.insert("inbound-trunk-id".into(), json!(id));
        }
        (CallKind::SubscriberOut, _) => {
            profile.insert(
                "subscriber-sip-headers".into(),
                json!({
                    "Cloudonix-Origin": "subscriber",
                    "Cloudonix-Domain": d.name,
                    "Cloudonix-Timestamp": (plan.start_ms / 1000).to_string(),
                }),
            );
        }
        _ => {}
    }
    profile.insert("callId".into(), json!([s.call_id]));
    m.insert("profile".into(), Value::Object(profile));
    if let Some(url) = &s.url {
        m.insert("url".into(), json!(url));
    }
    if phase == Phase::Ended(Outcome::Error) {
        m.insert("lastError".into(), json!("SIP 503 Service Unavailable"));
    }
    m.insert("callIds".into(), json!([s.call_id]));
    m.insert("ringing".into(), json!(phase == Phase::Ringing));
    m.insert("domainNameOrId".into(), json!(d.name));
    Value::Object(m)
}

/// Sessions newest first, at most `cap`, optionally filtered.
pub(crate) fn session_list(
    d: &Domain,
    now_ms: u64,
    cap: usize,
    keep: impl Fn(&Session) -> bool,
) -> Value {
    Value::Array(
        d.sessions
            .iter()
            .rev()
            .filter(|s| s.plan.start_ms <= now_ms && keep(s))
            .take(cap)
            .map(|s| session(s, d, now_ms))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_times() {
        assert_eq!(iso(1_715_258_571_000), "2024-05-09T12:42:51Z");
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(date(1_709_208_000_000), "2024-02-29");
    }
}
