//! ProVoice forms: which form each operator intent opens, and the [`Mutation`] a submitted
//! form becomes (one POST of a named operation, see [`super::Change`]).
//!
//! Trunks are SIP destinations (`createDestination` / `updateDestination` /
//! `deleteDestination`), numbers are extensions (`…Extension`); forwards, limits and
//! whitelists are opened from a customer or user on the accounts pane with
//! `forward.new|edit|delete`, `limit.new|edit` and `whitelist.new|edit|delete` (an id as
//! argument picks one, else the first of the selected customer or user). The provider
//! document has no `deleteLimit`, so `limit.delete` says so instead of inventing one.
//!
//! Edit forms start from the values the client last read: they come back with the
//! customer's details job ([`Details`], in `FetchData::AccountInfo`), are kept in
//! `State` like any other result, and reach the form in [`FormContext::details`], since
//! a form is opened without network access.

use crate::phone::{self, Prefix, Rules};

use serde_json::{Map, Value};

use super::map::{USER_PREFIX, user_id_of};
use super::wire;
use crate::form::spec::{FieldKind, FieldSpec, FormMode, FormSpec};
use crate::model::{Account, AccountKind, ActionKind, ProviderKind, Resource};
use crate::providers::commands::{CommandSpec, Confirm};
use crate::providers::forms::{FormContext, Intent, ProviderTarget};
use crate::providers::{Mutation, ProviderChange, ProviderDetails};

pub const TRANSPORTS: &[&str] = &["udp", "tcp", "tls"];
pub const DIRECTIONS: &[&str] = &["inbound", "outbound"];
pub const FORWARD_TYPES: &[&str] = &["always", "busy", "noanswer", "unavailable"];
pub const LIMIT_PERIODS: &[&str] = &["minute", "hour", "day", "month"];

/// What ProVoice's edit forms start from for one customer: its forwards, limits and
/// whitelists as the client last read them (`AccountInfo`). Carried to `State` as
/// [`ProviderDetails::Provoice`] and handed back in [`FormContext::details`].
#[derive(Debug, Default, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Details {
    pub forwards: Vec<wire::Forward>,
    pub limits: Vec<wire::Limit>,
    pub whitelists: Vec<wire::Whitelist>,
}

