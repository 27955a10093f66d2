//! Everything the screen shows, in one struct. Only `update` changes it; rendering reads it.

pub mod columns;
pub mod export;
pub mod filter;
pub mod help_text;
pub mod history;
pub mod layout;
pub mod names;
pub mod symbols;
pub mod table;

use std::collections::BTreeMap;

pub use crate::command::pinned_reason;
use crate::model::{
    Call, Capabilities, Number, ProviderId, ProviderKind, QueueStat, Resource, Trunk,
};
use crate::providers::JobKey;
pub use crate::scheduler::BudgetView;
use columns::{
    ACCOUNT_COLUMNS, AccountRow, HISTORY_COLUMNS, LIVE_CALL_COLUMNS, NUMBER_COLUMNS, QUEUE_COLUMNS,
    TRUNK_COLUMNS,
};
use table::{Ctx, Sort, TableView};

/// What kind of failure an error is. It decides the error's symbol (the same one the
/// status bar and the help legend use) and what clears it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ErrorKind {
    /// A 5xx, 403, 404 … for one job: the provider answers, that request failed.
    Failing,
    /// The body could not be read (malformed, wrong shape, an HTML page, over a cap, a
    /// redirect).
    Unreadable,
    /// 429: the provider's own limit was hit; polls of the scope pause.
    RateLimited,
    /// Connection refused, reset, DNS, TLS, timeout; or the provider cannot be polled.
    Unreachable,
    /// 401: the key or token was rejected.
    Auth,
}

impl ErrorKind {
    pub fn of(e: &crate::providers::ProviderError) -> ErrorKind {
        use crate::providers::ProviderError as E;
        match e {
            E::Unauthorized(_) => ErrorKind::Auth,
            E::RateLimited { .. } => ErrorKind::RateLimited,
            E::Connect(_) | E::Timeout(_) => ErrorKind::Unreachable,
            // Not what was asked for: a redirect, a body or list over its cap, an HTML
            // page. Per request, like a body that does not parse.
            E::Decode(_) | E::Unexpected(_) => ErrorKind::Unreadable,
            E::Forbidden(_)
            | E::NotFound(_)
            | E::BadRequest(_)
            | E::Server { .. }
            | E::Refused(_) => ErrorKind::Failing,
        }
    }

    /// The provider's state while this is its worst error.
    pub fn symbol(self) -> &'static str {
        match self {
            ErrorKind::Failing => symbols::DEGRADED,
            ErrorKind::Unreadable => symbols::UNREADABLE,
            ErrorKind::RateLimited => symbols::RATE_LIMITED,
            ErrorKind::Unreachable => symbols::UNREACHABLE,
            ErrorKind::Auth => symbols::FAILED,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ErrorKind::Failing => "degraded",
            ErrorKind::Unreadable => "unreadable",
            ErrorKind::RateLimited => "rate-limited",
            ErrorKind::Unreachable => "unreachable",
            ErrorKind::Auth => "auth failed",
        }
    }

    /// About the provider as a whole (its link, its key, its limit) rather than one
    /// request: any success from the provider clears it, on every job.
    pub fn is_link(self) -> bool {
        matches!(
            self,
            ErrorKind::Auth | ErrorKind::Unreachable | ErrorKind::RateLimited
        )
    }
}

/// An error as the panes show it: its kind, its text and when it was seen.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub kind: ErrorKind,
    pub text: String,
    /// When this run of failures started (the first failure since the last success).
    pub since_ms: i64,
    /// When it was last seen.
    pub at_ms: i64,
}

impl Failure {
    pub fn new(kind: ErrorKind, text: impl Into<String>, at_ms: i64) -> Failure {
        Failure {
            kind,
            text: text.into(),
            since_ms: at_ms,
            at_ms,
        }
    }

