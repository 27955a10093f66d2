//! The trace as lines of text: what the `:trace` overlay draws and what
//! `switchboard trace` prints (the same words in both).

use super::{CallSeen, Trace};

/// How a line reads: the overlay styles it, the CLI prints it plainly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Heading,
    Plain,
    Dim,
    Warn,
}

fn age(age_s: Option<i64>) -> String {
    match age_s {
        Some(s) => crate::format::age(0, s * 1000),
        None => "never read".to_owned(),
    }
}

fn call_line(c: &CallSeen, now_ms: i64, tz: &jiff::tz::TimeZone) -> String {
    let at = c
        .started_at_ms
        .map_or_else(|| "-".to_owned(), |t| crate::format::clock(t, now_ms, tz));
    let length = c
        .duration_s
        .map(|d| format!(" {}", crate::format::duration(d)))
        .unwrap_or_default();
    format!(
        "{at}  {} → {}  {}  {}{length}  {} / {}  (as of {})",
        c.from,
        c.to,
        c.direction,
        c.state,
        c.provider,
        c.account,
        age(c.age_s)
    )
}

/// The trace as lines, each with its tone.
pub fn lines(t: &Trace, now_ms: i64, tz: &jiff::tz::TimeZone) -> Vec<(String, Tone)> {
    let mut out: Vec<(String, Tone)> = Vec::new();
    let mut push = |s: String, tone| out.push((s, tone));
    if t.digits.is_empty() {
        push(
            format!(
                "\"{}\" has no digits: type a number, e.g. :trace +14155550100",
                t.query
            ),
            Tone::Warn,
        );
        return out;
    }
    if t.owners.is_empty() {
        push(
            format!(
                "{}: unknown number — no configured provider lists it",
                t.query
            ),
            Tone::Warn,
        );
        if t.near_matches.is_empty() {
            push("  no near matches".to_owned(), Tone::Dim);
        } else {
            push("Near matches".to_owned(), Tone::Heading);
            for m in &t.near_matches {
                push(
                    format!("  {}  {} / {}", m.number, m.provider, m.account),
                    Tone::Plain,
                );
            }
        }
    }
    for o in &t.owners {
        let state = match o.active {
            Some(true) => ", active",
            Some(false) => ", disabled",
            None => "",
        };
        push(
            format!(
                "{} — {} ({}) / {}{state}",
                o.number, o.provider, o.kind, o.account
            ),
            Tone::Heading,
        );
        let id = if o.account_id == o.account {
            String::new()
        } else {
            format!(" (id {})", o.account_id)
        };
        push(
            format!(
                "  owner: account {}{id}, number id {}  (numbers as of {})",
                o.account,
                o.number_id,
                age(o.numbers_age_s)
            ),
            Tone::Dim,
        );
        push("  route".to_owned(), Tone::Plain);
        if o.route.is_empty() {
            push(
                "    (the provider says nothing about its route)".to_owned(),
                Tone::Dim,
            );
        }
        for step in &o.route {
            let tone = if step.contains(crate::model::FLOW_PROBLEM_MARK) {
                Tone::Warn
            } else {
                Tone::Plain
            };
            push(format!("    {step}"), tone);
        }
        if !o.trunks_offered {
            push(format!("  trunks: {} lists none", o.provider), Tone::Dim);
        } else if o.trunks.is_empty() {
            push(
                format!(
                    "  trunks: none on this route (trunks as of {})",
                    age(o.trunks_age_s)
                ),
                Tone::Dim,
            );
        } else {
            push(
                format!("  trunks (as of {})", age(o.trunks_age_s)),
                Tone::Plain,
            );
            for tr in &o.trunks {
                let port = tr.port.map(|p| format!(":{p}")).unwrap_or_default();
                let extra: Vec<&str> = [tr.transport.as_str(), tr.direction.as_str()]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect();
                let off = if tr.active == Some(false) {
                    "  disabled"
                } else {
                    ""
                };
                push(
                    format!(
                        "    {}  {}{port}  {}{off}",
                        tr.name,
                        tr.host,
                        extra.join(" ")
                    )
                    .trim_end()
                    .to_owned(),
                    Tone::Plain,
                );
            }
        }
    }
    push(
        format!("Live calls on it now: {}", t.live_calls.len()),
        Tone::Heading,
    );
    for c in &t.live_calls {
        push(format!("  {}", call_line(c, now_ms, tz)), Tone::Plain);
    }
    push(
        match t.recent_calls.len() {
            0 => "Last calls: none in history".to_owned(),
            n => format!("Last calls (newest first): {n}"),
        },
        Tone::Heading,
    );
    for c in &t.recent_calls {
        push(format!("  {}", call_line(c, now_ms, tz)), Tone::Plain);
    }
    for g in &t.gaps {
        push(format!("note: {g}"), Tone::Dim);
    }
    out
}
