//! Provider forms, the neutral part: the operator intents, what a provider's form
//! builder is told about the selection ([`FormContext`]), what it answers
//! ([`ProviderTarget`]) and the dispatch to each provider's `forms` module.
//!
//! Every provider implements `open` and `build` in its own `providers/<name>/forms.rs`
//! and names them in its descriptor.

use std::borrow::Cow;

use crate::form::spec::FormSpec;
use crate::model::{Account, ActionKind, Call, Number, ProviderKind, Trunk};
use crate::providers::{Mutation, ProviderDetails};

/// The operator intents that open a form or a confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    TrunkNew,
    TrunkEdit,
    TrunkDelete,
    NumberNew,
    NumberEdit,
    NumberToggle,
    NumberDelete,
    Call,
    Hangup,
    /// Re-point a number: the provider's own form for where calls to it go (an
    /// application, a destination, a flow entry), or why it cannot.
    Repoint,
    /// A provider-specific form, named by its command (`hook.new`, `forward.edit` …).
    Other(&'static str),
}

impl Intent {
    /// The capability the provider must declare; `None` = the provider's form builder
    /// decides.
    pub fn action(self) -> Option<ActionKind> {
        match self {
            Intent::TrunkNew | Intent::TrunkEdit | Intent::TrunkDelete => {
                Some(ActionKind::EditTrunk)
            }
            Intent::NumberNew
            | Intent::NumberEdit
            | Intent::NumberToggle
            | Intent::NumberDelete => Some(ActionKind::EditNumber),
            Intent::Call => Some(ActionKind::ClickToCall),
            Intent::Hangup => Some(ActionKind::Hangup),
            Intent::Repoint | Intent::Other(_) => None,
        }
    }
}

/// What the operator has selected when a form opens. Rows are the focused pane's
/// selection only (a trunk is `Some` only when the trunks pane has focus).
#[derive(Debug, Clone)]
pub struct FormContext<'a> {
    /// The account the action applies to (selected row's, else the scope's).
    pub account: &'a str,
    /// Palette arguments (`:call +441234567890` → `+441234567890`).
    pub args: &'a str,
    /// The selected account-tree row, when the accounts pane has focus.
    pub account_row: Option<&'a Account>,
    pub trunk: Option<&'a Trunk>,
    /// Live calls currently routed over `trunk`.
    pub live_calls_on_trunk: usize,
    /// The selected number.
    pub number: Option<&'a Number>,
    /// Every number of this provider (for pickers: the applications numbers route to …).
    pub numbers: Vec<&'a Number>,
    /// The marked numbers of this provider (multi-select); empty when none is marked.
    pub marked_numbers: Vec<&'a Number>,
    pub call: Option<&'a Call>,
    /// Every account of this provider (for pickers: parent customers, users …).
    pub accounts: Vec<&'a Account>,
    /// The provider-only details this provider's jobs brought back, by account id (see
    /// [`ProviderDetails`]); empty for providers that have none.
    pub details: Vec<(&'a str, &'a ProviderDetails)>,
}

/// What a provider's open form will do when applied. `op` is the provider's own name
/// for it (usually the command name); `id`/`ids` name the object(s); `data` carries
/// anything else the builder needs (the object's current values, a parent id …).
///
/// Plain data, so a console attached to a collector sends it with the form's values and
/// the collector builds the same mutation (`POST /v1/actions/<op>`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProviderTarget {
    pub kind: ProviderKind,
    pub account: String,
    pub op: Cow<'static, str>,
    pub id: Option<String>,
    pub ids: Vec<String>,
    pub data: Vec<(String, String)>,
    /// An edit form's starting values by field key, normalised as the form submits them
    /// ([`crate::form::validate::normalize`]); [`open`] records them. Empty when not
    /// known (then a builder sends every field, as for a new object).
    pub start: Vec<(String, String)>,
}

impl ProviderTarget {
    pub fn new(kind: ProviderKind, account: &str, op: &'static str) -> ProviderTarget {
        ProviderTarget {
            kind,
            account: account.to_string(),
            op: Cow::Borrowed(op),
            id: None,
            ids: Vec::new(),
            data: Vec::new(),
            start: Vec::new(),
        }
    }

    /// The keys of the submitted `values` the operator changed: those that differ from
    /// [`ProviderTarget::start`] (a secret counts when anything was typed). `None` when
    /// the starting values are not known: treat every field as changed.
    pub fn changed_keys(&self, values: &[(String, String)]) -> Option<Vec<String>> {
        if self.start.is_empty() {
            return None;
        }
        Some(
            values
                .iter()
                .filter(|(k, v)| {
                    self.start
                        .iter()
                        .find(|(sk, _)| sk == k)
                        .is_none_or(|(_, s)| s.trim() != v.trim())
                })
                .map(|(k, _)| k.clone())
                .collect(),
        )
    }

    /// Whether the operator changed `key` (always true when the start is unknown).
    pub fn changed(&self, values: &[(String, String)], key: &str) -> bool {
        self.changed_keys(values)
            .is_none_or(|keys| keys.iter().any(|k| k == key))
    }
}

/// The starting values of an edit form, normalised per field kind as the form does.
/// Secrets start empty (keep the stored one).
fn start_values(spec: &FormSpec) -> Vec<(String, String)> {
    use crate::form::spec::{FieldKind, FormMode};
    use crate::form::validate::normalize;
    if spec.mode != FormMode::Edit {
        return Vec::new();
    }
    spec.fields
        .iter()
        .map(|f| {
            let given = spec
                .values
                .iter()
                .find(|(k, _)| k == f.key)
                .map(|(_, v)| v.as_str())
                .unwrap_or("");
            let v = if f.kind == FieldKind::Secret {
                String::new()
            } else {
                normalize(&f.kind, given)
            };
            (f.key.to_owned(), v)
        })
        .collect()
}

/// Opens `kind`'s form for `intent`, or says why it cannot (the provider's descriptor
/// names its form builder). An edit form's target records its starting values, so the
/// builder can send only what the operator changed where the API takes a partial
/// update, and the stored values of the untouched fields where it needs the whole object.
pub fn open(
    kind: ProviderKind,
    intent: Intent,
    ctx: &FormContext,
) -> Result<(FormSpec, ProviderTarget), String> {
    let (spec, mut target) = (super::descriptor(kind).open_form)(intent, ctx)?;
    if target.start.is_empty() {
        target.start = start_values(&spec);
    }
    Ok((spec, target))
}

/// Turns a submitted form's values into the mutation to send.
pub fn build(target: &ProviderTarget, values: &[(String, String)]) -> Result<Mutation, String> {
    (super::descriptor(target.kind).build_form)(target, values)
}
