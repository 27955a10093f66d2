//! Provider clients. Each provider is a module that owns its wire types and maps them
//! into the neutral [`crate::model`]; this module holds what they share: the error type,
//! the polling job description and the enum that dispatches to the right client.
//!
//! A client never knows about the UI or the scheduler: it is told "fetch this job" and
//! answers with [`FetchData`] or a [`ProviderError`].

pub mod callable;
pub mod cloudonix;
pub mod commands;
pub mod dates;
pub mod errors;
pub mod forms;
pub mod http;
pub mod iovox;
pub mod json_stream;
pub mod lenient;
pub mod provider;
pub mod provoice;
pub mod route;
pub mod settings;
pub mod shape;

pub use provider::{Descriptor, Provider};
pub use settings::{KindSettings, ProviderConfig};

pub use callable::settings::CallableSettings;
pub use cloudonix::settings::CloudonixSettings;
pub use iovox::settings::IovoxSettings;
pub use provoice::settings::ProvoiceSettings;
pub use voipcloud::settings::VoipcloudSettings;
pub mod voipcloud;

use std::fmt;
use std::time::Duration;

pub use crate::form::RequestPreview;
use crate::model::{
    Account, Call, Capabilities, Number, ProviderId, ProviderKind, QueueStat, Resource, Trunk,
};
pub use crate::scheduler::RateLimit;

/// Every provider kind's descriptor, in [`ProviderKind::ALL`] order.
pub const DESCRIPTORS: [&Descriptor; 5] = [
    &cloudonix::DESCRIPTOR,
    &voipcloud::DESCRIPTOR,
    &iovox::DESCRIPTOR,
    &callable::DESCRIPTOR,
    &provoice::DESCRIPTOR,
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
        .filter(|d| d.settings.iter().any(|k| k.name == key))
        .map(|d| d.kind)
        .collect();
    (!kinds.is_empty()).then_some(kinds)
}

/// Everything that can go wrong talking to a provider, as an operator should read it.
/// Messages never contain a secret: clients build them from status codes and the
/// provider's own message text, never from request headers or URLs with keys in them.
#[derive(Debug, Clone, PartialEq)]
pub enum ProviderError {
    /// 401: the key or token was rejected.
    Unauthorized(String),
    /// 403: the key is valid but lacks scope for this resource.
    Forbidden(String),
    NotFound(String),
    BadRequest(String),
    /// 429. `retry_after` comes from the `Retry-After` header when present.
    RateLimited {
        retry_after: Option<Duration>,
        message: String,
    },
    /// 5xx or any other unexpected status.
    Server {
        status: u16,
        message: String,
    },
    Timeout(Duration),
    /// Connection refused, reset, DNS failure, TLS failure …
    Connect(String),
    /// The body did not decode (malformed JSON/XML, wrong shape).
    Decode(String),
    /// An answer that is not what was asked for: a redirect (never followed), a body
    /// over the size cap, a list over the row cap, an HTML page or the wrong document
    /// type. The old data is kept and marked stale. The message says it all, most
    /// important first (it is cut at the pane's width): no prefix is added.
    Unexpected(String),
    /// Refused locally before anything was sent (bad input, read-only …).
    Refused(String),
}

