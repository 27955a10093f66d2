//! A row's detail fields are one heap allocation (issue 14), counted by a global
//! allocator (its own binary, one test: the count is process-wide).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use switchboard_core::model::{Call, Fields};

struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn allocations<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCS.load(Ordering::Relaxed);
    let out = f();
    (out, ALLOCS.load(Ordering::Relaxed) - before)
}

#[test]
fn a_row_with_nine_short_fields_is_one_allocation() {
    let fields: Fields = [
        ("status", "new"),
        ("direction", "inbound"),
        ("session id", "2795535"),
        ("domain id", "17"),
        ("subscriber", "372"),
        ("vapp server", "172.24.40.238"),
        ("inbound trunk", "carrier-a"),
        ("sip call-id", "abc@10.0.0.1"),
        ("ringing", "no"),
    ]
    .into_iter()
    .collect();
    let (copy, n) = allocations(|| fields.clone());
    assert_eq!(n, 1, "every key and value in one buffer");
    assert_eq!(copy, fields);
    let (empty, n) = allocations(Fields::new);
    assert_eq!(n, 0, "no field, no allocation");
    let (_, n) = allocations(|| empty.clone());
    assert_eq!(n, 0);

    // The row: 224 bytes when `extra` was a `Vec` of pairs.
    assert!(
        std::mem::size_of::<Call>() < 224,
        "{}",
        std::mem::size_of::<Call>()
    );
    let call = Call {
        provider: Default::default(),
        account: "17".into(),
        account_name: "acme".into(),
        id: "2795535".into(),
        from: "+14155550100".into(),
        to: "+14155550101".into(),
        direction: Default::default(),
        state: switchboard_core::model::CallState::InCall,
        started_at_ms: Some(1),
        answered_at_ms: None,
        ended_at_ms: None,
        extra: fields,
    };
    // Its id, account, name and numbers are inline: the whole row is one allocation.
    let (_, n) = allocations(|| call.clone());
    assert_eq!(n, 1, "one allocation per row");
}
