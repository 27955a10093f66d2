//! The one HTTP client every attach path uses (the attached console, `snapshot
//! --connect`, `trace --connect`): rustls, no redirect, the collector's private CA and the
//! console's client certificate when given; and the words for what goes wrong on the way
//! (a TLS failure says so: "TLS: certificate not trusted …"), never the token.

use std::time::Duration;

use tokio_rustls::rustls;

use super::options::AttachOptions;
pub use super::options::ClientTls;

/// The client for the collector at `opts`: connect within 5 s, the whole request within
/// `timeout` when given (a stream has none), no redirect followed.
pub fn client(opts: &AttachOptions, timeout: Option<Duration>) -> Result<reqwest::Client, String> {
    let mut b = reqwest::Client::builder()
        .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .tls_certs_merge(opts.tls.roots.clone());
    if let Some(t) = timeout {
        b = b.timeout(t);
    }
    if let Some(id) = &opts.tls.identity {
        b = b.identity(id.clone());
    }
    b.build()
        .map_err(|e| format!("cannot build an HTTP client: {}", e.without_url()))
}

/// A GET of `path` at the collector, with the token.
pub fn get(client: &reqwest::Client, opts: &AttachOptions, path: &str) -> reqwest::RequestBuilder {
    let r = client.get(format!("{}{path}", opts.url));
    match &opts.token {
        Some(t) => r.bearer_auth(t.expose()),
        None => r,
    }
}

/// What a refused or failed request says (never the token).
pub fn status_error(status: reqwest::StatusCode) -> String {
    match status.as_u16() {
        401 => "the collector refused the token (401)".into(),
        403 => "the token's role may not read the feed (403)".into(),
        s => format!("the collector answered {s}"),
    }
}

/// What a request that got no answer says: a TLS failure in words, else what failed.
pub fn request_error(e: reqwest::Error) -> String {
    if let Some(tls) = tls_error(&e) {
        return crate::secret::redact(&tls_words(tls)).into_owned();
    }
    let what = if e.is_connect() {
        "cannot connect to the collector"
    } else if e.is_timeout() {
        "the collector did not answer in time"
    } else {
        "the link to the collector failed"
    };
    crate::secret::redact(&format!("{what}: {}", e.without_url())).into_owned()
}

/// The rustls error somewhere in `e`'s causes. An I/O error carries its cause inside
/// (`get_ref`; its `source` skips it), sometimes in another I/O error.
fn tls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut cur: Option<&'a (dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(t) = err.downcast_ref::<rustls::Error>() {
            return Some(t);
        }
        cur = match err.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    None
}

const GIVE_CA: &str = "give its CA with --collector-ca or [collector] ca";
const GIVE_CERT: &str =
    "give one with --client-cert/--client-key or [collector] client_cert/client_key";

fn tls_words(e: &rustls::Error) -> String {
    use rustls::{AlertDescription as A, CertificateError as C, Error as E};
    match e {
        E::InvalidCertificate(C::UnknownIssuer) => {
            format!("TLS: certificate not trusted: the collector's certificate is signed by an unknown CA ({GIVE_CA})")
        }
        E::InvalidCertificate(C::NotValidForName | C::NotValidForNameContext { .. }) => {
            "TLS: certificate not valid for this host: the collector's certificate names another host".into()
        }
        E::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => {
            "TLS: certificate expired: the collector's certificate is out of date".into()
        }
        E::InvalidCertificate(c) => format!("TLS: certificate not trusted: {c:?}"),
        E::AlertReceived(A::CertificateRequired) => {
            format!("TLS: the collector wants a client certificate ({GIVE_CERT})")
        }
        E::AlertReceived(A::BadCertificate | A::UnknownCA | A::CertificateUnknown) => {
            "TLS: the collector did not accept our client certificate (not signed by the CA it trusts)".into()
        }
        other => format!("TLS: handshake with the collector failed: {other}"),
    }
}