impl ProviderError {
    pub fn is_auth(&self) -> bool {
        matches!(self, ProviderError::Unauthorized(_))
    }
    pub fn is_rate_limited(&self) -> bool {
        matches!(self, ProviderError::RateLimited { .. })
    }
    pub fn status(&self) -> Option<u16> {
        match self {
            ProviderError::Unauthorized(_) => Some(401),
            ProviderError::Forbidden(_) => Some(403),
            ProviderError::NotFound(_) => Some(404),
            ProviderError::BadRequest(_) => Some(400),
            ProviderError::RateLimited { .. } => Some(429),
            ProviderError::Server { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProviderError::Unauthorized(m) => write!(f, "401 key rejected: {m}"),
            ProviderError::Forbidden(m) => write!(f, "403 forbidden: {m}"),
            ProviderError::NotFound(m) => write!(f, "404 not found: {m}"),
            ProviderError::BadRequest(m) => write!(f, "400 bad request: {m}"),
            ProviderError::RateLimited {
                retry_after,
                message,
            } => match retry_after {
                Some(d) => write!(
                    f,
                    "429 rate limited: {message} (retry in {} s)",
                    d.as_secs()
                ),
                None => write!(f, "429 rate limited: {message}"),
            },
            ProviderError::Server { status, message } => {
                write!(f, "{status} provider error: {message}")
            }
            ProviderError::Timeout(d) => write!(f, "timed out after {:.1} s", d.as_secs_f64()),
            ProviderError::Connect(m) => write!(f, "connection failed: {m}"),
            ProviderError::Decode(m) => write!(f, "unreadable response: {m}"),
            ProviderError::Unexpected(m) => f.write_str(m),
            ProviderError::Refused(m) => write!(f, "refused: {m}"),
        }
    }
}

impl std::error::Error for ProviderError {}

/// What a polling job fetches. One job may feed several panes (sessions feed live calls
/// and history).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JobKind {
    /// Discover the account tree (customer, domains …). Always the first job.
    Accounts,
    Calls,
    Trunks,
    Numbers,
    Stats,
    /// Extra facts about one account (Cloudonix: subscriber counts of a domain).
    AccountInfo,
}

impl JobKind {
    /// The panes this job's result feeds.
    pub fn feeds(self) -> &'static [Resource] {
        match self {
            JobKind::Accounts => &[Resource::Accounts],
            JobKind::Calls => &[Resource::LiveCalls, Resource::CallHistory],
            JobKind::Trunks => &[Resource::Trunks],
            JobKind::Numbers => &[Resource::Numbers],
            JobKind::Stats => &[Resource::Queues],
            JobKind::AccountInfo => &[Resource::Accounts],
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            JobKind::Accounts => "accounts",
            JobKind::Calls => "calls",
            JobKind::Trunks => "trunks",
            JobKind::Numbers => "numbers",
            JobKind::Stats => "stats",
            JobKind::AccountInfo => "account info",
        }
    }
}

/// Identifies one slice of data: a job kind for one account scope (for example the
/// trunks of one Cloudonix domain). A newer result for a key replaces the older one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobKey {
    pub kind: JobKind,
    /// The account id the job covers ("" for provider-wide jobs).
    pub scope: String,
}

/// A polling job as the client describes it to the scheduler.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub key: JobKey,
    /// The rate-limit scope its requests count against (Cloudonix: the domain).
    pub budget: String,
    /// How many HTTP requests one run of the job makes.
    pub cost: u32,
    /// How often to refresh it when its pane is on screen.
    pub interval: Duration,
}

/// What a job brings back. The state replaces the rows of `(provider, job.key)` with it.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchData {
    Accounts(Vec<Account>),
    Calls {
        live: Vec<Call>,
        history: Vec<Call>,
    },
    Trunks(Vec<Trunk>),
    Numbers(Vec<Number>),
    Queues(Vec<QueueStat>),
    /// Today's queue / ring-group calls of one account; the console computes the Queues
    /// pane's figures from them for the window the operator chose (`stats.window`).
    GroupCalls(Vec<crate::stats::GroupCallRecord>),
    /// Fields merged into one account's row (replacing fields of the same name), and
    /// what the provider's forms start from for that account, if it has such data.
    AccountInfo {
        account: String,
        fields: Vec<crate::model::Field>,
        details: Option<ProviderDetails>,
    },
}

/// The keys only one kind reads: one variant per provider, each the provider's own type.
#[derive(Debug, Clone, PartialEq)]
pub enum ProviderSettings {
    Cloudonix(CloudonixSettings),
    Voipcloud(VoipcloudSettings),
    Iovox(IovoxSettings),
    Callable(CallableSettings),
    Provoice(ProvoiceSettings),
}

