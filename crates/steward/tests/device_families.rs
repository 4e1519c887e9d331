//! The device parser library as a user meets it: `steward parse --list` and
//! `steward parse --check` over the hand-written fixtures and the shared corpus.

use std::path::{Path, PathBuf};
use std::process::Command;

fn steward(args: &[&str]) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_steward"))
        .args(args)
        .output()
        .expect("run steward");
    assert!(out.status.success(), "steward {args:?} failed: {out:?}");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// (name, samples) of every device family, from `steward parse --list`.
fn families() -> Vec<(String, String)> {
    let (out, err) = steward(&["parse", "--list"]);
    assert!(!err.contains("not loaded"), "{err}");
    out.lines()
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (cols.len() == 6).then(|| (cols[0].to_owned(), cols[5].to_owned()))
        })
        .collect()
}

/// Rows of the `--check` table: (family, parser column, recall, wrong, autodetect).
fn check_rows(out: &str) -> Vec<(String, String, f64, u64, f64)> {
    out.lines()
        .skip(1)
        .take_while(|l| !l.starts_with("overall:") && !l.is_empty())
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            let n = cols.len();
            if n < 10 {
                return None;
            }
            Some((
                cols[0].to_owned(),
                cols[1].to_owned(),
                cols[n - 2].parse().ok()?,
                cols[n - 4].parse().ok()?,
                cols[n - 1].parse().ok()?,
            ))
        })
        .collect()
}

fn overall(out: &str, key: &str) -> f64 {
    let last = out.lines().last().unwrap_or_default();
    assert!(last.starts_with("overall: "), "{last}");
    last.split_whitespace()
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {key} in {last}"))
}

#[test]
fn the_library_has_forty_families_each_documented() {
    let families = families();
    assert!(families.len() >= 40, "only {} families", families.len());
    for (name, samples) in &families {
        let page = repo().join(format!("docs/parsers/{name}.md"));
        assert!(page.is_file(), "{name}: no doc page {}", page.display());
        assert!(
            samples == "corpus" || samples == "documented",
            "{name}: samples = {samples:?}"
        );
        if samples == "documented" {
            let fixtures = repo().join(format!("crates/devices/tests/fixtures/{name}"));
            assert!(fixtures.is_dir(), "{name}: documented but no fixtures");
        }
    }
}

#[test]
fn fixtures_parse_to_their_expected_documents() {
    let dir = repo().join("crates/devices/tests/fixtures");
    // Fixtures were written in 2026; year-less lines must infer that year on any clock.
    let (out, _) = steward(&[
        "parse",
        "--check",
        dir.to_str().unwrap(),
        "--diff",
        "--received",
        "2026-12-31T23:00:00Z",
    ]);
    let rows = check_rows(&out);
    assert!(!rows.is_empty(), "{out}");
    let mut bad = Vec::new();
    for (family, parser, recall, wrong, autodetect) in rows {
        if parser != family || recall < 1.0 || wrong > 0 || autodetect < 1.0 {
            bad.push(format!(
                "{family}: parser={parser} recall={recall} wrong={wrong} autodetect={autodetect}"
            ));
        }
    }
    assert!(bad.is_empty(), "{}\n\n{out}", bad.join("\n"));
}

#[test]
fn corpus_accuracy_meets_the_targets() {
    let corpus = std::env::var_os("STEWARD_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared/corpus"));
    let logs = corpus.join("logs");
    if !logs.is_dir() {
        println!(
            "corpus not found at {} (set STEWARD_CORPUS), skipping",
            logs.display()
        );
        return;
    }
    let (out, _) = steward(&["parse", "--check", logs.to_str().unwrap()]);
    let fields = overall(&out, "fields");
    let recall = overall(&out, "recall");
    let wrong = overall(&out, "wrong");
    let autodetect = overall(&out, "autodetect");
    println!("{out}");
    assert!(recall >= 0.95, "recall {recall} < 0.95");
    assert!(wrong <= fields * 0.01, "wrong {wrong} > 1% of {fields}");
    assert!(autodetect >= 0.95, "autodetect {autodetect} < 0.95");
    for (family, parser, ..) in check_rows(&out) {
        assert_eq!(parser, family, "{family} has no family parser");
    }
}
