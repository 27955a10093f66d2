//! The integration tests, one binary: one module per area, all sharing `tests/support`.
//! Linking the library and the simulators once (not once per file) keeps builds short.
//!
//! Tests here share one process: names of tmux sessions and temporary directories carry
//! `support::unique()`, and a test that must own something process-wide lives in a
//! binary of its own instead (see `Cargo.toml`: the allocator, the redactor's count, the
//! global log subscriber, the environment).

#[path = "../support/mod.rs"]
mod support;

mod account_tree_fold;
mod alerts;
mod attach_changes;
mod attach_client;
mod attach_console;
mod attach_reconnect;
mod attach_team;
mod audit;
mod audit_refusals;
mod call_shapes;
mod callable_client;
mod callable_decode;
mod callable_flow_edit;
mod callable_ui;
mod cli_docs;
mod cloudonix_actions;
mod cloudonix_client;
mod cloudonix_decode;
mod cloudonix_ops;
mod config_check;
mod e2e_attach;
mod e2e_callable;
mod e2e_hostile;
mod e2e_iovox;
mod e2e_provoice;
mod e2e_quit;
mod e2e_recovery;
mod e2e_repoint;
mod e2e_tmux;
mod e2e_trace;
mod e2e_ux;
mod e2e_voipcloud;
mod edits;
mod error_recovery;
mod export_csv;
mod feed_proxy;
mod filter;
mod form;
mod form_snapshots;
mod frame_output;
mod help_themes_ascii;
mod history_local;
mod history_stored;
mod hostile;
mod iovox_client;
mod iovox_decode;
mod iovox_ui;
mod keymap;
mod names_numbers;
mod operator_flows;
mod palette;
mod palette_snapshots;
mod pinned_read_only;
mod provoice_accounts;
mod provoice_callback;
mod provoice_client;
mod provoice_decode;
mod provoice_flows;
mod queue_rows;
mod rate_limit;
mod repoint;
mod scroll_output;
mod serve;
mod serve_auth;
mod serve_budget;
mod serve_export;
mod serve_feed;
mod serve_ops;
mod serve_queue;
mod serve_tls;
mod signals;
mod sim_callable;
mod sim_cloudonix;
mod sim_faults;
mod sim_scale;
mod sim_voipcloud;
mod snapshot_cmd;
mod snapshot_export;
mod start_flags;
mod stats_config;
mod tick_output;
mod trace;
mod trace_connect;
mod ui_snapshots;
mod update;
mod ux_fixture;
mod voipcloud_client;
mod voipcloud_decode;
mod voipcloud_flows;
mod voipcloud_snapshots;
mod vterm;
