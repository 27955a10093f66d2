//! What every collector endpoint reads: the metrics registry, the folded state, the
//! history store's status and handle, the operators' tokens, the stop signal, and what
//! changes reach (each provider's client and poller, the audit log).

use std::sync::{Arc, Mutex};

use prometheus_client::registry::Registry;

use super::collect::Collected;
use super::history::HistoryStatus;
use super::tokens::Tokens;
use crate::audit::AuditLog;
use crate::model::ProviderKind;
use crate::poller::PollerHandle;
use crate::providers::ProviderClient;

#[derive(Clone)]
pub struct Web {
    pub registry: Arc<Registry>,
    pub shared: Arc<Mutex<Collected>>,
    pub history: Arc<Mutex<HistoryStatus>>,
    /// The config file the collector runs with (or `<demo>`).
    pub config: String,
    /// The operators' tokens (none: every endpoint open).
    pub tokens: Arc<Tokens>,
    /// The call-history store (None: history off).
    pub store: Option<switchboard_store::StoreHandle>,
    /// Cancelled when the collector stops: event streams end.
    pub stop: tokio_util::sync::CancellationToken,
    /// Keep-alive comment interval of event streams.
    pub keep_alive: std::time::Duration,
    /// The providers' clients and pollers and the audit log, for changes.
    pub changes: Arc<Changes>,
}

/// One configured provider as changes reach it.
pub struct Changer {
    pub name: String,
    pub kind: ProviderKind,
    /// None: its client could not be built (said in `/readyz`).
    pub client: Option<Arc<ProviderClient>>,
    pub poller: Option<PollerHandle>,
    /// `read_only = true` in its provider table: no change through this collector.
    pub pinned: bool,
}

/// What the change endpoints need: the providers and the audit log.
pub struct Changes {
    pub providers: Vec<Changer>,
    /// The collector's `audit.jsonl` (no audit trail, no change).
    pub audit: Result<Arc<Mutex<AuditLog>>, String>,
}
