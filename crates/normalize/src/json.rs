//! One JSON object per line, merged into the event with dotted keys expanded.

use crate::timefmt::{parse_device_time, parse_epoch};
use crate::{ParseError, ParseOptions, Parser, RecordMeta};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use steward_model::{ecs, Event};

/// Deeper documents are refused: nothing legitimate nests this far, and every later stage
/// (store, query, UI) walks documents recursively.
pub(crate) const MAX_DEPTH: usize = 64;

/// Tag for a record whose own `@timestamp` could not be read (it is dropped, so the
/// normalizer falls back to the receive time).
pub const TAG_INVALID_TIMESTAMP: &str = "steward.invalid_timestamp";

#[derive(Clone, Copy, Debug, Default)]
pub struct JsonParser;

impl Parser for JsonParser {
    fn name(&self) -> &str {
        "json"
    }

    fn dataset(&self) -> &str {
        "json"
    }

    fn detect(&self, line: &str) -> u8 {
        if !line.trim_start().starts_with('{') {
            0
        } else if line.trim_end().ends_with('}') {
            85
        } else {
            60
        }
    }

    fn parse(
        &self,
        line: &str,
        opts: &ParseOptions,
        meta: &RecordMeta,
        event: &mut Event,
    ) -> Result<(), ParseError> {
        let decoded = decode(line, opts, meta.received)?;
        // The record's own bytes stay authoritative whatever the document claims.
        let original = event.remove(ecs::EVENT_ORIGINAL);
        event.merge_object(decoded.into_object());
        if let Some(original) = original {
            event.set(ecs::EVENT_ORIGINAL, original);
        }
        Ok(())
    }
}

