//! What every provider client shares on the HTTP side: the reqwest client, the read-only
//! guard every request goes through, the mapping of transport errors to
//! [`ProviderError`] without leaking URLs or headers, and the defences against a hostile or
//! broken provider: redirects are refused (a credential header never follows one to
//! another host), bodies are read incrementally up to a byte cap, lists are counted
//! against a row cap before they are decoded, and a 2xx body that is plainly not what was
//! asked for (an HTML page, XML for JSON) is an error, never "ok, empty".

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use reqwest::Method;

use crate::providers::{ProviderError, shape};
use crate::tree::Cancel;

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Largest response body read by default (`max_response_mib` in the provider's table).
pub const DEFAULT_MAX_BYTES: usize = 32 * 1024 * 1024;
/// Most rows accepted in one list by default (`max_rows`); paged lists accept at most the
/// page size they asked for.
pub const DEFAULT_MAX_ROWS: usize = 50_000;
/// Error bodies are read only this far (they only feed a one-line message).
pub const ERROR_BODY_MAX: usize = 64 * 1024;
/// Bodies larger than this are decoded on the blocking pool.
pub const LARGE_BODY: usize = 256 * 1024;

/// What one provider connection accepts from the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes in one response body.
    pub max_bytes: usize,
    /// Rows in one list.
    pub max_rows: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bytes: DEFAULT_MAX_BYTES,
            max_rows: DEFAULT_MAX_ROWS,
        }
    }
}

/// The limits a provider's table sets (`max_response_mib`, `max_rows`), else the defaults.
pub fn limits(cfg: &crate::providers::ProviderConfig) -> Limits {
    Limits {
        max_bytes: cfg
            .max_response_mib
            .map(|m| (m as usize).saturating_mul(1024 * 1024))
            .unwrap_or(DEFAULT_MAX_BYTES),
        max_rows: cfg.max_rows.map(|r| r as usize).unwrap_or(DEFAULT_MAX_ROWS),
    }
}

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
        // Never follow a redirect: reqwest strips only `Authorization` and `Cookie` on a
        // cross-host hop, so a key sent in another header or in the query (`token`,
        // `secureKey`, `X-Api-Key` …) would go to whatever host the Location names. [`Guard::send`] turns
        // a 3xx into an error that names the target instead.
        .redirect(reqwest::redirect::Policy::none())
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

tokio::task_local! {
    /// Requests [`Guard::send`] sent in the task running [`counting`].
    static SENT: std::cell::Cell<u32>;
}

/// Runs `fetch` and counts the HTTP requests it sent through a [`Guard`] (every page,
/// every token request): what a poll really cost, for the collector's
/// `switchboard_provider_requests_total`.
pub async fn counting<F: std::future::Future>(fetch: F) -> (F::Output, u32) {
    SENT.scope(std::cell::Cell::new(0), async move {
        let out = fetch.await;
        (out, SENT.with(|n| n.get()))
    })
    .await
}

