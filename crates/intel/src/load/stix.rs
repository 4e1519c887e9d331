//! STIX 2.1 bundles: `indicator` objects with `stix` patterns, and bare cyber
//! observables (`ipv4-addr`, `ipv6-addr`, `domain-name`, `url`, `file`).
//!
//! Per indicator: `id` is kept, `valid_until` is the expiry, `confidence` (0-100) is
//! taken when present, `name` is the title, `labels` and `indicator_types` become
//! tags, and `created_by_ref` is resolved to the identity's name when the bundle has
//! it. Revoked indicators are skipped; other pattern types (Snort, YARA, Sigma) and
//! patterns we cannot express are counted as unsupported.

use super::stix_pattern::{self, PatternError, Term};
use super::{parse_json, parse_time, str_field, LoadError, LoadOptions, LoadReport};
use crate::set::IndicatorSetBuilder;
use crate::types::{Attrs, IndicatorMeta, IndicatorType, IndicatorValue};
use crate::value;
use serde_json::Value;
use std::collections::HashMap;

/// Loads a STIX bundle (or a JSON array of STIX objects, or one object).
pub fn load_stix(
    builder: &mut IndicatorSetBuilder,
    bytes: &[u8],
    file: &str,
    opts: &LoadOptions,
) -> Result<LoadReport, LoadError> {
    let v = parse_json(bytes, file)?;
    load_value(builder, &v, file, opts)
}

/// Whether a JSON document is STIX-shaped.
pub(crate) fn is_stix(v: &Value) -> bool {
    let stix_object = |o: &Value| {
        str_field(o, "type").is_some() && str_field(o, "id").is_some_and(|id| id.contains("--"))
    };
    match v {
        Value::Object(o) => {
            o.get("type").and_then(Value::as_str) == Some("bundle")
                || (o.get("objects").is_some_and(Value::is_array) && !o.contains_key("Event"))
                || stix_object(v)
        }
        Value::Array(items) => items.first().is_some_and(stix_object),
        _ => false,
    }
}

pub(crate) fn load_value(
    builder: &mut IndicatorSetBuilder,
    v: &Value,
    file: &str,
    opts: &LoadOptions,
) -> Result<LoadReport, LoadError> {
    let objects: &[Value] = match v {
        Value::Object(o) if o.contains_key("objects") => match o.get("objects") {
            Some(Value::Array(items)) => items,
            Some(Value::Null) => &[],
            _ => {
                return Err(LoadError::format(
                    file,
                    "bundle \"objects\" is not an array",
                ))
            }
        },
        Value::Object(o) if o.get("type").and_then(Value::as_str) == Some("bundle") => &[],
        Value::Object(_) if str_field(v, "type").is_some() => std::slice::from_ref(v),
        Value::Array(items) => items,
        _ => return Err(LoadError::format(file, "not a STIX bundle")),
    };
    let identities: HashMap<&str, &str> = objects
        .iter()
        .filter(|o| str_field(o, "type") == Some("identity"))
        .filter_map(|o| Some((str_field(o, "id")?, str_field(o, "name")?)))
        .collect();
    let mut report = LoadReport {
        files: 1,
        ..Default::default()
    };
    for (i, obj) in objects.iter().enumerate() {
        let Some(kind) = str_field(obj, "type") else {
            report.invalid(file, format_args!("objects[{i}]"), "object without a type");
            continue;
        };
        match kind {
            "indicator" => indicator(builder, obj, &identities, file, i, opts, &mut report),
            "ipv4-addr" | "ipv6-addr" | "domain-name" | "url" | "file" if opts.stix_observables => {
                observable(builder, obj, kind, file, i, opts, &mut report)
            }
            // Other SDOs, SROs and observables carry no matchable value.
            _ => {}
        }
    }
    Ok(report)
}