/// Parses a JSON object into an event of its own, timestamps normalised.
pub(crate) fn decode(
    text: &str,
    opts: &ParseOptions,
    received: DateTime<Utc>,
) -> Result<Event, ParseError> {
    // serde_json stops at 128 levels by itself, so this cannot overflow the stack.
    let value: Value =
        serde_json::from_str(text).map_err(|e| ParseError::new(format!("invalid JSON: {e}")))?;
    let object = match value {
        Value::Object(object) => object,
        other => {
            return Err(ParseError::at(
                0,
                format!("expected a JSON object, found {}", kind(&other)),
            ))
        }
    };
    if exceeds_depth(&object, MAX_DEPTH) {
        return Err(ParseError::new(format!(
            "JSON nested deeper than {MAX_DEPTH} levels"
        )));
    }
    let mut event = Event::from_object(object);
    normalize_timestamp(&mut event, opts, received);
    Ok(event)
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Iterative, so a hostile document costs heap rather than stack. A dotted key counts one
/// level per segment, since it is expanded into nested objects.
fn exceeds_depth(object: &Map<String, Value>, limit: usize) -> bool {
    let levels = |key: &str| 1 + key.matches('.').count();
    let mut stack: Vec<(&Value, usize)> = object.iter().map(|(k, v)| (v, levels(k))).collect();
    while let Some((value, depth)) = stack.pop() {
        if depth > limit {
            return true;
        }
        match value {
            Value::Object(map) => stack.extend(map.iter().map(|(k, c)| (c, depth + levels(k)))),
            Value::Array(items) => stack.extend(items.iter().map(|c| (c, depth + 1))),
            _ => {}
        }
    }
    false
}

/// `@timestamp` must be RFC 3339; the common spellings apps use instead are converted.
fn normalize_timestamp(event: &mut Event, opts: &ParseOptions, received: DateTime<Utc>) {
    if let Some(value) = event.get(ecs::TIMESTAMP) {
        match read_time(value, opts, received) {
            Some(t) => event.set_timestamp(ecs::TIMESTAMP, t),
            None => {
                event.remove(ecs::TIMESTAMP);
                event.add_tag(TAG_INVALID_TIMESTAMP);
            }
        }
        return;
    }
    for key in ["timestamp", "time"] {
        if let Some(t) = event.get(key).and_then(|v| read_time(v, opts, received)) {
            event.set_timestamp(ecs::TIMESTAMP, t);
            return;
        }
    }
}

fn read_time(value: &Value, opts: &ParseOptions, received: DateTime<Utc>) -> Option<DateTime<Utc>> {
    match value {
        Value::String(s) => parse_device_time(s, opts, received),
        Value::Number(n) => match (n.as_u64(), n.as_f64()) {
            (Some(whole), _) => parse_epoch(&whole.to_string()),
            // Display for f64 never uses exponent notation, which parse_epoch would refuse.
            (None, Some(f)) if f.is_finite() && f >= 0.0 => parse_epoch(&format!("{f}")),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn parse(line: &str) -> Result<Event, ParseError> {
        let meta = RecordMeta::received_at(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap());
        let mut e = Event::new();
        e.set(ecs::EVENT_ORIGINAL, line);
        JsonParser
            .parse(line, &ParseOptions::default(), &meta, &mut e)
            .map(|()| e)
    }

    #[test]
    fn dotted_keys_expand_and_original_is_kept() {
        let line = r#"{"source.ip":"10.0.0.1","source":{"port":22},"event":{"original":"forged"},"tags":["x"]}"#;
        let e = parse(line).unwrap();
        assert_eq!(e.get_str("source.ip"), Some("10.0.0.1"));
        assert_eq!(e.get("source.port"), Some(&json!(22)));
        assert_eq!(e.get_str("event.original"), Some(line));
        assert_eq!(e.get("tags"), Some(&json!(["x"])));
    }

    #[test]
    fn timestamps_in_common_spellings() {
        let cases = [
            (
                r#"{"@timestamp":"2026-01-02T03:04:05+01:00"}"#,
                "2026-01-02T02:04:05.000Z",
            ),
            (r#"{"timestamp":1767323045}"#, "2026-01-02T03:04:05.000Z"),
            (r#"{"time":1767323045123}"#, "2026-01-02T03:04:05.123Z"),
            (r#"{"time":1767323045.5}"#, "2026-01-02T03:04:05.500Z"),
            (r#"{"time":"1767323045"}"#, "2026-01-02T03:04:05.000Z"),
            (
                r#"{"timestamp":"2026-01-02 03:04:05"}"#,
                "2026-01-02T03:04:05.000Z",
            ),
        ];
        for (line, want) in cases {
            assert_eq!(
                parse(line).unwrap().get_str("@timestamp"),
                Some(want),
                "{line}"
            );
        }
        let e = parse(r#"{"@timestamp":"yesterday"}"#).unwrap();
        assert!(e.get("@timestamp").is_none());
        assert!(e.has_tag(TAG_INVALID_TIMESTAMP));
        let e = parse(r#"{"time":"later"}"#).unwrap();
        assert!(e.get("@timestamp").is_none());
        assert_eq!(e.get_str("time"), Some("later"));
    }

    #[test]
    fn refuses_non_objects_and_deep_nesting() {
        for line in ["[1,2]", "3", "\"s\"", "null", "", "{", "{\"a\":}", "{} {}"] {
            assert!(parse(line).is_err(), "{line}");
        }
        let deep = format!("{}1{}", "{\"a\":".repeat(70), "}".repeat(70));
        assert!(parse(&deep).unwrap_err().message.contains("64"));
        let ok = format!("{}1{}", "{\"a\":".repeat(60), "}".repeat(60));
        assert!(parse(&ok).is_ok());
        let dotted = format!("{{\"{}\":1}}", "a.".repeat(100_000));
        assert!(parse(&dotted).is_err());
        let hostile = "[".repeat(100_000);
        assert!(parse(&hostile).is_err());
        let hostile = format!("{{\"a\":{}", "[".repeat(100_000));
        assert!(parse(&hostile).is_err());
    }

    #[test]
    fn detection() {
        assert_eq!(JsonParser.detect(" {\"a\":1} "), 85);
        assert_eq!(JsonParser.detect("{\"a\":1"), 60);
        assert_eq!(JsonParser.detect("a {"), 0);
    }
}
