//! Cloudonix edit forms: the [`FormSpec`]s of a trunk, a number (DNID), a click-to-call
//! and the trunk-delete, number on/off and hang-up confirmations ([`open`]), and the
//! reverse mapping of submitted values to a [`Mutation`] ([`build`]).
//!
//! Values are keyed by [`FieldSpec::key`]. Bool fields hold `yes` / `no` (`true`,
//! `false`, `on`, `off`, `1`, `0` are accepted back). A secret field starts empty and
//! an empty secret means "keep the stored one".

use crate::phone::{self, Prefix, Rules};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use crate::form::spec::{FieldKind, FieldSpec, FormMode, FormSpec};
use crate::model::{self, ProviderKind};
use crate::providers::forms::{FormContext, Intent, ProviderTarget};
use crate::providers::{Mutation, NumberSpec, TrunkSpec};
use crate::secret::Secret;

pub const TRANSPORTS: &[&str] = &["udp", "tcp", "tls"];
pub const DIRECTIONS: &[&str] = &["inbound", "outbound", "public-inbound", "public-outbound"];
pub const MATCH_MODES: &[&str] = &["exact", "prefix", "expression", "asterisk"];

/// Field keys.
/// The trunk form's direction label, also the review's label for the direction the
/// provider stores (`inbound` → `public-inbound`).
pub const DIRECTION_LABEL: &str = "Direction";

pub mod key {
    pub const NAME: &str = "name";
    pub const IP: &str = "ip";
    pub const PORT: &str = "port";
    pub const TRANSPORT: &str = "transport";
    pub const PREFIX: &str = "prefix";
    pub const DIRECTION: &str = "direction";
    pub const AUTH_USERNAME: &str = "auth_username";
    pub const AUTH_PASSWORD: &str = "auth_password";
    pub const SOURCE: &str = "source";
    pub const APPLICATION: &str = "application";
    pub const ACTIVE: &str = "active";
    pub const MATCH: &str = "match";
    pub const DESTINATION: &str = "destination";
    pub const CALLER_ID: &str = "caller_id";
    /// Not a field: the DNID's compiled pattern as stored (carried for the review).
    pub const DNID: &str = "dnid";
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

pub(super) fn extra<'a>(fields: &'a model::Fields, key: &str) -> Option<&'a str> {
    fields.get(key)
}

pub(super) fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn live_calls_text(n: usize) -> String {
    if n == 1 {
        "1 live call on this trunk".to_owned()
    } else {
        format!("{n} live calls on this trunk")
    }
}

