//! Fuzzes every device family (crates/devices/families): the first byte picks the family
//! (or auto-detection), the rest is the record. No input may panic, and every record must
//! come back as an event that keeps its original and has a valid @timestamp, whether the
//! family's mapping accepted it or aborted.
#![no_main]

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};
use steward_normalize::{Normalizer, ParseOptions, RecordMeta};

struct Setup {
    normalizer: Normalizer,
    names: Vec<String>,
}

fuzz_target!(|data: &[u8]| {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    let setup = SETUP.get_or_init(|| {
        // Mappings compile on first use, as in a site; compiling all 46 up front takes
        // minutes under the fuzzer's instrumentation. `crates/devices` tests check that
        // every one compiles.
        let (registry, library) = steward_devices::registry(None).expect("built-in families");
        let mut names: Vec<String> = library.infos().into_iter().map(|f| f.name).collect();
        names.push("auto".to_owned());
        Setup {
            normalizer: Normalizer::new(Arc::new(registry)),
            names,
        }
    });
    let Some((selector, record)) = data.split_first() else {
        return;
    };
    let parser = &setup.names[*selector as usize % setup.names.len()];
    let meta = RecordMeta {
        received: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
        peer: Some("192.0.2.1:514".parse().unwrap()),
        listener: Some("fuzz"),
        truncated: false,
    };
    let event = setup
        .normalizer
        .normalize(record, parser, &ParseOptions::default(), &meta);
    assert!(event.get_str("event.original").is_some());
    assert!(event.timestamp().is_some());
    let _ = event.to_json();
});
