//! ProVoice wire objects → the neutral model. Customers keep their numeric id as the
//! account id; users become `user:<id>` sub-accounts under their customer (ids of the
//! two kinds may coincide at the provider).

use crate::model::{
    Account, AccountKind, Call, CallState, Direction, Field, FieldsBuilder, Number, ProviderId,
    Trunk,
};

use super::wire;

/// Account-id prefix of a user row.
pub const USER_PREFIX: &str = "user:";

pub fn user_account_id(user_id: &str) -> String {
    format!("{USER_PREFIX}{user_id}")
}

/// The user id of a `user:<id>` account.
pub fn user_id_of(account: &str) -> Option<&str> {
    account.strip_prefix(USER_PREFIX).filter(|s| !s.is_empty())
}

fn f(k: impl Into<crate::model::FieldKey>, v: impl Into<String>) -> Field {
    (k.into(), v.into().into())
}

fn or_dash(s: &str) -> String {
    if s.is_empty() {
        "-".into()
    } else {
        s.to_owned()
    }
}

/// Customers with their sub-customer count and, when known, their users.
/// `users` is `(customer id, that customer's users)`; customers absent from it get no
/// `users` count (not fetched yet).
pub fn map_tree(
    provider: ProviderId,
    customers: &[wire::Customer],
    users: &[(String, Vec<wire::User>)],
) -> Vec<Account> {
    // A flag nobody raises: never cancelled.
    map_tree_until(provider, customers, users, &crate::tree::Cancel::new()).unwrap_or_default()
}

/// [`map_tree`] in linear time that stops soon after `cancel` is raised (it runs on the
/// blocking pool for customer lists of any size).
pub fn map_tree_until(
    provider: ProviderId,
    customers: &[wire::Customer],
    users: &[(String, Vec<wire::User>)],
    cancel: &crate::tree::Cancel,
) -> Result<Vec<Account>, crate::tree::Cancelled> {
    use std::collections::HashMap;
    let mut subs: HashMap<&str, usize> = HashMap::new();
    for (i, o) in customers.iter().enumerate() {
        cancel.check(i)?;
        if let Some(p) = o.parent_id.as_deref().filter(|p| *p != o.id) {
            *subs.entry(p).or_default() += 1;
        }
    }
    let mut users_of: HashMap<&str, &Vec<wire::User>> = HashMap::new();
    for (cid, u) in users {
        users_of.entry(cid.as_str()).or_insert(u);
    }
    let mut out = Vec::with_capacity(customers.len());
    for (i, c) in customers.iter().enumerate() {
        cancel.check(i)?;
        let subs = subs.get(c.id.as_str()).copied().unwrap_or(0);
        let mut extra = FieldsBuilder::new();
        extra
            .push("customer_id", &c.id)
            .push("sub-customers", subs.to_string());
        let mine = users_of.get(c.id.as_str()).copied();
        if let Some(u) = mine {
            extra.push("users", u.len().to_string());
        }
        if !c.created.is_empty() {
            extra.push("created", &c.created);
        }
        out.push(Account {
            provider,
            id: c.id.clone(),
            name: if c.name.is_empty() {
                format!("customer {}", c.id)
            } else {
                c.name.clone()
            },
            parent: c.parent_id.clone(),
            kind: AccountKind::Customer,
            active: c.active,
            extra: extra.finish(),
        });
        for u in mine.into_iter().flatten() {
            out.push(map_user(provider, &c.id, u));
        }
    }
    Ok(out)
}

pub fn map_user(provider: ProviderId, customer: &str, u: &wire::User) -> Account {
    Account {
        provider,
        id: user_account_id(&u.id),
        name: if u.username.is_empty() {
            format!("user {}", u.id)
        } else {
            u.username.clone()
        },
        parent: Some(customer.to_owned()),
        kind: AccountKind::SubAccount,
        active: u.active,
        extra: vec![
            f("user_id", u.id.clone()),
            f("customer_id", customer),
            f("callerid", or_dash(&shown_number(&u.callerid))),
            f("password", if u.has_password { "****" } else { "-" }),
        ]
        .into(),
    }
}

/// The account a per-customer row belongs to: its customer.
pub fn map_destination(provider: ProviderId, customer: &str, d: wire::Destination) -> Trunk {
    Trunk {
        provider,
        account: customer.to_owned(),
        account_name: Default::default(),
        name: if d.name.is_empty() {
            format!("destination {}", d.id)
        } else {
            d.name
        },
        id: d.id,
        host: d.host,
        port: d.port,
        transport: d.transport,
        direction: "outbound".into(),
        prefix: String::new(),
        active: d.active,
        extra: vec![f("user_id", d.user_id.unwrap_or_else(|| "-".into()))].into(),
    }
}

pub fn map_extension(
    provider: ProviderId,
    customer: &str,
    e: wire::Extension,
    destinations: &[(String, String)],
) -> Number {
    let target = match &e.destination_id {
        Some(id) => match destinations.iter().find(|(d, _)| d == id) {
            Some((_, name)) => format!("{} → {name}", e.direction),
            None => format!("{} → destination {id}", e.direction),
        },
        None => format!("{} → -", e.direction),
    };
    let number = shown_number(&e.number);
    let mut extra = FieldsBuilder::new();
    if number != e.number {
        extra.push(crate::model::NUMBER_AS_SENT, &e.number);
    }
    extra
        .push("direction", or_dash(&e.direction))
        .push("destination_id", e.destination_id.as_deref().unwrap_or("-"))
        .push("user_id", e.user_id.as_deref().unwrap_or("-"));
    Number {
        provider,
        account: customer.to_owned(),
        account_name: Default::default(),
        number,
        target,
        active: None,
        extra: extra.finish(),
        id: e.id,
    }
}

