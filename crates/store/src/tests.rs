//! The store against real SQLite files in a temporary directory.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

/// A fresh directory per test (removed when dropped).
pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    pub(crate) fn new() -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "sb-store-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
    pub(crate) fn file(&self) -> PathBuf {
        self.0.join(FILE_NAME)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(crate) const DAY: i64 = 86_400_000;
pub(crate) const NOW: i64 = 1_700_000_000_000;

fn record(provider: &str, id: &str, from: &str, to: &str, start: i64) -> CallRecord {
    CallRecord {
        provider: provider.into(),
        id: id.into(),
        account: "acme".into(),
        from: from.into(),
        to: to.into(),
        direction: "in".into(),
        result: "completed".into(),
        started_ms: Some(start),
        answered_ms: Some(start + 3_000),
        ended_ms: Some(start + 60_000),
        fields: vec![("sip call-id".into(), format!("{id}@10.0.0.1"))],
    }
}

#[test]
fn inserting_the_same_calls_twice_stores_them_once() {
    let dir = TempDir::new();
    let mut s = Store::open_in(&dir.0).expect("open");
    let calls = vec![
        record("cx", "a", "+442079460000", "+14155550100", NOW - 3_000_000),
        record("cx", "b", "+442079460001", "+14155550100", NOW - 2_000_000),
        // Same call id at another provider: another call.
        record("vc", "a", "+61293740000", "+14155550100", NOW - 1_000_000),
    ];
    assert_eq!(s.insert(&calls).expect("insert"), 3);
    assert_eq!(s.insert(&calls).expect("insert again"), 0);
    assert_eq!(s.count(None).expect("count"), 3);
    assert_eq!(s.count(Some("cx")).expect("count cx"), 2);
    // Read back whole, fields included.
    let back = s.recent(Some("vc"), 0, 10).expect("recent");
    assert_eq!(back, vec![calls[2].clone()]);
}

#[test]
fn the_watermark_survives_a_restart_and_nothing_is_counted_twice() {
    let dir = TempDir::new();
    let calls: Vec<CallRecord> = (0..5)
        .map(|i| {
            record(
                "cx",
                &format!("c{i}"),
                "+1",
                "+2",
                NOW - 600_000 + i * 60_000,
            )
        })
        .collect();
    {
        let mut s = Store::open_in(&dir.0).expect("open");
        assert_eq!(s.watermark("cx", "acme").expect("mark"), None);
        assert_eq!(s.insert(&calls[..3]).expect("insert"), 3);
        assert_eq!(s.watermark("cx", "acme").expect("mark"), calls[2].ended_ms);
    }
    // A restart: the same poll result comes back with two more calls.
    let mut s = Store::open_in(&dir.0).expect("reopen");
    assert_eq!(s.watermark("cx", "acme").expect("mark"), calls[2].ended_ms);
    assert_eq!(s.insert(&calls).expect("insert all"), 2);
    assert_eq!(s.count(None).expect("count"), 5);
    assert_eq!(s.watermark("cx", "acme").expect("mark"), calls[4].ended_ms);
    // An older call arriving late does not move the watermark back.
    let late = record("cx", "late", "+1", "+2", NOW - 9_000_000);
    assert_eq!(s.insert(&[late]).expect("late"), 1);
    assert_eq!(s.watermark("cx", "acme").expect("mark"), calls[4].ended_ms);
}

#[test]
fn retention_deletes_only_calls_older_than_the_cut() {
    let dir = TempDir::new();
    let mut s = Store::open_in(&dir.0).expect("open");
    let calls: Vec<CallRecord> = (0..10)
        .map(|d| record("cx", &format!("d{d}"), "+1", "+2", NOW - d * DAY))
        .collect();
    s.insert(&calls).expect("insert");
    // Keep 7 days: days 8 and 9 go (day 7 starts exactly at the cut and stays).
    assert_eq!(s.prune(NOW - 7 * DAY).expect("prune"), 2);
    assert_eq!(s.count(None).expect("count"), 8);
    assert_eq!(s.prune(NOW - 7 * DAY).expect("prune again"), 0);
}

#[test]
fn a_number_is_found_however_it_is_typed_newest_first() {
    let dir = TempDir::new();
    let mut s = Store::open_in(&dir.0).expect("open");
    s.insert(&[
        record("cx", "1", "+442079460000", "+14155550100", NOW - 3 * DAY),
        record("vc", "2", "14155550100", "+61293740000", NOW - DAY),
        record("iv", "3", "+61293740000", "+442079460000", NOW - 2 * DAY),
        record("cx", "4", "+33100000000", "+33100000001", NOW),
    ])
    .expect("insert");
    for typed in ["+1 415 555 0100", "14155550100", "+1 (415) 555-0100"] {
        let found = s.calls_with_number(typed, 0, 10).expect("lookup");
        let ids: Vec<&str> = found.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["2", "1"], "typed {typed}");
    }
    // From or to, within the window only.
    let recent = s
        .calls_with_number("+442079460000", NOW - 2 * DAY - 1, 10)
        .expect("lookup");
    assert_eq!(recent.len(), 1);
    assert_eq!(recent[0].id, "3");
    assert!(
        s.calls_with_number("no digits", 0, 10)
            .expect("empty")
            .is_empty()
    );
}

