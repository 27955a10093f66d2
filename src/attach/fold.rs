//! The attached console's fold: a feed document (snapshot or change) into the same
//! `State` local mode fills from its pollers. Table slices are replaced per table and
//! provider, the accounts become the tree as in local mode, the provider states
//! (connection, budget, data age) are the collector's, and queue figures are the
//! collector's rows (nothing is recomputed here).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::client::{FeedMsg, Link};
use super::doc::{DetailsFeed, FeedDoc, ProviderFeed, Slice};
use crate::model::{AccountKind, ActionKind, Capabilities, ProviderId, ProviderKind, Resource};
use crate::providers::{FetchData, JobKey, JobKind};
use crate::scheduler::BudgetView;
use crate::state::table::Ctx;
use crate::state::{ConnState, JobStatus, ProviderState, State};

/// Data is fresh this long after the collector loaded it (its pollers refresh sooner).
const FRESH_MS: i64 = 5 * 60_000;
/// Off the link, every row is stale whatever its age (the collector's clock may run a
/// little ahead of ours).
const OFF_LINK: i64 = i64::MIN / 4;

pub use super::link::Attached;

/// The feed's table name and the job kind whose status carries its data age.
fn table_of(name: &str) -> Option<(Resource, JobKind)> {
    Some(match name {
        "accounts" => (Resource::Accounts, JobKind::Accounts),
        "live_calls" => (Resource::LiveCalls, JobKind::Calls),
        "call_history" => (Resource::CallHistory, JobKind::Calls),
        "trunks" => (Resource::Trunks, JobKind::Trunks),
        "numbers" => (Resource::Numbers, JobKind::Numbers),
        "queues" => (Resource::Queues, JobKind::Stats),
        _ => return None,
    })
}

/// Applies one message of the feed client.
pub fn apply(state: &mut State, msg: FeedMsg) {
    match msg {
        FeedMsg::Link(link) => set_link(state, link),
        FeedMsg::Who(who) => {
            if let Some(a) = &mut state.attached {
                a.who = Some(who);
            }
            state.dirty = true;
        }
        FeedMsg::Snapshot(doc) => {
            same_providers(state, &doc.providers);
            provider_states(state, &doc.providers);
            // A snapshot replaces everything: a slice it does not carry is empty. The ones
            // it carries replace theirs in place, so the selection and scroll stay on the
            // same rows after a resync.
            let carried: std::collections::HashSet<(&str, ProviderId)> = doc
                .slices
                .iter()
                .map(|s| (s.table(), s.provider()))
                .collect();
            let empty: Vec<Slice> = state
                .providers
                .iter()
                .flat_map(|p| empty_slices(p.id))
                .filter(|s| !carried.contains(&(s.table(), s.provider())))
                .collect();
            for s in empty {
                apply_slice(state, s);
            }
            let providers = doc.providers.clone();
            apply_doc(state, *doc);
            form_details(state, &providers);
        }
        FeedMsg::Change(doc) => {
            // A change carries the providers whose state changed, not the whole set.
            provider_states(state, &doc.providers);
            let providers = doc.providers.clone();
            apply_doc(state, *doc);
            form_details(state, &providers);
        }
    }
    state.dirty = true;
}

fn set_link(state: &mut State, link: Link) {
    let Some(a) = &mut state.attached else {
        return;
    };
    match &link {
        Link::Live => {
            a.down_since_ms = None;
            a.last_error = None;
        }
        Link::Down { since_ms, error } => {
            a.down_since_ms = Some(*since_ms);
            a.last_error = Some(error.clone());
        }
        Link::Connecting => {}
    }
    let live = link == Link::Live;
    a.link = link;
    // Off the link, every row on screen is stale: marked, with its age.
    for p in &mut state.providers {
        for s in p.jobs.values_mut() {
            s.stale_after_ms = if live { FRESH_MS } else { OFF_LINK };
        }
    }
}

