//! Real samples with no peer expectations (`$STEWARD_CORPUS/logs/loghub`, `logs/cn`): every
//! record must parse without an error, and the output is pinned so a change to any family
//! shows up as a reviewable diff.
//!
//! The corpus must not be copied into the repository, so the snapshot holds no log text:
//! per sample file, how many records each parser took, how often each ECS field was set,
//! and a digest of the full output. Set `STEWARD_UPDATE_SNAPSHOTS=1` to rewrite it after an
//! intended change.

use chrono::{TimeZone, Utc};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use steward_normalize::{Normalizer, ParseOptions, RecordMeta};

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("STEWARD_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    if dir.join("logs").is_dir() {
        Some(dir)
    } else {
        println!(
            "corpus not found at {} (set STEWARD_CORPUS), skipping",
            dir.display()
        );
        None
    }
}

/// The samples and their records. Loghub files are one record per line; the Sangfor
/// records are multi-line messages (one syslog datagram each), taken from the peer-field
/// file that lists them.
fn samples(corpus: &Path) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for system in ["Apache", "Linux", "OpenSSH"] {
        let path = corpus.join(format!("logs/loghub/{system}/{system}_2k.log"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        out.push((
            format!("loghub/{system}"),
            text.lines().map(str::to_owned).collect(),
        ));
    }
    let path = corpus.join("logs/cn/sangfor/sangfor-fwlog-peer-fields.json");
    let doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let records = doc
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["message_as_stored"].as_str().unwrap().to_owned())
        .collect();
    out.push(("cn/sangfor".to_owned(), records));
    out
}

fn summarise(records: &[String], normalizer: &Normalizer) -> (Value, Vec<String>) {
    // A fixed receive time: year inference for year-less stamps must not follow the clock.
    let meta = RecordMeta::received_at(Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap());
    let mut parsers: BTreeMap<String, u64> = BTreeMap::new();
    let mut fields: BTreeMap<String, u64> = BTreeMap::new();
    let mut digest = Sha256::new();
    let mut errors = Vec::new();
    for (i, record) in records.iter().enumerate() {
        let mut event =
            normalizer.normalize(record.as_bytes(), "auto", &ParseOptions::default(), &meta);
        event.remove("event.ingested");
        if let Some(error) = event.get_str("error.message") {
            errors.push(format!("record {}: {error}: {record:?}", i + 1));
        }
        *parsers
            .entry(event.get_str("steward.parser").unwrap_or("?").to_owned())
            .or_default() += 1;
        for (field, _) in event.flatten() {
            *fields.entry(field).or_default() += 1;
        }
        // Key order is not part of the output's meaning (serde_json may keep insertion
        // order or sort): hash a form with every object's keys sorted.
        digest.update(canonical(&Value::Object(event.as_object().clone())).as_bytes());
        digest.update(b"\n");
    }
    let hex: String = digest
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let summary = json!({
        "records": records.len(),
        "parsers": parsers,
        "fields": fields,
        "digest": hex,
    });
    (summary, errors)
}

#[test]
fn no_expectation_samples_parse_cleanly_and_are_pinned() {
    let Some(corpus) = corpus() else { return };
    let (registry, library) = steward_devices::registry(None).unwrap();
    assert!(library.errors().is_empty(), "{:?}", library.errors());
    let normalizer = Normalizer::new(Arc::new(registry));

    let mut actual = Map::new();
    let mut all_errors = Vec::new();
    for (name, records) in samples(&corpus) {
        let (summary, errors) = summarise(&records, &normalizer);
        all_errors.extend(errors.into_iter().map(|e| format!("{name}: {e}")));
        actual.insert(name, summary);
    }
    assert!(
        all_errors.is_empty(),
        "{} records failed to parse:\n{}",
        all_errors.len(),
        all_errors[..all_errors.len().min(20)].join("\n")
    );

    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/no_expectation.json");
    let actual = Value::Object(actual);
    let rendered = serde_json::to_string_pretty(&actual).unwrap() + "\n";
    if std::env::var_os("STEWARD_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, rendered).unwrap();
        return;
    }
    let pinned: Value = match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap(),
        Err(e) => panic!(
            "{}: {e}; create it with STEWARD_UPDATE_SNAPSHOTS=1",
            path.display()
        ),
    };
    if pinned != actual {
        let mut diff = Vec::new();
        for (name, now) in actual.as_object().unwrap() {
            let before = &pinned[name];
            for key in ["records", "parsers", "fields", "digest"] {
                if before[key] != now[key] {
                    diff.push(format!(
                        "{name}.{key}:\n  pinned: {}\n  now:    {}",
                        before[key], now[key]
                    ));
                }
            }
        }
        panic!(
            "output changed (rerun with STEWARD_UPDATE_SNAPSHOTS=1 if intended):\n{}",
            diff.join("\n")
        );
    }
}

/// JSON text with object keys sorted at every level.
fn canonical(v: &Value) -> String {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Value::String(k.clone()), canonical(&map[k])))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}