/// The only way a provider request leaves the process: the reqwest client behind the
/// read-only switch. A refused request is never handed to reqwest, so nothing reaches the
/// network.
#[derive(Debug, Clone)]
pub struct Guard {
    client: reqwest::Client,
    read_only: ReadOnly,
    timeout: Duration,
    limits: Limits,
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
            limits: Limits::default(),
        })
    }

    /// This guard with other response limits (from the provider's table: [`limits`]).
    pub fn with_limits(mut self, limits: Limits) -> Guard {
        self.limits = limits;
        self
    }

    /// The switch (shared with every clone of this guard).
    pub fn read_only(&self) -> &ReadOnly {
        &self.read_only
    }

    /// Starts a request; nothing is sent until [`Guard::send`].
    pub fn request(&self, method: Method, url: reqwest::Url) -> reqwest::RequestBuilder {
        self.client.request(method, url)
    }

    /// Checks the switch and sends the request once. Transport failures (timeouts
    /// included) are mapped by [`transport_error`]; a redirect is an error naming its
    /// target ([`redirect_error`]); any other HTTP status comes back as a response for
    /// the caller to map.
    pub async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ProviderError> {
        let request = request
            .build()
            .map_err(|e| ProviderError::Refused(format!("bad request: {}", e.without_url())))?;
        self.read_only
            .check(request.method(), request.url().path())?;
        // Counted for the poll that runs this request, if one is counting.
        let _ = SENT.try_with(|n| n.set(n.get().saturating_add(1)));
        let url = request.url().clone();
        let resp = self
            .client
            .execute(request)
            .await
            .map_err(|e| transport_error(e, self.timeout))?;
        if resp.status().is_redirection() {
            return Err(redirect_error(&url, &resp));
        }
        Ok(resp)
    }

    /// Reads a 2xx body incrementally, never past [`Limits::max_bytes`]: a
    /// `Content-Length` over the cap is refused before a byte of the body is read, and a
    /// body without one is cut off (and refused) as soon as it passes the cap.
    pub async fn read_body(&self, resp: reqwest::Response) -> Result<Vec<u8>, ProviderError> {
        read_capped(resp, self.limits.max_bytes, self.timeout).await
    }

    /// A 2xx JSON list answer read element by element as it arrives
    /// ([`super::json_stream::ArraySplit`]): each top-level element goes to `each`, and
    /// the whole body is never held. The byte cap holds as in [`Guard::read_body`] and the
    /// row cap as in [`Guard::checked_json_list`]. An answer that is not a top-level array
    /// comes back whole (`Some`) for the caller's usual checks and decoder.
    pub async fn read_json_elements(
        &self,
        mut resp: reqwest::Response,
        what: &str,
        mut each: impl FnMut(&[u8]) -> Result<(), ProviderError>,
    ) -> Result<Option<Vec<u8>>, ProviderError> {
        let max = self.limits.max_bytes;
        refuse_announced(&resp, max)?;
        let cap = shape::RowCap::MaxRows(self.limits.max_rows);
        let mut split = super::json_stream::ArraySplit::new();
        let mut read = 0usize;
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| transport_error(e, self.timeout))?
        {
            read += chunk.len();
            if read > max {
                return Err(too_large(max, None));
            }
            split.push(&chunk, &mut each)?;
            if split.count > cap.rows() {
                return Err(cap.exceeded(what));
            }
        }
        split.finish()
    }

    /// A JSON list answer, checked before anything is decoded (on the blocking pool when
    /// large): the right kind of document ([`shape::check_kind`]) and no list within
    /// `depth` levels longer than `max_rows` ([`shape::check_rows`]). `what` names it.
    pub async fn checked_json_list(
        &self,
        body: Vec<u8>,
        depth: usize,
        what: &str,
    ) -> Result<Vec<u8>, ProviderError> {
        let cap = shape::RowCap::MaxRows(self.limits.max_rows);
        let what = what.to_owned();
        decode_off_worker(body, move |body| {
            shape::check_kind(&body, shape::Expect::Json)?;
            shape::check_rows(&body, depth, cap, &what)?;
            Ok(body)
        })
        .await
    }

    /// Reads at most [`ERROR_BODY_MAX`] bytes of an error response for its message;
    /// whatever cannot be read is left out.
    pub async fn read_error_body(&self, resp: reqwest::Response) -> Vec<u8> {
        let mut resp = resp;
        let mut body = Vec::new();
        while let Ok(Some(chunk)) = resp.chunk().await {
            let room = ERROR_BODY_MAX - body.len();
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if body.len() >= ERROR_BODY_MAX {
                break;
            }
        }
        body
    }
}

/// The error for a 3xx: names the status and the target's scheme, host and port (never its
/// path or query, which may carry anything), and what to check.
pub fn redirect_error(from: &reqwest::Url, resp: &reqwest::Response) -> ProviderError {
    let status = resp.status();
    let target = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .and_then(|l| from.join(l.trim()).ok());
    let to = match &target {
        Some(t) => {
            let host = t.host_str().unwrap_or("?");
            match t.port() {
                Some(p) => format!("{}://{host}:{p}", t.scheme()),
                None => format!("{}://{host}", t.scheme()),
            }
        }
        None => "an unnamed location".to_owned(),
    };
    let same_host = target.as_ref().is_some_and(|t| {
        t.host_str() == from.host_str() && t.port_or_known_default() == from.port_or_known_default()
    });
    let hint = if same_host {
        "check base_url (the provider moved this path)"
    } else {
        "check base_url (nothing was sent there)"
    };
    ProviderError::Unexpected(format!("redirected to {to} ({}): {hint}", status.as_u16()))
}

