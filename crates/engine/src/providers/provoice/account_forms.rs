//! ProVoice customers and users (seed 004: `createCustomer`, `updateCustomer`,
//! `createUser`, `updateUser`): a new customer under the selected one (its parent in the
//! tree), a new user under the selected customer, and edits of either. A user's password
//! is a secret ([`super::Change::Post::password`]): masked in the review and the audit.

use serde_json::{Map, Value};

use crate::form::spec::{FieldKind, FormMode, FormSpec};
use crate::model::Account;
use crate::providers::forms::Intent;
use crate::providers::forms::{FormContext, ProviderTarget};
use crate::providers::{Mutation, ProviderChange};
use crate::secret::Secret;

use super::forms::{
    PHONE, bool_of, extra, field, id_json, owner, pair, spec, target, value, yes_no,
};

/// The commands of this module (the palette lists them with ProVoice's others).
pub const NAMES: &[&str] = &["customer.new", "customer.edit", "user.new", "user.edit"];

fn selected<'a>(ctx: &FormContext<'a>) -> Option<&'a Account> {
    ctx.account_row
        .or_else(|| ctx.accounts.iter().copied().find(|a| a.id == ctx.account))
}

fn customer_fields() -> Vec<crate::form::spec::FieldSpec> {
    vec![
        field("name", "Name", FieldKind::Text, true, "the customer's name"),
        field(
            "active",
            "Active",
            FieldKind::Bool,
            true,
            "an inactive customer's users cannot call",
        ),
    ]
}

fn user_fields(editing: bool) -> Vec<crate::form::spec::FieldSpec> {
    vec![
        field(
            "username",
            "User name",
            FieldKind::Text,
            true,
            "SIP user name",
        ),
        field(
            "password",
            "Password",
            FieldKind::Secret,
            !editing,
            if editing {
                "empty = keep the current password"
            } else {
                "SIP password"
            },
        ),
        field(
            "callerid",
            "Caller id",
            FieldKind::Text,
            false,
            "number shown on the user's calls (digits, + * #)",
        ),
        field(
            "active",
            "Active",
            FieldKind::Bool,
            true,
            "an inactive user cannot call",
        ),
    ]
}

/// Every ProVoice form: the account forms here, the rest in `forms` (the descriptor's
/// entry points, so `forms` needs nothing from this file).
pub fn open_any(intent: Intent, ctx: &FormContext) -> Result<(FormSpec, ProviderTarget), String> {
    match intent {
        Intent::Other(op) => open(op, ctx).unwrap_or_else(|| super::forms::open(intent, ctx)),
        other => super::forms::open(other, ctx),
    }
}

/// [`open_any`]'s builder.
pub fn build_any(t: &ProviderTarget, values: &[(String, String)]) -> Result<Mutation, String> {
    build(t, values).unwrap_or_else(|| super::forms::build(t, values))
}

/// Opens one of [`NAMES`]; `None` for any other command.
pub fn open(
    op: &'static str,
    ctx: &FormContext,
) -> Option<Result<(FormSpec, ProviderTarget), String>> {
    if !NAMES.contains(&op) {
        return None;
    }
    Some((|| {
        let o = owner(ctx)?;
        let account = selected(ctx);
        match op {
            "customer.new" => {
                if o.user.is_some() {
                    return Err(
                        "select the parent customer (not a user) on the Accounts pane".into(),
                    );
                }
                let mut t = target(&o, op, None);
                t.data.push(pair("parent_id", o.customer.clone()));
                Ok((
                    spec(
                        format!("New customer under {}", o.label()),
                        FormMode::Create,
                        customer_fields(),
                        vec![pair("name", ctx.args.trim()), pair("active", "yes")],
                    ),
                    t,
                ))
            }
            "customer.edit" => {
                if o.user.is_some() {
                    return Err("select a customer (not a user) on the Accounts pane".into());
                }
                let a = account.ok_or("select a customer on the Accounts pane first")?;
                Ok((
                    spec(
                        format!("Edit customer {}", a.name),
                        FormMode::Edit,
                        customer_fields(),
                        vec![
                            pair("name", a.name.clone()),
                            pair("active", yes_no(a.active.unwrap_or(true))),
                        ],
                    ),
                    target(&o, op, Some(o.customer.clone())),
                ))
            }
            "user.new" => {
                let mut t = target(&o, op, None);
                t.data.retain(|(k, _)| k != "user_id");
                Ok((
                    spec(
                        format!("New user of customer {}", o.customer),
                        FormMode::Create,
                        user_fields(false),
                        vec![
                            pair("username", ctx.args.trim()),
                            pair("password", ""),
                            pair("callerid", ""),
                            pair("active", "yes"),
                        ],
                    ),
                    t,
                ))
            }
            _ => {
                let user = o
                    .user
                    .clone()
                    .ok_or("select a user on the Accounts pane first (under its customer)")?;
                let a = account.ok_or("select a user on the Accounts pane first")?;
                let callerid = extra(&a.extra, "callerid").unwrap_or_default();
                Ok((
                    spec(
                        format!("Edit user {} of customer {}", a.name, o.customer),
                        FormMode::Edit,
                        user_fields(true),
                        vec![
                            pair("username", a.name.clone()),
                            pair("password", ""),
                            pair("callerid", callerid.trim_start_matches('+')),
                            pair("active", yes_no(a.active.unwrap_or(true))),
                        ],
                    ),
                    target(&o, op, Some(user)),
                ))
            }
        }
    })())
}

