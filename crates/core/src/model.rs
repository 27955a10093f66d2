//! The provider-neutral model: every provider module maps its wire types into these.
//!
//! Rows carry the provider they came from and the account (customer, domain, sub-account)
//! they belong to, so merged tables can show provider/account columns and details panels
//! know which backend owns a row. `extra` holds the provider's remaining fields (already
//! flattened to text, secrets masked) for the details panel, all in one allocation
//! ([`Fields`]).

use std::fmt;

/// Index of a configured provider connection (position in the config's `[[provider]]` list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ProviderId(pub u16);

/// The five provider families the console speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    Cloudonix,
    Voipcloud,
    Iovox,
    Callable,
    Provoice,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 5] = [
        ProviderKind::Cloudonix,
        ProviderKind::Voipcloud,
        ProviderKind::Iovox,
        ProviderKind::Callable,
        ProviderKind::Provoice,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Cloudonix => "cloudonix",
            ProviderKind::Voipcloud => "voipcloud",
            ProviderKind::Iovox => "iovox",
            ProviderKind::Callable => "callable",
            ProviderKind::Provoice => "provoice",
        }
    }

    pub fn parse(s: &str) -> Option<ProviderKind> {
        ProviderKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The resources a pane can show. Order is the pane order on screen.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    Accounts,
    LiveCalls,
    CallHistory,
    Trunks,
    Numbers,
    Queues,
}

impl Resource {
    pub const ALL: [Resource; 6] = [
        Resource::Accounts,
        Resource::LiveCalls,
        Resource::CallHistory,
        Resource::Trunks,
        Resource::Numbers,
        Resource::Queues,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Resource::Accounts => "Accounts",
            Resource::LiveCalls => "Live calls",
            Resource::CallHistory => "History",
            Resource::Trunks => "Trunks",
            Resource::Numbers => "Numbers",
            Resource::Queues => "Queues",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// What a provider offers: which resources it can list. A pane whose resource a provider
/// does not offer says "not offered by <provider>" instead of showing an empty table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Capabilities {
    resources: u8,
    actions: u8,
}

/// Operator actions a provider may offer (used by the command table and palette).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    ClickToCall,
    Hangup,
    EditTrunk,
    EditNumber,
    /// Account-level settings: addresses, hooks, forwards, limits, whitelists …
    EditAccount,
}

impl ActionKind {
    pub const ALL: [ActionKind; 5] = [
        ActionKind::ClickToCall,
        ActionKind::Hangup,
        ActionKind::EditTrunk,
        ActionKind::EditNumber,
        ActionKind::EditAccount,
    ];
}

impl Capabilities {
    /// The actions it allows, in [`ActionKind::ALL`] order.
    pub fn actions(&self) -> impl Iterator<Item = ActionKind> + '_ {
        ActionKind::ALL.into_iter().filter(|a| self.allows(*a))
    }

    pub const fn new() -> Self {
        Capabilities {
            resources: 0,
            actions: 0,
        }
    }
    pub const fn with(mut self, r: Resource) -> Self {
        self.resources |= 1 << (r as u8);
        self
    }
    pub const fn with_action(mut self, a: ActionKind) -> Self {
        self.actions |= 1 << (a as u8);
        self
    }
    pub fn offers(&self, r: Resource) -> bool {
        self.resources & (1 << (r as u8)) != 0
    }
    pub fn allows(&self, a: ActionKind) -> bool {
        self.actions & (1 << (a as u8)) != 0
    }
}

pub use crate::fields::{FieldKey, Fields, FieldsBuilder};

/// A row's short text (an id, a number, an account name) or a shown field's value: up to
/// 24 bytes inline, longer on the heap, so most cost no allocation each (issue 14).
pub type FieldText = compact_str::CompactString;

