//! The number trace: for one number, across every configured provider, who owns it
//! (provider and account), where it routes (each provider's own description, its
//! descriptor's `route`), which trunks that route can use, the live calls on it now and
//! its last calls in history, each with the age of the data it came from. Unknown
//! numbers get near matches.
//!
//! A pure function of the console's [`State`]: the `:trace` overlay (`ui/trace.rs`)
//! computes it at every frame, so it stays live; `switchboard trace` ([`cli`]) computes
//! it once over a state folded from one poll of every provider. Numbers are compared by
//! their digits, so `+1 (415) 555-0100` and `14155550100` are the same number.

pub mod cli;
pub mod text;

use serde::Serialize;

use crate::model::{Call, Number, ProviderId, Resource, Trunk};
use crate::providers::route::RouteInput;
use crate::state::State;

/// How many history calls the trace lists (newest first).
pub const RECENT_CALLS: usize = 10;
/// How many near matches an unknown number gets.
pub const NEAR_MATCHES: usize = 5;

/// The trace of one number (the `--json` document's body, documented in the README).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trace {
    /// What was asked, as typed.
    pub query: String,
    /// Its digits: what every comparison uses.
    pub digits: String,
    /// Some configured provider owns the number.
    pub found: bool,
    pub owners: Vec<Owner>,
    pub live_calls: Vec<CallSeen>,
    /// Newest first, at most [`RECENT_CALLS`].
    pub recent_calls: Vec<CallSeen>,
    /// Only when no provider owns the number.
    pub near_matches: Vec<NearMatch>,
    /// What the answer could not look at: providers that list no numbers, or whose
    /// numbers have not loaded yet.
    pub gaps: Vec<String>,
}

/// A provider and account that own the number, with its route.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Owner {
    pub provider: String,
    pub kind: String,
    pub account_id: String,
    /// The account's display name (its id when the tree has not listed it).
    pub account: String,
    /// The number as the provider's row shows it.
    pub number: String,
    pub number_id: String,
    pub active: Option<bool>,
    /// Where calls to it go, one step per line (indented by two spaces per level).
    pub route: Vec<String>,
    /// The trunks the route can use.
    pub trunks: Vec<TrunkSeen>,
    /// The provider lists trunks at all.
    pub trunks_offered: bool,
    /// Age in seconds of the numbers data this came from (None: unknown).
    pub numbers_age_s: Option<i64>,
    /// Age in seconds of the trunks data.
    pub trunks_age_s: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrunkSeen {
    pub id: String,
    pub name: String,
    pub host: String,
    pub port: Option<u16>,
    pub transport: String,
    pub direction: String,
    pub active: Option<bool>,
}

/// A call on the number (from or to it), live or in history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallSeen {
    pub provider: String,
    pub account_id: String,
    pub account: String,
    pub id: String,
    pub from: String,
    pub to: String,
    pub direction: String,
    pub state: String,
    pub started_at_ms: Option<i64>,
    /// How long it has run (live) or lasted (ended); None when unknown.
    pub duration_s: Option<i64>,
    /// Age in seconds of the calls data it came from.
    pub age_s: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NearMatch {
    pub provider: String,
    pub account: String,
    pub number: String,
}

/// The digits of a number however it is typed (`+`, spaces, dashes, dots, parentheses
/// and any other separator ignored).
pub fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Whether two numbers (as digits) are the same number: equal digits, or, for numbers of
/// eight digits or more, one is the other without its country code or trunk zero
/// (`02012344321` and `442012344321`). Short numbers (extensions) match only exactly.
pub fn same_number(a: &str, b: &str) -> bool {
    if a.is_empty() || b.is_empty() {
        return false;
    }
    if a == b {
        return true;
    }
    let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short.len() >= 8 && long.ends_with(short)
}

/// Whether a number row is a plain number (digits and the separators people type)
/// rather than a pattern (a DNID expression such as `30[0-4][0-9]`).
fn is_plain(number: &str) -> bool {
    number
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.' | '/'))
}

/// Whether the number row `number` takes the number whose digits are `q`: by digits for
/// a plain number; a pattern must match the whole number, with or without its `+`.
pub fn takes(number: &str, q: &str) -> bool {
    if is_plain(number) {
        return same_number(&digits(number), q);
    }
    if q.is_empty() || number.len() > 200 {
        return false;
    }
    let body = number.trim_start_matches('^').trim_end_matches('$');
    match regex_lite::Regex::new(&format!("^(?:{body})$")) {
        Ok(re) => re.is_match(q) || re.is_match(&format!("+{q}")),
        Err(_) => false,
    }
}

fn account_name(state: &State, provider: ProviderId, id: &str) -> String {
    state
        .tables
        .accounts
        .rows
        .iter()
        .find(|r| r.account.provider == provider && r.account.id == id)
        .map(|r| r.account.name.clone())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| id.to_owned())
}

