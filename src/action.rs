//! Everything that can happen to the console: key presses, ticks, and results from the
//! background pollers. `update` handles each in one `match`.

use std::time::Duration;

use ratatui::crossterm::event::KeyEvent;

use crate::model::{ProviderId, Resource};
use crate::providers::ProviderError;
use crate::scheduler::BudgetView;

#[derive(Debug)]
pub enum Action {
    Key(KeyEvent),
    Paste(String),
    Resize(u16, u16),
    /// The clock moved on (epoch ms). Live durations and data ages follow it.
    Tick(i64),
    /// A poller finished a job.
    Fetched(Box<Fetched>),
    /// A poller's budget changed (after a request, or as its window slides).
    Budget {
        provider: ProviderId,
        budget: BudgetView,
    },
    /// A poller paused a scope after a 429 until `until_ms`.
    RateLimited {
        provider: ProviderId,
        until_ms: i64,
    },
    /// Answer to a manual refresh: `None` = started now; `Some(d)` = budget allows it in `d`.
    RefreshAnswer {
        provider: ProviderId,
        wait: Option<Duration>,
    },
    /// A line for the message bar (config warnings at start-up …).
    Notice {
        level: crate::state::Level,
        text: String,
    },
    /// The request preview for form `ticket`.
    Previewed {
        ticket: u64,
        result: Result<crate::providers::RequestPreview, ProviderError>,
    },
    /// A mutation's answer.
    Mutated {
        ticket: u64,
        provider: ProviderId,
        command: String,
        result: Result<crate::providers::MutationOutcome, ProviderError>,
    },
    /// The newest audit lines, for the overlay.
    AuditLoaded(Vec<crate::audit::AuditEntry>),
    /// `:export` finished: the file written, or why not.
    Exported(Result<(String, usize), String>),
    /// The call-history store's calls of the last days (read off the UI thread).
    HistoryLoaded(Vec<crate::model::Call>),
    /// A write to the call-history store failed: the calls of that batch count as not
    /// stored, so the next polls send them again (the store ignores a call it holds).
    HistoryWriteFailed,
    /// The history store's newest calls on a number (digits as asked), for the trace.
    HistoryOfNumber {
        number: String,
        calls: Vec<crate::model::Call>,
    },
    /// The collector's feed (attached mode): its link, a snapshot or a change.
    Feed(Box<crate::attach::client::FeedMsg>),
    /// A provider cannot be polled at all (bad config for it, client build failed).
    ProviderDown {
        provider: ProviderId,
        message: String,
    },
}

pub use crate::poller::Fetched;

/// A poller's event is the console's action of the same name.
impl From<crate::poller::Event> for Action {
    fn from(e: crate::poller::Event) -> Action {
        use crate::poller::Event;
        match e {
            Event::Fetched(f) => Action::Fetched(f),
            Event::Budget {
                provider, budget, ..
            } => Action::Budget { provider, budget },
            Event::RateLimited { provider, until_ms } => Action::RateLimited { provider, until_ms },
            Event::RefreshAnswer { provider, wait } => Action::RefreshAnswer { provider, wait },
        }
    }
}

/// What `update` asks the outside world to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Build the exact request of a mutation for the form's review step. `form` is what
    /// built it (the form's target and values), which an attached console sends to the
    /// collector instead.
    Preview {
        provider: ProviderId,
        mutation: crate::providers::Mutation,
        form: Box<crate::change_wire::ChangeRequest>,
        ticket: u64,
    },
    /// Send a mutation, once, and audit it (attached: the collector sends `form`'s).
    Mutate {
        provider: ProviderId,
        mutation: crate::providers::Mutation,
        form: Box<crate::change_wire::ChangeRequest>,
        ticket: u64,
    },
    /// Record a mutation refused before sending (read-only).
    AuditRefused {
        provider: ProviderId,
        mutation: crate::providers::Mutation,
        reason: String,
    },
    /// Switch the HTTP layer's read-only guard of every provider (not config-read-only ones).
    SetWritable(bool),
    /// Append this line to the audit log (a change refused before a form opened: who
    /// tried what on which object, and why not).
    Audit(Box<crate::audit::AuditEntry>),
    /// Record a write-mode change in the audit log.
    AuditNote {
        command: String,
        message: String,
    },
    /// Copy text to the clipboard (OSC 52: works over SSH and in tmux).
    Copy(String),
    /// Read the newest audit lines for the overlay.
    LoadAudit,
    /// Read the history store's calls on a number (for the trace's "last calls": the
    /// History pane keeps only the newest finished calls).
    LookupHistory {
        number: String,
    },
    /// Write an export (`:export`) into the state directory under `name`.
    Export {
        name: String,
        bytes: Vec<u8>,
        rows: usize,
    },
    /// Refresh what is on screen now, within the budget: one provider (after a change
    /// there) or all of them (`r`).
    RefreshNow(Option<ProviderId>),
    /// The focused pane changed: pollers give its resources priority.
    Visible(Resource),
    Quit,
}