fn empty_slices(p: ProviderId) -> [Slice; 6] {
    [
        Slice::Accounts(p, Vec::new()),
        Slice::LiveCalls(p, None, Vec::new()),
        Slice::CallHistory(p, None, Vec::new()),
        Slice::Trunks(p, Vec::new()),
        Slice::Numbers(p, Vec::new()),
        Slice::Queues(p, Vec::new()),
    ]
}

fn apply_doc(state: &mut State, doc: FeedDoc) {
    for s in doc.slices {
        apply_slice(state, s);
    }
}

/// The providers as the collector has them (a snapshot's whole list). A different set
/// (names, kinds) starts over.
fn same_providers(state: &mut State, feeds: &[ProviderFeed]) {
    let same = feeds.len() == state.providers.len()
        && feeds.iter().zip(&state.providers).all(|(f, p)| {
            f.id == p.id.0 && f.name == p.name && ProviderKind::parse(&f.kind) == Some(p.kind)
        });
    if !same {
        let mut providers = Vec::new();
        for (i, f) in feeds.iter().enumerate() {
            // Ids are positions in the collector's list; a provider we do not know the
            // kind of is skipped (a newer collector), its rows with it.
            let Some(kind) = ProviderKind::parse(&f.kind) else {
                continue;
            };
            if f.id as usize != i || providers.len() != i {
                continue;
            }
            providers.push(ProviderState::new(ProviderId(f.id), &f.name, kind, caps(f)));
        }
        state.provider_names = providers.iter().map(|p| p.name.clone()).collect();
        state.providers = providers;
        state.tables = Default::default();
    }
}

/// Each listed provider's state as the collector sees it: connection, budget, data age.
fn provider_states(state: &mut State, feeds: &[ProviderFeed]) {
    let live = state.attached.as_ref().is_none_or(|a| a.link == Link::Live);
    for f in feeds {
        let Some(p) = state.providers.get_mut(f.id as usize) else {
            continue;
        };
        p.conn = conn_of(f);
        p.last_ok_ms = f.last_success_ms;
        p.budget = BudgetView {
            remaining: f.budget.remaining,
            limit: f.budget.limit,
            window_s: f.budget.window_s,
            scopes: 1,
            throttled: f.budget.throttled,
            used: f.budget.used,
            documented: f.budget.documented,
            resets_in_s: f.budget.resets_in_s,
            next_refresh_s: [None, None],
        };
        p.caps = caps(f);
        p.config_read_only = f.read_only;
        p.jobs = data_jobs(&f.data_ms, live);
    }
}

/// Each listed provider's form details (forwards, flow devices …), in place of what the
/// console held; after the slices, whose accounts fold drops the details of accounts it
/// does not know.
fn form_details(state: &mut State, feeds: &[ProviderFeed]) {
    for f in feeds {
        let pid = ProviderId(f.id);
        if state.providers.get(f.id as usize).is_none() {
            continue;
        }
        state.details.retain(|(id, _), _| *id != pid);
        for d in &f.details {
            match DetailsFeed::deserialize(d) {
                Ok(d) => {
                    state.details.insert((pid, d.account), d.details);
                }
                Err(e) => tracing::debug!("form details from the collector skipped: {e}"),
            }
        }
    }
}

/// The resources a provider offers (those the collector reports data ages for) and the
/// changes it allows.
fn caps(f: &ProviderFeed) -> Capabilities {
    let caps = f
        .data_ms
        .keys()
        .filter_map(|t| table_of(t))
        .fold(Capabilities::new(), |c, (r, _)| c.with(r));
    f.actions
        .iter()
        .filter_map(|a| ActionKind::deserialize(a).ok())
        .fold(caps, |c, a| c.with_action(a))
}

