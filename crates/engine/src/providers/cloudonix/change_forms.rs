//! The forms of Cloudonix's own changes ([`super::change::Change`]): subscribers (new,
//! edit, enable/disable, delete, RegFree call), transferring a live call to another voice
//! application, and DNID create / delete; and the commands that open them.
//!
//! A subscriber is named by its msisdn (`:subscriber.edit 1001`); the API takes an id
//! or an msisdn in the path. The domain's subscribers are listed in its details
//! (`subscriber <msisdn>` fields, see [`super::map::map_subscribers`]).

use crate::form::spec::{FieldKind, FormMode, FormSpec};
use crate::model::{self, ActionKind, Resource};
use crate::providers::commands::{CommandSpec, Confirm};
use crate::providers::forms::{FormContext, Intent, ProviderTarget};
use crate::providers::{Mutation, NumberSpec, ProviderChange};
use crate::secret::Secret;

use super::change::Change;
use super::forms::{
    MATCH_MODES, app_kind, confirm_spec, dnid_fields, field, known_applications, one_of, pair,
    parse_bool, target, value, yes_no,
};

pub mod key {
    pub const MSISDN: &str = "msisdn";
    pub const SIP_PASSWORD: &str = "sip_password";
    pub const ACTIVE: &str = "active";
    pub const DESTINATION: &str = "destination";
    pub const APPLICATION: &str = "application";
    pub const SOURCE: &str = "source";
    pub const MATCH: &str = "match";
}

/// The domain's detail field listing its voice applications (comma-separated names).
pub const APPLICATIONS_FIELD: &str = "applications";

/// The domain's applications: those its details list, then those its numbers route to.
fn applications(ctx: &FormContext, domain: &str) -> Vec<String> {
    let listed = ctx
        .accounts
        .iter()
        .copied()
        .chain(ctx.account_row)
        .find(|a| a.id == domain)
        .and_then(|a| a.extra.get(APPLICATIONS_FIELD))
        .map(|v| v.split(", ").map(str::to_owned).collect::<Vec<_>>())
        .unwrap_or_default();
    let mut all: Vec<String> = listed
        .into_iter()
        .filter(|a| !a.trim().is_empty())
        .collect();
    for a in known_applications(ctx, domain) {
        if !all.contains(&a) {
            all.push(a);
        }
    }
    all
}

/// The detail-field prefix of one subscriber of a domain (`subscriber 1001`).
pub const SUBSCRIBER_FIELD: &str = "subscriber ";

