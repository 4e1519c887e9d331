//! Fuzzes the Nuclei importer (and auto-detection) with raw bytes; the checks are in
//! `steward_vuln::fuzzing`, which the tests replay on the seeds.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    steward_vuln::fuzzing::check(data, steward_vuln::Format::Nuclei);
});
