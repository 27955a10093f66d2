//! A TCP proxy between an attached console and the collector, for the reconnect tests.
//! It passes bytes both ways untouched and records each request's head (path and
//! `Last-Event-ID`). On demand it cuts the collector's event stream in the middle of
//! the next change event's bytes (inside its `data:` line, so the console holds half
//! an event when the link dies), or takes the link down: every open connection
//! dropped and new ones closed as they come, until it is brought back.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{AbortHandle, JoinHandle};

/// One request the console sent through the proxy.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Request {
    /// The path, without the query.
    pub(crate) path: String,
    pub(crate) last_event_id: Option<u64>,
}

#[derive(Default)]
struct Ctl {
    requests: Vec<Request>,
    /// Cut the next change event an event stream carries.
    cut_armed: bool,
    /// The revision of the event cut.
    cut: Option<u64>,
    down: bool,
    /// `event: resync` answers passed on.
    resyncs: usize,
    conns: Vec<AbortHandle>,
}

pub(crate) struct FeedProxy {
    pub(crate) addr: SocketAddr,
    ctl: Arc<Mutex<Ctl>>,
    accept: JoinHandle<()>,
}

const CHANGE: &[u8] = b"event: change\nid: ";
const DATA: &[u8] = b"\ndata: ";
const RESYNC: &[u8] = b"event: resync";
/// How many bytes of the cut event's data still pass.
const DATA_KEPT: usize = 12;

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn parse_head(head: &str) -> Request {
    let mut lines = head.split("\r\n");
    let target = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or_default();
    let path = target.split('?').next().unwrap_or_default().to_string();
    let last_event_id = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("last-event-id"))
        .and_then(|(_, v)| v.trim().parse().ok());
    Request {
        path,
        last_event_id,
    }
}

/// Where to cut `pending` (inside the data of its first change event) and that event's
/// revision, once enough of it has arrived.
fn cut_point(pending: &[u8]) -> Option<(usize, u64)> {
    let at = find(pending, CHANGE)?;
    let id_at = at + CHANGE.len();
    let id_end = id_at + pending[id_at..].iter().position(|&b| b == b'\n')?;
    let id = std::str::from_utf8(&pending[id_at..id_end])
        .ok()?
        .parse()
        .ok()?;
    let data = id_end + find(&pending[id_end..], DATA)? + DATA.len();
    (pending.len() >= data + DATA_KEPT).then_some((data + DATA_KEPT, id))
}

impl FeedProxy {
    pub(crate) async fn start(upstream: SocketAddr) -> FeedProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let addr = listener.local_addr().expect("an address");
        let ctl = Arc::new(Mutex::new(Ctl::default()));
        let c = ctl.clone();
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let mut g = c.lock().unwrap();
                if g.down {
                    continue;
                }
                let task = tokio::spawn(pass(client, upstream, c.clone()));
                g.conns.push(task.abort_handle());
            }
        });
        FeedProxy { addr, ctl, accept }
    }

    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The feed's requests (snapshots and event streams) in order; `/v1/whoami`, which
    /// a console asks at each connection, is left out.
    pub(crate) fn requests(&self) -> Vec<Request> {
        let mut all = self.ctl.lock().unwrap().requests.clone();
        all.retain(|r| r.path != "/v1/whoami");
        all
    }

    /// The requests for `path`.
    pub(crate) fn requests_to(&self, path: &str) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    /// Cuts the next change event the collector streams through the proxy.
    pub(crate) fn cut_next_event(&self) {
        self.ctl.lock().unwrap().cut_armed = true;
    }

    /// The revision of the event that was cut, once it was.
    pub(crate) fn cut(&self) -> Option<u64> {
        self.ctl.lock().unwrap().cut
    }

    pub(crate) fn resyncs(&self) -> usize {
        self.ctl.lock().unwrap().resyncs
    }

    /// Down: every connection dropped, new ones closed at once. Up: passes again.
    pub(crate) fn set_down(&self, down: bool) {
        let mut g = self.ctl.lock().unwrap();
        g.down = down;
        if down {
            g.conns.drain(..).for_each(|c| c.abort());
        }
    }
}

impl Drop for FeedProxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.set_down(true);
    }
}

/// One client connection, passed to a connection of its own to the collector.
async fn pass(client: TcpStream, upstream: SocketAddr, ctl: Arc<Mutex<Ctl>>) {
    let Ok(up) = TcpStream::connect(upstream).await else {
        return;
    };
    let (mut cr, mut cw) = client.into_split();
    let (mut ur, mut uw) = up.into_split();
    // Whether the request this connection last carried is an event stream.
    let events = AtomicBool::new(false);
    let requests = async {
        let mut buf = vec![0u8; 16 * 1024];
        let mut head = Vec::new();
        loop {
            let n = match cr.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            head.extend_from_slice(&buf[..n]);
            // The console sends GETs only: a head and no body.
            while let Some(end) = find(&head, b"\r\n\r\n") {
                let r = parse_head(&String::from_utf8_lossy(&head[..end]));
                events.store(r.path == "/v1/events", Ordering::SeqCst);
                ctl.lock().unwrap().requests.push(r);
                head.drain(..end + 4);
            }
            if uw.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    let answers = async {
        let mut buf = vec![0u8; 64 * 1024];
        let mut pending: Vec<u8> = Vec::new();
        // The end of what came before, so a marker split between reads is found.
        let mut tail: Vec<u8> = Vec::new();
        loop {
            let n = match ur.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let chunk = &buf[..n];
            tail.extend_from_slice(chunk);
            let resyncs = tail.windows(RESYNC.len()).filter(|w| *w == RESYNC).count();
            let keep = tail.len().saturating_sub(RESYNC.len() - 1);
            tail.drain(..keep);
            let armed = {
                let mut g = ctl.lock().unwrap();
                g.resyncs += resyncs;
                g.cut_armed && events.load(Ordering::SeqCst)
            };
            if !armed {
                if cw.write_all(chunk).await.is_err() {
                    return;
                }
                continue;
            }
            pending.extend_from_slice(chunk);
            if let Some((at, id)) = cut_point(&pending) {
                let _ = cw.write_all(&pending[..at]).await;
                let _ = cw.flush().await;
                let mut g = ctl.lock().unwrap();
                g.cut_armed = false;
                g.cut = Some(id);
                // Both connections close here, the event half sent.
                return;
            }
        }
    };
    tokio::select! {
        _ = requests => {}
        _ = answers => {}
    }
}

#[test]
fn the_cut_falls_inside_the_first_change_events_data() {
    let stream =
        b"5\r\n:\n\n\r\n40\r\nevent: change\nid: 17\ndata: {\"revision\":17,\"slices\":[]}\n\n\r\n";
    let (at, id) = cut_point(stream).expect("a cut");
    assert_eq!(id, 17);
    let kept = String::from_utf8_lossy(&stream[..at]);
    assert!(kept.ends_with("data: {\"revision\":"), "{kept}");
    assert_eq!(
        cut_point(&stream[..30]),
        None,
        "not before its data arrived"
    );
    let r = parse_head("GET /v1/events?since=3 HTTP/1.1\r\nhost: x\r\nLast-Event-ID: 42");
    assert_eq!(r.path, "/v1/events");
    assert_eq!(r.last_event_id, Some(42));
}
