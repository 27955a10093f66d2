//! Fault injection shared by the simulators: added latency, injected 500s, malformed
//! bodies and connections cut mid-response. All five simulators take the same
//! [`Faults`]: one draws them inside its own state (so each recorded request names its
//! fault); the others through [`inject`], a layer around their router.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
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

/// The provider's own `500` body for an injected error (given the request path).
pub(crate) type ErrorPage = fn(&str) -> Response;

struct Injector {
    faults: Faults,
    rng: Mutex<Rng>,
    error: ErrorPage,
}

/// Wraps a simulator's router so that every request may get `faults`: the latency
/// first, then a `500` in the provider's own error shape (`error`), or a `200` whose
/// body is malformed or whose connection is cut. `rng` keeps the draws apart from the
/// simulator's data. With no faults the router is returned as it was.
pub(crate) fn inject(router: Router, faults: Faults, rng: Rng, error: ErrorPage) -> Router {
    if faults == Faults::default() {
        return router;
    }
    let state = Arc::new(Injector {
        faults,
        rng: Mutex::new(rng),
        error,
    });
    router.layer(axum::middleware::from_fn_with_state(state, apply))
}

async fn apply(State(inj): State<Arc<Injector>>, req: Request, next: Next) -> Response {
    let roll = {
        let mut rng = inj.rng.lock().unwrap_or_else(|p| p.into_inner());
        Roll::draw(&inj.faults, &mut rng)
    };
    if !inj.faults.latency.is_zero() {
        tokio::time::sleep(inj.faults.latency).await;
    }
    if roll.error {
        let mut r = (inj.error)(req.uri().path());
        *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        return r;
    }
    let resp = next.run(req).await;
    if resp.status() != StatusCode::OK || !(roll.malformed || roll.dropped) {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(real) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = if roll.malformed {
        Body::from(malformed_body(&real, roll.shape))
    } else {
        dropped_body(real.to_vec(), roll.shape)
    };
    Response::from_parts(parts, body)
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
