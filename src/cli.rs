//! Command-line arguments; `docs` makes completions and the man page from them.

pub mod docs;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::model::Resource;

#[derive(Debug, Parser)]
#[command(
    name = "switchboard",
    version = crate::VERSION,
    about = "Terminal operations console for voice platforms",
    after_help = "Start with `switchboard --demo` to run the console against local simulators."
)]
pub struct Cli {
    /// Start local provider simulators and open the console against them.
    #[arg(long, conflicts_with = "connect")]
    pub demo: bool,
    /// Config file (default: ~/.config/switchboard/config.toml).
    #[arg(long, global = true, value_name = "PATH", env = crate::config::CONFIG_ENV)]
    pub config: Option<PathBuf>,
    /// Log level or filter, e.g. `debug` or `switchboard=debug,reqwest=warn` (default: `info`).
    #[arg(long, global = true, value_name = "FILTER", env = crate::logging::LOG_ENV)]
    pub log_level: Option<String>,
    /// Start read-only: no change is sent until `:write` (which lasts 10 minutes).
    #[arg(long)]
    pub read_only: bool,
    /// Theme name (a file themes/<name>.toml, or `default` / `mono`).
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
    /// Open on this pane (default: `[ui] start_pane`, else live-calls).
    #[arg(long, value_name = "PANE", value_parser = pane_parser())]
    pub pane: Option<Resource>,
    /// Narrow every pane to one provider, or one account of it (`provider/account-id`),
    /// like `:scope`.
    #[arg(long, value_name = "PROVIDER[/ACCOUNT]")]
    pub scope: Option<String>,
    /// Filter the start pane, like `/` (`text`, `!text`, `re:<regex>`, `column:value`).
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// Hide the key hints of the status bar (wall screens).
    #[arg(long)]
    pub no_hints: bool,
    #[command(flatten)]
    pub collector: CollectorArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where the console, `snapshot` and `trace` read from instead of the providers: a
/// collector, its token and its TLS material.
#[derive(Debug, Clone, Default, Args)]
pub struct CollectorArgs {
    /// Attach to the collector (`switchboard serve`) at URL instead of polling the
    /// providers: its state, and for `trace` its call history too (default:
    /// `[collector] url`).
    #[arg(long, value_name = "URL")]
    pub connect: Option<String>,
    /// The collector token: `env:VAR`, or the token itself (default: $SWITCHBOARD_TOKEN,
    /// else `[collector] token`).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "SWITCHBOARD_TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
    #[command(flatten)]
    pub tls: CollectorTls,
}

/// How a console, `snapshot` or `trace` reaches an HTTPS collector (`--connect https://…`).
#[derive(Debug, Clone, Default, Args)]
pub struct CollectorTls {
    /// The CA that signed the collector's certificate, PEM (default: `[collector] ca`;
    /// the system's CAs are trusted too).
    #[arg(long, value_name = "PATH")]
    pub collector_ca: Option<PathBuf>,
    /// The client certificate for a collector that wants one (mutual TLS), PEM (default:
    /// `[collector] client_cert`).
    #[arg(long, value_name = "PATH", requires = "client_key")]
    pub client_cert: Option<PathBuf>,
    /// The client certificate's private key, PEM (default: `[collector] client_key`).
    #[arg(long, value_name = "PATH", requires = "client_cert")]
    pub client_key: Option<PathBuf>,
}

impl Cli {
    /// Where the console opens: `--pane` beats `[ui] start_pane`; `--scope`, `--filter`
    /// and `--no-hints` as given.
    pub fn start_view(&self, cfg: &crate::config::Config) -> crate::state::StartView {
        crate::state::StartView {
            pane: self.pane.or(cfg.ui.start_pane),
            scope: self.scope.clone(),
            filter: self.filter.clone(),
            hints: !self.no_hints,
        }
    }
}

/// The pane names of `--pane`, `snapshot --resource` and `[ui] start_pane`, with their
/// possible values listed in `--help`, completions and the man page.
pub fn pane_parser() -> impl clap::builder::TypedValueParser<Value = Resource> {
    use clap::builder::{PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(crate::config::PANES.map(|(name, _)| name))
        .map(|name| crate::config::pane_named(&name).unwrap_or(Resource::LiveCalls))
}

/// `snapshot --output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Aligned tables, one block per provider.
    Table,
    /// One JSON document: `{"generated_at_ms", "providers": [...]}`.
    Json,
    /// One JSON object per line: a row of --resource, else a whole provider.
    Jsonl,
    /// A header line, then one record per row of --resource (required).
    Csv,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the provider simulators in the foreground.
    Sim(SimArgs),
    /// Poll every configured provider once and print tables, JSON, JSON lines or CSV for
    /// scripts.
    Snapshot {
        /// Output format (csv needs --resource).
        #[arg(long, value_enum, default_value_t = Output::Table, value_name = "FORMAT")]
        output: Output,
        /// Same as `--output json`.
        #[arg(long, conflicts_with = "output")]
        json: bool,
        /// Only this resource: its rows across providers (the pane's names).
        #[arg(long, value_name = "RESOURCE", value_parser = pane_parser())]
        resource: Option<Resource>,
        #[command(flatten)]
        collector: CollectorArgs,
    },
    /// Trace one number across every configured provider: owner, route, trunks, live
    /// calls and last calls (polls each provider once, like `snapshot`).
    Trace {
        /// The number, however written: `+44 20 1234 4321`, `442012344321`, `101`.
        number: String,
        /// One JSON document instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        collector: CollectorArgs,
    },
    /// Run headless for the team: poll every configured provider on its budget clock,
    /// serve /metrics, /healthz and /readyz over HTTP, and keep the call history.
    Serve {
        /// Address to listen on; loopback unless told (e.g. `0.0.0.0:9464`).
        #[arg(long, default_value = crate::serve::DEFAULT_LISTEN)]
        listen: std::net::SocketAddr,
        /// Serve HTTPS with this certificate chain, PEM (with --tls-key).
        #[arg(long, value_name = "PATH", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The private key of --tls-cert, PEM.
        #[arg(long, value_name = "PATH", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Serve only clients presenting a certificate signed by this CA, PEM (mutual TLS;
        /// needs --tls-cert).
        #[arg(long, value_name = "PATH", requires = "tls_cert")]
        tls_client_ca: Option<PathBuf>,
        /// The operators' tokens file (default: tokens.toml in the state dir). With no
        /// token in it, every endpoint is open.
        #[arg(long, global = true, value_name = "PATH")]
        tokens: Option<PathBuf>,
        #[command(subcommand)]
        action: Option<ServeAction>,
    },
    /// Configuration helpers.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Print a shell completion script (e.g. `switchboard completions bash`).
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `switchboard man > switchboard.1`.
    Man,
}

#[derive(Debug, Subcommand)]
pub enum ServeAction {
    /// The collector's operator tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Make a token for an operator: prints it once, stores only its SHA-256.
    New {
        /// The operator's name (shown by /v1/whoami and, later, in the audit).
        #[arg(long)]
        name: String,
        /// What the token may do: metrics (scrape only), viewer (feed and history),
        /// operator (+ changes), admin (+ tokens).
        #[arg(long, value_parser = ["metrics", "viewer", "operator", "admin"])]
        role: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Write a commented config template.
    Init {
        /// Where to write it (default: --config, else the standard config path).
        #[arg(long)]
        path: Option<PathBuf>,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Print where the config, log, audit, state and theme files live.
    Paths,
    /// Validate the config without sending any request: exit 0 when valid, 2 when not.
    Check {
        /// Also resolve `env:` and `cmd:` secret references (values are never printed).
        #[arg(long)]
        resolve: bool,
    },
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
        assert!(matches!(
            c.command,
            Some(Command::Snapshot { json: true, .. })
        ));
        assert_eq!(
            c.config.as_deref(),
            Some(std::path::Path::new("/tmp/x.toml"))
        );
        let c =
            Cli::try_parse_from(["switchboard", "trace", "+44 20 1234 4321", "--json"]).unwrap();
        assert!(matches!(
            c.command,
            Some(Command::Trace { ref number, json: true, .. }) if number == "+44 20 1234 4321"
        ));
        // TLS files go in pairs: a certificate without its key is refused.
        for args in [
            &["switchboard", "serve", "--tls-cert", "c.pem"][..],
            &["switchboard", "serve", "--tls-key", "k.pem"],
            &["switchboard", "serve", "--tls-client-ca", "ca.pem"],
            &["switchboard", "--client-cert", "c.pem"],
            &["switchboard", "snapshot", "--client-key", "k.pem"],
        ] {
            let e = Cli::try_parse_from(args).unwrap_err();
            assert_eq!(
                e.kind(),
                clap::error::ErrorKind::MissingRequiredArgument,
                "{args:?}"
            );
        }
        let c = Cli::try_parse_from([
            "switchboard",
            "trace",
            "101",
            "--connect",
            "https://h:1",
            "--collector-ca",
            "ca.pem",
        ])
        .unwrap();
        assert!(matches!(
            c.command,
            Some(Command::Trace {
                collector: CollectorArgs {
                    connect: Some(_),
                    tls: CollectorTls {
                        collector_ca: Some(_),
                        ..
                    },
                    ..
                },
                ..
            })
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
