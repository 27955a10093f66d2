//! The audit log: one JSON object per line in `audit.jsonl`, one line per operator
//! action that changes something at a provider (sent, refused, failed or of unknown
//! outcome).
//!
//! Each line is written with a single `write_all` on a file opened in append mode, then
//! flushed and synced, so a crash can at worst leave a torn *last* line; the next append
//! starts on a fresh line and readers skip lines that do not parse. Bodies are already
//! masked by field by the client (`****` for a password) and are run through
//! [`crate::secret::redact`] again here; that masks only whole tokens, so what was sent
//! (a destination `+442071234501`) is recorded exactly.
//!
//! `user` and `host` come from the operating system (the real user id and its passwd
//! name, `gethostname`), never from environment variables a shell can change.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::providers::{Mutation, MutationOutcome, ProviderError, RequestPreview};

pub const AUDIT_FILE: &str = "audit.jsonl";

/// Largest tail of the file [`read_recent`] reads (older lines are not looked at).
const READ_TAIL_MAX: u64 = 8 * 1024 * 1024;

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditOutcome {
    /// The provider answered 2xx (or 404 on a hang-up: already ended).
    Ok,
    /// Refused locally (read-only, bad input); nothing was sent.
    Refused,
    /// The provider answered with an error, or the request could not be sent.
    Failed,
    /// Sent but no answer (timeout, connection cut): the change may or may not have
    /// happened.
    #[default]
    Unknown,
}

impl AuditOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Ok => "ok",
            AuditOutcome::Refused => "refused",
            AuditOutcome::Failed => "failed",
            AuditOutcome::Unknown => "unknown",
        }
    }
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditEntry {
    /// RFC 3339, UTC, milliseconds (`2025-01-15T12:00:00.123Z`).
    pub time: String,
    pub user: String,
    pub host: String,
    /// The provider connection's configured name.
    pub provider: String,
    pub account: String,
    /// What was acted on, as the operator saw it (`trunk pbx-hq (392)`, `number
    /// +14155550100 (17)`, `call to +442071234501`); empty when nothing was selected, and
    /// for a provider's own change that was sent (its `path` names the object).
    pub target: String,
    /// `trunk.new`, `hangup` … ([`Mutation::command`]).
    pub command: String,
    pub method: String,
    pub path: String,
    /// The request body with secrets masked (None for DELETE).
    pub body: Option<String>,
    pub outcome: AuditOutcome,
    /// The HTTP status, when there was one.
    pub status: Option<u16>,
    pub message: String,
}

impl AuditEntry {
    /// An entry for a mutation and how it ended, stamped with the current time, user and
    /// host. `preview` is what was (or would have been) sent; `None` when the request
    /// could not even be built.
    pub fn for_mutation(
        provider: &str,
        mutation: &Mutation,
        preview: Option<&RequestPreview>,
        result: &Result<MutationOutcome, ProviderError>,
    ) -> AuditEntry {
        let (outcome, status, message) = match result {
            Ok(o) => (AuditOutcome::Ok, Some(o.status), o.message.clone()),
            Err(e) => (outcome_of(e), e.status(), e.to_string()),
        };
        AuditEntry {
            time: now_rfc3339(),
            user: current_user(),
            host: current_host(),
            provider: provider.to_owned(),
            account: mutation.account().to_owned(),
            target: target_of(mutation),
            command: mutation.command().to_owned(),
            method: preview.map(|p| p.method.clone()).unwrap_or_default(),
            path: preview.map(|p| p.path.clone()).unwrap_or_default(),
            body: preview.and_then(|p| p.body.clone()),
            outcome,
            status,
            message,
        }
    }
}

impl AuditEntry {
    /// A change refused before any request was built (read-only, not offered, nothing
    /// selected): who tried what on which object, and why not. Time, user and host are
    /// stamped when it is appended.
    pub fn refused(
        provider: &str,
        account: &str,
        target: &str,
        command: &str,
        reason: &str,
    ) -> AuditEntry {
        AuditEntry {
            provider: provider.to_owned(),
            account: account.to_owned(),
            target: target.to_owned(),
            command: command.to_owned(),
            outcome: AuditOutcome::Refused,
            message: format!("refused: {reason}"),
            ..AuditEntry::default()
        }
    }
}

/// The object a mutation acts on, in words (empty for a provider's own change: its
/// `path` names it).
pub fn target_of(m: &Mutation) -> String {
    match m {
        Mutation::CreateTrunk { trunk, .. } => format!("trunk {}", trunk.name),
        Mutation::UpdateTrunk { id, trunk, .. } => format!("trunk {} ({id})", trunk.name),
        Mutation::DeleteTrunk { id, .. } => format!("trunk {id}"),
        // Numbers in the one format the panes show (the request itself sends them as
        // the provider stores them).
        Mutation::UpdateNumber { id, number, .. } => {
            format!("number {} ({id})", crate::phone::shown(&number.source))
        }
        Mutation::SetNumberActive { id, .. } => format!("number {id}"),
        Mutation::ClickToCall { destination, .. } => {
            format!("call to {}", crate::phone::shown(destination))
        }
        Mutation::Hangup { call_id, .. } => format!("call {call_id}"),
        Mutation::Provider { .. } => String::new(),
    }
}

