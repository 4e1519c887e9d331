//! Fuzzes the CSV / plain list loader (detected types, then each type forced): no input may
//! panic, and events built from the same bytes are matched against whatever loaded.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    steward_intel::fuzzing::list(data);
});
