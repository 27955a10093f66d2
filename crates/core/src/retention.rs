//! How many finished calls a console keeps in memory.
//!
//! Providers hand back long call histories (some lists hold every call an account ever
//! had). A console shows the newest of them, like sngrep's capture limit; the store
//! (`history.sqlite`) keeps what the console saw, and `serve` stores every finished call.

use crate::model::Call;

/// Finished calls the History pane keeps in memory unless `[ui] history_rows` says
/// otherwise: 5,000 rows are a day of a busy account and cost about 5 MB.
pub const DEFAULT_HISTORY_ROWS: usize = 5_000;

/// When a finished call ended (else when it started): newer is larger.
fn recency(c: &Call) -> i64 {
    c.ended_at_ms.or(c.started_at_ms).unwrap_or(i64::MIN)
}

/// Keeps the `cap` newest finished calls (by end, else start), in the order they stood
/// (a refresh that cuts the oldest moves no other row, and the collector's feed sends
/// only the accounts that lost some). O(n).
pub fn keep_newest(calls: &mut Vec<Call>, cap: usize) {
    if calls.len() <= cap {
        return;
    }
    let mut cutoff = i64::MAX;
    if cap > 0 {
        let mut times: Vec<i64> = calls.iter().map(recency).collect();
        let (_, nth, _) = times.select_nth_unstable_by_key(cap - 1, |t| std::cmp::Reverse(*t));
        cutoff = *nth;
    }
    // Everything newer than the cutoff, then as many at it as fit, first come first kept.
    let newer = calls.iter().filter(|c| recency(c) > cutoff).count();
    let mut at_cutoff = cap.saturating_sub(newer);
    calls.retain(|c| {
        let r = recency(c);
        if r > cutoff {
            true
        } else if r == cutoff && at_cutoff > 0 {
            at_cutoff -= 1;
            true
        } else {
            false
        }
    });
    calls.shrink_to_fit();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(id: &str, end: Option<i64>, start: Option<i64>) -> Call {
        Call {
            provider: crate::model::ProviderId(0),
            account: String::new().into(),
            account_name: Default::default(),
            id: id.into(),
            from: String::new().into(),
            to: String::new().into(),
            direction: crate::model::Direction::Unknown,
            state: crate::model::CallState::Completed,
            started_at_ms: start,
            answered_at_ms: None,
            ended_at_ms: end,
            extra: Default::default(),
        }
    }

    #[test]
    fn keeps_the_newest_by_end_then_start() {
        let mut calls = vec![
            call("old", Some(10), Some(1)),
            call("new", Some(50), Some(40)),
            call("no-end", None, Some(45)),
            call("mid", Some(30), Some(20)),
        ];
        keep_newest(&mut calls, 2);
        let mut ids: Vec<_> = calls.iter().map(|c| c.id.as_str()).collect();
        ids.sort();
        assert_eq!(ids, ["new", "no-end"]);
        keep_newest(&mut calls, 5);
        assert_eq!(calls.len(), 2, "under the cap nothing goes");
        keep_newest(&mut calls, 0);
        assert!(calls.is_empty());
    }

    #[test]
    fn what_is_kept_keeps_its_order_and_ties_keep_the_first() {
        let mut calls = vec![
            call("a", Some(30), None),
            call("b", Some(10), None),
            call("c", Some(50), None),
            call("d", Some(30), None),
            call("e", Some(40), None),
        ];
        keep_newest(&mut calls, 3);
        let ids: Vec<_> = calls.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            ["a", "c", "e"],
            "order kept; of the two at 30, the first"
        );
    }
}