/// When the data of `resource` for `account` was last read: the oldest success of the
/// jobs that feed it for that account, else for the provider, else the provider's last
/// success (a state folded from one poll has no jobs).
fn data_at(state: &State, provider: ProviderId, resource: Resource, account: &str) -> Option<i64> {
    let p = state.provider(provider)?;
    let feeds = |k: &crate::providers::JobKey| k.kind.feeds().contains(&resource);
    p.jobs
        .iter()
        .filter(|(k, _)| feeds(k) && k.scope == account)
        .filter_map(|(_, s)| s.last_ok_ms)
        .min()
        .or_else(|| p.data_time(resource))
        .or(p.last_ok_ms)
}

fn age_s(at: Option<i64>, now_ms: i64) -> Option<i64> {
    at.map(|t| ((now_ms - t) / 1000).max(0))
}

fn owner(state: &State, n: &Number) -> Owner {
    let p = state.provider(n.provider);
    let name = p.map_or_else(|| "?".to_owned(), |p| p.name.clone());
    let kind = p.map(|p| p.kind);
    let descriptor = kind.map(crate::providers::descriptor);
    let trunks: Vec<&Trunk> = state
        .tables
        .trunks
        .rows
        .iter()
        .filter(|t| t.provider == n.provider)
        .collect();
    let owner_row = state
        .tables
        .accounts
        .rows
        .iter()
        .find(|r| r.account.provider == n.provider && r.account.id == n.account)
        .map(|r| &r.account);
    let input = RouteInput {
        number: n,
        owner: owner_row,
        trunks: &trunks,
    };
    let route = match descriptor {
        Some(d) => (d.route)(&input),
        None => crate::providers::route::target_only(&input),
    };
    let trunk_rows = route
        .trunks
        .iter()
        .filter_map(|id| trunks.iter().find(|t| t.id == *id))
        .map(|t| TrunkSeen {
            id: t.id.clone(),
            name: t.name.clone(),
            host: t.host.clone(),
            port: t.port,
            transport: t.transport.clone(),
            direction: t.direction.clone(),
            active: t.active,
        })
        .collect();
    let offers_trunks = p.is_some_and(|p| p.caps.offers(Resource::Trunks));
    Owner {
        provider: name,
        kind: kind.map(|k| k.to_string()).unwrap_or_default(),
        account_id: n.account.clone(),
        account: account_name(state, n.provider, &n.account),
        number: n.number.clone(),
        number_id: n.id.clone(),
        active: n.active,
        route: route.steps,
        trunks: trunk_rows,
        trunks_offered: offers_trunks,
        numbers_age_s: age_s(
            data_at(state, n.provider, Resource::Numbers, &n.account),
            state.now_ms,
        ),
        trunks_age_s: offers_trunks
            .then(|| {
                age_s(
                    data_at(state, n.provider, Resource::Trunks, &n.account),
                    state.now_ms,
                )
            })
            .flatten(),
    }
}

fn call_seen(state: &State, c: &Call, resource: Resource) -> CallSeen {
    CallSeen {
        provider: state.ctx().provider_name(c.provider).to_owned(),
        account_id: c.account.to_string(),
        account: account_name(state, c.provider, &c.account),
        id: c.id.to_string(),
        from: c.from.to_string(),
        to: c.to.to_string(),
        direction: c.direction.label().to_owned(),
        state: c.state.label().to_owned(),
        started_at_ms: c.started_at_ms,
        duration_s: c.duration_s(state.now_ms),
        age_s: age_s(
            data_at(state, c.provider, resource, &c.account),
            state.now_ms,
        ),
    }
}

fn on_number(c: &Call, q: &str) -> bool {
    same_number(&digits(&c.from), q) || same_number(&digits(&c.to), q)
}

/// Numbers close to `q` (by digits): at most two edits away, or containing it.
fn near_matches(state: &State, q: &str) -> Vec<NearMatch> {
    if q.len() < 3 {
        return Vec::new();
    }
    let mut scored: Vec<(usize, &Number)> = state
        .tables
        .numbers
        .rows
        .iter()
        .filter(|n| is_plain(&n.number))
        .filter_map(|n| {
            let d = digits(&n.number);
            let dist = crate::format::edit_distance(q, &d);
            let close = dist <= 2 && dist < d.len().max(1);
            (close || (d.len() > q.len() && d.contains(q))).then_some((dist, n))
        })
        .collect();
    scored.sort_by(|(a, x), (b, y)| a.cmp(b).then_with(|| x.number.cmp(&y.number)));
    let mut out: Vec<NearMatch> = Vec::new();
    for (_, n) in scored {
        let m = NearMatch {
            provider: state.ctx().provider_name(n.provider).to_owned(),
            account: account_name(state, n.provider, &n.account),
            number: n.number.clone(),
        };
        if !out.contains(&m) {
            out.push(m);
        }
        if out.len() == NEAR_MATCHES {
            break;
        }
    }
    out
}