/// The details of `customer` in the form context (empty when none were read yet).
pub(super) fn details<'a>(ctx: &FormContext<'a>, customer: &str) -> Details {
    ctx.details
        .iter()
        .find_map(|(account, d)| match d {
            ProviderDetails::Provoice(d) if *account == customer => Some(d.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

pub(super) fn field(
    key: &'static str,
    label: &'static str,
    kind: FieldKind,
    required: bool,
    help: &'static str,
) -> FieldSpec {
    FieldSpec {
        key,
        label,
        kind,
        required,
        create_only: false,
        help,
    }
}

pub(super) fn pair(k: &str, v: impl Into<String>) -> (String, String) {
    (k.to_owned(), v.into())
}

pub(super) fn extra<'a>(fields: &'a crate::model::Fields, key: &str) -> Option<&'a str> {
    fields.get(key).filter(|v| !v.is_empty() && *v != "-")
}

pub(super) fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

pub(super) fn spec(
    title: String,
    mode: FormMode,
    fields: Vec<FieldSpec>,
    values: Vec<(String, String)>,
) -> FormSpec {
    FormSpec {
        title,
        mode,
        fields,
        values,
        confirm: None,
    }
}

/// A fieldless, typed confirmation (opens on the review step).
fn confirm(title: String, text: &str, reason: String) -> FormSpec {
    FormSpec {
        title,
        mode: FormMode::Edit,
        fields: Vec::new(),
        values: Vec::new(),
        confirm: Some((text.to_owned(), reason)),
    }
}

/// The customer and (for a user) user the form acts for.
pub(super) struct Owner {
    pub(super) customer: String,
    pub(super) user: Option<String>,
}

impl Owner {
    pub(super) fn label(&self) -> String {
        match &self.user {
            Some(u) => format!("user {u} of customer {}", self.customer),
            None => format!("customer {}", self.customer),
        }
    }
}

pub(super) fn owner(ctx: &FormContext) -> Result<Owner, String> {
    let account: Option<&Account> = ctx
        .account_row
        .or_else(|| ctx.accounts.iter().copied().find(|a| a.id == ctx.account));
    let id = account.map(|a| a.id.as_str()).unwrap_or(ctx.account);
    if let Some(user) = user_id_of(id) {
        let customer = account
            .and_then(|a| a.parent.clone())
            .ok_or_else(|| format!("user {user} has no customer yet: wait for the tree to load"))?;
        return Ok(Owner {
            customer,
            user: Some(user.to_owned()),
        });
    }
    match account.map(|a| a.kind) {
        Some(AccountKind::Customer) | None if !id.is_empty() && !id.starts_with(USER_PREFIX) => {
            Ok(Owner {
                customer: id.to_owned(),
                user: None,
            })
        }
        _ => Err("select a customer or a user on the Accounts pane first".into()),
    }
}

pub(super) fn target(owner: &Owner, op: &'static str, id: Option<String>) -> ProviderTarget {
    let mut t = ProviderTarget::new(ProviderKind::Provoice, &owner.customer, op);
    t.id = id;
    t.data.push(pair("customer_id", owner.customer.clone()));
    if let Some(u) = &owner.user {
        t.data.push(pair("user_id", u.clone()));
    }
    t
}

fn user_field() -> FieldSpec {
    field(
        "user_id",
        "User id",
        FieldKind::Text,
        false,
        "empty: the whole customer; else the user's id",
    )
}

fn destination_fields() -> Vec<FieldSpec> {
    vec![
        field(
            "name",
            "Name",
            FieldKind::Text,
            true,
            "a name for this SIP destination",
        ),
        field(
            "host",
            "Host",
            FieldKind::Host,
            true,
            "IP address or hostname of the SIP peer",
        ),
        field(
            "port",
            "Port",
            FieldKind::Port,
            true,
            "SIP port, usually 5060",
        ),
        field(
            "transport",
            "Transport",
            FieldKind::Choice(TRANSPORTS),
            true,
            "udp, tcp or tls",
        ),
        field(
            "active",
            "Active",
            FieldKind::Bool,
            true,
            "whether calls are routed to it",
        ),
        user_field(),
    ]
}

fn extension_fields() -> Vec<FieldSpec> {
    vec![
        field(
            "number",
            "Number",
            FieldKind::Text,
            true,
            "the extension or DDI, e.g. +31201234567 or 201",
        ),
        field(
            "direction",
            "Direction",
            FieldKind::Choice(DIRECTIONS),
            true,
            "inbound or outbound",
        ),
        field(
            "destination_id",
            "Destination id",
            FieldKind::Text,
            false,
            "id of a SIP destination (Trunks pane, Id column)",
        ),
        user_field(),
    ]
}

fn forward_fields() -> Vec<FieldSpec> {
    vec![
        field(
            "type",
            "When",
            FieldKind::Choice(FORWARD_TYPES),
            true,
            "always, busy, noanswer or unavailable",
        ),
        field(
            "target",
            "Target",
            FieldKind::Text,
            true,
            "number or SIP URI calls go to",
        ),
        field(
            "timeout",
            "Timeout (s)",
            FieldKind::Text,
            false,
            "seconds before forwarding (noanswer), 0-600",
        ),
        field(
            "extension_id",
            "Extension id",
            FieldKind::Text,
            false,
            "only calls to this extension (empty: all)",
        ),
        field(
            "active",
            "Active",
            FieldKind::Bool,
            true,
            "whether the forward applies",
        ),
    ]
}

fn limit_fields() -> Vec<FieldSpec> {
    vec![
        field(
            "type",
            "Limit on",
            FieldKind::Text,
            true,
            "what is limited, e.g. calls, minutes, cost",
        ),
        field(
            "value",
            "Value",
            FieldKind::Text,
            true,
            "the maximum, a whole number",
        ),
        field(
            "period",
            "Per",
            FieldKind::Choice(LIMIT_PERIODS),
            true,
            "minute, hour, day or month",
        ),
    ]
}

fn whitelist_fields() -> Vec<FieldSpec> {
    vec![
        field(
            "prefix",
            "Prefix",
            FieldKind::Text,
            false,
            "number prefix allowed, e.g. +3120 (or give an IP)",
        ),
        field(
            "ip",
            "IP",
            FieldKind::Text,
            false,
            "source address allowed (or give a prefix)",
        ),
        field(
            "description",
            "Description",
            FieldKind::Text,
            false,
            "why it is allowed",
        ),
    ]
}

/// Picks the object to edit: the id in `args`, else the first that belongs to the owner.
fn pick<'a, T>(
    list: &'a [T],
    args: &str,
    id: impl Fn(&T) -> &str,
    user: impl Fn(&T) -> Option<&str>,
    owner: &Owner,
    noun: &str,
    new_cmd: &str,
) -> Result<&'a T, String> {
    let args = args.trim();
    if !args.is_empty() {
        return list.iter().find(|x| id(x) == args).ok_or_else(|| {
            format!(
                "no {noun} {args} on {} (ids are in the details panel)",
                owner.label()
            )
        });
    }
    list.iter()
        .find(|x| user(x) == owner.user.as_deref())
        .ok_or_else(|| {
            format!(
                "no {noun} on {} yet: use {new_cmd} (or wait for its details to load)",
                owner.label()
            )
        })
}

