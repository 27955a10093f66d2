//! The words the collector's outputs share (metric labels, `/readyz`, the feed): a
//! resource's label and a connection state's name.

use crate::model::Resource;
use crate::state::ConnState;

/// The `resource` label of a resource.
pub fn resource_label(r: Resource) -> &'static str {
    match r {
        Resource::Accounts => "accounts",
        Resource::LiveCalls => "live_calls",
        Resource::CallHistory => "call_history",
        Resource::Trunks => "trunks",
        Resource::Numbers => "numbers",
        Resource::Queues => "queues",
    }
}

/// A provider's state word and its problem (redacted), for `/readyz`.
pub(crate) fn conn_words(conn: &ConnState) -> (&'static str, Option<String>) {
    match conn {
        ConnState::Connecting => ("connecting", None),
        ConnState::Ok => ("ok", None),
        ConnState::Degraded(e) => ("degraded", Some(e.clone())),
        ConnState::RateLimited { .. } => ("rate_limited", None),
        ConnState::AuthFailed(e) => ("auth_failed", Some(e.clone())),
        ConnState::Unreachable(e) => ("unreachable", Some(e.clone())),
        ConnState::Unreadable(e) => ("unreadable", Some(e.clone())),
    }
}