    /// "12 s ago", or "12 s ago, since 5 min ago" when it has been failing for a minute
    /// or more. Computed from `now_ms` (the state's clock), never the system clock.
    pub fn age(&self, now_ms: i64) -> String {
        let last = crate::format::age(self.at_ms, now_ms);
        if self.at_ms - self.since_ms >= 60_000 {
            format!(
                "{last}, since {}",
                crate::format::age(self.since_ms, now_ms)
            )
        } else {
            last
        }
    }
}

/// Connection state of one provider, as the status bar shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum ConnState {
    Connecting,
    Ok,
    /// Some jobs fail (5xx, 403 …); the message is the latest error.
    Degraded(String),
    /// A 429 was received; polling of the scope pauses until `until_ms`.
    RateLimited {
        until_ms: i64,
    },
    AuthFailed(String),
    /// The provider cannot be reached (connection refused, timeout, TLS …).
    Unreachable(String),
    /// The provider answers with bodies that cannot be read.
    Unreadable(String),
}

impl ConnState {
    /// The state an error of `kind` puts the provider in.
    pub fn of(f: &Failure) -> ConnState {
        match f.kind {
            ErrorKind::Failing => ConnState::Degraded(f.text.clone()),
            ErrorKind::Unreadable => ConnState::Unreadable(f.text.clone()),
            // A 429 whose pause is over but no success came yet.
            ErrorKind::RateLimited => ConnState::RateLimited { until_ms: f.at_ms },
            ErrorKind::Unreachable => ConnState::Unreachable(f.text.clone()),
            ErrorKind::Auth => ConnState::AuthFailed(f.text.clone()),
        }
    }

    /// The kind of error behind this state (None: connecting or ok).
    pub fn error_kind(&self) -> Option<ErrorKind> {
        match self {
            ConnState::Connecting | ConnState::Ok => None,
            ConnState::Degraded(_) => Some(ErrorKind::Failing),
            ConnState::RateLimited { .. } => Some(ErrorKind::RateLimited),
            ConnState::AuthFailed(_) => Some(ErrorKind::Auth),
            ConnState::Unreachable(_) => Some(ErrorKind::Unreachable),
            ConnState::Unreadable(_) => Some(ErrorKind::Unreadable),
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            ConnState::Connecting => "connecting",
            ConnState::Ok => "ok",
            other => other.error_kind().map_or("", ErrorKind::label),
        }
    }

    /// A symbol so the state reads without colour (an error line on a pane uses the same
    /// symbol for its kind).
    pub fn symbol(&self) -> &'static str {
        match self {
            ConnState::Connecting => symbols::CONNECTING,
            ConnState::Ok => symbols::OK,
            other => other.error_kind().map_or("", ErrorKind::symbol),
        }
    }

    /// Every state, for the legend (help overlay, README).
    pub fn legend() -> [ConnState; 7] {
        [
            ConnState::Ok,
            ConnState::Connecting,
            ConnState::Degraded(String::new()),
            ConnState::RateLimited { until_ms: 0 },
            ConnState::AuthFailed(String::new()),
            ConnState::Unreachable(String::new()),
            ConnState::Unreadable(String::new()),
        ]
    }
}

/// How one polling job is doing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JobStatus {
    pub last_ok_ms: Option<i64>,
    /// The job's current error; cleared by its next success (and, for errors about the
    /// provider's link, by any success of the provider).
    pub last_error: Option<Failure>,
    /// The newest result applied (older ones arriving late are dropped).
    pub last_seq: u64,
    /// Data older than this many ms is shown as stale.
    pub stale_after_ms: i64,
}

