//! The local HTTP consumer ProVoice POSTs call records to (providers.md §5.3: records
//! are asynchronous; the request names a callback URL).
//!
//! Safety rules: it accepts only `POST`s whose `request_id` is one this process issued
//! and still waits for (anything else: 404), bodies above [`MAX_BODY`] are refused with
//! 413 before being read, and the handler only hands the body to the waiting fetch over
//! a channel and answers at once, so the provider never waits on decoding and the UI is
//! never involved. A request (headers and body) must arrive within [`READ_TIMEOUT`] of
//! the connection opening or of the previous answer, or the connection is closed, and
//! at most [`MAX_CONNECTIONS`] connections are served at once (more wait in the
//! backlog): half-sent requests cannot pile up. Listening beyond loopback is allowed
//! (the provider must reach it) but warned about at config load and in the log.
//!
//! The socket is bound when the client is built (so a bad `callback_listen` is a config
//! error and the default callback URL is known); the server starts on the first records
//! request, inside the runtime, and stops when the client is dropped.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::Response;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

use crate::providers::ProviderError;

/// Largest records body accepted (bytes); larger ones get 413.
pub const MAX_BODY: usize = 1 << 20;

/// The path of the default callback URL.
pub const CALLBACK_PATH: &str = "/provoice/records";

/// How long a request (headers and body) may take to arrive, counted from the
/// connection opening or the previous answer on it; then the connection is closed.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections served at once; further ones wait in the listen backlog.
pub const MAX_CONNECTIONS: usize = 64;

/// The config warning (and log line) for a consumer listening beyond this machine.
pub fn exposed_warning(addr: SocketAddr) -> String {
    format!(
        "callback_listen {addr} accepts call-record callbacks from other hosts, not only \
         this one; make sure a firewall admits only ProVoice (use 127.0.0.1 behind a tunnel \
         or proxy if you can)"
    )
}

/// A connection's stream with a deadline on reading a request and a slot among
/// [`MAX_CONNECTIONS`] held until it closes.
struct Guarded {
    tcp: tokio::net::TcpStream,
    timeout: Duration,
    deadline: Pin<Box<tokio::time::Sleep>>,
    _slot: OwnedSemaphorePermit,
}

impl AsyncRead for Guarded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match Pin::new(&mut self.tcp).poll_read(cx, buf) {
            Poll::Pending => match self.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "request not received in time",
                ))),
                Poll::Pending => Poll::Pending,
            },
            ready => ready,
        }
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.tcp).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(_))) {
            // An answer went out: the next request on this connection gets a fresh budget.
            let next = tokio::time::Instant::now() + self.timeout;
            self.deadline.as_mut().reset(next);
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}

/// The consumer's listener: a slot is taken before a connection is accepted.
struct Limited {
    listener: tokio::net::TcpListener,
    slots: Arc<Semaphore>,
    timeout: Duration,
}

impl axum::serve::Listener for Limited {
    type Io = Guarded;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Guarded, SocketAddr) {
        loop {
            let Ok(slot) = self.slots.clone().acquire_owned().await else {
                // Never closed; wait rather than spin if it were.
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            };
            match self.listener.accept().await {
                Ok((tcp, peer)) => {
                    let deadline = Box::pin(tokio::time::sleep(self.timeout));
                    return (
                        Guarded {
                            tcp,
                            timeout: self.timeout,
                            deadline,
                            _slot: slot,
                        },
                        peer,
                    );
                }
                // Out of file descriptors and the like: wait a little, as axum does.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }
}

type Pending = Arc<Mutex<HashMap<String, mpsc::Sender<Bytes>>>>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

pub struct Consumer {
    url: String,
    local: SocketAddr,
    pending: Pending,
    listener: Mutex<Option<std::net::TcpListener>>,
    server: Mutex<Option<tokio::task::JoinHandle<()>>>,
    counter: AtomicU64,
    /// Read timeout and connection cap (set before the server starts).
    limits: Mutex<(Duration, usize)>,
}

impl std::fmt::Debug for Consumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Consumer")
            .field("url", &self.url)
            .field("local", &self.local)
            .finish_non_exhaustive()
    }
}

impl Drop for Consumer {
    fn drop(&mut self) {
        if let Some(h) = lock(&self.server).take() {
            h.abort();
        }
    }
}

