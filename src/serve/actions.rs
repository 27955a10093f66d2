//! Changes through the collector: `POST /v1/actions/<op>/preview` and
//! `POST /v1/actions/<op>`, for attached consoles. The console sends the open form's
//! target and the values it was reviewed with ([`ChangeRequest`]); the collector builds
//! the mutation with the same form builder, and for a send reserves the request from the
//! provider's poller (the change goes before polls, inside the budget), sends it once,
//! writes the audit line with the operator's name (from the token) and the console's
//! host, refreshes that provider's data for every console, and answers with the outcome.
//!
//! Refused here whatever the console did (a console can be bypassed with curl): a token
//! whose role is below `operator`, a console in read-only mode, a provider pinned
//! read-only in the collector's config, a form that does not build. Every refusal of a
//! send is audited too.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};

use super::tokens::{Identity, Role};
use super::web::{Changer, Web};
use crate::audit::AuditEntry;
use crate::change_wire::{Answer, ChangeRequest, ErrorDoc, OutcomeDoc};
use crate::model::Resource;
use crate::poller::PollerCmd;
use crate::providers::forms as pforms;
use crate::providers::{Mutation, ProviderClient, ProviderError};

fn answer(status: StatusCode, a: Answer) -> Response {
    (status, Json(a)).into_response()
}

fn refuse(status: StatusCode, why: impl Into<String>) -> Response {
    answer(status, Answer::Error(ErrorDoc::refused(why)))
}

/// The operator as the audit records them: the token's name, or the console's own user
/// when the collector has no tokens (then it is a claim, said so).
fn operator(who: &Identity, open: bool, req: &ChangeRequest) -> String {
    if open {
        let user = if req.user.is_empty() { "?" } else { &req.user };
        format!("{user} (no token)")
    } else {
        who.name.clone()
    }
}

/// Why the collector will not make this change, before anything is built.
fn refusal(c: &Changer, op: &str, req: &ChangeRequest) -> Option<(StatusCode, String)> {
    if req.target.op != op {
        return Some((
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("the path names {op} but the form is {}", req.target.op),
        ));
    }
    if req.target.kind != c.kind {
        return Some((
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{} is not a {} connection", c.name, req.target.kind),
        ));
    }
    if req.read_only {
        return Some((
            StatusCode::FORBIDDEN,
            "this console is in read-only mode: :write enables changes for 10 minutes".into(),
        ));
    }
    if c.pinned {
        return Some((
            StatusCode::FORBIDDEN,
            format!(
                "{} is pinned read-only in the collector's config (read_only = true in its \
                 provider table)",
                c.name
            ),
        ));
    }
    None
}

/// The provider the request names, its client, and the mutation its form builds.
#[allow(clippy::result_large_err)]
fn build<'a>(
    web: &'a Web,
    who: &Identity,
    op: &str,
    req: &ChangeRequest,
) -> Result<(&'a Changer, Arc<ProviderClient>, Mutation), (StatusCode, String)> {
    // The role first: a viewer learns nothing about the providers from a refusal.
    if who.role < Role::Operator {
        return Err((
            StatusCode::FORBIDDEN,
            format!(
                "your role ({}) may not make changes; an operator or admin token may",
                who.role
            ),
        ));
    }
    let Some(c) = web
        .changes
        .providers
        .iter()
        .find(|c| c.name == req.provider)
    else {
        return Err((
            StatusCode::NOT_FOUND,
            format!("the collector has no provider named {:?}", req.provider),
        ));
    };
    if let Some(why) = refusal(c, op, req) {
        return Err(why);
    }
    let Some(client) = c.client.clone() else {
        return Err((
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{} is not connected at the collector", c.name),
        ));
    };
    let mutation = pforms::build(&req.target, &req.values)
        .map_err(|e| (StatusCode::UNPROCESSABLE_ENTITY, e))?;
    Ok((c, client, mutation))
}

