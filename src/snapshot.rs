//! `switchboard snapshot`: poll every resource of every configured provider once, within
//! its budget, and print tables, one JSON document, or one resource as JSON lines or CSV
//! (`export`). For scripts, cron and monitoring.
//!
//! Everything printed passes through the secret redactor: every string of the JSON
//! document (mapped `from`, `to`, `user`, `id` … as well as `extra` and errors), and every
//! line of the tables, since a provider may echo a credential back in any field.

pub mod export;

use std::io::Write;
use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

use crate::cli::Output;
use crate::config::Config;
use crate::model::{
    Account, AccountKind, Call, Capabilities, Number, ProviderId, QueueStat, Resource, Trunk,
};
use crate::providers::{FetchData, Job, ProviderClient, ProviderError};
use crate::scheduler::Budgets;
use crate::secret::redact;
use crate::state::columns::{
    ACCOUNT_COLUMNS, AccountRow, HISTORY_COLUMNS, LIVE_CALL_COLUMNS, NUMBER_COLUMNS, QUEUE_COLUMNS,
    TRUNK_COLUMNS,
};
use crate::state::table::{Column, Ctx};
use crate::state::{ProviderState, State};

/// One provider's part of the snapshot (the JSON object documented in the README).
#[derive(Debug, Serialize, Default)]
pub struct ProviderSnapshot {
    pub name: String,
    pub kind: String,
    /// `ok`, `degraded` (some resources failed) or `failed` (nothing could be read).
    pub status: String,
    /// The first error met, or null.
    pub error: Option<String>,
    pub accounts: Vec<Account>,
    pub live_calls: Vec<Call>,
    pub call_history: Vec<Call>,
    pub trunks: Vec<Trunk>,
    pub numbers: Vec<Number>,
    pub queues: Vec<QueueStat>,
}

impl ProviderSnapshot {
    pub fn ok(&self) -> bool {
        self.status == "ok"
    }

    /// Takes the folded rows of provider `id` out of `rows`; accounts in the order the
    /// provider listed them (`discovered`), with the facts that per-account jobs added.
    fn take_rows(&mut self, id: ProviderId, rows: State, discovered: Vec<Account>) {
        let t = rows.tables;
        let mut tree: Vec<Account> = t
            .accounts
            .rows
            .into_iter()
            .filter(|r| r.account.provider == id && r.account.kind != AccountKind::Provider)
            .map(|r| r.account)
            .collect();
        // The tree rows are `discovered` in `tree::display_order`: put them back in the
        // provider's order.
        let order = crate::tree::display_order(&discovered);
        if order.len() == tree.len() {
            let mut back: Vec<Option<Account>> = vec![None; tree.len()];
            for ((i, _), a) in order.into_iter().zip(tree.drain(..)) {
                back[i] = Some(a);
            }
            tree = back.into_iter().flatten().collect();
        }
        self.accounts = tree;
        self.live_calls = t.live.rows;
        self.call_history = t.history.rows;
        self.trunks = t.trunks.rows;
        self.numbers = t.numbers.rows;
        self.queues = t.queues.rows;
    }
}

/// An empty console state that holds only rows: `snapshot` folds every result into it
/// with [`crate::update::apply_data`], exactly as the console does.
fn rows_for(id: ProviderId, cfg: &crate::config::ProviderConfig) -> State {
    let providers = (0..=id.0)
        .map(|j| ProviderState::new(ProviderId(j), &cfg.name, cfg.kind, Capabilities::new()))
        .collect();
    State::new(providers, crate::clock::epoch_ms())
}

/// Folds one result into `rows` at the current time (group calls count "today" from it).
fn fold(rows: &mut State, id: ProviderId, scope: &str, data: FetchData) {
    rows.now_ms = crate::clock::epoch_ms();
    crate::update::apply_data(rows, id, scope, data);
}

