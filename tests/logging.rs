//! The log file: written where asked, rotated by day, secrets masked.
//! Its own test binary: `logging::init` installs the process-wide subscriber, once.

use std::path::{Path, PathBuf};

use switchboard::logging;
use switchboard::secret::Secret;

fn temp_dir(tag: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!(
        "switchboard-logging-test-{tag}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&p);
    p
}

/// Everything written to the log files in `dir`, and their names.
fn read_logs(dir: &Path) -> (String, Vec<String>) {
    let mut text = String::new();
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        names.push(entry.file_name().to_string_lossy().into_owned());
        text.push_str(&std::fs::read_to_string(entry.path()).unwrap());
    }
    (text, names)
}

#[test]
fn global_init_writes_a_redacted_daily_file_and_refuses_a_second_init() {
    let dir = temp_dir("global").join("state/switchboard");
    let key = Secret::new("XI-logging-test-secret-0123456789");
    let guard = logging::init(&dir, Some("switchboard=debug,logging=debug")).unwrap();
    assert_eq!(guard.dir(), dir.as_path());

    tracing::info!(target: "switchboard::test", "GET /customers/self failed: 401 key {} rejected", key.expose());
    tracing::debug!(target: "switchboard::test", header = %format!("Bearer {}", key.expose()), "request");
    tracing::info!(target: "switchboard::test", "masked via Display: {key}");
    tracing::trace!(target: "switchboard::test", "below the filter");

    let again = logging::init(&dir, None);
    assert!(again.is_err(), "a second init must fail, not panic");
    assert!(again.unwrap_err().contains("already"));

    drop(guard); // flushes the background writer

    let (text, names) = read_logs(&dir);
    assert_eq!(names.len(), 1, "{names:?}");
    let name = &names[0];
    assert!(
        name.starts_with("switchboard.")
            && name.ends_with(".log")
            && name.len() == "switchboard.YYYY-MM-DD.log".len(),
        "{name}"
    );
    assert!(
        !text.contains("XI-logging-test-secret-0123456789"),
        "{text}"
    );
    assert!(text.contains("401 key **** rejected"), "{text}");
    assert!(text.contains("header=Bearer ****"), "{text}");
    assert!(text.contains("masked via Display: ****"), "{text}");
    assert!(!text.contains("below the filter"), "{text}");
    assert!(!text.contains('\x1b'), "no ANSI colour codes in the file");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "a created log directory is private");
    }
    let _ = std::fs::remove_dir_all(temp_dir("global"));
}

#[test]
fn local_subscriber_redacts_secrets() {
    let dir = temp_dir("local");
    let secret = Secret::new("local-subscriber-password-42");
    let (subscriber, guard) = logging::subscriber(&dir, Some("info")).unwrap();
    tracing::subscriber::with_default(subscriber, || {
        tracing::warn!(
            body = "{\"error\":\"bad password local-subscriber-password-42\"}",
            "callable login failed"
        );
    });
    drop(guard);
    let (text, _) = read_logs(&dir);
    assert!(text.contains("callable login failed"), "{text}");
    assert!(text.contains("****"), "{text}");
    assert!(!text.contains(secret.expose()), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_filter_is_an_error() {
    let dir = temp_dir("badfilter");
    let e = logging::subscriber(&dir, Some("switchboard=chatty"))
        .err()
        .unwrap();
    assert!(
        e.starts_with("invalid log filter \"switchboard=chatty\""),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn hint_and_state_dir() {
    let hint = logging::log_file_hint(Path::new("/srv/noc/logs"));
    assert_eq!(hint, "/srv/noc/logs/switchboard.YYYY-MM-DD.log");
    let state = logging::state_dir();
    assert!(
        state.ends_with("switchboard") || state == Path::new("."),
        "{}",
        state.display()
    );
}

/// Logs hold phone numbers and account names: in a state dir that already exists with
/// mode 0755 (and a log file of today left 0644 by an older version), the file ends up
/// 0600 and the directory 0700.
#[cfg(unix)]
#[test]
fn log_files_are_private_in_an_existing_open_directory() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = temp_dir("modes");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (subscriber, guard) = logging::subscriber(&dir, Some("info")).unwrap();
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!("call from +442071234501 on acme.cloudonix.net");
    });
    drop(guard);
    assert_eq!(mode(&dir), 0o700, "the directory is tightened");
    let (text, names) = read_logs(&dir);
    assert!(text.contains("call from +442071234501"), "{text}");
    assert_eq!(names.len(), 1, "{names:?}");
    let file = dir.join(&names[0]);
    assert_eq!(mode(&file), 0o600, "a new log file is private");

    // An old file of today left readable is tightened when logging starts again.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (subscriber, guard) = logging::subscriber(&dir, Some("info")).unwrap();
    tracing::subscriber::with_default(subscriber, || tracing::info!("second run"));
    drop(guard);
    assert_eq!(mode(&file), 0o600);
    let (text, _) = read_logs(&dir);
    assert!(
        text.contains("second run") && text.contains("+442071234501"),
        "appended: {text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// At most seven daily files are kept: older ones are deleted when a file is opened.
#[test]
fn only_the_newest_seven_files_are_kept() {
    let dir = temp_dir("prune");
    std::fs::create_dir_all(&dir).unwrap();
    for day in 1..=9 {
        std::fs::write(dir.join(format!("switchboard.2020-01-0{day}.log")), "old\n").unwrap();
    }
    std::fs::write(dir.join("audit.jsonl"), "{}\n").unwrap();
    let (_subscriber, guard) = logging::subscriber(&dir, Some("info")).unwrap();
    drop(guard);
    let (_, mut names) = read_logs(&dir);
    names.sort();
    assert_eq!(names.len(), logging::MAX_FILES + 1, "{names:?}");
    assert_eq!(names[0], "audit.jsonl", "other files are left alone");
    assert_eq!(names[1], "switchboard.2020-01-04.log", "{names:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
