//! `serve --tls-cert --tls-key [--tls-client-ca]`: the collector over HTTPS (rustls),
//! optionally wanting a client certificate signed by a given CA (mutual TLS). The same
//! router is served through [`TlsListener`], an `axum::serve::Listener`: it accepts TCP
//! and runs each handshake in a task of its own, so a slow or garbage client holds up
//! nobody; a failed handshake is logged at debug and the connection dropped.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::server::TlsStream;

/// How long a client may take over its handshake.
const HANDSHAKE: Duration = Duration::from_secs(10);
/// Handshakes under way at once; a connection beyond them is closed at once.
const MAX_HANDSHAKES: usize = 512;

/// The PEM files `serve` was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The server's certificate chain (leaf first).
    pub cert: PathBuf,
    /// Its private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
    /// With it, only clients presenting a certificate signed by this CA are served.
    pub client_ca: Option<PathBuf>,
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{what} {}: cannot read: {e}", path.display()))
}

fn certs(path: &Path, what: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let pem = read(path, what)?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{what} {}: not PEM: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "{what} {}: holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\")",
            path.display()
        ));
    }
    Ok(certs)
}

/// The rustls configuration of `files`, every file read and checked now: an error names
/// the file and what is wrong with it (never the key's bytes).
pub fn server_config(files: &TlsFiles) -> Result<Arc<rustls::ServerConfig>, String> {
    let chain = certs(&files.cert, "TLS certificate")?;
    let key_pem = read(&files.key, "TLS key")?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|_| {
        format!(
            "TLS key {}: holds no PEM private key (\"-----BEGIN PRIVATE KEY-----\")",
            files.key.display()
        )
    })?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?;
    let builder = match &files.client_ca {
        None => builder.with_no_client_auth(),
        Some(path) => {
            let mut roots = rustls::RootCertStore::empty();
            for c in certs(path, "TLS client CA")? {
                roots
                    .add(c)
                    .map_err(|e| format!("TLS client CA {}: {e}", path.display()))?;
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .map_err(|e| format!("TLS client CA {}: {e}", path.display()))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder.with_single_cert(chain, key).map_err(|e| {
        format!(
            "TLS certificate {} and key {} do not go together: {e}",
            files.cert.display(),
            files.key.display()
        )
    })?;
    // The router speaks HTTP/1.1 only.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A TCP listener whose connections are served once their TLS handshake is done.
pub struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    /// Handshakes under way, each in its own task (aborted when the listener drops).
    handshakes: JoinSet<(SocketAddr, Result<TlsStream<TcpStream>, String>)>,
}

impl TlsListener {
    pub fn new(tcp: TcpListener, config: Arc<rustls::ServerConfig>) -> TlsListener {
        TlsListener {
            tcp,
            acceptor: TlsAcceptor::from(config),
            handshakes: JoinSet::new(),
        }
    }

    fn start_handshake(&mut self, tcp: TcpStream, peer: SocketAddr) {
        if self.handshakes.len() >= MAX_HANDSHAKES {
            tracing::debug!(%peer, "TLS: too many handshakes under way; connection closed");
            return;
        }
        let acceptor = self.acceptor.clone();
        self.handshakes.spawn(async move {
            let done = match tokio::time::timeout(HANDSHAKE, acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => Ok(tls),
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err(format!("no handshake within {HANDSHAKE:?}")),
            };
            (peer, done)
        });
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            tokio::select! {
                accepted = self.tcp.accept() => match accepted {
                    Ok((tcp, peer)) => self.start_handshake(tcp, peer),
                    Err(e) => accept_error(e).await,
                },
                Some(done) = self.handshakes.join_next(), if !self.handshakes.is_empty() => {
                    match done {
                        Ok((peer, Ok(tls))) => return (tls, peer),
                        Ok((peer, Err(e))) => {
                            tracing::debug!(%peer, "TLS handshake failed: {e}");
                        }
                        Err(e) => tracing::debug!("TLS handshake task ended: {e}"),
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// As axum's own listener does: a connection gone before it was accepted is nothing; any
/// other error (out of file descriptors) is said and waited out.
async fn accept_error(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    ) {
        return;
    }
    tracing::error!("accept error: {e}");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path) -> TlsFiles {
        TlsFiles {
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
            client_ca: None,
        }
    }

    #[test]
    fn bad_files_are_named_with_what_is_wrong() {
        let dir = std::env::temp_dir().join(format!("sb-tls-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = files(&dir);
        let e = server_config(&f).unwrap_err();
        assert!(
            e.contains("TLS certificate") && e.contains("cert.pem") && e.contains("cannot read"),
            "{e}"
        );
        std::fs::write(&f.cert, "not a certificate\n").unwrap();
        let e = server_config(&f).unwrap_err();
        assert!(
            e.contains("cert.pem") && e.contains("no PEM certificate"),
            "{e}"
        );
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        std::fs::write(&f.cert, cert.pem()).unwrap();
        std::fs::write(&f.key, "-----BEGIN NOTHING-----\n").unwrap();
        let e = server_config(&f).unwrap_err();
        assert!(
            e.contains("key.pem") && e.contains("no PEM private key"),
            "{e}"
        );
        // Another key than the certificate's.
        let other = rcgen::KeyPair::generate().unwrap();
        std::fs::write(&f.key, other.serialize_pem()).unwrap();
        let e = server_config(&f).unwrap_err();
        assert!(e.contains("do not go together"), "{e}");
        std::fs::write(&f.key, key.serialize_pem()).unwrap();
        assert!(server_config(&f).is_ok());
        let e = server_config(&TlsFiles {
            client_ca: Some(dir.join("ca.pem")),
            ..f
        })
        .unwrap_err();
        assert!(e.contains("TLS client CA") && e.contains("ca.pem"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
