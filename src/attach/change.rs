//! An attached console's changes, sent to the collector: the review step's preview
//! (`POST /v1/actions/<op>/preview`) and the change itself (`POST /v1/actions/<op>`),
//! answered in the same types as a local change so the form, the review and the
//! messages work as in local mode.
//!
//! Sent once. A collector that cannot be reached before the request leaves means
//! nothing was sent (refused, the form keeps its values); no answer after it left is
//! "outcome unknown", like a provider's timeout.

use std::time::Duration;

use super::client::AttachOptions;
use crate::change_wire::{Answer, ChangeRequest};
use crate::providers::{MutationOutcome, ProviderError, RequestPreview};
use crate::secret::Secret;

/// How long a change may take at the collector: its wait for budget (up to 30 s) plus
/// the provider's own answer.
pub const APPLY_TIMEOUT: Duration = Duration::from_secs(75);
const PREVIEW_TIMEOUT: Duration = Duration::from_secs(15);
/// The largest answer read (a preview with a long body is a few KB).
const MAX_ANSWER: usize = 1024 * 1024;

#[derive(Clone)]
pub struct Remote {
    client: reqwest::Client,
    url: String,
    token: Option<Secret>,
    /// This console's host and user, for the collector's audit line.
    host: String,
    user: String,
    apply_timeout: Duration,
}

impl Remote {
    /// Sends with the attach paths' own client (the collector's CA and the client
    /// certificate when configured; no redirect followed: a change goes to the
    /// collector named, nowhere else).
    pub fn new(opts: &AttachOptions) -> Remote {
        let client = super::http::client(opts, None).unwrap_or_else(|e| {
            tracing::warn!("changes: {e}; sending with a plain client");
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default()
        });
        Remote {
            client,
            url: opts.url.clone(),
            token: opts.token.clone(),
            host: crate::audit::current_host(),
            user: crate::audit::current_user(),
            apply_timeout: APPLY_TIMEOUT,
        }
    }

    /// A shorter wait for a change's answer (tests of "outcome unknown").
    pub fn with_apply_timeout(mut self, t: Duration) -> Remote {
        self.apply_timeout = t;
        self
    }

    fn stamp(&self, mut req: ChangeRequest, provider: &str, read_only: bool) -> ChangeRequest {
        req.provider = provider.to_string();
        req.read_only = read_only;
        req.host = self.host.clone();
        req.user = self.user.clone();
        req
    }

    /// The exact request the change would send, as the collector builds it.
    pub async fn preview(
        &self,
        provider: &str,
        req: ChangeRequest,
    ) -> Result<RequestPreview, ProviderError> {
        let req = self.stamp(req, provider, false);
        let path = format!("/v1/actions/{}/preview", req.target.op);
        match self.post(&path, &req, PREVIEW_TIMEOUT).await? {
            Answer::Preview(p) => Ok(p),
            Answer::Error(e) => Err(e.into_error()),
            Answer::Outcome(_) => Err(ProviderError::Unexpected(
                "the collector answered a preview with an outcome".into(),
            )),
        }
    }

    /// Sends the change through the collector, once.
    pub async fn apply(
        &self,
        provider: &str,
        mut req: ChangeRequest,
        read_only: bool,
        pane: crate::model::Resource,
    ) -> Result<MutationOutcome, ProviderError> {
        req.pane = Some(pane);
        let req = self.stamp(req, provider, read_only);
        let path = format!("/v1/actions/{}", req.target.op);
        match self.post(&path, &req, self.apply_timeout).await? {
            Answer::Outcome(o) => Ok(o.into_outcome()),
            Answer::Error(e) => Err(e.into_error()),
            Answer::Preview(_) => Err(ProviderError::Connect(
                "the collector answered a change with a preview".into(),
            )),
        }
    }

    async fn post(
        &self,
        path: &str,
        req: &ChangeRequest,
        timeout: Duration,
    ) -> Result<Answer, ProviderError> {
        let mut r = self
            .client
            .post(format!("{}{path}", self.url))
            .timeout(timeout)
            .json(req);
        if let Some(t) = &self.token {
            r = r.bearer_auth(t.expose());
        }
        let resp = r.send().await.map_err(|e| sent_error(&e, timeout))?;
        let status = resp.status();
        let body = read_capped(resp)
            .await
            .map_err(|e| sent_error(&e, timeout))?;
        answer_of(status.as_u16(), &body)
    }
}

async fn read_capped(mut resp: reqwest::Response) -> Result<Vec<u8>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        if body.len() + chunk.len() > MAX_ANSWER {
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A request that failed: before it left (nothing was sent: refused), or after (no
/// answer: outcome unknown). Words only, never the token.
fn sent_error(e: &reqwest::Error, timeout: Duration) -> ProviderError {
    if e.is_timeout() {
        ProviderError::Timeout(timeout)
    } else if e.is_connect() {
        ProviderError::Refused(format!(
            "cannot reach the collector ({}); nothing was sent",
            crate::secret::redact(&e.to_string())
        ))
    } else {
        ProviderError::Connect(format!(
            "the collector's answer was lost ({})",
            crate::secret::redact(&e.to_string())
        ))
    }
}

/// The collector's answer: an [`Answer`], or the bearer check's `{"error": "…"}`
/// (401/403), or something else (said with its status).
fn answer_of(status: u16, body: &[u8]) -> Result<Answer, ProviderError> {
    if let Ok(a) = serde_json::from_slice::<Answer>(body) {
        return Ok(a);
    }
    let said = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("error")?.as_str().map(str::to_string))
        .unwrap_or_else(|| crate::format::truncate_chars(&String::from_utf8_lossy(body), 200));
    let said = crate::secret::redact(said.trim()).into_owned();
    match status {
        401 | 403 | 404 | 405 | 413 | 415 | 422 | 400 => Err(ProviderError::Refused(format!(
            "the collector refused it ({status}): {said}"
        ))),
        _ => Err(ProviderError::Connect(format!(
            "the collector answered {status}: {said}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_check_s_refusal_is_a_refusal_in_words() {
        let e = answer_of(
            403,
            br#"{"error":"this token's role (viewer) may not use /v1/actions/x"}"#,
        )
        .unwrap_err();
        assert!(
            matches!(&e, ProviderError::Refused(m) if m.contains("(viewer)")),
            "{e}"
        );
        // A gateway's HTML page: not a refusal, since the change may have gone through.
        let e = answer_of(502, b"<html>bad gateway</html>").unwrap_err();
        assert!(matches!(e, ProviderError::Connect(_)), "{e}");
    }
}
