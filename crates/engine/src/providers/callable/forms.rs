//! Callable forms: trunks (`trunk.new`, `trunk.edit`), the account address
//! (`address.edit`), hooks (`hook.new`, `hook.edit`), click-to-call (`call`, verbs model)
//! and hang-up (§4.5 proposal), and the [`Mutation`] each submitted form becomes.

use crate::form::spec::{FieldKind, FieldSpec, FormMode, FormSpec};
use crate::model::{self, ActionKind, ProviderKind, Resource};
use crate::phone::{self, Prefix, Rules};
use crate::providers::commands::{CommandSpec, Runs};
use crate::providers::forms::{FormContext, Intent, ProviderTarget};
use crate::providers::{Mutation, ProviderChange};

use super::wire::Address;
use super::{CallSpec, CallTarget, Change, HookBody, TrunkBody};

pub const HOOK_APPS: &[&str] = &["flow.generic", "event.generic"];
pub const HOOK_METHODS: &[&str] = &["POST", "GET", "PUT"];

fn field(
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

fn pair(k: &str, v: impl Into<String>) -> (String, String) {
    (k.to_owned(), v.into())
}

fn extra<'a>(fields: &'a model::Fields, key: &str) -> &'a str {
    fields.get(key).unwrap_or("")
}

fn value<'a>(values: &'a [(String, String)], key: &str) -> &'a str {
    values
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.trim())
        .unwrap_or("")
}

fn form(
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

fn target(account: &str, op: &'static str, id: Option<String>) -> ProviderTarget {
    let mut t = ProviderTarget::new(ProviderKind::Callable, account, op);
    t.id = id;
    t
}

use super::flow_forms::account_of;

fn trunk_form(existing: Option<&model::Trunk>) -> FormSpec {
    let fields = vec![
        field(
            "ip",
            "IP",
            FieldKind::Host,
            true,
            "address of the PBX allowed to connect",
        ),
        field(
            "port",
            "Port",
            FieldKind::Port,
            true,
            "SIP port, usually 5060",
        ),
        field(
            "vendor",
            "Vendor",
            FieldKind::Text,
            true,
            "PBX vendor, e.g. generic",
        ),
        field(
            "callerFormat",
            "Caller format",
            FieldKind::Text,
            true,
            "e.g. national",
        ),
        field(
            "calledFormat",
            "Called format",
            FieldKind::Text,
            true,
            "e.g. national",
        ),
        field(
            "description",
            "Description",
            FieldKind::Text,
            false,
            "shown as the trunk name",
        ),
        field(
            "zone",
            "Zone",
            FieldKind::Text,
            true,
            "region, e.g. eu-west-1",
        ),
        field(
            "countryCode",
            "Country",
            FieldKind::Text,
            true,
            "ISO 3166 code, e.g. GB",
        ),
    ];
    match existing {
        None => form(
            "New Callable trunk".into(),
            FormMode::Create,
            fields,
            vec![
                pair("ip", ""),
                pair("port", "5060"),
                pair("vendor", "generic"),
                pair("callerFormat", "national"),
                pair("calledFormat", "national"),
                pair("description", ""),
                pair("zone", "eu-west-1"),
                pair("countryCode", "GB"),
            ],
        ),
        Some(t) => form(
            format!("Edit trunk {}", t.name),
            FormMode::Edit,
            fields,
            vec![
                pair("ip", t.host.clone()),
                // The stored port, or nothing (never a default that would be sent back
                // as if it were stored).
                pair("port", t.port.map(|p| p.to_string()).unwrap_or_default()),
                pair("vendor", extra(&t.extra, "vendor")),
                pair("callerFormat", extra(&t.extra, "callerFormat")),
                pair("calledFormat", extra(&t.extra, "calledFormat")),
                pair("description", extra(&t.extra, "description")),
                pair("zone", extra(&t.extra, "zone")),
                pair("countryCode", extra(&t.extra, "countryCode")),
            ],
        ),
    }
}

const ADDRESS_KEYS: &[(&str, &str)] = &[
    ("line1", "Line 1"),
    ("line2", "Line 2"),
    ("level1", "County/state"),
    ("level2", "Town"),
    ("postalCode", "Postal code"),
    ("country", "Country"),
];

fn address_form(a: &model::Account) -> FormSpec {
    let fields = ADDRESS_KEYS
        .iter()
        .map(|(k, label)| {
            field(
                k,
                label,
                FieldKind::Text,
                matches!(*k, "line1" | "postalCode" | "country"),
                match *k {
                    "level1" => "county, state or region",
                    "level2" => "town or city",
                    _ => "",
                },
            )
        })
        .collect();
    let values = ADDRESS_KEYS
        .iter()
        .map(|(k, _)| pair(k, extra(&a.extra, &format!("address {k}"))))
        .collect();
    form(
        format!("Address of {}", a.name),
        FormMode::Edit,
        fields,
        values,
    )
}

fn hook_form(title: String, mode: FormMode, values: Vec<(String, String)>) -> FormSpec {
    let fields = vec![
        field(
            "app",
            "App",
            FieldKind::Choice(HOOK_APPS),
            true,
            "flow.generic: a 3rd party controls the flow; event.generic: receives events",
        ),
        field(
            "url",
            "URL",
            FieldKind::Text,
            true,
            "http(s) URL the hook calls",
        ),
        field(
            "method",
            "Method",
            FieldKind::Choice(HOOK_METHODS),
            true,
            "HTTP method",
        ),
        field(
            "authType",
            "Auth type",
            FieldKind::Text,
            true,
            "DISABLED or the provider's auth type",
        ),
        field(
            "priority",
            "Priority",
            FieldKind::Text,
            true,
            "whole number, e.g. 10",
        ),
    ];
    form(title, mode, fields, values)
}

/// Parses a `hook <id>` detail field (`app method url prio N auth X`).
fn hook_values(text: &str) -> Vec<(String, String)> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let get = |i: usize| parts.get(i).copied().unwrap_or("").to_owned();
    let after = |word: &str| {
        parts
            .iter()
            .position(|p| *p == word)
            .and_then(|i| parts.get(i + 1))
            .map(|s| (*s).to_owned())
            .unwrap_or_default()
    };
    vec![
        pair("app", get(0)),
        pair("method", get(1)),
        pair("url", get(2)),
        pair("authType", after("auth")),
        pair("priority", after("prio")),
    ]
}

