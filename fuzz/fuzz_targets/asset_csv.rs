//! Fuzzes the asset CSV upload's parsing and validation; the checks are in
//! `steward_objects::fuzzing`, which the tests replay on the seeds.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    steward_objects::fuzzing::check_asset_csv(data);
});
