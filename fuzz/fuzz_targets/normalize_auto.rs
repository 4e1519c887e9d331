//! Fuzzes the whole normaliser with auto-detection, as the ingest pipeline runs it: no input
//! may panic, and every record must come back as an event that keeps its original and has
//! a valid @timestamp. The first byte picks the options, so zone and year handling (DST
//! gaps, year hints) are exercised too.
#![no_main]

use chrono::{TimeZone, Utc};
use chrono_tz::Tz;
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};
use steward_normalize::{Normalizer, ParseOptions, RecordMeta, Registry};

fuzz_target!(|data: &[u8]| {
    static NORMALIZER: OnceLock<Normalizer> = OnceLock::new();
    let normalizer = NORMALIZER.get_or_init(|| Normalizer::new(Arc::new(Registry::builtin())));
    let selector = data.first().copied().unwrap_or(0);
    let opts = ParseOptions {
        timezone: match selector % 3 {
            0 => Tz::UTC,
            1 => Tz::Europe__Berlin,
            _ => Tz::America__New_York,
        },
        year_hint: (selector & 0x80 != 0).then_some(2024),
    };
    let meta = RecordMeta {
        received: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
        peer: Some("192.0.2.1:514".parse().unwrap()),
        listener: Some("fuzz"),
        truncated: selector & 0x40 != 0,
    };
    let event = normalizer.normalize(data, "auto", &opts, &meta);
    assert!(event.get_str("event.original").is_some());
    assert!(event.timestamp().is_some());
    let _ = event.to_json();
});
