//! VoIPcloud forms: click-to-call (`call-to-number`) is the only change it offers.

use crate::form::spec::{FieldKind, FieldSpec, FormMode, FormSpec};
use crate::model::ProviderKind;
use crate::providers::forms::{FormContext, Intent, ProviderTarget};
use crate::providers::{Mutation, ProviderChange};

use super::Change;

pub const USER_NUMBER: &str = "user_number";
pub const NUMBER_TO_CALL: &str = "number_to_call";
pub const CALLER_ID: &str = "caller_id";

fn field(key: &'static str, label: &'static str, required: bool, help: &'static str) -> FieldSpec {
    FieldSpec {
        key,
        label,
        kind: FieldKind::Text,
        required,
        create_only: false,
        help,
    }
}

/// The click-to-call form. Palette arguments prefill the number to call; a selected
/// VoIPcloud call prefills the user's number from its `user number` field.
pub fn open(intent: Intent, ctx: &FormContext) -> Result<(FormSpec, ProviderTarget), String> {
    if intent != Intent::Call {
        return Err("VoIPcloud offers only click-to-call (call-to-number)".into());
    }
    let user = ctx
        .call
        .and_then(|c| c.extra.iter().find(|(k, _)| k == "user number"))
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let spec = FormSpec {
        title: "Click-to-call (rings the user first)".into(),
        mode: FormMode::Create,
        fields: vec![
            field(
                USER_NUMBER,
                "User number",
                true,
                "the PBX user's extension or number; it rings first",
            ),
            field(
                NUMBER_TO_CALL,
                "Number to call",
                true,
                "dialled once the user answers; digits, + optional (sent without +)",
            ),
            field(
                CALLER_ID,
                "Caller id",
                false,
                "optional; must be a number this PBX may present",
            ),
        ],
        values: vec![
            (USER_NUMBER.into(), user),
            (NUMBER_TO_CALL.into(), ctx.args.trim().to_string()),
            (CALLER_ID.into(), String::new()),
        ],
        confirm: None,
    };
    Ok((
        spec,
        ProviderTarget {
            kind: ProviderKind::Voipcloud,
            account: ctx.account.to_string(),
            op: "call",
            id: None,
            ids: Vec::new(),
            data: Vec::new(),
        },
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

/// Digits with an optional leading `+` (dropped: VoIPcloud numbers carry none); spaces,
/// dashes and brackets are removed.
pub fn phone(label: &str, v: &str, required: bool) -> Result<Option<String>, String> {
    let cleaned: String = v
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
        .collect();
    if cleaned.is_empty() {
        return if required {
            Err(format!("{label} is required"))
        } else {
            Ok(None)
        };
    }
    let digits = cleaned.strip_prefix('+').unwrap_or(&cleaned);
    if digits.is_empty() || digits.len() > 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{label}: expected digits (an extension or a number such as 61300000000), got '{v}'"
        ));
    }
    Ok(Some(digits.to_string()))
}

pub fn build(target: &ProviderTarget, values: &[(String, String)]) -> Result<Mutation, String> {
    if target.op != "call" {
        return Err("VoIPcloud offers only click-to-call (call-to-number)".into());
    }
    let user_number = phone("User number", value(values, USER_NUMBER), true)?.unwrap_or_default();
    let number_to_call =
        phone("Number to call", value(values, NUMBER_TO_CALL), true)?.unwrap_or_default();
    let caller_id = phone("Caller id", value(values, CALLER_ID), false)?;
    Ok(Mutation::Provider {
        account: target.account.clone(),
        command: "call",
        change: ProviderChange::Voipcloud(Change::CallToNumber {
            user_number,
            number_to_call,
            caller_id,
        }),
    })
}
