//! What every collector endpoint reads: the metrics registry, the folded state, the
//! history store's status and handle, the operators' tokens, the stop signal.

use std::sync::{Arc, Mutex};

use prometheus_client::registry::Registry;

use super::collect::Collected;
use super::history::HistoryStatus;
use super::tokens::Tokens;

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
    pub changes: Arc<super::actions::Changes>,
}
