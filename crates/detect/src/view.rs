//! The event as a Sigma rule sees it: field names → values, plus its log source.
//!
//! Events arrive in two shapes. Raw Windows events (EVTX turned into JSON:
//! `Event.System.*`, `Event.EventData.*`) carry Sigma's own field names. ECS documents
//! from the parser library carry ECS paths, and Windows ones keep the original names
//! under `winlog.event_data`. The view gives every value under every name a rule may
//! use for it: the Sigma name, the dotted ECS path, and the ECS→Sigma aliases of
//! [`crate::mapping`]. Names are looked up case-insensitively, as pySigma's SQL
//! backends do.

use crate::logsource::{self, EventSource};
use crate::mapping;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// One value of one field, as written and ASCII-lowercased.
#[derive(Clone, Debug)]
pub struct FieldValue {
    pub raw: String,
    pub lower: String,
}

impl FieldValue {
    fn new(raw: String) -> Self {
        let lower = raw.to_ascii_lowercase();
        Self { raw, lower }
    }
}

/// Values are stored once; names point at them, so aliases cost no copies.
#[derive(Debug, Default)]
pub struct EventView {
    values: Vec<FieldValue>,
    /// Lowercased field name → indexes into `values`.
    names: HashMap<String, Vec<u32>>,
    pub source: EventSource,
    pub time: Option<DateTime<Utc>>,
    /// Every value, lowered, separated by NUL: what the literal prefilter scans.
    haystack: String,
}

/// Deeper nesting than this is not indexed: no rule addresses it and hostile input
/// must not cost unbounded work.
const MAX_DEPTH: usize = 16;

impl EventView {
    /// Builds the view of a JSON event of either shape.
    pub fn from_json(doc: &Map<String, Value>) -> Self {
        let mut view = Self::default();
        let evtx = doc
            .get("Event")
            .and_then(Value::as_object)
            .filter(|e| e.get("System").is_some_and(Value::is_object));
        match evtx {
            Some(event) => view.index_evtx(event),
            None => view.index_ecs(doc),
        }
        view.source = logsource::classify(&view);
        view.apply_category_aliases();
        view
    }

    fn push(&mut self, value: String) -> u32 {
        let v = FieldValue::new(value);
        if !self.haystack.is_empty() {
            self.haystack.push('\0');
        }
        self.haystack.push_str(&v.lower);
        self.values.push(v);
        (self.values.len() - 1) as u32
    }

    fn name(&mut self, name: &str, index: u32) {
        let key = name.to_ascii_lowercase();
        let slot = self.names.entry(key).or_default();
        if !slot.contains(&index) {
            slot.push(index);
        }
    }

    /// Adds `value` under `name` (arrays become several values; objects are skipped).
    fn add(&mut self, name: &str, value: &Value) -> Vec<u32> {
        let mut added = Vec::new();
        match value {
            Value::Array(items) => {
                for item in items {
                    if let Some(s) = scalar_text(item) {
                        let i = self.push(s);
                        self.name(name, i);
                        added.push(i);
                    }
                }
            }
            other => {
                if let Some(s) = scalar_text(other) {
                    let i = self.push(s);
                    self.name(name, i);
                    added.push(i);
                }
            }
        }
        added
    }

    /// Gives the values already under `from` the extra name `to`, unless `to` has values.
    pub(crate) fn alias(&mut self, from: &str, to: &str) {
        let to_key = to.to_ascii_lowercase();
        if self.names.contains_key(&to_key) {
            return;
        }
        if let Some(indexes) = self.names.get(&from.to_ascii_lowercase()).cloned() {
            self.names.insert(to_key, indexes);
        }
    }

