//! Fault injection shared by the simulators: added latency, injected 500s, malformed
//! bodies and connections cut mid-response.

use std::time::Duration;

use axum::body::{Body, Bytes};
use futures_util::StreamExt;

use super::rng::Rng;

/// What to inject into responses. `Default` injects nothing. Rates are fractions in
/// `[0, 1]` (values outside are clamped).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Faults {
    /// Added before every response.
    pub latency: Duration,
    /// Fraction of requests answered `500 {"status":false,"message":"Request Failed"}`
    /// without being processed.
    pub error_rate: f64,
    /// Fraction of `200` responses whose JSON body is replaced by a truncated or garbage one.
    pub malformed_rate: f64,
    /// Fraction of `200` responses whose connection is cut after a few bytes of body.
    pub drop_rate: f64,
}

/// Which fault, if any, was applied to a recorded request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    Error,
    Malformed,
    Dropped,
}

/// The decision for one request, drawn up front so the RNG sequence does not depend on
/// the response.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Roll {
    pub error: bool,
    pub malformed: bool,
    pub dropped: bool,
    /// A number in `[0, 1)` shaping the malformed body or the cut point.
    pub shape: f64,
}

impl Roll {
    pub fn draw(f: &Faults, rng: &mut Rng) -> Roll {
        Roll {
            error: rng.chance(f.error_rate),
            malformed: rng.chance(f.malformed_rate),
            dropped: rng.chance(f.drop_rate),
            shape: rng.f64(),
        }
    }
}

/// A body that is not valid JSON: either the real body cut short or an HTML error page
/// from a "proxy" (both seen in the wild from load balancers).
pub(crate) fn malformed_body(real: &[u8], shape: f64) -> Vec<u8> {
    if shape < 0.2 || real.len() < 4 {
        return b"<html><head><title>502 Bad Gateway</title></head><body>upstream error</body></html>"
            .to_vec();
    }
    if shape < 0.3 {
        // Valid prefix followed by binary garbage.
        let cut = real.len() / 2;
        let mut out = real[..cut].to_vec();
        out.extend_from_slice(&[0xFF, 0xFE, b'\x00', b'}', b'{']);
        return out;
    }
    // Strictly inside the document: the outer bracket never closes.
    let span = real.len() - 2;
    let cut = 1 + ((shape * span as f64) as usize).min(span);
    real[..cut].to_vec()
}

/// A streaming body that yields the first few bytes of `real`, waits a moment (so the
/// status line and those bytes reach the client) and then fails, which makes hyper
/// abort the connection.
pub(crate) fn dropped_body(real: Vec<u8>, shape: f64) -> Body {
    let keep = ((real.len() as f64 * (0.1 + shape * 0.4)) as usize).clamp(1, 64);
    let keep = keep.min(real.len());
    let first = Bytes::from(real[..keep].to_vec());
    let items: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(first),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "simulated connection drop",
        )),
    ];
    let stream = futures_util::stream::iter(items).then(|item| async move {
        if item.is_err() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        item
    });
    Body::from_stream(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_bodies_never_parse() {
        let real = br#"[{"id":1,"name":"a"},{"id":2,"name":"b"}]"#;
        for i in 0..100 {
            let body = malformed_body(real, i as f64 / 100.0);
            assert!(serde_json::from_slice::<serde_json::Value>(&body).is_err());
        }
        assert!(serde_json::from_slice::<serde_json::Value>(&malformed_body(b"[]", 0.9)).is_err());
    }

    #[test]
    fn zero_rates_never_fire() {
        let mut rng = Rng::new(3);
        for _ in 0..1000 {
            let r = Roll::draw(&Faults::default(), &mut rng);
            assert!(!r.error && !r.malformed && !r.dropped);
        }
    }
}
