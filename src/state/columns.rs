//! The column tables of every pane, and how each row type describes itself. Sorting,
//! filtering (in `table`) and rendering (in `ui`) all read these tables.

use crate::format;
use crate::model::{
    Account, AccountKind, AccountName, Call, Field, Fields, Number, ProviderId, QueueStat, Trunk,
};
use crate::state::table::{Column, Ctx, Row, SortKey};

fn text(s: &str) -> SortKey {
    SortKey::Text(s.to_lowercase())
}

fn int(v: Option<i64>) -> SortKey {
    v.map(SortKey::Int).unwrap_or(SortKey::None)
}

/// The details field with a row's account id, shown beside its name.
const ACCOUNT_ID: &str = "account id";

fn with_extra(mut base: Vec<Field>, extra: &Fields) -> Vec<Field> {
    base.retain(|(k, v)| !(k == ACCOUNT_ID && v.is_empty()));
    base.extend(extra.iter().map(|(k, v)| (k.to_owned().into(), v.into())));
    base
}

fn f(k: impl Into<crate::model::FieldKey>, v: impl Into<String>) -> Field {
    (k.into(), v.into().into())
}

/// The account id beside its name in details; empty (the field is left out) when the
/// name is the id (an account the tree does not hold, or one named by its id).
fn account_id(r: &impl AccountName) -> String {
    if r.account_label() == r.account_id() {
        String::new()
    } else {
        r.account_id().to_owned()
    }
}

fn time_field(ms: Option<i64>, ctx: &Ctx) -> String {
    ms.map(|m| format::clock(m, ctx.now_ms, ctx.tz))
        .unwrap_or_else(|| "-".into())
}

// ---------------------------------------------------------------- accounts

/// An account tree node with its depth, rows kept in tree order.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountRow {
    pub account: Account,
    pub depth: u8,
    /// Position in the provider's tree (rows are kept ordered by provider, then this).
    pub order: u32,
    /// Its sub-accounts are folded away (`tree.toggle`).
    pub collapsed: bool,
    /// Under a collapsed account: not shown.
    pub hidden: bool,
    /// The parent account's display name (empty: no parent, or one the tree lacks).
    pub parent_name: String,
}

impl Row for AccountRow {
    fn provider(&self) -> ProviderId {
        self.account.provider
    }
    fn account(&self) -> &str {
        &self.account.id
    }
    fn id(&self) -> &str {
        &self.account.id
    }
    fn hidden(&self) -> bool {
        self.hidden
    }
    fn fields(&self, ctx: &Ctx) -> Vec<Field> {
        let a = &self.account;
        with_extra(
            vec![
                f("provider", ctx.provider_name(a.provider)),
                f("id", a.id.clone()),
                f("name", a.name.clone()),
                f("kind", kind_label(a.kind)),
                f("parent", parent_label(self)),
                f("active", format::opt_bool(a.active)),
            ],
            &a.extra,
        )
    }
}

/// The parent as people read it: `Name (id)`, the id alone when its name is unknown,
/// `-` for a top-level account.
fn parent_label(r: &AccountRow) -> String {
    match (&r.account.parent, r.parent_name.as_str()) {
        (None, _) => "-".into(),
        (Some(id), "") => id.clone(),
        (Some(id), name) if name == id => id.clone(),
        (Some(id), name) => format!("{name} ({id})"),
    }
}

/// `  (2 sub · 3 users · Zakelijk (EUR))` from the tree facts a provider reports
/// (`sub-customers`, `users`, `tariffplan` extra fields); empty when it reports none.
fn tree_summary(a: &crate::model::Account) -> String {
    let get = |k: &str| a.extra.get(k).filter(|v| !v.is_empty() && *v != "-");
    let mut parts = Vec::new();
    if let Some(n) = get("sub-customers").filter(|n| *n != "0") {
        parts.push(format!("{n} sub"));
    }
    if let Some(n) = get("users") {
        parts.push(format!("{n} users"));
    }
    if let Some(t) = get("tariffplan") {
        parts.push(t.to_string());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("  ({})", parts.join(" · "))
    }
}