/// The trunk form: create when `existing` is None, else edit (name read-only, password
/// empty = keep). Editing a trunk that carries live calls needs its name typed.
pub fn trunk_form(existing: Option<&model::Trunk>, live_calls_on_it: usize) -> FormSpec {
    let editing = existing.is_some();
    let mut name = field(
        key::NAME,
        "Name",
        FieldKind::Text,
        true,
        "trunk name; cannot be changed later",
    );
    name.create_only = true;
    let fields = vec![
        name,
        field(
            key::IP,
            "Host",
            FieldKind::Host,
            true,
            "IP address or hostname of the SIP peer",
        ),
        field(
            key::PORT,
            "Port",
            FieldKind::Port,
            true,
            "SIP port, usually 5060",
        ),
        field(
            key::TRANSPORT,
            "Transport",
            FieldKind::Choice(TRANSPORTS),
            true,
            "udp, tcp or tls",
        ),
        field(
            key::PREFIX,
            "Prefix",
            FieldKind::Text,
            false,
            "dial prefix that selects this trunk (e.g. 4444#)",
        ),
        field(
            key::DIRECTION,
            DIRECTION_LABEL,
            FieldKind::Choice(DIRECTIONS),
            true,
            "inbound / outbound are stored as public-inbound / public-outbound",
        ),
        field(
            key::AUTH_USERNAME,
            "Auth user",
            FieldKind::Text,
            false,
            "SIP digest user name (empty = none)",
        ),
        field(
            key::AUTH_PASSWORD,
            "Auth password",
            FieldKind::Secret,
            false,
            if editing {
                "empty = keep the current password"
            } else {
                "SIP digest password (empty = none)"
            },
        ),
    ];
    let choice = |v: &str, list: &[&str], default: &str| {
        let v = v.trim().to_ascii_lowercase();
        if list.contains(&v.as_str()) {
            v
        } else {
            default.to_owned()
        }
    };
    let (title, mode, values, confirm) = match existing {
        None => (
            "New trunk".to_owned(),
            FormMode::Create,
            vec![
                pair(key::NAME, ""),
                pair(key::IP, ""),
                pair(key::PORT, "5060"),
                pair(key::TRANSPORT, "udp"),
                pair(key::PREFIX, ""),
                pair(key::DIRECTION, "public-outbound"),
                pair(key::AUTH_USERNAME, ""),
                pair(key::AUTH_PASSWORD, ""),
            ],
            None,
        ),
        Some(t) => (
            format!("Edit trunk {}", t.name),
            FormMode::Edit,
            vec![
                pair(key::NAME, t.name.clone()),
                pair(key::IP, t.host.clone()),
                pair(key::PORT, t.port.unwrap_or(5060).to_string()),
                pair(key::TRANSPORT, choice(&t.transport, TRANSPORTS, "udp")),
                pair(key::PREFIX, t.prefix.clone()),
                pair(
                    key::DIRECTION,
                    choice(&t.direction, DIRECTIONS, "public-outbound"),
                ),
                pair(
                    key::AUTH_USERNAME,
                    extra(&t.extra, "auth user").unwrap_or_default(),
                ),
                pair(key::AUTH_PASSWORD, ""),
            ],
            (live_calls_on_it > 0).then(|| (t.name.clone(), live_calls_text(live_calls_on_it))),
        ),
    };
    FormSpec {
        title,
        mode,
        fields,
        values,
        confirm,
    }
}

/// What to type to delete a trunk (its name) and why it needs care.
pub fn trunk_delete_confirm(trunk: &model::Trunk, live_calls: usize) -> (String, String) {
    let mut reason = format!("deleting trunk {} cannot be undone", trunk.name);
    if live_calls > 0 {
        reason.push_str("; ");
        reason.push_str(&live_calls_text(live_calls));
    }
    (trunk.name.clone(), reason)
}

/// Interns a list of choices so it can live in a [`FieldKind::Choice`]. Each distinct
/// list is stored once for the life of the process (application lists rarely change).
pub(super) fn intern_choices(list: Vec<String>) -> &'static [&'static str] {
    type Table = Mutex<HashMap<Vec<String>, &'static [&'static str]>>;
    static TABLE: OnceLock<Table> = OnceLock::new();
    let table = TABLE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut t = table.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(found) = t.get(&list) {
        return found;
    }
    let leaked: Vec<&'static str> = list
        .iter()
        .map(|s| &*Box::leak(s.clone().into_boxed_str()))
        .collect();
    let leaked: &'static [&'static str] = Box::leak(leaked.into_boxed_slice());
    t.insert(list, leaked);
    leaked
}

fn match_mode(n: &model::Number) -> &'static str {
    let on = |k: &str| extra(&n.extra, k) == Some("yes");
    if on("prefix") {
        "prefix"
    } else if on("expression") {
        "expression"
    } else if on("asterisk compatible") {
        "asterisk"
    } else {
        "exact"
    }
}