    fn index_evtx(&mut self, event: &Map<String, Value>) {
        if let Some(system) = event.get("System").and_then(Value::as_object) {
            for (key, value) in system {
                match value {
                    Value::Object(obj) => {
                        if let Some(text) = obj.get("#text") {
                            self.add(key, text);
                        }
                        if let Some(attrs) = obj.get("#attributes").and_then(Value::as_object) {
                            for (attr, v) in attrs {
                                self.add(&format!("{key}_{attr}"), v);
                            }
                        }
                    }
                    other => {
                        self.add(key, other);
                    }
                }
            }
        }
        if let Some(time) = self
            .first("TimeCreated_SystemTime")
            .and_then(|t| parse_time(&t.raw))
        {
            self.time = Some(time);
        }
        for section in ["EventData", "UserData"] {
            if let Some(data) = event.get(section) {
                self.index_event_data(data, 0);
            }
        }
    }

    /// `EventData` comes as `{Name: value}` (evtx's JSON) or as a `Data` list of
    /// `{"#attributes": {"Name": ..}, "#text": ..}` (the XML shape); `UserData` nests one
    /// provider-specific element deeper. Spaces are removed from names, which is how
    /// Sigma rules spell them (`Threat Name` → `ThreatName`).
    fn index_event_data(&mut self, data: &Value, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match data {
            Value::Object(map) => {
                for (key, value) in map {
                    if key == "#attributes" {
                        continue;
                    }
                    let name: String = key.chars().filter(|c| !c.is_whitespace()).collect();
                    match value {
                        Value::Object(inner) if inner.contains_key("#text") => {
                            if let Some(text) = inner.get("#text") {
                                self.add(&name, text);
                            }
                        }
                        Value::Object(_) => self.index_event_data(value, depth + 1),
                        Value::Array(items) if items.iter().any(Value::is_object) => {
                            for item in items {
                                self.index_named_data(&name, item, depth + 1);
                            }
                        }
                        other => {
                            self.add(&name, other);
                        }
                    }
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.index_event_data(item, depth + 1);
                }
            }
            _ => {}
        }
    }

    fn index_named_data(&mut self, list_name: &str, item: &Value, depth: usize) {
        let named = item
            .get("#attributes")
            .and_then(|a| a.get("Name"))
            .and_then(Value::as_str);
        match (named, item.get("#text")) {
            (Some(name), Some(text)) => {
                let name: String = name.chars().filter(|c| !c.is_whitespace()).collect();
                self.add(&name, text);
            }
            (None, Some(text)) => {
                self.add(list_name, text);
            }
            _ => self.index_event_data(item, depth),
        }
    }

