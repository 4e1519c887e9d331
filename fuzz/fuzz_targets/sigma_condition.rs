//! Fuzzes the Sigma condition parser (`selection and not 1 of filter_*`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = steward_detect::sigma::condition::parse(text);
    }
});
