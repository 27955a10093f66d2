//! Cloudonix wire types → the provider-neutral model.
//!
//! Everything here is pure: no I/O, no clock. Extras are flattened to short text; trunk
//! passwords are only ever shown as `****`; URLs lose their user-info and query strings.

use crate::model::ProviderId;
use crate::model::{Account, AccountKind, Call, CallState, Direction, FieldsBuilder, Number};
use crate::model::{QueueStat, Trunk};

use super::wire;
use crate::providers::http;

/// Longest extra value shown in the details panel (chars).
const EXTRA_MAX: usize = 120;

fn push(extra: &mut FieldsBuilder, key: &'static str, value: Option<&str>) {
    if let Some(v) = value {
        let v = v.trim();
        if !v.is_empty() {
            extra.push(key, crate::format::truncate_chars(v, EXTRA_MAX));
        }
    }
}

fn push_flag(extra: &mut FieldsBuilder, key: &'static str, value: Option<bool>) {
    if let Some(b) = value {
        extra.push(key, if b { "yes" } else { "no" });
    }
}

fn push_int(extra: &mut FieldsBuilder, key: &'static str, value: Option<i64>) {
    if let Some(v) = value {
        extra.push(key, v.to_string());
    }
}

/// sngrep-style call state from a Cloudonix session `status`: any casing, and `-`, `_`
/// or spaces inside the word ignored (`NEW`, `Ringing`, `no_answer`, `IN-PROGRESS`).
pub fn call_state(status: &str) -> CallState {
    let s = status.trim();
    let word: String = s
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    match word.as_str() {
        "new" | "processing" | "trying" | "dialing" | "dialling" | "queued" => CallState::Setup,
        "ringing" | "early" => CallState::Ringing,
        "connected" | "answer" | "answered" | "inprogress" => CallState::InCall,
        // Handed to an external leg / trunk and still up: the caller is in a call.
        "external" => CallState::InCall,
        "completed" | "complete" | "hangup" => CallState::Completed,
        "busy" => CallState::Busy,
        "noanswer" => CallState::NoAnswer,
        "cancel" | "cancelled" | "canceled" => CallState::Cancelled,
        "denied" | "rejected" => CallState::Rejected,
        "error" | "nocredit" | "failed" | "congestion" => CallState::Failed,
        _ => CallState::Unknown(s.to_owned()),
    }
}

/// Direction from Cloudonix's free-form `direction` (any casing): the shared normaliser.
pub fn direction(raw: &str) -> Direction {
    Direction::from_text(raw)
}

/// A session's direction: its `direction` field when that names one; else what the
/// session shows of its origin: an inbound trunk in its profile (`inbound-trunk-name` /
/// `inbound-trunk-id`) came in over a trunk, an `outgoingSubscriberId` or the
/// subscriber's SIP headers (`subscriber-sip-headers`) mean a subscriber placed it.
pub fn session_direction(s: &wire::Session) -> Direction {
    let said = direction(s.direction.as_deref().unwrap_or(""));
    if said != Direction::Unknown {
        return said;
    }
    let profile = s.profile.as_ref();
    if profile.is_some_and(|p| p.inbound_trunk_name.is_some() || p.inbound_trunk_id.is_some()) {
        return Direction::Inbound;
    }
    if s.outgoing_subscriber_id.is_some() || profile.is_some_and(|p| p.subscriber_sip_headers) {
        return Direction::Outbound;
    }
    Direction::Unknown
}

/// Whether a session is live: not ended and not in a final state.
fn is_live(state: &CallState, ended: bool) -> bool {
    !ended && (state.is_live() || matches!(state, CallState::Unknown(_)))
}