/// The trace of `query` over everything `state` holds (every provider, whatever the
/// panes' scope and filters).
pub fn trace(state: &State, query: &str) -> Trace {
    let q = digits(query);
    let t = &state.tables;
    let owners: Vec<Owner> = t
        .numbers
        .rows
        .iter()
        .filter(|n| takes(&n.number, &q))
        .map(|n| owner(state, n))
        .collect();
    let mut live: Vec<&Call> = t.live.rows.iter().filter(|c| on_number(c, &q)).collect();
    live.sort_by_key(|c| c.started_at_ms);
    let mut recent: Vec<&Call> = t.history.rows.iter().filter(|c| on_number(c, &q)).collect();
    // The history store's calls on this number, older than the pane keeps (asked for
    // when the trace opened): each call once, the pane's row first.
    if let Some((digits, stored)) = &state.trace_history
        && *digits == q
    {
        let shown: std::collections::HashSet<(crate::model::ProviderId, &str)> =
            recent.iter().map(|c| (c.provider, c.id.as_str())).collect();
        let older: Vec<&Call> = stored
            .iter()
            .filter(|c| !shown.contains(&(c.provider, c.id.as_str())) && on_number(c, &q))
            .collect();
        recent.extend(older);
    }
    recent.sort_by_key(|c| std::cmp::Reverse(c.started_at_ms));
    recent.truncate(RECENT_CALLS);
    let mut gaps = Vec::new();
    for p in &state.providers {
        if !p.caps.offers(Resource::Numbers) {
            gaps.push(format!(
                "{} lists no numbers (its calls are searched)",
                p.name
            ));
        } else if p.data_time(Resource::Numbers).or(p.last_ok_ms).is_none() {
            gaps.push(format!("{}: numbers not loaded yet", p.name));
        }
    }
    let found = !owners.is_empty();
    Trace {
        query: query.trim().to_owned(),
        digits: q.clone(),
        found,
        owners,
        live_calls: live
            .into_iter()
            .map(|c| call_seen(state, c, Resource::LiveCalls))
            .collect(),
        recent_calls: recent
            .into_iter()
            .map(|c| call_seen(state, c, Resource::CallHistory))
            .collect(),
        near_matches: if found {
            Vec::new()
        } else {
            near_matches(state, &q)
        },
        gaps,
    }
}

/// The number a row of the focused pane holds, for the trace key: a number row's
/// number; a call's number that some provider owns (its `to`, else its `from`), else its
/// `to`. None on panes whose rows hold no number.
pub fn selected_number(state: &State) -> Option<String> {
    let t = &state.tables;
    let owned = |s: &str| {
        let d = digits(s);
        t.numbers.rows.iter().any(|n| takes(&n.number, &d))
    };
    let pick = |c: &Call| {
        [&c.to, &c.from]
            .into_iter()
            .find(|s| owned(s))
            .or([&c.to, &c.from].into_iter().find(|s| !digits(s).is_empty()))
            .map(|s| s.to_string())
    };
    match state.focus {
        Resource::Numbers => t.numbers.selected_row().map(|n| n.number.clone()),
        Resource::LiveCalls => t.live.selected_row().and_then(pick),
        Resource::CallHistory => t.history.selected_row().and_then(pick),
        _ => None,
    }
    .filter(|n| !digits(n).is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_by_digits_and_without_country_code_or_trunk_zero() {
        assert_eq!(digits("+1 (415) 555-0100"), "14155550100");
        assert!(same_number("14155550100", "14155550100"));
        assert!(same_number("442012344321", "02012344321"));
        assert!(same_number("4155550100", "14155550100"));
        // Extensions and short codes only exactly.
        assert!(same_number("101", "101"));
        assert!(!same_number("101", "4101"));
        assert!(!same_number("5550100", "14155550100"));
        assert!(!same_number("", ""));
    }

    #[test]
    fn a_pattern_row_takes_the_numbers_it_matches_and_a_plain_row_only_its_own() {
        assert!(takes("+1 (415) 555-0100", "14155550100"));
        assert!(takes("30[0-4][0-9]", "3042"));
        assert!(!takes("30[0-4][0-9]", "3052"));
        // Its digits are not a number: `300409` is not what `30[0-4][0-9]` takes.
        assert!(!takes("30[0-4][0-9]", "300409"));
        assert!(takes("^(\\+14155550100)$", "14155550100"));
        assert!(!takes("[unclosed", "1"));
    }
}
