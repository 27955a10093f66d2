//! Operator edit forms, independent of any provider and of the terminal: the field
//! spec ([`spec`]), field validation ([`validate`]) and the review diff ([`diff`]).
//! The console owns the form's state machine and its rendering.

pub mod diff;
pub mod spec;
pub mod validate;

/// The exact request a mutation sends, for the review step and the audit log.
/// `body` has every secret masked. Providers build it (`providers` re-exports it); the
/// form only shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestPreview {
    pub method: String,
    pub path: String,
    pub body: Option<String>,
}