pub fn kind_label(k: AccountKind) -> &'static str {
    match k {
        AccountKind::Provider => "provider",
        AccountKind::Customer => "customer",
        AccountKind::Domain => "domain",
        AccountKind::SubAccount => "sub-account",
    }
}

pub static ACCOUNT_COLUMNS: &[Column<AccountRow>] = &[
    Column {
        title: "Name",
        width: 36,
        drop: 0,
        text: |r, _| {
            let indent = "  ".repeat(r.depth as usize);
            use crate::state::symbols::{CHILD, FOLDED, UNFOLDED};
            let mark = if r.collapsed {
                FOLDED
            } else if r.depth == 0 {
                UNFOLDED
            } else {
                CHILD
            };
            format!(
                "{indent}{mark} {}{}",
                r.account.name,
                tree_summary(&r.account)
            )
        },
        sort: |r, _| text(&r.account.name),
    },
    Column {
        title: "Kind",
        width: 11,
        drop: 0,
        text: |r, _| kind_label(r.account.kind).to_string(),
        sort: |r, _| text(kind_label(r.account.kind)),
    },
    Column {
        title: "Provider",
        width: 14,
        drop: 2,
        text: |r, c| c.provider_name(r.account.provider).to_string(),
        sort: |r, c| text(c.provider_name(r.account.provider)),
    },
    Column {
        title: "Active",
        width: 6,
        drop: 1,
        text: |r, _| format::opt_bool(r.account.active).to_string(),
        sort: |r, _| text(format::opt_bool(r.account.active)),
    },
    Column {
        title: "Id",
        width: 24,
        drop: 3,
        text: |r, _| r.account.id.clone(),
        sort: |r, _| text(&r.account.id),
    },
];

// ---------------------------------------------------------------- calls

impl Row for Call {
    fn provider(&self) -> ProviderId {
        self.provider
    }
    fn account(&self) -> &str {
        &self.account
    }
    fn started_ms(&self) -> Option<i64> {
        self.started_at_ms
    }
    fn id(&self) -> &str {
        &self.id
    }
    fn fields(&self, ctx: &Ctx) -> Vec<Field> {
        with_extra(
            vec![
                f("provider", ctx.provider_name(self.provider)),
                f("account", self.account_label()),
                f(ACCOUNT_ID, account_id(self)),
                f("id", self.id.clone()),
                f("state", self.state.label()),
                f("direction", self.direction.label()),
                f("from", self.from.clone()),
                f("to", self.to.clone()),
                f("started", time_field(self.started_at_ms, ctx)),
                f("answered", time_field(self.answered_at_ms, ctx)),
                f("ended", time_field(self.ended_at_ms, ctx)),
                f(
                    "duration",
                    self.duration_s(ctx.now_ms)
                        .map(format::duration)
                        .unwrap_or_else(|| "-".into()),
                ),
            ],
            &self.extra,
        )
    }
}

fn state_cell(c: &Call) -> String {
    format!("{} {}", c.state.symbol(), c.state.label())
}

/// Live calls: duration ticks locally from the start time between polls.
pub static LIVE_CALL_COLUMNS: &[Column<Call>] = &[
    Column {
        title: "State",
        width: 10,
        drop: 0,
        text: |c, _| state_cell(c),
        sort: |c, _| text(c.state.label()),
    },
    Column {
        title: "Provider",
        width: 12,
        drop: 3,
        text: |c, x| x.provider_name(c.provider).to_string(),
        sort: |c, x| text(x.provider_name(c.provider)),
    },
    Column {
        title: "Account",
        width: 22,
        drop: 1,
        text: |c, _| c.account_label().to_string(),
        sort: |c, _| text(c.account_label()),
    },
    Column {
        title: "From",
        width: 16,
        drop: 0,
        text: |c, _| c.from.to_string(),
        sort: |c, _| text(&c.from),
    },
    Column {
        title: "To",
        width: 16,
        drop: 0,
        text: |c, _| c.to.to_string(),
        sort: |c, _| text(&c.to),
    },
    Column {
        title: "Dir",
        width: 4,
        drop: 2,
        text: |c, _| c.direction.label().to_string(),
        sort: |c, _| text(c.direction.label()),
    },
    Column {
        title: "Duration",
        width: 9,
        drop: 0,
        text: |c, x| {
            c.duration_s(x.now_ms)
                .map(format::duration)
                .unwrap_or_else(|| "-".into())
        },
        sort: |c, x| int(c.duration_s(x.now_ms)),
    },
    Column {
        title: "Started",
        width: 11,
        drop: 4,
        text: |c, x| time_field(c.started_at_ms, x),
        sort: |c, _| int(c.started_at_ms),
    },
];

