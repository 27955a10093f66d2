//! The `switchboard sim` flags that shape the Cloudonix simulator, and the options they
//! become.

use std::time::Duration;

use super::CloudonixOptions;

#[derive(Debug, Clone, clap::Args)]
pub struct CloudonixArgs {
    /// New calls per minute per domain (Cloudonix only).
    #[arg(long, default_value_t = 12.0)]
    pub calls_per_minute: f64,
    /// Cloudonix rate limit as REQUESTS/SECONDS per domain (the seed says 10/10, the newer spec 10/3).
    #[arg(long, default_value = "10/10")]
    pub rate_limit: String,
    /// Cloudonix domains under the customer (each has its own rate-limit window).
    #[arg(long, default_value_t = 2)]
    pub domains: usize,
    /// Calls in progress at start, spread over the Cloudonix domains (0: a handful each).
    #[arg(long, default_value_t = 0)]
    pub live_calls: usize,
    /// Ended Cloudonix calls at start (history over the last day), spread over the domains.
    #[arg(long, default_value_t = 0)]
    pub history_calls: usize,
    /// Sessions a Cloudonix domain keeps and lists (beyond it the oldest ended ones go);
    /// default 1,500 or the seeded calls per domain plus 1,500, whichever is more.
    #[arg(long)]
    pub max_sessions: Option<usize>,
}

impl CloudonixArgs {
    /// The simulator options, or what is wrong with a flag.
    pub fn options(&self) -> Result<CloudonixOptions, String> {
        if !(self.calls_per_minute.is_finite() && self.calls_per_minute >= 0.0) {
            return Err("--calls-per-minute must be zero or more".into());
        }
        let (requests, per) = parse_rate(&self.rate_limit)?;
        if !(1..=MAX_DOMAINS).contains(&self.domains) {
            return Err(format!("--domains must be 1 to {MAX_DOMAINS}"));
        }
        let defaults = CloudonixOptions::default();
        let seeded = (self.live_calls + self.history_calls).div_ceil(self.domains);
        let max_sessions = match self.max_sessions {
            Some(0) => return Err("--max-sessions must be 1 or more".into()),
            Some(n) => n,
            None => defaults.max_sessions.max(seeded + defaults.max_sessions),
        };
        Ok(CloudonixOptions {
            rate_limit_requests: requests,
            rate_limit_window: Duration::from_secs_f64(per),
            calls_per_minute: self.calls_per_minute,
            domains: self.domains,
            max_sessions,
            live_calls: self.live_calls,
            history_calls: self.history_calls,
            ..defaults
        })
    }
}

/// Domains one simulated customer may have.
const MAX_DOMAINS: usize = 500;

/// Parses `N/S` into (requests, seconds).
fn parse_rate(s: &str) -> Result<(u32, f64), String> {
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
    fn flags_become_options_or_explain() {
        let args = CloudonixArgs {
            calls_per_minute: 3.0,
            rate_limit: "10/3".into(),
            domains: 2,
            live_calls: 0,
            history_calls: 0,
            max_sessions: None,
        };
        let o = args.options().unwrap();
        assert_eq!((o.rate_limit_requests, o.calls_per_minute), (10, 3.0));
        assert_eq!(o.rate_limit_window, Duration::from_secs(3));
        assert_eq!((o.domains, o.max_sessions), (2, 1500));
        // At scale each domain keeps its seeded calls and room for new ones.
        let big = CloudonixArgs {
            domains: 20,
            live_calls: 10_000,
            history_calls: 100_000,
            ..args.clone()
        }
        .options()
        .unwrap();
        assert_eq!((big.domains, big.max_sessions), (20, 5_500 + 1_500));
        assert_eq!((big.live_calls, big.history_calls), (10_000, 100_000));
        let capped = CloudonixArgs {
            max_sessions: Some(300),
            ..args.clone()
        };
        assert_eq!(capped.options().unwrap().max_sessions, 300);
        for bad in [
            CloudonixArgs {
                domains: 0,
                ..args.clone()
            },
            CloudonixArgs {
                max_sessions: Some(0),
                ..args.clone()
            },
        ] {
            assert!(bad.options().unwrap_err().contains("must be"));
        }
        let bad = CloudonixArgs {
            calls_per_minute: -1.0,
            ..args
        };
        assert!(bad.options().unwrap_err().contains("--calls-per-minute"));
    }
}