/// One job status per kind, carrying the oldest load time of the tables it feeds.
fn data_jobs(data: &BTreeMap<String, Option<i64>>, live: bool) -> BTreeMap<JobKey, JobStatus> {
    let mut jobs: BTreeMap<JobKey, JobStatus> = BTreeMap::new();
    for (t, at) in data {
        let Some((_, kind)) = table_of(t) else {
            continue;
        };
        let key = JobKey {
            kind,
            scope: String::new(),
        };
        let s = jobs.entry(key).or_insert(JobStatus {
            last_ok_ms: *at,
            last_error: None,
            last_seq: 0,
            stale_after_ms: if live { FRESH_MS } else { OFF_LINK },
        });
        s.last_ok_ms = match (s.last_ok_ms, *at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            _ => None,
        };
    }
    jobs
}

fn conn_of(f: &ProviderFeed) -> ConnState {
    let why = || f.error.clone().unwrap_or_else(|| f.state.clone());
    match f.state.as_str() {
        "ok" => ConnState::Ok,
        "connecting" => ConnState::Connecting,
        "rate_limited" => ConnState::RateLimited {
            until_ms: crate::clock::epoch_ms() + i64::from(f.budget.resets_in_s) * 1000,
        },
        "auth_failed" => ConnState::AuthFailed(why()),
        "unreachable" => ConnState::Unreachable(why()),
        "unreadable" => ConnState::Unreadable(why()),
        _ => ConnState::Degraded(why()),
    }
}

/// One slice in place of what the console held of that table and provider.
fn apply_slice(state: &mut State, slice: Slice) {
    let pid = slice.provider();
    if state.providers.get(pid.0 as usize).is_none() {
        return;
    }
    let slice = match slice {
        Slice::Accounts(_, mut rows) => {
            // The collector's rows are its tree: the provider's root row is made again.
            rows.retain(|a| a.kind != AccountKind::Provider);
            return crate::fold::apply_data(state, pid, "", FetchData::Accounts(rows));
        }
        Slice::Trunks(_, rows) => {
            return crate::fold::apply_data(state, pid, "", FetchData::Trunks(rows));
        }
        Slice::Numbers(_, rows) => {
            return crate::fold::apply_data(state, pid, "", FetchData::Numbers(rows));
        }
        other => other,
    };
    // Calls and queues as the collector folded them: replaced as they are.
    let ctx = Ctx {
        now_ms: state.now_ms,
        provider_names: &state.provider_names,
        tz: &state.tz,
        thresholds: state.thresholds,
    };
    let t = &mut state.tables;
    match slice {
        Slice::LiveCalls(_, account, rows) => {
            t.live.replace_slice(pid, account.as_deref(), rows, &ctx)
        }
        Slice::CallHistory(_, account, rows) => {
            t.history.replace_slice(pid, account.as_deref(), rows, &ctx)
        }
        Slice::Queues(_, rows) => t.queues.replace_slice(pid, None, rows, &ctx),
        Slice::Accounts(..) | Slice::Trunks(..) | Slice::Numbers(..) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Call, CallState, Direction};

    fn call(account: &str, id: &str) -> Call {
        Call {
            provider: ProviderId(0),
            account: account.into(),
            account_name: Default::default(),
            id: id.into(),
            from: "+15550001".into(),
            to: "+15550002".into(),
            direction: Direction::Inbound,
            state: CallState::InCall,
            started_at_ms: Some(1),
            answered_at_ms: None,
            ended_at_ms: None,
            extra: Default::default(),
        }
    }

    #[test]
    fn an_accounts_slice_replaces_that_accounts_calls_only() {
        let p = ProviderState::new(
            ProviderId(0),
            "pbx",
            ProviderKind::ALL[0],
            Capabilities::new(),
        );
        let mut state = State::new(vec![p], 0);
        state.tables.live.rows = vec![call("a", "a1"), call("b", "b1"), call("b", "b2")];
        let doc = FeedDoc {
            revision: 2,
            at_ms: 1,
            providers: vec![],
            slices: vec![Slice::LiveCalls(
                ProviderId(0),
                Some("b".into()),
                vec![call("b", "b3")],
            )],
        };
        apply(&mut state, FeedMsg::Change(Box::new(doc)));
        let ids: Vec<&str> = state
            .tables
            .live
            .rows
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(ids, ["a1", "b3"]);
    }
}
