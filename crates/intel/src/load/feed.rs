//! Configured feeds: the `[[intel.feeds]]` entries of a role's TOML, loaded into one
//! set.

use super::{load_path, Format, LoadError, LoadOptions, LoadReport};
use crate::set::{IndicatorSet, IndicatorSetBuilder};
use crate::types::IndicatorType;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// One feed. Every key but `name` and `path` has a default.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    /// Recorded on every indicator as its source, and shown in alert titles.
    pub name: String,
    /// A file, or a directory (MISP feed with `manifest.json`, or files of any format).
    pub path: PathBuf,
    #[serde(default)]
    pub format: Format,
    /// Confidence (0-100) for entries that carry none.
    #[serde(default = "default_confidence")]
    pub confidence: u8,
    /// Entries without their own expiry expire this many days after their last-seen
    /// time (or after loading). Unset: they never expire.
    #[serde(default)]
    pub max_age_days: Option<u32>,
    /// MISP: also load `to_ids: false` attributes, at `non_ids_confidence`.
    #[serde(default)]
    pub include_non_ids: bool,
    #[serde(default = "default_non_ids_confidence")]
    pub non_ids_confidence: u8,
    /// STIX: also load bare observables (`ipv4-addr`, `domain-name`, `url`, `file`).
    #[serde(default = "yes")]
    pub stix_observables: bool,
    /// CSV: the column holding the value.
    #[serde(default)]
    pub value_column: Option<String>,
    /// Lists: the type of every value, instead of detecting it per line.
    #[serde(default, rename = "type")]
    pub kind: Option<IndicatorType>,
    /// Whether domain indicators also match subdomains.
    #[serde(default = "yes")]
    pub subdomains: bool,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn default_confidence() -> u8 {
    50
}
fn default_non_ids_confidence() -> u8 {
    20
}
fn yes() -> bool {
    true
}

impl FeedConfig {
    /// A feed with every default.
    pub fn new(name: impl Into<String>, path: impl Into<PathBuf>) -> Self {
        Self {
            name: name.into(),
            path: path.into(),
            format: Format::Auto,
            confidence: default_confidence(),
            max_age_days: None,
            include_non_ids: false,
            non_ids_confidence: default_non_ids_confidence(),
            stix_observables: true,
            value_column: None,
            kind: None,
            subdomains: true,
            enabled: true,
        }
    }

    pub fn options(&self, now: DateTime<Utc>) -> LoadOptions {
        LoadOptions {
            source: self.name.clone(),
            confidence: self.confidence.min(100),
            max_age: self.max_age_days.map(|d| Duration::days(i64::from(d))),
            include_non_ids: self.include_non_ids,
            non_ids_confidence: self.non_ids_confidence.min(100),
            stix_observables: self.stix_observables,
            value_column: self.value_column.clone(),
            kind: self.kind,
            subdomains: self.subdomains,
            now,
        }
    }
}

/// How one feed went.
#[derive(Debug)]
pub struct FeedOutcome {
    pub name: String,
    pub result: Result<LoadReport, LoadError>,
}

/// Loads every enabled feed into one set. A feed that fails leaves the others
/// loaded; its error is in its outcome.
pub fn load_feeds(feeds: &[FeedConfig], now: DateTime<Utc>) -> (IndicatorSet, Vec<FeedOutcome>) {
    let mut builder = IndicatorSetBuilder::new();
    let outcomes = feeds
        .iter()
        .filter(|f| f.enabled)
        .map(|f| FeedOutcome {
            name: f.name.clone(),
            result: load_path(&mut builder, &f.path, f.format, &f.options(now)),
        })
        .collect();
    (builder.build(), outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Intel {
        feeds: Vec<FeedConfig>,
    }

    #[test]
    fn config_reads_with_defaults_and_loads() {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("ips.txt");
        std::fs::write(&list, "198.51.100.7\n").unwrap();
        let json = format!(
            r#"{{"feeds": [
                {{"name": "ips", "path": {:?}, "confidence": 90, "max_age_days": 30}},
                {{"name": "gone", "path": "/nonexistent/feed.csv", "format": "csv", "type": "ip"}},
                {{"name": "off", "path": "/x", "enabled": false}}
            ]}}"#,
            list.display().to_string()
        );
        let intel: Intel = serde_json::from_str(&json).unwrap();
        assert_eq!(intel.feeds[1].format, Format::List);
        assert_eq!(intel.feeds[1].kind, Some(IndicatorType::Ip));
        assert!(intel.feeds[0].subdomains && intel.feeds[0].stix_observables);
        let now = Utc::now();
        let (set, outcomes) = load_feeds(&intel.feeds, now);
        assert_eq!(outcomes.len(), 2);
        assert_eq!(outcomes[0].result.as_ref().unwrap().loaded, 1);
        assert!(outcomes[1]
            .result
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("/nonexistent/feed.csv"));
        let hit = &set.lookup("198.51.100.7", now)[0].0;
        assert_eq!((hit.source.as_str(), hit.confidence), ("ips", 90));
        assert!(hit.expiry.is_some());

        let bad = serde_json::from_str::<Intel>(
            r#"{"feeds": [{"name": "x", "path": "/x", "colour": 1}]}"#,
        );
        assert!(bad.is_err(), "unknown keys are refused");
    }
}
