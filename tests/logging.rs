//! The log file: written where asked, rotated by day, secrets masked.

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
