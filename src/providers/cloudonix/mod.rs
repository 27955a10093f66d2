//! Cloudonix Voice API client (providers.md §1). Wire types live in `wire`, the mapping
//! into the neutral model in `map`.

use std::time::Duration;

use crate::config::ProviderConfig;
use crate::model::{Account, ActionKind, Capabilities, ProviderId, Resource};
use crate::providers::{FetchData, Job, JobKey, ProviderError, RateLimit};

pub const CAPABILITIES: Capabilities = Capabilities::new()
    .with(Resource::Accounts)
    .with(Resource::LiveCalls)
    .with(Resource::CallHistory)
    .with(Resource::Trunks)
    .with(Resource::Numbers)
    .with(Resource::Queues)
    .with_action(ActionKind::ClickToCall)
    .with_action(ActionKind::Hangup)
    .with_action(ActionKind::EditTrunk)
    .with_action(ActionKind::EditNumber);

/// The seed's limit: 10 requests per domain per 10 seconds (the newer spec says 10 per
/// 3 s; configure `rate_limit` for that).
pub const DEFAULT_RATE_LIMIT: RateLimit = RateLimit {
    requests: 10,
    per: Duration::from_secs(10),
};

pub struct CloudonixClient {
    #[allow(dead_code)]
    id: ProviderId,
}

impl CloudonixClient {
    pub fn new(id: ProviderId, _cfg: &ProviderConfig) -> Result<Self, String> {
        Ok(CloudonixClient { id })
    }

    pub fn discovery_job(&self) -> Job {
        Job {
            key: JobKey {
                kind: crate::providers::JobKind::Accounts,
                scope: String::new(),
            },
            budget: "customer".into(),
            cost: 2,
            interval: Duration::from_secs(60),
        }
    }

    pub fn jobs(&self, _accounts: &[Account]) -> Vec<Job> {
        Vec::new()
    }

    pub async fn fetch(&self, _key: &JobKey) -> Result<FetchData, ProviderError> {
        Err(ProviderError::Refused("not implemented".into()))
    }
}
