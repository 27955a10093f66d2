//! Synthetic call traffic: Poisson arrivals and a pre-planned life cycle per call.
//!
//! A call's whole life (when it starts ringing, whether and when it is answered, when
//! and how it ends) is drawn when it is created, so its state at any instant is a pure
//! function of the plan and the clock. Hanging up early just rewrites the plan.

use super::rng::Rng;

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Completed,
    NoAnswer,
    Busy,
    Cancel,
    Error,
}

/// Where a call is at some instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    New,
    Processing,
    Ringing,
    Connected,
    Ended(Outcome),
}

/// All times are epoch milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct CallPlan {
    pub start_ms: u64,
    pub processing_ms: u64,
    pub ringing_ms: u64,
    pub answer_ms: Option<u64>,
    pub end_ms: u64,
    pub outcome: Outcome,
}

impl CallPlan {
    /// Draw a life cycle for a call starting at `start_ms`: new → processing → ringing
    /// (0.5–3 s) → answered (~70 %) and completed after a talk time with mean ~40 s and a
    /// long tail, or ended as noanswer / busy / cancel / error.
    pub fn draw(rng: &mut Rng, start_ms: u64) -> CallPlan {
        let processing_ms = start_ms + rng.range(80, 300);
        let ringing_ms = processing_ms + rng.range(100, 400);
        let ring_for = rng.range(500, 3_000);
        if rng.chance(0.7) {
            let answer = ringing_ms + ring_for;
            let talk_s = if rng.chance(0.1) {
                // Some long calls (conference bridges, support queues).
                120.0 + rng.exp(300.0)
            } else {
                3.0 + rng.exp(33.0)
            };
            CallPlan {
                start_ms,
                processing_ms,
                ringing_ms,
                answer_ms: Some(answer),
                end_ms: answer + (talk_s * 1000.0) as u64,
                outcome: Outcome::Completed,
            }
        } else {
            let x = rng.f64();
            let outcome = if x < 0.45 {
                Outcome::NoAnswer
            } else if x < 0.75 {
                Outcome::Busy
            } else if x < 0.93 {
                Outcome::Cancel
            } else {
                Outcome::Error
            };
            let end_ms = match outcome {
                // Busy and errors come back quickly, before or right after ringing starts.
                Outcome::Busy | Outcome::Error => ringing_ms + rng.range(50, 600),
                _ => ringing_ms + ring_for,
            };
            CallPlan {
                start_ms,
                processing_ms,
                ringing_ms,
                answer_ms: None,
                end_ms,
                outcome,
            }
        }
    }

    /// An answered call that started `ago_ms` before `now_ms` and lasts another
    /// `remaining_ms` (for calls already in progress when the simulator starts).
    pub fn in_progress(rng: &mut Rng, now_ms: u64, ago_ms: u64, remaining_ms: u64) -> CallPlan {
        let start_ms = now_ms.saturating_sub(ago_ms);
        let processing_ms = start_ms + rng.range(80, 300);
        let ringing_ms = processing_ms + rng.range(100, 400);
        let answer = (ringing_ms + rng.range(500, 3_000)).min(now_ms);
        CallPlan {
            start_ms,
            processing_ms: processing_ms.min(answer),
            ringing_ms: ringing_ms.min(answer),
            answer_ms: Some(answer),
            end_ms: now_ms + remaining_ms,
            outcome: Outcome::Completed,
        }
    }

    pub fn phase_at(&self, now_ms: u64) -> Phase {
        if now_ms >= self.end_ms {
            Phase::Ended(self.outcome)
        } else if self.answer_ms.is_some_and(|a| now_ms >= a) {
            Phase::Connected
        } else if now_ms >= self.ringing_ms {
            Phase::Ringing
        } else if now_ms >= self.processing_ms {
            Phase::Processing
        } else {
            Phase::New
        }
    }

    pub fn is_live(&self, now_ms: u64) -> bool {
        now_ms < self.end_ms
    }

    /// The answer time if it has happened by `now_ms`.
    pub fn answered_by(&self, now_ms: u64) -> Option<u64> {
        self.answer_ms.filter(|a| *a <= now_ms && *a <= self.end_ms)
    }

