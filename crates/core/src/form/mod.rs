//! Operator edit forms, independent of any provider and of the terminal: the field
//! spec ([`spec`]), field validation ([`validate`]) and the review diff ([`diff`]).
//! The console owns the form's state machine and its rendering.

pub mod diff;
pub mod spec;
pub mod validate;

/// The exact request a mutation sends, for the review step and the audit log.
/// `body` has every secret masked. Providers build it (`providers` re-exports it); the
/// form only shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RequestPreview {
    pub method: String,
    pub path: String,
    pub body: Option<String>,
    /// Stored values this request changes that the form's own diff cannot know: the
    /// provider's normalisation of what is sent (a value stored differently from how it
    /// was typed) and values it derives (a pattern recompiled from a number). The review
    /// lists them with the fields (see [`diff::review`]).
    pub stored_changes: Vec<diff::StoredChange>,
}