/// Maps one session. Returns the call and whether it belongs to the live table.
pub fn map_session(provider: ProviderId, domain: &str, s: wire::Session) -> (Call, bool) {
    let started = s.call_start_time.or(s.start_time).or(s.created_at);
    let answered = s.call_answer_time.or(s.answer_time);
    let ended_at = s.call_end_time.or(s.end_time);
    let ended = ended_at.is_some();

    let raw_status = s.status.as_deref().map(str::trim).unwrap_or("");
    let mut state = if raw_status.is_empty() {
        // No status: infer what we can from the times.
        if ended {
            if answered.is_some() {
                CallState::Completed
            } else {
                CallState::Unknown(String::new())
            }
        } else if answered.is_some() {
            CallState::InCall
        } else if s.ringing == Some(true) {
            CallState::Ringing
        } else {
            CallState::Setup
        }
    } else {
        call_state(raw_status)
    };
    // An end time with a live-looking status: the session finished without a final status.
    if ended && state.is_live() {
        state = if answered.is_some() {
            CallState::Completed
        } else {
            CallState::Unknown(raw_status.to_ascii_lowercase())
        };
    }
    let live = is_live(&state, ended);

    let dir = session_direction(&s);

    let mut extra = FieldsBuilder::with_capacity(384);
    push(&mut extra, "status", s.status.as_deref());
    push(&mut extra, "direction", s.direction.as_deref());
    push(&mut extra, "session id", s.id.as_deref());
    push(&mut extra, "domain id", s.domain_id.as_deref());
    // The row's account is the domain polled: repeat it only when the session says
    // otherwise (10,000 live rows would each carry a copy).
    push(
        &mut extra,
        "domain",
        s.domain
            .as_deref()
            .or(s.domain_name_or_id.as_deref())
            .filter(|d| !d.trim().eq_ignore_ascii_case(domain)),
    );
    push(&mut extra, "subscriber", s.subscriber_id.as_deref());
    push(
        &mut extra,
        "outgoing subscriber",
        s.outgoing_subscriber_id.as_deref(),
    );
    push(&mut extra, "vapp server", s.vapp_server.as_deref());
    if let Some(p) = &s.profile {
        push(&mut extra, "inbound trunk", p.inbound_trunk_name.as_deref());
        push(
            &mut extra,
            "inbound trunk id",
            p.inbound_trunk_id.as_deref(),
        );
        push(
            &mut extra,
            "outbound trunk",
            p.outbound_trunk_name.as_deref(),
        );
        push(
            &mut extra,
            "outbound trunk id",
            p.outbound_trunk_id.as_deref(),
        );
    }
    let sip_call_id = s
        .call_ids
        .first()
        .or_else(|| s.profile.as_ref().and_then(|p| p.call_id.first()));
    push(&mut extra, "sip call-id", sip_call_id.map(String::as_str));
    if let Some(t) = s.time_limit.filter(|t| *t > 0) {
        extra.push("time limit", format!("{t} s"));
    }
    push_flag(&mut extra, "ringing", s.ringing);
    if let Some(u) = &s.url {
        push(&mut extra, "url", Some(&http::display_url(u)));
    }
    if let Some(u) = &s.callback {
        push(&mut extra, "callback", Some(&http::display_url(u)));
    }
    push(
        &mut extra,
        "error",
        s.last_error.as_deref().or(s.error.as_deref()),
    );

    // One buffer of exactly the fields' size per row (issue 14's scale bench).
    let extra = extra.finish();
    let id = s.token.or(s.id).unwrap_or_default();
    let call = Call {
        provider,
        account: domain.to_owned().into(),
        account_name: Default::default(),
        id: id.into(),
        from: shown_number(&s.caller_id.unwrap_or_default()).into(),
        to: shown_number(&s.destination.unwrap_or_default()).into(),
        direction: dir,
        state,
        started_at_ms: started,
        answered_at_ms: answered,
        ended_at_ms: ended_at,
        extra,
    };
    (call, live)
}

/// Maps a sessions list into `(live, history)`.
pub fn map_sessions(
    provider: ProviderId,
    domain: &str,
    sessions: Vec<wire::Session>,
) -> (Vec<Call>, Vec<Call>) {
    let mut sink = SessionSink::new(provider, domain, None);
    for s in sessions {
        wire::ListSink::item(&mut sink, s);
    }
    sink.finish()
}