pub fn open(intent: Intent, ctx: &FormContext) -> Result<(FormSpec, ProviderTarget), String> {
    match intent {
        Intent::TrunkNew => {
            let o = owner(ctx)?;
            let mut values = vec![
                pair("port", "5060"),
                pair("transport", "udp"),
                pair("active", "yes"),
            ];
            if let Some(u) = &o.user {
                values.push(pair("user_id", u.clone()));
            }
            Ok((
                spec(
                    format!("New SIP destination for {}", o.label()),
                    FormMode::Create,
                    destination_fields(),
                    values,
                ),
                target(&o, "trunk.new", None),
            ))
        }
        Intent::TrunkEdit | Intent::TrunkDelete => {
            let t = ctx
                .trunk
                .ok_or("select a SIP destination on the Trunks pane first")?;
            let o = Owner {
                customer: t.account.clone(),
                user: None,
            };
            if intent == Intent::TrunkDelete {
                let mut reason = format!("deleting SIP destination {} cannot be undone", t.name);
                if ctx.live_calls_on_trunk > 0 {
                    reason.push_str(&format!("; {} live calls use it", ctx.live_calls_on_trunk));
                }
                return Ok((
                    confirm(
                        format!("Delete SIP destination {}", t.name),
                        &t.name,
                        reason,
                    ),
                    target(&o, "trunk.delete", Some(t.id.clone())),
                ));
            }
            let values = vec![
                pair("name", t.name.clone()),
                pair("host", t.host.clone()),
                pair("port", t.port.map(|p| p.to_string()).unwrap_or_default()),
                pair("transport", t.transport.clone()),
                pair("active", yes_no(t.active.unwrap_or(true))),
                pair("user_id", extra(&t.extra, "user_id").unwrap_or_default()),
            ];
            Ok((
                spec(
                    format!("Edit SIP destination {}", t.name),
                    FormMode::Edit,
                    destination_fields(),
                    values,
                ),
                target(&o, "trunk.edit", Some(t.id.clone())),
            ))
        }
        Intent::NumberNew => {
            let o = owner(ctx)?;
            let mut values = vec![pair("direction", "inbound")];
            if let Some(u) = &o.user {
                values.push(pair("user_id", u.clone()));
            }
            Ok((
                spec(
                    format!("New extension for {}", o.label()),
                    FormMode::Create,
                    extension_fields(),
                    values,
                ),
                target(&o, "number.new", None),
            ))
        }
        Intent::NumberEdit | Intent::NumberDelete => {
            let n = ctx
                .number
                .ok_or("select an extension on the Numbers pane first")?;
            let o = Owner {
                customer: n.account.clone(),
                user: None,
            };
            if intent == Intent::NumberDelete {
                return Ok((
                    confirm(
                        format!("Delete extension {}", n.number),
                        &n.number,
                        format!(
                            "deleting extension {} cannot be undone; calls to it stop routing",
                            n.number
                        ),
                    ),
                    target(&o, "number.delete", Some(n.id.clone())),
                ));
            }
            let values = vec![
                // As ProVoice stores it (the shown number may have a `+` added).
                pair("number", n.as_sent().to_owned()),
                pair(
                    "direction",
                    extra(&n.extra, "direction").unwrap_or("inbound"),
                ),
                pair(
                    "destination_id",
                    extra(&n.extra, "destination_id").unwrap_or_default(),
                ),
                pair("user_id", extra(&n.extra, "user_id").unwrap_or_default()),
            ];
            Ok((
                spec(
                    format!("Edit extension {}", n.number),
                    FormMode::Edit,
                    extension_fields(),
                    values,
                ),
                target(&o, "number.edit", Some(n.id.clone())),
            ))
        }
        Intent::Other(op) => open_detail(op, ctx),
        // Where calls to an extension go: its SIP destination (the extension form);
        // a forward is added with forward.new.
        Intent::Repoint => {
            let (mut spec, t) = open(Intent::NumberEdit, ctx)?;
            if let Some(n) = ctx.number {
                spec.title = format!("Re-point extension {} (destination)", n.number);
            }
            // The field that decides where calls go comes first (focused on open).
            spec.fields.sort_by_key(|f| f.key != "destination_id");
            Ok((spec, t))
        }
        Intent::NumberToggle | Intent::Call | Intent::Hangup => {
            Err("not offered by ProVoice".into())
        }
    }
}

