//! Operator edit forms. The field spec, validation, review diff and request preview are
//! provider- and terminal-neutral (`switchboard_core::form`, re-exported here); this
//! module adds the state machine ([`state::Form`]), which reads terminal keys.
//! Rendering lives in `ui::form`.

pub mod state;

pub use state::{Banner, Button, FieldView, Form, FormEvent, Step};
pub use switchboard_core::form::{RequestPreview, diff, spec, validate};