/// One field as the details panel shows it (a row's own fields are [`Fields`]).
pub type Field = (FieldKey, FieldText);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// The provider connection itself (root of the tree).
    Provider,
    /// Customer / tenant / organisation.
    Customer,
    /// Cloudonix domain, VoIPcloud PBX, Callable account …
    Domain,
    SubAccount,
}

/// A node of the account tree: provider → account → sub-accounts/domains.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Account {
    #[serde(skip)]
    pub provider: ProviderId,
    pub id: String,
    pub name: String,
    /// Id of the parent account (None for a top-level account of the provider).
    pub parent: Option<String>,
    pub kind: AccountKind,
    pub active: Option<bool>,
    pub extra: Fields,
}

/// Detail fields named `flow 01`, `flow 02` … carry an account's call flow as lines a
/// provider drew (Callable does); the `:flow` overlay shows them in order.
pub const FLOW_FIELD_PREFIX: &str = "flow ";
/// A flow line that flags a problem (a dangling connection …) contains this mark.
pub const FLOW_PROBLEM_MARK: &str = "⚠";

impl Account {
    /// The call-flow lines of this account (its `flow NN` detail fields in order), each
    /// with whether it flags a problem. Empty when its provider drew no flow for it.
    pub fn flow_lines(&self) -> Vec<(String, bool)> {
        let mut lines: Vec<(u32, &str)> = self
            .extra
            .iter()
            .filter_map(|(k, v)| {
                let n = k.strip_prefix(FLOW_FIELD_PREFIX)?;
                (!n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
                    .then(|| (n.parse::<u32>().unwrap_or(u32::MAX), v))
            })
            .collect();
        lines.sort_by_key(|(n, _)| *n);
        lines
            .into_iter()
            .map(|(_, v)| (v.to_owned(), v.contains(FLOW_PROBLEM_MARK)))
            .collect()
    }
}

/// Call state, in sngrep's vocabulary, shared by every provider adapter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallState {
    Setup,
    Ringing,
    InCall,
    Completed,
    Busy,
    NoAnswer,
    Rejected,
    Cancelled,
    Failed,
    Unknown(String),
}

impl CallState {
    pub fn is_live(&self) -> bool {
        matches!(
            self,
            CallState::Setup | CallState::Ringing | CallState::InCall
        )
    }

    /// A state that says the call is over (completed, busy, no answer …); an unknown
    /// word says neither.
    pub fn is_final(&self) -> bool {
        !self.is_live() && !matches!(self, CallState::Unknown(_))
    }

    pub fn label(&self) -> &str {
        match self {
            CallState::Setup => "setup",
            CallState::Ringing => "ringing",
            CallState::InCall => "in call",
            CallState::Completed => "completed",
            CallState::Busy => "busy",
            CallState::NoAnswer => "no answer",
            CallState::Rejected => "rejected",
            CallState::Cancelled => "cancelled",
            CallState::Failed => "failed",
            CallState::Unknown(s) => s.as_str(),
        }
    }