/// The subscribers a domain's details list: (msisdn, active).
fn subscribers_of(account: Option<&model::Account>) -> Vec<(String, bool)> {
    account
        .map(|a| {
            a.extra
                .iter()
                .filter_map(|(k, v)| {
                    let msisdn = k.strip_prefix(SUBSCRIBER_FIELD)?;
                    Some((msisdn.to_owned(), !v.starts_with("inactive")))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The subscriber named in the palette arguments (first word), checked against the
/// domain's list when it is known.
fn named_subscriber(ctx: &FormContext) -> Result<(String, Option<bool>), String> {
    let name = ctx.args.split_whitespace().next().unwrap_or_default();
    let known = subscribers_of(ctx.account_row);
    if name.is_empty() {
        let hint = known
            .iter()
            .take(5)
            .map(|(m, _)| m.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        return Err(if hint.is_empty() {
            "name the subscriber by msisdn (:subscriber.edit 1001)".to_owned()
        } else {
            format!("name the subscriber by msisdn, e.g. {hint}")
        });
    }
    let found = known.iter().find(|(m, _)| m == name).map(|(_, a)| *a);
    if found.is_none() && !known.is_empty() {
        return Err(format!("no subscriber {name} in {}", ctx.account));
    }
    Ok((name.to_owned(), found))
}

fn domain_of(ctx: &FormContext) -> Result<String, String> {
    let a = ctx.account.trim();
    if a.is_empty() {
        Err("select a domain first (pane 1)".into())
    } else {
        Ok(a.to_owned())
    }
}

/// The intents Cloudonix's forms handle: the neutral ones and its own commands
/// ([`COMMANDS`]).
pub fn offers(intent: Intent) -> bool {
    match intent {
        Intent::Other(name) => COMMANDS.iter().any(|c| c.name == name),
        _ => true,
    }
}

/// Every Cloudonix form (the descriptor's entry point): number new / delete and the
/// provider's own commands here, the rest in `forms` (which needs nothing from here).
pub fn open_any(intent: Intent, ctx: &FormContext) -> Result<(FormSpec, ProviderTarget), String> {
    match intent {
        Intent::NumberNew | Intent::NumberDelete | Intent::Other(_) => open(intent, ctx),
        other => super::forms::open(other, ctx),
    }
}

/// [`open_any`]'s builder.
pub fn build_any(t: &ProviderTarget, values: &[(String, String)]) -> Result<Mutation, String> {
    build(t, values).unwrap_or_else(|| super::forms::build(t, values))
}

/// Opens the form of one of Cloudonix's own commands (or number new / delete).
pub fn open(intent: Intent, ctx: &FormContext) -> Result<(FormSpec, ProviderTarget), String> {
    match intent {
        Intent::NumberNew => {
            let d = domain_of(ctx)?;
            let apps = applications(ctx, &d);
            let first = apps.first().cloned().unwrap_or_default();
            let spec = FormSpec {
                title: format!("New number in {d}"),
                mode: FormMode::Create,
                fields: dnid_fields(app_kind(apps)),
                values: vec![
                    pair(key::SOURCE, ctx.args.trim()),
                    pair(key::APPLICATION, first),
                    pair(key::ACTIVE, "yes"),
                    pair(key::MATCH, "exact"),
                ],
                confirm: None,
            };
            Ok((spec, target(&d, "number.new", None)))
        }
        Intent::NumberDelete => {
            let n = ctx.number.ok_or("select a number first (pane 5)")?;
            let typed = n.as_sent().trim().to_owned();
            let why = format!(
                "deleting number {} cannot be undone; calls to it stop being answered",
                n.number
            );
            let mut t = target(&n.account, "number.delete", Some(&n.id));
            t.data.push(pair("number", n.number.clone()));
            Ok((
                confirm_spec(format!("Delete number {}", n.number), Some((typed, why))),
                t,
            ))
        }
        Intent::Other("subscriber.new") => {
            let d = domain_of(ctx)?;
            let spec = FormSpec {
                title: format!("New subscriber in {d}"),
                mode: FormMode::Create,
                fields: vec![
                    field(
                        key::MSISDN,
                        "MSISDN",
                        FieldKind::Text,
                        true,
                        "the subscriber's number or extension (1001, +14155550123)",
                    ),
                    field(
                        key::SIP_PASSWORD,
                        "SIP password",
                        FieldKind::Secret,
                        false,
                        "empty = Cloudonix makes one; it is shown once",
                    ),
                ],
                values: vec![
                    pair(key::MSISDN, ctx.args.trim()),
                    pair(key::SIP_PASSWORD, ""),
                ],
                confirm: None,
            };
            Ok((spec, target(&d, "subscriber.new", None)))
        }
        Intent::Other("subscriber.edit") => {
            let d = domain_of(ctx)?;
            let (msisdn, active) = named_subscriber(ctx)?;
            let spec = FormSpec {
                title: format!("Edit subscriber {msisdn}"),
                mode: FormMode::Edit,
                fields: vec![
                    field(
                        key::ACTIVE,
                        "Active",
                        FieldKind::Bool,
                        true,
                        "an inactive subscriber cannot register or call",
                    ),
                    field(
                        key::SIP_PASSWORD,
                        "SIP password",
                        FieldKind::Secret,
                        false,
                        "empty = keep the current password",
                    ),
                ],
                values: vec![
                    pair(key::ACTIVE, yes_no(active.unwrap_or(true))),
                    pair(key::SIP_PASSWORD, ""),
                ],
                confirm: None,
            };
            Ok((spec, target(&d, "subscriber.edit", Some(&msisdn))))
        }
        Intent::Other("subscriber.toggle") => {
            let d = domain_of(ctx)?;
            let (msisdn, active) = named_subscriber(ctx)?;
            let enable = active == Some(false);
            let verb = if enable { "Enable" } else { "Disable" };
            let mut t = target(&d, "subscriber.toggle", Some(&msisdn));
            t.data.push(pair(key::ACTIVE, yes_no(enable)));
            Ok((confirm_spec(format!("{verb} subscriber {msisdn}"), None), t))
        }
        Intent::Other("subscriber.delete") => {
            let d = domain_of(ctx)?;
            let (msisdn, _) = named_subscriber(ctx)?;
            let why = format!(
                "deleting subscriber {msisdn} cannot be undone; its phones stop registering"
            );
            Ok((
                confirm_spec(
                    format!("Delete subscriber {msisdn}"),
                    Some((msisdn.clone(), why)),
                ),
                target(&d, "subscriber.delete", Some(&msisdn)),
            ))
        }
        Intent::Other("subscriber.call") => {
            let d = domain_of(ctx)?;
            let (msisdn, _) = named_subscriber(ctx)?;
            let dest = ctx.args.split_whitespace().nth(1).unwrap_or_default();
            let spec = FormSpec {
                title: format!("Call from subscriber {msisdn} (RegFree)"),
                mode: FormMode::Create,
                fields: vec![field(
                    key::DESTINATION,
                    "Destination",
                    FieldKind::Text,
                    true,
                    "number or extension the subscriber calls",
                )],
                values: vec![pair(key::DESTINATION, dest)],
                confirm: None,
            };
            Ok((spec, target(&d, "subscriber.call", Some(&msisdn))))
        }
        Intent::Other("transfer") => {
            let c = ctx.call.ok_or("select a live call first (pane 2)")?;
            let apps = applications(ctx, &c.account);
            let typed = ctx.args.trim();
            let first = if typed.is_empty() {
                apps.first().cloned().unwrap_or_default()
            } else {
                typed.to_owned()
            };
            let spec = FormSpec {
                title: format!("Transfer {} → {} to another application", c.from, c.to),
                mode: FormMode::Create,
                fields: vec![field(
                    key::APPLICATION,
                    "Application",
                    app_kind(apps),
                    true,
                    "voice application of the domain that takes the call over",
                )],
                values: vec![pair(key::APPLICATION, first)],
                confirm: None,
            };
            Ok((spec, target(&c.account, "transfer", Some(&c.id))))
        }
        _ => Err("not offered by Cloudonix".into()),
    }
}

fn secret(values: &[(String, String)], k: &str) -> Option<Secret> {
    values
        .iter()
        .rev()
        .find(|(key, _)| key == k)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
        .map(Secret::new)
}

fn change(t: &ProviderTarget, c: Change) -> Mutation {
    Mutation::Provider {
        account: t.account.clone(),
        command: t.op.clone(),
        change: ProviderChange::Cloudonix(c),
    }
}

/// Turns a submitted form of [`open`] into its mutation; `None` when `t.op` is not one.
pub fn build(t: &ProviderTarget, values: &[(String, String)]) -> Option<Result<Mutation, String>> {
    let id = t.id.clone().unwrap_or_default();
    let r = match t.op.as_ref() {
        "number.new" => (|| {
            let source = value(values, key::SOURCE);
            if source.is_empty() {
                return Err("Number is required".to_owned());
            }
            let application = value(values, key::APPLICATION);
            if application.is_empty() {
                return Err("Application is required".to_owned());
            }
            let mode = match value(values, key::MATCH) {
                "" => "exact".to_owned(),
                m => one_of("Match", m, MATCH_MODES)?,
            };
            Ok(change(
                t,
                Change::NumberNew {
                    number: NumberSpec {
                        source: source.to_owned(),
                        application: application.to_owned(),
                        active: parse_bool("Active", value(values, key::ACTIVE))?,
                        prefix: mode == "prefix",
                        expression: mode == "expression",
                        asterisk_compatible: mode == "asterisk",
                    },
                },
            ))
        })(),
        "number.delete" => Ok(change(
            t,
            Change::NumberDelete {
                id,
                number: value(&t.data, "number").to_owned(),
            },
        )),
        "subscriber.new" => {
            let msisdn = value(values, key::MSISDN);
            if msisdn.is_empty() || msisdn.chars().any(char::is_whitespace) {
                Err(format!(
                    "MSISDN: expected a number without spaces, got '{msisdn}'"
                ))
            } else {
                Ok(change(
                    t,
                    Change::SubscriberNew {
                        msisdn: msisdn.to_owned(),
                        password: secret(values, key::SIP_PASSWORD),
                    },
                ))
            }
        }
        "subscriber.edit" => (|| {
            let active = parse_bool("Active", value(values, key::ACTIVE))?;
            let password = secret(values, key::SIP_PASSWORD);
            let active = t.changed(values, key::ACTIVE).then_some(active);
            if active.is_none() && password.is_none() {
                return Err("nothing changed".to_owned());
            }
            Ok(change(
                t,
                Change::SubscriberEdit {
                    key: id.clone(),
                    active,
                    password,
                },
            ))
        })(),
        "subscriber.toggle" => parse_bool("Active", value(&t.data, key::ACTIVE)).map(|a| {
            change(
                t,
                Change::SubscriberEdit {
                    key: id.clone(),
                    active: Some(a),
                    password: None,
                },
            )
        }),
        "subscriber.delete" => Ok(change(t, Change::SubscriberDelete { key: id })),
        "subscriber.call" => {
            let dest = value(values, key::DESTINATION);
            if dest.is_empty() || dest.chars().any(char::is_whitespace) {
                Err(format!(
                    "Destination: expected a number without spaces, got '{dest}'"
                ))
            } else {
                Ok(change(
                    t,
                    Change::RegFreeCall {
                        msisdn: id,
                        destination: dest.to_owned(),
                    },
                ))
            }
        }
        "transfer" => {
            let app = value(values, key::APPLICATION);
            if app.is_empty() {
                Err("Application is required".to_owned())
            } else {
                Ok(change(
                    t,
                    Change::Transfer {
                        token: id,
                        application: app.to_owned(),
                    },
                ))
            }
        }
        _ => return None,
    };
    Some(r)
}

/// Cloudonix's own commands: subscribers and transferring a live call.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::form(
        "subscriber.new",
        "New subscriber",
        "Create a subscriber in the selected domain (its SIP password is shown once)",
    )
    .on(ACCOUNTS)
    .mutating()
    .needs(ActionKind::EditAccount)
    .row(),
    CommandSpec::form(
        "subscriber.edit",
        "Edit subscriber",
        "Edit a subscriber of the selected domain: :subscriber.edit <msisdn>",
    )
    .on(ACCOUNTS)
    .mutating()
    .needs(ActionKind::EditAccount)
    .row(),
    CommandSpec::form(
        "subscriber.toggle",
        "Subscriber on / off",
        "Enable or disable a subscriber: :subscriber.toggle <msisdn> (asks first)",
    )
    .on(ACCOUNTS)
    .mutating()
    .confirm(Confirm::Dialog)
    .needs(ActionKind::EditAccount)
    .row(),
    CommandSpec::form(
        "subscriber.delete",
        "Delete subscriber",
        "Delete a subscriber: :subscriber.delete <msisdn> (type it to confirm)",
    )
    .on(ACCOUNTS)
    .mutating()
    .destructive()
    .confirm(Confirm::Typed)
    .needs(ActionKind::EditAccount)
    .row(),
    CommandSpec::form(
        "subscriber.call",
        "Call from subscriber",
        "RegFree call from a subscriber: :subscriber.call <msisdn> [destination]",
    )
    .on(ACCOUNTS)
    .mutating()
    .confirm(Confirm::Dialog)
    .needs(ActionKind::ClickToCall)
    .row(),
    CommandSpec::form(
        "transfer",
        "Transfer call",
        "Switch the selected live call to another voice application of its domain (asks first)",
    )
    .on(LIVE)
    .mutating()
    .confirm(Confirm::Dialog)
    .needs(ActionKind::Hangup)
    .row(),
];

const ACCOUNTS: &[Resource] = &[Resource::Accounts];
const LIVE: &[Resource] = &[Resource::LiveCalls];