    fn index_ecs(&mut self, doc: &Map<String, Value>) {
        let mut path = String::new();
        self.walk(doc, &mut path, 0);
        if let Some(t) = self.first("@timestamp").and_then(|t| parse_time(&t.raw)) {
            self.time = Some(t);
        }
        // Windows events normalised by the parser library keep Sigma's names here.
        let event_data: Vec<(String, Vec<u32>)> = self
            .names
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("winlog.event_data.")
                    .map(|leaf| (leaf.to_owned(), v.clone()))
            })
            .collect();
        for (leaf, indexes) in event_data {
            let leaf: String = leaf.chars().filter(|c| !c.is_whitespace()).collect();
            self.names.entry(leaf).or_insert(indexes);
        }
        for (ecs, sigma) in mapping::ECS_TO_SIGMA {
            self.alias(ecs, sigma);
        }
    }

    fn walk(&mut self, map: &Map<String, Value>, path: &mut String, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        for (key, value) in map {
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(key);
            match value {
                Value::Object(inner) => self.walk(inner, path, depth + 1),
                other => {
                    let p = path.clone();
                    self.add(&p, other);
                }
            }
            path.truncate(len);
        }
    }

    /// Log-source specific renames (Security 4688 `NewProcessName` is Sigma's `Image`).
    fn apply_category_aliases(&mut self) {
        for (category, from, to) in mapping::CATEGORY_ALIASES {
            if self.source.categories.iter().any(|c| c == category) {
                self.alias(from, to);
            }
        }
    }

    /// Values of a field, by Sigma name or dotted path (case-insensitive).
    pub fn get(&self, name: &str) -> impl Iterator<Item = &FieldValue> {
        let key = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            std::borrow::Cow::Owned(name.to_ascii_lowercase())
        } else {
            std::borrow::Cow::Borrowed(name)
        };
        self.names
            .get(key.as_ref())
            .into_iter()
            .flatten()
            .filter_map(|&i| self.values.get(i as usize))
    }

    pub fn first(&self, name: &str) -> Option<&FieldValue> {
        self.get(name).next()
    }

    pub fn has(&self, name: &str) -> bool {
        self.first(name).is_some()
    }

    /// Every value of the event (keyword searches look at all of them).
    pub fn values(&self) -> &[FieldValue] {
        &self.values
    }

    pub fn haystack(&self) -> &str {
        &self.haystack
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    steward_model::time::parse_timestamp(s).or_else(|| {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
            .ok()
            .map(|n| n.and_utc())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn view(v: Value) -> EventView {
        EventView::from_json(v.as_object().unwrap())
    }

    fn vals(v: &EventView, name: &str) -> Vec<String> {
        v.get(name).map(|f| f.raw.clone()).collect()
    }

    #[test]
    fn evtx_json_gets_sigma_names() {
        let v = view(json!({"Event": {
            "System": {
                "Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon"}},
                "EventID": {"#text": 1, "#attributes": {"Qualifiers": 0}},
                "Channel": "Microsoft-Windows-Sysmon/Operational",
                "TimeCreated": {"#attributes": {"SystemTime": "2025-12-25T14:30:27.369114Z"}},
                "Correlation": null
            },
            "EventData": {"Image": "C:\\x.exe", "Threat Name": "EICAR", "ProcessId": 5}
        }}));
        assert_eq!(vals(&v, "EventID"), ["1"]);
        assert_eq!(vals(&v, "provider_name"), ["Microsoft-Windows-Sysmon"]);
        assert_eq!(vals(&v, "ThreatName"), ["EICAR"]);
        assert_eq!(vals(&v, "ProcessId"), ["5"]);
        assert!(!v.has("Correlation"));
        assert!(v.time.is_some());
        assert!(v.source.categories.iter().any(|c| c == "process_creation"));
    }

    #[test]
    fn xml_shaped_event_data() {
        let v = view(json!({"Event": {
            "System": {"EventID": 4688, "Channel": "Security"},
            "EventData": {"Data": [
                {"#attributes": {"Name": "NewProcessName"}, "#text": "C:\\a.exe"},
                {"#attributes": {"Name": "CommandLine"}, "#text": "a.exe -x"}
            ]}
        }}));
        assert_eq!(vals(&v, "NewProcessName"), ["C:\\a.exe"]);
        // 4688 is a process creation: Sigma's Image is the new process's name.
        assert_eq!(vals(&v, "Image"), ["C:\\a.exe"]);
    }

    #[test]
    fn ecs_paths_and_aliases() {
        let v = view(json!({
            "@timestamp": "2026-01-01T00:00:00Z",
            "process": {"command_line": "whoami /all", "executable": "C:\\w.exe"},
            "winlog": {"event_data": {"Image": "C:\\w.exe", "Parent Image": "p"}},
            "tags": ["a", "b"]
        }));
        assert_eq!(vals(&v, "process.command_line"), ["whoami /all"]);
        assert_eq!(vals(&v, "CommandLine"), ["whoami /all"]);
        assert_eq!(vals(&v, "Image"), ["C:\\w.exe"]);
        assert_eq!(vals(&v, "ParentImage"), ["p"]);
        assert_eq!(vals(&v, "tags"), ["a", "b"]);
        assert!(v.haystack().contains("whoami /all"));
    }

    #[test]
    fn hostile_nesting_is_bounded() {
        let mut deep = json!("x");
        for _ in 0..200 {
            deep = json!({ "a": deep });
        }
        let v = view(json!({ "root": deep }));
        assert!(v.values().is_empty());
    }
}
