//! The event document: an ECS object tree addressed by dotted paths.
//!
//! ECS documents are nested JSON objects (`{"source":{"ip":"..."}}`). Parsers, the store
//! and the query evaluator all address fields as dotted paths (`source.ip`), so the
//! document keeps the nested form and this type does the path walking in one place.

use crate::{ecs, time, Origin};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One normalised event: an ECS document.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Event {
    doc: Map<String, Value>,
}

impl Event {
    pub fn new() -> Self {
        Self::default()
    }

    /// Wraps an existing object. Keys containing dots are expanded into nested objects,
    /// so `{"source.ip": "1.2.3.4"}` and `{"source": {"ip": "1.2.3.4"}}` are the same event.
    pub fn from_object(object: Map<String, Value>) -> Self {
        let mut event = Self::new();
        event.merge_object(object);
        event
    }

    pub fn as_object(&self) -> &Map<String, Value> {
        &self.doc
    }

    pub fn into_object(self) -> Map<String, Value> {
        self.doc
    }

    pub fn is_empty(&self) -> bool {
        self.doc.is_empty()
    }

    /// Deep-merges `object` into the document; values from `object` win on conflict.
    pub fn merge_object(&mut self, object: Map<String, Value>) {
        for (key, value) in object {
            match value {
                Value::Object(inner) => {
                    for (sub, v) in inner {
                        let path = format!("{key}.{sub}");
                        self.merge_value(&path, v);
                    }
                    // Keep empty objects out: ECS treats them as absent.
                }
                other => self.set(&key, other),
            }
        }
    }

    fn merge_value(&mut self, path: &str, value: Value) {
        match value {
            Value::Object(inner) => {
                for (sub, v) in inner {
                    self.merge_value(&format!("{path}.{sub}"), v);
                }
            }
            other => self.set(path, other),
        }
    }

    /// Sets a field by dotted path, creating intermediate objects. A scalar standing where
    /// an object is needed is replaced, as in Elasticsearch's dot-expander.
    pub fn set(&mut self, path: &str, value: impl Into<Value>) {
        let value = value.into();
        let mut parts = path.split('.').filter(|p| !p.is_empty()).peekable();
        let mut node = &mut self.doc;
        while let Some(part) = parts.next() {
            if parts.peek().is_none() {
                match node.get_mut(part) {
                    Some(slot) => *slot = value,
                    None => {
                        node.insert(part.to_owned(), value);
                    }
                }
                return;
            }
            // Look up before inserting: allocating the key is the expensive part, and on
            // the hot path the intermediate objects usually exist already.
            if !node.get(part).is_some_and(Value::is_object) {
                node.insert(part.to_owned(), Value::Object(Map::new()));
            }
            node = match node.get_mut(part) {
                Some(Value::Object(map)) => map,
                _ => return,
            };
        }
    }

    /// Sets a field only when it is not present yet.
    pub fn set_if_absent(&mut self, path: &str, value: impl Into<Value>) {
        if self.get(path).is_none() {
            self.set(path, value);
        }
    }

    /// Sets a string field unless the value is empty or a placeholder dash.
    pub fn set_str(&mut self, path: &str, value: &str) {
        if !value.is_empty() && value != "-" {
            self.set(path, value);
        }
    }

    pub fn get(&self, path: &str) -> Option<&Value> {
        let mut parts = path.split('.');
        let first = parts.next()?;
        let mut value = self.doc.get(first)?;
        for part in parts {
            value = value.as_object()?.get(part)?;
        }
        Some(value)
    }

    pub fn get_str(&self, path: &str) -> Option<&str> {
        self.get(path).and_then(Value::as_str)
    }

