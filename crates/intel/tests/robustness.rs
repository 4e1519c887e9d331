//! Hostile input never panics: the fuzz seeds (`fuzz/corpus/intel_*`) replayed through
//! the fuzz targets' code, mutations of them, and every corpus sample cut short.

use std::path::{Path, PathBuf};
use steward_intel::{fuzzing, load_bytes, Format, IndicatorSetBuilder, LoadError, LoadOptions};

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 3] = [
    ("intel_stix", fuzzing::stix),
    ("intel_misp", fuzzing::misp),
    ("intel_list", fuzzing::list),
];

fn seeds(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn fuzz_seeds_replay() {
    for (target, run) in TARGETS {
        let seeds = seeds(target);
        assert!(seeds.len() >= 3, "{target}: too few seeds");
        for (path, bytes) in seeds {
            println!("{}", path.display());
            run(&bytes);
        }
    }
}

#[test]
fn seeds_load_something() {
    // The seeds are meant to reach the loaders' real paths, not just their error exits.
    let opts = LoadOptions::new("seed");
    for (target, format) in [
        ("intel_stix", Format::Auto),
        ("intel_misp", Format::Misp),
        ("intel_list", Format::List),
    ] {
        let mut loaded = 0;
        for (path, bytes) in seeds(target) {
            let mut b = IndicatorSetBuilder::new();
            if let Ok(r) = load_bytes(&mut b, &bytes, &path.display().to_string(), format, &opts) {
                loaded += r.loaded;
            }
        }
        assert!(loaded > 5, "{target}: seeds load only {loaded} values");
    }
}

/// xorshift: deterministic mutations, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn mutated_seeds_never_panic() {
    const INTERESTING: &[&[u8]] = &[
        b"'", b"\"", b"[", b"]", b"(", b")", b"{", b"}", b",", b"|", b"/", b":", b"\\", b"\n",
        b"\t", b"#", b" OR ", b" AND ", b" IN ", b"%", b"\xff", b"\xc3", b"::", b"/0", b"/33",
        b"0000", b"1e999", b"-1",
    ];
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    for (target, run) in TARGETS {
        let seeds = seeds(target);
        for _ in 0..600 {
            let mut data = seeds[rng.below(seeds.len())].1.clone();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(data.len() + 1);
                match rng.below(4) {
                    0 if at < data.len() => data[at] ^= 1 << rng.below(8),
                    1 if at < data.len() => {
                        let end = (at + rng.below(16)).min(data.len());
                        data.drain(at..end);
                    }
                    2 => {
                        let piece = INTERESTING[rng.below(INTERESTING.len())];
                        data.splice(at..at, piece.iter().copied());
                    }
                    _ => data.truncate(at),
                }
            }
            run(&data);
        }
    }
}

fn corpus() -> Option<PathBuf> {
    let root = std::env::var_os("STEWARD_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    let intel = root.join("intel");
    if intel.is_dir() {
        Some(intel)
    } else {
        println!(
            "corpus not found at {} (set STEWARD_CORPUS), skipping",
            intel.display()
        );
        None
    }
}

#[test]
fn truncated_samples_fail_cleanly() {
    let Some(intel) = corpus() else { return };
    let mut files: Vec<PathBuf> = Vec::new();
    for sub in [
        "stix",
        "misp-events",
        "ioc-lists",
        "misp-feed/circl-osint-subset",
    ] {
        if let Ok(rd) = std::fs::read_dir(intel.join(sub)) {
            files.extend(
                rd.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.is_file()),
            );
        }
    }
    files.sort();
    assert!(!files.is_empty());
    let opts = LoadOptions::new("cut");
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let json = name.ends_with(".json");
        let body_end = bytes
            .iter()
            .rposition(|c| !c.is_ascii_whitespace())
            .map_or(0, |i| i + 1);
        let cuts: Vec<usize> = (0..40)
            .map(|k| body_end * k / 40)
            .chain(body_end.saturating_sub(3)..body_end)
            .collect();
        for cut in cuts {
            let part = &bytes[..cut];
            let mut b = IndicatorSetBuilder::new();
            let result = load_bytes(&mut b, part, &name, Format::Auto, &opts);
            if json && cut > 0 {
                // A JSON document cut before its last byte is never valid JSON.
                match result {
                    Err(LoadError::Json { file, .. }) => assert_eq!(file, name),
                    other => panic!("{name} cut at {cut}: {other:?}"),
                }
            }
            for format in [Format::Stix, Format::Misp, Format::List] {
                let _ = load_bytes(&mut b, part, &name, format, &opts);
            }
            let _ = b.build();
        }
    }
}
