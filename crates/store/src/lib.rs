//! switchboard's call history: every finished call any poll saw, kept in an embedded
//! SQLite file (`history.sqlite` in the state dir), so history survives restarts and
//! costs the providers' budgets once.
//!
//! - [`Store`] is the file: WAL mode (readers never wait for the writer), a versioned
//!   schema with migrations (`PRAGMA user_version`), idempotent inserts keyed by provider
//!   and call id, a watermark per provider and account, retention by age.
//! - Queue calls (`queue`): each kept once, and counters per queue that grow by each
//!   newly kept one in the same transaction and that pruning never lowers.
//! - [`StoreHandle`] runs a `Store` on a thread of its own, so async code never waits
//!   on disk I/O.
//! - A corrupt or locked file is a [`StoreError`] that says so in words; callers keep
//!   running without history.
//!
//! It knows the neutral model (`switchboard-core`) and nothing of providers or terminals.

mod export;
mod handle;
mod queue;
mod record;
mod schema;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

pub use export::{EXPORT_BATCH, ExportOptions, JsonlExport};
pub use handle::StoreHandle;
pub use queue::{
    BUCKETS, QueueCounts, QueueInsert, QueueKey, QueueOutcome, QueueRecord, WAIT_BUCKETS_S,
    bucket as queue_bucket,
};
pub use record::{CallRecord, digits};

/// Calls from or to a number's digits since a time, newest first (each side by its index).
const NUMBER_LOOKUP: &str = "SELECT * FROM (\
       SELECT * FROM calls WHERE from_digits = ?1 AND started_ms >= ?2 \
       UNION \
       SELECT * FROM calls WHERE to_digits = ?1 AND started_ms >= ?2) \
     ORDER BY started_ms DESC LIMIT ?3";

/// The file name inside the state directory.
pub const FILE_NAME: &str = "history.sqlite";

/// How long a write waits for another writer before the store reports it locked.
const BUSY_TIMEOUT: Duration = Duration::from_secs(2);

/// What can go wrong with the history file, in words an operator can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreError {
    /// The file is not a SQLite database (or is damaged).
    Corrupt { path: PathBuf, detail: String },
    /// Another process holds a lock longer than the busy timeout.
    Locked { path: PathBuf },
    /// The file was written by a newer switchboard.
    TooNew { path: PathBuf, version: i64 },
    /// Anything else (permissions, disk full …).
    Io { path: PathBuf, detail: String },
    /// The store's thread is gone.
    Closed,
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Corrupt { path, detail } => write!(
                f,
                "history store {} is damaged or not a database ({detail}); move it aside to start a new one",
                path.display()
            ),
            StoreError::Locked { path } => write!(
                f,
                "history store {} is locked by another process; history is off until it is free",
                path.display()
            ),
            StoreError::TooNew { path, version } => write!(
                f,
                "history store {} has schema version {version}, newer than this switchboard knows ({})",
                path.display(),
                schema::VERSION
            ),
            StoreError::Io { path, detail } => {
                write!(f, "history store {}: {detail}", path.display())
            }
            StoreError::Closed => write!(f, "history store is closed"),
        }
    }
}

impl std::error::Error for StoreError {}

