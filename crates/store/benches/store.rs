//! The history store's figures (README, Performance): `cargo bench -p switchboard-store`.
//!
//! - 100,000 finished calls inserted in batches of 500 (a poll's worth, one transaction
//!   each, as `serve` and the console write them), then the same calls again (the
//!   idempotent path every restart takes).
//! - "Calls to or from this number in the last 7 days" over 1,000,000 stored calls spread
//!   over 60 days and 20,000 numbers: the query plan and the time per lookup.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use switchboard_store::{CallRecord, Store};

const DAY: i64 = 86_400_000;
const NOW: i64 = 1_700_000_000_000;
const NUMBERS: u64 = 20_000;

fn number(n: u64) -> String {
    format!("+4420794{:05}", n % NUMBERS)
}

/// A deterministic call: numbers from a pool, starts spread over `days` before NOW.
fn call(i: u64, days: i64) -> CallRecord {
    let x = i
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    let start = NOW - (x >> 11) as i64 % (days * DAY);
    CallRecord {
        provider: ["cx", "vc", "pv"][(i % 3) as usize].into(),
        id: format!("call-{i:08}"),
        account: format!("acct-{}", x % 50),
        from: number(x >> 20),
        to: number(x >> 40),
        direction: if i.is_multiple_of(2) { "in" } else { "out" }.into(),
        result: "completed".into(),
        started_ms: Some(start),
        answered_ms: Some(start + 4_000),
        ended_ms: Some(start + 95_000),
        fields: vec![("sip call-id".into(), format!("{x:x}@10.0.0.1"))],
    }
}

fn temp(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sb-store-bench-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn insert_all(store: &mut Store, n: u64, batch: usize, days: i64) -> (Duration, usize) {
    let t = Instant::now();
    let mut new = 0;
    let calls: Vec<CallRecord> = (0..n).map(|i| call(i, days)).collect();
    for chunk in calls.chunks(batch) {
        new += store.insert(chunk).expect("insert");
    }
    (t.elapsed(), new)
}

fn size_mib(dir: &std::path::Path) -> f64 {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum::<u64>()
        })
        .unwrap_or(0) as f64
        / 1_048_576.0
}

fn main() {
    println!("history store (SQLite, WAL, synchronous=NORMAL)");

    let dir = temp("inserts");
    let mut store = Store::open_in(&dir).expect("open");
    let (t, new) = insert_all(&mut store, 100_000, 500, 30);
    println!(
        "{:<58} {:>9.2} s {:>9.0} calls/s",
        "100,000 inserts, batches of 500 (one transaction each)",
        t.as_secs_f64(),
        new as f64 / t.as_secs_f64()
    );
    let (t, again) = insert_all(&mut store, 100_000, 500, 30);
    assert_eq!(again, 0, "every call was already stored");
    println!(
        "{:<58} {:>9.2} s {:>9.0} calls/s",
        "the same 100,000 again (all ignored: restart path)",
        t.as_secs_f64(),
        100_000.0 / t.as_secs_f64()
    );
    println!(
        "{:<58} {:>9.1} MiB",
        "file (with WAL) after 100,000",
        size_mib(&dir)
    );
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);

    let dir = temp("lookups");
    let mut store = Store::open_in(&dir).expect("open");
    let (t, _) = insert_all(&mut store, 1_000_000, 10_000, 60);
    println!(
        "{:<58} {:>9.2} s",
        "filling 1,000,000 calls over 60 days (batches of 10,000)",
        t.as_secs_f64()
    );
    println!(
        "{:<58} {:>9.1} MiB",
        "file (with WAL) after 1,000,000",
        size_mib(&dir)
    );
    let since = NOW - 7 * DAY;
    let mut times = Vec::new();
    let mut found = 0;
    for k in 0..200u64 {
        let n = number(k * 97);
        let t = Instant::now();
        let calls = store.calls_with_number(&n, since, 10_000).expect("lookup");
        times.push(t.elapsed());
        found += calls.len();
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{:<58} {:>9.3} ms median, {:.3} ms p99, {:.1} calls each",
        "calls to/from a number in the last 7 days (200 numbers)",
        ms(times[times.len() / 2]),
        ms(times[times.len() * 99 / 100]),
        found as f64 / times.len() as f64
    );
    let typed = Instant::now();
    let same = store
        .calls_with_number("+44 20 794 00097", since, 10_000)
        .expect("lookup");
    println!(
        "{:<58} {:>9.3} ms ({} calls)",
        "the same, typed with spaces",
        ms(typed.elapsed()),
        same.len()
    );
    for line in store.explain_number_lookup().expect("plan") {
        println!("  plan: {line}");
    }
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
