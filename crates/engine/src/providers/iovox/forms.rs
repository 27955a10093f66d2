//! IOVOX forms: switching VoxNumbers ON/OFF (one or several marked numbers, a
//! Cancel-first confirmation) and click-to-call (`initiateCall`: a link and a
//! destination).

use crate::phone::{self, Prefix, Rules};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use super::Change;
use crate::form::spec::{FieldKind, FieldSpec, FormMode, FormSpec};
use crate::model::{AccountKind, ProviderKind, Resource};
use crate::providers::commands::{CommandSpec, Runs};
use crate::providers::forms::{FormContext, Intent, ProviderTarget};
use crate::providers::{Mutation, ProviderChange};

pub const TOGGLE: &str = "number.toggle";
pub const CALL: &str = "call";

pub mod key {
    pub const LINK: &str = "link";
    pub const DESTINATION: &str = "destination";
    pub const CALL_STATUS: &str = "call_status";
}

/// Why a VoxNumber's destination is view-only here (see the README's operator tasks and
/// `docs/iovox-callflow.md`): the destination is a contact phone number inside the rule
/// template attached to the number's link (`PUT /Links?method=attachRuleTemplateToLinks`
/// with the template name and its rule ids, read with `Rules?method=getRuleTemplates` /
/// `getVariableRulesOfTemplate`), whose response shapes no public source shows.
pub const REPOINT_VIEW_ONLY: &str = "view-only: IOVOX keeps a number's destination in its link's call-flow rule template, whose wire format is not public enough to change safely; change it in the IOVOX portal";

/// Numbers listed by name in a confirmation title at most.
const LISTED: usize = 6;

pub fn open(intent: Intent, ctx: &FormContext) -> Result<(FormSpec, ProviderTarget), String> {
    match intent {
        Intent::NumberToggle => toggle(ctx),
        Intent::Call => call(ctx),
        Intent::Repoint => Err(REPOINT_VIEW_ONLY.into()),
        _ => Err("not offered by IOVOX".into()),
    }
}

fn toggle(ctx: &FormContext) -> Result<(FormSpec, ProviderTarget), String> {
    let numbers: Vec<_> = if ctx.marked_numbers.is_empty() {
        ctx.number.into_iter().collect()
    } else {
        ctx.marked_numbers.clone()
    };
    if numbers.is_empty() {
        return Err("select a number first (pane 5), or mark several with space".into());
    }
    // Any number ON → switch them all OFF; all OFF (or unknown) → switch them ON.
    let on = !numbers.iter().any(|n| n.active == Some(true));
    let state = if on { "ON" } else { "OFF" };
    let mut listed: Vec<String> = numbers
        .iter()
        .take(LISTED)
        .map(|n| n.number.clone())
        .collect();
    if numbers.len() > LISTED {
        listed.push(format!("and {} more", numbers.len() - LISTED));
    }
    let title = match numbers.len() {
        1 => format!("Switch number {} {state}", listed.join(", ")),
        n => format!("Switch {n} numbers {state}: {}", listed.join(", ")),
    };
    let account = numbers
        .first()
        .map(|n| n.account.clone())
        .unwrap_or_else(|| ctx.account.to_owned());
    let mut target = ProviderTarget::new(ProviderKind::Iovox, &account, TOGGLE);
    target.ids = numbers.iter().map(|n| n.id.clone()).collect();
    target.data = vec![(key::CALL_STATUS.to_owned(), state.to_owned())];
    let spec = FormSpec {
        title,
        mode: FormMode::Edit,
        fields: Vec::new(),
        values: Vec::new(),
        confirm: None,
    };
    Ok((spec, target))
}

fn call(ctx: &FormContext) -> Result<(FormSpec, ProviderTarget), String> {
    let links: Vec<String> = ctx
        .accounts
        .iter()
        .filter(|a| a.kind == AccountKind::SubAccount)
        .map(|a| a.id.clone())
        .collect();
    if links.is_empty() {
        return Err("no links known yet: wait for the accounts pane to load".into());
    }
    // Preselect the selected link (accounts pane) or the selected number's link.
    let preselect = ctx
        .account_row
        .map(|a| a.id.clone())
        .or_else(|| ctx.number.map(|n| n.account.clone()))
        .filter(|id| links.contains(id))
        .unwrap_or_else(|| links[0].clone());
    let spec = FormSpec {
        title: "Click-to-call (initiateCall)".to_owned(),
        mode: FormMode::Create,
        fields: vec![
            FieldSpec {
                key: key::LINK,
                label: "Link",
                kind: FieldKind::Choice(intern_choices(links)),
                required: true,
                create_only: false,
                help: "the link whose calling rules run the call (←/→ to choose)",
            },
            FieldSpec {
                key: key::DESTINATION,
                label: "Destination",
                kind: FieldKind::Text,
                required: true,
                create_only: false,
                help: "international digits (449789123123); commas then digits send DTMF",
            },
        ],
        values: vec![
            (key::LINK.to_owned(), preselect),
            (key::DESTINATION.to_owned(), ctx.args.trim().to_owned()),
        ],
        confirm: None,
    };
    Ok((
        spec,
        ProviderTarget::new(ProviderKind::Iovox, ctx.account, CALL),
    ))
}

fn value<'a>(values: &'a [(String, String)], k: &str) -> &'a str {
    values
        .iter()
        .rev()
        .find(|(key, _)| key == k)
        .map(|(_, v)| v.trim())
        .unwrap_or_default()
}