/// The number (DNID) form. `applications` are the domain's voice application names; the
/// field is a choice among them (plus the current target) when there are any, else text.
pub fn number_form(existing: &model::Number, applications: &[String]) -> FormSpec {
    // The current target: its name, or its id when the name is unknown ("app #12").
    let target = existing.target.trim();
    let current_app = match target.strip_prefix("app #") {
        Some(id) => id.trim().to_owned(),
        None => target.to_owned(),
    };
    let mut names: Vec<String> = Vec::new();
    for a in applications {
        let a = a.trim();
        if !a.is_empty() && !names.iter().any(|n| n == a) {
            names.push(a.to_owned());
        }
    }
    if !names.is_empty() && !current_app.is_empty() && !names.contains(&current_app) {
        names.push(current_app.clone());
    }
    let app_kind = app_kind(names);
    // The number as Cloudonix stores it (the shown one may have a `+` added).
    let source = if existing.number.starts_with("dnid #") {
        String::new()
    } else {
        existing.as_sent().to_owned()
    };
    let active = existing.active.unwrap_or(true);
    FormSpec {
        title: format!("Edit number {}", existing.number),
        mode: FormMode::Edit,
        fields: dnid_fields(app_kind),
        values: vec![
            pair(key::SOURCE, source),
            pair(key::APPLICATION, current_app),
            pair(key::ACTIVE, yes_no(active)),
            pair(key::MATCH, match_mode(existing)),
        ],
        confirm: None,
    }
}

/// The click-to-call form; `from_number` (e.g. the selected number) prefills the caller id.
pub fn click_to_call_form(from_number: Option<&str>) -> FormSpec {
    FormSpec {
        title: "Place a test call".to_owned(),
        mode: FormMode::Create,
        fields: vec![
            field(
                key::DESTINATION,
                "Destination",
                FieldKind::E164,
                true,
                "number to call, E.164 (+14155550123)",
            ),
            field(
                key::CALLER_ID,
                "Caller id",
                FieldKind::E164,
                false,
                "number shown to the callee, E.164 (needed for PSTN calls)",
            ),
            field(
                key::APPLICATION,
                "Application",
                FieldKind::Text,
                false,
                "voice application that runs the call (name or id; empty = domain default)",
            ),
        ],
        values: vec![
            pair(key::DESTINATION, ""),
            pair(
                key::CALLER_ID,
                from_number.map(str::trim).unwrap_or_default(),
            ),
            pair(key::APPLICATION, ""),
        ],
        confirm: None,
    }
}

/// Looks a value up by key (trimmed; "" when absent).
pub(super) fn value<'a>(values: &'a [(String, String)], k: &str) -> &'a str {
    values
        .iter()
        .rev()
        .find(|(key, _)| key == k)
        .map(|(_, v)| v.trim())
        .unwrap_or_default()
}

pub(super) fn parse_bool(label: &str, v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "on" | "1" => Ok(true),
        "no" | "n" | "false" | "off" | "0" => Ok(false),
        _ => Err(format!("{label}: expected yes or no, got '{v}'")),
    }
}

pub(super) fn one_of(label: &str, v: &str, list: &[&str]) -> Result<String, String> {
    let lower = v.to_ascii_lowercase();
    if list.contains(&lower.as_str()) {
        Ok(lower)
    } else {
        Err(format!(
            "{label}: expected one of {}, got '{v}'",
            list.join(", ")
        ))
    }
}

/// Cloudonix numbers: `+` and 8-15 digits, typed exactly (nothing dropped).
pub const PHONE: Rules = Rules::typed(Prefix::Plus, 8..=15);

pub(super) fn is_e164(v: &str) -> bool {
    phone::is_valid(v, &PHONE)
}

