//! One Cloudonix request, fully decided before it is sent: its method, path, body (with
//! secrets revealed for sending or masked for the review and the audit) and what its
//! answer means. `actions` plans the trunk, number and call changes and sends every
//! plan; `change` plans the subscriber, transfer and DNID changes.

use reqwest::Method;
use serde_json::Value;

use crate::form::diff::StoredChange;

/// How secrets are written into a planned body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Secrets {
    /// The real value: the body that is sent.
    Reveal,
    /// `****`: the body that is shown and audited.
    Mask,
}

pub const MASK: &str = "****";

/// What the provider's answer means for a mutation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Expect {
    /// Any 2xx; the body (if any) is a trunk whose id is the created id.
    CreatedTrunk,
    /// Any 2xx; the body is a callObjectResult whose `token` is the created id.
    Call,
    /// 2xx, or 404 meaning "already ended" (session DELETE).
    Hangup,
    /// Any 2xx; the body is a subscriber: its id, and its `sipPassword` shown once.
    CreatedSubscriber,
    /// Any 2xx, body ignored.
    Done,
}

/// One request, fully decided.
#[derive(Debug, Clone)]
pub(super) struct Planned {
    pub(super) method: Method,
    /// Path segments below the base URL (encoded when the URL is built).
    pub(super) segments: Vec<String>,
    pub(super) body: Option<Value>,
    /// What the request is about, for error messages ("trunk pbx-hq of acme.cloudonix.net").
    pub(super) what: String,
    /// Success message for the operator.
    pub(super) done: String,
    pub(super) expect: Expect,
    /// Stored values the request changes beyond the typed fields (for the review).
    pub(super) stored_changes: Vec<StoredChange>,
}