impl Consumer {
    /// Binds `listen` (`host:port`, port 0 = any free port). `url` is what the provider
    /// is told to call; default `http://<bound address>/provoice/records`.
    pub fn bind(listen: &str, url: Option<&str>) -> Result<Consumer, String> {
        let addr: SocketAddr = listen.trim().parse().map_err(|_| {
            format!("`callback_listen` must be host:port, e.g. 127.0.0.1:8099 (got {listen:?})")
        })?;
        let listener = std::net::TcpListener::bind(addr)
            .map_err(|e| format!("cannot listen on {addr} for call-record callbacks ({e}); choose another `callback_listen`"))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| format!("callback listener: {e}"))?;
        let local = listener
            .local_addr()
            .map_err(|e| format!("callback listener: {e}"))?;
        let url = match url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(u) => u.to_owned(),
            None => format!("http://{local}{CALLBACK_PATH}"),
        };
        if !addr.ip().is_loopback() {
            tracing::warn!("{}", exposed_warning(local));
        }
        Ok(Consumer {
            url,
            local,
            pending: Arc::new(Mutex::new(HashMap::new())),
            listener: Mutex::new(Some(listener)),
            server: Mutex::new(None),
            counter: AtomicU64::new(0),
            limits: Mutex::new((READ_TIMEOUT, MAX_CONNECTIONS)),
        })
    }

    /// Another read timeout and connection cap (tests); takes effect when the server
    /// starts.
    pub fn set_limits(&self, read_timeout: Duration, max_connections: usize) {
        *lock(&self.limits) = (read_timeout, max_connections.max(1));
    }

    /// The URL sent to the provider.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Where the consumer listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Starts serving (once). Must run inside the Tokio runtime.
    pub fn ensure_started(&self) -> Result<(), ProviderError> {
        let mut server = lock(&self.server);
        if server.is_some() {
            return Ok(());
        }
        let Some(std_listener) = lock(&self.listener).take() else {
            return Err(ProviderError::Refused(
                "the call-record consumer has stopped".into(),
            ));
        };
        let listener = tokio::net::TcpListener::from_std(std_listener).map_err(|e| {
            ProviderError::Refused(format!("call-record consumer cannot start: {e}"))
        })?;
        let (timeout, max) = *lock(&self.limits);
        let listener = Limited {
            listener,
            slots: Arc::new(Semaphore::new(max)),
            timeout,
        };
        let app = Router::new()
            .fallback(receive)
            .with_state(self.pending.clone());
        *server = Some(tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        }));
        Ok(())
    }

    /// Issues a new request id and registers it; the [`Waiter`] receives its records.
    pub fn issue(&self) -> Waiter {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let mut id = String::from("sb-");
        for salt in [0x5b_u64, 0xc7] {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(n);
            h.write_u64(salt);
            id.push_str(&format!("{:016x}", h.finish()));
        }
        let (tx, rx) = mpsc::channel(1);
        lock(&self.pending).insert(id.clone(), tx.clone());
        Waiter {
            ids: vec![id],
            tx,
            rx,
            pending: self.pending.clone(),
        }
    }

    /// How many requests wait for records.
    pub fn waiting(&self) -> usize {
        lock(&self.pending).len()
    }
}

/// One outstanding records request. Dropping it forgets its ids (a late POST gets 404).
pub struct Waiter {
    ids: Vec<String>,
    tx: mpsc::Sender<Bytes>,
    rx: mpsc::Receiver<Bytes>,
    pending: Pending,
}

impl Waiter {
    /// The id this process issued.
    pub fn id(&self) -> &str {
        self.ids.first().map(String::as_str).unwrap_or_default()
    }

    /// Also accept `id` (the provider answered with its own request id).
    pub fn also(&mut self, id: &str) {
        if !self.ids.iter().any(|i| i == id) {
            lock(&self.pending).insert(id.to_owned(), self.tx.clone());
            self.ids.push(id.to_owned());
        }
    }

    /// The records body, or None after `timeout`.
    pub async fn wait(&mut self, timeout: Duration) -> Option<Bytes> {
        tokio::time::timeout(timeout, self.rx.recv())
            .await
            .ok()
            .flatten()
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        let mut p = lock(&self.pending);
        for id in &self.ids {
            p.remove(id);
        }
    }
}

fn reply(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "status": status.as_u16(), "message": message }).to_string();
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap_or_default()
}

async fn receive(State(pending): State<Pending>, req: Request) -> Response {
    if req.method() != Method::POST {
        return reply(StatusCode::METHOD_NOT_ALLOWED, "POST call records here");
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return reply(StatusCode::PAYLOAD_TOO_LARGE, "body larger than 1 MiB");
    }
    let Ok(body) = axum::body::to_bytes(req.into_body(), MAX_BODY).await else {
        return reply(StatusCode::PAYLOAD_TOO_LARGE, "body larger than 1 MiB");
    };
    let request_id = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| match v.get("request_id")? {
            serde_json::Value::String(s) => Some(s.trim().to_owned()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
    let Some(request_id) = request_id else {
        return reply(StatusCode::BAD_REQUEST, "expected JSON with a request_id");
    };
    let tx = lock(&pending).remove(&request_id);
    match tx {
        Some(tx) => {
            // Capacity 1 and one delivery per id: never blocks.
            let _ = tx.try_send(body);
            reply(StatusCode::OK, "records received")
        }
        None => reply(StatusCode::NOT_FOUND, "unknown request_id"),
    }
}
