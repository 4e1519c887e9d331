//! MISP: single events (`{"Event": {...}}`, also API-style `{"response": [...]}` and
//! arrays of events) and feed directories (`manifest.json` + `<uuid>.json`).
//!
//! Attributes (top-level and inside Objects) of these types load:
//! `ip-src`, `ip-dst` (address or CIDR), `ip-src|port`, `ip-dst|port`, `domain`,
//! `hostname` (exact: no subdomains), `domain|ip` (both), `hostname|port`, `url`,
//! `md5`, `sha1`, `sha256`, `filename|md5`, `filename|sha1`, `filename|sha256`,
//! `malware-sample`, `AS`. Other types are counted as unsupported.
//!
//! `to_ids` is honoured: attributes with `to_ids: false` are skipped (and counted)
//! unless [`LoadOptions::include_non_ids`] is set, which loads them at
//! [`LoadOptions::non_ids_confidence`]. Deleted attributes are skipped.
//! Title = event `info`, description = attribute `comment`, author = `Orgc.name`,
//! tags = event and attribute tag names; id = attribute `uuid`.

use super::{parse_json, str_field, unix_field, LoadError, LoadOptions, LoadReport};
use crate::set::IndicatorSetBuilder;
use crate::types::{Attrs, IndicatorMeta, IndicatorType, IndicatorValue};
use crate::value;
use serde_json::Value;
use std::path::Path;

/// Loads one MISP document (event, events, or API response).
pub fn load_misp(
    builder: &mut IndicatorSetBuilder,
    bytes: &[u8],
    file: &str,
    opts: &LoadOptions,
) -> Result<LoadReport, LoadError> {
    let v = parse_json(bytes, file)?;
    load_value(builder, &v, file, opts)
}

/// Whether a JSON document is MISP-event-shaped.
pub(crate) fn is_misp(v: &Value) -> bool {
    match v {
        Value::Object(o) => {
            o.contains_key("Event")
                || o.get("response").is_some_and(Value::is_array)
                || o.contains_key("Attribute")
        }
        Value::Array(items) => items
            .first()
            .is_some_and(|e| e.get("Event").is_some() || e.get("Attribute").is_some()),
        _ => false,
    }
}

pub(crate) fn load_value(
    builder: &mut IndicatorSetBuilder,
    v: &Value,
    file: &str,
    opts: &LoadOptions,
) -> Result<LoadReport, LoadError> {
    fn unwrap(e: &Value) -> Option<&Value> {
        match e.get("Event") {
            Some(inner) if inner.is_object() => Some(inner),
            Some(_) => None,
            None => e.get("Attribute").map(|_| e),
        }
    }
    let events: Vec<&Value> = match v {
        Value::Object(o) if o.contains_key("Event") || o.contains_key("Attribute") => {
            vec![unwrap(v).ok_or_else(|| LoadError::format(file, "\"Event\" is not an object"))?]
        }
        Value::Object(o) => match o.get("response") {
            Some(Value::Array(items)) => items.iter().filter_map(unwrap).collect(),
            _ => return Err(LoadError::format(file, "no MISP \"Event\" in the document")),
        },
        Value::Array(items) => items.iter().filter_map(unwrap).collect(),
        _ => return Err(LoadError::format(file, "no MISP \"Event\" in the document")),
    };
    let mut report = LoadReport {
        files: 1,
        ..Default::default()
    };
    for event in events {
        load_event(builder, event, file, opts, &mut report);
    }
    Ok(report)
}

/// Loads a feed directory: the events `manifest.json` lists. An event file that is
/// missing or broken is counted in `failed_files` and described in the report; the
/// rest still load. A missing or unreadable manifest is an error.
pub fn load_feed_dir(
    builder: &mut IndicatorSetBuilder,
    dir: &Path,
    opts: &LoadOptions,
) -> Result<LoadReport, LoadError> {
    let manifest_path = dir.join("manifest.json");
    let bytes = std::fs::read(&manifest_path).map_err(|e| LoadError::io(&manifest_path, e))?;
    let manifest_file = manifest_path.display().to_string();
    let manifest = parse_json(&bytes, &manifest_file)?;
    let Some(entries) = manifest.as_object() else {
        return Err(LoadError::format(
            &manifest_file,
            "manifest is not an object of events",
        ));
    };
    let mut uuids: Vec<&String> = entries.keys().collect();
    uuids.sort();
    let mut report = LoadReport::default();
    for uuid in uuids {
        // The key becomes a file name: nothing that could leave the directory.
        if uuid.is_empty() || !uuid.bytes().all(|c| c.is_ascii_hexdigit() || c == b'-') {
            report.failed_files += 1;
            report.problem(&manifest_file, uuid, "event key is not a UUID");
            continue;
        }
        let path = dir.join(format!("{uuid}.json"));
        let file = path.display().to_string();
        let loaded = std::fs::read(&path)
            .map_err(|e| LoadError::io(&path, e))
            .and_then(|b| load_misp(builder, &b, &file, opts));
        match loaded {
            Ok(r) => report.merge(r),
            Err(e) => {
                report.failed_files += 1;
                if report.problems.len() < super::MAX_PROBLEMS {
                    report.problems.push(e.to_string());
                }
            }
        }
    }
    Ok(report)
}