/// Submitted trunk form values → `CreateTrunk` (`id` None) or `UpdateTrunk`.
pub fn trunk_mutation(
    account: &str,
    id: Option<&str>,
    values: &[(String, String)],
) -> Result<Mutation, String> {
    let account = account.trim();
    if account.is_empty() {
        return Err("no domain selected".into());
    }
    let name = value(values, key::NAME);
    let host = value(values, key::IP);
    if host.is_empty() {
        return Err("Host is required".into());
    }
    if host.chars().any(char::is_whitespace) {
        return Err(format!("Host: '{host}' contains spaces"));
    }
    let port_text = value(values, key::PORT);
    let port = match port_text.parse::<u16>() {
        Ok(p) if p > 0 => p,
        _ => return Err(format!("Port: expected 1-65535, got '{port_text}'")),
    };
    let transport = one_of("Transport", value(values, key::TRANSPORT), TRANSPORTS)?;
    let direction = one_of("Direction", value(values, key::DIRECTION), DIRECTIONS)?;
    let prefix = value(values, key::PREFIX).to_owned();
    let username = value(values, key::AUTH_USERNAME);
    // The password is taken as typed (spaces may be part of it); empty = keep / none.
    let password = values
        .iter()
        .rev()
        .find(|(k, _)| k == key::AUTH_PASSWORD)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
        .map(Secret::new);
    let mut trunk = TrunkSpec {
        name: name.to_owned(),
        host: host.to_owned(),
        port,
        transport,
        direction,
        prefix,
        auth_username: None,
        auth_password: password,
    };
    match id.map(str::trim) {
        None => {
            if name.is_empty() {
                return Err("Name is required".into());
            }
            trunk.auth_username = (!username.is_empty()).then(|| username.to_owned());
            Ok(Mutation::CreateTrunk {
                account: account.to_owned(),
                trunk,
            })
        }
        Some("") => Err("the trunk has no id".into()),
        Some(id) => {
            if trunk.name.is_empty() {
                trunk.name = id.to_owned();
            }
            // Editing always sends the user name, so clearing the field clears it.
            trunk.auth_username = Some(username.to_owned());
            Ok(Mutation::UpdateTrunk {
                account: account.to_owned(),
                id: id.to_owned(),
                trunk,
                start: Vec::new(),
            })
        }
    }
}

/// Submitted number form values → `UpdateNumber`.
pub fn number_mutation(
    account: &str,
    id: &str,
    values: &[(String, String)],
) -> Result<Mutation, String> {
    let (account, id) = (account.trim(), id.trim());
    if account.is_empty() {
        return Err("no domain selected".into());
    }
    if id.is_empty() {
        return Err("the number has no id".into());
    }
    let source = value(values, key::SOURCE);
    if source.is_empty() {
        return Err("Number is required".into());
    }
    let application = value(values, key::APPLICATION);
    if application.is_empty() {
        return Err("Application is required".into());
    }
    let active = parse_bool("Active", value(values, key::ACTIVE))?;
    let mode = match value(values, key::MATCH) {
        "" => "exact".to_owned(),
        m => one_of("Match", m, MATCH_MODES)?,
    };
    Ok(Mutation::UpdateNumber {
        account: account.to_owned(),
        id: id.to_owned(),
        start: Vec::new(),
        number: NumberSpec {
            source: source.to_owned(),
            application: application.to_owned(),
            active,
            prefix: mode == "prefix",
            expression: mode == "expression",
            asterisk_compatible: mode == "asterisk",
        },
    })
}

/// Submitted click-to-call values → `ClickToCall`.
pub fn call_mutation(account: &str, values: &[(String, String)]) -> Result<Mutation, String> {
    let account = account.trim();
    if account.is_empty() {
        return Err("no domain selected".into());
    }
    let destination = value(values, key::DESTINATION);
    if !is_e164(destination) {
        return Err(format!(
            "Destination: expected E.164 (+ and 8-15 digits), got '{destination}'"
        ));
    }
    let caller_id = value(values, key::CALLER_ID);
    if !caller_id.is_empty() && !is_e164(caller_id) {
        return Err(format!(
            "Caller id: expected E.164 (+ and 8-15 digits), got '{caller_id}'"
        ));
    }
    let application = value(values, key::APPLICATION);
    Ok(Mutation::ClickToCall {
        account: account.to_owned(),
        destination: destination.to_owned(),
        caller_id: (!caller_id.is_empty()).then(|| caller_id.to_owned()),
        application: (!application.is_empty()).then(|| application.to_owned()),
    })
}