impl ProviderSettings {
    /// `kind`'s settings with nothing set.
    pub fn default_for(kind: ProviderKind) -> ProviderSettings {
        match kind {
            ProviderKind::Cloudonix => CloudonixSettings::default().into(),
            ProviderKind::Voipcloud => VoipcloudSettings::default().into(),
            ProviderKind::Iovox => IovoxSettings::default().into(),
            ProviderKind::Callable => CallableSettings::default().into(),
            ProviderKind::Provoice => ProvoiceSettings::default().into(),
        }
    }

    pub fn kind(&self) -> ProviderKind {
        match self {
            ProviderSettings::Cloudonix(_) => CloudonixSettings::KIND,
            ProviderSettings::Voipcloud(_) => VoipcloudSettings::KIND,
            ProviderSettings::Iovox(_) => IovoxSettings::KIND,
            ProviderSettings::Callable(_) => CallableSettings::KIND,
            ProviderSettings::Provoice(_) => ProvoiceSettings::KIND,
        }
    }
}

/// Provider-only data about one account that its forms start from (ProVoice: a
/// customer's forwards, limits and whitelists, so an edit form opens with what was
/// read). It travels like any result: in [`FetchData::AccountInfo`] through `update`
/// (which drops a stale one) into `State`, and back to the provider's form builder in
/// [`forms::FormContext::details`]. Nothing of it is kept anywhere else.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum ProviderDetails {
    Provoice(provoice::forms::Details),
    Callable(callable::flow_forms::Details),
}

/// An operator action that changes something at a provider. Built from a submitted
/// form or a command; sent once, never retried automatically.
#[derive(Debug, Clone, PartialEq)]
pub enum Mutation {
    CreateTrunk {
        account: String,
        trunk: TrunkSpec,
    },
    UpdateTrunk {
        account: String,
        id: String,
        trunk: TrunkSpec,
        /// The values the edit form started from (the stored ones), by form field key.
        /// The API takes a partial update: only the fields that differ are sent. Empty
        /// when not known: every field is sent.
        start: Vec<(String, String)>,
    },
    DeleteTrunk {
        account: String,
        id: String,
    },
    UpdateNumber {
        account: String,
        id: String,
        number: NumberSpec,
        /// As for `UpdateTrunk`: the stored values the form started from (plus `dnid`,
        /// the compiled pattern); only what differs is sent. Empty: everything is sent.
        start: Vec<(String, String)>,
    },
    SetNumberActive {
        account: String,
        id: String,
        active: bool,
    },
    ClickToCall {
        account: String,
        destination: String,
        caller_id: Option<String>,
        /// Application name or id that handles the call.
        application: Option<String>,
    },
    Hangup {
        account: String,
        call_id: String,
    },
    /// A change only one provider makes (its own form, its own request shape).
    Provider {
        account: String,
        /// The command name recorded in the audit log (`hook.new`, `forward.edit` …).
        command: std::borrow::Cow<'static, str>,
        change: ProviderChange,
    },
}

/// The provider-specific changes, each owned by its provider module.
#[derive(Debug, Clone, PartialEq)]
pub enum ProviderChange {
    Cloudonix(cloudonix::change::Change),
    Voipcloud(voipcloud::Change),
    Iovox(iovox::Change),
    Callable(callable::Change),
    Provoice(provoice::Change),
}

impl Mutation {
    pub fn account(&self) -> &str {
        match self {
            Mutation::CreateTrunk { account, .. }
            | Mutation::UpdateTrunk { account, .. }
            | Mutation::DeleteTrunk { account, .. }
            | Mutation::UpdateNumber { account, .. }
            | Mutation::SetNumberActive { account, .. }
            | Mutation::ClickToCall { account, .. }
            | Mutation::Hangup { account, .. }
            | Mutation::Provider { account, .. } => account,
        }
    }

