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

#[cfg(test)]
mod tests {
    use super::*;

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