#[test]
fn a_file_that_is_not_a_database_is_reported_as_damaged() {
    let dir = TempDir::new();
    std::fs::write(dir.file(), vec![0x42u8; 8192]).expect("write garbage");
    let e = Store::open_in(&dir.0).expect_err("garbage is not a store");
    assert!(matches!(e, StoreError::Corrupt { .. }), "{e:?}");
    let text = e.to_string();
    assert!(text.contains("damaged or not a database"), "{text}");
    assert!(text.contains(&dir.file().display().to_string()), "{text}");
}

#[test]
fn a_file_locked_by_another_process_is_reported_as_locked() {
    let dir = TempDir::new();
    drop(Store::open_in(&dir.0).expect("create"));
    let other = rusqlite::Connection::open(dir.file()).expect("other connection");
    other
        .execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;")
        .expect("lock");
    let e = Store::open_in(&dir.0).expect_err("locked");
    assert!(matches!(e, StoreError::Locked { .. }), "{e:?}");
    assert!(e.to_string().contains("locked by another process"), "{e}");
    other.execute_batch("COMMIT").expect("unlock");
}

#[test]
fn a_file_from_a_newer_switchboard_is_refused_in_words() {
    let dir = TempDir::new();
    drop(Store::open_in(&dir.0).expect("create"));
    let c = rusqlite::Connection::open(dir.file()).expect("raw");
    c.pragma_update(None, "user_version", 99).expect("bump");
    drop(c);
    let e = Store::open_in(&dir.0).expect_err("too new");
    assert_eq!(
        e,
        StoreError::TooNew {
            path: dir.file(),
            version: 99
        }
    );
}

#[test]
fn a_reader_reads_while_a_writer_writes() {
    let dir = TempDir::new();
    drop(Store::open_in(&dir.0).expect("create"));
    let path = dir.file();
    let writer = std::thread::spawn(move || {
        let mut s = Store::open(&path).expect("writer");
        for batch in 0..20 {
            let calls: Vec<CallRecord> = (0..500)
                .map(|i| record("cx", &format!("{batch}-{i}"), "+1", "+2", NOW + i))
                .collect();
            s.insert(&calls).expect("insert");
        }
    });
    let reader = Store::open_in(&dir.0).expect("reader");
    let mut seen = Vec::new();
    while !writer.is_finished() {
        // Every read succeeds (WAL: readers never wait for the writer) and sees whole
        // batches only (each insert is one transaction).
        let n = reader.count(None).expect("read during writes");
        assert_eq!(n % 500, 0, "a half-written batch was visible: {n}");
        seen.push(n);
    }
    writer.join().expect("writer thread");
    assert_eq!(reader.count(None).expect("final"), 10_000);
    assert!(seen.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn the_handle_runs_work_on_the_stores_thread() {
    let dir = TempDir::new();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let h = StoreHandle::open(dir.file()).expect("open");
        let rec = record("cx", "h1", "+1", "+2", NOW);
        let new = h
            .run(move |s| s.insert(&[rec]))
            .await
            .expect("insert through the handle");
        assert_eq!(new, 1);
        let n = h.run(|s| s.count(None)).await.expect("count");
        assert_eq!(n, 1);
    });
    // A bad file: the handle says why, like the store.
    std::fs::write(dir.0.join("bad.sqlite"), b"not sqlite at all, really not").expect("w");
    let e = StoreHandle::open(dir.0.join("bad.sqlite")).expect_err("bad file");
    assert!(matches!(e, StoreError::Corrupt { .. }), "{e:?}");
}