/// IOVOX numbers: international digits, 6-15 of them, with `+` or `00` allowed (and
/// dropped) in front; spaces and dashes are dropped. Stored bare, shown with a `+`.
pub const PHONE: Rules = Rules {
    ignore: |c| matches!(c, ' ' | '-'),
    display_plus_from: 1,
    ..Rules::typed(Prefix::OptionalPlusOr00, 6..=15)
};

/// A destination as IOVOX takes it: international digits (a leading `+` or `00` is
/// dropped), optionally followed by `,`-separated DTMF (`0-9*#` and `,` pauses).
pub fn normalise_destination(raw: &str) -> Result<String, String> {
    let raw = phone::strip(raw, &PHONE);
    let (number, dtmf) = match raw.find(',') {
        Some(i) => raw.split_at(i),
        None => (raw.as_str(), ""),
    };
    let Ok(number) = phone::check(number, &PHONE) else {
        return Err(format!(
            "destination {raw:?} must be an international number (6-15 digits, e.g. 449789123123)"
        ));
    };
    if !dtmf
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ',' | '*' | '#'))
    {
        return Err("after the number only commas and DTMF digits (0-9 * #) may follow".into());
    }
    Ok(format!("{number}{dtmf}"))
}

pub fn build(target: &ProviderTarget, values: &[(String, String)]) -> Result<Mutation, String> {
    let change = match target.op.as_ref() {
        TOGGLE => {
            if target.ids.is_empty() {
                return Err("no number to switch".into());
            }
            let on = target
                .data
                .iter()
                .find(|(k, _)| k == key::CALL_STATUS)
                .is_some_and(|(_, v)| v == "ON");
            Change::SetCallStatus {
                numbers: target.ids.clone(),
                on,
            }
        }
        CALL => {
            let link_id = value(values, key::LINK);
            if link_id.is_empty() {
                return Err("choose a link".into());
            }
            Change::InitiateCall {
                link_id: link_id.to_owned(),
                destination: normalise_destination(value(values, key::DESTINATION))?,
            }
        }
        other => return Err(format!("{other} is not offered by IOVOX")),
    };
    Ok(Mutation::Provider {
        account: target.account.clone(),
        command: target.op.clone(),
        change: ProviderChange::Iovox(change),
    })
}

/// Interns a choice list so it can live in a [`FieldKind::Choice`]; each distinct list
/// is stored once for the life of the process (link lists rarely change).
fn intern_choices(list: Vec<String>) -> &'static [&'static str] {
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

/// IOVOX's own commands: marking numbers for one ON/OFF confirmation.
pub const COMMANDS: &[CommandSpec] = &[CommandSpec::form(
    "number.mark",
    "Mark / unmark number",
    "Mark the selected number for an action on several (IOVOX on/off)",
)
.runs(Runs::MarkNumber)
.keys(&["space"])
.on(&[Resource::Numbers])
.row()];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_are_international_digits_with_optional_dtmf() {
        assert_eq!(
            normalise_destination("+44 7700 900123").as_deref(),
            Ok("447700900123")
        );
        assert_eq!(
            normalise_destination("0044-7700-900123,,12#").as_deref(),
            Ok("447700900123,,12#")
        );
        for bad in [
            "",
            "12345",
            "+44 7700 abc",
            "447700900123,,x",
            "4477009001231234567",
        ] {
            assert!(normalise_destination(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_call_needs_a_link_and_a_valid_destination() {
        let t = ProviderTarget::new(ProviderKind::Iovox, "L1", CALL);
        let v = |l: &str, d: &str| {
            vec![
                (key::LINK.to_owned(), l.to_owned()),
                (key::DESTINATION.to_owned(), d.to_owned()),
            ]
        };
        assert_eq!(
            build(&t, &v("", "447700900123")),
            Err("choose a link".into())
        );
        assert!(build(&t, &v("L1", "77")).is_err());
        assert_eq!(
            build(&t, &v("L1", "+447700900123")),
            Ok(Mutation::Provider {
                account: "L1".into(),
                command: CALL.into(),
                change: ProviderChange::Iovox(Change::InitiateCall {
                    link_id: "L1".into(),
                    destination: "447700900123".into(),
                }),
            })
        );
    }

    #[test]
    fn phone_rules_6_to_15_digits_after_plus_or_00() {
        use crate::phone::{Problem, check, display};
        assert_eq!(check("449789123123", &PHONE).as_deref(), Ok("449789123123"));
        assert_eq!(check("+44 978-912", &PHONE).as_deref(), Ok("44978912"));
        assert_eq!(check("0044978912", &PHONE).as_deref(), Ok("44978912"));
        assert_eq!(check("+0044978912", &PHONE).as_deref(), Ok("44978912"));
        assert_eq!(check("012345", &PHONE).as_deref(), Ok("012345"));
        assert_eq!(check("12345", &PHONE), Err(Problem::Length));
        assert_eq!(check("1234567890123456", &PHONE), Err(Problem::Length));
        assert_eq!(check("44(978)912", &PHONE), Err(Problem::NotDigits));
        assert_eq!(display("442012344321", &PHONE), "+442012344321");
        assert_eq!(display("123", &PHONE), "+123");
        assert_eq!(display("anonymous", &PHONE), "anonymous");
    }
}