/// Ended calls.
pub static HISTORY_COLUMNS: &[Column<Call>] = &[
    Column {
        title: "Result",
        width: 12,
        drop: 0,
        text: |c, _| state_cell(c),
        sort: |c, _| text(c.state.label()),
    },
    Column {
        title: "Provider",
        width: 12,
        drop: 3,
        text: |c, x| x.provider_name(c.provider).to_string(),
        sort: |c, x| text(x.provider_name(c.provider)),
    },
    Column {
        title: "Account",
        width: 22,
        drop: 2,
        text: |c, _| c.account_label().to_string(),
        sort: |c, _| text(c.account_label()),
    },
    Column {
        title: "From",
        width: 16,
        drop: 0,
        text: |c, _| c.from.to_string(),
        sort: |c, _| text(&c.from),
    },
    Column {
        title: "To",
        width: 16,
        drop: 0,
        text: |c, _| c.to.to_string(),
        sort: |c, _| text(&c.to),
    },
    Column {
        title: "Dir",
        width: 4,
        drop: 1,
        text: |c, _| c.direction.label().to_string(),
        sort: |c, _| text(c.direction.label()),
    },
    Column {
        title: "Started",
        width: 11,
        drop: 0,
        text: |c, x| time_field(c.started_at_ms, x),
        sort: |c, _| int(c.started_at_ms),
    },
    Column {
        title: "Length",
        width: 8,
        drop: 1,
        text: |c, x| {
            c.duration_s(x.now_ms)
                .map(format::duration)
                .unwrap_or_else(|| "-".into())
        },
        sort: |c, x| int(c.duration_s(x.now_ms)),
    },
];

// ---------------------------------------------------------------- trunks

impl Row for Trunk {
    fn copy_text(&self, _ctx: &Ctx) -> Option<String> {
        Some(match self.port {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.clone(),
        })
    }
    fn provider(&self) -> ProviderId {
        self.provider
    }
    fn account(&self) -> &str {
        &self.account
    }
    fn id(&self) -> &str {
        &self.id
    }
    fn fields(&self, ctx: &Ctx) -> Vec<Field> {
        with_extra(
            vec![
                f("provider", ctx.provider_name(self.provider)),
                f("account", self.account_label()),
                f(ACCOUNT_ID, account_id(self)),
                f("id", self.id.clone()),
                f("name", self.name.clone()),
                f("host", self.host.clone()),
                f("port", format::opt_num(self.port)),
                f("transport", self.transport.clone()),
                f("direction", self.direction.clone()),
                f("prefix", self.prefix.clone()),
                f("active", format::opt_bool(self.active)),
            ],
            &self.extra,
        )
    }
}

pub static TRUNK_COLUMNS: &[Column<Trunk>] = &[
    Column {
        title: "Name",
        width: 20,
        drop: 0,
        text: |t, _| t.name.clone(),
        sort: |t, _| text(&t.name),
    },
    Column {
        title: "Provider",
        width: 12,
        drop: 3,
        text: |t, x| x.provider_name(t.provider).to_string(),
        sort: |t, x| text(x.provider_name(t.provider)),
    },
    Column {
        title: "Account",
        width: 22,
        drop: 2,
        text: |t, _| t.account_label().to_string(),
        sort: |t, _| text(t.account_label()),
    },
    Column {
        title: "Host",
        width: 18,
        drop: 0,
        text: |t, _| t.host.clone(),
        sort: |t, _| text(&t.host),
    },
    Column {
        title: "Port",
        width: 5,
        drop: 0,
        text: |t, _| format::opt_num(t.port),
        sort: |t, _| int(t.port.map(i64::from)),
    },
    Column {
        title: "Transp",
        width: 6,
        drop: 1,
        text: |t, _| t.transport.clone(),
        sort: |t, _| text(&t.transport),
    },
    Column {
        title: "Direction",
        width: 15,
        drop: 1,
        text: |t, _| t.direction.clone(),
        sort: |t, _| text(&t.direction),
    },
    Column {
        title: "Prefix",
        width: 8,
        drop: 4,
        text: |t, _| t.prefix.clone(),
        sort: |t, _| text(&t.prefix),
    },
];

