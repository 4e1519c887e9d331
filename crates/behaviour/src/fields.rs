//! Lenient reads of ECS fields.
//!
//! Parsers of different ages and vendors write the same field as a string, a number or an
//! array (`event.category: "network"` vs `["network"]`, `winlog.event_id: 4624` vs
//! `"4624"`). The models accept all of these and treat anything else as absent.

use serde_json::Value;
use std::borrow::Cow;
use steward_model::Event;

/// How many array elements are looked at: a hostile array of a million items must not
/// cost a million comparisons per event.
const MAX_ARRAY_ITEMS: usize = 32;

fn usable(s: &str) -> Option<&str> {
    let s = s.trim();
    (!s.is_empty() && s != "-").then_some(s)
}

/// The first usable string of a string or array field (empty and `-` count as absent).
pub(crate) fn first_str<'a>(event: &'a Event, path: &str) -> Option<&'a str> {
    match event.get(path)? {
        Value::String(s) => usable(s),
        Value::Array(items) => items
            .iter()
            .take(MAX_ARRAY_ITEMS)
            .find_map(|v| v.as_str().and_then(usable)),
        _ => None,
    }
}

/// Like [`first_str`], but numbers are accepted and written as text.
pub(crate) fn first_text<'a>(event: &'a Event, path: &str) -> Option<Cow<'a, str>> {
    fn one(v: &Value) -> Option<Cow<'_, str>> {
        match v {
            Value::String(s) => usable(s).map(Cow::Borrowed),
            Value::Number(n) => Some(Cow::Owned(n.to_string())),
            _ => None,
        }
    }
    match event.get(path)? {
        Value::Array(items) => items.iter().take(MAX_ARRAY_ITEMS).find_map(one),
        other => one(other),
    }
}

/// The first of several paths that holds a usable string.
pub(crate) fn first_of<'a>(event: &'a Event, paths: &[&str]) -> Option<&'a str> {
    paths.iter().find_map(|p| first_str(event, p))
}

/// Every string of a string or array field (bounded).
pub(crate) fn each_str<'a>(event: &'a Event, path: &str) -> impl Iterator<Item = &'a str> {
    let (single, many): (Option<&str>, &[Value]) = match event.get(path) {
        Some(Value::String(s)) => (Some(s.as_str()), &[]),
        Some(Value::Array(items)) => (None, items.as_slice()),
        _ => (None, &[]),
    };
    single
        .into_iter()
        .chain(many.iter().take(MAX_ARRAY_ITEMS).filter_map(Value::as_str))
}

/// A non-negative number from a number, a numeric string, or the first element of an
/// array. Fractions are truncated; negative, non-finite and non-numeric values are absent.
pub(crate) fn unsigned(event: &Event, path: &str) -> Option<u64> {
    fn one(v: &Value) -> Option<u64> {
        match v {
            Value::Number(n) => n.as_u64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.is_finite() && *f >= 0.0)
                    .map(|f| f as u64)
            }),
            Value::String(s) => {
                let s = s.trim();
                s.parse::<u64>().ok().or_else(|| {
                    s.parse::<f64>()
                        .ok()
                        .filter(|f| f.is_finite() && *f >= 0.0)
                        .map(|f| f as u64)
                })
            }
            _ => None,
        }
    }
    match event.get(path)? {
        Value::Array(items) => items.first().and_then(one),
        other => one(other),
    }
}

/// Cuts `s` to at most `max` bytes on a character boundary, for evidence kept in state or
/// written into details.
pub(crate) fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(v: Value) -> Event {
        match v {
            Value::Object(map) => Event::from_object(map),
            _ => Event::new(),
        }
    }

    #[test]
    fn strings_numbers_and_arrays_are_accepted() {
        let e = event(json!({
            "a": "x", "b": ["", "-", "y"], "c": 4624, "d": "4624", "e": [12.7], "f": -3,
            "g": {"h": true}, "i": " 17 ", "j": 1e300
        }));
        assert_eq!(first_str(&e, "a"), Some("x"));
        assert_eq!(first_str(&e, "b"), Some("y"));
        assert_eq!(first_str(&e, "c"), None);
        assert_eq!(first_text(&e, "c").as_deref(), Some("4624"));
        assert_eq!(unsigned(&e, "c"), Some(4624));
        assert_eq!(unsigned(&e, "d"), Some(4624));
        assert_eq!(unsigned(&e, "e"), Some(12));
        assert_eq!(unsigned(&e, "f"), None);
        assert_eq!(unsigned(&e, "g"), None);
        assert_eq!(unsigned(&e, "i"), Some(17));
        assert_eq!(unsigned(&e, "j"), Some(u64::MAX));
        assert_eq!(each_str(&e, "b").count(), 3);
        assert_eq!(first_of(&e, &["zz", "a"]), Some("x"));
    }

    #[test]
    fn clip_respects_char_boundaries() {
        assert_eq!(clip("héllo", 2), "h");
        assert_eq!(clip("abc", 10), "abc");
    }
}
