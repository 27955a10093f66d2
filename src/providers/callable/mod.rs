//! Callable client. STUB: replaced by issue 6's implementation. Until then the
//! console refuses a `kind = "callable"` provider with "not supported yet by this build".

pub mod forms;

use std::time::Duration;

use super::{
    FetchData, Job, JobKey, JobKind, Mutation, MutationOutcome, ProviderError, RateLimit,
    RequestPreview,
};
use crate::config::ProviderConfig;
use crate::model::{Account, Capabilities, ProviderId};

/// What Callable offers.
pub const CAPABILITIES: Capabilities = Capabilities::new();

/// The provider's documented request budget.
pub const DEFAULT_RATE_LIMIT: RateLimit = RateLimit {
    requests: 10,
    per: Duration::from_secs(1),
};

/// A change only Callable makes (built by its own forms, sent by [`Client::mutate`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Change {}

#[derive(Debug)]
pub struct Client {
    _id: ProviderId,
}

impl Client {
    pub fn new(_id: ProviderId, cfg: &ProviderConfig) -> Result<Self, String> {
        Err(format!(
            "provider '{}': kind 'callable' is not supported yet by this build",
            cfg.name
        ))
    }

    pub fn discovery_job(&self) -> Job {
        Job {
            key: JobKey {
                kind: JobKind::Accounts,
                scope: String::new(),
            },
            budget: String::new(),
            cost: 1,
            interval: Duration::from_secs(60),
        }
    }

    pub fn jobs(&self, _accounts: &[Account]) -> Vec<Job> {
        Vec::new()
    }

    pub async fn fetch(&self, _key: &JobKey) -> Result<FetchData, ProviderError> {
        Err(ProviderError::Refused("not supported yet".into()))
    }

    pub fn mutation_budget(&self, m: &Mutation) -> (String, u32) {
        (m.account().to_string(), 1)
    }

    pub fn preview(&self, _m: &Mutation) -> Result<RequestPreview, ProviderError> {
        Err(ProviderError::Refused("not supported yet".into()))
    }

    pub async fn mutate(&self, _m: &Mutation) -> Result<MutationOutcome, ProviderError> {
        Err(ProviderError::Refused("not supported yet".into()))
    }

    pub fn set_read_only(&self, _on: bool) {}

    pub fn read_only(&self) -> bool {
        true
    }
}
