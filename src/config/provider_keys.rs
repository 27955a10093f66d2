//! The provider-specific keys of a `[[provider]]` table: each kind declares its keys as
//! data in its descriptor ([`SettingKey`]: type, required, help); every table is checked
//! against them the same way (messages name line and key; a key of another kind names the
//! kinds that read it), and once the whole file validated, references are resolved and the
//! kind builds its typed settings from the values (`Descriptor::from_values`).

use std::path::PathBuf;

use toml::Spanned;
use toml::de::DeValue;

use super::secrets::{Reference, resolve};
use super::{
    COMMON_KEYS, Issue, SecretReference, Secrets, Walker, check_url, string_value, type_name,
};
use crate::model::ProviderKind;
use crate::providers::ProviderSettings;
use crate::secret::Secret;
use crate::settings::{SettingKey, SettingType, SettingValue, SettingValues};

/// A value still to be resolved once the whole file validated.
pub(super) struct Pending {
    at: usize,
    key: &'static str,
    reference: Reference,
    /// A credential (masked) rather than a login.
    secret: bool,
}

/// The provider-specific keys of one table as walked: checked values, references still
/// to resolve, and where each key stands (for the provider's own errors).
#[derive(Default)]
pub(super) struct Settings {
    values: SettingValues,
    refs: Vec<Pending>,
    key_at: Vec<(&'static str, usize)>,
}

/// The kinds that read `key`; None for keys every kind reads (the descriptors say).
fn kinds_using(key: &str) -> Option<Vec<ProviderKind>> {
    crate::providers::kinds_using(key)
}

/// The keys a `[[provider]]` table of `kind` may hold (of any kind when it is unknown),
/// in the order messages list them: name, kind and base_url, the kind's own, the rest.
pub(super) fn provider_keys(kind: Option<ProviderKind>) -> Vec<&'static str> {
    let mut keys = COMMON_KEYS[..3].to_vec();
    for d in crate::providers::DESCRIPTORS {
        if kind.is_none_or(|k| k == d.kind) {
            for k in d.settings {
                if !keys.contains(&k.name) {
                    keys.push(k.name);
                }
            }
        }
    }
    keys.extend_from_slice(&COMMON_KEYS[3..]);
    keys
}

/// How the kind declares `key`; with no kind known, the first kind that reads it.
pub(super) fn setting_of(kind: Option<ProviderKind>, key: &str) -> Option<&'static SettingKey> {
    crate::providers::DESCRIPTORS
        .iter()
        .filter(|d| kind.is_none_or(|k| k == d.kind))
        .flat_map(|d| d.settings.iter())
        .find(|k| k.name == key)
}

