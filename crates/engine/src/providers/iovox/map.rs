//! IOVOX wire rows → the neutral model. Pure functions (tests and benches use them).
//!
//! The account tree is: the API user (root, a customer) → nodes (domains) → links
//! (sub-accounts). Numbers and calls belong to their link (else their node, else the
//! root). Times are IOVOX's `YYYY-MM-DD HH:MM:SS`, read as UTC (the API does not say).

use std::collections::{BTreeMap, HashSet};

use super::wire::{CallData, Link, Metric, NodeRow, Voxnumber};
use crate::model::{
    Account, AccountKind, Call, CallState, Direction, Number, ProviderId, QueueStat,
};

fn push(extra: &mut crate::model::FieldsBuilder, k: impl Into<crate::model::FieldKey>, v: &str) {
    if !v.trim().is_empty() {
        extra.push(k, v.trim());
    }
}

fn name_or_id(name: &str, id: &str) -> String {
    if name.trim().is_empty() {
        id.to_owned()
    } else {
        name.trim().to_owned()
    }
}

/// `YYYY-MM-DD HH:MM:SS` in UTC.
pub fn format_time(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M:%S").to_string()
}

/// `YYYY-MM-DD` in UTC.
pub fn format_date(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%d").to_string()
}

use crate::providers::dates::parse_utc_ms as parse_time;

/// The account tree: root (the API user), its nodes, their links. Links whose node is
/// unknown hang under the root. Ids are unique (the first of a repeated id is kept).
pub fn map_tree(
    provider: ProviderId,
    root: &str,
    nodes: Vec<NodeRow>,
    links: Vec<Link>,
) -> Vec<Account> {
    let mut out = vec![Account {
        provider,
        id: root.to_owned(),
        name: root.to_owned(),
        parent: None,
        kind: AccountKind::Customer,
        active: None,
        extra: vec![("API user".into(), root.to_owned().into())].into(),
    }];
    let mut seen: HashSet<String> = HashSet::from([root.to_owned()]);
    for n in nodes {
        if n.node_id.is_empty() || !seen.insert(n.node_id.clone()) {
            continue;
        }
        let mut extra = crate::model::FieldsBuilder::new();
        push(&mut extra, "node id", &n.node_id);
        push(&mut extra, "node type", &n.node_type);
        out.push(Account {
            provider,
            id: n.node_id.clone(),
            name: name_or_id(&n.node_name, &n.node_id),
            parent: Some(root.to_owned()),
            kind: AccountKind::Domain,
            active: None,
            extra: extra.finish(),
        });
    }
    for l in links {
        if l.link_id.is_empty() || !seen.insert(l.link_id.clone()) {
            continue;
        }
        let parent = if !l.node_id.is_empty() && out.iter().any(|a| a.id == l.node_id) {
            l.node_id.clone()
        } else {
            root.to_owned()
        };
        let mut extra = crate::model::FieldsBuilder::new();
        push(&mut extra, "link id", &l.link_id);
        push(&mut extra, "link type", &l.link_type);
        push(&mut extra, "node", &name_or_id(&l.node_name, &l.node_id));
        push(&mut extra, "voxnumber", &display_number(&l.voxnumber));
        push(&mut extra, "rules", &l.rule);
        if let Some(c) = l.click_to_call {
            push(&mut extra, "click to call", if c { "yes" } else { "no" });
        }
        out.push(Account {
            provider,
            id: l.link_id.clone(),
            name: name_or_id(&l.link_name, &l.link_id),
            parent: Some(parent),
            kind: AccountKind::SubAccount,
            active: None,
            extra: extra.finish(),
        });
    }
    out
}

/// `ON`/`ACTIVE` → on, `OFF` → off, anything else (`NO RULES`) → unknown.
pub fn call_status_active(status: &str) -> Option<bool> {
    match status.trim().to_ascii_uppercase().as_str() {
        "ON" | "ACTIVE" => Some(true),
        "OFF" => Some(false),
        _ => None,
    }
}

/// A VoxNumber in international digits (`442012344321`) as `+442012344321`.
pub fn display_number(n: &str) -> String {
    crate::phone::display(n, &SHOWN)
}

/// How IOVOX numbers are shown: international digits (8 to 15) get their `+`; short
/// origins and anything else stay as sent.
pub const SHOWN: crate::phone::Rules = crate::phone::Rules {
    display_plus_from: 8,
    ..super::forms::PHONE
};

fn owner(root: &str, link_id: &str, node_id: &str) -> String {
    [link_id, node_id, root]
        .into_iter()
        .find(|s| !s.trim().is_empty())
        .unwrap_or_default()
        .trim()
        .to_owned()
}