impl JobStatus {
    pub fn is_stale(&self, now_ms: i64) -> bool {
        match self.last_ok_ms {
            Some(t) => now_ms - t > self.stale_after_ms,
            None => false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ProviderState {
    pub id: ProviderId,
    pub name: String,
    pub kind: ProviderKind,
    pub caps: Capabilities,
    pub conn: ConnState,
    /// Bumped when the provider's data is reset; results from an older epoch are dropped.
    pub epoch: u64,
    pub jobs: BTreeMap<JobKey, JobStatus>,
    pub budget: BudgetView,
    pub last_ok_ms: Option<i64>,
    /// An error about the provider as a whole (it cannot be polled, its link failed, a
    /// 429), shown on every pane it feeds until any success of the provider clears it.
    pub link_error: Option<Failure>,
    /// `read_only = true` in this provider's config table: never writable from here.
    pub config_read_only: bool,
}

impl ProviderState {
    /// How this provider looks for alerting: failing, signed out, data stale.
    pub fn alert_seen(&self, now_ms: i64) -> crate::alerts::Seen {
        crate::alerts::Seen {
            degraded: matches!(
                self.conn,
                ConnState::Degraded(_) | ConnState::Unreachable(_) | ConnState::Unreadable(_)
            ),
            auth: matches!(self.conn, ConnState::AuthFailed(_)),
            stale: self.jobs.values().any(|j| j.is_stale(now_ms)),
        }
    }

    /// The failure's text an alert carries (empty when the provider is not failing).
    pub fn alert_reason(&self) -> String {
        match &self.conn {
            ConnState::Degraded(t)
            | ConnState::AuthFailed(t)
            | ConnState::Unreachable(t)
            | ConnState::Unreadable(t) => crate::format::truncate_chars(t, 120),
            _ => String::new(),
        }
    }

    pub fn new(id: ProviderId, name: &str, kind: ProviderKind, caps: Capabilities) -> Self {
        ProviderState {
            id,
            name: name.to_string(),
            kind,
            caps,
            conn: ConnState::Connecting,
            epoch: 0,
            jobs: BTreeMap::new(),
            budget: BudgetView::default(),
            last_ok_ms: None,
            link_error: None,
            config_read_only: false,
        }
    }

    /// Oldest successful refresh among the jobs that feed `resource` (None: never loaded).
    pub fn data_time(&self, resource: Resource) -> Option<i64> {
        self.jobs
            .iter()
            .filter(|(k, _)| k.kind.feeds().contains(&resource))
            .map(|(_, s)| s.last_ok_ms)
            .min()
            .flatten()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing into the `/` filter of the focused pane.
    Filter,
}

#[derive(Debug, PartialEq)]
pub enum Overlay {
    Help,
    /// The `:` command palette (its state lives in `State::palette`).
    Palette,
    /// An operator form or Cancel-first confirmation (edit trunk, call, hang up …).
    Form(Box<FormOverlay>),
    /// `:write`: confirm time-limited write mode. `apply` is the focused button.
    ConfirmWrite {
        apply: bool,
    },
    /// Alerts raised so far, newest first (`:alerts`).
    Alerts {
        scroll: u16,
    },
    /// Built-in and user themes (`:theme`).
    Themes {
        lines: Vec<crate::model::Field>,
        scroll: u16,
    },
    /// The newest audit log lines (newest first).
    Audit {
        entries: Vec<crate::audit::AuditEntry>,
        scroll: u16,
    },
    /// An account's call flow (`:flow`), lines drawn by the provider; `true` = a line
    /// flagging a dangling reference.
    Flow {
        title: String,
        lines: Vec<(String, bool)>,
        scroll: u16,
    },
    /// The number trace of `query` (`:trace`), recomputed from the state at every frame
    /// (`trace::trace`), so live calls stay live.
    Trace {
        query: String,
        scroll: u16,
    },
    /// Every field of the selected row.
    Details {
        title: String,
        fields: Vec<crate::model::Field>,
        scroll: u16,
    },
}

/// An open operator form: the form, whose provider it is for and what it will do.
#[derive(Debug, PartialEq)]
pub struct FormOverlay {
    pub form: crate::form::Form,
    pub provider: ProviderId,
    /// What it will do when applied (the provider's own description, see
    /// [`crate::providers::forms`]).
    pub target: crate::providers::forms::ProviderTarget,
    /// The mutation built when the form reached its review step, and the target and
    /// values it was built from (what an attached console sends the collector).
    pub mutation: Option<(
        crate::providers::Mutation,
        Box<crate::change_wire::ChangeRequest>,
    )>,
    /// Tags previews and results so a late answer for a closed form is dropped.
    pub ticket: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

/// The one-line message under the panes (refresh answers, errors …).
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub text: String,
    pub level: Level,
    pub at_ms: i64,
}

pub struct Tables {
    pub accounts: TableView<AccountRow>,
    pub live: TableView<Call>,
    pub history: TableView<Call>,
    pub trunks: TableView<Trunk>,
    pub numbers: TableView<Number>,
    pub queues: TableView<QueueStat>,
}

impl Default for Tables {
    fn default() -> Self {
        let asc = |column| {
            Some(Sort {
                column,
                descending: false,
            })
        };
        let desc = |column| {
            Some(Sort {
                column,
                descending: true,
            })
        };
        Tables {
            accounts: TableView::new(ACCOUNT_COLUMNS, None),
            // Longest-running live calls first; newest history first.
            live: TableView::new(LIVE_CALL_COLUMNS, desc(6)),
            history: TableView::new(HISTORY_COLUMNS, desc(6)),
            // By name, so rows keep their place when a refresh replaces them.
            trunks: TableView::new(TRUNK_COLUMNS, asc(0)),
            numbers: TableView::new(NUMBER_COLUMNS, asc(0)),
            queues: TableView::new(QUEUE_COLUMNS, asc(0)),
        }
    }
}

/// Whether changes may be sent. The console can start read-only (`--read-only` or
/// `read_only = true`); `:write` lifts that for a limited time. A provider marked
/// `read_only` in its own config table stays read-only regardless.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriteMode {
    pub read_only: bool,
    /// While set and in the future, changes are allowed despite `read_only`.
    pub write_until_ms: Option<i64>,
}

impl WriteMode {
    pub fn writable(&self, now_ms: i64) -> bool {
        !self.read_only || self.write_until_ms.is_some_and(|t| t > now_ms)
    }
}

pub struct State {
    /// Wall clock (epoch ms) as of the last tick: ages and live durations use it.
    pub now_ms: i64,
    pub focus: Resource,
    pub mode: Mode,
    pub overlay: Option<Overlay>,
    pub providers: Vec<ProviderState>,
    /// Provider names by `ProviderId`, for cells.
    pub provider_names: Vec<String>,
    pub tables: Tables,
    /// The text being typed in the filter prompt (applied live to the focused pane).
    pub filter_input: tui_input::Input,
    pub message: Option<Message>,
    /// The provider failure the message line reports (provider, job — None for the
    /// provider as a whole —, kind, text): the line shows the kind's symbol, and the
    /// success that clears the error clears the message too.
    pub message_failure: Option<(ProviderId, Option<JobKey>, ErrorKind, String)>,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    pub tz: jiff::tz::TimeZone,
    pub quit: bool,
    /// Every pane narrowed to one provider or account (None: all).
    pub scope: Option<table::Scope>,
    pub write: WriteMode,
    /// Where the log and audit files are, for `:paths`.
    pub paths: Vec<(String, String)>,
    /// Last ticket handed to an operator form (tags its previews and results).
    pub tickets: u64,
    /// Effective key bindings (defaults plus the config's `[keys]`).
    pub keymap: crate::keymap::Keymap,
    /// The command palette (kept while closed, for its history).
    pub palette: crate::palette::Palette,
    /// Set by `update` when something visible changed; the loop redraws and clears it.
    pub dirty: bool,
    /// Accounts whose sub-accounts are folded away, by (provider, account id).
    pub collapsed: std::collections::BTreeSet<(ProviderId, String)>,
    /// The period the Queues pane's computed figures cover (`stats.window`).
    pub stats_window: crate::stats::StatsWindow,
    /// From the config's `[stats]` section.
    pub thresholds: crate::stats::Thresholds,
    /// A queue newly crossed a threshold and `[stats] bell = true`: the app rings the
    /// terminal bell after the next frame (like `dirty`, consumed by the app).
    pub bell: bool,
    /// Today's queue / ring-group calls per (provider, account), kept so a window switch
    /// recomputes the figures without a request.
    pub group_calls:
        std::collections::BTreeMap<(ProviderId, String), Vec<crate::stats::GroupCallRecord>>,
    /// Provider-only details per (provider, account) from the newest applied result, for
    /// that provider's forms (see `providers::ProviderDetails`).
    pub details: BTreeMap<(ProviderId, String), crate::providers::ProviderDetails>,
    /// Account display names by (provider, id), for the rows' Account columns.
    pub account_names: names::AccountNames,
    /// The history store's calls on the number last traced (its digits), so the trace
    /// finds calls older than the History pane keeps.
    pub trace_history: Option<(String, Vec<Call>)>,
    /// Finished calls the History pane keeps (the newest; `[ui] history_rows`, set by
    /// the console; unlimited otherwise).
    pub history_rows: usize,
    /// The status bar shows key hints (`--no-hints` hides them, for wall screens).
    pub hints: bool,
    /// Draw every symbol as its ASCII twin (`[ui] ascii`, or a locale that is not UTF-8).
    pub ascii: bool,
    /// Alerts raised so far, the banner and what the app still has to signal.
    pub alerts: crate::alerts::Alerts,
    /// The help overlay's first line shown.
    pub help_scroll: u16,
    /// The file the last `:export` wrote, until `y` copies its path or another message.
    pub last_export: Option<String>,
    /// Theme directories searched for user themes, and the theme in use (for `:theme`).
    pub themes: (Vec<std::path::PathBuf>, String),
    /// The call-history store's calls the History pane shows beside each poll's (None:
    /// no store, or not loaded yet).
    pub stored_history: Option<history::StoredHistory>,
    /// Attached to a collector (`--connect`): its host and link. None in local mode.
    pub attached: Option<crate::attach::link::Attached>,
}

/// Where the console opens: the start flags (`--pane`, `--scope`, `--filter`,
/// `--no-hints`) and `[ui] start_pane`; applied once by `update::open_view`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartView {
    /// The pane in focus (None: Live calls).
    pub pane: Option<Resource>,
    /// `provider` or `provider/account-id`, as `:scope` takes it.
    pub scope: Option<String>,
    /// The start pane's filter, as typed after `/`.
    pub filter: Option<String>,
    /// Key hints in the status bar.
    pub hints: bool,
}

impl Default for StartView {
    fn default() -> Self {
        StartView {
            pane: None,
            scope: None,
            filter: None,
            hints: true,
        }
    }
}

impl State {
    pub fn new(providers: Vec<ProviderState>, now_ms: i64) -> State {
        let provider_names = providers.iter().map(|p| p.name.clone()).collect();
        State {
            now_ms,
            focus: Resource::LiveCalls,
            mode: Mode::Normal,
            overlay: None,
            providers,
            provider_names,
            tables: Tables::default(),
            filter_input: tui_input::Input::default(),
            message: None,
            message_failure: None,
            size: (80, 24),
            tz: crate::clock::time_zone(),
            quit: false,
            scope: None,
            write: WriteMode::default(),
            paths: Vec::new(),
            tickets: 0,
            keymap: crate::keymap::Keymap::default(),
            palette: crate::palette::Palette::default(),
            dirty: true,
            collapsed: Default::default(),
            stats_window: Default::default(),
            thresholds: Default::default(),
            bell: false,
            group_calls: Default::default(),
            details: BTreeMap::new(),
            account_names: Default::default(),
            // No cap unless the console sets one: `snapshot`, `trace` and `serve` fold
            // into a `State` too and must keep every finished call.
            history_rows: usize::MAX,
            trace_history: None,
            hints: true,
            ascii: false,
            alerts: Default::default(),
            help_scroll: 0,
            last_export: None,
            themes: Default::default(),
            stored_history: None,
            attached: None,
        }
    }

    pub fn ctx(&self) -> Ctx<'_> {
        Ctx {
            now_ms: self.now_ms,
            provider_names: &self.provider_names,
            tz: &self.tz,
            thresholds: self.thresholds,
        }
    }

    /// The selected row's provider in the focused pane.
    pub fn selected_provider(&self) -> Option<ProviderId> {
        let t = &self.tables;
        match self.focus {
            Resource::Accounts => t.accounts.selected_row().map(|r| r.account.provider),
            Resource::LiveCalls => t.live.selected_row().map(|r| r.provider),
            Resource::CallHistory => t.history.selected_row().map(|r| r.provider),
            Resource::Trunks => t.trunks.selected_row().map(|r| r.provider),
            Resource::Numbers => t.numbers.selected_row().map(|r| r.provider),
            Resource::Queues => t.queues.selected_row().map(|r| r.provider),
        }
    }

    /// What decides whether a command can run now: pane, selection, provider, read-only.
    pub fn command_ctx(&self) -> crate::command::CommandCtx<'_> {
        let p = self.selected_provider().and_then(|id| self.provider(id));
        let read_only = match p {
            Some(p) => self.read_only_reason(p.id).is_some(),
            None => !self.write.writable(self.now_ms),
        };
        crate::command::CommandCtx {
            focus: self.focus,
            read_only,
            pinned: p.is_some_and(|p| p.config_read_only),
            attached: self.attached.as_ref().and_then(|a| a.refusal()),
            selected_caps: p.map(|p| p.caps),
            has_selection: p.is_some(),
            provider_name: p.map(|p| p.name.as_str()),
        }
    }

