//! IOVOX REST API v3 simulator (providers.md §3) over HTTPS.
//!
//! At start it makes a private CA and a `localhost`/`127.0.0.1` server certificate
//! signed by it (rcgen), writes the CA as PEM to a file it owns (`ca_file` of the demo
//! config) and serves axum through rustls. A connection whose first byte is not a TLS
//! handshake gets `400` `HTTPS Required` in plain HTTP and is closed. It renders its
//! own wire format and shares no types with the console's client.

mod api;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State as AxState};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::server::TlsStream;

pub use api::error_xml;
use api::{Incoming, Reply, State};

/// One request as the simulator saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct IovoxRequest {
    pub method: String,
    /// Path and query, e.g. `/Voxnumbers?v=3&method=getVoxnumbers&output=JSON`.
    pub path: String,
    pub status: u16,
    pub body: String,
}

struct Shared {
    state: Mutex<State>,
    recorded: Mutex<Vec<IovoxRequest>>,
    latency: Duration,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running IOVOX simulator.
#[derive(Clone)]
pub struct IovoxSim {
    /// `https://127.0.0.1:<port>` (no trailing slash).
    pub base_url: String,
    pub username: String,
    pub secure_key: String,
    /// The CA certificate (PEM) the console must trust.
    pub ca_pem: String,
    /// Where the CA PEM was written (removed when the simulator stops).
    pub ca_file: PathBuf,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for IovoxSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IovoxSim")
            .field("base_url", &self.base_url)
            .field("ca_file", &self.ca_file)
            .finish_non_exhaustive()
    }
}

impl IovoxSim {
    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<IovoxRequest> {
        self.shared
            .recorded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// A number's call status (`ON`, `OFF`, `NO RULES`), `None` when unknown.
    pub fn call_status(&self, voxnumber: &str) -> Option<String> {
        self.shared
            .lock()
            .numbers
            .iter()
            .find(|n| n.number == voxnumber)
            .map(|n| n.call_status.clone())
    }

    /// Every VoxNumber with its call status.
    pub fn numbers(&self) -> Vec<(String, String)> {
        self.shared
            .lock()
            .numbers
            .iter()
            .map(|n| (n.number.clone(), n.call_status.clone()))
            .collect()
    }

    /// Link ids, in order.
    pub fn links(&self) -> Vec<String> {
        self.shared
            .lock()
            .links
            .iter()
            .map(|l| l.id.clone())
            .collect()
    }

    /// Destinations of the calls placed through `initiateCall`, oldest first.
    pub fn api_calls(&self) -> Vec<String> {
        self.shared
            .lock()
            .calls
            .iter()
            .filter(|c| c.ctype == "API")
            .map(|c| c.destination.clone())
            .collect()
    }
}

/// Stops the server and removes the CA file.
pub(crate) struct Handles {
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    accept: Option<tokio::task::JoinHandle<()>>,
    ca_file: PathBuf,
}

impl Drop for Handles {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.accept.take() {
            t.abort();
        }
        let _ = std::fs::remove_file(&self.ca_file);
    }
}

fn now_s() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// CA PEM, server certificate chain and key, made fresh at every start.
fn make_certs() -> Result<
    (
        String,
        Vec<rustls::pki_types::CertificateDer<'static>>,
        rustls::pki_types::PrivateKeyDer<'static>,
    ),
    String,
> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    };
    let e = |e: rcgen::Error| format!("iovox simulator certificate: {e}");
    let ca_key = KeyPair::generate().map_err(e)?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(e)?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "switchboard IOVOX simulator CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).map_err(e)?;
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().map_err(e)?;
    let mut leaf = CertificateParams::new(vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ])
    .map_err(e)?;
    leaf.distinguished_name
        .push(DnType::CommonName, "IOVOX simulator");
    let leaf_cert = leaf.signed_by(&key, &issuer).map_err(e)?;
    let key_der = rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into());
    Ok((
        ca_cert.pem(),
        vec![leaf_cert.der().clone(), ca_cert.der().clone()],
        key_der,
    ))
}

/// The TLS side of the listener: a task accepts TCP, answers non-TLS connections with
/// `400 HTTPS Required` and hands finished handshakes to axum through a channel.
struct TlsListener {
    rx: tokio::sync::mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    addr: SocketAddr,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.rx.recv().await {
            Some(conn) => conn,
            // The accept task ended (shutdown): never yield another connection.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.addr)
    }
}

async fn refuse_plain_http(mut tcp: TcpStream) {
    let body = error_xml(400, "HTTPS Required");
    let resp = format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tcp.write_all(resp.as_bytes()).await;
    let _ = tcp.shutdown().await;
}