pub fn open(intent: Intent, ctx: &FormContext) -> Result<(FormSpec, ProviderTarget), String> {
    match intent {
        Intent::TrunkNew => {
            let a = account_of(ctx)?;
            Ok((trunk_form(None), target(&a.id, "trunk.new", None)))
        }
        Intent::TrunkEdit => {
            let t = ctx.trunk.ok_or("select a trunk first (pane 4)")?;
            Ok((
                trunk_form(Some(t)),
                target(&t.account, "trunk.edit", Some(t.id.clone())),
            ))
        }
        Intent::Other("address.edit") => {
            let a = account_of(ctx)?;
            Ok((address_form(a), target(&a.id, "address.edit", None)))
        }
        Intent::Other("hook.new") => {
            let a = account_of(ctx)?;
            let values = vec![
                pair("app", "event.generic"),
                pair("url", ""),
                pair("method", "POST"),
                pair("authType", "DISABLED"),
                pair("priority", "10"),
            ];
            Ok((
                hook_form(format!("New hook for {}", a.name), FormMode::Create, values),
                target(&a.id, "hook.new", None),
            ))
        }
        Intent::Other("hook.edit") => {
            let a = account_of(ctx)?;
            let hooks: Vec<(&str, &str)> = a
                .extra
                .iter()
                .filter_map(|(k, v)| k.strip_prefix("hook ").map(|id| (id, v)))
                .collect();
            let wanted = ctx.args.trim();
            let pick = if wanted.is_empty() && hooks.len() == 1 {
                hooks.first()
            } else {
                hooks.iter().find(|(id, v)| {
                    !wanted.is_empty() && (id.starts_with(wanted) || v.contains(wanted))
                })
            };
            let Some((id, text)) = pick else {
                return Err(if hooks.is_empty() {
                    "this account has no hooks yet (hook.new creates one)".into()
                } else {
                    "name the hook: :hook.edit <id prefix or part of its URL> (see the account details)".into()
                });
            };
            Ok((
                hook_form(format!("Edit hook {id}"), FormMode::Edit, hook_values(text)),
                target(&a.id, "hook.edit", Some((*id).to_owned())),
            ))
        }
        Intent::Call => {
            let a = account_of(ctx)?;
            let fields = vec![
                field(
                    "target",
                    "Call",
                    FieldKind::Text,
                    true,
                    "phone number (+44…) or extension (digits) rung first",
                ),
                field(
                    "callerId",
                    "Caller ID",
                    FieldKind::Text,
                    false,
                    "empty = the account's main number",
                ),
                field(
                    "say",
                    "Say",
                    FieldKind::Text,
                    false,
                    "text spoken when answered",
                ),
                field(
                    "dial",
                    "Then dial",
                    FieldKind::Text,
                    false,
                    "+number to connect after the text (empty = hang up)",
                ),
            ];
            let values = vec![
                pair("target", ctx.args.trim()),
                pair("callerId", extra(&a.extra, "mbn")),
                pair("say", ""),
                pair("dial", ""),
            ];
            Ok((
                form(
                    format!("Call from {}", a.name),
                    FormMode::Create,
                    fields,
                    values,
                ),
                target(&a.id, "call", None),
            ))
        }
        Intent::Hangup => {
            let c = ctx.call.ok_or("select a live call first (pane 2)")?;
            Ok((
                form(
                    format!("Hang up {} → {} ({})", c.from, c.to, c.state.label()),
                    FormMode::Edit,
                    Vec::new(),
                    Vec::new(),
                ),
                target(&c.account, "hangup", Some(c.id.to_string())),
            ))
        }
        Intent::Repoint => super::flow_forms::repoint(ctx),
        Intent::Other(op @ ("device.new" | "device.edit")) => {
            super::device_forms::open(op, ctx).unwrap_or_else(|| Err("no such form".into()))
        }
        _ => Err("not offered by Callable".into()),
    }
}