/// Runs one job once, waiting for its budget first.
async fn run_job(
    client: &ProviderClient,
    budgets: &mut Budgets,
    job: &Job,
) -> Result<FetchData, ProviderError> {
    loop {
        let now = Instant::now();
        let w = budgets.scope(&job.budget);
        if w.try_reserve(now, job.cost) {
            break;
        }
        let wait = w.wait_for(now, job.cost).max(Duration::from_millis(20));
        tokio::time::sleep(wait).await;
    }
    let result = client.fetch(&job.key).await;
    let now = Instant::now();
    let accepted = !matches!(result, Err(ProviderError::RateLimited { .. }));
    budgets.scope(&job.budget).complete(now, job.cost, accepted);
    if let Err(ProviderError::RateLimited { retry_after, .. }) = &result {
        budgets.throttle(&job.budget, now, *retry_after);
    }
    result
}

/// Polls one provider once.
pub async fn snapshot_provider(
    id: ProviderId,
    cfg: &crate::config::ProviderConfig,
) -> ProviderSnapshot {
    let mut snap = ProviderSnapshot {
        name: cfg.name.clone(),
        kind: cfg.kind.to_string(),
        ..Default::default()
    };
    let client = match ProviderClient::from_config(id, cfg) {
        Ok(c) => c,
        Err(e) => {
            snap.status = "failed".into();
            snap.error = Some(redact(&e).into_owned());
            return snap;
        }
    };
    let mut budgets = Budgets::new(client.rate_limit_for(cfg));
    let mut rows = rows_for(id, cfg);
    let discovery = client.discovery_job();
    let accounts = match run_job(&client, &mut budgets, &discovery).await {
        Ok(FetchData::Accounts(a)) => {
            fold(&mut rows, id, "", FetchData::Accounts(a.clone()));
            a
        }
        Ok(other) => {
            fold(&mut rows, id, &discovery.key.scope, other);
            Vec::new()
        }
        Err(e) => {
            snap.status = "failed".into();
            snap.error = Some(redact(&e.to_string()).into_owned());
            return snap;
        }
    };
    let jobs = client.jobs(&accounts);
    let mut failed = 0;
    for job in &jobs {
        match run_job(&client, &mut budgets, job).await {
            Ok(data) => fold(&mut rows, id, &job.key.scope, data),
            Err(e) => {
                failed += 1;
                let text = format!("{} {}: {e}", job.key.kind.label(), job.key.scope);
                snap.error.get_or_insert(redact(&text).into_owned());
            }
        }
    }
    snap.take_rows(id, rows, accounts);
    snap.status = if failed == 0 { "ok" } else { "degraded" }.into();
    snap
}

/// Polls every provider (concurrently) and returns their snapshots in config order.
pub async fn collect(config: &Config) -> Vec<ProviderSnapshot> {
    let futures = config
        .providers
        .iter()
        .enumerate()
        .map(|(i, cfg)| snapshot_provider(ProviderId(i as u16), cfg));
    futures_util::future::join_all(futures).await
}

fn table<T>(out: &mut String, title: &str, cols: &'static [Column<T>], rows: &[T], ctx: &Ctx) {
    use std::fmt::Write as _;
    if rows.is_empty() {
        let _ = writeln!(out, "  {title}: none");
        return;
    }
    let _ = writeln!(out, "  {title} ({})", rows.len());
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| cols.iter().map(|c| (c.text)(r, ctx)).collect())
        .collect();
    let widths: Vec<usize> = cols
        .iter()
        .enumerate()
        .map(|(i, c)| {
            cells
                .iter()
                .map(|r| crate::format::width(&r[i]))
                .max()
                .unwrap_or(0)
                .max(crate::format::width(c.title))
        })
        .collect();
    let line = |vals: Vec<&str>| {
        let mut s = String::from("    ");
        for (v, w) in vals.iter().zip(&widths) {
            s.push_str(&crate::format::pad(v, *w));
            s.push_str("  ");
        }
        s.trim_end().to_string()
    };
    let _ = writeln!(out, "{}", line(cols.iter().map(|c| c.title).collect()));
    for r in &cells {
        let _ = writeln!(out, "{}", line(r.iter().map(String::as_str).collect()));
    }
}

/// What `snapshot` prints: a format, and one resource or all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    pub output: Output,
    pub resource: Option<Resource>,
}

