//! What every detector produces: a [`Detection`], the raw material of an alert.
//!
//! Sigma rules, correlations, indicator matches and behaviour models are different
//! engines, but the site stores, de-duplicates and shows their output the same way, so
//! they all speak this one type. An alert is a detection plus what the site adds
//! (de-duplication window, count, first/last seen, asset).

use crate::{ecs, Event};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Which engine raised the detection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DetectionSource {
    Sigma,
    Correlation,
    Indicator,
    Behaviour,
}

impl DetectionSource {
    pub const ALL: [DetectionSource; 4] = [
        Self::Sigma,
        Self::Correlation,
        Self::Indicator,
        Self::Behaviour,
    ];

    /// The engine called `s` (as [`DetectionSource::as_str`] names it).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sigma => "sigma",
            Self::Correlation => "correlation",
            Self::Indicator => "indicator",
            Self::Behaviour => "behaviour",
        }
    }
}

/// Severity, in Sigma's vocabulary (which the other engines adopt).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    /// Lowest first.
    pub const ALL: [Level; 5] = [
        Self::Informational,
        Self::Low,
        Self::Medium,
        Self::High,
        Self::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Informational => "informational",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    /// Reads Sigma's level names; anything else is `None`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "informational" | "info" => Self::Informational,
            "low" => Self::Low,
            "medium" => Self::Medium,
            "high" => Self::High,
            "critical" => Self::Critical,
            _ => return None,
        })
    }
}

/// The things an alert is about, taken from the ECS fields of the events behind it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entities {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
}

impl Entities {
    /// Reads the entity fields of an ECS event (first value of arrays).
    pub fn from_event(event: &Event) -> Self {
        let first = |paths: &[&str]| {
            paths.iter().find_map(|p| match event.get(p) {
                Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
                Some(Value::Array(items)) => items
                    .iter()
                    .find_map(|v| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned)),
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            })
        };
        Self {
            source_ip: first(&[ecs::SOURCE_IP, "client.ip"]),
            destination_ip: first(&[ecs::DESTINATION_IP, "server.ip"]),
            user: first(&[ecs::USER_NAME, "source.user.name", "user.target.name"]),
            host: first(&[ecs::HOST_NAME, ecs::HOST_HOSTNAME, ecs::OBSERVER_HOSTNAME]),
            process: first(&["process.executable", "process.name"]),
            file: first(&["file.path", "file.name"]),
            domain: first(&["dns.question.name", "url.domain", "destination.domain"]),
            url: first(&["url.original", "url.full"]),
            hash: first(&["file.hash.sha256", "file.hash.md5", "file.hash.sha1"]),
        }
    }

    /// Fills the entities this one lacks from `other`.
    pub fn fill_from(&mut self, other: &Entities) {
        fn fill(slot: &mut Option<String>, other: &Option<String>) {
            if slot.is_none() {
                slot.clone_from(other);
            }
        }
        fill(&mut self.source_ip, &other.source_ip);
        fill(&mut self.destination_ip, &other.destination_ip);
        fill(&mut self.user, &other.user);
        fill(&mut self.host, &other.host);
        fill(&mut self.process, &other.process);
        fill(&mut self.file, &other.file);
        fill(&mut self.domain, &other.domain);
        fill(&mut self.url, &other.url);
        fill(&mut self.hash, &other.hash);
    }
}

/// One finding of one detector about one or more events.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    pub source: DetectionSource,
    /// The rule's id (Sigma UUID, indicator id, behaviour model name).
    pub rule_id: String,
    pub title: String,
    pub level: Level,
    /// ATT&CK and other tags, as the rule writes them (`attack.t1059.001`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The rule's author: the Detection Rule License asks alerts to keep it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// When it happened: the (last) triggering event's own time.
    pub timestamp: DateTime<Utc>,
    #[serde(default)]
    pub entities: Entities,
    /// Ids of the events behind it, where the events have ids (`event.id`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub event_ids: Vec<String>,
    /// Engine-specific facts: the indicator that matched, the correlation's group, counts.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub details: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_round_trip_and_match_serde() {
        for d in DetectionSource::ALL {
            assert_eq!(DetectionSource::parse(d.as_str()), Some(d));
            assert_eq!(json!(d), json!(d.as_str()));
        }
        assert_eq!(DetectionSource::parse("yara"), None);
        for l in Level::ALL {
            assert_eq!(Level::parse(l.as_str()), Some(l));
            assert_eq!(json!(l), json!(l.as_str()));
        }
        assert!(Level::ALL.windows(2).all(|w| w[0] < w[1]), "lowest first");
    }

    #[test]
    fn entities_come_from_ecs_fields() {
        let mut e = Event::new();
        e.set("source.ip", "10.0.0.1");
        e.set("user.name", json!(["", "alice"]));
        e.set("host.name", "web01");
        let ent = Entities::from_event(&e);
        assert_eq!(ent.source_ip.as_deref(), Some("10.0.0.1"));
        assert_eq!(ent.user.as_deref(), Some("alice"));
        assert_eq!(ent.host.as_deref(), Some("web01"));
        assert_eq!(ent.process, None);
    }

    #[test]
    fn levels_round_trip() {
        for l in [
            Level::Informational,
            Level::Low,
            Level::Medium,
            Level::High,
            Level::Critical,
        ] {
            assert_eq!(Level::parse(l.as_str()), Some(l));
        }
        assert_eq!(Level::parse("severe"), None);
        assert!(Level::Critical > Level::Low);
    }
}