#[test]
fn a_finished_call_becomes_a_record_and_a_live_one_does_not() {
    use switchboard_core::model::{Call, CallState, Direction, ProviderId};
    let mut call = Call {
        provider: ProviderId(0),
        account: "acme".into(),
        account_name: Default::default(),
        id: "x1".into(),
        from: "+442079460000".into(),
        to: "+14155550100".into(),
        direction: Direction::Outbound,
        state: CallState::InCall,
        started_at_ms: Some(NOW),
        answered_at_ms: Some(NOW + 1_000),
        ended_at_ms: None,
        extra: vec![("codec".into(), "PCMA".into())].into(),
    };
    assert_eq!(CallRecord::from_call("cx", &call), None);
    call.state = CallState::Completed;
    call.ended_at_ms = Some(NOW + 61_000);
    let r = CallRecord::from_call("cx", &call).expect("finished");
    assert_eq!(
        (r.provider.as_str(), r.direction.as_str(), r.result.as_str()),
        ("cx", "out", "completed")
    );
    assert_eq!(r.ended_ms, Some(NOW + 61_000));
    assert_eq!(r.fields, vec![("codec".to_string(), "PCMA".to_string())]);
}

fn export_in(dir: &TempDir, max_bytes: u64, keep: u32) -> JsonlExport {
    JsonlExport::new(ExportOptions {
        path: dir.0.join("calls.jsonl"),
        max_bytes,
        keep,
    })
}

fn lines(path: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is JSON"))
        .collect()
}

#[test]
fn an_exported_line_carries_the_call_with_normalised_numbers_and_no_secret() {
    let dir = TempDir::new();
    let secret = switchboard_core::secret::Secret::new("sk-export-test-0123456789");
    let mut r = record("cx", "a", "+44 20 7946-0000", "+14155550100", NOW);
    r.fields
        .push(("note".into(), format!("token {}", secret.expose())));
    let export = export_in(&dir, 1 << 20, 2);
    export.append(&[r]).expect("appended");
    let got = lines(export.path());
    assert_eq!(got.len(), 1);
    let l = &got[0];
    assert_eq!(l["provider"], "cx");
    assert_eq!(l["call_id"], "a");
    assert_eq!(l["from"], "+442079460000");
    assert_eq!(l["from_digits"], "442079460000");
    assert_eq!(l["to"], "+14155550100");
    assert_eq!(l["direction"], "in");
    assert_eq!(l["result"], "completed");
    assert_eq!(l["started_ms"], NOW);
    assert_eq!(l["time"], "2023-11-14T22:13:20Z");
    assert_eq!(l["ring_seconds"], 3);
    assert_eq!(l["talk_seconds"], 57);
    let text = std::fs::read_to_string(export.path()).unwrap();
    assert!(!text.contains(secret.expose()), "{text}");
    assert!(text.contains("token ****"), "{text}");
}

