//! `[history] export_jsonl`: one JSON line per finished call, appended when the call is
//! first stored (so a call is exported once, as it is stored once), for the pipelines a
//! team already runs (Vector, Alloy, Promtail → Loki or ClickHouse).
//!
//! - Lines: provider, account, call id, numbers as shown (E.164 where the provider's
//!   rules know it) and as digits, direction, result, RFC 3339 times and epoch ms, the
//!   talk and ring seconds, the provider's own fields. Every line passes the process-wide
//!   secret redactor.
//! - Rotation by size: before a batch is appended to a file of `max_bytes` or more, the
//!   file becomes `<path>.1` (`.1` becomes `.2` …) and `keep` rotated files are kept. A
//!   shipper following `<path>` by name sees a rename, which they all handle.
//! - The file is opened per batch, so deleting or moving it by hand is safe.
//! - A call is marked pending in the store as it is stored and unmarked once its line is
//!   appended ([`Store::export_pending`], [`Store::export_done`]): a line whose append
//!   failed (disk full, permissions) is appended by the next write, even after a restart.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use rusqlite::params;

use crate::{CallRecord, Store, StoreError};

/// At most this many pending lines are appended per write (the rest at the next one).
pub const EXPORT_BATCH: usize = 10_000;

impl Store {
    /// The stored calls not yet appended to the export, oldest first, at most `limit`,
    /// each with its place in that order (what [`Store::export_done`] takes).
    pub fn export_pending(&self, limit: usize) -> Result<Vec<(i64, CallRecord)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT p.seq AS seq, c.* FROM export_pending p \
                 JOIN calls c ON c.provider = p.provider AND c.call_id = p.call_id \
                 ORDER BY p.seq LIMIT ?1",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params![limit as i64], |r| {
                Ok((r.get::<_, i64>("seq")?, CallRecord::from_row(r)?))
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))
    }

    /// The pending calls up to `seq` (inclusive) are in the export now.
    pub fn export_done(&mut self, seq: i64) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM export_pending WHERE seq <= ?1", params![seq])
            .map(|_| ())
            .map_err(|e| self.error(e))
    }
}

/// Pending marks of calls that retention deleted go with them.
pub(crate) fn prune_pending(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<usize> {
    tx.execute(
        "DELETE FROM export_pending WHERE NOT EXISTS (SELECT 1 FROM calls c \
         WHERE c.provider = export_pending.provider AND c.call_id = export_pending.call_id)",
        [],
    )
}

/// Where the lines go and how big the file may grow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportOptions {
    pub path: PathBuf,
    /// Rotate once the file holds this many bytes (at least 1).
    pub max_bytes: u64,
    /// Rotated files kept beside it (`<path>.1` … `<path>.<keep>`), at least 1.
    pub keep: u32,
}

/// The JSON lines file.
#[derive(Debug, Clone)]
pub struct JsonlExport {
    opts: ExportOptions,
}

impl JsonlExport {
    pub fn new(opts: ExportOptions) -> JsonlExport {
        JsonlExport { opts }
    }

    pub fn path(&self) -> &Path {
        &self.opts.path
    }

    /// Appends one line per record (rotating first when the file is full).
    pub fn append(&self, records: &[CallRecord]) -> std::io::Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let path = &self.opts.path;
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if size >= self.opts.max_bytes.max(1) {
            self.rotate()?;
        }
        let mut text = String::new();
        for r in records {
            text.push_str(&line(r));
            text.push('\n');
        }
        let mut open = OpenOptions::new();
        open.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            // Numbers are personal data: the owner writes, its group (a shipper) reads.
            open.mode(0o640);
        }
        let mut file = open.open(path)?;
        // One write per batch: a reader never sees half a line from us.
        file.write_all(text.as_bytes())?;
        file.flush()
    }

    fn rotated(&self, n: u32) -> PathBuf {
        let mut name = self.opts.path.as_os_str().to_owned();
        name.push(format!(".{n}"));
        PathBuf::from(name)
    }

    fn rotate(&self) -> std::io::Result<()> {
        let keep = self.opts.keep.max(1);
        let _ = std::fs::remove_file(self.rotated(keep));
        for n in (1..keep).rev() {
            let from = self.rotated(n);
            if from.exists() {
                std::fs::rename(&from, self.rotated(n + 1))?;
            }
        }
        std::fs::rename(&self.opts.path, self.rotated(1))
    }
}

fn rfc3339(ms: Option<i64>) -> Value {
    ms.and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .map_or(Value::Null, |t| Value::String(t.to_string()))
}

fn seconds(from: Option<i64>, to: Option<i64>) -> Value {
    match (from, to) {
        (Some(a), Some(b)) if b >= a => json!((b - a) / 1000),
        _ => Value::Null,
    }
}

/// A number as E.164 (`+` and digits) when it was shown with a `+`, else as the provider
/// sent it (extensions, short codes, anonymous).
fn normalised(number: &str) -> String {
    match number.trim_start().strip_prefix('+') {
        Some(rest) if !crate::digits(rest).is_empty() => format!("+{}", crate::digits(rest)),
        _ => number.to_string(),
    }
}

/// One call as one JSON line (no newline), secrets redacted.
pub fn line(r: &CallRecord) -> String {
    let fields: Map<String, Value> = r
        .fields
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let ring_end = r.answered_ms.or(r.ended_ms);
    let mut value = json!({
        "time": rfc3339(r.started_ms.or(r.ended_ms)),
        "provider": r.provider,
        "account": r.account,
        "call_id": r.id,
        "from": normalised(&r.from),
        "to": normalised(&r.to),
        "from_digits": crate::digits(&r.from),
        "to_digits": crate::digits(&r.to),
        "direction": r.direction,
        "result": r.result,
        "started_at": rfc3339(r.started_ms),
        "answered_at": rfc3339(r.answered_ms),
        "ended_at": rfc3339(r.ended_ms),
        "started_ms": r.started_ms,
        "answered_ms": r.answered_ms,
        "ended_ms": r.ended_ms,
        "ring_seconds": seconds(r.started_ms, ring_end),
        "talk_seconds": seconds(r.answered_ms, r.ended_ms),
        "fields": fields,
    });
    switchboard_core::secret::redact_json(&mut value);
    value.to_string()
}
