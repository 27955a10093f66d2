//! Logging to a daily-rotated file, with every line passed through the secret redactor.
//!
//! The console owns the terminal, so nothing is ever written to stdout or stderr: events go
//! through `tracing_appender::non_blocking` to `switchboard.YYYY-MM-DD.log` (UTC date) in
//! the state directory (7 files kept). The files hold phone numbers and account names:
//! each is created mode 0600 (an existing one is tightened), and the directory is made
//! 0700 (created so, or tightened when it exists with group/other access). Each formatted line is buffered by a [`RedactingWriter`] and
//! run through [`crate::secret::redact`] before it reaches the file, so a key a provider
//! echoes back in an error body is masked even if code logs it by mistake. Never log an
//! `Authorization` header, key, token or password in the first place: the redactor is
//! defence in depth.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use std::fs::{File, OpenOptions};

use tracing_appender::non_blocking::{NonBlocking, WorkerGuard};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Environment variable holding the log filter when `--log-level` is not given (read by
/// clap into `cli::Cli::log_level`).
pub const LOG_ENV: &str = "SWITCHBOARD_LOG";
/// Filter used when neither an argument nor [`LOG_ENV`] gives one.
pub const DEFAULT_FILTER: &str = "info";
/// Log files are `switchboard.YYYY-MM-DD.log`.
pub const FILE_PREFIX: &str = "switchboard";
pub const FILE_SUFFIX: &str = "log";
/// Daily files kept before the oldest is deleted.
pub const MAX_FILES: usize = 7;

/// Keeps the background writer alive; dropping it flushes the remaining lines. Hold it for
/// the whole program (in `main`), after the terminal has been restored.
#[must_use = "dropping the guard stops logging"]
pub struct LogGuard {
    _worker: WorkerGuard,
    dir: PathBuf,
}

impl LogGuard {
    /// The directory the log files are written to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl std::fmt::Debug for LogGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogGuard").field("dir", &self.dir).finish()
    }
}

/// Where logs go: the platform state dir (`~/.local/state/switchboard/` on Linux, honouring
/// `XDG_STATE_HOME`), else the local data dir (macOS, Windows), else `./`.
pub fn state_dir() -> PathBuf {
    let dirs = directories::ProjectDirs::from("", "", "switchboard");
    dirs.as_ref()
        .and_then(|d| d.state_dir().map(Path::to_path_buf))
        .or_else(|| dirs.as_ref().map(|d| d.data_local_dir().to_path_buf()))
        .unwrap_or_else(|| PathBuf::from("."))
}

/// A human hint for help texts and the README: the file pattern in `dir`, with the home
/// directory shown as `~` (e.g. `~/.local/state/switchboard/switchboard.YYYY-MM-DD.log`).
pub fn log_file_hint(dir: &Path) -> String {
    let file = dir.join(format!("{FILE_PREFIX}.YYYY-MM-DD.{FILE_SUFFIX}"));
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty())
        && let Ok(rest) = file.strip_prefix(&home)
    {
        return format!("~/{}", rest.display());
    }
    file.display().to_string()
}

/// The filter text in effect: `level` (`--log-level`, or `SWITCHBOARD_LOG`, which clap
/// reads into it), else `info`.
pub fn filter_text(level: Option<&str>) -> String {
    level
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DEFAULT_FILTER.to_string())
}

/// Parses a filter such as `info` or `switchboard=debug,reqwest=warn`.
pub fn parse_filter(text: &str) -> Result<EnvFilter, String> {
    EnvFilter::try_new(text).map_err(|e| format!("invalid log filter \"{text}\": {e}"))
}

/// Builds the file subscriber without installing it, for tests and embedding
/// (`tracing::subscriber::with_default`). [`init`] installs the same one globally.
pub fn subscriber(
    dir: &Path,
    level: Option<&str>,
) -> Result<(impl tracing::Subscriber + Send + Sync + 'static, LogGuard), String> {
    let filter = parse_filter(&filter_text(level))?;
    let (writer, guard) = file_writer(dir)?;
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(RedactingMakeWriter::new(writer))
        .finish();
    Ok((subscriber, guard))
}

/// Installs the global subscriber writing to `dir` (created private if missing, tightened
/// to 0700 if it exists with group/other access). Returns an
/// error, never panics, on a bad filter, an unwritable directory, or when a global
/// subscriber is already installed (a second call in one process).
pub fn init(dir: &Path, level: Option<&str>) -> Result<LogGuard, String> {
    let (subscriber, guard) = subscriber(dir, level)?;
    tracing::subscriber::set_global_default(subscriber)
        .map_err(|_| "logging is already initialised in this process".to_string())?;
    Ok(guard)
}

