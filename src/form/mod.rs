//! Operator edit forms, independent of any provider: the field spec ([`spec`]), field
//! validation ([`validate`]), the review diff ([`diff`]) and the state machine
//! ([`state::Form`]). Rendering lives in `ui::form`.

pub mod diff;
pub mod spec;
pub mod state;
pub mod validate;

pub use state::{Banner, Button, FieldView, Form, FormEvent, Step};

/// The exact request a mutation sends, for the review step and the audit log.
/// `body` has every secret masked. Providers build it (`providers` re-exports it); the
/// form only shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestPreview {
    pub method: String,
    pub path: String,
    pub body: Option<String>,
}