/// The error for a body over `max` bytes.
pub fn too_large(max: usize, announced: Option<u64>) -> ProviderError {
    let mib = max as f64 / (1024.0 * 1024.0);
    let limit = if mib >= 1.0 {
        format!("{mib:.0} MiB")
    } else {
        format!("{} KiB", max / 1024)
    };
    let size = match announced {
        Some(n) => format!("{:.0} MiB announced", n as f64 / (1024.0 * 1024.0)),
        None => "not read past the limit".to_owned(),
    };
    ProviderError::Unexpected(format!(
        "answer over the {limit} limit ({size}): raise max_response_mib if that is expected"
    ))
}

/// A body whose `Content-Length` is over the cap is refused before a byte of it is read.
fn refuse_announced(resp: &reqwest::Response, max: usize) -> Result<(), ProviderError> {
    match resp.content_length() {
        Some(n) if n > max as u64 => Err(too_large(max, Some(n))),
        _ => Ok(()),
    }
}

async fn read_capped(
    mut resp: reqwest::Response,
    max: usize,
    timeout: Duration,
) -> Result<Vec<u8>, ProviderError> {
    refuse_announced(&resp, max)?;
    let hint = resp.content_length().unwrap_or(0).min(max as u64) as usize;
    let mut body = Vec::with_capacity(hint);
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| transport_error(e, timeout))?
    {
        let needed = body.len() + chunk.len();
        if needed > max {
            return Err(too_large(max, None));
        }
        if needed > body.capacity() {
            // Grow by doubling, but never past the cap (a plain push would double a
            // 32 MiB buffer to 64 MiB).
            let want = (body.capacity() * 2).max(needed).min(max);
            body.reserve_exact(want - body.len());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// [`decode_off_worker`] for a plain decoder function of the body.
pub async fn decode<T: Send + 'static>(
    body: Vec<u8>,
    f: fn(&[u8]) -> Result<T, ProviderError>,
) -> Result<T, ProviderError> {
    decode_off_worker(body, move |b| f(&b)).await
}

/// Runs a decoder inline for small bodies and on the blocking pool for large ones, so a
/// big decode never holds an async worker (which would stall the console's other tasks).
pub async fn decode_off_worker<T, F>(body: Vec<u8>, decode: F) -> Result<T, ProviderError>
where
    F: FnOnce(Vec<u8>) -> Result<T, ProviderError> + Send + 'static,
    T: Send + 'static,
{
    if body.len() > LARGE_BODY {
        tokio::task::spawn_blocking(move || decode(body))
            .await
            .map_err(|_| ProviderError::Decode("decoder stopped".into()))?
    } else {
        decode(body)
    }
}

/// Runs CPU-heavy `work` (decoding, mapping and checking a large list) on the blocking
/// pool, whatever the body size, so async workers stay free for the UI, the timers and
/// the signals. Dropping the returned future (a poller stopping, the console quitting)
/// raises the [`Cancel`] flag `work` checks every few thousand items.
pub async fn work_off_worker<T: Send + 'static>(
    work: impl FnOnce(&Cancel) -> Result<T, ProviderError> + Send + 'static,
) -> Result<T, ProviderError> {
    let cancel = Cancel::new();
    let _stop_if_dropped = cancel.on_drop();
    let flag = cancel.clone();
    match tokio::task::spawn_blocking(move || work(&flag)).await {
        Ok(result) => result,
        Err(e) => Err(ProviderError::Decode(format!("decoding stopped: {e}"))),
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

/// `Retry-After` as a wait: delay-seconds (`120`) or an HTTP-date
/// (`Wed, 21 Oct 2026 07:28:00 GMT`, also the obsolete RFC 850 and asctime forms), read
/// against the system clock; a date already past is no wait. None when absent or unreadable
/// (the budget window's length is used then).
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    retry_after_at(value, std::time::SystemTime::now())
}

/// Longest pause a `Retry-After` can ask for: a hostile or broken value (`99999999999`,
/// a date years ahead) must not blind a provider for longer than an hour, nor overflow
/// the scheduler's clock arithmetic.
pub const RETRY_AFTER_MAX: Duration = Duration::from_secs(3600);

/// [`retry_after`] of one header value, with `now` the current time; at most
/// [`RETRY_AFTER_MAX`].
pub fn retry_after_at(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    let wait = match value.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => {
            let at = httpdate::parse_http_date(value).ok()?;
            at.duration_since(now).unwrap_or(Duration::ZERO)
        }
    };
    Some(wait.min(RETRY_AFTER_MAX))
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
pub fn timeout(cfg: &crate::providers::ProviderConfig) -> std::time::Duration {
    cfg.timeout_seconds
        .filter(|t| t.is_finite() && *t > 0.0)
        .map(|t| std::time::Duration::from_secs_f64(t.clamp(0.1, 300.0)))
        .unwrap_or(DEFAULT_TIMEOUT)
}

/// A URL safe to show: scheme, host, port and path only (no user-info, query, fragment).
pub fn display_url(raw: &str) -> String {
    match reqwest::Url::parse(raw.trim()) {
        Ok(u) if u.has_host() => {
            let mut out = format!("{}://{}", u.scheme(), u.host_str().unwrap_or_default());
            if let Some(p) = u.port() {
                out.push(':');
                out.push_str(&p.to_string());
            }
            out.push_str(u.path());
            out
        }
        _ => {
            // Not a URL we can parse: drop anything after ? or # and anything before @.
            let cut = raw.split(['?', '#']).next().unwrap_or_default();
            let cut = cut.rsplit('@').next().unwrap_or_default();
            cut.trim().to_owned()
        }
    }
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

    #[test]
    fn urls_lose_credentials_and_queries() {
        assert_eq!(
            display_url("https://u:p@host.example:8443/a/b?token=x#f"),
            "https://host.example:8443/a/b"
        );
        assert_eq!(display_url("u:p@weird thing?x=1"), "weird thing");
    }

    /// A 429's `Retry-After` is honoured in both forms: seconds and an HTTP-date (the
    /// IMF-fixdate and the two obsolete forms), a past date meaning "now"; nonsense is
    /// ignored (the window's length is used then).
    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        use std::time::{Duration, SystemTime, UNIX_EPOCH};
        // Sun, 06 Nov 1994 08:49:37 GMT
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(retry_after_at(" 120 ", now), Some(Duration::from_secs(120)));
        assert_eq!(
            retry_after_at("Sun, 06 Nov 1994 08:50:07 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            retry_after_at("Sunday, 06-Nov-94 08:51:37 GMT", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            retry_after_at("Sun Nov  6 08:49:47 1994", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            retry_after_at("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            retry_after_at("18446744073709551615", now),
            Some(RETRY_AFTER_MAX),
            "a huge delay is capped, not an overflow"
        );
        assert_eq!(
            retry_after_at(
                &httpdate::fmt_http_date(now + Duration::from_secs(100 * 365 * 86_400)),
                now
            ),
            Some(RETRY_AFTER_MAX),
            "a date a century ahead pauses an hour"
        );
        assert_eq!(retry_after_at("soon", now), None);
        assert_eq!(retry_after_at("-5", now), None);
        assert_eq!(retry_after_at("", SystemTime::now()), None);

        let mut headers = reqwest::header::HeaderMap::new();
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(90));
        headers.insert(
            reqwest::header::RETRY_AFTER,
            reqwest::header::HeaderValue::from_str(&later).expect("ascii"),
        );
        let wait = retry_after(&headers).expect("an HTTP-date is read");
        assert!(
            wait > Duration::from_secs(80) && wait <= Duration::from_secs(90),
            "{wait:?}"
        );
    }
}
