//! Callable sign-in and token lifecycle (providers.md §4.2).
//!
//! `POST /api/v1/oauth/authorize` with the form `username`/`password` signs in; the same
//! endpoint with `token=<refresh_token>` refreshes. Tokens live in memory only, as
//! [`Secret`]s, and only ever go into a sensitive `Authorization` header or the refresh
//! form body; they are never logged. Each is registered with the redactor through its
//! own [`Slot`] (one for the access token, one for the refresh token): a renewal replaces
//! the old value there, so the redactor holds two tokens per client, not every token
//! ever issued.
//!
//! * The access token is refreshed shortly before `expires_in` runs out (a fifth of its
//!   lifetime, at most 30 s early), and once after a 401 ([`Auth::rejected`]).
//! * A failed refresh, or a refresh token past `refresh_expires_in`, leads to a new
//!   password sign-in; if the credentials are refused the error is `401 … sign-in
//!   failed: <reason>`; any other failure keeps its kind (a 5xx stays a server error).
//! * One renewal at a time: the token state sits behind a tokio mutex, so concurrent
//!   fetches that find the token stale wait for the one renewal and then reuse it.
//!
//! The token endpoint is reached through its own [`http::Guard`] that is never
//! read-only: signing in changes nothing at the provider, and a read-only console must
//! still be able to read.

use std::sync::Mutex as StdMutex;
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, HeaderValue};
use reqwest::{Method, Url};

use super::wire;
use crate::providers::{ProviderError, http};
use crate::secret::{Secret, Slot};

/// Refresh at most this long before the access token expires.
const MAX_EARLY: Duration = Duration::from_secs(30);

/// After the password was refused, wait this long before trying it again (every job
/// would otherwise retry it, and Keycloak locks a user out after repeated failures).
pub const SIGN_IN_RETRY: Duration = Duration::from_secs(60);

/// A token response without `expires_in` is treated as lasting this long.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);

struct Tokens {
    /// `Bearer <access>`, marked sensitive.
    header: HeaderValue,
    refresh: Option<Secret>,
    /// When to renew the access token (a little before it expires).
    renew_at: Instant,
    /// When the refresh token stops working (None = not said).
    refresh_until: Option<Instant>,
    /// Bumped on every new access token; a 401 only invalidates the token it was for.
    generation: u64,
}

/// Counters, for the provider details and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuthStats {
    pub sign_ins: u32,
    pub refreshes: u32,
    pub failures: u32,
}

pub struct Auth {
    http: http::Guard,
    url: Url,
    username: String,
    password: Secret,
    /// The redactor's places for the current access and refresh tokens.
    access_slot: Slot,
    refresh_slot: Slot,
    tokens: tokio::sync::Mutex<Option<Tokens>>,
    roles: StdMutex<Vec<String>>,
    stats: StdMutex<AuthStats>,
    generation: StdMutex<u64>,
    /// The last refused sign-in: when, and the error every caller gets until
    /// [`SIGN_IN_RETRY`] has passed.
    refused: StdMutex<Option<(Instant, ProviderError)>>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("url", &self.url.as_str())
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// How long before expiry to renew: a fifth of the lifetime, at most [`MAX_EARLY`].
pub fn renew_margin(lifetime: Duration) -> Duration {
    (lifetime / 5).min(MAX_EARLY)
}

enum Grant<'a> {
    Password,
    Refresh(&'a Secret),
}

impl Auth {
    pub fn new(
        base: &Url,
        username: String,
        password: Secret,
        timeout: Duration,
    ) -> Result<Auth, String> {
        let mut url = base.clone();
        url.path_segments_mut()
            .map_err(|_| "base_url cannot take a path".to_string())?
            .pop_if_empty()
            .extend(["api", "v1", "oauth", "authorize"]);
        Ok(Auth {
            http: http::Guard::new(timeout, false)?,
            url,
            username,
            password,
            access_slot: Slot::new(),
            refresh_slot: Slot::new(),
            tokens: tokio::sync::Mutex::new(None),
            roles: StdMutex::new(Vec::new()),
            stats: StdMutex::new(AuthStats::default()),
            generation: StdMutex::new(0),
            refused: StdMutex::new(None),
        })
    }

