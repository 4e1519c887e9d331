//! Fuzzes the MISP loader (the bytes as an event document, then as one attribute of each type): no input may
//! panic, and events built from the same bytes are matched against whatever loaded.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    steward_intel::fuzzing::misp(data);
});