    /// The command name recorded in the audit log.
    pub fn command(&self) -> &str {
        match self {
            Mutation::CreateTrunk { .. } => "trunk.new",
            Mutation::UpdateTrunk { .. } => "trunk.edit",
            Mutation::DeleteTrunk { .. } => "trunk.delete",
            Mutation::UpdateNumber { .. } => "number.edit",
            Mutation::SetNumberActive { .. } => "number.toggle",
            Mutation::ClickToCall { .. } => "call",
            Mutation::Hangup { .. } => "hangup",
            Mutation::Provider { command, .. } => command,
        }
    }
}

/// A trunk as a form submits it (provider-neutral names).
#[derive(Debug, Clone, PartialEq)]
pub struct TrunkSpec {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub transport: String,
    pub direction: String,
    pub prefix: String,
    pub auth_username: Option<String>,
    /// None = leave the stored password as it is.
    pub auth_password: Option<crate::secret::Secret>,
}

/// A number (Cloudonix DNID) as a form submits it.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberSpec {
    /// The human form (`+14155550100`, `123[4-7]`); Cloudonix `source`.
    pub source: String,
    /// Application name or id it routes to.
    pub application: String,
    pub active: bool,
    /// At most one of these is true.
    pub prefix: bool,
    pub expression: bool,
    pub asterisk_compatible: bool,
}

/// How a mutation ended when the provider answered 2xx (or 404 on hang-up).
#[derive(Debug, Clone, PartialEq)]
pub struct MutationOutcome {
    pub status: u16,
    /// What to tell the operator ("trunk pbx-hq updated", "call already ended" …).
    pub message: String,
    /// For click-to-call: the new call's id (token).
    pub created_id: Option<String>,
    /// A secret the provider shows once, on creation (a new subscriber's SIP password):
    /// the console shows it to the operator once; it is never logged or audited.
    pub reveal: Option<crate::secret::Secret>,
}

/// The configured client of one provider connection. An enum rather than a trait object
/// so each client keeps plain `async fn`s. One exists per configured provider, so variant
/// sizes do not matter.
#[allow(clippy::large_enum_variant)]
pub enum ProviderClient {
    Cloudonix(cloudonix::CloudonixClient),
    Voipcloud(voipcloud::Client),
    Iovox(iovox::Client),
    Callable(callable::Client),
    Provoice(provoice::Client),
}

/// Calls the same method on whichever client this is.
macro_rules! each {
    ($self:expr, $c:ident => $e:expr) => {
        match $self {
            ProviderClient::Cloudonix($c) => $e,
            ProviderClient::Voipcloud($c) => $e,
            ProviderClient::Iovox($c) => $e,
            ProviderClient::Callable($c) => $e,
            ProviderClient::Provoice($c) => $e,
        }
    };
}

impl ProviderClient {
    /// Builds the client for one `[[provider]]` table (secrets already resolved).
    pub fn from_config(id: ProviderId, cfg: &ProviderConfig) -> Result<ProviderClient, String> {
        match cfg.kind {
            ProviderKind::Cloudonix => Ok(ProviderClient::Cloudonix(
                cloudonix::CloudonixClient::new(id, cfg)?,
            )),
            ProviderKind::Voipcloud => {
                Ok(ProviderClient::Voipcloud(voipcloud::Client::new(id, cfg)?))
            }
            ProviderKind::Iovox => Ok(ProviderClient::Iovox(iovox::Client::new(id, cfg)?)),
            ProviderKind::Callable => Ok(ProviderClient::Callable(callable::Client::new(id, cfg)?)),
            ProviderKind::Provoice => Ok(ProviderClient::Provoice(provoice::Client::new(id, cfg)?)),
        }
    }