impl Format {
    /// CSV needs one resource (one header); the others print every resource without one.
    pub fn new(output: Output, resource: Option<Resource>) -> Result<Format, String> {
        if output == Output::Csv && resource.is_none() {
            let names = crate::config::PANES.map(|(n, _)| n).join(", ");
            return Err(format!(
                "--output csv prints one resource: add --resource ({names})"
            ));
        }
        Ok(Format { output, resource })
    }
}

/// Human-readable tables, redacted.
pub fn render_text(snaps: &[ProviderSnapshot], now_ms: i64) -> String {
    render_tables(snaps, now_ms, None)
}

/// [`render_text`], of `only` one resource when given.
pub fn render_tables(snaps: &[ProviderSnapshot], now_ms: i64, only: Option<Resource>) -> String {
    use std::fmt::Write as _;
    let names: Vec<String> = snaps.iter().map(|s| s.name.clone()).collect();
    let tz = crate::clock::time_zone();
    let ctx = Ctx {
        now_ms,
        provider_names: &names,
        tz: &tz,
        thresholds: Default::default(),
    };
    let mut out = String::new();
    for (i, s) in snaps.iter().enumerate() {
        let _ = writeln!(out, "{} ({}): {}", s.name, s.kind, s.status);
        if let Some(e) = &s.error {
            let _ = writeln!(out, "  error: {e}");
        }
        let shown = |r: Resource| only.is_none_or(|o| o == r);
        if shown(Resource::Accounts) {
            let tree: Vec<AccountRow> =
                crate::update::account_tree(ProviderId(i as u16), &s.name, &s.accounts);
            table(&mut out, "accounts", ACCOUNT_COLUMNS, &tree[1..], &ctx);
        }
        if shown(Resource::LiveCalls) {
            let rows = &s.live_calls;
            table(&mut out, "live calls", LIVE_CALL_COLUMNS, rows, &ctx);
        }
        if shown(Resource::CallHistory) {
            let rows = &s.call_history;
            table(&mut out, "call history", HISTORY_COLUMNS, rows, &ctx);
        }
        if shown(Resource::Trunks) {
            table(&mut out, "trunks", TRUNK_COLUMNS, &s.trunks, &ctx);
        }
        if shown(Resource::Numbers) {
            table(&mut out, "numbers", NUMBER_COLUMNS, &s.numbers, &ctx);
        }
        if shown(Resource::Queues) {
            table(&mut out, "queues", QUEUE_COLUMNS, &s.queues, &ctx);
        }
        out.push('\n');
    }
    redact(&out).into_owned()
}

/// JSON: `{"generated_at": ms, "providers": [ … ]}`, every string redacted.
pub fn render_json(snaps: &[ProviderSnapshot], now_ms: i64) -> String {
    render_json_of(snaps, now_ms, None)
}