fn indicator(
    builder: &mut IndicatorSetBuilder,
    obj: &Value,
    identities: &HashMap<&str, &str>,
    file: &str,
    index: usize,
    opts: &LoadOptions,
    report: &mut LoadReport,
) {
    let id = str_field(obj, "id");
    let at = id.map_or_else(|| format!("objects[{index}]"), str::to_owned);
    if obj.get("revoked").and_then(Value::as_bool) == Some(true) {
        report.skipped += 1;
        return;
    }
    if let Some(pt) = str_field(obj, "pattern_type") {
        if !pt.eq_ignore_ascii_case("stix") {
            report.unsupported(file, &at, format_args!("pattern_type {pt}"));
            return;
        }
    }
    let Some(pattern) = str_field(obj, "pattern") else {
        report.invalid(file, &at, "indicator without a pattern");
        return;
    };
    let parsed = match stix_pattern::parse(pattern) {
        Ok(p) => p,
        Err(PatternError::Unsupported(why)) => {
            report.unsupported(file, &at, format_args!("unsupported pattern ({why})"));
            return;
        }
        Err(PatternError::Syntax(why)) => {
            report.invalid(file, &at, format_args!("bad pattern ({why})"));
            return;
        }
    };
    if parsed.dropped > 0 {
        report.unsupported += parsed.dropped;
    }
    let mut tags: Vec<String> = Vec::new();
    for key in ["labels", "indicator_types"] {
        for t in obj.get(key).and_then(Value::as_array).into_iter().flatten() {
            if let Some(t) = t.as_str().map(str::trim).filter(|t| !t.is_empty()) {
                if !tags.iter().any(|x| x == t) {
                    tags.push(t.to_owned());
                }
            }
        }
    }
    let meta = builder.meta(IndicatorMeta {
        source: opts.source.clone(),
        title: str_field(obj, "name").map(str::to_owned),
        description: str_field(obj, "description").map(str::to_owned),
        author: str_field(obj, "created_by_ref")
            .and_then(|r| identities.get(r))
            .map(|s| (*s).to_owned()),
        tags,
    });
    let confidence = obj
        .get("confidence")
        .and_then(Value::as_u64)
        .map_or(opts.confidence, |c| c.min(100) as u8);
    let explicit = str_field(obj, "valid_until").and_then(parse_time);
    let seen = str_field(obj, "modified")
        .or_else(|| str_field(obj, "valid_from"))
        .and_then(parse_time);
    let attrs = Attrs {
        meta,
        id,
        confidence,
        expiry: opts.expiry(explicit, seen),
    };
    for term in &parsed.terms {
        match term_value(term, opts.subdomains) {
            Some(v) => report.put(builder, &v, &attrs, file, &at),
            None => report.invalid(file, &at, format_args!("bad value in pattern: {term:?}")),
        }
    }
}

fn term_value(term: &Term, subdomains: bool) -> Option<IndicatorValue<'_>> {
    let domain = |name| super::misp::domain(name, subdomains);
    match term {
        Term::Ip(s) => value::parse_ip_or_cidr(s.trim()),
        Term::Domain(s) => domain(s),
        Term::Url(s) => value::parse_as(s, IndicatorType::Url),
        Term::Hash(kind, s) => value::parse_as(s, *kind),
        Term::Asn(n) => Some(IndicatorValue::Asn(*n)),
        Term::Host(s) => value::parse_ip_or_cidr(s.trim()).or_else(|| domain(s)),
    }
}

