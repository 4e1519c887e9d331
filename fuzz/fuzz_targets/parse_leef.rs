//! Fuzzes the LEEF 1.0/2.0 parser (delimiters, devTime formats, syslog prefix): no input may panic, and every
//! record must come back as an event that keeps its original and has a valid @timestamp.
#![no_main]

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};
use steward_normalize::{Normalizer, ParseOptions, RecordMeta, Registry};

fuzz_target!(|data: &[u8]| {
    static NORMALIZER: OnceLock<Normalizer> = OnceLock::new();
    let normalizer = NORMALIZER.get_or_init(|| Normalizer::new(Arc::new(Registry::builtin())));
    let meta = RecordMeta::received_at(Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap());
    let event = normalizer.normalize(data, "leef", &ParseOptions::default(), &meta);
    assert!(event.get_str("event.original").is_some());
    assert!(event.timestamp().is_some());
    let _ = event.to_json();
});