/// Builds the mutation of a submitted [`open`] form; `None` for any other command.
pub fn build(t: &ProviderTarget, values: &[(String, String)]) -> Option<Result<Mutation, String>> {
    if !NAMES.contains(&t.op.as_ref()) {
        return None;
    }
    Some((|| {
        let v = |k: &str| value(values, k);
        let data = |k: &str| value(&t.data, k).to_owned();
        let id = t.id.clone().unwrap_or_default();
        let editing = t.op.ends_with(".edit");
        let changed = |k: &str| !editing || t.changed(values, k);
        let mut body = Map::new();
        if editing {
            if id.is_empty() {
                return Err("nothing selected to change".to_owned());
            }
            body.insert("id".into(), id_json(&id));
        }
        let mut password = None;
        let (operation, what) = if t.op.starts_with("customer.") {
            if v("name").is_empty() {
                return Err("name is required".to_owned());
            }
            if changed("name") {
                body.insert("name".into(), v("name").into());
            }
            if changed("active") {
                body.insert("active".into(), bool_of(v("active")).into());
            }
            if editing {
                ("updateCustomer", format!("customer {id}"))
            } else {
                body.insert("parent_id".into(), id_json(&data("parent_id")));
                ("createCustomer", format!("customer {}", v("name")))
            }
        } else {
            let username = v("username");
            if username.is_empty() || username.chars().any(char::is_whitespace) {
                return Err(format!("user name: one word, got '{username}'"));
            }
            let callerid = v("callerid");
            if !callerid.is_empty() && !crate::phone::is_valid(callerid, &PHONE) {
                return Err("caller id: digits, optionally with + * #".to_owned());
            }
            body.insert("customer_id".into(), id_json(&data("customer_id")));
            if changed("username") {
                body.insert("username".into(), username.into());
            }
            if changed("callerid") {
                body.insert("callerid".into(), callerid.into());
            }
            if changed("active") {
                body.insert("active".into(), bool_of(v("active")).into());
            }
            // Taken as typed (spaces may be part of it); empty = keep (edit).
            password = values
                .iter()
                .find(|(k, _)| k == "password")
                .map(|(_, p)| p.as_str())
                .filter(|p| !p.is_empty())
                .map(Secret::new);
            if !editing && password.is_none() {
                return Err("password is required".to_owned());
            }
            if editing {
                ("updateUser", format!("user {id}"))
            } else {
                ("createUser", format!("user {username}"))
            }
        };
        if editing && password.is_none() && body.keys().all(|k| k == "id" || k == "customer_id") {
            return Err("nothing changed".to_owned());
        }
        Ok(Mutation::Provider {
            account: t.account.clone(),
            command: t.op.clone(),
            change: ProviderChange::Provoice(super::Change::Post {
                operation,
                body: body.into_iter().collect::<Map<String, Value>>(),
                what,
                password,
            }),
        })
    })())
}