pub fn map_number(provider: ProviderId, root: &str, v: Voxnumber) -> Number {
    let mut extra = crate::model::FieldsBuilder::new();
    let status = v.call_status.trim().to_ascii_uppercase();
    push(
        &mut extra,
        "call status",
        match call_status_active(&status) {
            Some(true) => "on",
            Some(false) => "off",
            None => &status,
        },
    );
    push(&mut extra, "type", &v.voxnumber_type);
    push(&mut extra, "country", &v.country);
    push(&mut extra, "city", &v.city);
    push(&mut extra, "link", &name_or_id(&v.link_name, &v.link_id));
    push(&mut extra, "node", &name_or_id(&v.node_name, &v.node_id));
    push(
        &mut extra,
        "assigned",
        &v.assigned_status.to_ascii_lowercase(),
    );
    push(&mut extra, "purchased", &v.purchase_date);
    let target = if v.link_id.is_empty() && v.link_name.is_empty() {
        "(no link)".to_owned()
    } else {
        format!(
            "{} / {}",
            name_or_id(&v.node_name, &v.node_id),
            name_or_id(&v.link_name, &v.link_id)
        )
    };
    Number {
        provider,
        account: owner(root, &v.link_id, &v.node_id),
        account_name: Default::default(),
        id: v.voxnumber.trim().to_owned(),
        number: display_number(&v.voxnumber),
        target,
        active: call_status_active(&status),
        extra: extra.finish(),
    }
}

pub fn map_numbers(provider: ProviderId, root: &str, rows: Vec<Voxnumber>) -> Vec<Number> {
    let mut seen = HashSet::new();
    rows.into_iter()
        .filter(|v| !v.voxnumber.trim().is_empty())
        .map(|v| map_number(provider, root, v))
        .filter(|n| seen.insert(n.id.clone()))
        .collect()
}

/// `ANSWERED` → completed, `NO ANSWER`/`BUSY`/`FAILED`/… by name.
pub fn call_result_state(result: &str) -> CallState {
    let r = result.trim().to_ascii_uppercase().replace(['_', '-'], " ");
    match r.as_str() {
        "ANSWERED" | "ANSWER" | "COMPLETED" => CallState::Completed,
        "NO ANSWER" | "NOANSWER" | "UNANSWERED" | "MISSED" => CallState::NoAnswer,
        "BUSY" => CallState::Busy,
        "FAILED" | "FAILURE" | "ERROR" | "CONGESTION" => CallState::Failed,
        "CANCELLED" | "CANCELED" | "CANCEL" | "ABANDONED" => CallState::Cancelled,
        "REJECTED" | "BLOCKED" => CallState::Rejected,
        "" => CallState::Unknown("?".into()),
        _ => CallState::Unknown(result.trim().to_owned()),
    }
}

/// A call's direction: its `direction` (`IN`, …) through the shared normaliser; when
/// that says nothing, its `call_type`: a `DIRECT` call is someone dialling a VoxNumber
/// (inbound), an `API` call one that `initiateCall` placed (outbound).
pub fn direction(direction: &str, call_type: &str) -> Direction {
    match Direction::from_text(direction) {
        Direction::Unknown => match call_type.trim().to_ascii_uppercase().as_str() {
            "DIRECT" => Direction::Inbound,
            "API" => Direction::Outbound,
            _ => Direction::Unknown,
        },
        said => said,
    }
}

