//! Queue and ring-group statistics: pure arithmetic from neutral call records to
//! [`QueueStat`] rows, plus the thresholds the Queues pane colours them by.
//!
//! Every figure, for one group over one window (calls whose start lies in
//! `[window start, now]`):
//! - offered   = calls that entered the group;
//! - answered / abandoned / timed out = calls with that outcome;
//! - waiting   = calls not yet answered and not finished; active = answered, not finished;
//! - answer rate = answered / offered, abandon rate = abandoned / offered (whole percent,
//!   rounded down, "-" when nothing was offered);
//! - wait of a call = answer time − start (answered), finish − start (abandoned, timed
//!   out); average wait = mean over the calls with a known wait, longest = their maximum;
//! - talk of an answered, finished call = finish − answer; average talk = their mean;
//! - per agent = answered calls per `answered_by` name, most first (ties by name);
//! - series = offered calls per interval (15 × 1 min, 12 × 5 min, or one per hour since
//!   midnight), oldest first.
//!
//! Averages are whole seconds, rounded to nearest.

use std::collections::BTreeMap;

use crate::model::{ProviderId, QueueStat};

/// How a group call ended (or not yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Answered,
    Abandoned,
    TimedOut,
    /// Still in progress, or a status the provider did not explain.
    Other,
}

/// One call through a queue or ring group, provider-neutral. Times are epoch ms.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupCallRecord {
    /// The provider's id of the call or, where it gives none, a key its mapping builds
    /// from the row (the same at every poll): what the collector's store keys it by.
    pub id: String,
    pub group: String,
    /// "queue" or "ring group".
    pub kind: String,
    pub started_ms: i64,
    pub answered_ms: Option<i64>,
    pub finished_ms: Option<i64>,
    pub agent: Option<String>,
    pub outcome: Outcome,
}

/// The window the Queues pane shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatsWindow {
    Min15,
    Hour,
    #[default]
    Today,
}

impl StatsWindow {
    pub const ALL: [StatsWindow; 3] = [StatsWindow::Min15, StatsWindow::Hour, StatsWindow::Today];

    pub fn label(self) -> &'static str {
        match self {
            StatsWindow::Min15 => "15 min",
            StatsWindow::Hour => "1 h",
            StatsWindow::Today => "today",
        }
    }

    pub fn next(self) -> StatsWindow {
        match self {
            StatsWindow::Min15 => StatsWindow::Hour,
            StatsWindow::Hour => StatsWindow::Today,
            StatsWindow::Today => StatsWindow::Min15,
        }
    }

    /// Start of the window (epoch ms); `day_start_ms` is local midnight.
    pub fn start_ms(self, now_ms: i64, day_start_ms: i64) -> i64 {
        match self {
            StatsWindow::Min15 => now_ms - 15 * 60_000,
            StatsWindow::Hour => now_ms - 60 * 60_000,
            StatsWindow::Today => day_start_ms,
        }
    }

    /// Length of one sparkline interval (ms).
    pub fn bucket_ms(self) -> i64 {
        match self {
            StatsWindow::Min15 => 60_000,
            StatsWindow::Hour => 5 * 60_000,
            StatsWindow::Today => 60 * 60_000,
        }
    }
}

/// Local midnight of the day holding `now_ms` in `tz`, epoch ms ("today" starts there).
pub fn day_start_ms(now_ms: i64, tz: &jiff::tz::TimeZone) -> i64 {
    jiff::Timestamp::from_millisecond(now_ms)
        .ok()
        .and_then(|t| t.to_zoned(tz.clone()).start_of_day().ok())
        .map_or(now_ms - 86_400_000, |z| z.timestamp().as_millisecond())
}

/// Thresholds from the config's `[stats]` section.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Abandon rate (percent) at or above which a row is drawn in the warning colour.
    pub abandon_warn_percent: f64,
    /// … and in the critical (error) colour.
    pub abandon_crit_percent: f64,
    /// Ring the terminal bell when a group newly crosses a threshold.
    pub bell: bool,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            abandon_warn_percent: 10.0,
            abandon_crit_percent: 20.0,
            bell: false,
        }
    }
}

/// How bad a row's abandon rate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Normal,
    Warning,
    Critical,
}

