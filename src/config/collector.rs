//! `[collector]`: attach the console to a collector (`switchboard serve`) instead of
//! polling the providers: `url = "http://127.0.0.1:9464"`, `token = "env:VAR"` (or
//! `cmd:…`, or the token itself). The token is a secret: resolved only when attaching,
//! never logged or shown.

use std::fmt;

use toml::Spanned;
use toml::de::DeValue;

use super::secrets::{Reference, resolve};
use super::{Walker, type_name, unknown_key_message};
use crate::secret::Secret;

const KEYS: &[&str] = &["url", "token"];

/// `[collector]`.
#[derive(Clone, Default)]
pub struct CollectorConfig {
    /// The collector's base URL (`http://…` or `https://…`).
    pub url: Option<String>,
    token: Option<Reference>,
}

impl fmt::Debug for CollectorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let token = self
            .token
            .as_ref()
            .map(|t| t.source().unwrap_or("****".into()));
        f.debug_struct("CollectorConfig")
            .field("url", &self.url)
            .field("token", &token)
            .finish()
    }
}

impl CollectorConfig {
    /// The token, resolved now (an `env:` variable read, a `cmd:` run). None: no token.
    pub fn token(&self) -> Result<Option<Secret>, String> {
        self.token
            .as_ref()
            .map(|r| {
                resolve(r)
                    .map(Secret::new)
                    .map_err(|e| format!("[collector] token: {e}"))
            })
            .transpose()
    }
}

/// A token as `--token` or `SWITCHBOARD_TOKEN` gives it: `env:VAR`, `cmd:…`, or itself.
pub fn token_from(raw: &str) -> Result<Secret, String> {
    let r = Reference::parse(raw).map_err(|e| format!("--token {e}"))?;
    resolve(&r).map(Secret::new)
}

/// Whether `url` is one the feed client can use.
pub fn check_collector_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    match rest {
        // Credentials go in `token`, never in the URL (it is shown and logged).
        Some(r) if r.split('/').next().is_some_and(|h| h.contains('@')) => {
            Err("the collector URL must not hold credentials: give the token with `token`".into())
        }
        Some(r) if !r.is_empty() && !r.starts_with('/') => Ok(()),
        _ => Err(format!(
            "{url:?} is not a collector URL: write http://HOST:PORT (e.g. http://127.0.0.1:9464)"
        )),
    }
}

/// `[collector]`: `url`, `token`.
pub(super) fn walk(w: &mut Walker, v: &Spanned<DeValue<'_>>) -> CollectorConfig {
    let mut c = CollectorConfig::default();
    let DeValue::Table(table) = v.get_ref() else {
        w.issue(
            v.span().start,
            Some("collector"),
            format!(
                "expected a table `[collector]`, found {}",
                type_name(v.get_ref())
            ),
        );
        return c;
    };
    for (k, v) in table.iter() {
        let key = k.get_ref().as_ref();
        let path = format!("collector.{key}");
        match (key, v.get_ref()) {
            ("url", DeValue::String(s)) => match check_collector_url(s) {
                Ok(()) => c.url = Some(s.to_string()),
                Err(e) => w.issue(v.span().start, Some(&path), e),
            },
            ("token", DeValue::String(s)) => match Reference::parse(s) {
                Ok(r) => c.token = Some(r),
                Err(e) => w.issue(v.span().start, Some(&path), e),
            },
            ("url" | "token", other) => w.issue(
                v.span().start,
                Some(&path),
                format!("expected a string, found {}", type_name(other)),
            ),
            _ => w.issue(
                k.span().start,
                Some(&path),
                unknown_key_message(key, "[collector]", KEYS),
            ),
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    fn parse(text: &str) -> Result<super::super::Config, String> {
        super::super::parse(text, Path::new("c.toml"))
            .map(|l| l.config)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn url_and_token_read_with_errors_at_their_line() {
        let c = parse(
            "[collector]\nurl = \"http://127.0.0.1:9464\"\ntoken = \"env:SB_TEST_NO_SUCH_VAR\"\n",
        )
        .unwrap();
        assert_eq!(c.collector.url.as_deref(), Some("http://127.0.0.1:9464"));
        // Resolved when attaching: an unset variable is said, by name.
        let e = c.collector.token().unwrap_err();
        assert!(e.contains("SB_TEST_NO_SUCH_VAR is not set"), "{e}");
        let e = parse("[collector]\n\nurl = \"ftp://x\"\n").unwrap_err();
        assert!(e.contains("line 3") && e.contains("collector.url"), "{e}");
        let e = parse("[collector]\nurl = \"http://u:pw@host:1\"\n").unwrap_err();
        assert!(
            e.contains("must not hold credentials") && !e.contains("pw"),
            "{e}"
        );
        let e = parse("[collector]\nport = 1\n").unwrap_err();
        assert!(e.contains("line 2") && e.contains("collector.port"), "{e}");
        let e = parse("[collector]\ntoken = 5\n").unwrap_err();
        assert!(e.contains("expected a string"), "{e}");
    }

    #[test]
    fn a_literal_token_is_never_in_debug_output() {
        let c = parse("[collector]\nurl = \"http://h:1\"\ntoken = \"sbt_secret_value\"\n").unwrap();
        assert!(!format!("{c:?}").contains("sbt_secret_value"));
        assert_eq!(
            c.collector.token().unwrap().map(|s| s.expose().to_string()),
            Some("sbt_secret_value".to_string())
        );
        assert_eq!(super::token_from("sbt_x").unwrap().expose(), "sbt_x");
    }
}