fn hms(secs: u64) -> String {
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

pub fn map_call(provider: ProviderId, root: &str, c: CallData) -> Call {
    let started = parse_time(&c.call_start);
    let ended = parse_time(&c.call_end).or_else(|| {
        let (s, d) = (started?, c.call_time_sec?);
        s.checked_add(i64::try_from(d).ok()?.checked_mul(1000)?)
    });
    let answered = match (ended, c.talk_time_sec) {
        (Some(e), Some(t)) if t > 0 => i64::try_from(t)
            .ok()
            .and_then(|t| t.checked_mul(1000))
            .and_then(|t| e.checked_sub(t)),
        _ => None,
    };
    let mut extra = crate::model::FieldsBuilder::new();
    push(&mut extra, "call result", &c.call_result);
    push(&mut extra, "rule result", &c.rule_result);
    push(
        &mut extra,
        "destination",
        &display_number(&c.call_destination),
    );
    if let Some(t) = c.call_time_sec {
        push(&mut extra, "call time", &hms(t));
    }
    if let Some(t) = c.talk_time_sec {
        push(&mut extra, "talk time", &hms(t));
    }
    push(&mut extra, "call type", &c.call_type);
    push(&mut extra, "link", &name_or_id(&c.link_name, &c.link_id));
    push(&mut extra, "node", &name_or_id(&c.node_name, &c.node_id));
    if c.has_recording {
        push(&mut extra, "recording", "yes");
    }
    for cat in &c.categories {
        let label = name_or_id(&cat.label, &cat.id);
        if !label.is_empty() {
            push(&mut extra, format!("category {label}"), &cat.value);
        }
    }
    Call {
        provider,
        account: owner(root, &c.link_id, &c.node_id).into(),
        account_name: Default::default(),
        id: c.id.trim().into(),
        from: display_number(&c.call_origin).into(),
        to: display_number(&c.voxnumber).into(),
        direction: direction(&c.direction, &c.call_type),
        state: call_result_state(&c.call_result),
        started_at_ms: started,
        answered_at_ms: answered,
        ended_at_ms: ended,
        extra: extra.finish(),
    }
}

pub fn map_calls(provider: ProviderId, root: &str, rows: Vec<CallData>) -> Vec<Call> {
    rows.into_iter()
        .map(|c| map_call(provider, root, c))
        .collect()
}

/// Sums for one group of metric rows. A figure the rows never gave stays unknown (a
/// row without `total_calls` counts no calls, rather than zero of them).
#[derive(Default)]
struct Acc {
    /// Calls, when some row gave `total_calls`.
    total: Option<u64>,
    answered: u64,
    call_sec: u64,
    /// Weight of `call_sec` (calls; a row with only an average weighs 1).
    call_n: u64,
    talk_sec: u64,
    talk_n: u64,
    /// Unique callers, when every row gave them (they do not add across groups).
    unique_callers: Option<u64>,
    rows: u64,
}

impl Acc {
    fn add(&mut self, m: &Metric) {
        self.rows += 1;
        if let Some(calls) = m.total_calls {
            self.total = Some(self.total.unwrap_or(0).saturating_add(calls));
            if call_result_state(&m.call_result) == CallState::Completed {
                self.answered = self.answered.saturating_add(calls);
            }
        }
        // A time: its total over `calls`, or an average over them (over one row when
        // the calls are unknown).
        let weight = m.total_calls.unwrap_or(1);
        let time = |total: Option<u64>, avg: Option<u64>| {
            total
                .or_else(|| avg.map(|a| a.saturating_mul(weight)))
                .map(|t| (t, weight))
        };
        if let Some((t, n)) = time(m.total_call_time_sec, m.ave_call_time_sec) {
            self.call_sec = self.call_sec.saturating_add(t);
            self.call_n = self.call_n.saturating_add(n);
        }
        // Calls that never connected talk for 0 s: they do not pull the average down.
        if let Some((t, n)) = time(m.total_talk_time_sec, m.ave_talk_time_sec)
            && t > 0
        {
            self.talk_sec = self.talk_sec.saturating_add(t);
            self.talk_n = self.talk_n.saturating_add(n);
        }
        self.unique_callers = match (self.rows, m.total_unique_callers) {
            (1, u) => u,
            _ => None,
        };
    }

    fn stat(&self, provider: ProviderId, account: &str, name: String, kind: &str) -> QueueStat {
        let c32 = |v: u64| Some(u32::try_from(v).unwrap_or(u32::MAX));
        let avg = |sum: u64, n: u64| sum.checked_div(n).and_then(c32);
        let mut extra = crate::model::FieldsBuilder::new();
        if let Some(u) = self.unique_callers {
            extra.push("unique callers", u.to_string());
        }
        QueueStat {
            provider,
            account: account.to_owned(),
            account_name: Default::default(),
            kind: kind.to_owned(),
            total: self.total.and_then(c32),
            answered: self.total.and_then(|_| c32(self.answered)),
            abandoned: self.total.and_then(|t| c32(t - self.answered.min(t))),
            avg_call_s: avg(self.call_sec, self.call_n),
            avg_talk_s: avg(self.talk_sec, self.talk_n),
            name,
            extra: extra.finish(),
            ..QueueStat::default()
        }
    }
}

/// `getCallMetrics` grouped by `cdate,call_res` → one row per day ("by day", newest
/// first, with a calls-per-day series) and one per call result ("by result", over
/// `period`). `answered` counts `ANSWERED` calls; `abandoned` = every other result. A
/// "by result" row is a breakdown, not a queue: it carries only its total and times, so
/// the abandon thresholds grade the days, never "BUSY is 100 % abandoned".
pub fn map_metrics(
    provider: ProviderId,
    account: &str,
    period: &str,
    rows: Vec<Metric>,
) -> Vec<QueueStat> {
    let mut by_day: BTreeMap<String, Acc> = BTreeMap::new();
    let mut by_result: BTreeMap<String, Acc> = BTreeMap::new();
    for m in &rows {
        let day = m.call_date.trim();
        let day = day.get(..10).filter(|_| day.len() >= 10).unwrap_or(day);
        by_day.entry(day.to_owned()).or_default().add(m);
        let result = m.call_result.trim().to_ascii_uppercase();
        by_result.entry(result).or_default().add(m);
    }
    let series: Vec<u32> = by_day
        .values()
        .map(|a| u32::try_from(a.total.unwrap_or(0)).unwrap_or(u32::MAX))
        .collect();
    let mut out = Vec::new();
    for (day, acc) in by_day.iter().rev() {
        let label = if day.is_empty() { "(no date)" } else { day };
        let mut s = acc.stat(provider, account, label.to_owned(), "by day");
        s.period = label.to_owned();
        s.series = series.clone();
        out.push(s);
    }
    for (result, acc) in &by_result {
        let label = if result.is_empty() { "(none)" } else { result };
        let mut s = acc.stat(provider, account, label.to_owned(), "by result");
        s.period = period.to_owned();
        s.answered = None;
        s.abandoned = None;
        out.push(s);
    }
    out
}
