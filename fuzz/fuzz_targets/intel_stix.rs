//! Fuzzes the STIX 2.1 loader and its pattern parser (the bytes as a bundle, then as one indicator's pattern): no input may
//! panic, and events built from the same bytes are matched against whatever loaded.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    steward_intel::fuzzing::stix(data);
});
