//! switchboard's provider-neutral core: the model every provider maps into, budgets
//! (rate-limit windows), the clock, queue statistics, the account tree, phone-number
//! rules, secrets and their redaction, width-aware text helpers and form specs.
//!
//! It knows no provider, no HTTP and no terminal; the engine and the console build on it.

pub mod clock;
pub mod fields;
pub mod form;
pub mod format;
pub mod model;
pub mod phone;
pub mod retention;
pub mod scheduler;
pub mod secret;
pub mod stats;
pub mod tree;