/// [`render_json`]; with `only`, each provider keeps that resource's rows alone.
pub fn render_json_of(snaps: &[ProviderSnapshot], now_ms: i64, only: Option<Resource>) -> String {
    let mut doc = serde_json::json!({ "generated_at_ms": now_ms, "providers": snaps });
    if let Some(only) = only
        && let Some(providers) = doc["providers"].as_array_mut()
    {
        for p in providers.iter_mut().filter_map(|p| p.as_object_mut()) {
            for r in Resource::ALL.into_iter().filter(|r| *r != only) {
                p.remove(export::json_key(r));
            }
        }
    }
    crate::secret::redact_json(&mut doc);
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// JSON lines without a resource: one line per provider (its object in the document).
fn render_provider_lines(snaps: &[ProviderSnapshot]) -> String {
    let mut out = String::new();
    for s in snaps {
        let mut v = serde_json::to_value(s).unwrap_or(serde_json::Value::Null);
        crate::secret::redact_json(&mut v);
        out.push_str(&v.to_string());
        out.push('\n');
    }
    out
}

/// The text `format` asks for.
pub fn render(snaps: &[ProviderSnapshot], now_ms: i64, format: Format) -> Result<String, String> {
    Ok(match (format.output, format.resource) {
        (Output::Table, only) => render_tables(snaps, now_ms, only),
        (Output::Json, only) => render_json_of(snaps, now_ms, only) + "\n",
        (Output::Jsonl, Some(r)) => export::render_jsonl(snaps, r),
        (Output::Jsonl, None) => render_provider_lines(snaps),
        (Output::Csv, Some(r)) => export::render_csv(snaps, r)?,
        (Output::Csv, None) => return Err("--output csv needs --resource".into()),
    })
}

/// Runs the snapshot command; returns the process exit code (0 when every provider
/// answered everything, 1 otherwise). With JSON lines or CSV, which have no place for
/// them, a provider's status and first error go to stderr.
pub async fn run(config: &Config, format: Format) -> u8 {
    let snaps = collect(config).await;
    print(&snaps, format)
}

/// Prints `snaps` in `format` (a failed provider's error on stderr for JSON lines and
/// CSV); 0 when every provider is ok, else 1. `snapshot --connect` prints through it too.
pub fn print(snaps: &[ProviderSnapshot], format: Format) -> u8 {
    let now = crate::clock::epoch_ms();
    let text = match render(snaps, now, format) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("switchboard snapshot: {e}");
            return 1;
        }
    };
    if matches!(format.output, Output::Jsonl | Output::Csv) {
        for s in snaps.iter().filter(|s| !s.ok()) {
            let error = s.error.as_deref().unwrap_or("");
            eprintln!(
                "{}",
                redact(&format!(
                    "switchboard snapshot: {}: {}: {error}",
                    s.name, s.status
                ))
            );
        }
    }
    let mut stdout = std::io::stdout().lock();
    let _ = write!(stdout, "{text}");
    if format.output == Output::Table {
        let _ = writeln!(stdout);
    }
    if snaps.iter().all(ProviderSnapshot::ok) {
        0
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ProviderConfig;
    use crate::model::ProviderKind;

    fn acc(id: &str, parent: Option<&str>, kind: AccountKind) -> Account {
        Account {
            provider: ProviderId(1),
            id: id.into(),
            name: id.into(),
            parent: parent.map(Into::into),
            kind,
            active: None,
            extra: vec![("id".into(), id.into())].into(),
        }
    }

    fn trunk(account: &str, id: &str) -> Trunk {
        Trunk {
            provider: ProviderId(1),
            account: account.into(),
            account_name: Default::default(),
            id: id.into(),
            name: id.into(),
            host: "sip.example.net".into(),
            port: Some(5060),
            transport: "udp".into(),
            direction: "outbound".into(),
            prefix: String::new(),
            active: Some(true),
            extra: Default::default(),
        }
    }

    #[test]
    fn the_snapshot_folds_like_the_console_and_keeps_the_providers_order() {
        let id = ProviderId(1);
        // Any kind: the fold reads the rows, never the kind.
        let cfg = ProviderConfig::new("pv", ProviderKind::ALL[0], "http://127.0.0.1:1");
        // Users listed after all customers: the tree would interleave them.
        let discovered = vec![
            acc("c1", None, AccountKind::Customer),
            acc("c2", None, AccountKind::Customer),
            acc("u1", Some("c1"), AccountKind::SubAccount),
        ];
        let mut rows = rows_for(id, &cfg);
        fold(&mut rows, id, "", FetchData::Accounts(discovered.clone()));
        fold(
            &mut rows,
            id,
            "c2",
            FetchData::Trunks(vec![trunk("c2", "t2")]),
        );
        fold(
            &mut rows,
            id,
            "c1",
            FetchData::Trunks(vec![trunk("c1", "t1")]),
        );
        fold(
            &mut rows,
            id,
            "u1",
            FetchData::AccountInfo {
                account: "u1".into(),
                fields: vec![("forwards".into(), "2".into())],
                details: None,
            },
        );
        let mut snap = ProviderSnapshot::default();
        snap.take_rows(id, rows, discovered);
        let ids: Vec<&str> = snap.accounts.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["c1", "c2", "u1"]);
        assert_eq!(
            snap.accounts[2].extra,
            crate::model::Fields::from(vec![
                ("id".into(), "u1".into()),
                ("forwards".into(), "2".into())
            ])
        );
        let trunks: Vec<&str> = snap.trunks.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(trunks, ["t2", "t1"]);
    }
}
