//! The collector's picture of the providers: the console's own `State`, changed only by
//! the console's `update` (so rows, connection states and budgets fold exactly as on
//! screen), plus what the metrics count per provider and account: requests, errors by
//! reason, last success per resource. It is fed by the pollers' events, never by a scrape.

use std::collections::BTreeMap;

use crate::action::Action;
use crate::model::{Capabilities, ProviderId, Resource};
use crate::poller::Event;
use crate::providers::{FetchData, ProviderError};
use crate::scheduler::BudgetView;
use crate::state::{ProviderState, State};
use switchboard_store::CallRecord;

/// Every error reason `switchboard_provider_request_errors_total` counts (bounded).
pub const REASONS: &[&str] = &[
    "auth",
    "http_429",
    "http_4xx",
    "http_5xx",
    "timeout",
    "connect",
    "decode",
    "unexpected",
    "refused",
];

/// The `reason` label of a failed poll.
pub fn reason(e: &ProviderError) -> &'static str {
    match e {
        ProviderError::Unauthorized(_) | ProviderError::Forbidden(_) => "auth",
        ProviderError::RateLimited { .. } => "http_429",
        ProviderError::NotFound(_) | ProviderError::BadRequest(_) => "http_4xx",
        ProviderError::Server { status, .. } if *status >= 500 => "http_5xx",
        ProviderError::Server { status, .. } if *status >= 400 => "http_4xx",
        ProviderError::Server { .. } | ProviderError::Unexpected(_) => "unexpected",
        ProviderError::Timeout(_) => "timeout",
        ProviderError::Connect(_) => "connect",
        ProviderError::Decode(_) => "decode",
        ProviderError::Refused(_) => "refused",
    }
}

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

/// What the metrics count for one account scope of a provider ("" = the provider as a
/// whole: discovery and provider-wide lists).
#[derive(Debug, Default, Clone)]
pub struct ScopeCounters {
    pub requests: u64,
    pub errors: BTreeMap<&'static str, u64>,
    /// Whether the latest poll of this scope succeeded.
    pub up: bool,
    /// Epoch ms of the latest success per resource label.
    pub last_success_ms: BTreeMap<&'static str, i64>,
}

#[derive(Debug, Default, Clone)]
pub struct ProviderCounters {
    pub scopes: BTreeMap<String, ScopeCounters>,
    /// The poller's latest budget view (None until it sends one).
    pub budget: Option<BudgetView>,
    /// Why no poller runs for this provider (its client could not be built), redacted.
    pub failed: Option<String>,
}

/// The shared picture (behind a mutex: the fold writes, scrapes and `/readyz` read).
pub struct Collected {
    pub state: State,
    pub counters: Vec<ProviderCounters>,
}

impl Collected {
    pub fn new(providers: Vec<ProviderState>) -> Collected {
        let counters = vec![ProviderCounters::default(); providers.len()];
        Collected {
            state: State::new(providers, crate::clock::epoch_ms()),
            counters,
        }
    }

    /// A provider that has no poller (its client could not be built).
    pub fn placeholder(id: ProviderId, cfg: &crate::config::ProviderConfig) -> ProviderState {
        ProviderState::new(id, &cfg.name, cfg.kind, Capabilities::new())
    }

    /// Folds one poller event; returns the finished calls it carried, as history records.
    pub fn fold(&mut self, event: Event) -> Vec<CallRecord> {
        let mut records = Vec::new();
        match &event {
            Event::Fetched(f) => {
                let i = f.provider.0 as usize;
                let name = self
                    .state
                    .providers
                    .get(i)
                    .map(|p| p.name.clone())
                    .unwrap_or_default();
                if let Some(c) = self.counters.get_mut(i) {
                    let scope = c.scopes.entry(f.job.scope.clone()).or_default();
                    scope.requests += 1;
                    match &f.result {
                        Ok(_) => {
                            scope.up = true;
                            for r in f.job.kind.feeds() {
                                scope.last_success_ms.insert(resource_label(*r), f.at_ms);
                            }
                        }
                        Err(e) => {
                            scope.up = false;
                            *scope.errors.entry(reason(e)).or_default() += 1;
                        }
                    }
                }
                if let Ok(FetchData::Calls { live, history }) = &f.result {
                    records.extend(
                        live.iter()
                            .chain(history)
                            .filter_map(|c| CallRecord::from_call(&name, c)),
                    );
                }
            }
            Event::Budget { provider, budget } => {
                if let Some(c) = self.counters.get_mut(provider.0 as usize) {
                    c.budget = Some(*budget);
                }
            }
            Event::RateLimited { .. } | Event::RefreshAnswer { .. } => {}
        }
        self.state.now_ms = crate::clock::epoch_ms();
        // The console's own fold; its effects (screen, forms) mean nothing here.
        let _ = crate::update::update(&mut self.state, Action::from(event));
        records
    }
}
