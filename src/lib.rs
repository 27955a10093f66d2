//! switchboard: a terminal operations console for voice platforms.
//!
//! See ARCHITECTURE.md for the module map and how data flows.

pub mod action;
pub mod app;
pub mod audit;
pub mod cli;
pub mod clock;
pub mod command;
pub mod config;
pub mod form;
pub mod format;
pub mod keymap;
pub mod logging;
pub mod model;
pub mod ops;
pub mod palette;
pub mod phone;
pub mod poller;
pub mod providers;
pub mod scheduler;
pub mod secret;
pub mod settings;
pub mod sim;
pub mod snapshot;
pub mod state;
pub mod stats;
pub mod theme;
pub mod tree;
pub mod ui;
pub mod update;