fn join_kinds(kinds: &[ProviderKind]) -> String {
    let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The issue for `key`, which `kind` does not read, when other kinds do.
pub(super) fn wrong_kind(kind: ProviderKind, key: &str) -> Option<String> {
    let users = kinds_using(key)?;
    let verb = if users.len() == 1 { "uses" } else { "use" };
    Some(format!(
        "`{key}` is not a {kind} setting (only {} {verb} it)",
        join_kinds(&users)
    ))
}

/// Reports each credential `kind` requires that the table at `header` leaves out.
pub(super) fn check_required(w: &mut Walker, kind: ProviderKind, header: usize, present: &[&str]) {
    let required: Vec<&str> = crate::providers::descriptor(kind)
        .settings
        .iter()
        .filter(|k| k.required)
        .map(|k| k.name)
        .collect();
    let needs = required
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(" and ");
    for req in required.iter().filter(|r| !present.contains(r)) {
        w.issue(
            header,
            Some(req),
            format!("this {kind} provider has no `{req}` ({kind} needs {needs})"),
        );
    }
}

/// One provider-specific key, checked against the provider's declaration of it.
pub(super) fn walk_setting(
    w: &mut Walker,
    spec: &'static SettingKey,
    v: &Spanned<DeValue<'_>>,
    out: &mut Settings,
) {
    let key = spec.name;
    let at = v.span().start;
    out.key_at.push((key, at));
    if let SettingType::List { item, example } = spec.ty {
        let DeValue::Array(items) = v.get_ref() else {
            w.issue(
                at,
                Some(key),
                format!(
                    "expected an array of strings, e.g. {example}, found {}",
                    type_name(v.get_ref())
                ),
            );
            return;
        };
        let mut list = Vec::new();
        for i in items.iter() {
            match i.get_ref() {
                DeValue::String(s) if !s.trim().is_empty() => list.push(s.trim().to_string()),
                DeValue::String(_) => {
                    w.issue(i.span().start, Some(key), format!("holds an empty {item}"))
                }
                other => w.issue(
                    i.span().start,
                    Some(key),
                    format!(
                        "expected an array of strings, found {} in it",
                        type_name(other)
                    ),
                ),
            }
        }
        out.values.insert(key, SettingValue::List(list));
        return;
    }
    let Some(raw) = string_value(w, key, v) else {
        return;
    };
    let s = raw.trim();
    let empty = || match spec.help {
        "" => "is empty".to_string(),
        help => format!("is empty ({help})"),
    };
    let value = match spec.ty {
        SettingType::Secret | SettingType::Login => {
            match Reference::parse(&raw) {
                Ok(reference) => out.refs.push(Pending {
                    at,
                    key,
                    reference,
                    secret: spec.ty == SettingType::Secret,
                }),
                Err(m) => w.issue(at, Some(key), m),
            }
            return;
        }
        SettingType::Text => match spec.check {
            Some(check) => check(s).map(|warning| {
                if let Some(m) = warning {
                    w.warnings.push((at, m));
                }
                SettingValue::Text(s.to_string())
            }),
            None if s.is_empty() => Err(empty()),
            None => Ok(SettingValue::Text(s.to_string())),
        },
        SettingType::Path if s.is_empty() => Err(empty()),
        SettingType::Path => Ok(SettingValue::Path(PathBuf::from(s))),
        SettingType::Url => check_url(s, spec.help).map(|_| SettingValue::Text(s.to_string())),
        SettingType::OneOf(words) if words.contains(&s) => Ok(SettingValue::Text(s.to_string())),
        SettingType::OneOf(words) => Err(format!("expected {}", one_of(words))),
        SettingType::List { .. } => return,
    };
    match value {
        Ok(value) => out.values.insert(key, value),
        Err(m) => w.issue(at, Some(key), m),
    }
}

/// `"a"`, `"a" or "b"`, `"a", "b" or "c"`.
fn one_of(words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
    match quoted.as_slice() {
        [init @ .., last] if !init.is_empty() => format!("{} or {last}", init.join(", ")),
        _ => quoted.join(""),
    }
}

/// The stand-in value of a reference that `config check` leaves unresolved.
const UNRESOLVED: &str = "unresolved-reference";

/// How references are handled, and what resolving them found.
pub(super) struct Resolving {
    pub mode: Secrets,
    /// Short secrets (not masked), at their value.
    pub warnings: Vec<(usize, String)>,
    /// A secret was written in the file itself.
    pub has_literal: bool,
    /// Every `env:`/`cmd:` reference met, in file order.
    pub references: Vec<SecretReference>,
}

impl Resolving {
    pub fn new(mode: Secrets) -> Resolving {
        Resolving {
            mode,
            warnings: Vec::new(),
            has_literal: false,
            references: Vec::new(),
        }
    }
}

/// Resolves a validated table's references (top of the table first), then lets its kind
/// build its typed settings. Errors name the key's line (the table's when the key is not
/// written); `r` gets short secrets, whether a secret was literal and the references met
/// (with [`Secrets::Skip`] none runs: each stands in as a placeholder).
pub(super) fn resolve_settings(
    mut settings: Settings,
    name: &str,
    kind: ProviderKind,
    header: usize,
    r: &mut Resolving,
) -> Result<ProviderSettings, Issue> {
    settings.refs.sort_by_key(|p| p.at);
    for p in settings.refs {
        if matches!(p.reference, Reference::Literal(_)) && p.secret {
            r.has_literal = true;
        }
        if let Some(source) = p.reference.source() {
            r.references.push(SecretReference {
                provider: name.to_string(),
                key: p.key.to_string(),
                source,
                resolved: r.mode == Secrets::Resolve,
            });
            if r.mode == Secrets::Skip {
                // Checked without running anything: the kind builds its settings from a
                // stand-in, so every other key is still checked.
                let value = SettingValue::Secret(Secret::new(UNRESOLVED));
                settings.values.insert(p.key, value);
                continue;
            }
        }
        if matches!(p.reference, Reference::Cmd(_)) {
            // The console has not taken the terminal yet: say why start-up waits.
            eprintln!(
                "switchboard: resolving secret for provider \"{name}\" (`{}`, cmd:) …",
                p.key
            );
        }
        let value = resolve(&p.reference).map_err(|m| Issue {
            at: p.at,
            key: Some(p.key.to_string()),
            message: format!("provider \"{name}\": {m}"),
        })?;
        if p.secret && !crate::secret::maskable(&value) {
            r.warnings.push((
                p.at,
                format!(
                    "provider \"{name}\", key `{}`: the secret is shorter than {} characters, \
                     so it is not masked in logs, messages, the audit log or snapshots \
                     (that would mask ordinary text such as phone numbers); use a longer one",
                    p.key,
                    crate::secret::MIN_MASK_LEN
                ),
            ));
        }
        let value = if p.secret {
            SettingValue::Secret(Secret::new(value))
        } else {
            SettingValue::Text(value)
        };
        settings.values.insert(p.key, value);
    }
    let build = crate::providers::descriptor(kind).from_values;
    build(&settings.values).map_err(|(key, m)| Issue {
        at: settings
            .key_at
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(header, |(_, at)| *at),
        key: Some(key.to_string()),
        message: format!("provider \"{name}\": {m}"),
    })
}

#[cfg(test)]
mod tests {
    use super::super::unknown_key_message;
    use super::*;

    #[test]
    fn misspelt_keys_get_a_hint() {
        let m = unknown_key_message("apikey", "[[provider]]", &provider_keys(None));
        assert!(m.ends_with("did you mean `api_key`?"), "{m}");
        let m = unknown_key_message("colour", "[[provider]]", &provider_keys(None));
        assert!(!m.contains("did you mean"), "{m}");
    }

    /// An error a kind finds while building its settings names the provider and the key,
    /// at the key's line, or at the table's when the key is not written.
    #[test]
    fn a_kinds_own_error_names_provider_key_and_line() {
        for kind in ProviderKind::ALL {
            let required = crate::providers::descriptor(kind)
                .settings
                .iter()
                .find(|k| k.required)
                .map(|k| k.name)
                .expect("every kind needs a credential");
            let build = |key_at: Vec<(&'static str, usize)>| {
                let settings = Settings {
                    key_at,
                    ..Settings::default()
                };
                let mut r = Resolving::new(Secrets::Resolve);
                resolve_settings(settings, "p", kind, 7, &mut r)
            };
            let e = build(Vec::new()).expect_err("no credential");
            assert_eq!((e.at, e.key.as_deref()), (7, Some(required)));
            assert_eq!(
                e.message,
                format!("provider \"p\": `{required}` is required")
            );
            let e = build(vec![(required, 42)]).expect_err("no credential");
            assert_eq!(e.at, 42);
        }
    }

    #[test]
    fn words_are_listed_with_or() {
        assert_eq!(one_of(&["v1"]), "\"v1\"");
        assert_eq!(one_of(&["v1", "v2"]), "\"v1\" or \"v2\"");
        assert_eq!(one_of(&["a", "b", "c"]), "\"a\", \"b\" or \"c\"");
    }
}