fn open_detail(op: &'static str, ctx: &FormContext) -> Result<(FormSpec, ProviderTarget), String> {
    let o = owner(ctx)?;
    let d = details(ctx, &o.customer);
    let user_of = |u: &Option<String>| u.clone();
    match op {
        "forward.new" => Ok((
            spec(
                format!("New forward for {}", o.label()),
                FormMode::Create,
                forward_fields(),
                vec![pair("type", "busy"), pair("timeout", "20"), pair("active", "yes")],
            ),
            target(&o, op, None),
        )),
        "forward.edit" | "forward.delete" => {
            let fw = pick(&d.forwards, ctx.args, |f| &f.id, |f| f.user_id.as_deref(), &o, "forward", "forward.new")?;
            let mut t = target(&o, op, Some(fw.id.clone()));
            if let Some(u) = user_of(&fw.user_id) {
                t.data.retain(|(k, _)| k != "user_id");
                t.data.push(pair("user_id", u));
            }
            if op == "forward.delete" {
                return Ok((
                    confirm(
                        format!("Delete forward {} of {}", fw.id, o.label()),
                        &fw.id,
                        format!("calls stop forwarding {} to {}", super::map::forward_kind_label(&fw.kind), fw.target),
                    ),
                    t,
                ));
            }
            let values = vec![
                pair("type", fw.kind.clone()),
                pair("target", fw.target.clone()),
                pair("timeout", fw.timeout.map(|t| t.to_string()).unwrap_or_default()),
                pair("extension_id", fw.extension_id.clone().unwrap_or_default()),
                pair("active", yes_no(fw.active.unwrap_or(true))),
            ];
            Ok((spec(format!("Edit forward {} of {}", fw.id, o.label()), FormMode::Edit, forward_fields(), values), t))
        }
        "limit.new" => Ok((
            spec(
                format!("New abuse limit for {}", o.label()),
                FormMode::Create,
                limit_fields(),
                vec![pair("type", "calls"), pair("period", "day")],
            ),
            target(&o, op, None),
        )),
        "limit.edit" => {
            let l = pick(&d.limits, ctx.args, |l| &l.id, |l| l.user_id.as_deref(), &o, "limit", "limit.new")?;
            let values = vec![
                pair("type", l.kind.clone()),
                pair("value", l.value.map(|v| v.to_string()).unwrap_or_default()),
                pair("period", l.period.clone()),
            ];
            let mut t = target(&o, op, Some(l.id.clone()));
            if let Some(u) = user_of(&l.user_id) {
                t.data.retain(|(k, _)| k != "user_id");
                t.data.push(pair("user_id", u));
            }
            Ok((spec(format!("Edit limit {} of {}", l.id, o.label()), FormMode::Edit, limit_fields(), values), t))
        }
        "limit.delete" => Err(
            "the ProVoice API has no deleteLimit operation: set the limit's value instead (limit.edit)".into(),
        ),
        "whitelist.new" => Ok((
            spec(format!("New whitelist entry for {}", o.label()), FormMode::Create, whitelist_fields(), Vec::new()),
            target(&o, op, None),
        )),
        "whitelist.edit" | "whitelist.delete" => {
            let w = pick(&d.whitelists, ctx.args, |w| &w.id, |w| w.user_id.as_deref(), &o, "whitelist entry", "whitelist.new")?;
            let mut t = target(&o, op, Some(w.id.clone()));
            if let Some(u) = user_of(&w.user_id) {
                t.data.retain(|(k, _)| k != "user_id");
                t.data.push(pair("user_id", u));
            }
            if op == "whitelist.delete" {
                let what = if w.ip.is_empty() { w.prefix.clone() } else { w.ip.clone() };
                return Ok((
                    confirm(
                        format!("Delete whitelist entry {} of {}", w.id, o.label()),
                        &w.id,
                        format!("{what} is no longer allowed"),
                    ),
                    t,
                ));
            }
            let values = vec![
                pair("prefix", w.prefix.clone()),
                pair("ip", w.ip.clone()),
                pair("description", w.description.clone()),
            ];
            Ok((spec(format!("Edit whitelist entry {} of {}", w.id, o.label()), FormMode::Edit, whitelist_fields(), values), t))
        }
        other => Err(format!("{other} is not a ProVoice form")),
    }
}