    /// The roles of the current access token's `realm_access` claim.
    pub fn roles(&self) -> Vec<String> {
        self.roles.lock().map(|r| r.clone()).unwrap_or_default()
    }

    pub fn stats(&self) -> AuthStats {
        self.stats.lock().map(|s| *s).unwrap_or_default()
    }

    fn count(&self, f: impl FnOnce(&mut AuthStats)) {
        if let Ok(mut s) = self.stats.lock() {
            f(&mut s);
        }
    }

    /// A valid `Authorization` header and its generation, renewing first when needed.
    pub async fn bearer(&self) -> Result<(HeaderValue, u64), ProviderError> {
        let mut guard = self.tokens.lock().await;
        let now = Instant::now();
        if let Some(t) = guard.as_ref()
            && now < t.renew_at
        {
            return Ok((t.header.clone(), t.generation));
        }
        let fresh = self.renew(guard.as_ref(), now).await?;
        let out = (fresh.header.clone(), fresh.generation);
        *guard = Some(fresh);
        Ok(out)
    }

    /// A request with the token of `generation` got 401: renew on the next
    /// [`Auth::bearer`] (unless another request already did).
    pub async fn rejected(&self, generation: u64) {
        let mut guard = self.tokens.lock().await;
        if let Some(t) = guard.as_mut()
            && t.generation == generation
        {
            t.renew_at = Instant::now();
        }
    }

    async fn renew(&self, old: Option<&Tokens>, now: Instant) -> Result<Tokens, ProviderError> {
        if let Some(refresh) = old.and_then(|t| {
            let usable = t.refresh_until.is_none_or(|u| now < u);
            t.refresh.as_ref().filter(|_| usable)
        }) {
            match self.grant(Grant::Refresh(refresh)).await {
                Ok(t) => {
                    self.count(|s| s.refreshes += 1);
                    return Ok(t);
                }
                // The network is down: a sign-in would fail the same way.
                Err(e @ (ProviderError::Timeout(_) | ProviderError::Connect(_))) => {
                    return Err(e);
                }
                Err(e) => {
                    tracing::info!(reason = %e, "callable: refresh refused, signing in again");
                }
            }
        }
        if let Ok(r) = self.refused.lock()
            && let Some((at, e)) = r.as_ref()
            && at.elapsed() < SIGN_IN_RETRY
        {
            return Err(e.clone());
        }
        match self.grant(Grant::Password).await {
            Ok(t) => {
                if let Ok(mut r) = self.refused.lock() {
                    *r = None;
                }
                self.count(|s| s.sign_ins += 1);
                tracing::info!("callable: signed in");
                Ok(t)
            }
            Err(e) => {
                self.count(|s| s.failures += 1);
                let credentials_refused = matches!(
                    e,
                    ProviderError::Unauthorized(_) | ProviderError::BadRequest(_)
                );
                // Only a refusal of the credentials reads as an auth failure; a server
                // error, a missing endpoint or an unreadable answer keeps its own kind
                // (and symbol), with "sign-in failed" in its message.
                let signing_in = |m: &str| super::cap(&format!("sign-in failed: {m}"));
                let e = match e {
                    ProviderError::Unauthorized(m) | ProviderError::BadRequest(m) => {
                        ProviderError::Unauthorized(signing_in(&m))
                    }
                    ProviderError::Forbidden(m) => ProviderError::Forbidden(signing_in(&m)),
                    ProviderError::NotFound(m) => ProviderError::NotFound(signing_in(&m)),
                    ProviderError::Decode(m) => ProviderError::Decode(signing_in(&m)),
                    ProviderError::Server { status, message } => ProviderError::Server {
                        status,
                        message: signing_in(&message),
                    },
                    other => other,
                };
                if credentials_refused && let Ok(mut r) = self.refused.lock() {
                    *r = Some((Instant::now(), e.clone()));
                }
                Err(e)
            }
        }
    }

