//! Where and how to attach to a collector: its URL, the token, the TLS material (read
//! once, when the options are made, so a missing file is said before anything
//! connects) and the reconnect timing. Every attach path takes these.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::secret::Secret;

#[derive(Debug, Clone)]
pub struct AttachOptions {
    /// The collector's base URL (`http://127.0.0.1:9464`).
    pub url: String,
    pub token: Option<Secret>,
    /// The collector's CA and our client certificate, for `https://`.
    pub tls: ClientTls,
    /// First and longest wait between attempts.
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// A stream silent this long is dead (the collector sends a keep-alive every 15 s).
    pub idle: Duration,
}

impl AttachOptions {
    pub fn new(url: &str, token: Option<Secret>) -> AttachOptions {
        AttachOptions {
            url: url.trim_end_matches('/').to_string(),
            token,
            tls: ClientTls::default(),
            backoff_min: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            idle: Duration::from_secs(45),
        }
    }

    /// The host (and port) the status bar names.
    pub fn host(&self) -> String {
        let rest = self.url.split_once("://").map_or(&*self.url, |(_, r)| r);
        rest.split('/').next().unwrap_or(rest).to_string()
    }
}

/// The TLS material of an attach: read once, when the options are made, so a missing
/// file is said before anything connects.
#[derive(Clone, Default)]
pub struct ClientTls {
    /// Extra roots (the collector's private CA), next to the system's.
    pub(super) roots: Vec<reqwest::Certificate>,
    /// The console's certificate and key (mutual TLS).
    pub(super) identity: Option<reqwest::Identity>,
    /// Where they came from (what `Debug` shows).
    files: Vec<PathBuf>,
}

impl fmt::Debug for ClientTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientTls")
            .field("files", &self.files)
            .finish()
    }
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{what} {}: cannot read: {e}", path.display()))
}

impl ClientTls {
    /// Reads `ca` (PEM, one or more certificates) and the client certificate and key
    /// (PEM); an error names the file.
    pub fn load(ca: Option<&Path>, client: Option<(&Path, &Path)>) -> Result<ClientTls, String> {
        let mut tls = ClientTls::default();
        if let Some(path) = ca {
            let pem = read(path, "collector CA")?;
            tls.roots = reqwest::Certificate::from_pem_bundle(&pem)
                .ok()
                .filter(|c| !c.is_empty())
                .ok_or_else(|| {
                    format!(
                        "collector CA {}: holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\")",
                        path.display()
                    )
                })?;
            tls.files.push(path.to_path_buf());
        }
        if let Some((cert, key)) = client {
            let mut pem = read(cert, "client certificate")?;
            if !pem.ends_with(b"\n") {
                pem.push(b'\n');
            }
            pem.extend(read(key, "client key")?);
            tls.identity = Some(reqwest::Identity::from_pem(&pem).map_err(|_| {
                format!(
                    "client certificate {} and key {}: need a PEM certificate and a PEM private key",
                    cert.display(),
                    key.display()
                )
            })?);
            tls.files.push(cert.to_path_buf());
            tls.files.push(key.to_path_buf());
        }
        Ok(tls)
    }
}
