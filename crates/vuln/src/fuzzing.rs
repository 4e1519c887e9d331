//! The body of the `vuln_*` fuzz targets, here so the tests replay the seeds through
//! exactly the same checks: no input may panic, errors carry 1-based positions inside
//! the input, and accepted reports keep their limits.

use crate::{dedupe_key, import, Format, EVIDENCE_LIMIT};

/// Imports `data` as `format` and with auto-detection, checking every outcome.
pub fn check(data: &[u8], format: Format) {
    for format in [format, Format::Auto] {
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
}
