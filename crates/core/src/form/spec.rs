//! What an edit form is made of, independent of any provider: fields with a kind that
//! decides how the value is validated and shown. Providers build a [`FormSpec`] from their
//! resource (a SIP trunk, a DNID …) and turn the submitted values into a
//! [`crate::providers::Mutation`].

/// How a field is edited, validated and shown.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    /// Free text (may be empty unless required).
    Text,
    /// An IPv4/IPv6 address or a DNS hostname.
    Host,
    /// 1-65535.
    Port,
    /// One of a fixed list (cycled with ←/→ or typed).
    Choice(&'static [&'static str]),
    /// yes / no.
    Bool,
    /// Masked on screen, in the review diff and in the request preview.
    Secret,
    /// A phone number in E.164 (`+` and 8-15 digits); local forms are rejected.
    E164,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldSpec {
    /// Key used in the values map (e.g. `ip`, `port`).
    pub key: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub required: bool,
    /// Editable when creating, read-only when editing (a trunk's `name` where the provider cannot rename one).
    pub create_only: bool,
    /// One line of help shown beside the field.
    pub help: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormMode {
    Create,
    Edit,
}

/// A form's fields plus what the form is about.
#[derive(Debug, Clone, PartialEq)]
pub struct FormSpec {
    pub title: String,
    pub mode: FormMode,
    pub fields: Vec<FieldSpec>,
    /// Initial values by field key (current values when editing).
    pub values: Vec<(String, String)>,
    /// Set when the change needs a typed confirmation: the text to type (e.g. the trunk
    /// name) and why (e.g. "3 live calls on this trunk").
    pub confirm: Option<(String, String)>,
}