/// Abandon rate of any [`QueueStat`] in percent: abandoned / total (total falls back to
/// answered + abandoned + timed out). None when nothing was offered.
pub fn abandon_rate(q: &QueueStat) -> Option<f64> {
    let abandoned = q.abandoned?;
    let total = q
        .total
        .or_else(|| Some(q.answered.unwrap_or(0) + abandoned + q.timed_out.unwrap_or(0)))?;
    (total > 0).then(|| f64::from(abandoned) * 100.0 / f64::from(total))
}

/// Answer rate of any [`QueueStat`] in percent.
pub fn answer_rate(q: &QueueStat) -> Option<f64> {
    let answered = q.answered?;
    let total = q.total?;
    (total > 0).then(|| f64::from(answered) * 100.0 / f64::from(total))
}

pub fn level(q: &QueueStat, t: &Thresholds) -> Level {
    match abandon_rate(q) {
        Some(r) if r >= t.abandon_crit_percent => Level::Critical,
        Some(r) if r >= t.abandon_warn_percent => Level::Warning,
        _ => Level::Normal,
    }
}

/// Whether a row has any figure to show: a count, a time, calls per agent or per
/// interval. The Queues pane shows only such rows (a row of dashes says nothing).
pub fn has_figures(q: &QueueStat) -> bool {
    [
        q.waiting,
        q.active,
        q.answered,
        q.abandoned,
        q.total,
        q.max_concurrency,
        q.longest_wait_s,
        q.timed_out,
        q.avg_wait_s,
        q.avg_talk_s,
        q.avg_call_s,
    ]
    .iter()
    .any(Option::is_some)
        || !q.per_agent.is_empty()
        || q.series.iter().any(|v| *v > 0)
}

/// A percentage as the pane prints it ("12%", "-").
pub fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |p| format!("{}%", p.floor() as i64))
}

fn mean_s(values: &[i64]) -> Option<u32> {
    if values.is_empty() {
        return None;
    }
    let ms = values.iter().sum::<i64>() as f64 / values.len() as f64;
    Some((ms / 1000.0).round().max(0.0) as u32)
}

/// One [`QueueStat`] per group for `window`, sorted by kind then name. Groups without a
/// call in the window still get a row (zeros) when they appear anywhere in `records`.
pub fn compute(
    provider: ProviderId,
    account: &str,
    records: &[GroupCallRecord],
    window: StatsWindow,
    now_ms: i64,
    day_start_ms: i64,
) -> Vec<QueueStat> {
    let start = window.start_ms(now_ms, day_start_ms);
    let bucket = window.bucket_ms().max(1);
    let buckets = (((now_ms - start).max(0) / bucket) + 1).clamp(1, 48) as usize;
    let mut groups: BTreeMap<(String, String), Vec<&GroupCallRecord>> = BTreeMap::new();
    for r in records {
        let entry = groups.entry((r.kind.clone(), r.group.clone())).or_default();
        if r.started_ms >= start && r.started_ms <= now_ms {
            entry.push(r);
        }
    }
    groups
        .into_iter()
        .map(|((kind, name), calls)| {
            let count = |o: Outcome| calls.iter().filter(|c| c.outcome == o).count() as u32;
            let mut waits = Vec::new();
            let mut talks = Vec::new();
            let mut agents: BTreeMap<String, u32> = BTreeMap::new();
            let mut series = vec![0u32; buckets];
            let (mut waiting, mut active) = (0u32, 0u32);
            for c in &calls {
                let wait = match c.outcome {
                    Outcome::Answered => c.answered_ms.map(|a| a - c.started_ms),
                    Outcome::Abandoned | Outcome::TimedOut => {
                        c.finished_ms.map(|f| f - c.started_ms)
                    }
                    Outcome::Other => None,
                };
                if let Some(w) = wait.filter(|w| *w >= 0) {
                    waits.push(w);
                }
                if c.outcome == Outcome::Answered {
                    if let (Some(a), Some(f)) = (c.answered_ms, c.finished_ms)
                        && f >= a
                    {
                        talks.push(f - a);
                    }
                    let agent = c.agent.clone().unwrap_or_else(|| "(unknown)".into());
                    *agents.entry(agent).or_default() += 1;
                }
                if c.finished_ms.is_none() {
                    if c.answered_ms.is_some() {
                        active += 1;
                    } else {
                        waiting += 1;
                    }
                }
                let i = ((c.started_ms - start).max(0) / bucket) as usize;
                if let Some(slot) = series.get_mut(i.min(buckets - 1)) {
                    *slot += 1;
                }
            }
            let mut per_agent: Vec<(String, u32)> = agents.into_iter().collect();
            per_agent.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            QueueStat {
                provider,
                account: account.to_string(),
                account_name: Default::default(),
                name,
                kind,
                waiting: Some(waiting),
                active: Some(active),
                answered: Some(count(Outcome::Answered)),
                abandoned: Some(count(Outcome::Abandoned)),
                total: Some(calls.len() as u32),
                max_concurrency: None,
                longest_wait_s: waits.iter().max().map(|w| (*w / 1000) as u32),
                timed_out: Some(count(Outcome::TimedOut)),
                avg_wait_s: mean_s(&waits),
                avg_talk_s: mean_s(&talks),
                avg_call_s: None,
                period: window.label().to_string(),
                per_agent,
                series,
                extra: Default::default(),
            }
        })
        .collect()
}