    /// Integer value of a field, accepting numbers and numeric strings.
    pub fn get_i64(&self, path: &str) -> Option<i64> {
        match self.get(path)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn remove(&mut self, path: &str) -> Option<Value> {
        let (parent, last) = match path.rsplit_once('.') {
            Some((parent, last)) => (Some(parent), last),
            None => (None, path),
        };
        let map = match parent {
            None => &mut self.doc,
            Some(parent) => {
                let mut node = &mut self.doc;
                for part in parent.split('.') {
                    node = node.get_mut(part)?.as_object_mut()?;
                }
                node
            }
        };
        map.remove(last)
    }

    /// Appends `value` to the array at `path` unless it is already there. A scalar at
    /// `path` becomes the first element of the array.
    pub fn push_unique(&mut self, path: &str, value: impl Into<Value>) {
        let value = value.into();
        match self.get(path).cloned() {
            None => self.set(path, Value::Array(vec![value])),
            Some(Value::Array(mut items)) => {
                if !items.contains(&value) {
                    items.push(value);
                    self.set(path, Value::Array(items));
                }
            }
            Some(other) => {
                if other != value {
                    self.set(path, Value::Array(vec![other, value]));
                }
            }
        }
    }

    pub fn add_tag(&mut self, tag: &str) {
        self.push_unique(ecs::TAGS, tag);
    }

    pub fn has_tag(&self, tag: &str) -> bool {
        match self.get(ecs::TAGS) {
            Some(Value::Array(items)) => items.iter().any(|t| t.as_str() == Some(tag)),
            Some(Value::String(s)) => s == tag,
            _ => false,
        }
    }

    /// The event's own time (`@timestamp`), when it has a valid one.
    pub fn timestamp(&self) -> Option<DateTime<Utc>> {
        self.get_str(ecs::TIMESTAMP).and_then(time::parse_timestamp)
    }

    pub fn set_timestamp(&mut self, path: &str, t: DateTime<Utc>) {
        self.set(path, time::ecs_timestamp(t));
    }

    /// Stamps the site and tenant that own this event.
    pub fn stamp_origin(&mut self, origin: &Origin) {
        self.set(ecs::STEWARD_SITE_ID, origin.site.as_str());
        if !origin.tenant.as_str().is_empty() {
            self.set(ecs::STEWARD_TENANT_ID, origin.tenant.as_str());
        }
    }

    /// Every leaf as `(dotted path, value)`; arrays are leaves.
    pub fn flatten(&self) -> Vec<(String, &Value)> {
        fn walk<'a>(prefix: &str, map: &'a Map<String, Value>, out: &mut Vec<(String, &'a Value)>) {
            for (key, value) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                match value {
                    Value::Object(inner) => walk(&path, inner, out),
                    other => out.push((path, other)),
                }
            }
        }
        let mut out = Vec::new();
        walk("", &self.doc, &mut out);
        out
    }

    pub fn to_json(&self) -> String {
        // Serialising a Map of Values cannot fail: keys are strings, no custom Serialize.
        serde_json::to_string(&self.doc).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dotted_paths_build_nested_objects() {
        let mut e = Event::new();
        e.set("source.ip", "10.0.0.1");
        e.set("source.port", 443);
        e.set("@timestamp", "2026-01-01T00:00:00.000Z");
        assert_eq!(
            Value::Object(e.as_object().clone()),
            json!({"source": {"ip": "10.0.0.1", "port": 443}, "@timestamp": "2026-01-01T00:00:00.000Z"})
        );
        assert_eq!(e.get_str("source.ip"), Some("10.0.0.1"));
        assert_eq!(e.get_i64("source.port"), Some(443));
        assert!(e.get("source.ip.x").is_none());
        assert_eq!(e.remove("source.port"), Some(json!(443)));
        assert!(e.get("source.port").is_none());
    }

    #[test]
    fn dotted_keys_in_input_are_expanded() {
        let obj = json!({"source.ip": "1.2.3.4", "source": {"port": 5}, "a": {"b.c": 1}});
        let e = Event::from_object(obj.as_object().unwrap().clone());
        assert_eq!(e.get_str("source.ip"), Some("1.2.3.4"));
        assert_eq!(e.get_i64("source.port"), Some(5));
        assert_eq!(e.get_i64("a.b.c"), Some(1));
    }

    #[test]
    fn scalars_are_replaced_by_objects_when_needed() {
        let mut e = Event::new();
        e.set("host", "web01");
        e.set("host.name", "web01");
        assert_eq!(e.get_str("host.name"), Some("web01"));
    }

    #[test]
    fn tags_and_unique_arrays() {
        let mut e = Event::new();
        e.add_tag("a");
        e.add_tag("a");
        e.add_tag("b");
        assert_eq!(e.get("tags"), Some(&json!(["a", "b"])));
        assert!(e.has_tag("b"));
        e.set("related.ip", "1.1.1.1");
        e.push_unique("related.ip", "2.2.2.2");
        assert_eq!(e.get("related.ip"), Some(&json!(["1.1.1.1", "2.2.2.2"])));
    }

    #[test]
    fn flatten_lists_leaves() {
        let mut e = Event::new();
        e.set("a.b", 1);
        e.set("a.c", json!([1, 2]));
        let mut flat: Vec<_> = e.flatten().into_iter().map(|(k, _)| k).collect();
        flat.sort();
        assert_eq!(flat, vec!["a.b", "a.c"]);
    }
}
