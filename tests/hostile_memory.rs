//! Peak memory against hostile bodies (issue 11, item 2), measured by a counting global
//! allocator: every byte this test binary allocates, client and server together. Before
//! the caps a 200 MB body took 0.4-1.1 GB and a million VoIPcloud rows 3.2 GB. One test
//! in its own binary, so no other test's allocations share the counter.

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use switchboard::config::ProviderConfig;
use switchboard::model::{ProviderId, ProviderKind};
use switchboard::providers::{CloudonixSettings, VoipcloudSettings};
use switchboard::snapshot::snapshot_provider;

use support::hostile::{Hostile, Reply};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const MIB: usize = 1024 * 1024;

/// Peak bytes allocated above the level at the start, while `f` runs.
async fn peak_during<F: std::future::Future<Output = T>, T>(f: F) -> (T, usize) {
    let base = CURRENT.load(Ordering::SeqCst);
    PEAK.store(base, Ordering::SeqCst);
    let out = f.await;
    (out, PEAK.load(Ordering::SeqCst).saturating_sub(base))
}

fn voipcloud(base: &str) -> ProviderConfig {
    let mut cfg = ProviderConfig::new("pbx", ProviderKind::Voipcloud, base);
    cfg.settings = VoipcloudSettings::new("XI-memory-test-token-0123456789").into();
    cfg.timeout_seconds = Some(20.0);
    cfg
}

fn cloudonix(base: &str) -> ProviderConfig {
    let mut cfg = ProviderConfig::new("cx", ProviderKind::Cloudonix, base);
    cfg.settings = CloudonixSettings::new("XI-memory-test-key-0123456789").into();
    cfg.timeout_seconds = Some(20.0);
    cfg
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_bodies_cost_at_most_the_cap_in_memory() {
    // 1. A 200 MB body without Content-Length: read up to the 32 MiB cap, then refused.
    let huge = Hostile::start(|_| Reply::Stream {
        content_type: "application/json",
        prefix: b"[".to_vec(),
        chunk: br#"{"token":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},"#.to_vec(),
        suffix: b"{}]".to_vec(),
        total: Some(200 * MIB),
        announce: false,
    })
    .await;
    let (snap, peak) = peak_during(snapshot_provider(ProviderId(0), &cloudonix(&huge.url()))).await;
    println!(
        "200 MB body: peak {:.1} MiB, {}",
        peak as f64 / MIB as f64,
        snap.error.clone().unwrap_or_default()
    );
    assert_eq!(snap.status, "failed");
    assert!(snap.error.unwrap_or_default().contains("32 MiB limit"));
    assert!(peak < 80 * MIB, "peak {} MiB", peak / MIB);

    // 2. A million VoIPcloud user-call rows in one page (~70 MB): refused past the page
    //    size asked for, before any row is decoded.
    let rows = Hostile::start(|req| {
        if req.path.contains("get-user-calls") {
            Reply::rows(
                r#"{"status":"success","code":200,"data":["#,
                r#"{"id":1,"call_start_at":"2026-11-29T05:00:00Z","call_finished_at":null}"#,
                1_000_000,
                "]}",
                true,
            )
        } else {
            Reply::json(200, r#"{"status":"success","code":200,"data":[]}"#)
        }
    })
    .await;
    let mut cfg = voipcloud(&rows.url());
    cfg.max_response_mib = Some(128);
    let (snap, peak) = peak_during(snapshot_provider(ProviderId(0), &cfg)).await;
    println!(
        "1,000,000 VoIPcloud rows: peak {:.1} MiB, {}",
        peak as f64 / MIB as f64,
        snap.error.clone().unwrap_or_default()
    );
    assert_eq!(snap.status, "degraded");
    let page = switchboard::providers::voipcloud::PAGE_LIMIT;
    assert!(
        snap.error
            .unwrap_or_default()
            .contains(&format!("more than the {page} rows asked for"))
    );
    // The body itself (~70 MB, under the raised 128 MiB cap) is the only large buffer.
    assert!(peak < 160 * MIB, "peak {} MiB", peak / MIB);

    // 3. A million tiny Cloudonix sessions (`{}` each, 3 MB): stopped at max_rows, so
    //    the decoded rows never exist.
    let tiny = Hostile::start(|req| {
        if req.path.ends_with("/sessions") {
            Reply::rows("[", "{}", 1_000_000, "]", true)
        } else if req.path.ends_with("/domains") {
            Reply::json(200, r#"[{"id":1,"domain":"acme.cloudonix.net"}]"#)
        } else if req.path.ends_with("/customers/self") {
            Reply::json(200, r#"{"id":7,"name":"acme"}"#)
        } else {
            Reply::json(200, "[]")
        }
    })
    .await;
    let (snap, peak) = peak_during(snapshot_provider(ProviderId(0), &cloudonix(&tiny.url()))).await;
    println!(
        "1,000,000 Cloudonix sessions: peak {:.1} MiB, {}",
        peak as f64 / MIB as f64,
        snap.error.clone().unwrap_or_default()
    );
    assert_eq!(snap.status, "degraded");
    assert!(
        snap.error
            .unwrap_or_default()
            .contains("more than 50000 rows")
    );
    assert!(peak < 32 * MIB, "peak {} MiB", peak / MIB);
}
