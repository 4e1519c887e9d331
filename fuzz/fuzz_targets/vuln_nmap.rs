//! Fuzzes the Nmap importer (and auto-detection) with raw bytes: no input may panic,
//! errors carry 1-based positions inside the input, and accepted reports keep their limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use steward_vuln::{dedupe_key, import, Format, EVIDENCE_LIMIT};

fuzz_target!(|data: &[u8]| {
    for format in [Format::Nmap, Format::Auto] {
        match import(data, format) {
            Ok(report) => {
                assert_ne!(report.format, Format::Auto);
                for f in &report.findings {
                    assert!(f
                        .evidence
                        .as_ref()
                        .is_none_or(|e| e.len() <= EVIDENCE_LIMIT));
                    let _ = dedupe_key(f);
                }
            }
            Err(e) => {
                assert!(e.line.is_none_or(|l| l >= 1));
                assert!(e.column.is_none_or(|c| c >= 1));
                assert!(e.byte_offset.is_none_or(|o| o <= data.len()));
                let _ = e.to_string();
            }
        }
    }
});