#[test]
fn the_export_rotates_by_size_and_keeps_as_many_files_as_asked() {
    let dir = TempDir::new();
    let export = export_in(&dir, 600, 2);
    for i in 0..12 {
        let r = record("cx", &format!("c{i}"), "+442079460000", "+1415555", NOW + i);
        export.append(&[r]).expect("appended");
    }
    let rotated = |n: u32| dir.0.join(format!("calls.jsonl.{n}"));
    assert!(rotated(1).exists() && rotated(2).exists());
    assert!(!rotated(3).exists(), "only two rotated files are kept");
    // No file grows past the limit by more than one batch; the newest call is in the
    // live file, older ones in .1, and no line is split or doubled.
    for p in [export.path().to_path_buf(), rotated(1), rotated(2)] {
        let len = std::fs::metadata(&p).unwrap().len();
        assert!(len < 600 + 600, "{} is {len} bytes", p.display());
    }
    let ids = |p: &std::path::Path| -> Vec<String> {
        lines(p)
            .iter()
            .map(|l| l["call_id"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(ids(export.path()).last().map(String::as_str), Some("c11"));
    let mut all: Vec<String> = [rotated(2), rotated(1), export.path().to_path_buf()]
        .iter()
        .flat_map(|p| ids(p))
        .collect();
    let n = all.len();
    all.dedup();
    assert_eq!(all.len(), n);
    assert!(n < 12, "the oldest file was dropped");
}

#[test]
fn only_calls_new_to_the_store_are_returned_for_export() {
    let dir = TempDir::new();
    let mut s = Store::open_in(&dir.0).expect("open");
    let a = record("cx", "a", "+442079460000", "+14155550100", NOW);
    let b = record("cx", "b", "+442079460000", "+14155550100", NOW + 1);
    assert_eq!(
        s.insert_new(std::slice::from_ref(&a)).unwrap(),
        vec![a.clone()]
    );
    assert_eq!(s.insert_new(&[a, b.clone()]).unwrap(), vec![b]);
}

#[test]
fn a_number_lookup_uses_an_index_on_each_side() {
    let dir = TempDir::new();
    let s = Store::open_in(&dir.0).expect("open");
    let plan = s.explain_number_lookup().expect("plan").join("\n");
    assert!(plan.contains("calls_from"), "{plan}");
    assert!(plan.contains("calls_to"), "{plan}");
    assert!(!plan.contains("SCAN calls"), "{plan}");
}

#[test]
fn a_call_stays_pending_for_the_export_until_its_line_is_appended() {
    let dir = TempDir::new();
    let mut s = Store::open_in(&dir.0).expect("open");
    let a = record("cx", "a", "+1", "+2", NOW - 10 * DAY);
    let b = record("cx", "b", "+1", "+2", NOW);
    let c = record("cx", "c", "+1", "+2", NOW + 1);
    assert_eq!(
        s.insert_for_export(&[a.clone(), b.clone()]).unwrap().len(),
        2
    );
    // Listed again: stored once, pending once.
    assert!(
        s.insert_for_export(std::slice::from_ref(&a))
            .unwrap()
            .is_empty()
    );
    let ids = |p: &[(i64, CallRecord)]| p.iter().map(|(_, r)| r.id.clone()).collect::<Vec<_>>();
    let pending = s.export_pending(10).unwrap();
    assert_eq!(ids(&pending), ["a", "b"]);
    // Their append failed (not marked done): the next call queues behind them.
    s.insert_for_export(std::slice::from_ref(&c)).unwrap();
    assert_eq!(ids(&s.export_pending(10).unwrap()), ["a", "b", "c"]);
    assert_eq!(ids(&s.export_pending(1).unwrap()), ["a"]);
    // Appended up to b; then a pruned call leaves the queue with its row.
    s.export_done(pending[1].0).unwrap();
    assert_eq!(ids(&s.export_pending(10).unwrap()), ["c"]);
    s.insert_for_export(&[record("cx", "old", "+1", "+2", NOW - 20 * DAY)])
        .unwrap();
    s.prune(NOW - 7 * DAY).unwrap();
    assert_eq!(ids(&s.export_pending(10).unwrap()), ["c"]);
    // Plain inserts (no export configured) mark nothing.
    s.insert_new(&[record("cx", "d", "+1", "+2", NOW)]).unwrap();
    assert_eq!(ids(&s.export_pending(10).unwrap()), ["c"]);
}