fn tag_names(v: &Value) -> impl Iterator<Item = &str> {
    v.get("Tag")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| str_field(t, "name"))
}

fn truthy(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        Some(Value::String(s)) => matches!(s.trim(), "1" | "true" | "True"),
        _ => false,
    }
}

fn load_event(
    builder: &mut IndicatorSetBuilder,
    event: &Value,
    file: &str,
    opts: &LoadOptions,
    report: &mut LoadReport,
) {
    let info = str_field(event, "info");
    let author = event
        .get("Orgc")
        .and_then(|o| str_field(o, "name"))
        .or_else(|| event.get("Org").and_then(|o| str_field(o, "name")));
    let event_tags: Vec<&str> = tag_names(event).collect();
    let event_time = unix_field(event, "timestamp");

    let top = event
        .get("Attribute")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    let in_objects = event
        .get("Object")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|o| o.get("Attribute").and_then(Value::as_array))
        .flatten();
    for (i, attr) in top.chain(in_objects).enumerate() {
        let at = str_field(attr, "uuid").map_or_else(|| format!("Attribute[{i}]"), str::to_owned);
        let (Some(kind), Some(text)) = (str_field(attr, "type"), str_field(attr, "value")) else {
            report.invalid(file, &at, "attribute without type or value");
            continue;
        };
        if truthy(attr.get("deleted")) {
            report.skipped += 1;
            continue;
        }
        let values = match attribute_values(kind, text, opts.subdomains) {
            Mapped::Values(v) => v,
            Mapped::Unsupported => {
                report.unsupported += 1;
                continue;
            }
            Mapped::Invalid => {
                report.invalid(file, &at, format_args!("bad {kind} value {text:?}"));
                continue;
            }
        };
        let to_ids = truthy(attr.get("to_ids"));
        if !to_ids && !opts.include_non_ids {
            report.skipped += 1;
            continue;
        }
        let mut tags: Vec<String> = event_tags.iter().map(|t| (*t).to_owned()).collect();
        for t in tag_names(attr) {
            if !tags.iter().any(|x| x == t) {
                tags.push(t.to_owned());
            }
        }
        let meta = builder.meta(IndicatorMeta {
            source: opts.source.clone(),
            title: info.map(str::to_owned),
            description: str_field(attr, "comment").map(str::to_owned),
            author: author.map(str::to_owned),
            tags,
        });
        let seen = unix_field(attr, "last_seen")
            .or_else(|| unix_field(attr, "timestamp"))
            .or(event_time);
        let attrs = Attrs {
            meta,
            id: str_field(attr, "uuid"),
            confidence: if to_ids {
                opts.confidence
            } else {
                opts.non_ids_confidence.min(opts.confidence)
            },
            expiry: opts.expiry(None, seen),
        };
        for v in &values {
            report.put(builder, v, &attrs, file, &at);
        }
    }
}

enum Mapped<'a> {
    Values(Vec<IndicatorValue<'a>>),
    Unsupported,
    Invalid,
}

pub(crate) fn domain(name: &str, subdomains: bool) -> Option<IndicatorValue<'_>> {
    value::is_valid_domain(name).then_some(IndicatorValue::Domain {
        name: name.trim(),
        subdomains,
    })
}