pub(super) fn value<'a>(values: &'a [(String, String)], key: &str) -> &'a str {
    values
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.trim())
        .unwrap_or("")
}

/// An id as JSON: a number when it is one, else the text.
pub(super) fn id_json(s: &str) -> Value {
    match s.trim().parse::<u64>() {
        Ok(n) => Value::from(n),
        Err(_) => Value::from(s.trim()),
    }
}

fn opt_id(s: &str) -> Value {
    if s.trim().is_empty() {
        Value::Null
    } else {
        id_json(s)
    }
}

pub(super) fn bool_of(s: &str) -> bool {
    matches!(
        s.trim().to_ascii_lowercase().as_str(),
        "yes" | "true" | "on" | "1"
    )
}

fn whole(s: &str, label: &str, max: i64) -> Result<Value, String> {
    match s.trim().parse::<i64>() {
        Ok(n) if (0..=max).contains(&n) => Ok(Value::from(n)),
        _ => Err(format!("{label} must be a whole number from 0 to {max}")),
    }
}

/// ProVoice numbers as a dial string: digits, `+`, `*` and `#`, at least one of them,
/// stored as typed.
pub const PHONE: Rules = Rules {
    extra: &['+', '*', '#'],
    ..Rules::typed(Prefix::OptionalPlus, 0..=usize::MAX)
};