/// [`init`] for `switchboard serve`, which has no terminal to protect: the same file,
/// and every line on stderr too (a service's convention; journald keeps it). Redacted.
pub fn init_service(dir: &Path, level: Option<&str>) -> Result<LogGuard, String> {
    use tracing_subscriber::fmt::writer::MakeWriterExt;
    let filter = parse_filter(&filter_text(level))?;
    let (writer, guard) = file_writer(dir)?;
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(RedactingMakeWriter::new(writer.and(io::stderr)))
        .finish();
    tracing::subscriber::set_global_default(subscriber)
        .map_err(|_| "logging is already initialised in this process".to_string())?;
    Ok(guard)
}

/// Log lines queued for the writer thread at most.
const LOG_QUEUE_LINES: usize = 4_096;

fn file_writer(dir: &Path) -> Result<(NonBlocking, LogGuard), String> {
    private_dir(dir).map_err(|e| format!("cannot create log directory {}: {e}", dir.display()))?;
    let mut daily = DailyFile::new(dir);
    // Open today's file now, so an unwritable directory is an error at start.
    daily
        .current()
        .map_err(|e| format!("cannot open a log file in {}: {e}", dir.display()))?;
    // The default queue holds 128,000 lines, allocated up front (4 MB of a console's
    // RSS); a console logs a few lines a minute, and a burst past this many is dropped
    // (lossy) rather than blocking the UI.
    let (writer, worker) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .finish(daily);
    Ok((
        writer,
        LogGuard {
            _worker: worker,
            dir: dir.to_path_buf(),
        },
    ))
}

/// Creates `dir` (0700 on unix) or, when it exists, takes group and other access away
/// from it, as for the audit log: the state dir holds logs and the audit trail.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    if !dir.exists() {
        return crate::config::create_private_dir(dir);
    }
    // The `./` fallback (no home directory) is the user's own directory: leave it.
    #[cfg(unix)]
    if dir != Path::new(".") {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir)?.permissions().mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode & 0o700))?;
        }
    }
    Ok(())
}

/// Opens `path` for appending, created 0600 on unix; an existing file with group or
/// other access is tightened to 0600.
fn open_private_append(path: &Path) -> io::Result<File> {
    open_private(path, OpenOptions::new().append(true).create(true))
}

/// Opens `path` with `opts`, a new file created 0600 on unix and an existing one with
/// group or other access tightened to 0600 (the log files, the audit log, the config).
pub fn open_private(path: &Path, opts: &mut OpenOptions) -> io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let file = opts.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if file.metadata()?.permissions().mode() & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(file)
}

/// `switchboard.YYYY-MM-DD.log` for the UTC day of `unix_secs`.
fn file_name(unix_secs: i64) -> String {
    let date = jiff::Timestamp::from_second(unix_secs)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_else(|_| "unknown".to_string());
    format!("{FILE_PREFIX}.{date}.{FILE_SUFFIX}")
}

fn now_secs() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// The log file of the current UTC day, private (0600), switched at midnight UTC; when
/// it switches, all but the newest [`MAX_FILES`] log files are deleted.
struct DailyFile {
    dir: PathBuf,
    file: Option<File>,
    /// When the open file's day ends (Unix seconds).
    next_day: i64,
}

impl DailyFile {
    fn new(dir: &Path) -> DailyFile {
        DailyFile {
            dir: dir.to_path_buf(),
            file: None,
            next_day: i64::MIN,
        }
    }

    /// Today's file, opening (and pruning) when the day changed.
    fn current(&mut self) -> io::Result<&mut File> {
        let now = now_secs();
        if self.file.is_none() || now >= self.next_day {
            self.file = None;
            let file = open_private_append(&self.dir.join(file_name(now)))?;
            self.next_day = (now.div_euclid(86_400) + 1) * 86_400;
            self.prune();
            self.file = Some(file);
        }
        match self.file.as_mut() {
            Some(f) => Ok(f),
            None => Err(io::Error::other("log file not open")),
        }
    }

    /// Deletes the oldest log files beyond [`MAX_FILES`] (names sort by date).
    fn prune(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let prefix = format!("{FILE_PREFIX}.");
        let suffix = format!(".{FILE_SUFFIX}");
        let mut logs: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(&suffix))
            })
            .collect();
        logs.sort();
        let excess = logs.len().saturating_sub(MAX_FILES);
        for old in &logs[..excess] {
            let _ = std::fs::remove_file(old);
        }
    }
}

