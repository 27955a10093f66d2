//! Queue records and their counters against real SQLite files.

use crate::tests::{DAY, NOW, TempDir};
use crate::*;

fn q(id: &str, queue: &str, joined: i64, wait_s: i64, outcome: QueueOutcome) -> QueueRecord {
    // Answered after the wait and talked a minute, or gone after the wait.
    let at = joined + wait_s * 1000;
    let answered = outcome == QueueOutcome::Answered;
    QueueRecord {
        provider: "vc".into(),
        account: "pbx".into(),
        queue: queue.into(),
        call_id: id.into(),
        joined_ms: joined,
        answered_ms: answered.then_some(at),
        ended_ms: Some(if answered { at + 60_000 } else { at }),
        outcome,
    }
}

fn key(queue: &str) -> QueueKey {
    QueueKey {
        provider: "vc".into(),
        account: "pbx".into(),
        queue: queue.into(),
    }
}

fn day() -> Vec<QueueRecord> {
    vec![
        q("a", "sales", NOW - 600_000, 5, QueueOutcome::Answered),
        q("b", "sales", NOW - 500_000, 6, QueueOutcome::Abandoned),
        q("c", "sales", NOW - 400_000, 700, QueueOutcome::TimedOut),
        q("a", "support", NOW - 300_000, 20, QueueOutcome::Answered),
    ]
}

#[test]
fn a_queue_record_is_counted_once_however_often_it_is_listed() {
    let dir = TempDir::new();
    let mut s = Store::open_in(&dir.0).expect("open");
    let first = s.insert_queue(&day()).expect("insert");
    assert_eq!(first.new, 4);
    let sales = QueueCounts {
        calls: 3,
        answered: 1,
        abandoned: 1,
        wait_count: 3,
        wait_sum_ms: 711_000,
        // 5 s is in the 5 s bucket (upper bounds are inclusive), 6 s in the 15 s one,
        // 700 s beyond the last bound.
        wait_buckets: [1, 1, 0, 0, 0, 0, 0, 1],
    };
    assert_eq!(first.counts[&key("sales")], sales);
    assert_eq!(first.counts[&key("support")].calls, 1);

    // The same day listed again, plus one new call: only that one adds.
    let mut again = day();
    again.push(q("d", "sales", NOW - 100_000, 40, QueueOutcome::Answered));
    let second = s.insert_queue(&again).expect("insert again");
    assert_eq!(second.new, 1);
    assert_eq!(
        second.counts.keys().collect::<Vec<_>>(),
        vec![&key("sales")]
    );
    let all = s.queue_counters().expect("counters");
    assert_eq!(all[&key("sales")].calls, 4);
    assert_eq!(all[&key("sales")].answered, 2);
    assert_eq!(
        all[&key("sales")].wait_buckets[3],
        1,
        "40 s: the 60 s bucket"
    );
    assert_eq!(all[&key("support")], first.counts[&key("support")]);
    assert_eq!(s.queue_record_count(Some("vc")).expect("count"), 5);

    // The same call id in another account is another call.
    let mut other = q("a", "sales", NOW - 600_000, 5, QueueOutcome::Answered);
    other.account = "pbx2".into();
    assert_eq!(s.insert_queue(&[other]).expect("insert").new, 1);
    assert_eq!(
        s.queue_counters().expect("counters")[&key("sales")].calls,
        4
    );
}

#[test]
fn counters_survive_a_restart_and_pruning_never_lowers_them() {
    let dir = TempDir::new();
    let old = q("old", "sales", NOW - 10 * DAY, 10, QueueOutcome::Abandoned);
    {
        let mut s = Store::open_in(&dir.0).expect("open");
        s.insert_queue(&day()).expect("insert");
        s.insert_queue(std::slice::from_ref(&old)).expect("insert");
    }
    let mut s = Store::open_in(&dir.0).expect("reopen");
    let before = s.queue_counters().expect("counters");
    assert_eq!(before[&key("sales")].calls, 4);
    assert_eq!(s.insert_queue(&day()).expect("again").new, 0);

    s.prune(NOW - 7 * DAY).expect("prune");
    assert_eq!(
        s.queue_record_count(None).expect("count"),
        4,
        "old one pruned"
    );
    assert_eq!(s.queue_counters().expect("counters"), before);
    // Listed again after it was pruned: not counted a second time.
    assert_eq!(s.insert_queue(&[old]).expect("insert").new, 0);
    // Everything pruned, the day listed again: still nothing counted twice.
    s.prune(NOW).expect("prune all");
    assert_eq!(s.queue_record_count(None).expect("count"), 0);
    assert_eq!(s.insert_queue(&day()).expect("insert").new, 0);
    assert_eq!(s.queue_counters().expect("counters"), before);
    // A cutoff further back does not move it back.
    s.prune(NOW - 30 * DAY).expect("prune");
    assert_eq!(s.insert_queue(&day()).expect("insert").new, 0);
    // A call after the cutoff counts.
    let new = q("new", "sales", NOW + 1_000, 3, QueueOutcome::Answered);
    let added = s.insert_queue(&[new]).expect("insert");
    assert_eq!(added.counts[&key("sales")].calls, 5);
}

#[test]
fn a_version_1_file_migrates_and_keeps_its_calls() {
    let dir = TempDir::new();
    {
        let c = rusqlite::Connection::open(dir.file()).expect("create");
        c.execute_batch(crate::schema::MIGRATIONS[0])
            .expect("v1 schema");
        c.pragma_update(None, "user_version", 1).expect("v1");
        c.execute(
            "INSERT INTO calls VALUES ('vc', 'c1', 'pbx', '+61290000000', '200', \
             '61290000000', '200', 'in', 'completed', 1, 2, 3, '{}')",
            [],
        )
        .expect("a v1 call");
        c.execute("INSERT INTO watermarks VALUES ('vc', 'pbx', 3)", [])
            .expect("a v1 watermark");
    }
    let mut s = Store::open_in(&dir.0).expect("migrates");
    let version: i64 = s
        .conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(version, crate::schema::VERSION);
    assert_eq!(s.count(None).expect("count"), 1);
    assert_eq!(s.watermark("vc", "pbx").expect("mark"), Some(3));
    assert!(s.queue_counters().expect("counters").is_empty());
    assert_eq!(s.insert_queue(&day()).expect("insert").new, 4);
    drop(s);
    // Opened again: nothing to migrate, nothing lost.
    let s = Store::open_in(&dir.0).expect("reopen");
    assert_eq!(
        s.queue_counters().expect("counters")[&key("sales")].calls,
        3
    );
    assert_eq!(s.count(None).expect("count"), 1);
}