/// The values one attribute names, by MISP type.
fn attribute_values<'a>(kind: &str, text: &'a str, subdomains: bool) -> Mapped<'a> {
    let before_pipe = || text.split('|').next().unwrap_or("").trim();
    let after_pipe = || text.rsplit_once('|').map(|(_, h)| h.trim());
    let one =
        |v: Option<IndicatorValue<'a>>| v.map_or(Mapped::Invalid, |v| Mapped::Values(vec![v]));
    match kind {
        "ip-src" | "ip-dst" => one(value::parse_ip_or_cidr(text)),
        "ip-src|port" | "ip-dst|port" => one(value::parse_ip_or_cidr(before_pipe())),
        "domain" => one(domain(text, subdomains)),
        "hostname" => one(domain(text, false)),
        "hostname|port" => one(domain(before_pipe(), false)),
        "domain|ip" => match (
            domain(before_pipe(), subdomains),
            after_pipe().and_then(value::parse_ip_or_cidr),
        ) {
            (Some(d), Some(ip)) => Mapped::Values(vec![d, ip]),
            _ => Mapped::Invalid,
        },
        "url" => one(value::parse_as(text, IndicatorType::Url)),
        "md5" => one(value::parse_as(text, IndicatorType::Md5)),
        "sha1" => one(value::parse_as(text, IndicatorType::Sha1)),
        "sha256" => one(value::parse_as(text, IndicatorType::Sha256)),
        "filename|md5" | "malware-sample" => {
            one(after_pipe().and_then(|h| value::parse_as(h, IndicatorType::Md5)))
        }
        "filename|sha1" => one(after_pipe().and_then(|h| value::parse_as(h, IndicatorType::Sha1))),
        "filename|sha256" => {
            one(after_pipe().and_then(|h| value::parse_as(h, IndicatorType::Sha256)))
        }
        "AS" => one(value::parse_asn(text)
            .or_else(|| text.parse().ok())
            .map(IndicatorValue::Asn)),
        _ => Mapped::Unsupported,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    const EVENT: &str = r#"{"Event": {
      "info": "Malspam - Locky", "uuid": "e-1", "timestamp": "1461831498",
      "Orgc": {"name": "CIRCL"}, "Tag": [{"name": "tlp:white"}],
      "Attribute": [
        {"uuid": "a1", "type": "ip-dst", "value": "50.6.80.163", "to_ids": true, "comment": "download location"},
        {"uuid": "a2", "type": "domain", "value": "be-stlines-tore.com", "to_ids": true},
        {"uuid": "a3", "type": "hostname", "value": "commonplaces.davidson.edu", "to_ids": "1"},
        {"uuid": "a4", "type": "domain|ip", "value": "evil.org|192.0.2.4", "to_ids": true},
        {"uuid": "a5", "type": "ip-dst|port", "value": "192.0.2.5|443", "to_ids": true},
        {"uuid": "a6", "type": "filename|sha256", "value": "a9idk|89b9836c31aa36382e413568d85c39bc7ff7b8c06deea7723725ab0cef4bb25f", "to_ids": true, "Tag": [{"name": "malware"}]},
        {"uuid": "a7", "type": "malware-sample", "value": "x|f34888e54bb3f7a95fc262cec94afe84", "to_ids": true},
        {"uuid": "a8", "type": "url", "value": "http://ctx.example/report", "to_ids": false},
        {"uuid": "a9", "type": "regkey|value", "value": "HKCU\\x|y", "to_ids": true},
        {"uuid": "a10", "type": "ip-dst", "value": "not-an-ip", "to_ids": true},
        {"uuid": "a11", "type": "md5", "value": "f34888e54bb3f7a95fc262cec94afe84", "to_ids": true, "deleted": true},
        {"type": "AS", "value": "AS64500", "to_ids": true},
        {"value": "no type"}
      ],
      "Object": [{"name": "file", "Attribute": [
        {"uuid": "o1", "type": "sha1", "value": "7da9a87be6450bab5f918f56033a5fdfdc4e1961", "to_ids": true}
      ]}]
    }}"#;

    fn at() -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
    }

    #[test]
    fn loads_event_attributes_by_type() {
        let mut b = IndicatorSetBuilder::new();
        let opts = LoadOptions::new("misp-test");
        let r = load_misp(&mut b, EVENT.as_bytes(), "e.json", &opts).unwrap();
        assert_eq!(r.loaded, 10, "{r:?}");
        assert_eq!(r.unsupported, 1);
        assert_eq!(r.invalid, 2, "{r:?}");
        assert_eq!(r.skipped, 2);
        let set = b.build();
        let hit = &set.lookup("50.6.80.163", at())[0].0;
        assert_eq!(hit.id, "a1");
        assert_eq!(hit.title.as_deref(), Some("Malspam - Locky"));
        assert_eq!(hit.description.as_deref(), Some("download location"));
        assert_eq!(hit.author.as_deref(), Some("CIRCL"));
        assert_eq!(hit.tags, ["tlp:white"]);
        assert_eq!(
            set.lookup("x.be-stlines-tore.com", at()).len(),
            1,
            "domain covers subdomains"
        );
        assert_eq!(set.lookup("commonplaces.davidson.edu", at()).len(), 1);
        assert!(
            set.lookup("x.commonplaces.davidson.edu", at()).is_empty(),
            "hostname is exact"
        );
        assert_eq!(set.lookup("192.0.2.4", at())[0].0.id, "a4");
        assert_eq!(set.lookup("evil.org", at())[0].0.id, "a4");
        assert_eq!(set.lookup("192.0.2.5", at()).len(), 1);
        let sha = &set.lookup(
            "89B9836C31AA36382E413568D85C39BC7FF7B8C06DEEA7723725AB0CEF4BB25F",
            at(),
        )[0]
        .0;
        assert_eq!(sha.tags, ["tlp:white", "malware"]);
        assert_eq!(
            set.lookup("f34888e54bb3f7a95fc262cec94afe84", at()).len(),
            1
        );
        assert_eq!(
            set.lookup("7da9a87be6450bab5f918f56033a5fdfdc4e1961", at())
                .len(),
            1
        );
        assert_eq!(set.lookup("AS64500", at()).len(), 1);
        assert!(
            set.lookup("http://ctx.example/report", at()).is_empty(),
            "to_ids false skipped"
        );
    }

    #[test]
    fn non_ids_attributes_load_at_low_confidence_when_asked() {
        let mut b = IndicatorSetBuilder::new();
        let mut opts = LoadOptions::new("misp-test");
        opts.include_non_ids = true;
        let r = load_misp(&mut b, EVENT.as_bytes(), "e.json", &opts).unwrap();
        assert_eq!(r.loaded, 11);
        let set = b.build();
        assert_eq!(
            set.lookup("http://ctx.example/report", at())[0]
                .0
                .confidence,
            20
        );
        assert_eq!(set.lookup("50.6.80.163", at())[0].0.confidence, 50);
    }

    #[test]
    fn feed_directory_with_a_broken_event() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("manifest.json"),
            r#"{"aaaa-1": {"info": "a"}, "bbbb-2": {"info": "b"}, "cccc-3": {}, "../etc": {}}"#,
        )
        .unwrap();
        std::fs::write(dir.path().join("aaaa-1.json"), EVENT).unwrap();
        std::fs::write(dir.path().join("bbbb-2.json"), &EVENT[..100]).unwrap();
        let mut b = IndicatorSetBuilder::new();
        let r = load_feed_dir(&mut b, dir.path(), &LoadOptions::new("feed")).unwrap();
        assert_eq!(r.files, 1);
        assert_eq!(r.failed_files, 3, "{r:?}");
        assert_eq!(r.loaded, 10);
        assert!(
            r.problems
                .iter()
                .any(|p| p.contains("bbbb-2.json") && p.contains("JSON")),
            "{:?}",
            r.problems
        );
        assert!(
            r.problems.iter().any(|p| p.contains("cccc-3.json")),
            "{:?}",
            r.problems
        );

        let empty = tempfile::tempdir().unwrap();
        let e = load_feed_dir(&mut b, empty.path(), &LoadOptions::new("feed")).unwrap_err();
        assert!(e.to_string().contains("manifest.json"), "{e}");
    }

    #[test]
    fn other_shapes() {
        let opts = LoadOptions::new("m");
        let mut b = IndicatorSetBuilder::new();
        let api = format!(r#"{{"response": [{EVENT}, {{"Event": 5}}]}}"#);
        assert_eq!(
            load_misp(&mut b, api.as_bytes(), "api.json", &opts)
                .unwrap()
                .loaded,
            10
        );
        let arr = format!("[{EVENT}]");
        assert_eq!(
            load_misp(&mut b, arr.as_bytes(), "arr.json", &opts)
                .unwrap()
                .loaded,
            10
        );
        assert!(load_misp(&mut b, br#"{"Event": []}"#, "x.json", &opts).is_err());
        assert!(load_misp(&mut b, br#"{"foo": 1}"#, "x.json", &opts).is_err());
        assert!(load_misp(&mut b, b"{\"Event\": {", "x.json", &opts).is_err());
    }
}
