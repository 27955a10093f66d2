//! The audit log: JSON lines appended, read back tolerantly, secrets kept out.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use switchboard::audit::{self, AuditEntry, AuditLog, AuditOutcome};
use switchboard::providers::{Mutation, MutationOutcome, ProviderError, RequestPreview};
use switchboard::secret::Secret;

fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "switchboard-audit-test-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn hangup() -> Mutation {
    Mutation::Hangup {
        account: "acme.cloudonix.net".into(),
        call_id: "abc123".into(),
    }
}

fn hangup_preview() -> RequestPreview {
    RequestPreview {
        method: "DELETE".into(),
        path: "/customers/self/domains/acme.cloudonix.net/sessions/abc123".into(),
        body: None,
        stored_changes: Vec::new(),
    }
}

fn ok_entry(message: &str) -> AuditEntry {
    AuditEntry::for_mutation(
        "cloudonix-prod",
        &hangup(),
        Some(&hangup_preview()),
        &Ok(MutationOutcome {
            status: 204,
            message: message.into(),
            created_id: None,
            reveal: None,
        }),
    )
}

#[test]
fn lines_are_appended_and_read_back() {
    let dir = fresh_dir("basic");
    let mut log = AuditLog::open(&dir).expect("opens");
    assert_eq!(log.path(), audit::audit_path(&dir));
    log.append(&ok_entry("call abc123 hung up")).unwrap();
    let refused = AuditEntry::for_mutation(
        "cloudonix-prod",
        &hangup(),
        Some(&hangup_preview()),
        &Err(ProviderError::Refused(
            "read-only: DELETE … was not sent".into(),
        )),
    );
    log.append(&refused).unwrap();
    let failed = AuditEntry::for_mutation(
        "cloudonix-prod",
        &hangup(),
        None,
        &Err(ProviderError::BadRequest("bad".into())),
    );
    log.append(&failed).unwrap();
    let unknown = AuditEntry::for_mutation(
        "cloudonix-prod",
        &hangup(),
        Some(&hangup_preview()),
        &Err(ProviderError::Timeout(Duration::from_secs(10))),
    );
    log.append(&unknown).unwrap();

    let all = audit::read_recent(&dir, 100);
    assert_eq!(all.len(), 4);
    assert_eq!(
        all.iter().map(|e| e.outcome).collect::<Vec<_>>(),
        [
            AuditOutcome::Ok,
            AuditOutcome::Refused,
            AuditOutcome::Failed,
            AuditOutcome::Unknown
        ]
    );
    assert_eq!(all[0], ok_entry_with_stamp(&all[0]));
    assert_eq!(all[0].status, Some(204));
    assert_eq!(all[1].status, None);
    assert_eq!(all[2].status, Some(400));
    assert_eq!(all[0].command, "hangup");
    assert_eq!(all[0].account, "acme.cloudonix.net");
    assert_eq!(all[0].target, "call abc123");
    assert!(!all[0].user.is_empty() && !all[0].host.is_empty());
    assert!(all[0].time.ends_with('Z'));

    let last_two = audit::read_recent(&dir, 2);
    assert_eq!(last_two, all[2..].to_vec());
    assert!(audit::read_recent(&dir, 0).is_empty());

    // One JSON object per line, with the documented keys in order.
    let text = std::fs::read_to_string(audit::audit_path(&dir)).unwrap();
    assert!(text.ends_with('\n'));
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("valid JSON line");
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let mut want = [
            "time", "user", "host", "provider", "account", "target", "command", "method", "path",
            "body", "outcome", "status", "message",
        ];
        want.sort();
        assert_eq!(keys, want);
    }
    assert!(text.lines().nth(1).unwrap().contains("\"status\":null"));
    assert!(text.lines().next().unwrap().contains("\"outcome\":\"ok\""));

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(audit::audit_path(&dir))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // Reopening appends.
    drop(log);
    let mut log = AuditLog::open(&dir).unwrap();
    log.append(&ok_entry("again")).unwrap();
    assert_eq!(audit::read_recent(&dir, 100).len(), 5);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `ok_entry` with the time, user and host of `e` (those depend on when and where).
fn ok_entry_with_stamp(e: &AuditEntry) -> AuditEntry {
    AuditEntry {
        time: e.time.clone(),
        user: e.user.clone(),
        host: e.host.clone(),
        ..ok_entry("call abc123 hung up")
    }
}