pub fn build(target: &ProviderTarget, values: &[(String, String)]) -> Result<Mutation, String> {
    let data = |k: &str| value(&target.data, k).to_owned();
    let v = |k: &str| value(values, k);
    let customer = data("customer_id");
    let id = target.id.clone().unwrap_or_default();
    let mut body = Map::new();
    let owner_fields = |body: &mut Map<String, Value>, user: &str| {
        body.insert("customer_id".into(), id_json(&customer));
        body.insert("user_id".into(), opt_id(user));
    };
    let (operation, what): (&'static str, String) = match target.op.as_ref() {
        "trunk.new" | "trunk.edit" => {
            owner_fields(&mut body, v("user_id"));
            body.insert("name".into(), v("name").into());
            body.insert("host".into(), v("host").into());
            let port: u16 = v("port")
                .parse()
                .map_err(|_| "port must be 1-65535".to_string())?;
            body.insert("port".into(), port.into());
            body.insert(
                "transport".into(),
                v("transport").to_ascii_lowercase().into(),
            );
            body.insert("active".into(), bool_of(v("active")).into());
            if target.op == "trunk.new" {
                (
                    "createDestination",
                    format!("SIP destination {}", v("name")),
                )
            } else {
                (
                    "updateDestination",
                    format!("SIP destination {}", v("name")),
                )
            }
        }
        "number.new" | "number.edit" => {
            owner_fields(&mut body, v("user_id"));
            let number = v("number");
            if !phone::is_valid(number, &PHONE) {
                return Err("number: digits only, optionally starting with +".into());
            }
            body.insert("number".into(), number.into());
            let direction = v("direction").to_ascii_lowercase();
            if !DIRECTIONS.contains(&direction.as_str()) {
                return Err("direction must be inbound or outbound".into());
            }
            body.insert("direction".into(), direction.into());
            body.insert("destination_id".into(), opt_id(v("destination_id")));
            if target.op == "number.new" {
                ("createExtension", format!("extension {number}"))
            } else {
                ("updateExtension", format!("extension {number}"))
            }
        }
        "forward.new" | "forward.edit" => {
            owner_fields(&mut body, &data("user_id"));
            let kind = v("type").to_ascii_lowercase();
            if !FORWARD_TYPES.contains(&kind.as_str()) {
                return Err("when must be always, busy, noanswer or unavailable".into());
            }
            if v("target").is_empty() {
                return Err("target is required".into());
            }
            body.insert("extension_id".into(), opt_id(v("extension_id")));
            body.insert("target".into(), v("target").into());
            body.insert("type".into(), kind.into());
            let timeout = if v("timeout").is_empty() {
                Value::from(0)
            } else {
                whole(v("timeout"), "timeout", 600)?
            };
            body.insert("timeout".into(), timeout);
            body.insert("active".into(), bool_of(v("active")).into());
            if target.op == "forward.new" {
                ("createForward", format!("forward of customer {customer}"))
            } else {
                (
                    "updateForward",
                    format!("forward {id} of customer {customer}"),
                )
            }
        }
        "limit.new" | "limit.edit" => {
            owner_fields(&mut body, &data("user_id"));
            if v("type").is_empty() {
                return Err("limit on: say what is limited (calls, minutes …)".into());
            }
            body.insert("type".into(), v("type").into());
            body.insert("value".into(), whole(v("value"), "value", 1_000_000_000)?);
            body.insert("period".into(), v("period").to_ascii_lowercase().into());
            if target.op == "limit.new" {
                ("createLimit", format!("limit of customer {customer}"))
            } else {
                ("updateLimit", format!("limit {id} of customer {customer}"))
            }
        }
        "whitelist.new" | "whitelist.edit" => {
            owner_fields(&mut body, &data("user_id"));
            let (prefix, ip) = (v("prefix"), v("ip"));
            if prefix.is_empty() == ip.is_empty() {
                return Err("give either a prefix or an IP (one of the two)".into());
            }
            if !ip.is_empty() && ip.parse::<std::net::IpAddr>().is_err() {
                return Err(format!("ip: {ip} is not an IP address"));
            }
            // An edit sends both, so switching from a prefix to an IP clears the prefix.
            if !prefix.is_empty() || target.op == "whitelist.edit" {
                body.insert("prefix".into(), prefix.into());
            }
            if prefix.is_empty() || target.op == "whitelist.edit" {
                body.insert("ip".into(), ip.into());
            }
            body.insert("description".into(), v("description").into());
            if target.op == "whitelist.new" {
                (
                    "createWhitelist",
                    format!("whitelist entry of customer {customer}"),
                )
            } else {
                (
                    "updateWhitelist",
                    format!("whitelist entry {id} of customer {customer}"),
                )
            }
        }
        "trunk.delete" => ("deleteDestination", format!("SIP destination {id}")),
        "number.delete" => ("deleteExtension", format!("extension {id}")),
        "forward.delete" => ("deleteForward", format!("forward {id}")),
        "whitelist.delete" => ("deleteWhitelist", format!("whitelist entry {id}")),
        other => return Err(format!("{other} is not a ProVoice change")),
    };
    let updating = !operation.starts_with("create");
    // `update…` changes "an existing X with the specified parameters" (providers.md §5.1,
    // the seed's words): a partial update. An edit sends only the fields the operator
    // changed, plus what names the object and its owner, so nothing it did not touch is
    // rewritten from the form's text.
    if updating
        && !operation.starts_with("delete")
        && let Some(changed) = target.changed_keys(values)
    {
        body.retain(|k, _| {
            !values.iter().any(|(field, _)| field == k) || changed.iter().any(|c| c == k)
        });
    }
    if updating {
        if id.is_empty() {
            return Err("nothing selected to change".into());
        }
        let mut with_id = Map::new();
        with_id.insert("id".into(), id_json(&id));
        if !operation.starts_with("delete") {
            with_id.extend(body);
        }
        body = with_id;
    }
    Ok(Mutation::Provider {
        account: target.account.clone(),
        command: target.op.clone(),
        change: ProviderChange::Provoice(super::Change::Post {
            operation,
            body,
            what,
            password: None,
        }),
    })
}