/// A sparkline of `series` in eighth blocks, scaled to its maximum.
pub fn sparkline(series: &[u32]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = series.iter().copied().max().unwrap_or(0);
    series
        .iter()
        .map(|&v| {
            if max == 0 || v == 0 {
                ' '
            } else {
                BARS[((v as usize * 8).div_ceil(max as usize)).clamp(1, 8) - 1]
            }
        })
        .collect()
}

/// Whether a row newly reached a higher level than it had in `before` (for the bell).
pub fn newly_crossed(before: &[&QueueStat], after: &[QueueStat], t: &Thresholds) -> bool {
    after.iter().any(|q| {
        let now = level(q, t);
        let prev = before
            .iter()
            .find(|b| b.provider == q.provider && b.account == q.account && b.name == q.name)
            .map_or(Level::Normal, |b| level(b, t));
        now > prev
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_of_dashes_has_no_figures() {
        let empty = QueueStat {
            name: "BUSY".into(),
            kind: "by result".into(),
            period: "last 7 days".into(),
            ..QueueStat::default()
        };
        assert!(!has_figures(&empty));
        assert!(!has_figures(&QueueStat {
            series: vec![0, 0],
            ..empty.clone()
        }));
        assert!(has_figures(&QueueStat {
            total: Some(0),
            ..empty.clone()
        }));
        assert!(has_figures(&QueueStat {
            avg_call_s: Some(12),
            ..empty.clone()
        }));
        assert!(has_figures(&QueueStat {
            per_agent: vec![("ann".into(), 3)],
            ..empty
        }));
    }

    const MIN: i64 = 60_000;

    fn rec(
        group: &str,
        start_min: i64,
        answered_s: Option<i64>,
        finished_s: Option<i64>,
        agent: Option<&str>,
        outcome: Outcome,
    ) -> GroupCallRecord {
        let started_ms = start_min * MIN;
        GroupCallRecord {
            id: format!("{group}-{start_min}"),
            group: group.into(),
            kind: "queue".into(),
            started_ms,
            answered_ms: answered_s.map(|s| started_ms + s * 1000),
            finished_ms: finished_s.map(|s| started_ms + s * 1000),
            agent: agent.map(Into::into),
            outcome,
        }
    }

    /// A fixed list around now = minute 600 (10:00), midnight = 0.
    fn fixture() -> Vec<GroupCallRecord> {
        vec![
            // Within 15 min (start ≥ 585).
            rec(
                "sales",
                590,
                Some(20),
                Some(140),
                Some("ann"),
                Outcome::Answered,
            ),
            rec(
                "sales",
                595,
                Some(40),
                Some(100),
                Some("bob"),
                Outcome::Answered,
            ),
            rec("sales", 596, None, Some(30), None, Outcome::Abandoned),
            rec("sales", 599, None, None, None, Outcome::Other), // waiting now
            // Within 1 h (start ≥ 540) but not 15 min.
            rec(
                "sales",
                550,
                Some(10),
                Some(70),
                Some("ann"),
                Outcome::Answered,
            ),
            rec("sales", 560, None, Some(300), None, Outcome::TimedOut),
            // Earlier today.
            rec("sales", 100, None, Some(5), None, Outcome::Abandoned),
            rec(
                "support",
                120,
                Some(8),
                Some(68),
                Some("cy"),
                Outcome::Answered,
            ),
        ]
    }

    #[test]
    fn fifteen_minutes_by_hand() {
        let rows = compute(
            ProviderId(0),
            "pbx",
            &fixture(),
            StatsWindow::Min15,
            600 * MIN,
            0,
        );
        let sales = rows.iter().find(|r| r.name == "sales").unwrap();
        assert_eq!(sales.total, Some(4));
        assert_eq!(sales.answered, Some(2));
        assert_eq!(sales.abandoned, Some(1));
        assert_eq!(sales.timed_out, Some(0));
        assert_eq!(sales.waiting, Some(1));
        // Waits 20, 40, 30 s → mean 30, longest 40.
        assert_eq!(sales.avg_wait_s, Some(30));
        assert_eq!(sales.longest_wait_s, Some(40));
        // Talk 120 and 60 s → 90.
        assert_eq!(sales.avg_talk_s, Some(90));
        assert_eq!(sales.per_agent, vec![("ann".into(), 1), ("bob".into(), 1)]);
        assert_eq!(abandon_rate(sales), Some(25.0));
        assert_eq!(answer_rate(sales), Some(50.0));
        assert_eq!(sales.period, "15 min");
        // 1-min buckets from 585: starts at 590, 595, 596, 599 → slots 5, 10, 11, 14.
        assert_eq!(sales.series.len(), 16);
        assert_eq!(sales.series.iter().sum::<u32>(), 4);
        assert_eq!(sales.series[5], 1);
        assert_eq!(sales.series[11], 1);
        // A group with no call in the window still has a row of zeros.
        let support = rows.iter().find(|r| r.name == "support").unwrap();
        assert_eq!(support.total, Some(0));
        assert_eq!(support.avg_wait_s, None);
        assert_eq!(abandon_rate(support), None);
    }

    #[test]
    fn hour_and_today_by_hand() {
        let hour = compute(
            ProviderId(0),
            "pbx",
            &fixture(),
            StatsWindow::Hour,
            600 * MIN,
            0,
        );
        let sales = hour.iter().find(|r| r.name == "sales").unwrap();
        assert_eq!(sales.total, Some(6));
        assert_eq!(sales.answered, Some(3));
        assert_eq!(sales.timed_out, Some(1));
        // Waits 20, 40, 30, 10, 300 → 80 mean, 300 longest.
        assert_eq!(sales.avg_wait_s, Some(80));
        assert_eq!(sales.longest_wait_s, Some(300));
        // Talks 120, 60, 60 → 80.
        assert_eq!(sales.avg_talk_s, Some(80));
        assert_eq!(sales.per_agent, vec![("ann".into(), 2), ("bob".into(), 1)]);

        let today = compute(
            ProviderId(0),
            "pbx",
            &fixture(),
            StatsWindow::Today,
            600 * MIN,
            0,
        );
        let sales = today.iter().find(|r| r.name == "sales").unwrap();
        assert_eq!(sales.total, Some(7));
        assert_eq!(sales.abandoned, Some(2));
        // 2 of 7 = 28.57 % → printed 28%.
        assert_eq!(percent(abandon_rate(sales)), "28%");
        // Hourly buckets since midnight: 11 (hours 0..=10).
        assert_eq!(sales.series.len(), 11);
        assert_eq!(sales.series[1], 1);
        assert_eq!(sales.series[9], 6);
    }

    #[test]
    fn thresholds_grade_any_queue_stat() {
        let t = Thresholds::default();
        let q = |abandoned, total| QueueStat {
            abandoned: Some(abandoned),
            total: Some(total),
            ..QueueStat::default()
        };
        assert_eq!(level(&q(0, 10), &t), Level::Normal);
        assert_eq!(level(&q(1, 10), &t), Level::Warning);
        assert_eq!(level(&q(2, 10), &t), Level::Critical);
        assert_eq!(level(&q(0, 0), &t), Level::Normal);
        // Rows without `total` (providers that report none) use answered + abandoned +
        // timed out.
        let no_total = QueueStat {
            answered: Some(3),
            abandoned: Some(1),
            ..QueueStat::default()
        };
        assert_eq!(abandon_rate(&no_total), Some(25.0));
        assert!(newly_crossed(&[&q(0, 10)], &[q(3, 10)], &t));
        assert!(!newly_crossed(&[&q(3, 10)], &[q(3, 10)], &t));
        assert!(!newly_crossed(&[&q(3, 10)], &[q(1, 10)], &t));
    }

    #[test]
    fn sparkline_scales_to_the_maximum() {
        assert_eq!(sparkline(&[0, 1, 2, 4]), " ▂▄█");
        assert_eq!(sparkline(&[]), "");
        assert_eq!(sparkline(&[0, 0]), "  ");
    }
}