    /// A symbol so the state reads without colour (NO_COLOR, monochrome terminals).
    pub fn symbol(&self) -> &'static str {
        match self {
            CallState::Setup => "…",
            CallState::Ringing => "◔",
            CallState::InCall => "●",
            CallState::Completed => "✓",
            CallState::Busy => "B",
            CallState::NoAnswer => "∅",
            CallState::Rejected => "⊘",
            CallState::Cancelled => "×",
            CallState::Failed => "!",
            CallState::Unknown(_) => "?",
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
    Internal,
    /// Nothing in the payload says.
    #[default]
    Unknown,
}

impl Direction {
    /// The one normaliser for the free-form direction words providers send (`Inbound`,
    /// `outbound-api`, `incoming`, `IN`, `public-inbound`, `user_inbound_missed` …), in
    /// any casing. A whole word is looked up first, then each of its parts (split at `-`,
    /// `_`, spaces and dots), so `outbound-api` and `user_inbound_missed` read by their
    /// direction part. Unknown words are [`Direction::Unknown`]: "?" only when nothing says.
    pub fn from_text(raw: &str) -> Direction {
        fn word(w: &str) -> Option<Direction> {
            match w {
                "in" | "inbound" | "incoming" | "inward" | "received" | "terminating" => {
                    Some(Direction::Inbound)
                }
                "out" | "outbound" | "outgoing" | "outward" | "dialed" | "dialled"
                | "originating" | "application" | "api" | "click-to-call" | "clicktocall" => {
                    Some(Direction::Outbound)
                }
                "int" | "internal" | "subscriber" | "local" | "extension" | "intra" | "on-net"
                | "onnet" => Some(Direction::Internal),
                _ => None,
            }
        }
        let lower = raw.trim().to_ascii_lowercase();
        if lower.is_empty() {
            return Direction::Unknown;
        }
        if let Some(d) = word(&lower) {
            return d;
        }
        lower
            .split(['-', '_', ' ', '.', '/'])
            .filter(|p| !p.is_empty())
            // The parts that name a direction outright; `api`/`application` alone only
            // as a whole word (a part like `api` in `inbound-api` is not the direction).
            .find_map(|p| match p {
                "in" | "inbound" | "incoming" => Some(Direction::Inbound),
                "out" | "outbound" | "outgoing" => Some(Direction::Outbound),
                "internal" | "intra" | "local" => Some(Direction::Internal),
                _ => None,
            })
            .unwrap_or(Direction::Unknown)
    }

    pub fn label(self) -> &'static str {
        match self {
            Direction::Inbound => "in",
            Direction::Outbound => "out",
            Direction::Internal => "int",
            Direction::Unknown => "?",
        }
    }
}

/// A call, live or ended. Times are Unix epoch milliseconds.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Call {
    #[serde(skip)]
    pub provider: ProviderId,
    /// Id of the account the row belongs to (what requests and forms use). Inline up to
    /// 24 bytes, like the numbers: 10,000 rows cost no allocation for them (issue 14).
    pub account: FieldText,
    /// The account's display name, filled in by the console's fold from the accounts it
    /// holds (empty until that account is known; [`AccountName::account_label`] then
    /// shows the id). Inline up to 24 bytes, like the id.
    pub account_name: FieldText,
    /// The provider's call id (inline up to 24 bytes).
    pub id: FieldText,
    pub from: FieldText,
    pub to: FieldText,
    pub direction: Direction,
    pub state: CallState,
    pub started_at_ms: Option<i64>,
    pub answered_at_ms: Option<i64>,
    pub ended_at_ms: Option<i64>,
    pub extra: Fields,
}

