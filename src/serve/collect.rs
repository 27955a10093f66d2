//! The collector's picture of the providers: the console's own `State`, changed only by
//! the console's `update` (so rows, connection states and budgets fold exactly as on
//! screen), plus what the metrics count per provider and account: requests, errors by
//! reason, last success per resource. It is fed by the pollers' events, never by a scrape.

use std::collections::BTreeMap;

use crate::action::Action;
use crate::model::{Capabilities, ProviderId};
use crate::poller::Event;
use crate::providers::ProviderError;
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

pub use super::words::resource_label;

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
    /// Each budget scope's figures, from the same report.
    pub budget_scopes: Vec<crate::scheduler::ScopeBudget>,
    /// Why no poller runs for this provider (its client could not be built), redacted.
    pub failed: Option<String>,
}

/// The shared picture (behind a mutex: the fold writes, scrapes and `/readyz` read).
pub struct Collected {
    pub state: State,
    pub counters: Vec<ProviderCounters>,
    /// What attached consoles read: revisions of this state (`feed`).
    pub feed: super::feed::Feed,
}

impl Collected {
    pub fn new(providers: Vec<ProviderState>) -> Collected {
        let counters = vec![ProviderCounters::default(); providers.len()];
        Collected {
            state: State::new(providers, crate::clock::epoch_ms()),
            counters,
            feed: super::feed::Feed::default(),
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
                    scope.requests += u64::from(f.requests);
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
                if let Ok(data) = &f.result {
                    records = crate::history::records(&name, data);
                }
            }
            Event::Budget {
                provider,
                budget,
                scopes,
            } => {
                if let Some(c) = self.counters.get_mut(provider.0 as usize) {
                    c.budget = Some(*budget);
                    c.budget_scopes.clone_from(scopes);
                }
            }
            Event::RateLimited { .. } | Event::RefreshAnswer { .. } => {}
        }
        let mut event = event;
        if let Event::Fetched(f) = &mut event
            && let Ok(crate::providers::FetchData::Calls { history, .. }) = &mut f.result
        {
            // In memory each account keeps its share of `history_rows`, as a console's
            // pollers hand over (the store has every call, taken above): an account's poll
            // then changes its own finished calls, not every account's through the
            // table-wide cut, and the feed sends that account only.
            let accounts = self
                .state
                .tables
                .accounts
                .rows
                .iter()
                .filter(|a| {
                    a.account.provider == f.provider
                        && a.account.kind != crate::model::AccountKind::Provider
                })
                .count()
                .max(1);
            crate::retention::keep_newest(history, (self.state.history_rows / accounts).max(1));
        }
        // Only a poll's result changes rows (of its provider).
        let rows_of = match &event {
            Event::Fetched(f) => Some(f.provider),
            _ => None,
        };
        self.state.now_ms = crate::clock::epoch_ms();
        // The console's own fold; its effects (screen, forms) mean nothing here.
        let _ = crate::update::update(&mut self.state, Action::from(event));
        self.feed.publish(&self.state, rows_of.as_slice());
        records
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Call, CallState, ProviderKind};
    use crate::poller::Fetched;
    use crate::providers::FetchData;
    use crate::providers::{JobKey, JobKind};
    use std::time::Duration;

    fn collected() -> Collected {
        let p = ProviderState::new(
            ProviderId(0),
            "pbx",
            ProviderKind::ALL[0],
            Capabilities::new(),
        );
        Collected::new(vec![p])
    }

    fn fetched(seq: u64, result: Result<FetchData, ProviderError>) -> Event {
        Event::Fetched(Box::new(Fetched {
            requests: 1,
            provider: ProviderId(0),
            epoch: 0,
            seq,
            job: JobKey {
                kind: JobKind::Calls,
                scope: "acct".into(),
            },
            at_ms: 1_000 * seq as i64,
            stale_after_ms: 60_000,
            result,
        }))
    }

    fn call(id: &str, state: CallState) -> Call {
        Call {
            provider: ProviderId(0),
            account: "acct".into(),
            account_name: Default::default(),
            id: id.into(),
            from: "+15550001111".into(),
            to: "+15550002222".into(),
            direction: Default::default(),
            state,
            started_at_ms: Some(1),
            answered_at_ms: None,
            ended_at_ms: None,
            extra: Default::default(),
        }
    }

    #[test]
    fn polls_errors_and_finished_calls_are_counted_per_account() {
        let mut c = collected();
        let records = c.fold(fetched(
            1,
            Ok(FetchData::Calls {
                live: vec![call("live", CallState::InCall)],
                history: vec![call("done", CallState::Completed)],
            }),
        ));
        // Only the finished call goes to history, under the configured provider name.
        assert_eq!(records.len(), 1);
        assert_eq!(
            (records[0].provider.as_str(), records[0].id.as_str()),
            ("pbx", "done")
        );
        assert_eq!(c.state.tables.live.rows.len(), 1, "the console's fold ran");
        c.fold(fetched(
            2,
            Err(ProviderError::Timeout(Duration::from_secs(5))),
        ));
        c.fold(fetched(
            3,
            Err(ProviderError::Server {
                status: 503,
                message: "busy".into(),
            }),
        ));
        let s = &c.counters[0].scopes["acct"];
        assert_eq!(s.requests, 3);
        assert!(!s.up);
        assert_eq!(s.errors.get("timeout"), Some(&1));
        assert_eq!(s.errors.get("http_5xx"), Some(&1));
        assert_eq!(s.last_success_ms.get("live_calls"), Some(&1_000));
    }

    #[test]
    fn every_reason_is_in_the_bounded_list() {
        let errors = [
            ProviderError::Unauthorized(String::new()),
            ProviderError::Forbidden(String::new()),
            ProviderError::NotFound(String::new()),
            ProviderError::BadRequest(String::new()),
            ProviderError::RateLimited {
                retry_after: None,
                message: String::new(),
            },
            ProviderError::Server {
                status: 502,
                message: String::new(),
            },
            ProviderError::Server {
                status: 418,
                message: String::new(),
            },
            ProviderError::Timeout(Duration::ZERO),
            ProviderError::Connect(String::new()),
            ProviderError::Decode(String::new()),
            ProviderError::Unexpected(String::new()),
            ProviderError::Refused(String::new()),
        ];
        let got: Vec<&str> = errors.iter().map(reason).collect();
        assert!(got.iter().all(|r| REASONS.contains(r)), "{got:?}");
        assert_eq!(&got[4..7], ["http_429", "http_5xx", "http_4xx"]);
    }
}