// ---------------------------------------------------------------- numbers

impl Row for Number {
    fn copy_text(&self, _ctx: &Ctx) -> Option<String> {
        Some(self.number.clone())
    }
    fn provider(&self) -> ProviderId {
        self.provider
    }
    fn account(&self) -> &str {
        &self.account
    }
    fn id(&self) -> &str {
        &self.id
    }
    fn fields(&self, ctx: &Ctx) -> Vec<Field> {
        with_extra(
            vec![
                f("provider", ctx.provider_name(self.provider)),
                f("account", self.account_label()),
                f(ACCOUNT_ID, account_id(self)),
                f("id", self.id.clone()),
                f("number", self.number.clone()),
                f("target", self.target.clone()),
                f("active", format::opt_bool(self.active)),
            ],
            &self.extra,
        )
    }
}

pub static NUMBER_COLUMNS: &[Column<Number>] = &[
    Column {
        title: "Number",
        width: 18,
        drop: 0,
        text: |n, _| n.number.clone(),
        sort: |n, _| text(&n.number),
    },
    Column {
        title: "Provider",
        width: 12,
        drop: 2,
        text: |n, x| x.provider_name(n.provider).to_string(),
        sort: |n, x| text(x.provider_name(n.provider)),
    },
    Column {
        title: "Account",
        width: 22,
        drop: 1,
        text: |n, _| n.account_label().to_string(),
        sort: |n, _| text(n.account_label()),
    },
    Column {
        title: "Routes to",
        width: 24,
        drop: 0,
        text: |n, _| n.target.clone(),
        sort: |n, _| text(&n.target),
    },
    Column {
        title: "Active",
        width: 6,
        drop: 0,
        text: |n, _| format::opt_bool(n.active).to_string(),
        sort: |n, _| text(format::opt_bool(n.active)),
    },
];

// ---------------------------------------------------------------- queues / stats