    /// The time of the last state change at or before `now_ms`.
    pub fn last_change(&self, now_ms: u64) -> u64 {
        [
            Some(self.start_ms),
            Some(self.processing_ms),
            Some(self.ringing_ms),
            self.answer_ms,
            Some(self.end_ms),
        ]
        .into_iter()
        .flatten()
        .filter(|t| *t <= now_ms)
        .max()
        .unwrap_or(self.start_ms)
    }

    /// End the call at `now_ms` (API hangup). Returns false if it had already ended.
    pub fn hang_up(&mut self, now_ms: u64) -> bool {
        if !self.is_live(now_ms) {
            return false;
        }
        self.end_ms = now_ms;
        if self.answer_ms.is_some_and(|a| a <= now_ms) {
            self.outcome = Outcome::Completed;
        } else {
            self.answer_ms = None;
            self.outcome = Outcome::Cancel;
        }
        true
    }
}

/// A Poisson arrival process.
#[derive(Debug, Clone)]
pub struct Arrivals {
    pub per_minute: f64,
    pub next_ms: u64,
}

impl Arrivals {
    pub fn new(rng: &mut Rng, per_minute: f64, now_ms: u64) -> Arrivals {
        let mut a = Arrivals {
            per_minute,
            next_ms: u64::MAX,
        };
        a.next_ms = a.gap(rng).map_or(u64::MAX, |g| now_ms + g);
        a
    }

    fn gap(&self, rng: &mut Rng) -> Option<u64> {
        if self.per_minute.is_nan() || self.per_minute <= 0.0 || !self.per_minute.is_finite() {
            return None;
        }
        let mean_ms = 60_000.0 / self.per_minute;
        Some((rng.exp(mean_ms) as u64).max(1))
    }

    /// Start times of the calls that arrived up to `now_ms` (at most `cap`; if the
    /// process fell further behind, e.g. after a suspended laptop, it skips ahead).
    pub fn due(&mut self, rng: &mut Rng, now_ms: u64, cap: usize) -> Vec<u64> {
        let mut out = Vec::new();
        while self.next_ms <= now_ms {
            if out.len() >= cap {
                self.next_ms = self.gap(rng).map_or(u64::MAX, |g| now_ms + g);
                break;
            }
            out.push(self.next_ms);
            self.next_ms = match self.gap(rng) {
                Some(g) => self.next_ms + g,
                None => u64::MAX,
            };
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_progress_in_order() {
        let mut rng = Rng::new(11);
        let mut answered = 0;
        for _ in 0..1000 {
            let p = CallPlan::draw(&mut rng, 1_000_000);
            assert_eq!(p.phase_at(1_000_000), Phase::New);
            assert!(p.processing_ms <= p.ringing_ms && p.ringing_ms <= p.end_ms);
            assert!(matches!(p.phase_at(p.end_ms), Phase::Ended(_)));
            if let Some(a) = p.answer_ms {
                answered += 1;
                assert_eq!(p.phase_at(a), Phase::Connected);
                assert!(a - p.ringing_ms >= 500 && a - p.ringing_ms < 3000);
            }
        }
        assert!((600..800).contains(&answered), "{answered}");
    }

    #[test]
    fn hang_up_ends_once() {
        let mut rng = Rng::new(5);
        let mut p = CallPlan::in_progress(&mut rng, 10_000_000, 30_000, 60_000);
        assert_eq!(p.phase_at(10_000_000), Phase::Connected);
        assert!(p.hang_up(10_000_500));
        assert_eq!(p.phase_at(10_000_500), Phase::Ended(Outcome::Completed));
        assert!(!p.hang_up(10_000_600));
    }

    #[test]
    fn arrivals_match_rate() {
        let mut rng = Rng::new(9);
        let mut a = Arrivals::new(&mut rng, 60.0, 0);
        let n = a.due(&mut rng, 600_000, 10_000).len();
        assert!((450..750).contains(&n), "{n}");
        let mut none = Arrivals::new(&mut rng, 0.0, 0);
        assert!(none.due(&mut rng, u64::MAX - 1, 10).is_empty());
    }
}