/// Maps sessions as the decoder hands them over (see [`wire::decode_each`]), keeping at
/// most `history_cap` ended sessions (the newest by end, else start): the list holds
/// every session the domain ever had, and a console needs only the newest of them.
pub struct SessionSink<'a> {
    provider: ProviderId,
    domain: &'a str,
    cap: Option<usize>,
    live: Vec<Call>,
    history: Vec<Call>,
}

impl<'a> SessionSink<'a> {
    pub fn new(provider: ProviderId, domain: &'a str, history_cap: Option<usize>) -> Self {
        SessionSink {
            provider,
            domain,
            cap: history_cap,
            live: Vec::new(),
            history: Vec::new(),
        }
    }

    /// `(live, history)`, history cut to the cap.
    pub fn finish(mut self) -> (Vec<Call>, Vec<Call>) {
        if let Some(cap) = self.cap {
            crate::retention::keep_newest(&mut self.history, cap);
        }
        (self.live, self.history)
    }
}

impl wire::ListSink<wire::Session> for SessionSink<'_> {
    fn item(&mut self, s: wire::Session) {
        let (call, is_live) = map_session(self.provider, self.domain, s);
        if is_live {
            self.live.push(call);
            return;
        }
        self.history.push(call);
        // Cut back to the cap whenever a quarter more piled up: memory stays within
        // 1.25 × cap rows, at O(1) amortised cost per row (a linear select per cap/4).
        if let Some(cap) = self.cap
            && self.history.len() >= cap.saturating_add(cap / 4).max(1)
        {
            crate::retention::keep_newest(&mut self.history, cap);
        }
    }
    fn restart(&mut self) {
        self.live.clear();
        self.history.clear();
    }
}

/// Maps a trunk. The password is never copied: `auth password` is `****` when set.
pub fn map_trunk(provider: ProviderId, domain: &str, t: wire::Trunk) -> Trunk {
    let mut extra = FieldsBuilder::with_capacity(288);
    push(&mut extra, "uuid", t.uuid.as_deref());
    push(&mut extra, "domain id", t.domain_id.as_deref());
    if let Some(auth) = t.profile.as_ref().and_then(|p| p.authentication.as_ref()) {
        push(&mut extra, "auth user", auth.username.as_deref());
        if auth.password_set {
            extra.push("auth password", "****");
        }
        push_flag(&mut extra, "overwrite from", auth.overwrite_from);
    }
    push_int(&mut extra, "metric", t.metric);
    push_flag(&mut extra, "allow global", t.allow_global);
    push(&mut extra, "global prefix", t.global_prefix.as_deref());
    push(&mut extra, "created", t.created_at.as_deref());
    push(&mut extra, "modified", t.modified_at.as_deref());

    let id = t.id.or(t.uuid).unwrap_or_default();
    Trunk {
        provider,
        account: domain.to_owned(),
        account_name: Default::default(),
        name: t.name.unwrap_or_else(|| id.clone()),
        id,
        host: t.ip.unwrap_or_default(),
        port: t.port,
        transport: t.transport.unwrap_or_default(),
        direction: t.direction.unwrap_or_default(),
        prefix: t.prefix.unwrap_or_default(),
        active: t.active,
        extra: extra.finish(),
    }
}

pub fn map_trunks(provider: ProviderId, domain: &str, trunks: Vec<wire::Trunk>) -> Vec<Trunk> {
    trunks
        .into_iter()
        .map(|t| map_trunk(provider, domain, t))
        .collect()
}

/// Maps DNIDs into numbers. `target` is the application name (from `apps`, else the
/// embedded application object), else `app #<id>`.
/// How Cloudonix numbers are shown: it sends E.164 without `+` (`13815249695`) beside
/// extensions (`1004`) and DNID patterns (`123[4-7]`); 8 to 15 digits get their `+`.
pub const SHOWN: crate::phone::Rules = crate::phone::Rules {
    display_plus_from: 8,
    ..super::forms::PHONE
};

/// A number Cloudonix sent, in the one format every pane shows.
pub fn shown_number(raw: &str) -> String {
    crate::phone::display(raw, &SHOWN)
}