/// ProVoice's own commands: customers and users, then forwards, abuse limits and
/// whitelists of a customer or user.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::form(
        "customer.new",
        "New customer",
        "Create a customer under the selected customer (its parent in the tree)",
    )
    .on(ACCOUNTS)
    .mutating()
    .needs(ActionKind::EditAccount)
    .row(),
    CommandSpec::form(
        "customer.edit",
        "Edit customer",
        "Edit the selected customer's name or active flag",
    )
    .on(ACCOUNTS)
    .mutating()
    .needs(ActionKind::EditAccount)
    .row(),
    CommandSpec::form(
        "user.new",
        "New user",
        "Create a SIP user under the selected customer",
    )
    .on(ACCOUNTS)
    .mutating()
    .needs(ActionKind::EditAccount)
    .row(),
    CommandSpec::form(
        "user.edit",
        "Edit user",
        "Edit the selected user (user name, password, caller id, active)",
    )
    .on(ACCOUNTS)
    .mutating()
    .needs(ActionKind::EditAccount)
    .row(),
    CommandSpec::form(
        "forward.new",
        "New forward",
        "Add a call forward (always, busy, no answer, unavailable) to the selected customer or user",
    )
    .on(ACCOUNTS)
    .mutating()
    .needs(ActionKind::EditAccount)
    .row(),
    CommandSpec::form(
        "forward.edit",
        "Edit forward",
        "Edit a forward of the selected customer or user (:forward.edit <id>; ids in the details)",
    )
    .on(ACCOUNTS)
    .mutating()
    .needs(ActionKind::EditAccount)
    .row(),
    CommandSpec::form(
        "forward.delete",
        "Delete forward",
        "Delete a forward of the selected customer or user (type its id to confirm)",
    )
    .on(ACCOUNTS)
    .mutating()
    .destructive()
    .confirm(Confirm::Typed)
    .needs(ActionKind::EditAccount)
    .row(),
    CommandSpec::form(
        "limit.new",
        "New abuse limit",
        "Add an abuse limit to the selected customer or user",
    )
    .on(ACCOUNTS)
    .mutating()
    .needs(ActionKind::EditAccount)
    .row(),
    CommandSpec::form(
        "limit.edit",
        "Edit abuse limit",
        "Edit a limit of the selected customer or user (:limit.edit <id>)",
    )
    .on(ACCOUNTS)
    .mutating()
    .needs(ActionKind::EditAccount)
    .row(),
    CommandSpec::form(
        "limit.delete",
        "Delete abuse limit",
        "Delete a limit of the selected customer or user (where the provider allows it)",
    )
    .on(ACCOUNTS)
    .mutating()
    .destructive()
    .confirm(Confirm::Typed)
    .needs(ActionKind::EditAccount)
    .row(),
    CommandSpec::form(
        "whitelist.new",
        "New whitelist entry",
        "Allow a prefix or IP for the selected customer or user",
    )
    .on(ACCOUNTS)
    .mutating()
    .needs(ActionKind::EditAccount)
    .row(),
    CommandSpec::form(
        "whitelist.edit",
        "Edit whitelist entry",
        "Edit a whitelist entry (:whitelist.edit <id>)",
    )
    .on(ACCOUNTS)
    .mutating()
    .needs(ActionKind::EditAccount)
    .row(),
    CommandSpec::form(
        "whitelist.delete",
        "Delete whitelist entry",
        "Delete a whitelist entry (type its id to confirm)",
    )
    .on(ACCOUNTS)
    .mutating()
    .destructive()
    .confirm(Confirm::Typed)
    .needs(ActionKind::EditAccount)
    .row(),
];

const ACCOUNTS: &[Resource] = &[Resource::Accounts];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_rules_a_dial_string_of_digits_plus_star_hash() {
        use crate::phone::{Problem, check, is_valid};
        assert!(is_valid("+4930123456", &PHONE));
        assert!(is_valid("*21#", &PHONE));
        assert!(is_valid("0800", &PHONE));
        assert!(is_valid("1+2", &PHONE), "a + anywhere, as before");
        assert_eq!(check("", &PHONE), Err(Problem::Empty));
        assert_eq!(check("030 123", &PHONE), Err(Problem::NotDigits));
        assert_eq!(check("12a", &PHONE), Err(Problem::NotDigits));
    }
}
