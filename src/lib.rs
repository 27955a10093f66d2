//! switchboard: a terminal operations console for voice platforms.
//!
//! This package is the console (terminal UI, config file, audit log, CLI). What knows no
//! terminal lives in the workspace's crates and is re-exported here under the same
//! module names: `switchboard-core` (neutral model, budgets, clock, statistics, form
//! specs), `switchboard-engine` (providers, settings, poller) and `switchboard-sim`
//! (the simulators). See ARCHITECTURE.md for the crates, their arrows and how data flows.

pub use switchboard_core::{
    clock, format, model, phone, retention, scheduler, secret, stats, tree,
};
pub use switchboard_engine::{poller, providers, settings};
pub use switchboard_sim as sim;
pub use switchboard_store as store;

/// `--version`: the package version, with the commit when built from a git checkout
/// (`build.rs`).
pub const VERSION: &str = env!("SWITCHBOARD_VERSION");

pub mod action;
pub mod alerts;
pub mod app;
pub mod attach;
pub mod audit;
pub mod change_wire;
pub mod cli;
pub mod command;
pub mod config;
pub mod fold;
pub mod form;
pub mod frame_out;
pub mod history;
pub mod keymap;
pub mod logging;
pub mod ops;
pub mod palette;
pub mod serve;
pub mod snapshot;
pub mod state;
pub mod term_backend;
pub mod theme;
pub mod trace;
pub mod ui;
pub mod update;
