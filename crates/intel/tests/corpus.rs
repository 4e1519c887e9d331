//! Loads every intel sample in `$STEWARD_CORPUS/intel` (real third-party STIX bundles,
//! MISP feeds and IOC lists; see its SOURCES.md), prints what each gave, and matches
//! one constructed ECS event per indicator type against the combined set.

use chrono::{TimeZone, Utc};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use steward_intel::{
    load_path, to_detection, Format, IndicatorSet, IndicatorSetBuilder, IndicatorType, LoadOptions,
    LoadReport, MatchKind,
};
use steward_model::{DetectionSource, Event};

fn corpus() -> Option<PathBuf> {
    let root = std::env::var_os("STEWARD_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    let intel = root.join("intel");
    if intel.is_dir() {
        Some(intel.canonicalize().unwrap_or(intel))
    } else {
        println!(
            "corpus not found at {} (set STEWARD_CORPUS), skipping",
            intel.display()
        );
        None
    }
}

/// Every sample: each file of stix/, misp-events/, ioc-lists/, and each feed
/// directory of misp-feed/.
fn samples(intel: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in ["stix", "misp-events", "ioc-lists", "misp-feed"] {
        let Ok(rd) = std::fs::read_dir(intel.join(sub)) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
        paths.sort();
        out.extend(paths);
    }
    out
}

fn name(intel: &Path, p: &Path) -> String {
    p.strip_prefix(intel).unwrap_or(p).display().to_string()
}

fn summary(r: &LoadReport) -> String {
    let types: Vec<String> = r.by_type.iter().map(|(t, n)| format!("{t}={n}")).collect();
    format!(
        "files={} loaded={} [{}] unsupported={} invalid={} skipped={} failed_files={}",
        r.files,
        r.loaded,
        types.join(" "),
        r.unsupported,
        r.invalid,
        r.skipped,
        r.failed_files
    )
}

/// Loads all samples into one set, checking each one loaded.
fn load_all(intel: &Path) -> IndicatorSet {
    let mut builder = IndicatorSetBuilder::new();
    let mut bad = Vec::new();
    for path in samples(intel) {
        let label = name(intel, &path);
        let opts = LoadOptions::new(label.clone());
        let report = match load_path(&mut builder, &path, Format::Auto, &opts) {
            Ok(r) => r,
            Err(e) => {
                bad.push(format!("{label}: {e}"));
                continue;
            }
        };
        println!("{label:<75} {}", summary(&report));
        for p in &report.problems {
            println!("    {p}");
        }
        // Every sample yields indicators except two, by their nature: the chrome-mal-ids
        // feed's to_ids attributes are extension ids (type `text`) and its URLs are
        // `to_ids: false`; the e-mail bundle has only MATCHES patterns.
        if label.contains("chrome-mal-ids") || label.contains("malicious-email") {
            if report.loaded != 0 || report.unsupported == 0 {
                bad.push(format!(
                    "{label}: expected only unsupported entries: {}",
                    summary(&report)
                ));
            }
        } else if report.loaded == 0 {
            bad.push(format!("{label}: nothing loaded: {}", summary(&report)));
        }
        if report.failed_files != 0 {
            bad.push(format!("{label}: failed files: {:?}", report.problems));
        }
        // Lists and MISP feeds are all well-formed: any invalid entry is our bug.
        if !label.starts_with("stix/") && report.invalid != 0 {
            bad.push(format!("{label}: invalid entries: {:?}", report.problems));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    let set = builder.build();
    println!(
        "total {} indicators {:?}, {} bytes",
        set.len(),
        set.counts(),
        set.memory_bytes()
    );
    set
}

#[test]
fn every_sample_loads() {
    let Some(intel) = corpus() else { return };
    let set = load_all(&intel);
    let counts: std::collections::BTreeMap<_, _> = set.counts().into_iter().collect();
    for t in IndicatorType::ALL {
        assert!(
            counts.get(&t).copied().unwrap_or(0) > 0,
            "no {t} indicator in the corpus set: {counts:?}"
        );
    }
}

#[test]
fn list_counts_match_the_files() {
    let Some(intel) = corpus() else { return };
    let lists = intel.join("ioc-lists");
    // Data lines per file, counted by hand from the files (SOURCES.md).
    for (file, want) in [
        ("et-compromised-ips.txt", 539),
        ("spamhaus-drop-2023-02-20.txt", 936),
        ("spamhaus-drop-2015-09-14.intelmq-fixture.txt", 2),
        ("spamhaus-asndrop-2015-09-14.intelmq-fixture.txt", 2),
        ("dshield-block-2015-12-15.intelmq-fixture.txt", 2),
        ("abusech-feodo-ipblocklist-2024-04-04.csv", 28),
        (
            "abusech-feodo-ipblocklist-2021-02-10.intelmq-fixture.csv",
            2,
        ),
        ("abusech-urlhaus-online-dump-2026-08-18.head15.csv", 15),
        ("abusech-urlhaus-tld-ch-2019-02-13.intelmq-fixture.csv", 2),
        ("abusech-threatfox-urls-full-dump-2025-12-07.head50.csv", 50),
    ] {
        let mut b = IndicatorSetBuilder::new();
        let r = load_path(
            &mut b,
            &lists.join(file),
            Format::Auto,
            &LoadOptions::new(file),
        )
        .unwrap();
        assert_eq!((r.loaded, r.invalid), (want, 0), "{file}: {}", summary(&r));
    }
}

#[test]
fn misp_to_ids_policy_on_the_real_feed() {
    let Some(intel) = corpus() else { return };
    let feed = intel.join("misp-feed/chrome-mal-ids");
    let mut opts = LoadOptions::new("chrome-mal-ids");
    let mut b = IndicatorSetBuilder::new();
    let strict = load_path(&mut b, &feed, Format::Auto, &opts).unwrap();
    opts.include_non_ids = true;
    let mut b = IndicatorSetBuilder::new();
    let lenient = load_path(&mut b, &feed, Format::Auto, &opts).unwrap();
    println!(
        "strict: {}\nlenient: {}",
        summary(&strict),
        summary(&lenient)
    );
    assert_eq!(strict.files, 79);
    assert!(lenient.loaded > 0 && lenient.loaded <= strict.skipped);
    let set = b.build();
    let now = Utc::now();
    let some_url = set.lookup(
        "https://chromewebstore.google.com/detail/ehlgimmlmmcocemjadeafmohiplmgmei",
        now,
    );
    assert_eq!(some_url.len(), 1);
    assert_eq!(some_url[0].0.confidence, 20);
}

fn event(doc: Value) -> Event {
    let Value::Object(map) = doc else {
        unreachable!()
    };
    Event::from_object(map)
}

#[test]
fn one_event_per_type_matches() {
    let Some(intel) = corpus() else { return };
    let set = load_all(&intel);
    let now = Utc.with_ymd_and_hms(2026, 9, 1, 0, 0, 0).unwrap();
    // (event, field expected to match, indicator value, type, match kind, source prefix)
    let cases = [
        (
            json!({"destination": {"ip": "192.9.135.73"}}),
            "destination.ip",
            "192.9.135.73",
            IndicatorType::Ip,
            MatchKind::Exact,
            "ioc-lists/abusech-feodo",
        ),
        (
            json!({"source": {"ip": "1.10.16.77"}}),
            "source.ip",
            "1.10.16.0/20",
            IndicatorType::Cidr,
            MatchKind::Network,
            "ioc-lists/spamhaus-drop-2023",
        ),
        (
            json!({"client": {"ip": "2a06:e480::1"}}),
            "client.ip",
            "2a06:e480::/29",
            IndicatorType::Cidr,
            MatchKind::Network,
            "ioc-lists/spamhaus-drop-2015",
        ),
        (
            json!({"source": {"ip": "43.229.53.200"}}),
            "source.ip",
            "43.229.53.0/24",
            IndicatorType::Cidr,
            MatchKind::Network,
            "ioc-lists/dshield",
        ),
        (
            json!({"server": {"ip": "223.167.1.1"}}),
            "server.ip",
            "223.166.0.0/15",
            IndicatorType::Cidr,
            MatchKind::Network,
            "stix/oasis-examples-apt1",
        ),
        (
            json!({"dns": {"question": {"name": "www.hugesoft.org"}}}),
            "dns.question.name",
            "hugesoft.org",
            IndicatorType::Domain,
            MatchKind::Subdomain,
            "stix/oasis-examples-apt1",
        ),
        (
            json!({"tls": {"client": {"server_name": "commonplaces.davidson.edu"}}}),
            "tls.client.server_name",
            "commonplaces.davidson.edu",
            IndicatorType::Domain,
            MatchKind::Exact,
            "misp-feed/circl-osint-subset",
        ),
        (
            json!({"url": {"original": "http://176.65.139.212/eclipse.sh4"}}),
            "url.original",
            "http://176.65.139.212/eclipse.sh4",
            IndicatorType::Url,
            MatchKind::Exact,
            "ioc-lists/abusech-urlhaus-online",
        ),
        (
            json!({"url": {"full": "https://shilohbn.ru.com"}}),
            "url.full",
            "https://shilohbn.ru.com/",
            IndicatorType::Url,
            MatchKind::Exact,
            "ioc-lists/abusech-threatfox",
        ),
        (
            json!({"file": {"hash": {"md5": "001DD76872D80801692FF942308C64E6"}}}),
            "file.hash.md5",
            "001dd76872d80801692ff942308c64e6",
            IndicatorType::Md5,
            MatchKind::Exact,
            "stix/oasis-examples-apt1",
        ),
        (
            json!({"process": {"hash": {"sha1": "7da9a87be6450bab5f918f56033a5fdfdc4e1961"}}}),
            "process.hash.sha1",
            "7da9a87be6450bab5f918f56033a5fdfdc4e1961",
            IndicatorType::Sha1,
            MatchKind::Exact,
            "misp-feed/circl-osint-subset",
        ),
        (
            json!({"related": {"hash": ["ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c"]}}),
            "related.hash",
            "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c",
            IndicatorType::Sha256,
            MatchKind::Exact,
            "stix/oasis-examples-indicators-for-C2-with-COA",
        ),
        (
            json!({"source": {"as": {"number": 260}}}),
            "source.as.number",
            "AS260",
            IndicatorType::Asn,
            MatchKind::Exact,
            "ioc-lists/spamhaus-asndrop",
        ),
    ];
    for (doc, field, value, kind, matched, source) in cases {
        let e = event(doc.clone());
        let hits = set.match_event(&e, now);
        let hit = hits
            .iter()
            .find(|h| h.indicator.value == value && h.indicator.source.starts_with(source))
            .unwrap_or_else(|| panic!("{doc}: no hit on {value} from {source}: {hits:#?}"));
        assert_eq!(
            (hit.field, hit.indicator.kind, hit.matched),
            (field, kind, matched),
            "{doc}"
        );
        let d = to_detection(hit, &e);
        assert_eq!(d.source, DetectionSource::Indicator);
        assert_eq!(d.rule_id, hit.indicator.id);
        println!(
            "{field:<24} {:<8} {:?} {}",
            d.level.as_str(),
            d.rule_id,
            d.title
        );
    }
    // And nothing on a quiet event.
    let quiet = event(
        json!({"source": {"ip": "192.0.2.1"}, "dns": {"question": {"name": "example.invalid"}}}),
    );
    assert!(set.match_event(&quiet, now).is_empty());
}