    async fn grant(&self, grant: Grant<'_>) -> Result<Tokens, ProviderError> {
        let what = match grant {
            Grant::Password => "sign-in",
            Grant::Refresh(_) => "token refresh",
        };
        let form: Vec<(&str, &str)> = match &grant {
            Grant::Password => vec![
                ("username", self.username.as_str()),
                ("password", self.password.expose()),
            ],
            Grant::Refresh(r) => vec![("token", r.expose())],
        };
        let body = url_encode(&form);
        let sent_at = Instant::now();
        let request = self
            .http
            .request(Method::POST, self.url.clone())
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header(
                reqwest::header::CONTENT_TYPE,
                HeaderValue::from_static("application/x-www-form-urlencoded"),
            )
            .body(body);
        let resp = self.http.send(request).await?;
        let status = resp.status().as_u16();
        let bytes = if (200..300).contains(&status) {
            let body = self.http.read_body(resp).await?;
            crate::providers::shape::check_kind(&body, crate::providers::shape::Expect::Json)?;
            body
        } else {
            self.http.read_error_body(resp).await
        };
        tracing::debug!(what, status, "callable token request");
        if !(200..300).contains(&status) {
            let reason = wire::decode_error_message(&bytes).unwrap_or_else(|| {
                reqwest::StatusCode::from_u16(status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("unexpected status")
                    .to_owned()
            });
            let reason = super::cap(&reason);
            return Err(match status {
                400 => ProviderError::BadRequest(reason),
                401 => ProviderError::Unauthorized(reason),
                403 => ProviderError::Forbidden(reason),
                404 => ProviderError::NotFound(format!("{what} endpoint: {reason}")),
                429 => ProviderError::RateLimited {
                    retry_after: None,
                    message: reason,
                },
                s => ProviderError::Server {
                    status: s,
                    message: reason,
                },
            });
        }
        let t = wire::decode_token(&bytes)?;
        // Renewals happen one at a time (under the token mutex): the slots hold the
        // newest tokens, the ones replaced are no longer registered.
        let access = self.access_slot.fill(t.access_token);
        let refresh = match t.refresh_token {
            Some(r) => Some(self.refresh_slot.fill(r)),
            None => {
                self.refresh_slot.clear();
                None
            }
        };
        let mut header = HeaderValue::from_str(&format!("Bearer {}", access.expose()))
            .map_err(|_| ProviderError::Decode("access token is not header-safe".into()))?;
        header.set_sensitive(true);
        if let Some(claims) = wire::decode_jwt_claims(access.expose())
            && let Ok(mut r) = self.roles.lock()
        {
            *r = claims.roles;
        }
        let lifetime = t
            .expires_in
            .filter(|s| *s > 0)
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_LIFETIME);
        let generation = {
            let mut g = self.generation.lock().unwrap_or_else(|p| p.into_inner());
            *g += 1;
            *g
        };
        Ok(Tokens {
            header,
            refresh,
            renew_at: sent_at + lifetime - renew_margin(lifetime),
            // 0 = no expiry (Keycloak offline tokens).
            refresh_until: t
                .refresh_expires_in
                .filter(|s| *s > 0)
                .map(|s| sent_at + Duration::from_secs(s)),
            generation,
        })
    }
}

/// `application/x-www-form-urlencoded` (RFC 3986 unreserved kept, the rest %-encoded).
pub fn url_encode(pairs: &[(&str, &str)]) -> String {
    fn enc(s: &str, out: &mut String) {
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        enc(k, &mut out);
        out.push('=');
        enc(v, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_is_a_fifth_capped_at_thirty_seconds() {
        assert_eq!(
            renew_margin(Duration::from_secs(3)),
            Duration::from_millis(600)
        );
        assert_eq!(renew_margin(Duration::from_secs(3600)), MAX_EARLY);
    }

    #[test]
    fn form_encoding_escapes_reserved_characters() {
        assert_eq!(
            url_encode(&[("username", "demo"), ("password", "a&b=c d")]),
            "username=demo&password=a%26b%3Dc%20d"
        );
    }
}
