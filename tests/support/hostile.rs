//! A hostile HTTP server on loopback, standing in front of (or instead of) a provider:
//! it can redirect, send huge, endless or wrong-shaped bodies and a million rows, and it
//! records every request it receives (request line and headers) so a test can prove what
//! did or did not reach it. Plain HTTP/1.1 over tokio sockets, one request per connection,
//! so every byte it writes is counted.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What to answer.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A complete response with `Content-Length`.
    Full {
        status: u16,
        content_type: &'static str,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// `prefix`, then `chunk` repeated until `total` bytes (or forever when `None`),
    /// then `suffix`. With `announce`, `Content-Length` gives the real total up front;
    /// without it the body ends when the connection closes.
    Stream {
        content_type: &'static str,
        prefix: Vec<u8>,
        chunk: Vec<u8>,
        suffix: Vec<u8>,
        total: Option<usize>,
        announce: bool,
    },
}

impl Reply {
    pub fn json(status: u16, body: impl Into<String>) -> Reply {
        Reply::Full {
            status,
            content_type: "application/json",
            headers: Vec::new(),
            body: body.into().into_bytes(),
        }
    }

    pub fn html(status: u16, body: impl Into<String>) -> Reply {
        Reply::Full {
            status,
            content_type: "text/html; charset=utf-8",
            headers: Vec::new(),
            body: body.into().into_bytes(),
        }
    }

    pub fn redirect(status: u16, location: &str) -> Reply {
        Reply::Full {
            status,
            content_type: "text/plain",
            headers: vec![("Location".into(), location.into())],
            body: Vec::new(),
        }
    }

    /// A JSON array of `rows` copies of `row`, streamed (`announce`: with its length).
    pub fn rows(prefix: &str, row: &str, rows: usize, suffix: &str, announce: bool) -> Reply {
        let mut chunk = row.as_bytes().to_vec();
        chunk.push(b',');
        // The last row has no comma: close with a copy of it.
        let total = prefix.len() + chunk.len() * rows.saturating_sub(1);
        let mut tail = row.as_bytes().to_vec();
        tail.extend_from_slice(suffix.as_bytes());
        Reply::Stream {
            content_type: "application/json",
            prefix: prefix.as_bytes().to_vec(),
            chunk,
            suffix: tail,
            total: Some(total),
            announce,
        }
    }
}

type Handler = dyn Fn(&Seen) -> Reply + Send + Sync;

/// A running hostile server.
pub struct Hostile {
    pub port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
    written: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Hostile {
    /// Starts on `127.0.0.1:0`, answering every request with `handler`.
    pub async fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let written = Arc::new(AtomicUsize::new(0));
        let handler: Arc<Handler> = Arc::new(handler);
        let (s, w) = (seen.clone(), written.clone());
        let task = tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let (s, w, h) = (s.clone(), w.clone(), handler.clone());
                tokio::spawn(async move {
                    let _ = serve(sock, s, w, h).await;
                });
            }
        });
        Hostile {
            port,
            seen,
            written,
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Body bytes written to clients so far (what they accepted before hanging up).
    pub fn written(&self) -> usize {
        self.written.load(Ordering::SeqCst)
    }
}

async fn serve(
    mut sock: TcpStream,
    seen: Arc<Mutex<Vec<Seen>>>,
    written: Arc<AtomicUsize>,
    handler: Arc<Handler>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 4096];
    let head_end = loop {
        let n = sock.read(&mut tmp).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&tmp[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        if buf.len() > 256 * 1024 {
            return Ok(());
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_owned();
    let path = first.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0)
        .min(1024 * 1024);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = sock.read(&mut tmp).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&tmp[..n]);
    }
    let req = Seen {
        method,
        path,
        headers,
        body,
    };
    let reply = handler(&req);
    if let Ok(mut s) = seen.lock() {
        s.push(req);
    }
    match reply {
        Reply::Full {
            status,
            content_type,
            headers,
            body,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (n, v) in headers {
                head.push_str(&format!("{n}: {v}\r\n"));
            }
            head.push_str("\r\n");
            sock.write_all(head.as_bytes()).await?;
            sock.write_all(&body).await?;
            written.fetch_add(body.len(), Ordering::SeqCst);
        }
        Reply::Stream {
            content_type,
            prefix,
            chunk,
            suffix,
            total,
            announce,
        } => {
            let mut head =
                format!("HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nConnection: close\r\n");
            if let (true, Some(t)) = (announce, total) {
                head.push_str(&format!("Content-Length: {}\r\n", t + suffix.len()));
            }
            head.push_str("\r\n");
            sock.write_all(head.as_bytes()).await?;
            sock.write_all(&prefix).await?;
            written.fetch_add(prefix.len(), Ordering::SeqCst);
            // Write in blocks of many chunks so a big body streams quickly.
            let per = (64 * 1024 / chunk.len().max(1)).max(1);
            let block: Vec<u8> = chunk.repeat(per);
            let mut sent = prefix.len();
            loop {
                let left = total.map(|t| t.saturating_sub(sent));
                if left == Some(0) {
                    break;
                }
                let n = left.map_or(block.len(), |l| l.min(block.len()));
                sock.write_all(&block[..n]).await?;
                sent += n;
                written.fetch_add(n, Ordering::SeqCst);
            }
            sock.write_all(&suffix).await?;
            written.fetch_add(suffix.len(), Ordering::SeqCst);
        }
    }
    sock.shutdown().await
}
