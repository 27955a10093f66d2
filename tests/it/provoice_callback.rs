//! ProVoice's call-record consumer under hostile clients: half-sent requests are
//! dropped after the read timeout, connections beyond the cap wait for a free slot, and
//! listening beyond loopback is warned about at config load.

use std::path::Path;
use std::time::Duration;

use switchboard::providers::provoice::callback::{CALLBACK_PATH, Consumer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn consumer(read_timeout: Duration, max_connections: usize) -> Consumer {
    let c = Consumer::bind("127.0.0.1:0", None).unwrap();
    c.set_limits(read_timeout, max_connections);
    c.ensure_started().unwrap();
    c
}

/// Opens a connection and sends `bytes` (an unfinished request).
async fn half_sent(c: &Consumer, bytes: &str) -> TcpStream {
    let mut s = TcpStream::connect(c.local_addr()).await.unwrap();
    s.write_all(bytes.as_bytes()).await.unwrap();
    s
}

/// Reads until the server closes the connection; None if it is still open after `wait`.
async fn closed_within(s: &mut TcpStream, wait: Duration) -> Option<String> {
    let mut got = Vec::new();
    let read = tokio::time::timeout(wait, async {
        let mut buf = [0u8; 1024];
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok()
        .map(|()| String::from_utf8_lossy(&got).into_owned())
}

/// A whole request with an id nobody issued: answered 404 when served.
fn unknown_id_request() -> String {
    let body = r#"{"request_id":"made-up","records":[]}"#;
    format!(
        "POST {CALLBACK_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test]
async fn half_sent_requests_are_dropped_and_whole_ones_still_answered() {
    let c = consumer(Duration::from_secs(1), 64);
    // Headers never finished, and a body shorter than announced.
    let mut headers = half_sent(&c, &format!("POST {CALLBACK_PATH} HTTP/1.1\r\nHost: 1")).await;
    let mut body = half_sent(
        &c,
        &format!(
            "POST {CALLBACK_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 500\r\n\r\n{{\"request_id\":"
        ),
    )
    .await;
    // Generous: the timeout is 1 s; a consumer without one holds them for ever.
    let wait = Duration::from_secs(10);
    assert!(
        closed_within(&mut headers, wait).await.is_some(),
        "a request with unfinished headers was held open"
    );
    assert!(
        closed_within(&mut body, wait).await.is_some(),
        "a request with an unfinished body was held open"
    );
    let mut whole = half_sent(&c, &unknown_id_request()).await;
    let answer = closed_within(&mut whole, wait).await.unwrap_or_default();
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer:?}");
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let c = consumer(Duration::from_secs(2), 2);
    let _a = half_sent(&c, &format!("POST {CALLBACK_PATH} HTTP/1.1\r\n")).await;
    let _b = half_sent(&c, &format!("POST {CALLBACK_PATH} HTTP/1.1\r\n")).await;
    let mut third = half_sent(&c, &unknown_id_request()).await;
    // Both slots are held by the half-sent requests: the third is not served yet.
    assert_eq!(
        closed_within(&mut third, Duration::from_millis(500)).await,
        None,
        "a third connection was served beyond the cap of 2"
    );
    // Once they are dropped (2 s), it is.
    let answer = closed_within(&mut third, Duration::from_secs(15))
        .await
        .unwrap_or_default();
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer:?}");
}

fn provoice_config(listen: &str) -> String {
    format!(
        "[[provider]]\nname = \"pv\"\nkind = \"provoice\"\nbase_url = \"http://127.0.0.1:9/api\"\napi_key = \"k\"\ncallback_listen = \"{listen}\"\n"
    )
}

#[test]
fn listening_beyond_loopback_is_a_config_warning() {
    let loaded =
        switchboard::config::parse(&provoice_config("0.0.0.0:8099"), Path::new("c.toml")).unwrap();
    assert!(
        loaded
            .warnings
            .iter()
            .any(|w| w.contains("callback_listen 0.0.0.0:8099") && w.contains("other hosts")),
        "{:?}",
        loaded.warnings
    );
    let loaded =
        switchboard::config::parse(&provoice_config("127.0.0.1:8099"), Path::new("c.toml"))
            .unwrap();
    assert!(
        !loaded
            .warnings
            .iter()
            .any(|w| w.contains("callback_listen")),
        "{:?}",
        loaded.warnings
    );
}