pub fn map_dnids(
    provider: ProviderId,
    domain: &str,
    dnids: Vec<wire::Dnid>,
    apps: &[wire::Application],
) -> Vec<Number> {
    dnids
        .into_iter()
        .map(|d| map_dnid(provider, domain, d, apps))
        .collect()
}

pub fn map_dnid(
    provider: ProviderId,
    domain: &str,
    d: wire::Dnid,
    apps: &[wire::Application],
) -> Number {
    let app_id = d
        .application_id
        .clone()
        .or_else(|| d.application.as_ref().and_then(|a| a.id.clone()));
    let by_id = app_id.as_deref().and_then(|id| {
        apps.iter()
            .find(|a| a.id.as_deref() == Some(id))
            .and_then(|a| a.name.clone())
    });
    let embedded = d.application.as_ref().and_then(|a| a.name.clone());
    let target = by_id
        .or(embedded)
        .or_else(|| app_id.as_ref().map(|id| format!("app #{id}")))
        .unwrap_or_default();

    let mut extra = FieldsBuilder::with_capacity(240);
    push(&mut extra, "dnid regex", d.dnid.as_deref());
    push(&mut extra, "application id", app_id.as_deref());
    push(
        &mut extra,
        "messaging app id",
        d.messaging_application_id.as_deref(),
    );
    push_flag(&mut extra, "prefix", d.prefix);
    push_flag(&mut extra, "expression", d.expression);
    push_flag(&mut extra, "asterisk compatible", d.asterisk_compatible);
    push_flag(&mut extra, "global", d.global);
    push(&mut extra, "domain id", d.domain_id.as_deref());

    let id = d.id.unwrap_or_default();
    let sent = d.source.or(d.dnid).unwrap_or_else(|| format!("dnid #{id}"));
    let number = shown_number(&sent);
    if number != sent {
        extra.push(crate::model::NUMBER_AS_SENT, sent);
    }
    Number {
        provider,
        account: domain.to_owned(),
        account_name: Default::default(),
        id,
        number,
        target,
        active: d.active,
        extra: extra.finish(),
    }
}

/// The customer account. `id` = customer name, else numeric id, else `fallback`.
pub fn map_customer(provider: ProviderId, c: wire::Customer, fallback: &str) -> Account {
    let mut extra = FieldsBuilder::with_capacity(144);
    push(&mut extra, "id", c.id.as_deref());
    push(&mut extra, "uuid", c.uuid.as_deref());
    push(&mut extra, "created", c.created_at.as_deref());
    if let Some(p) = &c.profile {
        push(&mut extra, "contact", p.contact_name.as_deref());
        push(&mut extra, "contact email", p.contact_email.as_deref());
    }
    let id = c
        .name
        .clone()
        .or(c.id)
        .unwrap_or_else(|| fallback.to_owned());
    Account {
        provider,
        name: c.name.unwrap_or_else(|| id.clone()),
        id,
        parent: None,
        kind: AccountKind::Customer,
        active: c.active,
        extra: extra.finish(),
    }
}

/// One domain account. `id` = domain name (else numeric id).
pub fn map_domain(provider: ProviderId, parent: Option<&str>, d: wire::Domain) -> Account {
    let mut extra = FieldsBuilder::with_capacity(240);
    push(&mut extra, "id", d.id.as_deref());
    push(&mut extra, "uuid", d.uuid.as_deref());
    push(&mut extra, "customer id", d.tenant_id.as_deref());
    push_flag(&mut extra, "registration free", d.registration_free);
    let default_app = d
        .application
        .as_ref()
        .and_then(|a| a.name.clone())
        .or_else(|| {
            d.default_application
                .as_ref()
                .map(|id| format!("app #{id}"))
        });
    push(&mut extra, "default application", default_app.as_deref());
    let aliases: Vec<&str> = d
        .aliases
        .iter()
        .filter_map(|a| a.alias.as_deref())
        .collect();
    if !aliases.is_empty() {
        push(&mut extra, "aliases", Some(&aliases.join(", ")));
    }
    push(&mut extra, "created", d.created_at.as_deref());
    push(&mut extra, "modified", d.modified_at.as_deref());
    push(&mut extra, "deleted", d.deleted_at.as_deref());

    let id = d.domain.or(d.id).or(d.uuid).unwrap_or_default();
    Account {
        provider,
        name: id.clone(),
        id,
        parent: parent.map(str::to_owned),
        kind: AccountKind::Domain,
        active: d.active,
        extra: extra.finish(),
    }
}