/// The panes a change shows in: its own kind's, and the one the operator made it from
/// (a provider's own change says no more than that). A call shows in live calls.
fn touched(m: &Mutation, pane: Option<Resource>) -> Vec<Resource> {
    let own = match m {
        Mutation::CreateTrunk { .. }
        | Mutation::UpdateTrunk { .. }
        | Mutation::DeleteTrunk { .. } => Some(Resource::Trunks),
        Mutation::UpdateNumber { .. } | Mutation::SetNumberActive { .. } => Some(Resource::Numbers),
        Mutation::ClickToCall { .. } | Mutation::Hangup { .. } => Some(Resource::LiveCalls),
        Mutation::Provider { command, .. } if command == "call" => Some(Resource::LiveCalls),
        Mutation::Provider { .. } => None,
    };
    let mut panes: Vec<Resource> = pane.into_iter().chain(own).collect();
    panes.dedup();
    panes
}

/// `POST /v1/actions/<op>/preview`: the exact request the change would send.
pub async fn preview(
    State(web): State<Web>,
    Extension(who): Extension<Identity>,
    Path(op): Path<String>,
    Json(req): Json<ChangeRequest>,
) -> Response {
    match build(&web, &who, &op, &req) {
        Ok((_, client, mutation)) => match client.preview(&mutation) {
            Ok(p) => answer(StatusCode::OK, Answer::Preview(p)),
            Err(e) => answer(
                StatusCode::UNPROCESSABLE_ENTITY,
                Answer::Error(ErrorDoc::of(&e)),
            ),
        },
        Err((status, why)) => refuse(status, why),
    }
}

/// `POST /v1/actions/<op>`: the change, sent once.
pub async fn apply(
    State(web): State<Web>,
    Extension(who): Extension<Identity>,
    Path(op): Path<String>,
    Json(req): Json<ChangeRequest>,
) -> Response {
    let user = operator(&who, web.tokens.is_open(), &req);
    let host = if req.host.is_empty() {
        "?".to_string()
    } else {
        req.host.clone()
    };
    let stamp = move |mut e: AuditEntry| {
        e.user = user.clone();
        e.host = host.clone();
        e
    };
    let audit = match &web.changes.audit {
        Ok(log) => log.clone(),
        Err(e) => {
            tracing::warn!("change {op} refused: audit log unavailable ({e})");
            return refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("the collector's audit log is unavailable ({e}): no change is sent"),
            );
        }
    };
    let (changer, client, mutation) = match build(&web, &who, &op, &req) {
        Ok(built) => built,
        Err((status, why)) => {
            let entry = AuditEntry::refused(&req.provider, &req.target.account, "", &op, &why);
            crate::audit::write(&audit, &stamp(entry));
            return refuse(status, why);
        }
    };
    let name = changer.name.clone();
    let poller = changer.poller.clone();
    let panes = touched(&mutation, req.pane);
    // Its own task: a console that hangs up mid-change does not cancel a request
    // already on its way, and the audit line is written whatever happens.
    let task = tokio::spawn(async move {
        let preview = client.preview(&mutation).ok();
        let result = crate::poller::send_change(&client, poller.as_ref(), &mutation).await;
        let entry = AuditEntry::for_mutation(&name, &mutation, preview.as_ref(), &result);
        crate::audit::write(&audit, &stamp(entry));
        // Every console sees the change: the pane it was made from is read again now
        // (within the budget), as a local console does.
        if let Some(p) = &poller {
            for pane in panes {
                p.send(PollerCmd::Visible(pane));
                p.send(PollerCmd::RefreshNow);
            }
        }
        result
    });
    match task.await {
        Ok(Ok(outcome)) => answer(StatusCode::OK, Answer::Outcome(OutcomeDoc::of(&outcome))),
        Ok(Err(e)) => {
            let status = match e {
                ProviderError::Refused(_) => StatusCode::CONFLICT,
                ProviderError::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
                _ => StatusCode::BAD_GATEWAY,
            };
            answer(status, Answer::Error(ErrorDoc::of(&e)))
        }
        Err(_) => answer(
            StatusCode::INTERNAL_SERVER_ERROR,
            Answer::Error(ErrorDoc::of(&ProviderError::Connect(
                "the collector lost the provider's answer".into(),
            ))),
        ),
    }
}