#[test]
fn secrets_never_reach_the_file() {
    let dir = fresh_dir("secret");
    let secret = "audit-test-password-Q7x9";
    let _registered = Secret::new(secret);
    let mut log = AuditLog::open(&dir).unwrap();
    // A body that was (wrongly) not masked, and a provider message echoing it.
    let entry = AuditEntry {
        provider: "cx".into(),
        account: "acme.cloudonix.net".into(),
        command: "trunk.edit".into(),
        method: "PUT".into(),
        path: "/customers/self/domains/acme.cloudonix.net/trunks/4".into(),
        body: Some(format!(
            "{{\"profile\":{{\"authentication\":{{\"password\":\"{secret}\"}}}}}}"
        )),
        outcome: AuditOutcome::Failed,
        status: Some(400),
        message: format!("400 bad request: password {secret} too weak"),
        ..AuditEntry::default()
    };
    log.append(&entry).unwrap();
    let text = std::fs::read_to_string(audit::audit_path(&dir)).unwrap();
    assert!(!text.contains(secret), "{text}");
    assert!(text.contains("****"));
    let back = audit::read_recent(&dir, 1);
    assert_eq!(back.len(), 1);
    assert!(!back[0].time.is_empty(), "missing stamps are filled in");
    assert!(!back[0].user.is_empty() && !back[0].host.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_torn_last_line_is_skipped_and_the_next_append_starts_a_new_line() {
    let dir = fresh_dir("torn");
    let mut log = AuditLog::open(&dir).unwrap();
    log.append(&ok_entry("first")).unwrap();

    // A crash mid-write: half a line, no newline.
    let line = serde_json::to_string(&ok_entry("torn")).unwrap();
    let mut raw = std::fs::OpenOptions::new()
        .append(true)
        .open(audit::audit_path(&dir))
        .unwrap();
    raw.write_all(&line.as_bytes()[..line.len() / 2]).unwrap();
    drop(raw);

    let got = audit::read_recent(&dir, 10);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].message, "first");

    log.append(&ok_entry("third")).unwrap();
    let text = std::fs::read_to_string(audit::audit_path(&dir)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(serde_json::from_str::<serde_json::Value>(lines[1]).is_err());
    assert!(serde_json::from_str::<serde_json::Value>(lines[2]).is_ok());
    assert!(text.ends_with('\n'));
    let got = audit::read_recent(&dir, 10);
    assert_eq!(
        got.iter().map(|e| e.message.as_str()).collect::<Vec<_>>(),
        ["first", "third"]
    );
    // A reopened log behaves the same.
    drop(log);
    let mut raw = std::fs::OpenOptions::new()
        .append(true)
        .open(audit::audit_path(&dir))
        .unwrap();
    raw.write_all(b"{\"time\":").unwrap();
    drop(raw);
    AuditLog::open(&dir)
        .unwrap()
        .append(&ok_entry("fourth"))
        .unwrap();
    assert_eq!(
        audit::read_recent(&dir, 10)
            .iter()
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>(),
        ["first", "third", "fourth"]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn missing_log_reads_as_empty() {
    let dir = fresh_dir("missing");
    assert!(audit::read_recent(&dir, 10).is_empty());
    assert!(!dir.exists(), "reading creates nothing");
}

/// The output of a system command, trimmed (None when it cannot run).
fn system(cmd: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(cmd).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// `user` and `host` come from the operating system: a shell that sets `$USER` (or
/// unsets it) changes nothing. Runs itself as a child process with a forged environment.
#[test]
fn user_and_host_come_from_the_os_not_the_environment() {
    const CHILD: &str = "SWITCHBOARD_AUDIT_TEST_CHILD_DIR";
    if let Some(dir) = std::env::var_os(CHILD) {
        let mut log = AuditLog::open(std::path::Path::new(&dir)).unwrap();
        log.append(&AuditEntry::refused(
            "cx",
            "acme.cloudonix.net",
            "trunk pbx-hq (392)",
            "trunk.edit",
            "read-only",
        ))
        .unwrap();
        return;
    }
    let dir = fresh_dir("user");
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "audit::user_and_host_come_from_the_os_not_the_environment",
            "--test-threads=1",
        ])
        .env(CHILD, &dir)
        .env("USER", "mallory")
        .env("LOGNAME", "mallory")
        .env("HOSTNAME", "forged-host")
        .status()
        .expect("the test binary runs");
    assert!(status.success());
    let back = audit::read_recent(&dir, 5);
    assert_eq!(back.len(), 1, "{back:?}");
    let e = &back[0];
    assert_ne!(e.user, "mallory");
    assert_ne!(e.host, "forged-host");
    if let Some(name) = system("id", &["-un"]) {
        assert_eq!(e.user, name);
    } else if let Some(uid) = system("id", &["-u"]) {
        assert_eq!(e.user, format!("uid {uid}"));
    }
    if let Some(host) = system("hostname", &[]) {
        assert_eq!(e.host, host);
    } else if let Ok(host) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
        assert_eq!(e.host, host.trim());
    }
    // A refused line says who tried what on which object.
    assert_eq!(e.outcome, AuditOutcome::Refused);
    assert_eq!(
        (e.provider.as_str(), e.account.as_str(), e.target.as_str()),
        ("cx", "acme.cloudonix.net", "trunk pbx-hq (392)")
    );
    assert_eq!(e.message, "refused: read-only");
    let _ = std::fs::remove_dir_all(&dir);
}

/// An existing state directory others can read is tightened, like the file.
#[cfg(unix)]
#[test]
fn an_open_state_directory_is_tightened() {
    use std::os::unix::fs::PermissionsExt;
    let dir = fresh_dir("dirmode");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    AuditLog::open(&dir).unwrap();
    let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    let _ = std::fs::remove_dir_all(&dir);
}