pub(crate) fn spawn(
    listener: TcpListener,
    seed: u64,
    faults: crate::Faults,
) -> std::io::Result<(IovoxSim, Handles)> {
    let latency = faults.latency;
    let addr = listener.local_addr()?;
    let (ca_pem, chain, key) = make_certs().map_err(std::io::Error::other)?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(std::io::Error::other)?
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .map_err(std::io::Error::other)?;
    let acceptor = TlsAcceptor::from(Arc::new(config));

    let ca_file = std::env::temp_dir().join(format!(
        "switchboard-iovox-sim-{}-{}.pem",
        std::process::id(),
        addr.port()
    ));
    std::fs::write(&ca_file, &ca_pem)?;

    let state = State::seed(seed, now_s());
    let base_url = match addr {
        SocketAddr::V6(a) => format!("https://[{}]:{}", a.ip(), a.port()),
        SocketAddr::V4(a) => format!("https://{}:{}", a.ip(), a.port()),
    };
    let shared = Arc::new(Shared {
        state: Mutex::new(state),
        recorded: Mutex::new(Vec::new()),
        latency,
    });
    let sim = {
        let st = shared.lock();
        IovoxSim {
            base_url,
            username: st.username.clone(),
            secure_key: st.secure_key.clone(),
            ca_pem,
            ca_file: ca_file.clone(),
            shared: shared.clone(),
        }
    };

    let (conn_tx, conn_rx) = tokio::sync::mpsc::channel(64);
    let accept = tokio::spawn(async move {
        loop {
            let Ok((tcp, peer)) = listener.accept().await else {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            };
            let acceptor = acceptor.clone();
            let tx = conn_tx.clone();
            tokio::spawn(async move {
                let mut first = [0u8; 1];
                let peeked =
                    tokio::time::timeout(Duration::from_secs(10), tcp.peek(&mut first)).await;
                match peeked {
                    Ok(Ok(1)) if first[0] == 0x16 => {
                        let hs =
                            tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp))
                                .await;
                        if let Ok(Ok(tls)) = hs {
                            let _ = tx.send((tls, peer)).await;
                        }
                    }
                    Ok(Ok(1)) => refuse_plain_http(tcp).await,
                    _ => {}
                }
            });
        }
    });

    // The handler adds the latency itself (before it records the request).
    let app = crate::faults::inject(
        Router::new().fallback(handle).with_state(shared.clone()),
        crate::Faults {
            latency: Duration::ZERO,
            ..faults
        },
        crate::rng::Rng::derive(seed, 0xFA17),
        |_| {
            let mut r = Response::new(Body::from(error_xml(500, "Request Failed")));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/xml"),
            );
            r
        },
    );
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let tls = TlsListener { rx: conn_rx, addr };
    tokio::spawn(async move {
        let _ = axum::serve(tls, app)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
    });
    Ok((
        sim,
        Handles {
            shutdown: Some(tx),
            accept: Some(accept),
            ca_file,
        },
    ))
}

const MAX_BODY: usize = 1 << 20;

fn header_text(h: &axum::http::HeaderMap, name: &str) -> Option<String> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

async fn handle(AxState(shared): AxState<Arc<Shared>>, req: Request) -> Response {
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or_default().to_owned();
    let username = header_text(req.headers(), "username");
    let secure_key = header_text(req.headers(), "securekey");
    let body = axum::body::to_bytes(req.into_body(), MAX_BODY)
        .await
        .unwrap_or_default();
    if !shared.latency.is_zero() {
        tokio::time::sleep(shared.latency).await;
    }
    let reply = shared.lock().process(
        &Incoming {
            method: &method,
            path: &path,
            query: &query,
            username: username.as_deref(),
            secure_key: secure_key.as_deref(),
            body: &body,
        },
        now_s(),
    );
    let (status, content_type, text) = match reply {
        Reply::Body { xml, text } => (
            200,
            if xml {
                "application/xml"
            } else {
                "application/json"
            },
            text,
        ),
        Reply::Status(s) => (s, "", String::new()),
        Reply::Error(s, msg) => (s, "application/xml", error_xml(s, &msg)),
    };
    shared
        .recorded
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(IovoxRequest {
            method,
            path: if query.is_empty() {
                path
            } else {
                format!("{path}?{query}")
            },
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
        });
    let mut r = Response::new(Body::from(text));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if !content_type.is_empty() {
        // IOVOX omits the charset (providers.md §3.3).
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    r
}