    /// Why changes to `provider` are refused right now, or None when they are allowed.
    pub fn read_only_reason(&self, provider: ProviderId) -> Option<String> {
        match self.provider(provider) {
            _ if let Some(why) = self.attached.as_ref().and_then(|a| a.refusal()) => {
                Some(why.to_string())
            }
            Some(p) if p.config_read_only => Some(pinned_reason(&p.name)),
            _ if !self.write.writable(self.now_ms) => {
                Some("read-only mode: :write enables changes for 10 minutes".to_string())
            }
            _ => None,
        }
    }

    /// Providers pinned read-only in their own config table (`:write` leaves them so).
    pub fn pinned_names(&self) -> Vec<&str> {
        self.providers
            .iter()
            .filter(|p| p.config_read_only)
            .map(|p| p.name.as_str())
            .collect()
    }

    pub fn provider(&self, id: ProviderId) -> Option<&ProviderState> {
        self.providers.get(id.0 as usize)
    }

    /// Providers that do not offer `resource` (the pane names them instead of an empty table).
    pub fn not_offering(&self, resource: Resource) -> Vec<&ProviderState> {
        self.providers
            .iter()
            .filter(|p| !p.caps.offers(resource))
            .collect()
    }

    /// Oldest data time for `resource` across providers that offer it.
    pub fn data_time(&self, resource: Resource) -> Option<i64> {
        self.providers
            .iter()
            .filter(|p| p.caps.offers(resource))
            .filter_map(|p| p.data_time(resource))
            .min()
    }

    /// True when a row's slice is older than its stale limit.
    pub fn is_stale(&self, provider: ProviderId, resource: Resource, account: &str) -> bool {
        let Some(p) = self.provider(provider) else {
            return false;
        };
        p.jobs
            .iter()
            .filter(|(k, _)| k.kind.feeds().contains(&resource))
            .filter(|(k, _)| k.scope.is_empty() || k.scope == account)
            .any(|(_, s)| s.is_stale(self.now_ms))
    }

    /// Number of rows in the pane for `resource` after filtering.
    pub fn row_count(&self, resource: Resource) -> usize {
        match resource {
            Resource::Accounts => self.tables.accounts.view.len(),
            Resource::LiveCalls => self.tables.live.view.len(),
            Resource::CallHistory => self.tables.history.view.len(),
            Resource::Trunks => self.tables.trunks.view.len(),
            Resource::Numbers => self.tables.numbers.view.len(),
            Resource::Queues => self.tables.queues.view.len(),
        }
    }
}