/// How an error reads in the audit log: refused (nothing sent), unknown (maybe sent, no
/// answer) or failed (the provider said no, or nothing could be sent).
pub fn outcome_of(e: &ProviderError) -> AuditOutcome {
    match e {
        ProviderError::Refused(_) => AuditOutcome::Refused,
        // Sent (or possibly sent) without an answer: the change may have happened. A
        // connection error cannot tell "never connected" from "cut after sending", so
        // it is treated the same way.
        ProviderError::Timeout(_) | ProviderError::Connect(_) => AuditOutcome::Unknown,
        // An HTTP error status, or a lookup before the mutation that failed (a Decode
        // error never comes from the mutation itself: a 2xx is success whatever its body).
        _ => AuditOutcome::Failed,
    }
}

/// `2025-01-15T12:00:00.123Z`.
pub fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// The operating-system user running the console: the passwd name of the real user id
/// (`alice`), else `uid 1000`. Not `$USER`, which any shell can set or unset.
#[cfg(unix)]
pub fn current_user() -> String {
    // SAFETY: getuid cannot fail and touches no memory.
    let uid = unsafe { libc::getuid() };
    passwd_name(uid).unwrap_or_else(|| format!("uid {uid}"))
}

#[cfg(not(unix))]
pub fn current_user() -> String {
    ["USERNAME", "USER"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .map(|v| v.trim().to_owned())
        .find(|v| !v.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The passwd entry's name for `uid` (getpwuid_r), if there is one.
#[cfg(unix)]
fn passwd_name(uid: libc::uid_t) -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 4096];
    for _ in 0..4 {
        // SAFETY: all-zero is a valid `passwd` (null pointers, zero ids); getpwuid_r
        // fills it with pointers into `buf`, which outlives every read below.
        let mut pw: libc::passwd = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer is valid for the length given; `found` is set to `&pw`
        // or null.
        let rc = unsafe { libc::getpwuid_r(uid, &mut pw, buf.as_mut_ptr(), buf.len(), &mut found) };
        if rc == libc::ERANGE {
            let len = buf.len() * 4;
            buf.resize(len, 0);
            continue;
        }
        if rc != 0 || found.is_null() || pw.pw_name.is_null() {
            return None;
        }
        // SAFETY: pw_name points at a NUL-terminated string inside `buf`.
        let name = unsafe { std::ffi::CStr::from_ptr(pw.pw_name) };
        let name = name.to_string_lossy().trim().to_owned();
        return (!name.is_empty()).then_some(name);
    }
    None
}

/// The machine's host name (gethostname), else `/etc/hostname`, else `unknown`.
pub fn current_host() -> String {
    os_hostname()
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

#[cfg(unix)]
fn os_hostname() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; the result is NUL-terminated within it
    // unless truncated, which the search below handles.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return None;
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    let name = String::from_utf8_lossy(&buf[..end]).trim().to_owned();
    (!name.is_empty()).then_some(name)
}

#[cfg(not(unix))]
fn os_hostname() -> Option<String> {
    None
}

/// `<dir>/audit.jsonl`.
pub fn audit_path(dir: &Path) -> PathBuf {
    dir.join(AUDIT_FILE)
}

/// The open audit log (append mode).
#[derive(Debug)]
pub struct AuditLog {
    file: File,
    path: PathBuf,
}

impl AuditLog {
    /// Opens (creating if needed) `<dir>/audit.jsonl`, mode 0600 on unix. The directory
    /// is created 0700 when missing, and tightened to 0700 when others can read it.
    pub fn open(dir: &Path) -> Result<AuditLog, String> {
        crate::logging::private_dir(dir)
            .map_err(|e| format!("cannot create audit directory {}: {e}", dir.display()))?;
        let path = audit_path(dir);
        let file = crate::logging::open_private(
            &path,
            OpenOptions::new().read(true).append(true).create(true),
        )
        .map_err(|e| format!("cannot open audit log {}: {e}", path.display()))?;
        Ok(AuditLog { file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one entry as one line. Empty `time` / `user` / `host` are filled in; body
    /// and message are redacted again. The line (with a leading newline when the file
    /// ends in a torn line) goes out in a single write, then is flushed and synced.
    pub fn append(&mut self, entry: &AuditEntry) -> Result<(), String> {
        let mut e = entry.clone();
        if e.time.is_empty() {
            e.time = now_rfc3339();
        }
        if e.user.is_empty() {
            e.user = current_user();
        }
        if e.host.is_empty() {
            e.host = current_host();
        }
        e.body = e
            .body
            .as_deref()
            .map(|b| crate::secret::redact(b).into_owned());
        e.message = crate::secret::redact(&e.message).into_owned();
        let json = serde_json::to_string(&e).map_err(|err| format!("audit entry: {err}"))?;
        let mut line = String::with_capacity(json.len() + 2);
        if !self.ends_with_newline()? {
            line.push('\n');
        }
        line.push_str(&json);
        line.push('\n');
        let fail =
            |err: std::io::Error| format!("cannot write audit log {}: {err}", self.path.display());
        self.file.write_all(line.as_bytes()).map_err(fail)?;
        self.file.flush().map_err(fail)?;
        self.file.sync_data().map_err(fail)?;
        Ok(())
    }

    /// Whether the file is empty or ends with `\n` (false after a torn write).
    fn ends_with_newline(&mut self) -> Result<bool, String> {
        let len = self
            .file
            .metadata()
            .map_err(|e| format!("cannot read audit log {}: {e}", self.path.display()))?
            .len();
        if len == 0 {
            return Ok(true);
        }
        let mut last = [0u8; 1];
        // Writes in append mode always go to the end, whatever this position is.
        self.file
            .seek(SeekFrom::Start(len - 1))
            .and_then(|_| self.file.read_exact(&mut last))
            .map_err(|e| format!("cannot read audit log {}: {e}", self.path.display()))?;
        Ok(last[0] == b'\n')
    }
}

/// Appends one audit line; a failure is logged (the change itself already happened). The
/// log gets the same facts (redacted like every log line), the body at debug level.
pub fn write(log: &std::sync::Mutex<AuditLog>, entry: &AuditEntry) {
    tracing::info!(
        provider = %entry.provider,
        account = %entry.account,
        target = %entry.target,
        status = ?entry.status,
        "change {} {}: {}",
        entry.command,
        entry.outcome.as_str(),
        entry.message
    );
    if let Some(body) = &entry.body {
        // One log line: JSON bodies compacted, other bodies joined.
        let one_line = serde_json::from_str::<serde_json::Value>(body)
            .map(|v| v.to_string())
            .unwrap_or_else(|_| body.lines().collect::<Vec<_>>().join(" "));
        tracing::debug!(
            "change {} {} {}: {one_line}",
            entry.command,
            entry.method,
            entry.path
        );
    }
    let mut log = log.lock().unwrap_or_else(|p| p.into_inner());
    if let Err(e) = log.append(entry) {
        tracing::error!("audit log write failed: {e}");
    }
}

/// The last `n` entries of `<dir>/audit.jsonl`, oldest first. Tolerant: a missing file
/// gives nothing and lines that do not parse (a torn last line) are skipped.
pub fn read_recent(dir: &Path, n: usize) -> Vec<AuditEntry> {
    if n == 0 {
        return Vec::new();
    }
    let Ok(mut file) = File::open(audit_path(dir)) else {
        return Vec::new();
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let start = len.saturating_sub(READ_TAIL_MAX);
    if file.seek(SeekFrom::Start(start)).is_err() {
        return Vec::new();
    }
    let mut bytes = Vec::new();
    if file.read_to_end(&mut bytes).is_err() {
        return Vec::new();
    }
    let text = String::from_utf8_lossy(&bytes);
    let mut lines = text.lines();
    if start > 0 {
        // Began mid-line.
        lines.next();
    }
    let mut entries: Vec<AuditEntry> = lines
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str::<AuditEntry>(l).ok())
        .collect();
    let skip = entries.len().saturating_sub(n);
    entries.drain(..skip);
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_serialise_lowercase() {
        assert_eq!(
            serde_json::to_string(&AuditOutcome::Refused).unwrap(),
            "\"refused\""
        );
        assert_eq!(AuditOutcome::Unknown.as_str(), "unknown");
        assert_eq!(
            outcome_of(&ProviderError::Timeout(std::time::Duration::from_secs(1))),
            AuditOutcome::Unknown
        );
        assert_eq!(
            outcome_of(&ProviderError::Connect("reset".into())),
            AuditOutcome::Unknown
        );
        assert_eq!(
            outcome_of(&ProviderError::BadRequest("x".into())),
            AuditOutcome::Failed
        );
    }

    #[test]
    fn user_and_host_come_from_the_system() {
        let user = current_user();
        assert!(!user.is_empty() && user != "unknown", "{user}");
        let host = current_host();
        assert!(!host.is_empty(), "{host}");
    }

    #[test]
    fn time_is_rfc3339_utc() {
        let t = now_rfc3339();
        assert!(t.ends_with('Z') && t.len() == 24, "{t}");
        assert!(t.parse::<jiff::Timestamp>().is_ok());
    }
}
