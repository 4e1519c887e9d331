//! The body of the `asset_csv` fuzz target, here so the tests replay the seeds through
//! the same checks: no upload may panic, a refusal names a line inside the file, and
//! every accepted row is a valid asset.

use crate::assets::csv_io::check_rows;

/// Parses and validates `data` as an asset CSV upload without storing it.
pub fn check_asset_csv(data: &[u8]) {
    match check_rows(data) {
        Ok(rows) => assert!(rows <= data.len() + 1),
        Err(crate::ObjectError::Csv { line, message }) => {
            let lines = data.iter().filter(|b| **b == b'\n').count() as u64 + 1;
            assert!(
                line >= 1 && line <= lines,
                "line {line} of {lines}: {message}"
            );
        }
        Err(other) => panic!("a CSV upload failed outside the CSV checks: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Replays the fuzz seeds (fuzz/corpus/asset_csv) and a few hostile inputs.
    #[test]
    fn seeds_and_hostile_inputs() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/asset_csv");
        let mut seen = 0;
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for entry in entries.flatten() {
                check_asset_csv(&std::fs::read(entry.path()).unwrap());
                seen += 1;
            }
        }
        assert!(seen > 0, "no seeds in {}", dir.display());
        for hostile in [
            &b""[..],
            b"\xff\xfe\x00",
            b"kind,name\n\"unterminated",
            b"kind,name,ips\nserver,a,10.0.0.1;;;not-an-ip\n",
            b"kind,name,confidentiality\nserver,a,99\n",
            b"name\n\n\n\nx\n",
            b"kind,name,bogus\nserver,a,1\n",
        ] {
            check_asset_csv(hostile);
        }
    }
}
