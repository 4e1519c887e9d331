//! Matching an event that meets no indicator (the common case) must not allocate:
//! counted with a global allocator that tallies this thread's allocations.

use serde_json::{json, Value};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use steward_intel::{value::detect, Attrs, IndicatorMeta, IndicatorSetBuilder};
use steward_model::Event;

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn counted<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCS.load(Ordering::Relaxed);
    COUNTING.with(|c| c.set(true));
    let out = f();
    COUNTING.with(|c| c.set(false));
    (out, ALLOCS.load(Ordering::Relaxed) - before)
}

fn event(doc: Value) -> Event {
    let Value::Object(map) = doc else {
        unreachable!()
    };
    Event::from_object(map)
}

#[test]
fn quiet_events_do_not_allocate() {
    let mut b = IndicatorSetBuilder::new();
    let meta = b.meta(IndicatorMeta {
        source: "t".into(),
        ..Default::default()
    });
    let expiry = chrono::DateTime::from_timestamp(4_000_000_000, 0);
    for v in [
        "203.0.113.7",
        "198.51.100.0/24",
        "2001:db8::/32",
        "evil.com",
        "http://bad.org/x.exe",
        "d41d8cd98f00b204e9800998ecf8427e",
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "AS64500",
    ] {
        let a = Attrs {
            meta,
            id: None,
            confidence: 50,
            expiry,
        };
        b.insert(&detect(v).unwrap(), &a).unwrap();
    }
    let set = b.build();
    let now = chrono::Utc::now();
    let quiet = event(json!({
        "@timestamp": "2026-03-01T12:00:00.000Z",
        "source": {"ip": "10.0.0.1", "domain": "ws1.corp.example", "as": {"number": 64501}},
        "destination": {"ip": "8.8.8.8", "domain": "dns.google", "as": {"number": "AS15169"}},
        "client": {"ip": "2001:db9::1"},
        "host": {"ip": ["10.0.0.1", "fe80::1"]},
        "dns": {"question": {"name": "www.example.com."}, "resolved_ip": ["93.184.216.34"]},
        "url": {"domain": "www.example.com", "original": "/index.html?q=1", "full": "https://www.example.com:8443/index.html?q=1"},
        "tls": {"client": {"server_name": "api.example.com"}},
        "file": {"hash": {"md5": "00000000000000000000000000000000", "sha256": "not hex"}},
        "process": {"hash": {"sha1": "0000000000000000000000000000000000000000"}},
        "related": {"ip": ["10.0.0.1", "8.8.8.8"], "hosts": ["www.example.com"], "hash": ["abc"]},
    }));
    // Warm up: the per-thread URL buffer is allocated once.
    assert!(set.match_event(&quiet, now).is_empty());
    let (hits, allocs) = counted(|| {
        (0..1000)
            .map(|_| set.match_event(&quiet, now).len())
            .sum::<usize>()
    });
    assert_eq!(hits, 0);
    assert_eq!(allocs, 0, "matching a quiet event allocated");

    // The counter works: a hit allocates its result.
    let loud = event(json!({"destination": {"ip": "203.0.113.7"}}));
    let (hits, allocs) = counted(|| set.match_event(&loud, now).len());
    assert_eq!(hits, 1);
    assert!(allocs > 0);
}
