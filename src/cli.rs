//! Command-line arguments.

use std::net::SocketAddr;
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
    /// Address of the first simulator (Cloudonix); later providers take the next ports.
    /// Port 0 picks free ports.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Seed for keys, initial data and the traffic generator.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Extra latency added to every response of all five simulators, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Fraction of requests answered with 500 in the provider's own error shape, by all
    /// five simulators (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
    /// Fraction of 200 responses with a malformed body (cut short, or an HTML proxy page),
    /// by all five simulators (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub malformed_rate: f64,
    /// Fraction of 200 responses whose connection is cut mid-body, by all five simulators
    /// (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub drop_rate: f64,
    /// New calls per minute per domain (Cloudonix only).
    #[arg(long, default_value_t = 12.0)]
    pub calls_per_minute: f64,
    /// Cloudonix rate limit as REQUESTS/SECONDS per domain (the seed says 10/10, the newer spec 10/3).
    #[arg(long, default_value = "10/10")]
    pub rate_limit: String,
    /// Generated ProVoice customers added to the seeded tree (load tests, e.g. 200000).
    #[arg(long, default_value_t = 0)]
    pub provoice_customers: usize,
    /// Also write a console config for these simulators to this file.
    #[arg(long)]
    pub write_config: Option<PathBuf>,
}

/// Parses `N/S` into (requests, seconds).
pub fn parse_rate(s: &str) -> Result<(u32, f64), String> {
    let (n, per) = s
        .split_once('/')
        .ok_or_else(|| format!("rate limit '{s}' must look like REQUESTS/SECONDS, e.g. 10/10"))?;
    let n: u32 = n
        .trim()
        .parse()
        .map_err(|_| format!("rate limit '{s}': '{n}' is not a whole number"))?;
    let per: f64 = per
        .trim()
        .parse()
        .map_err(|_| format!("rate limit '{s}': '{per}' is not a number"))?;
    if n == 0 || per <= 0.0 || !per.is_finite() {
        return Err(format!("rate limit '{s}' must be positive"));
    }
    Ok((n, per))
}

fn check_fraction(name: &str, v: f64) -> Result<(), String> {
    if (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(format!("--{name} must be between 0 and 1, got {v}"))
    }
}

impl SimArgs {
    pub fn validate(&self) -> Result<(), String> {
        check_fraction("error-rate", self.error_rate)?;
        check_fraction("malformed-rate", self.malformed_rate)?;
        check_fraction("drop-rate", self.drop_rate)?;
        if !(self.calls_per_minute.is_finite() && self.calls_per_minute >= 0.0) {
            return Err("--calls-per-minute must be zero or more".into());
        }
        parse_rate(&self.rate_limit).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_or_explain() {
        assert_eq!(parse_rate("10/3"), Ok((10, 3.0)));
        assert!(parse_rate("10").unwrap_err().contains("REQUESTS/SECONDS"));
        assert!(parse_rate("0/10").is_err());
        assert!(parse_rate("x/10").unwrap_err().contains("whole number"));
    }

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
                assert_eq!(a.listen.port(), 7000);
                assert_eq!(a.seed, 9);
            }
            other => panic!("{other:?}"),
        }
    }
}