/// How ProVoice numbers are shown: E.164 digits (8 to 15, with or without `+`) as
/// `+<digits>`; extensions and short codes as sent.
pub const SHOWN: crate::phone::Rules = crate::phone::Rules {
    display_plus_from: 8,
    ..crate::phone::Rules::typed(crate::phone::Prefix::OptionalPlus, 1..=15)
};

/// A number ProVoice sent, in the one format every pane shows.
pub fn shown_number(raw: &str) -> String {
    crate::phone::display(raw, &SHOWN)
}

/// Human label of a forward type.
pub fn forward_kind_label(kind: &str) -> &str {
    match kind {
        "always" => "always",
        "busy" => "busy",
        "noanswer" => "no answer",
        "unavailable" => "unavailable",
        other => other,
    }
}

/// Forwards, limits, whitelists and tariffplans as detail fields of a customer (or,
/// for objects with a `user_id`, labelled with the user).
pub fn map_customer_info(
    forwards: &[wire::Forward],
    limits: &[wire::Limit],
    whitelists: &[wire::Whitelist],
    tariffplans: &[wire::Tariffplan],
) -> Vec<Field> {
    let who = |u: &Option<String>| match u {
        Some(u) => format!(" (user {u})"),
        None => String::new(),
    };
    let plan = tariffplans
        .iter()
        .map(|t| {
            if t.currency.is_empty() {
                t.name.clone()
            } else {
                format!("{} ({})", t.name, t.currency)
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut out = vec![
        f("tariffplan", or_dash(&plan)),
        f("forwards", forwards.len().to_string()),
        f("limits", limits.len().to_string()),
        f("whitelists", whitelists.len().to_string()),
    ];
    for fw in forwards {
        let timeout = fw
            .timeout
            .map(|t| format!(" after {t} s"))
            .unwrap_or_default();
        let ext = fw
            .extension_id
            .as_deref()
            .map(|e| format!(", extension {e}"))
            .unwrap_or_default();
        let state = if fw.active == Some(false) {
            ", inactive"
        } else {
            ""
        };
        out.push(f(
            format!("forward {}", fw.id),
            format!(
                "{} → {}{timeout}{ext}{state}{}",
                forward_kind_label(&fw.kind),
                or_dash(&fw.target),
                who(&fw.user_id)
            ),
        ));
    }
    for l in limits {
        let value = l.value.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
        out.push(f(
            format!("limit {}", l.id),
            format!(
                "{} {value} per {}{}",
                or_dash(&l.kind),
                or_dash(&l.period),
                who(&l.user_id)
            ),
        ));
    }
    for w in whitelists {
        let what = if w.ip.is_empty() {
            format!("prefix {}", or_dash(&w.prefix))
        } else {
            format!("ip {}", w.ip)
        };
        let desc = if w.description.is_empty() {
            String::new()
        } else {
            format!(" ({})", w.description)
        };
        out.push(f(
            format!("whitelist {}", w.id),
            format!("{what}{desc}{}", who(&w.user_id)),
        ));
    }
    out
}

pub fn call_state(disposition: &str) -> CallState {
    let d: String = disposition
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    match d.as_str() {
        "answered" | "answer" | "completed" | "ok" => CallState::Completed,
        "busy" => CallState::Busy,
        "noanswer" | "noreply" => CallState::NoAnswer,
        "failed" | "error" | "congestion" => CallState::Failed,
        "cancelled" | "canceled" | "cancel" => CallState::Cancelled,
        "rejected" => CallState::Rejected,
        _ => CallState::Unknown(disposition.to_owned()),
    }
}

pub fn map_records(provider: ProviderId, customer: &str, records: Vec<wire::Record>) -> Vec<Call> {
    records
        .into_iter()
        .map(|r| {
            let direction = Direction::from_text(&r.direction);
            let mut extra = FieldsBuilder::with_capacity(96);
            extra
                .push("customer_id", r.customer_id.as_deref().unwrap_or(customer))
                .push("user_id", r.user_id.as_deref().unwrap_or("-"))
                .push("disposition", or_dash(&r.disposition));
            if let Some(d) = r.duration {
                extra.push("duration", format!("{d} s"));
            }
            if let Some(b) = r.billsec {
                extra.push("billsec", format!("{b} s"));
            }
            if !r.cost.is_empty() {
                extra.push("cost", &r.cost);
            }
            Call {
                provider,
                // The job's customer owns the rows it fetched (so a refresh replaces them).
                account: customer.to_owned().into(),
                account_name: Default::default(),
                from: shown_number(&r.caller).into(),
                to: shown_number(&r.callee).into(),
                direction,
                state: call_state(&r.disposition),
                started_at_ms: crate::providers::dates::text_epoch_ms(&r.start),
                answered_at_ms: crate::providers::dates::text_epoch_ms(&r.answer),
                ended_at_ms: crate::providers::dates::text_epoch_ms(&r.end),
                extra: extra.finish(),
                id: r.id.into(),
            }
        })
        .collect()
}
