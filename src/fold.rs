//! The one fold of a provider's result into rows (`apply_data`), shared by every mode
//! that fills a `State`: the console's `update`, `snapshot`, `serve`, and the attached
//! console's feed. Pure, like `update`.

use std::collections::HashSet;

use crate::model::{Account, AccountKind, ProviderId};
use crate::providers::FetchData;
use crate::state::State;
use crate::state::columns::AccountRow;

/// The one fold of a job's result into rows: the provider's slice of `scope` (all of
/// the provider's rows when `scope` is empty) is replaced, the accounts become the tree,
/// group calls become queue figures for the chosen window, account facts are merged into
/// their row. The console folds into its `State` here and `snapshot` folds into one too.
pub fn apply_data(state: &mut State, pid: ProviderId, scope: &str, data: FetchData) {
    let ctx = crate::state::table::Ctx {
        now_ms: state.now_ms,
        provider_names: &state.provider_names,
        tz: &state.tz,
        thresholds: state.thresholds,
    };
    let account = (!scope.is_empty()).then_some(scope);
    let t = &mut state.tables;
    match data {
        FetchData::Accounts(accounts) => {
            let name = state
                .provider_names
                .get(pid.0 as usize)
                .cloned()
                .unwrap_or_default();
            let mut rows = account_tree(pid, &name, &accounts);
            // Facts from per-account jobs (subscriber counts …) outlive a tree refresh.
            // (Looked up by id: a tree may hold hundreds of thousands of accounts.)
            let mut before: std::collections::HashMap<&str, &AccountRow> = Default::default();
            for o in t.accounts.rows.iter().filter(|o| o.account.provider == pid) {
                before.entry(o.account.id.as_str()).or_insert(o);
            }
            for row in &mut rows {
                if let Some(old) = before.get(row.account.id.as_str()) {
                    row.account.extra.extend_missing(&old.account.extra);
                }
            }
            let known: HashSet<&str> = accounts.iter().map(|a| a.id.as_str()).collect();
            state
                .details
                .retain(|(p, a), _| *p != pid || known.contains(a.as_str()));
            t.accounts.replace_slice(pid, None, rows, &ctx);
            t.accounts
                .rows
                .sort_by_key(|r| (r.account.provider, r.order));
            apply_collapse(&mut t.accounts.rows, &state.collapsed);
            t.accounts.rebuild(&ctx, None);
            // Rows of accounts that no longer exist go too.
            let gone = |r: &dyn crate::state::table::Row| {
                r.provider() == pid && !r.account().is_empty() && !known.contains(r.account())
            };
            retain(&mut t.live, &ctx, |r| !gone(r));
            retain(&mut t.history, &ctx, |r| !gone(r));
            retain(&mut t.trunks, &ctx, |r| !gone(r));
            retain(&mut t.numbers, &ctx, |r| !gone(r));
            // Rows that arrived before their account (or whose account was renamed)
            // show its name from now on.
            let names = &mut state.account_names;
            names.set(pid, &accounts);
            rename(names, pid, &mut t.live, &ctx);
            rename(names, pid, &mut t.history, &ctx);
            rename(names, pid, &mut t.trunks, &ctx);
            rename(names, pid, &mut t.numbers, &ctx);
            rename(names, pid, &mut t.queues, &ctx);
        }
        FetchData::Calls {
            mut live,
            mut history,
        } => {
            if let Some(stored) = &mut state.stored_history {
                // The stored calls this poll lacks move out of the rows it replaces.
                stored.merge(pid, account, &mut history, &mut t.history);
            }
            let names = &state.account_names;
            names.resolve(pid, &mut live);
            names.resolve(pid, &mut history);
            t.live.replace_slice(pid, account, live, &ctx);
            // The oldest finished calls leave memory (the store keeps what it saw).
            let cap = state.history_rows;
            crate::retention::keep_newest(&mut history, cap);
            t.history
                .replace_slice_then(pid, account, history, &ctx, |rows| {
                    crate::retention::keep_newest(rows, cap)
                });
        }
        FetchData::Trunks(mut rows) => {
            state.account_names.resolve(pid, &mut rows);
            t.trunks.replace_slice(pid, account, rows, &ctx)
        }
        FetchData::Numbers(mut rows) => {
            state.account_names.resolve(pid, &mut rows);
            t.numbers.replace_slice(pid, account, rows, &ctx)
        }
        FetchData::Queues(mut rows) => {
            // A row without a single figure says nothing: the pane leaves it out.
            rows.retain(crate::stats::has_figures);
            state.account_names.resolve(pid, &mut rows);
            let before: Vec<_> = t.queues.rows.iter().filter(|r| r.provider == pid).collect();
            let crossed = crate::stats::newly_crossed(&before, &rows, &state.thresholds);
            t.queues.replace_slice(pid, account, rows, &ctx);
            state.bell |= crossed && state.thresholds.bell;
            if crossed {
                let subject = state.provider_names.get(pid.0 as usize).cloned();
                let text = format!(
                    "abandon rate at or over {}%",
                    state.thresholds.abandon_warn_percent
                );
                state.alerts.raise(
                    crate::alerts::AlertEvent::Queue,
                    &subject.unwrap_or_default(),
                    text,
                    state.now_ms,
                );
            }
        }
        FetchData::GroupCalls(records) => {
            let key = (pid, scope.to_string());
            state.group_calls.insert(key.clone(), records);
            recompute_group_stats(state, Some(&key));
        }
        FetchData::AccountInfo {
            account,
            fields,
            details,
        } => {
            if let Some(d) = details {
                state.details.insert((pid, account.clone()), d);
            }
            if let Some(row) = t
                .accounts
                .rows
                .iter_mut()
                .find(|r| r.account.provider == pid && r.account.id == account)
            {
                merge_fields(&mut row.account.extra, fields);
            }
        }
    }
    let height = crate::state::layout::table_height(state.size).max(1);
    let tables = &mut state.tables;
    tables.accounts.ensure_visible(height);
    tables.live.ensure_visible(height);
    tables.history.ensure_visible(height);
    tables.trunks.ensure_visible(height);
    tables.numbers.ensure_visible(height);
    tables.queues.ensure_visible(height);
}

