//! What every provider client shares on the HTTP side: the reqwest client, the read-only
//! guard every request goes through, and the mapping of transport errors to
//! [`ProviderError`] without leaking URLs or headers.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use reqwest::Method;

use crate::providers::ProviderError;

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// One reqwest client per provider connection: rustls, timeouts, our user agent, and no
/// automatic retries of any kind (a mutation is sent once; the poller decides about
/// reads).
pub fn client(timeout: Duration) -> Result<reqwest::Client, String> {
    client_with_roots(timeout, Vec::new())
}

/// [`client`] that also trusts `roots` (extra CA certificates, e.g. a private CA or a
/// simulator's self-signed one) next to the built-in roots.
pub fn client_with_roots(
    timeout: Duration,
    roots: Vec<reqwest::Certificate>,
) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .tls_certs_merge(roots)
        .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .timeout(timeout)
        .retry(reqwest::retry::never())
        .build()
        .map_err(|e| format!("cannot build HTTP client: {}", e.without_url()))
}

/// The read-only switch of one provider connection. Cloning shares the switch, so the UI's
/// time-limited write mode can flip it while requests are in flight.
#[derive(Debug, Clone, Default)]
pub struct ReadOnly(Arc<AtomicBool>);

impl ReadOnly {
    pub fn new(on: bool) -> ReadOnly {
        ReadOnly(Arc::new(AtomicBool::new(on)))
    }

    pub fn set(&self, on: bool) {
        self.0.store(on, Ordering::SeqCst);
    }

    pub fn is_on(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// `Err(Refused("read-only: …"))` for any method but GET while the switch is on.
    /// `path` is the URL path only (never a query string, which may carry a key).
    pub fn check(&self, method: &Method, path: &str) -> Result<(), ProviderError> {
        if *method != Method::GET && self.is_on() {
            Err(ProviderError::Refused(format!(
                "read-only: {method} {path} was not sent (this provider is read-only)"
            )))
        } else {
            Ok(())
        }
    }
}

/// The only way a provider request leaves the process: the reqwest client behind the
/// read-only switch. A refused request is never handed to reqwest, so nothing reaches the
/// network.
#[derive(Debug, Clone)]
pub struct Guard {
    client: reqwest::Client,
    read_only: ReadOnly,
    timeout: Duration,
}

impl Guard {
    pub fn new(timeout: Duration, read_only: bool) -> Result<Guard, String> {
        Guard::with_roots(timeout, read_only, Vec::new())
    }

    /// [`Guard::new`] with extra trusted CA certificates.
    pub fn with_roots(
        timeout: Duration,
        read_only: bool,
        roots: Vec<reqwest::Certificate>,
    ) -> Result<Guard, String> {
        Ok(Guard {
            client: client_with_roots(timeout, roots)?,
            read_only: ReadOnly::new(read_only),
            timeout,
        })
    }

    /// The switch (shared with every clone of this guard).
    pub fn read_only(&self) -> &ReadOnly {
        &self.read_only
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Starts a request; nothing is sent until [`Guard::send`].
    pub fn request(&self, method: Method, url: reqwest::Url) -> reqwest::RequestBuilder {
        self.client.request(method, url)
    }

    /// Checks the switch and sends the request once. Transport failures (timeouts
    /// included) are mapped by [`transport_error`]; any HTTP status comes back as a
    /// response for the caller to map.
    pub async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ProviderError> {
        let request = request
            .build()
            .map_err(|e| ProviderError::Refused(format!("bad request: {}", e.without_url())))?;
        self.read_only
            .check(request.method(), request.url().path())?;
        self.client
            .execute(request)
            .await
            .map_err(|e| transport_error(e, self.timeout))
    }
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

/// A provider's API root from its `base_url`: http(s), with a host, without query,
/// fragment or trailing slash. Errors name the provider and say what to fix.
pub fn base_url(name: &str, raw: &str) -> Result<reqwest::Url, String> {
    let base_str = raw.trim().trim_end_matches('/');
    let lower = base_str.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return Err(format!(
            "provider '{name}': base_url must start with http:// or https://"
        ));
    }
    let mut base = reqwest::Url::parse(base_str)
        .map_err(|e| format!("provider '{name}': base_url is not a valid URL ({e})"))?;
    if base.cannot_be_a_base() || !base.has_host() {
        return Err(format!("provider '{name}': base_url has no host"));
    }
    base.set_query(None);
    base.set_fragment(None);
    Ok(base)
}

/// The per-request timeout: `timeout_seconds` (clamped to 0.1–300 s), else
/// [`DEFAULT_TIMEOUT`].
pub fn timeout(cfg: &crate::config::ProviderConfig) -> std::time::Duration {
    cfg.timeout_seconds
        .filter(|t| t.is_finite() && *t > 0.0)
        .map(|t| std::time::Duration::from_secs_f64(t.clamp(0.1, 300.0)))
        .unwrap_or(DEFAULT_TIMEOUT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_refuses_everything_but_get() {
        let ro = ReadOnly::new(true);
        assert!(ro.check(&Method::GET, "/x").is_ok());
        for m in [Method::POST, Method::PUT, Method::DELETE, Method::PATCH] {
            let e = ro.check(&m, "/x").expect_err("refused");
            assert!(
                matches!(&e, ProviderError::Refused(msg) if msg.starts_with("read-only:")),
                "{e:?}"
            );
        }
        let shared = ro.clone();
        shared.set(false);
        assert!(!ro.is_on());
        assert!(ro.check(&Method::DELETE, "/x").is_ok());
        assert!(!ReadOnly::default().is_on());
    }
}
