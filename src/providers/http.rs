//! What every provider client shares on the HTTP side: the reqwest client and the mapping
//! of transport errors to [`ProviderError`] without leaking URLs or headers.

use std::time::Duration;

use crate::providers::ProviderError;

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// One reqwest client per provider connection: rustls, timeouts, our user agent.
pub fn client(timeout: Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .timeout(timeout)
        .build()
        .map_err(|e| format!("cannot build HTTP client: {}", e.without_url()))
}

/// Maps a transport error (no HTTP status) to a readable error without the URL.
pub fn transport_error(e: reqwest::Error, timeout: Duration) -> ProviderError {
    if e.is_timeout() {
        ProviderError::Timeout(timeout)
    } else if e.is_decode() || e.is_body() {
        ProviderError::Decode(e.without_url().to_string())
    } else {
        let e = e.without_url();
        let mut msg = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            msg = format!("{msg}: {s}");
            src = s.source();
        }
        ProviderError::Connect(msg)
    }
}

/// `Retry-After` in seconds (the HTTP-date form is ignored: the window length is used then).
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}
