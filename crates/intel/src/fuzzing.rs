//! The bodies of the `intel_*` fuzz targets, here so the unit tests replay the seed
//! corpus through exactly the same code. Each feeds arbitrary bytes to a loader,
//! then matches events built from the same bytes against whatever loaded: nothing
//! may panic.

use crate::load::{list, misp, stix, LoadOptions};
use crate::set::{IndicatorSet, IndicatorSetBuilder};
use crate::types::IndicatorType;
use crate::FIELDS;
use chrono::{TimeZone, Utc};
use serde_json::{json, Map, Value};
use steward_model::Event;

fn options() -> LoadOptions {
    let mut o = LoadOptions::new("fuzz");
    o.now = Utc
        .with_ymd_and_hms(2026, 1, 2, 3, 4, 5)
        .single()
        .unwrap_or_default();
    o
}

/// Matches every line of `data` in every field, and looks each line up.
fn exercise(set: &IndicatorSet, data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let now = options().now;
    for line in text.lines().take(64) {
        let mut doc = Map::new();
        doc.insert("@timestamp".into(), line.into());
        let mut event = Event::from_object(doc);
        for (field, _) in FIELDS {
            event.set(field, line);
        }
        event.set("related.ip", json!([line, line]));
        event.set("source.as.number", json!([line.len(), line]));
        for hit in set.match_event(&event, now) {
            let _ = crate::to_detection(&hit, &event);
        }
        let _ = set.lookup(line, now);
    }
}

/// Raw bytes as a STIX document, then the bytes as the pattern of one indicator.
pub fn stix(data: &[u8]) {
    let opts = options();
    let mut b = IndicatorSetBuilder::new();
    let _ = stix::load_stix(&mut b, data, "fuzz.json", &opts);
    let pattern = String::from_utf8_lossy(data);
    let bundle = json!({"type": "bundle", "objects": [
        {"type": "indicator", "id": "indicator--f", "pattern_type": "stix", "pattern": pattern,
         "valid_until": "2030-01-01T00:00:00Z", "confidence": 70}
    ]});
    let _ = stix::load_value(&mut b, &bundle, "fuzz-pattern", &opts);
    exercise(&b.build(), data);
}

/// Raw bytes as a MISP document, then `type\nvalue` as one attribute of each type.
pub fn misp(data: &[u8]) {
    let opts = options();
    let mut b = IndicatorSetBuilder::new();
    let _ = misp::load_misp(&mut b, data, "fuzz.json", &opts);
    let text = String::from_utf8_lossy(data);
    let (kind, value) = text.split_once('\n').unwrap_or(("ip-dst", &text));
    let attrs: Vec<Value> = [
        kind,
        "ip-dst|port",
        "domain|ip",
        "filename|sha256",
        "malware-sample",
        "AS",
        "url",
    ]
    .iter()
    .map(|k| json!({"type": k, "value": value, "to_ids": true, "timestamp": value}))
    .collect();
    let event =
        json!({"Event": {"info": value, "Attribute": attrs, "Object": [{"Attribute": attrs}]}});
    let _ = misp::load_value(&mut b, &event, "fuzz-attribute", &opts);
    exercise(&b.build(), data);
}

/// Raw bytes as a list, detected and then forced to each type.
pub fn list(data: &[u8]) {
    let mut opts = options();
    let mut b = IndicatorSetBuilder::new();
    let _ = list::load_list(&mut b, data, "fuzz.txt", &opts);
    for kind in IndicatorType::ALL {
        opts.kind = Some(kind);
        let _ = list::load_list(&mut b, data, "fuzz.txt", &opts);
    }
    exercise(&b.build(), data);
}