/// Recomputes the Queues pane's rows from the kept group calls for the chosen window: of
/// one (provider, account), or of all of them (a window switch). No request is made.
pub(crate) fn recompute_group_stats(state: &mut State, only: Option<&(ProviderId, String)>) {
    let now_ms = state.now_ms;
    let day_start = crate::stats::day_start_ms(now_ms, &state.tz);
    let keys: Vec<(ProviderId, String)> = match only {
        Some(k) => vec![k.clone()],
        None => state.group_calls.keys().cloned().collect(),
    };
    for (pid, account) in keys {
        let Some(records) = state.group_calls.get(&(pid, account.clone())) else {
            continue;
        };
        let rows = crate::stats::compute(
            pid,
            &account,
            records,
            state.stats_window,
            now_ms,
            day_start,
        );
        apply_data(state, pid, &account, FetchData::Queues(rows));
    }
}

/// Replaces fields of the same name, appends new ones.
pub fn merge_fields(extra: &mut crate::model::Fields, fields: Vec<crate::model::Field>) {
    extra.merge(fields);
}

/// Resolves the account names of provider `pid`'s rows in `t` again (after its account
/// tree changed) and rebuilds the view when a name changed (sort and filter read it).
fn rename<T: crate::state::table::Row + crate::model::AccountName>(
    names: &crate::state::names::AccountNames,
    pid: ProviderId,
    t: &mut crate::state::table::TableView<T>,
    ctx: &crate::state::table::Ctx,
) {
    if names.resolve(pid, t.rows.iter_mut().filter(|r| r.provider() == pid)) {
        t.rebuild(ctx, None);
    }
}

fn retain<T: crate::state::table::Row>(
    t: &mut crate::state::table::TableView<T>,
    ctx: &crate::state::table::Ctx,
    keep: impl Fn(&dyn crate::state::table::Row) -> bool,
) {
    let before = t.rows.len();
    t.rows.retain(|r| keep(r));
    if t.rows.len() != before {
        t.rebuild(ctx, None);
    }
}

/// Marks collapsed accounts and hides every row under one. `rows` are in tree order
/// (provider, then position), so a node's descendants are the deeper rows after it.
pub fn apply_collapse(
    rows: &mut [AccountRow],
    collapsed: &std::collections::BTreeSet<(ProviderId, String)>,
) {
    let mut fold: Option<(ProviderId, u8)> = None;
    for r in rows.iter_mut() {
        let key = (r.account.provider, r.account.id.clone());
        r.hidden = fold.is_some_and(|(p, d)| p == key.0 && r.depth > d);
        r.collapsed = collapsed.contains(&key);
        if !r.hidden {
            fold = r.collapsed.then_some((key.0, r.depth));
        }
    }
}

/// Orders a provider's accounts as a tree under a root row for the provider itself (the
/// order is [`crate::tree::display_order`]: unknown parents make roots, cycles go flat).
pub fn account_tree(pid: ProviderId, provider_name: &str, accounts: &[Account]) -> Vec<AccountRow> {
    let mut rows = vec![AccountRow {
        account: Account {
            provider: pid,
            id: String::new(),
            name: provider_name.to_string(),
            parent: None,
            kind: AccountKind::Provider,
            active: None,
            extra: Default::default(),
        },
        depth: 0,
        order: 0,
        collapsed: false,
        hidden: false,
        parent_name: String::new(),
    }];
    rows.reserve(accounts.len());
    let names: std::collections::HashMap<&str, &str> = accounts
        .iter()
        .map(|a| (a.id.as_str(), a.name.as_str()))
        .collect();
    for (i, depth) in crate::tree::display_order(accounts) {
        let parent_name = accounts[i]
            .parent
            .as_deref()
            .and_then(|p| names.get(p))
            .map(|n| n.to_string())
            .unwrap_or_default();
        rows.push(AccountRow {
            account: accounts[i].clone(),
            depth,
            order: rows.len() as u32,
            collapsed: false,
            hidden: false,
            parent_name,
        });
    }
    rows
}
