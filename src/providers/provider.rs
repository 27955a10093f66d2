//! The seam every provider implements: [`Provider`], the operations shared code asks of a
//! client, and [`Descriptor`], the facts about a provider kind that shared code used to
//! learn by matching on the kind (its capabilities, documented rate limit, default base
//! URL, the settings keys it reads, whether its history arrives later).
//!
//! Static dispatch: [`super::ProviderClient`] stays the one enum that lists the five
//! clients and forwards to this trait; a sixth provider implements it and adds one
//! variant there and one descriptor in [`DESCRIPTORS`].

use std::future::Future;

use crate::model::{Account, Capabilities, ProviderKind};
use crate::providers::{
    FetchData, Job, JobKey, Mutation, MutationOutcome, ProviderError, RateLimit, RequestPreview,
    http,
};

/// What shared code may know about a provider kind without holding a client.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Descriptor {
    pub kind: ProviderKind,
    /// Resources and actions it offers.
    pub capabilities: Capabilities,
    /// The documented limit, used when the config sets no `rate_limit`.
    pub default_rate_limit: RateLimit,
    /// The API root when the config gives no `base_url` (None: `base_url` is required).
    pub default_base_url: Option<&'static str>,
    /// Settings keys of its `[[provider]]` table beyond the ones every kind reads.
    pub settings_keys: &'static [&'static str],
    /// Of those, the credentials it cannot work without.
    pub required_keys: &'static [&'static str],
    /// Call history arrives asynchronously (a callback), so an empty history pane may
    /// still be loading.
    pub history_arrives_later: bool,
}

/// Every provider kind's descriptor, in [`ProviderKind::ALL`] order.
pub const DESCRIPTORS: [&Descriptor; 5] = [
    &super::cloudonix::DESCRIPTOR,
    &super::voipcloud::DESCRIPTOR,
    &super::iovox::DESCRIPTOR,
    &super::callable::DESCRIPTOR,
    &super::provoice::DESCRIPTOR,
];

/// The descriptor of `kind`.
pub fn descriptor(kind: ProviderKind) -> &'static Descriptor {
    DESCRIPTORS
        .iter()
        .copied()
        .find(|d| d.kind == kind)
        .unwrap_or(DESCRIPTORS[0])
}

/// The kinds whose tables read `key`, or None when every kind reads it.
pub fn kinds_using(key: &str) -> Option<Vec<ProviderKind>> {
    let kinds: Vec<ProviderKind> = DESCRIPTORS
        .iter()
        .filter(|d| d.settings_keys.contains(&key))
        .map(|d| d.kind)
        .collect();
    (!kinds.is_empty()).then_some(kinds)
}

/// One provider connection, as the poller, the console and `snapshot` use it. Clients
/// never know about the UI or the scheduler: they are told "fetch this job" and answer.
pub trait Provider: Send + Sync {
    fn descriptor(&self) -> &'static Descriptor;

    /// The job that discovers the account tree; its result decides the other jobs.
    fn discovery_job(&self) -> Job;

    /// The polling jobs for a discovered account tree.
    fn jobs(&self, accounts: &[Account]) -> Vec<Job>;

    fn fetch(&self, key: &JobKey) -> impl Future<Output = Result<FetchData, ProviderError>> + Send;

    /// Requests the last run of `key` actually made, for jobs that may need fewer than
    /// their cost (paged lists); None = the job's cost.
    fn requests_used(&self, _key: &JobKey) -> Option<u32> {
        None
    }

    /// The budget scope a mutation's requests count against, and how many it makes at
    /// most.
    fn mutation_budget(&self, m: &Mutation) -> (String, u32);

    /// Exactly the request [`Provider::mutate`] would send, secrets as `****`. Sends
    /// nothing.
    fn preview(&self, m: &Mutation) -> Result<RequestPreview, ProviderError>;

    /// Sends a mutation once, never retried; refused while read-only, before anything is
    /// sent.
    fn mutate(
        &self,
        m: &Mutation,
    ) -> impl Future<Output = Result<MutationOutcome, ProviderError>> + Send;

    /// The HTTP guard every request of this client passes (its read-only switch).
    fn guard(&self) -> &http::Guard;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_one_descriptor_in_order() {
        for (kind, d) in ProviderKind::ALL.iter().zip(DESCRIPTORS) {
            assert_eq!(*kind, d.kind);
            assert_eq!(descriptor(*kind), d);
            assert!(d.required_keys.iter().all(|k| d.settings_keys.contains(k)));
        }
    }

    #[test]
    fn keys_map_back_to_the_kinds_that_read_them() {
        use ProviderKind::*;
        assert_eq!(kinds_using("api_key"), Some(vec![Cloudonix, Provoice]));
        assert_eq!(kinds_using("username"), Some(vec![Iovox, Callable]));
        assert_eq!(kinds_using("token"), Some(vec![Voipcloud]));
        assert_eq!(kinds_using("timeout_seconds"), None);
        assert!(descriptor(Provoice).history_arrives_later);
        assert!(!descriptor(Cloudonix).history_arrives_later);
    }
}
