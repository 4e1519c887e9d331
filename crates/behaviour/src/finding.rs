//! Turning a model's finding into a [`Detection`].

use crate::fields::{clip, first_text};
use crate::view::EventView;
use serde_json::{Map, Value};
use steward_model::{Detection, DetectionSource, Entities, Level};

/// Evidence strings written into details are cut to this many bytes.
pub(crate) const EVIDENCE_BYTES: usize = 512;

pub(crate) struct Finding {
    pub model: &'static str,
    pub variant: &'static str,
    pub title: String,
    pub level: Level,
    pub tags: &'static [&'static str],
    pub details: Map<String, Value>,
    pub entities: Entities,
}

impl Finding {
    pub(crate) fn new(
        model: &'static str,
        variant: &'static str,
        level: Level,
        tags: &'static [&'static str],
        title: String,
    ) -> Self {
        Self {
            model,
            variant,
            title,
            level,
            tags,
            details: Map::new(),
            entities: Entities::default(),
        }
    }

    pub(crate) fn detail(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_owned(), value.into());
        self
    }

    /// Sets entities from the model's key; the event's own entities fill the rest.
    pub(crate) fn entities(mut self, f: impl FnOnce(&mut Entities)) -> Self {
        f(&mut self.entities);
        self
    }

    pub(crate) fn into_detection(self, view: &EventView<'_>) -> Detection {
        let mut entities = self.entities;
        entities.fill_from(&Entities::from_event(view.event));
        clip_entities(&mut entities);
        let mut details = Map::new();
        details.insert("model".into(), self.model.into());
        details.insert("variant".into(), self.variant.into());
        details.extend(self.details);
        for value in details.values_mut() {
            clip_value(value, 0);
        }
        Detection {
            source: DetectionSource::Behaviour,
            rule_id: format!("behaviour.{}", self.model),
            title: clip(&self.title, EVIDENCE_BYTES).to_owned(),
            level: self.level,
            tags: self.tags.iter().map(|t| (*t).to_owned()).collect(),
            author: None,
            timestamp: view.time,
            entities,
            event_ids: first_text(view.event, "event.id")
                .map(|id| vec![clip(&id, 256).to_owned()])
                .unwrap_or_default(),
            details,
        }
    }
}

/// Entities come from event fields of any size; an alert needs only their start.
fn clip_entities(e: &mut Entities) {
    for s in [
        &mut e.source_ip,
        &mut e.destination_ip,
        &mut e.user,
        &mut e.host,
        &mut e.process,
        &mut e.file,
        &mut e.domain,
        &mut e.url,
        &mut e.hash,
    ]
    .into_iter()
    .flatten()
    {
        if s.len() > EVIDENCE_BYTES {
            *s = clip(s, EVIDENCE_BYTES).to_owned();
        }
    }
}

/// Titles and details quote event fields of any size: cut every string in them.
fn clip_value(value: &mut Value, depth: usize) {
    match value {
        Value::String(s) if s.len() > EVIDENCE_BYTES => *s = clip(s, EVIDENCE_BYTES).to_owned(),
        Value::Array(items) if depth < 4 => items.iter_mut().for_each(|v| clip_value(v, depth + 1)),
        Value::Object(map) if depth < 4 => map.values_mut().for_each(|v| clip_value(v, depth + 1)),
        _ => {}
    }
}

/// A string for details, cut to the evidence size.
pub(crate) fn evidence(s: &str) -> Value {
    Value::String(clip(s, EVIDENCE_BYTES).to_owned())
}

/// A window length for titles: "5 min", "1 h", "90 s".
pub(crate) fn span(secs: u64) -> String {
    if secs >= 3600 && secs.is_multiple_of(3600) {
        format!("{} h", secs / 3600)
    } else if secs >= 60 && secs.is_multiple_of(60) {
        format!("{} min", secs / 60)
    } else {
        format!("{secs} s")
    }
}