/// Callable numbers: `+` and 8-15 digits as typed; shown with a `+` when stored bare.
pub const PHONE: Rules = Rules {
    display_plus_from: 1,
    ..Rules::typed(Prefix::Plus, 8..=15)
};

/// A Callable extension: 1-8 digits, no prefix.
pub const EXTENSION: Rules = Rules::typed(Prefix::None, 1..=8);

fn e164(s: &str, what: &str) -> Result<String, String> {
    if phone::is_valid(s, &PHONE) {
        Ok(s.to_owned())
    } else {
        Err(format!(
            "{what}: use +country code and number, e.g. +441234567890"
        ))
    }
}

pub fn build(t: &ProviderTarget, values: &[(String, String)]) -> Result<Mutation, String> {
    let v = |k: &str| value(values, k).to_owned();
    let provider = |command: &'static str, change: Change| Mutation::Provider {
        account: t.account.clone(),
        command: command.into(),
        change: ProviderChange::Callable(change),
    };
    let id = || {
        t.id.clone()
            .ok_or_else(|| "the object to change is unknown".to_string())
    };
    // Callable's PUTs replace the whole object (providers.md §4.4: "full object incl.
    // id"): a field the operator did not touch goes back exactly as stored, without the
    // checks and tidying a typed value gets, so the PUT changes only what was typed.
    let typed = |k: &str| t.changed(values, k);
    match t.op.as_ref() {
        "trunk.new" | "trunk.edit" => {
            let port: u16 = v("port")
                .parse()
                .ok()
                .filter(|p| *p > 0)
                .ok_or("port: a number from 1 to 65535")?;
            let mut cc = v("countryCode");
            if typed("countryCode") {
                cc = cc.to_ascii_uppercase();
                if cc.len() != 2 || !cc.chars().all(|c| c.is_ascii_alphabetic()) {
                    return Err("country: a two-letter ISO code, e.g. GB".into());
                }
            }
            let trunk = TrunkBody {
                ip: v("ip"),
                port,
                vendor: v("vendor"),
                caller_format: v("callerFormat"),
                called_format: v("calledFormat"),
                description: v("description"),
                zone: v("zone"),
                country_code: cc,
            };
            if trunk.ip.is_empty() {
                return Err("IP: required".into());
            }
            Ok(if t.op == "trunk.new" {
                provider("trunk.new", Change::CreateTrunk(trunk))
            } else {
                provider("trunk.edit", Change::UpdateTrunk { id: id()?, trunk })
            })
        }
        "address.edit" => Ok(provider(
            "address.edit",
            Change::UpdateAddress(Address {
                line1: v("line1"),
                line2: v("line2"),
                level1: v("level1"),
                level2: v("level2"),
                postal_code: v("postalCode"),
                country: v("country"),
            }),
        )),
        "hook.new" | "hook.edit" => {
            let url = v("url");
            let lower = url.to_ascii_lowercase();
            if typed("url")
                && (!(lower.starts_with("http://") || lower.starts_with("https://"))
                    || url.len() < 10)
            {
                return Err("URL: an http:// or https:// address".into());
            }
            // A stored hook without a priority shows `-`; untouched, it stays without one.
            let priority = match v("priority").as_str() {
                "-" | "" if !typed("priority") => None,
                p => Some(
                    p.parse::<i64>()
                        .map_err(|_| "priority: a whole number, e.g. 10".to_string())?,
                ),
            };
            let hook = HookBody {
                app: v("app"),
                url,
                auth_type: if v("authType").is_empty() && typed("authType") {
                    "DISABLED".into()
                } else {
                    v("authType")
                },
                method: v("method"),
                priority,
            };
            Ok(if t.op == "hook.new" {
                provider("hook.new", Change::CreateHook(hook))
            } else {
                provider("hook.edit", Change::UpdateHook { id: id()?, hook })
            })
        }
        "call" => {
            let raw = v("target");
            let target = if raw.starts_with('+') {
                CallTarget::Phone(e164(&raw, "call")?)
            } else if phone::is_valid(&raw, &EXTENSION) {
                CallTarget::Extension(raw)
            } else {
                return Err("call: a +number or an extension (up to 8 digits)".into());
            };
            let caller = v("callerId");
            let caller_id = if caller.is_empty() {
                None
            } else {
                let c = if caller.starts_with('+') {
                    caller
                } else {
                    format!("+{caller}")
                };
                Some(e164(&c, "caller ID")?)
            };
            let dial = v("dial");
            Ok(provider(
                "call",
                Change::Call(CallSpec {
                    caller_id,
                    target,
                    say: Some(v("say")).filter(|s| !s.is_empty()),
                    dial: if dial.is_empty() {
                        None
                    } else {
                        Some(e164(&dial, "then dial")?)
                    },
                }),
            ))
        }
        "repoint" => super::flow_forms::build_repoint(t, values),
        "device.new" | "device.edit" => {
            super::device_forms::build(t, values).unwrap_or_else(|| Err("no such form".into()))
        }
        "hangup" => Ok(Mutation::Hangup {
            account: t.account.clone(),
            call_id: id()?,
        }),
        other => Err(format!("unknown Callable form {other}")),
    }
}

