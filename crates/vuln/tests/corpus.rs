//! Imports every real scanner sample under $STEWARD_CORPUS/vuln and checks that
//! truncated copies fail with a location and no partial result.

use std::path::{Path, PathBuf};
use steward_vuln::{dedupe_key, import, Format};

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("STEWARD_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
        .join("vuln");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("SKIP: vuln corpus not found at {}", dir.display());
        None
    }
}

fn files(sub: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let Some(dir) = corpus() else {
        return Vec::new();
    };
    let mut out: Vec<_> = std::fs::read_dir(dir.join(sub))
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    out.sort();
    out.into_iter()
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

fn name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

/// Whether a sample should yield findings: nmap only through vulnerability scripts
/// that name CVEs; the "no_vuln" samples are empty by design.
fn expects_findings(sub: &str, file: &str, bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    match sub {
        "nmap" => {
            text.contains("CVE-")
                && (text.contains("id=\"vulners\"") || text.contains("State: VULNERABLE"))
        }
        _ => !file.contains("no_vuln"),
    }
}

fn check_dir(sub: &str, format: Format) {
    let all = files(sub);
    for (path, bytes) in &all {
        let file = name(path);
        let started = std::time::Instant::now();
        let explicit = import(bytes, format).unwrap_or_else(|e| panic!("{file}: {e}"));
        let elapsed = started.elapsed();
        let auto = import(bytes, Format::Auto).unwrap_or_else(|e| panic!("{file} (auto): {e}"));
        assert_eq!(auto, explicit, "{file}: auto detection differs");
        assert_eq!(explicit.format, format);
        let keys: std::collections::HashSet<_> = explicit.findings.iter().map(dedupe_key).collect();
        let cves: usize = explicit.findings.iter().map(|f| f.cves.len()).sum();
        println!(
            "{sub}/{file}: {} KiB in {:.2?} findings={} unique={} cves={} hosts={} scope={} skipped={}",
            bytes.len() / 1024,
            elapsed,
            explicit.findings.len(),
            keys.len(),
            cves,
            explicit.hosts.len(),
            explicit.scope.len(),
            explicit.skipped
        );
        if expects_findings(sub, &file, bytes) {
            assert!(!explicit.findings.is_empty(), "{file}: no findings");
        }
        for f in &explicit.findings {
            assert!(!f.finding_id.is_empty(), "{file}: empty finding id");
            assert!(f
                .evidence
                .as_ref()
                .is_none_or(|e| e.len() <= steward_vuln::EVIDENCE_LIMIT));
            assert!(
                f.asset.ip.is_some() || f.asset.hostname.is_some(),
                "{file}: no asset"
            );
        }
        let json = serde_json::to_string(&explicit.findings).unwrap();
        let back: Vec<steward_vuln::Finding> = serde_json::from_str(&json).unwrap();
        assert_eq!(back.len(), explicit.findings.len());
    }
}

#[test]
fn nuclei_samples_import() {
    check_dir("nuclei", Format::Nuclei);
}

#[test]
fn nessus_samples_import() {
    check_dir("nessus", Format::Nessus);
}

#[test]
fn openvas_samples_import() {
    check_dir("openvas", Format::OpenVas);
}

#[test]
fn nmap_samples_import() {
    check_dir("nmap", Format::Nmap);
    for (path, bytes) in files("nmap") {
        let r = import(&bytes, Format::Nmap).unwrap();
        if !name(&path).contains("no-host") {
            assert!(!r.hosts.is_empty(), "{}: no hosts", name(&path));
        }
    }
}

#[test]
fn truncated_xml_fails_with_location() {
    for (sub, format) in [
        ("nessus", Format::Nessus),
        ("openvas", Format::OpenVas),
        ("nmap", Format::Nmap),
    ] {
        for (path, bytes) in files(sub) {
            let text = std::str::from_utf8(&bytes).unwrap();
            // End of the root element: anything cut before it is incomplete.
            let end = text.trim_end().len();
            for frac in [0.1, 0.33, 0.5, 0.77, 0.95] {
                let mut cut = (end as f64 * frac) as usize;
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                for f in [format, Format::Auto] {
                    let e = import(&bytes[..cut], f)
                        .expect_err(&format!("{} cut at {cut} imported", name(&path)));
                    assert!(
                        e.line.is_some() && e.column.is_some(),
                        "{}: {e}",
                        name(&path)
                    );
                    assert!(
                        e.byte_offset.is_some_and(|o| o <= cut),
                        "{}: {e:?}",
                        name(&path)
                    );
                }
            }
            let e = import(&bytes[..end - 1], format).unwrap_err();
            println!("{sub}/{} cut by one byte: {e}", name(&path));
        }
    }
}

#[test]
fn truncated_nuclei_fails_with_line() {
    for (path, bytes) in files("nuclei") {
        let text = std::str::from_utf8(&bytes).unwrap();
        let end = text.trim_end().len();
        let e = import(&bytes[..end - 3], Format::Nuclei)
            .expect_err(&format!("{} truncated imported", name(&path)));
        assert!(e.line.is_some(), "{}: {e}", name(&path));
        println!("nuclei/{} truncated: {e}", name(&path));
    }
}

#[test]
fn mutated_samples_never_panic() {
    let Some(dir) = corpus() else { return };
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for sub in ["nuclei", "nessus", "openvas", "nmap"] {
        for (_, bytes) in files(sub) {
            // Keep the mutation work small: the head of each file holds most structure.
            let mut base = bytes.clone();
            base.truncate(64 * 1024);
            for _ in 0..40 {
                let mut m = base.clone();
                for _ in 0..(1 + next() % 8) {
                    let i = (next() as usize) % m.len().max(1);
                    match next() % 3 {
                        0 if !m.is_empty() => m[i] = next() as u8,
                        1 if !m.is_empty() => {
                            m.remove(i);
                        }
                        _ => m.insert(i.min(m.len()), b"<>\"&/'{}[]"[(next() % 10) as usize]),
                    }
                }
                for f in [
                    Format::Auto,
                    Format::Nuclei,
                    Format::Nessus,
                    Format::OpenVas,
                    Format::Nmap,
                ] {
                    let _ = import(&m, f);
                }
            }
        }
    }
    let _ = dir;
}
