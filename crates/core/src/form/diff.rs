//! The review diff: which fields an edit changes, old → new, with secrets masked.

use super::spec::{FieldKind, FieldSpec, FormMode};

/// What a secret's old value shows as (the stored one is never known to the form).
pub const SECRET_OLD: &str = "****";
/// What a changed secret shows as in Edit mode.
pub const SECRET_CHANGED: &str = "(changed)";
/// What a secret set in Create mode shows as.
pub const SECRET_SET: &str = "(set)";

/// The (old, new) pair the review shows for one field, or `None` when the field does not
/// change. `old` and `new` are normalised values ([`super::validate::normalize`]).
///
/// - Edit mode: a field is listed when its value differs; a Secret when anything was
///   typed (empty = keep the stored one), shown as `****` → `(changed)`.
/// - Create mode: every field with a value is listed, old shown as empty; a Secret as
///   `(set)`.
pub fn field_change(
    field: &FieldSpec,
    mode: FormMode,
    old: &str,
    new: &str,
) -> Option<(String, String)> {
    let secret = field.kind == FieldKind::Secret;
    match mode {
        FormMode::Create => {
            if new.is_empty() {
                None
            } else if secret {
                Some((String::new(), SECRET_SET.into()))
            } else {
                Some((String::new(), new.to_string()))
            }
        }
        FormMode::Edit => {
            if secret {
                (!new.is_empty()).then(|| (SECRET_OLD.into(), SECRET_CHANGED.into()))
            } else if old != new {
                Some((old.to_string(), new.to_string()))
            } else {
                None
            }
        }
    }
}

/// A stored value the request changes, as the provider will hold it: `old` is the value
/// stored now, `new` the one stored after the request (both as the provider stores them,
/// never a display form).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredChange {
    pub label: String,
    pub old: String,
    pub new: String,
}

impl StoredChange {
    pub fn new(label: &str, old: &str, new: &str) -> StoredChange {
        StoredChange {
            label: label.to_owned(),
            old: old.to_owned(),
            new: new.to_owned(),
        }
    }
}

/// The review: every (label, old, new) whose stored value will differ. `fields` is the
/// form's own diff ([`field_change`] per field); `stored` what the provider says the
/// request stores. A stored change replaces the field line of the same label (the
/// provider knows what it will store, `inbound` → `public-inbound`); the others are
/// added after the fields, so a value the operator did not touch but the request
/// changes is listed too.
pub fn review(
    fields: Vec<(String, String, String)>,
    stored: &[StoredChange],
) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = fields
        .into_iter()
        .map(
            |(label, old, new)| match stored.iter().find(|s| s.label == label) {
                Some(s) => (label, s.old.clone(), s.new.clone()),
                None => (label, old, new),
            },
        )
        .collect();
    for s in stored {
        if !out.iter().any(|(l, _, _)| *l == s.label) {
            out.push((s.label.clone(), s.old.clone(), s.new.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_review_lists_what_the_provider_stores() {
        let fields = vec![
            ("Port".to_string(), "5061".to_string(), "5099".to_string()),
            (
                "Direction".to_string(),
                "public-outbound".to_string(),
                "inbound".to_string(),
            ),
        ];
        // Nothing from the provider: the form's own lines.
        assert_eq!(review(fields.clone(), &[]), fields);
        // The provider stores `inbound` as `public-inbound`, and recompiles a pattern
        // nobody typed: both are listed, the field line first.
        let stored = [
            StoredChange::new("Pattern", "^(1415)", "recompiled"),
            StoredChange::new("Direction", "public-outbound", "public-inbound"),
        ];
        assert_eq!(
            review(fields, &stored),
            vec![
                ("Port".into(), "5061".into(), "5099".into()),
                (
                    "Direction".into(),
                    "public-outbound".into(),
                    "public-inbound".into()
                ),
                ("Pattern".into(), "^(1415)".into(), "recompiled".into()),
            ]
        );
    }

    fn field(kind: FieldKind) -> FieldSpec {
        FieldSpec {
            key: "k",
            label: "K",
            kind,
            required: false,
            create_only: false,
            help: "",
        }
    }

    #[test]
    fn secrets_are_masked_and_unchanged_fields_skipped() {
        let s = field(FieldKind::Secret);
        assert_eq!(field_change(&s, FormMode::Edit, "", ""), None);
        assert_eq!(
            field_change(&s, FormMode::Edit, "", "hunter22"),
            Some(("****".into(), "(changed)".into()))
        );
        assert_eq!(
            field_change(&s, FormMode::Create, "", "hunter22"),
            Some(("".into(), "(set)".into()))
        );
        let t = field(FieldKind::Text);
        assert_eq!(field_change(&t, FormMode::Edit, "a", "a"), None);
        assert_eq!(
            field_change(&t, FormMode::Edit, "a", "b"),
            Some(("a".into(), "b".into()))
        );
        assert_eq!(field_change(&t, FormMode::Create, "", ""), None);
    }
}