impl Write for DailyFile {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.current()?.write(data)
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.file.as_mut() {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

/// Wraps a [`MakeWriter`] so every line is redacted before it is written.
#[derive(Debug, Clone)]
pub struct RedactingMakeWriter<M> {
    inner: M,
}

impl<M> RedactingMakeWriter<M> {
    pub fn new(inner: M) -> RedactingMakeWriter<M> {
        RedactingMakeWriter { inner }
    }
}

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for RedactingMakeWriter<M> {
    type Writer = RedactingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter::new(self.inner.make_writer())
    }

    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> Self::Writer {
        RedactingWriter::new(self.inner.make_writer_for(meta))
    }
}

/// Buffers what is written (one formatted event, for the fmt layer) and writes it redacted
/// when flushed up to a line end, or when dropped. Buffering means a secret split across
/// two `write` calls is still caught.
pub struct RedactingWriter<W: Write> {
    inner: W,
    buf: Vec<u8>,
}

impl<W: Write> RedactingWriter<W> {
    pub fn new(inner: W) -> RedactingWriter<W> {
        RedactingWriter {
            inner,
            buf: Vec::new(),
        }
    }

    /// Writes the first `n` buffered bytes, redacted.
    fn emit(&mut self, n: usize) -> io::Result<()> {
        if n == 0 {
            return Ok(());
        }
        let chunk: Vec<u8> = self.buf.drain(..n).collect();
        let text = String::from_utf8_lossy(&chunk);
        let clean = crate::secret::redact(&text);
        self.inner.write_all(clean.as_bytes())
    }
}

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        // Only whole lines: the rest may be the first half of a secret.
        if let Some(last_nl) = self.buf.iter().rposition(|&b| b == b'\n') {
            self.emit(last_nl + 1)?;
        }
        self.inner.flush()
    }
}

impl<W: Write> Drop for RedactingWriter<W> {
    fn drop(&mut self) {
        let n = self.buf.len();
        let _ = self.emit(n);
        let _ = self.inner.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, data: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(data);
            Ok(data.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn split_secret_is_still_redacted() {
        let _s = crate::secret::Secret::new("split-secret-abcdef");
        let out = Shared::default();
        {
            let mut w = RedactingWriter::new(out.clone());
            w.write_all(b"key split-sec").unwrap();
            w.flush().unwrap();
            w.write_all(b"ret-abcdef end\nnext").unwrap();
            w.flush().unwrap();
            assert_eq!(&*out.0.lock().unwrap(), b"key **** end\n");
        }
        assert_eq!(&*out.0.lock().unwrap(), b"key **** end\nnext");
    }

    #[test]
    fn fmt_layer_output_is_redacted() {
        let _s = crate::secret::Secret::new("fmt-layer-secret-123");
        let out = Shared::default();
        let sink = out.clone();
        let sub = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(RedactingMakeWriter::new(move || sink.clone()))
            .finish();
        tracing::subscriber::with_default(sub, || {
            tracing::warn!(
                body = "fmt-layer-secret-123",
                "provider said fmt-layer-secret-123"
            );
        });
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert!(!text.contains("fmt-layer-secret-123"), "{text}");
        assert!(text.contains("provider said ****"), "{text}");
    }

    #[test]
    fn file_names_follow_the_utc_day() {
        assert_eq!(file_name(0), "switchboard.1970-01-01.log");
        assert_eq!(file_name(86_399), "switchboard.1970-01-01.log");
        assert_eq!(file_name(86_400), "switchboard.1970-01-02.log");
    }

    #[test]
    fn filters() {
        assert_eq!(filter_text(Some(" debug ")), "debug");
        assert!(parse_filter("switchboard=debug,reqwest=warn").is_ok());
        assert!(parse_filter("switchboard=loud").is_err());
    }

    #[test]
    fn hint_uses_tilde() {
        let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) else {
            return;
        };
        let dir = Path::new(&home).join(".local/state/switchboard");
        assert_eq!(
            log_file_hint(&dir),
            "~/.local/state/switchboard/switchboard.YYYY-MM-DD.log"
        );
        assert_eq!(
            log_file_hint(Path::new("/var/log/sb")),
            "/var/log/sb/switchboard.YYYY-MM-DD.log"
        );
    }
}
