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

/// Field names come from events (outside data) but the table lives for one event; a
/// fast seeded hasher is enough.
type Names = HashMap<String, Vec<u32>, foldhash::fast::RandomState>;

/// One value of one field, as written and ASCII-lowercased.
#[derive(Clone, Copy, Debug)]
pub struct FieldValue<'a> {
    pub raw: &'a str,
    pub lower: &'a str,
}

/// Values are stored once, as byte ranges into two buffers (as written, and lowered:
/// ASCII lowering keeps byte offsets); names point at them, so aliases cost no copies
/// and a value costs no allocation of its own.
#[derive(Debug, Default)]
pub struct EventView {
    spans: Vec<(u32, u32)>,
    /// Lowercased field name → indexes into `spans`.
    names: Names,
    pub source: EventSource,
    pub time: Option<DateTime<Utc>>,
    raw_text: String,
    /// Every value, lowered, separated by NUL: what the literal prefilter scans.
    haystack: String,
}

/// Deeper nesting than this is not indexed: no rule addresses it and hostile input
/// must not cost unbounded work.
const MAX_DEPTH: usize = 16;

/// Values longer than this are indexed cut to it: no rule needs more, and a hostile
/// multi-megabyte field must not multiply the prefilter's work.
const MAX_VALUE_BYTES: usize = 64 * 1024;

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

    fn push(&mut self, value: &str) -> u32 {
        let mut end = value.len().min(MAX_VALUE_BYTES);
        while !value.is_char_boundary(end) {
            end -= 1;
        }
        let value = &value[..end];
        if !self.haystack.is_empty() {
            self.haystack.push('\0');
            self.raw_text.push('\0');
        }
        let start = self.haystack.len();
        self.raw_text.push_str(value);
        self.haystack.push_str(value);
        self.haystack[start..].make_ascii_lowercase();
        self.spans.push((start as u32, self.haystack.len() as u32));
        (self.spans.len() - 1) as u32
    }

    fn value(&self, i: u32) -> Option<FieldValue<'_>> {
        let &(a, b) = self.spans.get(i as usize)?;
        let (a, b) = (a as usize, b as usize);
        Some(FieldValue {
            raw: self.raw_text.get(a..b)?,
            lower: self.haystack.get(a..b)?,
        })
    }

    /// `key` must be lowercase.
    fn name_lowered(&mut self, key: &str, index: u32) {
        match self.names.get_mut(key) {
            Some(slot) => {
                if !slot.contains(&index) {
                    slot.push(index);
                }
            }
            None => {
                self.names.insert(key.to_owned(), vec![index]);
            }
        }
    }

    fn name(&mut self, name: &str, index: u32) {
        if name.bytes().any(|b| b.is_ascii_uppercase()) {
            self.name_lowered(&name.to_ascii_lowercase(), index);
        } else {
            self.name_lowered(name, index);
        }
    }

    /// Adds `value` under `name` (arrays become several values; objects are skipped).
    fn add(&mut self, name: &str, value: &Value) {
        match value {
            Value::Array(items) => {
                for item in items {
                    self.add_scalar(name, item);
                }
            }
            other => self.add_scalar(name, other),
        }
    }

    fn add_scalar(&mut self, name: &str, value: &Value) {
        let i = match value {
            Value::String(s) => self.push(s),
            Value::Number(n) => self.push(&n.to_string()),
            Value::Bool(b) => self.push(if *b { "true" } else { "false" }),
            _ => return,
        };
        self.name(name, i);
    }

    /// Gives the values already under `from` the extra name `to`, unless `to` has values.
    /// `from` and `to` must already be lowercase.
    pub(crate) fn alias(&mut self, from: &str, to: &str) {
        if self.names.contains_key(to) {
            return;
        }
        if let Some(indexes) = self.names.get(from).cloned() {
            self.names.insert(to.to_owned(), indexes);
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
            .and_then(|t| parse_time(t.raw))
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
        if let Some(t) = self.first("@timestamp").and_then(|t| parse_time(t.raw)) {
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
        for (ecs, sigma) in mapping::ecs_to_sigma_lowered() {
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
        for (category, from, to) in mapping::category_aliases_lowered() {
            if self.source.categories.iter().any(|c| c == category) {
                self.alias(from, to);
            }
        }
    }

    /// Values of a field, by Sigma name or dotted path (case-insensitive).
    pub fn get(&self, name: &str) -> impl Iterator<Item = FieldValue<'_>> {
        let key = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            std::borrow::Cow::Owned(name.to_ascii_lowercase())
        } else {
            std::borrow::Cow::Borrowed(name)
        };
        self.names
            .get(key.as_ref())
            .into_iter()
            .flatten()
            .filter_map(|&i| self.value(i))
    }

    pub fn first(&self, name: &str) -> Option<FieldValue<'_>> {
        self.get(name).next()
    }

    pub fn has(&self, name: &str) -> bool {
        self.first(name).is_some()
    }

    /// Every value of the event (keyword searches look at all of them).
    pub fn values(&self) -> impl Iterator<Item = FieldValue<'_>> {
        (0..self.spans.len() as u32).filter_map(|i| self.value(i))
    }

    pub fn haystack(&self) -> &str {
        &self.haystack
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
        v.get(name).map(|f| f.raw.to_owned()).collect()
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
        assert_eq!(v.values().count(), 0);
    }
}
