//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "switchboard",
    version,
    about = "Terminal operations console for voice platforms",
    after_help = "Start with `switchboard --demo` to run the console against local simulators."
)]
pub struct Cli {
    /// Start local provider simulators and open the console against them.
    #[arg(long)]
    pub demo: bool,
    /// Config file (default: $SWITCHBOARD_CONFIG, else ~/.config/switchboard/config.toml).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Log level or filter, e.g. `debug` or `switchboard=debug,reqwest=warn`
    /// (default: $SWITCHBOARD_LOG, else `info`).
    #[arg(long, global = true)]
    pub log_level: Option<String>,
    /// Start read-only: no change is sent until `:write` (which lasts 10 minutes).
    #[arg(long)]
    pub read_only: bool,
    /// Theme name (a file themes/<name>.toml, or `default` / `mono`).
    #[arg(long)]
    pub theme: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the provider simulators in the foreground.
    Sim(SimArgs),
    /// Poll every configured provider once and print tables (or JSON) for scripts.
    Snapshot {
        /// One JSON document instead of tables.
        #[arg(long)]
        json: bool,
    },
    /// Trace one number across every configured provider: owner, route, trunks, live
    /// calls and last calls (polls each provider once, like `snapshot`).
    Trace {
        /// The number, however written: `+44 20 1234 4321`, `442012344321`, `101`.
        number: String,
        /// One JSON document instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Run headless for the team: poll every configured provider on its budget clock,
    /// serve /metrics, /healthz and /readyz over HTTP, and keep the call history.
    Serve {
        /// Address to listen on; loopback unless told (e.g. `0.0.0.0:9464`).
        #[arg(long, default_value = crate::serve::DEFAULT_LISTEN)]
        listen: std::net::SocketAddr,
    },
    /// Configuration helpers.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Write a commented config template.
    Init {
        /// Where to write it (default: the standard config path).
        #[arg(long)]
        path: Option<PathBuf>,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Print where the config, log and state files live.
    Paths,
}

#[derive(Debug, Args, Clone)]
pub struct SimArgs {
    /// The simulators' own flags (listen address, seed, faults, per-provider settings).
    #[command(flatten)]
    pub sims: crate::sim::DemoArgs,
    /// Also write a console config for these simulators to this file.
    #[arg(long)]
    pub write_config: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_parses_the_documented_forms() {
        let c = Cli::try_parse_from(["switchboard", "--demo"]).unwrap();
        assert!(c.demo);
        let c = Cli::try_parse_from([
            "switchboard",
            "snapshot",
            "--json",
            "--config",
            "/tmp/x.toml",
        ])
        .unwrap();
        assert!(matches!(c.command, Some(Command::Snapshot { json: true })));
        assert_eq!(
            c.config.as_deref(),
            Some(std::path::Path::new("/tmp/x.toml"))
        );
        let c =
            Cli::try_parse_from(["switchboard", "trace", "+44 20 1234 4321", "--json"]).unwrap();
        assert!(matches!(
            c.command,
            Some(Command::Trace { ref number, json: true }) if number == "+44 20 1234 4321"
        ));
        let c = Cli::try_parse_from([
            "switchboard",
            "sim",
            "--listen",
            "127.0.0.1:7000",
            "--seed",
            "9",
        ])
        .unwrap();
        match c.command {
            Some(Command::Sim(a)) => {
                assert_eq!(a.sims.listen.port(), 7000);
                assert_eq!(a.sims.seed, 9);
            }
            other => panic!("{other:?}"),
        }
    }
}