    pub fn descriptor(&self) -> &'static Descriptor {
        each!(self, c => Provider::descriptor(c))
    }

    pub fn kind(&self) -> ProviderKind {
        self.descriptor().kind
    }

    pub fn capabilities(&self) -> Capabilities {
        self.descriptor().capabilities
    }

    /// The documented limit, used when the config sets no `rate_limit`.
    /// The budget to poll `cfg` within: its `rate_limit`, else the provider's documented one.
    pub fn rate_limit_for(&self, cfg: &ProviderConfig) -> RateLimit {
        cfg.rate_limit
            .map(RateLimit::from)
            .unwrap_or_else(|| self.default_rate_limit())
    }

    pub fn default_rate_limit(&self) -> RateLimit {
        self.descriptor().default_rate_limit
    }

    /// The job that discovers the account tree; its result decides the other jobs.
    pub fn discovery_job(&self) -> Job {
        each!(self, c => Provider::discovery_job(c))
    }

    /// The polling jobs for a discovered account tree.
    pub fn jobs(&self, accounts: &[Account]) -> Vec<Job> {
        each!(self, c => Provider::jobs(c, accounts))
    }

    pub async fn fetch(&self, key: &JobKey) -> Result<FetchData, ProviderError> {
        each!(self, c => Provider::fetch(c, key).await)
    }

    /// Requests the last run of `key` actually made; None = the job's cost.
    pub fn requests_used(&self, key: &JobKey) -> Option<u32> {
        each!(self, c => Provider::requests_used(c, key))
    }

    /// The budget scope a mutation's requests count against, and how many it makes at
    /// most.
    pub fn mutation_budget(&self, m: &Mutation) -> (String, u32) {
        each!(self, c => Provider::mutation_budget(c, m))
    }

    /// Exactly the request [`ProviderClient::mutate`] would send (method, path relative to
    /// the base URL, body with every secret as `****`). Sends nothing.
    pub fn preview(&self, m: &Mutation) -> Result<RequestPreview, ProviderError> {
        each!(self, c => Provider::preview(c, m))
    }

    /// Sends a mutation once, never retried. A timeout is [`ProviderError::Timeout`]: the
    /// outcome is unknown. Refused while read-only is on, before anything is sent.
    pub async fn mutate(&self, m: &Mutation) -> Result<MutationOutcome, ProviderError> {
        each!(self, c => Provider::mutate(c, m).await)
    }

    /// How many finished calls a poll hands over, the newest (None: all). Only lists
    /// that hold a provider's whole past need it (Cloudonix sessions); the others are
    /// paged by period and left as they are.
    pub fn set_history_cap(&self, cap: Option<usize>) {
        if let ProviderClient::Cloudonix(c) = self {
            c.set_history_cap(cap);
        }
    }

    /// Switches the read-only guard at run time (defaults to the config's `read_only`).
    pub fn set_read_only(&self, on: bool) {
        each!(self, c => Provider::guard(c).read_only().set(on))
    }

    pub fn read_only(&self) -> bool {
        each!(self, c => Provider::guard(c).read_only().is_on())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ProviderKind;

    #[test]
    fn every_kind_has_one_descriptor_in_order() {
        for (kind, d) in ProviderKind::ALL.iter().zip(DESCRIPTORS) {
            assert_eq!(*kind, d.kind);
            assert_eq!(descriptor(*kind).kind, d.kind);
            // Required keys are part of the settings keys by construction; the typed
            // settings refuse to be built without them and belong to the same kind.
            let missing = (d.from_values)(&crate::settings::SettingValues::default());
            let (key, _) = missing.expect_err("every kind needs a credential");
            assert!(d.settings.iter().any(|k| k.name == key && k.required));
            assert_eq!(ProviderSettings::default_for(*kind).kind(), *kind);
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

    #[test]
    fn new_gives_the_kinds_own_settings() {
        for kind in ProviderKind::ALL {
            let cfg = ProviderConfig::new("p", kind, "https://x.example");
            assert_eq!(cfg.settings.kind(), kind);
        }
        let cfg = ProviderConfig::new("cx", ProviderKind::Cloudonix, "https://x.example");
        assert!(cfg.kind_settings::<CloudonixSettings>().is_ok());
        let e = cfg.kind_settings::<IovoxSettings>().unwrap_err();
        assert_eq!(
            e,
            "provider 'cx': its settings are cloudonix settings, not iovox"
        );
    }
}
