//! `switchboard snapshot`: poll every resource of every configured provider once, within
//! its budget, and print tables or one JSON document. For scripts, cron and monitoring.
//!
//! Everything printed passes through the secret redactor: every string of the JSON
//! document (mapped `from`, `to`, `user`, `id` … as well as `extra` and errors), and every
//! line of the tables, since a provider may echo a credential back in any field.

use std::io::Write;
use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

use crate::config::Config;
use crate::model::{Account, Call, Number, ProviderId, QueueStat, Trunk};
use crate::providers::{FetchData, Job, ProviderClient, ProviderError, RateLimit};
use crate::scheduler::Budgets;
use crate::secret::redact;
use crate::state::columns::{
    ACCOUNT_COLUMNS, AccountRow, HISTORY_COLUMNS, LIVE_CALL_COLUMNS, NUMBER_COLUMNS, QUEUE_COLUMNS,
    TRUNK_COLUMNS,
};
use crate::state::table::{Column, Ctx};

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

    fn absorb(&mut self, id: ProviderId, scope: &str, data: FetchData) {
        match data {
            FetchData::Accounts(a) => self.accounts = a,
            FetchData::Calls { live, history } => {
                self.live_calls.extend(live);
                self.call_history.extend(history);
            }
            FetchData::Trunks(t) => self.trunks.extend(t),
            FetchData::Numbers(n) => self.numbers.extend(n),
            FetchData::Queues(q) => self.queues.extend(q),
            FetchData::GroupCalls(records) => {
                let now = crate::app::epoch_ms();
                let day_start = crate::stats::day_start_ms(now, &jiff::tz::TimeZone::system());
                self.queues.extend(crate::stats::compute(
                    id,
                    scope,
                    &records,
                    crate::stats::StatsWindow::Today,
                    now,
                    day_start,
                ));
            }
            FetchData::AccountInfo { account, fields } => {
                if let Some(a) = self.accounts.iter_mut().find(|a| a.id == account) {
                    crate::update::merge_fields(&mut a.extra, fields);
                }
            }
        }
    }
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
    let limit = cfg
        .rate_limit
        .map(RateLimit::from)
        .unwrap_or_else(|| client.default_rate_limit());
    let mut budgets = Budgets::new(limit);
    let discovery = client.discovery_job();
    let accounts = match run_job(&client, &mut budgets, &discovery).await {
        Ok(FetchData::Accounts(a)) => a,
        Ok(other) => {
            snap.absorb(id, &discovery.key.scope, other);
            Vec::new()
        }
        Err(e) => {
            snap.status = "failed".into();
            snap.error = Some(redact(&e.to_string()).into_owned());
            return snap;
        }
    };
    let jobs = client.jobs(&accounts);
    snap.accounts = accounts;
    let mut failed = 0;
    for job in &jobs {
        match run_job(&client, &mut budgets, job).await {
            Ok(data) => snap.absorb(id, &job.key.scope, data),
            Err(e) => {
                failed += 1;
                let text = format!("{} {}: {e}", job.key.kind.label(), job.key.scope);
                snap.error.get_or_insert(redact(&text).into_owned());
            }
        }
    }
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

/// Human-readable tables, redacted.
pub fn render_text(snaps: &[ProviderSnapshot], now_ms: i64) -> String {
    use std::fmt::Write as _;
    let names: Vec<String> = snaps.iter().map(|s| s.name.clone()).collect();
    let tz = jiff::tz::TimeZone::system();
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
        let tree: Vec<AccountRow> =
            crate::update::account_tree(ProviderId(i as u16), &s.name, &s.accounts);
        table(&mut out, "accounts", ACCOUNT_COLUMNS, &tree[1..], &ctx);
        table(
            &mut out,
            "live calls",
            LIVE_CALL_COLUMNS,
            &s.live_calls,
            &ctx,
        );
        table(
            &mut out,
            "call history",
            HISTORY_COLUMNS,
            &s.call_history,
            &ctx,
        );
        table(&mut out, "trunks", TRUNK_COLUMNS, &s.trunks, &ctx);
        table(&mut out, "numbers", NUMBER_COLUMNS, &s.numbers, &ctx);
        table(&mut out, "queues", QUEUE_COLUMNS, &s.queues, &ctx);
        out.push('\n');
    }
    redact(&out).into_owned()
}

/// JSON: `{"generated_at": ms, "providers": [ … ]}`, every string redacted.
pub fn render_json(snaps: &[ProviderSnapshot], now_ms: i64) -> String {
    let mut doc = serde_json::json!({ "generated_at_ms": now_ms, "providers": snaps });
    crate::secret::redact_json(&mut doc);
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// Runs the snapshot command; returns the process exit code.
pub async fn run(config: &Config, json: bool) -> u8 {
    let snaps = collect(config).await;
    let now = crate::app::epoch_ms();
    let text = if json {
        render_json(&snaps, now)
    } else {
        render_text(&snaps, now)
    };
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{text}");
    if snaps.iter().all(ProviderSnapshot::ok) {
        0
    } else {
        1
    }
}
