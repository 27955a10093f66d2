//! The collector's HTTP endpoints (axum): `/metrics` (Prometheus text 0.0.4, or
//! OpenMetrics when the scraper asks for it), `/healthz` (the process answers) and
//! `/readyz` (config loaded, store open, each provider's state) as JSON. No endpoint
//! polls a provider: they read what the pollers last brought.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde_json::{Value, json};

use super::auth::{self, Gate};
use super::tokens::{Identity, Role};
pub use super::web::Web;
use super::words::conn_words;
use crate::secret::redact;

const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The endpoints and the role each needs: `/healthz` and `/readyz` are open (probes;
/// no call data), `/metrics` needs `metrics`, `/v1/*` needs `viewer`.
pub fn router(web: Web) -> Router {
    let gate = |needs: Role| {
        from_fn_with_state(
            Gate {
                tokens: web.tokens.clone(),
                needs,
            },
            auth::require,
        )
    };
    let scrape = Router::new()
        .route("/metrics", get(metrics))
        .route_layer(gate(Role::Metrics));
    let view = Router::new()
        .route("/v1/whoami", get(whoami))
        .route("/v1/snapshot", get(super::feed_http::snapshot))
        .route("/v1/events", get(super::feed_http::events))
        .route("/v1/history", get(super::feed_http::history))
        // Changes check the operator role themselves, so a refusal is audited.
        .route("/v1/actions/{op}", post(super::actions::apply))
        .route("/v1/actions/{op}/preview", post(super::actions::preview))
        .route_layer(gate(Role::Viewer));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(scrape)
        .merge(view)
        .with_state(web)
}

/// `GET /v1/whoami`: the token's operator name and role (what a console may offer).
async fn whoami(State(web): State<Web>, Extension(who): Extension<Identity>) -> Response {
    axum::Json(json!({
        "name": who.name,
        "role": who.role,
        "open": web.tokens.is_open(),
    }))
    .into_response()
}

async fn metrics(State(web): State<Web>, headers: HeaderMap) -> Response {
    let openmetrics = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/openmetrics-text"));
    match super::metrics::encode(&web.registry, openmetrics) {
        Ok(body) => {
            let ty = if openmetrics {
                OPENMETRICS
            } else {
                PROMETHEUS_TEXT
            };
            ([(header::CONTENT_TYPE, ty)], body).into_response()
        }
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "cannot encode metrics\n").into_response(),
    }
}

async fn healthz() -> Response {
    axum::Json(json!({ "status": "ok" })).into_response()
}

/// The `/readyz` document and whether the collector is ready: every provider has
/// answered at least once. History trouble is reported but does not make it unready
/// (the collector goes on without history).
pub fn readiness(web: &Web) -> (bool, Value) {
    let history = web
        .history
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let c = web.shared.lock().unwrap_or_else(|p| p.into_inner());
    let mut ready = true;
    let providers: Vec<Value> = c
        .state
        .providers
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let failed = c.counters.get(i).and_then(|k| k.failed.clone());
            let (state, error) = match failed {
                Some(e) => ("failed", Some(e)),
                None => conn_words(&p.conn),
            };
            ready &= p.last_ok_ms.is_some();
            json!({
                "name": p.name,
                "kind": p.kind.to_string(),
                "state": state,
                "last_success_ms": p.last_ok_ms,
                "error": error.map(|e| redact(&e).into_owned()),
            })
        })
        .collect();
    let doc = json!({
        "ready": ready,
        "config": { "loaded": true, "path": web.config },
        "history": {
            "open": history.open,
            "path": history.path,
            "error": history.error.map(|e| redact(&e).into_owned()),
        },
        "providers": providers,
    });
    (ready, doc)
}

async fn readyz(State(web): State<Web>) -> Response {
    let (ready, doc) = readiness(&web);
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(doc)).into_response()
}
