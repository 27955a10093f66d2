//! switchboard's providers engine: the `Provider` trait and its registry, the five
//! providers' clients (wire types, mapping into the neutral model, forms as specs,
//! settings), the HTTP guard, and the poller that runs each provider on its budget
//! clock and reports [`poller::Event`]s to a sink.
//!
//! It knows no terminal: the console maps its events into actions, and a headless
//! collector can run it as is. The core's modules are re-exported under their own
//! names, so code here and in the console says `crate::model` whichever crate it is in.

pub use switchboard_core::{
    clock, form, format, model, phone, retention, scheduler, secret, stats, tree,
};

pub mod poller;
pub mod providers;
pub mod settings;