pub fn map_domains(
    provider: ProviderId,
    parent: Option<&str>,
    domains: Vec<wire::Domain>,
) -> Vec<Account> {
    domains
        .into_iter()
        .map(|d| map_domain(provider, parent, d))
        .filter(|a| !a.id.is_empty())
        .collect()
}

fn to_u32(v: Option<i64>) -> Option<u32> {
    v.and_then(|v| u32::try_from(v).ok())
}

/// The concurrency row of the Queues pane.
pub fn map_current_calls(
    provider: ProviderId,
    customer: &str,
    report: wire::CurrentCalls,
) -> Vec<QueueStat> {
    let mut stat = QueueStat {
        provider,
        account: customer.to_owned(),
        account_name: Default::default(),
        name: customer.to_owned(),
        kind: "concurrency".to_owned(),
        ..QueueStat::default()
    };
    let mut extra = FieldsBuilder::new();
    match report {
        wire::CurrentCalls::Series(points) => {
            // The most recent sample: greatest date (ISO dates sort as text); ties and
            // missing dates keep list order, so the last element wins.
            let latest = points
                .iter()
                .enumerate()
                .max_by(|(ia, a), (ib, b)| a.date.cmp(&b.date).then(ia.cmp(ib)))
                .map(|(_, p)| p);
            if let Some(p) = latest {
                stat.active = to_u32(p.concurrency);
                stat.total = to_u32(p.count);
                push(&mut extra, "date", p.date.as_deref());
            }
            stat.max_concurrency = to_u32(points.iter().filter_map(|p| p.concurrency).max());
            if points.len() > 1 {
                extra.push("samples", points.len().to_string());
            }
        }
        wire::CurrentCalls::Report(r) => {
            stat.active = to_u32(r.current_calls);
            stat.total = to_u32(r.count_total);
            stat.max_concurrency = to_u32(r.concurrency_max);
            push_int(&mut extra, "subscribers", r.subscribers_total);
            push_int(&mut extra, "subscribers active", r.subscribers_active);
            if let Some(b) = &r.billing_plan {
                push(
                    &mut extra,
                    "billing period start",
                    b.period_start.as_deref(),
                );
                push(&mut extra, "billing period end", b.period_end.as_deref());
            }
        }
    }
    stat.extra = extra.finish();
    vec![stat]
}

/// Subscribers listed one by one in a domain's details (more are only counted).
pub const SUBSCRIBERS_LISTED: usize = 100;

/// Subscriber counts of a domain, as fields for its account row, then one field per
/// subscriber (`subscriber <msisdn>`: active or inactive, created), the view the
/// subscriber commands name their subscriber from. The SIP password is never decoded.
pub fn map_subscribers(subs: &[wire::Subscriber]) -> Vec<crate::model::Field> {
    let active = subs.iter().filter(|s| s.active != Some(false)).count();
    let mut fields: Vec<crate::model::Field> = vec![(
        "subscribers".into(),
        format!("{} ({active} active)", subs.len()).into(),
    )];
    for s in subs.iter().take(SUBSCRIBERS_LISTED) {
        let Some(msisdn) = s.msisdn.as_deref().map(str::trim).filter(|m| !m.is_empty()) else {
            continue;
        };
        let state = if s.active == Some(false) {
            "inactive"
        } else {
            "active"
        };
        let created = s
            .created_at
            .as_deref()
            .map(|c| format!(", created {}", c.get(..10).unwrap_or(c)))
            .unwrap_or_default();
        fields.push((
            format!("{}{msisdn}", super::change_forms::SUBSCRIBER_FIELD).into(),
            format!("{state}{created}").into(),
        ));
    }
    fields
}