/// The history file.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating if needed) `dir/history.sqlite` and brings its schema up to date.
    pub fn open_in(dir: &Path) -> Result<Store, StoreError> {
        Store::open(&dir.join(FILE_NAME))
    }

    /// Opens (creating if needed) the store at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| error(path, e))?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.prepare().map_err(|e| store.error(e))?;
        schema::migrate(&mut store.conn, path)?;
        Ok(store)
    }

    fn prepare(&mut self) -> rusqlite::Result<()> {
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        // Reading the header proves the file is a database before anything else.
        self.conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))?;
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        // 512 KiB of page cache instead of SQLite's 2 MiB: writes and indexed reads touch
        // few pages, the OS caches the file anyway, and a console at NOC scale kept the
        // whole 2 MiB resident (issue 14).
        self.conn.pragma_update(None, "cache_size", -512)?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn error(&self, e: rusqlite::Error) -> StoreError {
        error(&self.path, e)
    }

    /// Writes the records that are not there yet (same provider and call id: kept as
    /// first written) and moves each provider/account watermark to the newest end seen.
    /// Returns how many were new. One transaction: all or nothing.
    pub fn insert(&mut self, records: &[CallRecord]) -> Result<usize, StoreError> {
        self.insert_new(records).map(|new| new.len())
    }

    /// [`Store::insert`], returning the records that were new (in the order given): what
    /// the JSON lines export appends, so a call reaches it once, as it reaches the store.
    pub fn insert_new(&mut self, records: &[CallRecord]) -> Result<Vec<CallRecord>, StoreError> {
        self.insert_marked(records, false)
    }

    /// [`Store::insert_new`], also marking the new records as pending for the export in
    /// the same transaction ([`Store::export_pending`]), so a line whose append fails is
    /// appended by a later write, even after a restart.
    pub fn insert_for_export(
        &mut self,
        records: &[CallRecord],
    ) -> Result<Vec<CallRecord>, StoreError> {
        self.insert_marked(records, true)
    }

    fn insert_marked(
        &mut self,
        records: &[CallRecord],
        pending: bool,
    ) -> Result<Vec<CallRecord>, StoreError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| error(&path, e))?;
        let mut new = Vec::new();
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO calls (provider, call_id, account, from_number, \
                     to_number, from_digits, to_digits, direction, result, started_ms, \
                     answered_ms, ended_ms, fields) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                )
                .map_err(|e| error(&path, e))?;
            let mut mark = tx
                .prepare_cached(
                    "INSERT INTO watermarks (provider, account, ended_ms) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (provider, account) \
                     DO UPDATE SET ended_ms = max(ended_ms, excluded.ended_ms)",
                )
                .map_err(|e| error(&path, e))?;
            for r in records {
                let added = insert
                    .execute(params![
                        r.provider,
                        r.id,
                        r.account,
                        r.from,
                        r.to,
                        digits(&r.from),
                        digits(&r.to),
                        r.direction,
                        r.result,
                        r.started_ms,
                        r.answered_ms,
                        r.ended_ms,
                        r.fields_json(),
                    ])
                    .map_err(|e| error(&path, e))?;
                if added > 0 {
                    if pending {
                        tx.execute(
                            "INSERT OR IGNORE INTO export_pending (provider, call_id) \
                             VALUES (?1, ?2)",
                            params![r.provider, r.id],
                        )
                        .map_err(|e| error(&path, e))?;
                    }
                    new.push(r.clone());
                }
                if let Some(end) = r.ended_ms {
                    mark.execute(params![r.provider, r.account, end])
                        .map_err(|e| error(&path, e))?;
                }
            }
        }
        tx.commit().map_err(|e| error(&path, e))?;
        Ok(new)
    }

    /// The newest call end stored for a provider's account (epoch ms), if any.
    pub fn watermark(&self, provider: &str, account: &str) -> Result<Option<i64>, StoreError> {
        self.conn
            .query_row(
                "SELECT ended_ms FROM watermarks WHERE provider = ?1 AND account = ?2",
                params![provider, account],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.error(e))
    }

    /// Calls from or to `number` (however it is typed: only its digits count) that
    /// started at or after `since_ms`, newest first.
    pub fn calls_with_number(
        &self,
        number: &str,
        since_ms: i64,
        limit: usize,
    ) -> Result<Vec<CallRecord>, StoreError> {
        let d = digits(number);
        if d.is_empty() {
            return Ok(Vec::new());
        }
        self.select(NUMBER_LOOKUP, params![d, since_ms, limit as i64])
    }

    /// How SQLite runs [`Store::calls_with_number`] (`EXPLAIN QUERY PLAN`, one line per
    /// step): the benchmark prints it, a test checks both sides use an index.
    pub fn explain_number_lookup(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {NUMBER_LOOKUP}"))
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params!["0", 0_i64, 1_i64], |r| r.get::<_, String>(3))
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))
    }

    /// The newest calls (of one provider, or all), started at or after `since_ms`.
    pub fn recent(
        &self,
        provider: Option<&str>,
        since_ms: i64,
        limit: usize,
    ) -> Result<Vec<CallRecord>, StoreError> {
        self.select(
            "SELECT * FROM calls WHERE (?1 IS NULL OR provider = ?1) AND started_ms >= ?2 \
             ORDER BY started_ms DESC LIMIT ?3",
            params![provider, since_ms, limit as i64],
        )
    }

    /// How many calls are stored (of one provider, or all).
    pub fn count(&self, provider: Option<&str>) -> Result<u64, StoreError> {
        self.conn
            .query_row(
                "SELECT count(*) FROM calls WHERE (?1 IS NULL OR provider = ?1)",
                params![provider],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n.max(0) as u64)
            .map_err(|e| self.error(e))
    }

    /// Deletes calls and queue records that started before `before_ms` (retention), in
    /// one transaction; the queue counters stay as they are. Returns how many calls went.
    pub fn prune(&mut self, before_ms: i64) -> Result<usize, StoreError> {
        let path = self.path.clone();
        let err = |e| error(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        let calls = tx
            .execute(
                "DELETE FROM calls WHERE started_ms < ?1",
                params![before_ms],
            )
            .map_err(err)?;
        Store::prune_queue(&tx, before_ms).map_err(err)?;
        export::prune_pending(&tx).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(calls)
    }

    fn select(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<CallRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params, CallRecord::from_row)
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))
    }
}

/// Words for a SQLite error, by what the operator can do about it.
fn error(path: &Path, e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    let path = path.to_path_buf();
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
            path,
            detail: e.to_string(),
        },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Locked { path },
        _ => StoreError::Io {
            path,
            detail: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod queue_tests;
