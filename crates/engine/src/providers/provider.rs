//! The seam every provider implements: [`Provider`], the operations shared code asks of a
//! client, and [`Descriptor`], the facts about a provider kind that shared code used to
//! learn by matching on the kind (its capabilities, documented rate limit, default base
//! URL, the settings keys it reads and how it builds its typed settings from them, whether
//! its history arrives later, its forms, the intents and account kind they act on, its
//! own commands).
//!
//! Static dispatch: [`super::ProviderClient`] stays the one enum that lists the five
//! clients and forwards to this trait; a sixth provider implements it and adds one
//! variant there and its descriptor to [`super::DESCRIPTORS`] (the registry lives in the
//! parent module, which lists the providers anyway, so this file imports none of them).

use std::future::Future;

use crate::form::spec::FormSpec;
use crate::model::{Account, AccountKind, Capabilities, ProviderKind};
use crate::providers::commands::CommandSpec;
use crate::providers::forms::{FormContext, Intent, ProviderTarget};
use crate::providers::settings::ProviderSettings;
use crate::providers::{
    FetchData, Job, JobKey, Mutation, MutationOutcome, ProviderError, RateLimit, RequestPreview,
    http,
};
use crate::settings::{SettingError, SettingKey, SettingValues};

/// Opens a provider's form for an intent from what is selected, or says why it cannot.
pub type OpenForm = fn(Intent, &FormContext) -> Result<(FormSpec, ProviderTarget), String>;
/// Turns a submitted form's values into the mutation to send.
pub type BuildForm = fn(&ProviderTarget, &[(String, String)]) -> Result<Mutation, String>;
/// Builds a provider's typed settings from the checked values of its keys, or names the
/// key at fault.
pub type FromValues = fn(&SettingValues) -> Result<ProviderSettings, SettingError>;

/// What shared code may know about a provider kind without holding a client.
#[derive(Debug, Clone, Copy)]
pub struct Descriptor {
    pub kind: ProviderKind,
    /// Resources and actions it offers.
    pub capabilities: Capabilities,
    /// The documented limit, used when the config sets no `rate_limit`.
    pub default_rate_limit: RateLimit,
    /// The API root when the config gives no `base_url` (None: `base_url` is required).
    pub default_base_url: Option<&'static str>,
    /// Settings keys of its `[[provider]]` table beyond the ones every kind reads, as data
    /// (type, required, help): `config` checks every table against them.
    pub settings: &'static [SettingKey],
    /// Builds its [`ProviderSettings`] variant once the table validated.
    pub from_values: FromValues,
    /// Call history arrives asynchronously (a callback), so an empty history pane may
    /// still be loading.
    pub history_arrives_later: bool,
    /// Its forms (in `providers/<name>/forms.rs`), opened without a client: a form is
    /// built from the state on screen.
    pub open_form: OpenForm,
    pub build_form: BuildForm,
    /// Which intents its forms handle (among those its capabilities allow); any other is
    /// refused as "not offered", and audited, before a form opens.
    pub offers: fn(Intent) -> bool,
    /// The one account kind its changes act on when picked in the accounts pane (None:
    /// any account below the provider's root); picking another falls back to the scope.
    pub acts_on: Option<AccountKind>,
    /// Its own commands (forms, number marks, views) beyond the generic ones, in the
    /// order help lists them.
    pub commands: &'static [CommandSpec],
    /// Describes where one of its numbers routes, for the number trace
    /// (`providers/<name>/route.rs`; [`super::route::target_only`] when it says no more).
    pub route: super::route::RouteFn,
}

/// [`Descriptor::offers`] for a provider whose form builder decides every intent itself.
pub fn offers_every_intent(_: Intent) -> bool {
    true
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

/// Implements [`Provider`] for a client whose inherent methods carry the trait's names
/// (`discovery_job`, `jobs`, `fetch`, `mutation_budget`, `preview`, `mutate`) and whose
/// guard is its `http` field; `requests_used` forwards too when listed. One line per
/// provider instead of five copies of the same forwarding.
macro_rules! forward_provider {
    ($client:ty, $descriptor:expr $(, $extra:ident)*) => {
        impl $crate::providers::Provider for $client {
            fn descriptor(&self) -> &'static $crate::providers::Descriptor {
                &$descriptor
            }
            fn discovery_job(&self) -> $crate::providers::Job {
                <$client>::discovery_job(self)
            }
            fn jobs(&self, accounts: &[$crate::model::Account]) -> Vec<$crate::providers::Job> {
                <$client>::jobs(self, accounts)
            }
            fn fetch(
                &self,
                key: &$crate::providers::JobKey,
            ) -> impl std::future::Future<
                Output = Result<$crate::providers::FetchData, $crate::providers::ProviderError>,
            > + Send {
                <$client>::fetch(self, key)
            }
            $(forward_provider!(@$extra $client);)*
            fn mutation_budget(&self, m: &$crate::providers::Mutation) -> (String, u32) {
                <$client>::mutation_budget(self, m)
            }
            fn preview(
                &self,
                m: &$crate::providers::Mutation,
            ) -> Result<$crate::providers::RequestPreview, $crate::providers::ProviderError> {
                <$client>::preview(self, m)
            }
            fn mutate(
                &self,
                m: &$crate::providers::Mutation,
            ) -> impl std::future::Future<
                Output = Result<
                    $crate::providers::MutationOutcome,
                    $crate::providers::ProviderError,
                >,
            > + Send {
                <$client>::mutate(self, m)
            }
            fn guard(&self) -> &$crate::providers::http::Guard {
                &self.http
            }
        }
    };
    (@requests_used $client:ty) => {
        fn requests_used(&self, key: &$crate::providers::JobKey) -> Option<u32> {
            <$client>::requests_used(self, key)
        }
    };
}
pub(crate) use forward_provider;