fn observable(
    builder: &mut IndicatorSetBuilder,
    obj: &Value,
    kind: &str,
    file: &str,
    index: usize,
    opts: &LoadOptions,
    report: &mut LoadReport,
) {
    let id = str_field(obj, "id");
    let at = id.map_or_else(|| format!("objects[{index}]"), str::to_owned);
    let meta = builder.meta(IndicatorMeta {
        source: opts.source.clone(),
        title: Some(format!("STIX {kind} observable")),
        ..Default::default()
    });
    let attrs = Attrs {
        meta,
        id,
        confidence: opts.confidence,
        expiry: opts.expiry(None, None),
    };
    let mut values: Vec<IndicatorValue<'_>> = Vec::new();
    let text = str_field(obj, "value");
    let parsed = match kind {
        "ipv4-addr" | "ipv6-addr" => text
            .and_then(value::parse_ip_or_cidr)
            .map(|v| values.push(v)),
        "domain-name" => text.filter(|s| value::is_valid_domain(s)).map(|name| {
            values.push(IndicatorValue::Domain {
                name,
                subdomains: opts.subdomains,
            })
        }),
        "url" => text
            .and_then(|s| value::parse_as(s, IndicatorType::Url))
            .map(|v| values.push(v)),
        _ => {
            for (alg, hex) in obj
                .get("hashes")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let kind = match alg.to_ascii_uppercase().replace(['-', '_'], "").as_str() {
                    "MD5" => IndicatorType::Md5,
                    "SHA1" => IndicatorType::Sha1,
                    "SHA256" => IndicatorType::Sha256,
                    _ => continue,
                };
                if let Some(v) = hex.as_str().and_then(|h| value::parse_as(h, kind)) {
                    values.push(v);
                }
            }
            (!values.is_empty()).then_some(())
        }
    };
    if parsed.is_none() {
        if kind == "file" {
            report.unsupported(
                file,
                &at,
                "file observable without an MD5/SHA-1/SHA-256 hash",
            );
        } else {
            report.invalid(file, &at, format_args!("bad {kind} value"));
        }
        return;
    }
    for v in &values {
        report.put(builder, v, &attrs, file, &at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    const BUNDLE: &str = r#"{
      "type": "bundle", "id": "bundle--1",
      "objects": [
        {"type": "identity", "id": "identity--a", "name": "ACME CERT", "identity_class": "organization"},
        {"type": "indicator", "spec_version": "2.1", "id": "indicator--1", "created_by_ref": "identity--a",
         "name": "C2", "labels": ["malicious-activity"], "indicator_types": ["malicious-activity", "c2"],
         "confidence": 85, "valid_from": "2024-01-01T00:00:00Z", "valid_until": "2025-01-01T00:00:00Z",
         "pattern_type": "stix",
         "pattern": "[ipv4-addr:value = '198.51.100.1' OR domain-name:value = 'c2.example.net'] OR [url:value = 'http://c2.example.net/gate.php']"},
        {"type": "indicator", "id": "indicator--2", "pattern_type": "stix",
         "pattern": "[file:hashes.'SHA-256' = 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c']"},
        {"type": "indicator", "id": "indicator--3", "pattern_type": "snort", "pattern": "alert tcp any any -> any any"},
        {"type": "indicator", "id": "indicator--4", "pattern": "[email-message:subject MATCHES 'x']"},
        {"type": "indicator", "id": "indicator--5", "revoked": true, "pattern": "[ipv4-addr:value = '9.9.9.9']"},
        {"type": "indicator", "id": "indicator--6", "pattern": "[domain-name:value = 'domain bad name.net']"},
        {"type": "indicator", "id": "indicator--7", "pattern": "[ipv4-addr:value = "},
        {"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "203.0.113.9"},
        {"type": "domain-name", "id": "domain-name--1", "value": "obs.example.org"},
        {"type": "file", "id": "file--1", "hashes": {"MD5": "d41d8cd98f00b204e9800998ecf8427e", "SSDEEP": "3::"}},
        {"type": "file", "id": "file--2", "name": "x.exe"},
        {"type": "malware", "id": "malware--1", "name": "Poison Ivy"},
        42
      ]
    }"#;

    #[test]
    fn loads_indicators_and_observables() {
        let mut b = IndicatorSetBuilder::new();
        let mut opts = LoadOptions::new("stix-test");
        let r = load_stix(&mut b, BUNDLE.as_bytes(), "t.json", &opts).unwrap();
        assert_eq!(r.loaded, 7, "{r:?}");
        assert_eq!(r.unsupported, 3, "{r:?}");
        assert_eq!(r.invalid, 3, "{r:?}");
        assert_eq!(r.skipped, 1);
        assert!(
            r.problems.iter().any(|p| p.contains("t.json:indicator--3")),
            "{:?}",
            r.problems
        );
        let set = b.build();
        let t = Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap();
        let hit = &set.lookup("www.c2.example.net", t)[0].0;
        assert_eq!(hit.id, "indicator--1");
        assert_eq!(hit.confidence, 85);
        assert_eq!(hit.author.as_deref(), Some("ACME CERT"));
        assert_eq!(hit.title.as_deref(), Some("C2"));
        assert_eq!(hit.tags, ["malicious-activity", "c2"]);
        assert_eq!(
            hit.expiry,
            Some(Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap())
        );
        assert!(set
            .lookup(
                "198.51.100.1",
                Utc.with_ymd_and_hms(2025, 6, 1, 0, 0, 0).unwrap()
            )
            .is_empty());
        assert_eq!(
            set.lookup("https://c2.example.net/gate.php", t).len(),
            2,
            "URL and its host"
        );
        assert_eq!(set.lookup("203.0.113.9", t)[0].0.confidence, 50);
        assert_eq!(set.lookup("D41D8CD98F00B204E9800998ECF8427E", t).len(), 1);
        assert!(set.lookup("9.9.9.9", t).is_empty());

        opts.stix_observables = false;
        let mut b = IndicatorSetBuilder::new();
        let r = load_stix(&mut b, BUNDLE.as_bytes(), "t.json", &opts).unwrap();
        assert_eq!(r.loaded, 4);
    }

    #[test]
    fn bad_documents_are_errors_naming_the_file() {
        let opts = LoadOptions::new("s");
        let mut b = IndicatorSetBuilder::new();
        let e = load_stix(&mut b, &BUNDLE.as_bytes()[..200], "cut.json", &opts).unwrap_err();
        assert!(e.to_string().starts_with("cut.json: not valid JSON"), "{e}");
        let e = load_stix(&mut b, b"\"hello\"", "s.json", &opts).unwrap_err();
        assert!(e.to_string().contains("s.json"), "{e}");
        let e =
            load_stix(&mut b, br#"{"type":"bundle","objects":7}"#, "o.json", &opts).unwrap_err();
        assert!(e.to_string().contains("o.json"), "{e}");
        let r = load_stix(
            &mut b,
            br#"{"type":"bundle","id":"bundle--x"}"#,
            "e.json",
            &opts,
        )
        .unwrap();
        assert_eq!(r.loaded, 0);
    }
}
