//! Bearer-token authentication of the collector's endpoints: `Authorization: Bearer
//! <token>` is hashed and matched against `tokens.toml`; the matched [`Identity`] rides
//! in the request's extensions for the handlers (`/v1/whoami`). No token or an unknown
//! one is 401, a token whose role is too small 403; neither message says anything
//! about which tokens exist. With no token configured every endpoint is open, as
//! before tokens existed (`serve` warns about that at start). Tokens never reach a log.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::tokens::{Identity, Role, Tokens};

/// What a route group needs.
#[derive(Clone)]
pub struct Gate {
    pub tokens: Arc<Tokens>,
    pub needs: Role,
}

/// The identity of a request on an open collector.
pub fn anonymous() -> Identity {
    Identity {
        name: "anonymous".into(),
        role: Role::Admin,
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

fn refuse(status: StatusCode, message: &str) -> Response {
    let mut r = (status, axum::Json(json!({ "error": message }))).into_response();
    if status == StatusCode::UNAUTHORIZED {
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer realm=\"switchboard\""),
        );
    }
    r
}

/// The middleware of a route group (`axum::middleware::from_fn_with_state`).
pub async fn require(State(gate): State<Gate>, mut req: Request, next: Next) -> Response {
    let who = if gate.tokens.is_open() {
        anonymous()
    } else {
        match bearer(req.headers()).and_then(|t| gate.tokens.check(t)) {
            Some(who) => who,
            None => {
                tracing::warn!(path = %req.uri().path(), "refused a request without a valid token");
                return refuse(
                    StatusCode::UNAUTHORIZED,
                    "a valid token is required: send `Authorization: Bearer <token>`",
                );
            }
        }
    };
    if who.role < gate.needs {
        tracing::warn!(
            path = %req.uri().path(),
            operator = %who.name,
            role = %who.role,
            "refused a request beyond the token's role"
        );
        return refuse(
            StatusCode::FORBIDDEN,
            &format!(
                "this token's role ({}) may not use {}; it needs {} or above",
                who.role,
                req.uri().path(),
                gate.needs
            ),
        );
    }
    req.extensions_mut().insert(who);
    next.run(req).await
}
