//! Operator edit forms, independent of any provider: the field spec ([`spec`]), field
//! validation ([`validate`]), the review diff ([`diff`]) and the state machine
//! ([`state::Form`]). Rendering lives in `ui::form`.

pub mod diff;
pub mod spec;
pub mod state;
pub mod validate;

pub use state::{Banner, Button, FieldView, Form, FormEvent, Step};