impl Row for QueueStat {
    fn provider(&self) -> ProviderId {
        self.provider
    }
    fn account(&self) -> &str {
        &self.account
    }
    fn id(&self) -> &str {
        &self.name
    }
    fn fields(&self, ctx: &Ctx) -> Vec<Field> {
        with_extra(
            vec![
                f("provider", ctx.provider_name(self.provider)),
                f("account", self.account_label()),
                f(ACCOUNT_ID, account_id(self)),
                f("name", self.name.clone()),
                f("kind", self.kind.clone()),
                f("waiting", format::opt_num(self.waiting)),
                f("active", format::opt_num(self.active)),
                f("answered", format::opt_num(self.answered)),
                f("abandoned", format::opt_num(self.abandoned)),
                f("total", format::opt_num(self.total)),
                f("max concurrency", format::opt_num(self.max_concurrency)),
                f("longest wait s", format::opt_num(self.longest_wait_s)),
                f("timed out", format::opt_num(self.timed_out)),
                f(
                    "answer rate",
                    crate::stats::percent(crate::stats::answer_rate(self)),
                ),
                f(
                    "abandon rate",
                    crate::stats::percent(crate::stats::abandon_rate(self)),
                ),
                f("avg wait s", format::opt_num(self.avg_wait_s)),
                f("avg talk s", format::opt_num(self.avg_talk_s)),
                f("avg call s", format::opt_num(self.avg_call_s)),
                f("period", self.period.clone()),
                f(
                    "answered per agent",
                    self.per_agent
                        .iter()
                        .map(|(a, n)| format!("{a} {n}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                f("calls per interval", crate::stats::sparkline(&self.series)),
            ],
            &self.extra,
        )
    }
}

fn num_col(v: Option<u32>) -> SortKey {
    int(v.map(i64::from))
}

pub static QUEUE_COLUMNS: &[Column<QueueStat>] = &[
    Column {
        title: "Name",
        width: 22,
        drop: 0,
        text: |q, _| q.name.clone(),
        sort: |q, _| text(&q.name),
    },
    Column {
        title: "Kind",
        width: 11,
        drop: 1,
        text: |q, _| q.kind.clone(),
        sort: |q, _| text(&q.kind),
    },
    Column {
        title: "Provider",
        width: 12,
        drop: 2,
        text: |q, x| x.provider_name(q.provider).to_string(),
        sort: |q, x| text(x.provider_name(q.provider)),
    },
    Column {
        title: "Waiting",
        width: 7,
        drop: 0,
        text: |q, _| format::opt_num(q.waiting),
        sort: |q, _| num_col(q.waiting),
    },
    Column {
        title: "Active",
        width: 6,
        drop: 0,
        text: |q, _| format::opt_num(q.active),
        sort: |q, _| num_col(q.active),
    },
    Column {
        title: "Answered",
        width: 8,
        drop: 0,
        text: |q, _| format::opt_num(q.answered),
        sort: |q, _| num_col(q.answered),
    },
    Column {
        title: "Abandon",
        width: 7,
        drop: 1,
        text: |q, _| format::opt_num(q.abandoned),
        sort: |q, _| num_col(q.abandoned),
    },
    Column {
        title: "Total",
        width: 6,
        drop: 1,
        text: |q, _| format::opt_num(q.total),
        sort: |q, _| num_col(q.total),
    },
    Column {
        title: "Max",
        width: 5,
        drop: 3,
        text: |q, _| format::opt_num(q.max_concurrency),
        sort: |q, _| num_col(q.max_concurrency),
    },
    // Queue statistics (stats.rs); "-" where a provider reports no such figure.
    Column {
        title: "Aband%",
        width: 6,
        drop: 0,
        text: |q, _| crate::stats::percent(crate::stats::abandon_rate(q)),
        sort: |q, _| int(crate::stats::abandon_rate(q).map(|r| (r * 100.0) as i64)),
    },
    Column {
        title: "Ans%",
        width: 5,
        drop: 2,
        text: |q, _| crate::stats::percent(crate::stats::answer_rate(q)),
        sort: |q, _| int(crate::stats::answer_rate(q).map(|r| (r * 100.0) as i64)),
    },
    Column {
        title: "T/out",
        width: 5,
        drop: 3,
        text: |q, _| format::opt_num(q.timed_out),
        sort: |q, _| num_col(q.timed_out),
    },
    Column {
        title: "Wait",
        width: 5,
        drop: 2,
        text: |q, _| format::opt_num(q.avg_wait_s),
        sort: |q, _| num_col(q.avg_wait_s),
    },
    Column {
        title: "Longest",
        width: 7,
        drop: 3,
        text: |q, _| format::opt_num(q.longest_wait_s),
        sort: |q, _| num_col(q.longest_wait_s),
    },
    Column {
        title: "Talk",
        width: 5,
        drop: 3,
        text: |q, _| format::opt_num(q.avg_talk_s),
        sort: |q, _| num_col(q.avg_talk_s),
    },
    // Average whole-call length (ringing + talking): what a "by result" row of busy or
    // unanswered calls has besides its count.
    Column {
        title: "Call",
        width: 5,
        drop: 3,
        text: |q, _| format::opt_num(q.avg_call_s),
        sort: |q, _| num_col(q.avg_call_s),
    },
    Column {
        title: "Calls/interval",
        width: 16,
        drop: 2,
        text: |q, _| crate::stats::sparkline(&q.series),
        sort: |q, _| int(Some(q.series.iter().map(|v| i64::from(*v)).sum())),
    },
    Column {
        title: "Period",
        width: 10,
        drop: 1,
        text: |q, _| q.period.clone(),
        sort: |q, _| text(&q.period),
    },
];
