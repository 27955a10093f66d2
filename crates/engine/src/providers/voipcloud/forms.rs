//! VoIPcloud forms: click-to-call (`call-to-number`) is the only change it offers.

use crate::form::spec::{FieldKind, FieldSpec, FormMode, FormSpec};
use crate::model::ProviderKind;
use crate::phone::{self, Prefix, Problem, Rules};
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
        .and_then(|c| c.extra.get("user number"))
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
            (USER_NUMBER.into(), user.to_string()),
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
            op: "call".into(),
            id: None,
            ids: Vec::new(),
            data: Vec::new(),
            start: Vec::new(),
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

/// VoIPcloud numbers: 1-20 digits (extensions too), an optional `+` dropped, spaces,
/// dashes, dots and brackets dropped. Stored bare; shown with a `+` from 8 digits on.
pub const PHONE: Rules = Rules {
    ignore: |c| matches!(c, ' ' | '-' | '(' | ')' | '.'),
    display_plus_from: 8,
    ..Rules::typed(Prefix::OptionalPlus, 1..=20)
};

/// Digits with an optional leading `+` (dropped: VoIPcloud numbers carry none); spaces,
/// dashes and brackets are removed.
pub fn phone(label: &str, v: &str, required: bool) -> Result<Option<String>, String> {
    match phone::check(v, &PHONE) {
        Ok(digits) => Ok(Some(digits)),
        Err(Problem::Empty) if required => Err(format!("{label} is required")),
        Err(Problem::Empty) => Ok(None),
        Err(_) => Err(format!(
            "{label}: expected digits (an extension or a number such as 61300000000), got '{v}'"
        )),
    }
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
        command: "call".into(),
        change: ProviderChange::Voipcloud(Change::CallToNumber {
            user_number,
            number_to_call,
            caller_id,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_rules_1_to_20_digits_plus_dropped() {
        use crate::phone::{Problem, check, display};
        assert_eq!(
            check("+61 (3) 0000-0000", &PHONE).as_deref(),
            Ok("61300000000")
        );
        assert_eq!(check("1001", &PHONE).as_deref(), Ok("1001"));
        assert_eq!(check("1", &PHONE).as_deref(), Ok("1"));
        assert_eq!(check(&"9".repeat(20), &PHONE).map(|d| d.len()), Ok(20));
        assert_eq!(check(&"9".repeat(21), &PHONE), Err(Problem::Length));
        assert_eq!(check("+", &PHONE), Err(Problem::NotDigits));
        assert_eq!(check("12#", &PHONE), Err(Problem::NotDigits));
        assert_eq!(check(" - ", &PHONE), Err(Problem::Empty));
        assert_eq!(
            phone("User number", "", true).unwrap_err(),
            "User number is required"
        );
        assert_eq!(phone("To", "", false), Ok(None));
        assert_eq!(phone("To", "+61 300", false), Ok(Some("61300".into())));
        assert!(
            phone("To", "abc", false)
                .unwrap_err()
                .contains("expected digits")
        );
        // Shown with a `+` from 8 digits on; extensions stay as sent.
        assert_eq!(display("61300000000", &PHONE), "+61300000000");
        assert_eq!(display("12345678", &PHONE), "+12345678");
        assert_eq!(display("1234567", &PHONE), "1234567");
    }
}