impl Call {
    /// Seconds since the call started (live calls) or its total length (ended calls).
    /// None when unknown: no start, or a call whose state says it ended but whose end
    /// no payload gave (its length is not the time since it started).
    pub fn duration_s(&self, now_ms: i64) -> Option<i64> {
        let start = self.started_at_ms?;
        let end = match self.ended_at_ms {
            Some(end) => end,
            None if self.state.is_final() => return None,
            None => now_ms,
        };
        Some((end.saturating_sub(start) / 1000).max(0))
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Trunk {
    #[serde(skip)]
    pub provider: ProviderId,
    /// Id of the account the row belongs to (what requests and forms use).
    pub account: String,
    /// The account's display name, filled in by the console's fold from the accounts it
    /// holds (empty until that account is known; [`AccountName::account_label`] then
    /// shows the id).
    pub account_name: String,
    pub id: String,
    pub name: String,
    pub host: String,
    pub port: Option<u16>,
    pub transport: String,
    pub direction: String,
    pub prefix: String,
    pub active: Option<bool>,
    pub extra: Fields,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Number {
    #[serde(skip)]
    pub provider: ProviderId,
    /// Id of the account the row belongs to (what requests and forms use).
    pub account: String,
    /// The account's display name, filled in by the console's fold from the accounts it
    /// holds (empty until that account is known; [`AccountName::account_label`] then
    /// shows the id).
    pub account_name: String,
    pub id: String,
    /// The number or pattern as a person reads it (E.164 where known).
    pub number: String,
    /// Where it routes: application, trunk, user, queue …
    pub target: String,
    pub active: Option<bool>,
    pub extra: Fields,
}

/// Queue, ring-group or concurrency statistics. Every metric is optional: providers
/// report different subsets, and the pane prints "-" for what is missing.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct QueueStat {
    #[serde(skip)]
    pub provider: ProviderId,
    /// Id of the account the figures belong to.
    pub account: String,
    /// The account's display name (see [`Call::account_name`]).
    pub account_name: String,
    pub name: String,
    /// "queue", "ring group", "concurrency" …
    pub kind: String,
    pub waiting: Option<u32>,
    pub active: Option<u32>,
    pub answered: Option<u32>,
    pub abandoned: Option<u32>,
    pub total: Option<u32>,
    pub max_concurrency: Option<u32>,
    pub longest_wait_s: Option<u32>,
    /// Calls that waited until the queue's timeout.
    pub timed_out: Option<u32>,
    pub avg_wait_s: Option<u32>,
    pub avg_talk_s: Option<u32>,
    /// Average whole-call length (ringing + talking).
    pub avg_call_s: Option<u32>,
    /// The period the figures cover, as shown ("15 min", "1 h", "today", "2026-11-21").
    pub period: String,
    /// Calls answered per agent, most first.
    pub per_agent: Vec<(String, u32)>,
    /// Calls per interval, oldest first (drawn as a sparkline).
    pub series: Vec<u32>,
    pub extra: Fields,
}

/// Rows that belong to an account: their account id and the display name the fold
/// resolved for it.
pub trait AccountName {
    fn account_id(&self) -> &str;
    fn set_account_name(&mut self, name: &str);
    fn account_name(&self) -> &str;
    /// What an Account column shows: the name, or the id while the account is unknown.
    fn account_label(&self) -> &str {
        let name = self.account_name();
        if name.is_empty() {
            self.account_id()
        } else {
            name
        }
    }
}

macro_rules! account_name {
    ($($t:ty),*) => {$(
        impl AccountName for $t {
            fn account_id(&self) -> &str {
                &self.account
            }
            fn set_account_name(&mut self, name: &str) {
                self.account_name.clear();
                self.account_name.push_str(name);
            }
            fn account_name(&self) -> &str {
                &self.account_name
            }
        }
    )*};
}
account_name!(Call, Trunk, Number, QueueStat);

/// The detail field holding a number exactly as its provider sent it, when the shown
/// `number` differs (a `+` added): forms that send the number back read it from here.
pub const NUMBER_AS_SENT: &str = "number as sent";

impl Number {
    /// The number as the provider stores it (what a form sends back unchanged).
    pub fn as_sent(&self) -> &str {
        self.extra.get(NUMBER_AS_SENT).unwrap_or(&self.number)
    }
}

#[cfg(test)]
mod flow_tests {
    use super::*;

    #[test]
    fn flow_lines_come_in_number_order_with_their_problem_flag() {
        let account = Account {
            provider: ProviderId(0),
            id: "a".into(),
            name: "a".into(),
            parent: None,
            kind: AccountKind::Domain,
            active: None,
            extra: vec![
                ("flow 10".into(), "tenth".into()),
                (
                    "flow 02".into(),
                    format!("second {FLOW_PROBLEM_MARK} dangling").into(),
                ),
                ("flow Start".into(), "not a line".into()),
                ("flow 1".into(), "first".into()),
                ("owner".into(), "x".into()),
            ]
            .into(),
        };
        assert_eq!(
            account.flow_lines(),
            vec![
                ("first".to_string(), false),
                (format!("second {FLOW_PROBLEM_MARK} dangling"), true),
                ("tenth".to_string(), false),
            ]
        );
    }
}
