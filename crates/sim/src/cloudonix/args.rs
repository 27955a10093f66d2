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
}

impl CloudonixArgs {
    /// The simulator options, or what is wrong with a flag.
    pub fn options(&self) -> Result<CloudonixOptions, String> {
        if !(self.calls_per_minute.is_finite() && self.calls_per_minute >= 0.0) {
            return Err("--calls-per-minute must be zero or more".into());
        }
        let (requests, per) = parse_rate(&self.rate_limit)?;
        Ok(CloudonixOptions {
            rate_limit_requests: requests,
            rate_limit_window: Duration::from_secs_f64(per),
            calls_per_minute: self.calls_per_minute,
            ..CloudonixOptions::default()
        })
    }
}

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
        };
        let o = args.options().unwrap();
        assert_eq!((o.rate_limit_requests, o.calls_per_minute), (10, 3.0));
        assert_eq!(o.rate_limit_window, Duration::from_secs(3));
        let bad = CloudonixArgs {
            calls_per_minute: -1.0,
            ..args
        };
        assert!(bad.options().unwrap_err().contains("--calls-per-minute"));
    }
}
