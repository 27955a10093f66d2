//! Queue calls and the counters made of them. A provider that lists each call through a
//! queue (or ring group) gives the day's records at every poll; the store keeps each once,
//! keyed by (provider, account, queue, call id), and in the same transaction adds a newly
//! kept record to its queue's counters: calls, answered, abandoned and the wait histogram.
//! The counters only grow: pruning old records leaves them as they are, and a record that
//! started before the latest pruning cutoff is not counted again if a provider lists it
//! once more. So a collector that restarts continues its counters where they were.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, Transaction, params};

use crate::{Store, StoreError, error};

/// Upper bounds (seconds) of the wait histogram's buckets; a last bucket (+Inf) follows.
pub const WAIT_BUCKETS_S: [u32; 7] = [5, 15, 30, 60, 120, 300, 600];

/// How many buckets a histogram has (the bounded ones and +Inf).
pub const BUCKETS: usize = WAIT_BUCKETS_S.len() + 1;

/// The `meta` key of the latest pruning cutoff of queue records (epoch ms).
const PRUNED_BEFORE: &str = "queue_pruned_before_ms";

/// How a queue call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueOutcome {
    Answered,
    Abandoned,
    TimedOut,
    /// A status the provider did not explain.
    Other,
}

impl QueueOutcome {
    pub fn label(self) -> &'static str {
        match self {
            QueueOutcome::Answered => "answered",
            QueueOutcome::Abandoned => "abandoned",
            QueueOutcome::TimedOut => "timed out",
            QueueOutcome::Other => "other",
        }
    }
}

/// One finished call through a queue or ring group, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueRecord {
    /// The configured provider name.
    pub provider: String,
    pub account: String,
    /// The queue's (or ring group's) name.
    pub queue: String,
    pub call_id: String,
    /// When the caller joined the queue (epoch ms).
    pub joined_ms: i64,
    pub answered_ms: Option<i64>,
    pub ended_ms: Option<i64>,
    pub outcome: QueueOutcome,
}

impl QueueRecord {
    /// How long the caller waited (ms): until answered, else until the call ended; None
    /// when neither is known.
    pub fn wait_ms(&self) -> Option<i64> {
        let until = self.answered_ms.or(self.ended_ms)?;
        Some(until.saturating_sub(self.joined_ms).max(0))
    }
}

/// Which queue a counter belongs to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QueueKey {
    pub provider: String,
    pub account: String,
    pub queue: String,
}

/// One queue's counters since the store began counting it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueCounts {
    pub calls: u64,
    pub answered: u64,
    pub abandoned: u64,
    /// Calls with a known wait, the sum of their waits (ms) and how many fell in each
    /// bucket (not cumulative; the last is +Inf).
    pub wait_count: u64,
    pub wait_sum_ms: u64,
    pub wait_buckets: [u64; BUCKETS],
}

/// The bucket a wait falls in.
pub fn bucket(wait_ms: i64) -> usize {
    WAIT_BUCKETS_S
        .iter()
        .position(|b| wait_ms <= i64::from(*b) * 1000)
        .unwrap_or(WAIT_BUCKETS_S.len())
}

const BUCKET_COLUMNS: [&str; BUCKETS] = [
    "le_5", "le_15", "le_30", "le_60", "le_120", "le_300", "le_600", "le_inf",
];

impl QueueCounts {
    /// What one newly stored record adds.
    fn of(r: &QueueRecord) -> QueueCounts {
        let mut c = QueueCounts {
            calls: 1,
            answered: u64::from(r.outcome == QueueOutcome::Answered),
            abandoned: u64::from(r.outcome == QueueOutcome::Abandoned),
            ..QueueCounts::default()
        };
        if let Some(w) = r.wait_ms() {
            c.wait_count = 1;
            c.wait_sum_ms = w as u64;
            c.wait_buckets[bucket(w)] = 1;
        }
        c
    }

    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(QueueKey, QueueCounts)> {
        let n = |name: &str| row.get::<_, i64>(name).map(|v| v.max(0) as u64);
        let mut wait_buckets = [0; BUCKETS];
        for (slot, col) in wait_buckets.iter_mut().zip(BUCKET_COLUMNS) {
            *slot = n(col)?;
        }
        Ok((
            QueueKey {
                provider: row.get("provider")?,
                account: row.get("account")?,
                queue: row.get("queue")?,
            },
            QueueCounts {
                calls: n("calls")?,
                answered: n("answered")?,
                abandoned: n("abandoned")?,
                wait_count: n("wait_count")?,
                wait_sum_ms: n("wait_sum_ms")?,
                wait_buckets,
            },
        ))
    }
}

/// What [`Store::insert_queue`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueInsert {
    /// Records new to the store (each counted once).
    pub new: usize,
    /// The counters of every queue a new record was added to, as they are now.
    pub counts: BTreeMap<QueueKey, QueueCounts>,
}

