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