/// A fieldless form: it opens on its review step (request preview, Cancel focused).
pub(super) fn confirm_spec(title: String, confirm: Option<(String, String)>) -> FormSpec {
    FormSpec {
        title,
        mode: FormMode::Edit,
        fields: Vec::new(),
        values: Vec::new(),
        confirm,
    }
}

pub(super) fn target(account: &str, op: &'static str, id: Option<&str>) -> ProviderTarget {
    let mut t = ProviderTarget::new(ProviderKind::Cloudonix, account, op);
    t.id = id.map(str::to_owned);
    t
}

/// Application names seen on the numbers of `account` (choices for the number form).
pub(super) fn known_applications(ctx: &FormContext, account: &str) -> Vec<String> {
    let mut names: Vec<String> = ctx
        .numbers
        .iter()
        .filter(|n| n.account == account && !n.target.is_empty())
        .map(|n| n.target.clone())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The application field's kind: a choice of the domain's applications, else free text.
pub(super) fn app_kind(names: Vec<String>) -> FieldKind {
    if names.is_empty() {
        FieldKind::Text
    } else {
        FieldKind::Choice(intern_choices(names))
    }
}

/// A DNID's fields, in the new and the edit form: number or pattern, application,
/// active, match mode.
pub(super) fn dnid_fields(app_kind: FieldKind) -> Vec<FieldSpec> {
    vec![
        field(
            key::SOURCE,
            "Number",
            FieldKind::Text,
            true,
            "number or pattern as dialled (+14155550100, 123[4-7], _1NXX)",
        ),
        field(
            key::APPLICATION,
            "Application",
            app_kind,
            true,
            "voice application that answers (name or id)",
        ),
        field(
            key::ACTIVE,
            "Active",
            FieldKind::Bool,
            true,
            "inactive numbers are not routed",
        ),
        field(
            key::MATCH,
            "Match",
            FieldKind::Choice(MATCH_MODES),
            true,
            "exact, prefix, regular expression or Asterisk pattern",
        ),
    ]
}

/// Opens the trunk, number (DNID), click-to-call or hang-up form from the selection.
pub fn open(intent: Intent, ctx: &FormContext) -> Result<(FormSpec, ProviderTarget), String> {
    match intent {
        Intent::TrunkNew => Ok((trunk_form(None, 0), target(ctx.account, "trunk.new", None))),
        Intent::TrunkEdit => {
            let t = ctx.trunk.ok_or("select a trunk first (pane 4)")?;
            Ok((
                trunk_form(Some(t), ctx.live_calls_on_trunk),
                target(&t.account, "trunk.edit", Some(&t.id)),
            ))
        }
        Intent::TrunkDelete => {
            let t = ctx.trunk.ok_or("select a trunk first (pane 4)")?;
            let confirm = trunk_delete_confirm(t, ctx.live_calls_on_trunk);
            Ok((
                confirm_spec(format!("Delete trunk {}", t.name), Some(confirm)),
                target(&t.account, "trunk.delete", Some(&t.id)),
            ))
        }
        Intent::NumberEdit => {
            let n = ctx.number.ok_or("select a number first (pane 5)")?;
            let apps = known_applications(ctx, &n.account);
            let mut t = target(&n.account, "number.edit", Some(&n.id));
            if let Some(dnid) = extra(&n.extra, "dnid regex") {
                t.data.push(pair(key::DNID, dnid));
            }
            Ok((number_form(n, &apps), t))
        }
        Intent::NumberToggle => {
            let n = ctx.number.ok_or("select a number first (pane 5)")?;
            let active = n.active != Some(true);
            let verb = if active { "Enable" } else { "Disable" };
            let mut t = target(&n.account, "number.toggle", Some(&n.id));
            t.data.push(pair(key::ACTIVE, yes_no(active)));
            Ok((confirm_spec(format!("{verb} number {}", n.number), None), t))
        }
        Intent::Call => {
            let mut spec = click_to_call_form(ctx.number.map(|n| n.number.as_str()));
            let typed = ctx.args.trim();
            if !typed.is_empty() {
                spec.values.retain(|(k, _)| k != key::DESTINATION);
                spec.values
                    .push((key::DESTINATION.to_string(), typed.to_string()));
            }
            Ok((spec, target(ctx.account, "call", None)))
        }
        Intent::Hangup => {
            let c = ctx.call.ok_or("select a live call first (pane 2)")?;
            let title = format!("Hang up {} → {} ({})", c.from, c.to, c.state.label());
            Ok((
                confirm_spec(title, None),
                target(&c.account, "hangup", Some(&c.id)),
            ))
        }
        // Where calls to a DNID go: its voice application (the number form).
        Intent::Repoint => {
            let (mut spec, t) = open(Intent::NumberEdit, ctx)?;
            if let Some(n) = ctx.number {
                spec.title = format!("Re-point number {} (application)", n.number);
            }
            // The field that decides where calls go comes first (focused on open).
            spec.fields.sort_by_key(|f| f.key != key::APPLICATION);
            Ok((spec, t))
        }
        // Opened by `change_forms` (the descriptor's entry point) before this.
        Intent::NumberNew | Intent::NumberDelete | Intent::Other(_) => {
            Err("not a form of this module".into())
        }
    }
}

/// Gives an edit its starting values (the form's, plus what the target carries about the
/// stored object, e.g. the DNID's compiled pattern), so the client sends only what changed.
fn with_start(m: Result<Mutation, String>, t: &ProviderTarget) -> Result<Mutation, String> {
    let mut m = m?;
    if let Mutation::UpdateTrunk { start, .. } | Mutation::UpdateNumber { start, .. } = &mut m
        && !t.start.is_empty()
    {
        start.extend(t.start.iter().cloned());
        start.extend(t.data.iter().cloned());
    }
    Ok(m)
}

/// Turns a submitted Cloudonix form into its mutation.
pub fn build(t: &ProviderTarget, values: &[(String, String)]) -> Result<Mutation, String> {
    let id = t.id.as_deref().unwrap_or_default();
    let account = t.account.clone();
    match t.op.as_ref() {
        "trunk.new" => trunk_mutation(&account, None, values),
        "trunk.edit" => with_start(trunk_mutation(&account, Some(id), values), t),
        "trunk.delete" => Ok(Mutation::DeleteTrunk {
            account,
            id: id.to_owned(),
        }),
        "number.edit" => with_start(number_mutation(&account, id, values), t),
        "number.toggle" => Ok(Mutation::SetNumberActive {
            account,
            id: id.to_owned(),
            active: parse_bool("Active", value(&t.data, key::ACTIVE))?,
        }),
        "call" => call_mutation(&account, values),
        "hangup" => Ok(Mutation::Hangup {
            account,
            call_id: id.to_owned(),
        }),
        other => Err(format!("Cloudonix has no form '{other}'")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_are_interned_once() {
        let a = intern_choices(vec!["x".into(), "y".into()]);
        let b = intern_choices(vec!["x".into(), "y".into()]);
        assert!(std::ptr::eq(a, b));
        assert_eq!(a, &["x", "y"]);
    }

    #[test]
    fn bad_values_are_errors_not_panics() {
        let v = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs.iter().map(|(k, v)| pair(k, *v)).collect()
        };
        assert!(trunk_mutation("d", None, &[]).is_err());
        let base = [
            ("name", "t"),
            ("ip", "1.2.3.4"),
            ("port", "99999"),
            ("transport", "udp"),
            ("direction", "inbound"),
        ];
        assert!(
            trunk_mutation("d", None, &v(&base))
                .unwrap_err()
                .contains("Port")
        );
        assert!(number_mutation("d", "1", &v(&[("source", "+1")])).is_err());
        assert!(
            number_mutation(
                "d",
                "1",
                &v(&[("source", "+1"), ("application", "a"), ("active", "maybe")])
            )
            .is_err()
        );
        assert!(call_mutation("d", &v(&[("destination", "0044")])).is_err());
        assert!(call_mutation("", &v(&[("destination", "+4420794600000")])).is_err());
    }

    #[test]
    fn phone_rules_plus_and_8_to_15_digits_typed_exactly() {
        use crate::phone::{Problem, check, is_valid};
        assert!(is_valid("+12125550100", &PHONE));
        assert!(
            is_valid("+01234567", &PHONE),
            "a leading 0 is not refused here"
        );
        assert!(is_valid("+123456789012345", &PHONE));
        assert_eq!(check("+1234567", &PHONE), Err(Problem::Length));
        assert_eq!(check("+1234567890123456", &PHONE), Err(Problem::Length));
        assert_eq!(check("12125550100", &PHONE), Err(Problem::NoPlus));
        assert_eq!(check("+1 212 555 0100", &PHONE), Err(Problem::NotDigits));
        assert_eq!(check("", &PHONE), Err(Problem::Empty));
        assert!(is_e164("+12125550100") && !is_e164("0012125550100"));
    }

    fn number(account: &str, id: &str, target: &str, active: Option<bool>) -> model::Number {
        model::Number {
            provider: model::ProviderId(0),
            account: account.into(),
            account_name: Default::default(),
            id: id.into(),
            number: format!("+1415555{id:0>4}"),
            target: target.into(),
            active,
            extra: Default::default(),
        }
    }

    fn ctx<'a>(number: Option<&'a model::Number>, all: &[&'a model::Number]) -> FormContext<'a> {
        FormContext {
            account: "acme.example.net",
            args: "",
            account_row: None,
            trunk: None,
            live_calls_on_trunk: 0,
            number,
            numbers: all.to_vec(),
            marked_numbers: Vec::new(),
            call: None,
            accounts: Vec::new(),
            details: Vec::new(),
        }
    }

    #[test]
    fn forms_open_from_the_selection_and_build_their_mutation() {
        let off = number("d2", "7", "main-ivr", Some(false));
        let other = number("d2", "8", "night-ivr", Some(true));
        let elsewhere = number("d3", "9", "not-this-domain", Some(true));
        // Nothing selected: says what to select.
        let none = ctx(None, &[]);
        assert_eq!(
            open(Intent::NumberEdit, &none).unwrap_err(),
            "select a number first (pane 5)"
        );
        assert!(
            open(Intent::TrunkDelete, &none)
                .unwrap_err()
                .contains("trunk")
        );
        assert!(
            open(Intent::Hangup, &none)
                .unwrap_err()
                .contains("live call")
        );
        // The number form offers the applications of the number's own domain.
        let c = ctx(Some(&off), &[&off, &other, &elsewhere]);
        let (spec, t) = open(Intent::NumberEdit, &c).unwrap();
        let app = spec
            .fields
            .iter()
            .find(|f| f.key == key::APPLICATION)
            .unwrap();
        assert_eq!(app.kind, FieldKind::Choice(&["main-ivr", "night-ivr"]));
        assert_eq!((t.account.as_str(), t.id.as_deref()), ("d2", Some("7")));
        // A disabled number's toggle enables it.
        let (spec, t) = open(Intent::NumberToggle, &c).unwrap();
        assert_eq!(spec.title, "Enable number +14155550007");
        assert_eq!(
            build(&t, &[]),
            Ok(Mutation::SetNumberActive {
                account: "d2".into(),
                id: "7".into(),
                active: true
            })
        );
        // What it does not offer is refused before a form opens (ops audits it).
        use super::super::change_forms::offers;
        assert!(!offers(Intent::Other("hook.new")));
        assert!(offers(Intent::TrunkDelete) && offers(Intent::Call));
        assert!(offers(Intent::NumberNew) && offers(Intent::Other("transfer")));
        let unknown = ProviderTarget::new(ProviderKind::Cloudonix, "d2", "hook.new");
        assert!(build(&unknown, &[]).is_err());
    }
}
