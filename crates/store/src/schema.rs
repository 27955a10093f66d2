//! The schema and its migrations, one per version, kept in `PRAGMA user_version`. A
//! migration runs in a transaction: a failure leaves the file at its old version.

use std::path::Path;

use rusqlite::Connection;

use crate::StoreError;

/// The schema version this build writes.
pub const VERSION: i64 = 2;

/// `MIGRATIONS[n]` takes a file from version `n` to `n + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: calls, keyed by provider and call id; numbers also as digits for lookups
    // however they were typed; a watermark per provider and account.
    "CREATE TABLE calls (
        provider    TEXT NOT NULL,
        call_id     TEXT NOT NULL,
        account     TEXT NOT NULL,
        from_number TEXT NOT NULL,
        to_number   TEXT NOT NULL,
        from_digits TEXT NOT NULL,
        to_digits   TEXT NOT NULL,
        direction   TEXT NOT NULL,
        result      TEXT NOT NULL,
        started_ms  INTEGER,
        answered_ms INTEGER,
        ended_ms    INTEGER,
        fields      TEXT NOT NULL,
        PRIMARY KEY (provider, call_id)
     );
     CREATE INDEX calls_started ON calls (started_ms);
     CREATE INDEX calls_from ON calls (from_digits, started_ms);
     CREATE INDEX calls_to ON calls (to_digits, started_ms);
     CREATE TABLE watermarks (
        provider TEXT NOT NULL,
        account  TEXT NOT NULL,
        ended_ms INTEGER NOT NULL,
        PRIMARY KEY (provider, account)
     );",
    // 2: queue calls, each kept once per (provider, account, queue, call id), and the
    // counters each newly kept one is added to (never lowered by pruning); `meta` holds
    // the latest pruning cutoff of queue calls; `export_pending` the stored calls not yet
    // appended to the JSON lines export, in the order they were stored.
    "CREATE TABLE queue_calls (
        provider    TEXT NOT NULL,
        account     TEXT NOT NULL,
        queue       TEXT NOT NULL,
        call_id     TEXT NOT NULL,
        joined_ms   INTEGER NOT NULL,
        answered_ms INTEGER,
        ended_ms    INTEGER,
        outcome     TEXT NOT NULL,
        wait_ms     INTEGER,
        PRIMARY KEY (provider, account, queue, call_id)
     );
     CREATE INDEX queue_calls_joined ON queue_calls (joined_ms);
     CREATE TABLE queue_counters (
        provider    TEXT NOT NULL,
        account     TEXT NOT NULL,
        queue       TEXT NOT NULL,
        calls       INTEGER NOT NULL DEFAULT 0,
        answered    INTEGER NOT NULL DEFAULT 0,
        abandoned   INTEGER NOT NULL DEFAULT 0,
        wait_count  INTEGER NOT NULL DEFAULT 0,
        wait_sum_ms INTEGER NOT NULL DEFAULT 0,
        le_5        INTEGER NOT NULL DEFAULT 0,
        le_15       INTEGER NOT NULL DEFAULT 0,
        le_30       INTEGER NOT NULL DEFAULT 0,
        le_60       INTEGER NOT NULL DEFAULT 0,
        le_120      INTEGER NOT NULL DEFAULT 0,
        le_300      INTEGER NOT NULL DEFAULT 0,
        le_600      INTEGER NOT NULL DEFAULT 0,
        le_inf      INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (provider, account, queue)
     );
     CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value INTEGER NOT NULL
     );
     CREATE TABLE export_pending (
        seq      INTEGER PRIMARY KEY AUTOINCREMENT,
        provider TEXT NOT NULL,
        call_id  TEXT NOT NULL,
        UNIQUE (provider, call_id)
     );",
];

pub fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let err = |e: rusqlite::Error| crate::error(path, e);
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(err)?;
    if version > VERSION {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            version,
        });
    }
    for (from, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
        let tx = conn.transaction().map_err(err)?;
        tx.execute_batch(sql).map_err(err)?;
        tx.pragma_update(None, "user_version", from as i64 + 1)
            .map_err(err)?;
        tx.commit().map_err(err)?;
        tracing::info!(path = %path.display(), version = from + 1, "history store migrated");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn there_is_one_migration_per_version() {
        assert_eq!(super::MIGRATIONS.len() as i64, super::VERSION);
    }
}