/// Callable's own commands: the account address, hooks and the call-flow view.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::form(
        "address.edit",
        "Edit address",
        "Edit the selected account's postal address (Callable)",
    )
    .on(ACCOUNTS)
    .mutating()
    .needs(ActionKind::EditAccount)
    .row(),
    CommandSpec::form(
        "hook.new",
        "New hook",
        "Create a flow or event hook on the selected account (Callable)",
    )
    .on(ACCOUNTS)
    .mutating()
    .needs(ActionKind::EditAccount)
    .row(),
    CommandSpec::form(
        "hook.edit",
        "Edit hook",
        "Edit a hook of the selected account: :hook.edit <id prefix or URL part> (Callable)",
    )
    .on(ACCOUNTS)
    .mutating()
    .needs(ActionKind::EditAccount)
    .row(),
    CommandSpec::form(
        "flow",
        "Show call flow",
        "Draw the selected account's call flow: DDIs, devices, trunks, missing references",
    )
    .runs(Runs::Flow)
    .on(ACCOUNTS)
    .row(),
    super::device_forms::COMMANDS[0],
    super::device_forms::COMMANDS[1],
];

const ACCOUNTS: &[Resource] = &[Resource::Accounts];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_rules_plus_number_or_extension() {
        use crate::phone::{display, is_valid};
        assert!(is_valid("+441234567890", &PHONE));
        assert!(!is_valid("441234567890", &PHONE));
        assert!(!is_valid("+4412", &PHONE));
        assert!(!is_valid("+44 1234 567890", &PHONE));
        assert!(e164("+441234567890", "call").is_ok());
        assert_eq!(
            e164("+44", "call").unwrap_err(),
            "call: use +country code and number, e.g. +441234567890"
        );
        assert!(is_valid("1", &EXTENSION));
        assert!(is_valid("12345678", &EXTENSION));
        assert!(!is_valid("123456789", &EXTENSION));
        assert!(!is_valid("", &EXTENSION));
        assert!(!is_valid("+1234", &EXTENSION));
        assert!(!is_valid("12a", &EXTENSION));
        // Shown with a `+` whenever stored as bare digits.
        assert_eq!(display("441234567890", &PHONE), "+441234567890");
        assert_eq!(display("1001", &PHONE), "+1001");
        assert_eq!(display("+44", &PHONE), "+44");
    }
}
