//! `[collector]`: attach the console to a collector (`switchboard serve`) instead of
//! polling the providers: `url = "http://127.0.0.1:9464"`, `token = "env:VAR"` (or
//! `cmd:…`, or the token itself). The token is a secret: resolved only when attaching,
//! never logged or shown. For an HTTPS collector: `ca` (its private CA, PEM) and, when it
//! wants a client certificate, `client_cert` and `client_key` (PEM, both or neither).

use std::fmt;
use std::path::PathBuf;

use toml::Spanned;
use toml::de::DeValue;

use super::secrets::{Reference, resolve};
use super::{Walker, type_name, unknown_key_message};
use crate::secret::Secret;

const KEYS: &[&str] = &["url", "token", "ca", "client_cert", "client_key"];

/// `[collector]`.
#[derive(Clone, Default)]
pub struct CollectorConfig {
    /// The collector's base URL (`http://…` or `https://…`).
    pub url: Option<String>,
    token: Option<Reference>,
    /// The CA that signed the collector's certificate (PEM).
    pub ca: Option<PathBuf>,
    /// The console's certificate and key for a collector that wants one (mutual TLS).
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
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
            .field("ca", &self.ca)
            .field("client_cert", &self.client_cert)
            .field("client_key", &self.client_key)
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

/// A path key: a non-empty string.
fn path_of(w: &mut Walker, v: &Spanned<DeValue<'_>>, path: &str) -> Option<PathBuf> {
    match v.get_ref() {
        DeValue::String(s) if !s.trim().is_empty() => Some(PathBuf::from(s.as_ref())),
        DeValue::String(_) => {
            w.issue(
                v.span().start,
                Some(path),
                "expected a file path, found an empty string",
            );
            None
        }
        other => {
            w.issue(
                v.span().start,
                Some(path),
                format!(
                    "expected a file path (a string), found {}",
                    type_name(other)
                ),
            );
            None
        }
    }
}

/// `[collector]`: `url`, `token`, `ca`, `client_cert`, `client_key`.
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
            ("ca", _) => c.ca = path_of(w, v, &path),
            ("client_cert", _) => c.client_cert = path_of(w, v, &path),
            ("client_key", _) => c.client_key = path_of(w, v, &path),
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
    // A file that is not there yet is said (at its line), not refused: the config may be
    // checked on another machine than the one that attaches.
    for (key, file) in [
        ("ca", &c.ca),
        ("client_cert", &c.client_cert),
        ("client_key", &c.client_key),
    ] {
        if let (Some(path), Some(v)) = (file, table.get(key))
            && !path.exists()
        {
            w.warnings.push((
                v.span().start,
                format!("collector.{key}: {} does not exist", path.display()),
            ));
        }
    }
    // A certificate is no use without its key, and the other way round.
    let (cert, key) = (table.get("client_cert"), table.get("client_key"));
    if let (Some(v), None) | (None, Some(v)) = (cert, key) {
        let (has, wants) = if cert.is_some() {
            ("client_cert", "client_key")
        } else {
            ("client_key", "client_cert")
        };
        w.issue(
            v.span().start,
            Some(&format!("collector.{has}")),
            format!("`{has}` needs `{wants}` too (the client certificate and its key, PEM)"),
        );
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
    fn tls_files_read_as_paths_and_a_client_cert_wants_its_key() {
        let c = parse(
            "[collector]\nurl = \"https://h:1\"\nca = \"/etc/sb/ca.pem\"\n\
             client_cert = \"me.pem\"\nclient_key = \"me.key\"\n",
        )
        .unwrap();
        assert_eq!(c.collector.ca.as_deref(), Some(Path::new("/etc/sb/ca.pem")));
        assert_eq!(
            c.collector.client_cert.as_deref(),
            Some(Path::new("me.pem"))
        );
        assert_eq!(c.collector.client_key.as_deref(), Some(Path::new("me.key")));
        let warned = super::super::parse(
            "[collector]\nurl = \"https://h:1\"\nca = \"/nonexistent/ca.pem\"\n",
            Path::new("c.toml"),
        )
        .unwrap()
        .warnings;
        assert!(
            warned
                .iter()
                .any(|w| w.contains("line 3") && w.contains("/nonexistent/ca.pem does not exist")),
            "{warned:?}"
        );
        let e = parse("[collector]\nclient_cert = \"me.pem\"\n").unwrap_err();
        assert!(
            e.contains("line 2") && e.contains("collector.client_cert") && e.contains("client_key"),
            "{e}"
        );
        let e = parse("[collector]\n\nca = 3\n").unwrap_err();
        assert!(
            e.contains("line 3") && e.contains("collector.ca") && e.contains("file path"),
            "{e}"
        );
        let e = parse("[collector]\nca = \"\"\n").unwrap_err();
        assert!(e.contains("collector.ca") && e.contains("empty"), "{e}");
        let e = parse("[collector]\ncert = \"x\"\n").unwrap_err();
        assert!(e.contains("collector.cert"), "{e}");
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