fn add_sql() -> String {
    let cols = BUCKET_COLUMNS.join(", ");
    let marks: Vec<String> = (9..9 + BUCKETS).map(|i| format!("?{i}")).collect();
    let sums: Vec<String> = [
        "calls",
        "answered",
        "abandoned",
        "wait_count",
        "wait_sum_ms",
    ]
    .iter()
    .chain(BUCKET_COLUMNS.iter())
    .map(|c| format!("{c} = {c} + excluded.{c}"))
    .collect();
    format!(
        "INSERT INTO queue_counters (provider, account, queue, calls, answered, abandoned, \
         wait_count, wait_sum_ms, {cols}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, {}) \
         ON CONFLICT (provider, account, queue) DO UPDATE SET {}",
        marks.join(", "),
        sums.join(", ")
    )
}

fn pruned_before(tx: &Transaction<'_>) -> rusqlite::Result<Option<i64>> {
    tx.query_row(
        "SELECT value FROM meta WHERE key = ?1",
        params![PRUNED_BEFORE],
        |r| r.get(0),
    )
    .optional()
}

impl Store {
    /// Keeps the queue records not kept yet (same provider, account, queue and call id:
    /// kept as first written) and adds each new one to its queue's counters, in one
    /// transaction: a record is counted exactly when it is first stored. Records that
    /// started before the latest pruning cutoff are left out (they were counted before
    /// they were pruned).
    pub fn insert_queue(&mut self, records: &[QueueRecord]) -> Result<QueueInsert, StoreError> {
        let path = self.path.clone();
        let err = |e| error(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        let cutoff = pruned_before(&tx).map_err(err)?.unwrap_or(i64::MIN);
        let mut touched = Vec::new();
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO queue_calls (provider, account, queue, call_id, \
                     joined_ms, answered_ms, ended_ms, outcome, wait_ms) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .map_err(err)?;
            let mut add = tx.prepare_cached(&add_sql()).map_err(err)?;
            for r in records.iter().filter(|r| r.joined_ms >= cutoff) {
                let added = insert
                    .execute(params![
                        r.provider,
                        r.account,
                        r.queue,
                        r.call_id,
                        r.joined_ms,
                        r.answered_ms,
                        r.ended_ms,
                        r.outcome.label(),
                        r.wait_ms(),
                    ])
                    .map_err(err)?;
                if added == 0 {
                    continue;
                }
                let c = QueueCounts::of(r);
                let [b0, b1, b2, b3, b4, b5, b6, b7] = c.wait_buckets.map(|v| v as i64);
                add.execute(params![
                    r.provider,
                    r.account,
                    r.queue,
                    c.calls as i64,
                    c.answered as i64,
                    c.abandoned as i64,
                    c.wait_count as i64,
                    c.wait_sum_ms as i64,
                    b0,
                    b1,
                    b2,
                    b3,
                    b4,
                    b5,
                    b6,
                    b7,
                ])
                .map_err(err)?;
                touched.push(QueueKey {
                    provider: r.provider.clone(),
                    account: r.account.clone(),
                    queue: r.queue.clone(),
                });
            }
        }
        let mut out = QueueInsert {
            new: touched.len(),
            counts: BTreeMap::new(),
        };
        {
            let mut read = tx
                .prepare_cached(
                    "SELECT * FROM queue_counters \
                     WHERE provider = ?1 AND account = ?2 AND queue = ?3",
                )
                .map_err(err)?;
            for k in touched {
                if out.counts.contains_key(&k) {
                    continue;
                }
                let (key, counts) = read
                    .query_row(
                        params![k.provider, k.account, k.queue],
                        QueueCounts::from_row,
                    )
                    .map_err(err)?;
                out.counts.insert(key, counts);
            }
        }
        tx.commit().map_err(err)?;
        Ok(out)
    }

    /// Every queue's counters.
    pub fn queue_counters(&self) -> Result<BTreeMap<QueueKey, QueueCounts>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT * FROM queue_counters")
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([], QueueCounts::from_row)
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<BTreeMap<_, _>, _>>()
            .map_err(|e| self.error(e))
    }

    /// How many queue records are kept (of one provider, or all).
    pub fn queue_record_count(&self, provider: Option<&str>) -> Result<u64, StoreError> {
        self.conn
            .query_row(
                "SELECT count(*) FROM queue_calls WHERE (?1 IS NULL OR provider = ?1)",
                params![provider],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n.max(0) as u64)
            .map_err(|e| self.error(e))
    }

    /// Deletes queue records that started before `before_ms` and remembers the cutoff
    /// (it only moves forward), so a pruned record listed again is not counted twice.
    /// The counters stay as they are. Returns how many records went.
    pub(crate) fn prune_queue(tx: &Transaction<'_>, before_ms: i64) -> rusqlite::Result<usize> {
        tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) \
             ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)",
            params![PRUNED_BEFORE, before_ms],
        )?;
        tx.execute(
            "DELETE FROM queue_calls WHERE joined_ms < ?1",
            params![before_ms],
        )
    }
}
