//! Loading indicator feeds: STIX 2.1 bundles, MISP events and feed directories,
//! CSV and plain lists.
//!
//! Every loader inserts into an [`IndicatorSetBuilder`] and returns a [`LoadReport`].
//! A file that cannot be read or is not the format at all is an `Err` naming the file;
//! inside a readable file, bad entries are skipped and counted, never fatal, and the
//! first few are described in [`LoadReport::problems`].

mod csv;
pub mod feed;
pub mod list;
pub mod misp;
pub mod stix;
mod stix_pattern;

use crate::set::IndicatorSetBuilder;
use crate::types::{Attrs, IndicatorType, IndicatorValue};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Display;
use std::path::Path;
use thiserror::Error;

pub use feed::{load_feeds, FeedConfig, FeedOutcome};

/// How many problems a report describes in words (the rest are only counted).
pub const MAX_PROBLEMS: usize = 20;

/// A feed that could not be loaded at all.
#[derive(Debug, Error)]
pub enum LoadError {
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: not valid JSON: {reason}")]
    Json { file: String, reason: String },
    #[error("{file}: {reason}")]
    Format { file: String, reason: String },
}

impl LoadError {
    pub(crate) fn format(file: &str, reason: impl Into<String>) -> Self {
        Self::Format {
            file: file.to_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            file: path.display().to_string(),
            source,
        }
    }
}

/// The file format of a feed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Sniffed from the content (and `manifest.json` for directories).
    #[default]
    Auto,
    Stix,
    Misp,
    /// CSV or one value per line.
    #[serde(alias = "csv")]
    List,
}

/// What a loader does with a feed's entries.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Feed name recorded on every indicator (and in derived ids).
    pub source: String,
    /// Confidence (0-100) when the feed gives none.
    pub confidence: u8,
    /// When set, an indicator without an explicit expiry expires this long after its
    /// own last-seen / modified time (or after `now` when it has none).
    pub max_age: Option<Duration>,
    /// MISP: load attributes with `to_ids: false` too (at `non_ids_confidence`).
    /// Off by default: MISP marks context (reference links, benign infrastructure)
    /// that way, and detecting on it is what `to_ids` exists to prevent.
    pub include_non_ids: bool,
    pub non_ids_confidence: u8,
    /// STIX: load bare observables (`ipv4-addr`, `domain-name`, `url`, `file` objects)
    /// as well as `indicator` patterns.
    pub stix_observables: bool,
    /// CSV: the column holding the value (else the first known column name).
    pub value_column: Option<String>,
    /// Lists: take every value as this type instead of detecting it.
    pub kind: Option<IndicatorType>,
    /// Whether domain indicators also match their subdomains (MISP `hostname`
    /// attributes never do).
    pub subdomains: bool,
    /// The load time: the base of `max_age` for entries without their own time.
    pub now: DateTime<Utc>,
}

impl LoadOptions {
    pub fn new(source: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            confidence: 50,
            max_age: None,
            include_non_ids: false,
            non_ids_confidence: 20,
            stix_observables: true,
            value_column: None,
            kind: None,
            subdomains: true,
            now: Utc::now(),
        }
    }

    /// The expiry for an entry: its own, else `seen + max_age` when aging is on.
    pub(crate) fn expiry(
        &self,
        explicit: Option<DateTime<Utc>>,
        seen: Option<DateTime<Utc>>,
    ) -> Option<DateTime<Utc>> {
        explicit.or_else(|| {
            let age = self.max_age?;
            seen.unwrap_or(self.now).checked_add_signed(age)
        })
    }
}

/// What a load did. Counts are of values (one STIX pattern or CSV row may hold
/// several, an address range becomes several networks but counts once).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LoadReport {
    /// Files read.
    pub files: usize,
    /// Files that could not be read or parsed (in directories; a single bad file is
    /// an `Err` instead).
    pub failed_files: usize,
    /// Values stored.
    pub loaded: usize,
    pub by_type: BTreeMap<IndicatorType, usize>,
    /// Entries in a form this index cannot express (STIX patterns with AND across
    /// objects, MATCHES, temporal qualifiers; MISP types like `regkey`, `text`).
    pub unsupported: usize,
    /// Entries that were malformed (bad value, garbage line).
    pub invalid: usize,
    /// Entries left out on purpose (MISP `to_ids: false`, revoked or deleted).
    pub skipped: usize,
    /// The first [`MAX_PROBLEMS`] problems, as `file:where: what`.
    pub problems: Vec<String>,
}

impl LoadReport {
    pub(crate) fn problem(&mut self, file: &str, at: impl Display, what: impl Display) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(format!("{file}:{at}: {what}"));
        }
    }

    pub(crate) fn invalid(&mut self, file: &str, at: impl Display, what: impl Display) {
        self.invalid += 1;
        self.problem(file, at, what);
    }

    pub(crate) fn unsupported(&mut self, file: &str, at: impl Display, what: impl Display) {
        self.unsupported += 1;
        self.problem(file, at, what);
    }

    /// Adds another report's counts (loading a directory).
    pub fn merge(&mut self, other: LoadReport) {
        self.files += other.files;
        self.failed_files += other.failed_files;
        self.loaded += other.loaded;
        for (k, v) in other.by_type {
            *self.by_type.entry(k).or_default() += v;
        }
        self.unsupported += other.unsupported;
        self.invalid += other.invalid;
        self.skipped += other.skipped;
        for p in other.problems {
            if self.problems.len() < MAX_PROBLEMS {
                self.problems.push(p);
            }
        }
    }

    /// Inserts one value, counting it as loaded or invalid.
    pub(crate) fn put(
        &mut self,
        builder: &mut IndicatorSetBuilder,
        value: &IndicatorValue<'_>,
        attrs: &Attrs<'_>,
        file: &str,
        at: impl Display,
    ) {
        match builder.insert(value, attrs) {
            Ok(()) => {
                self.loaded += 1;
                *self.by_type.entry(value.kind()).or_default() += 1;
            }
            Err(e) => self.invalid(file, at, e),
        }
    }
}

/// Loads a file or directory, sniffing the format when `format` is `Auto`:
/// a directory with `manifest.json` is a MISP feed, another directory has each file
/// loaded on its own; a JSON file is a STIX bundle or MISP event(s) by shape (a MISP
/// `manifest.json` loads its directory); anything else is a list.
pub fn load_path(
    builder: &mut IndicatorSetBuilder,
    path: &Path,
    format: Format,
    opts: &LoadOptions,
) -> Result<LoadReport, LoadError> {
    let meta = std::fs::metadata(path).map_err(|e| LoadError::io(path, e))?;
    if meta.is_dir() {
        if format == Format::Misp || path.join("manifest.json").is_file() {
            return misp::load_feed_dir(builder, path, opts);
        }
        return load_dir(builder, path, format, opts);
    }
    if format == Format::Auto && path.file_name().is_some_and(|n| n == "manifest.json") {
        if let Some(dir) = path.parent() {
            return misp::load_feed_dir(builder, dir, opts);
        }
    }
    let bytes = std::fs::read(path).map_err(|e| LoadError::io(path, e))?;
    let file = path.display().to_string();
    load_bytes(builder, &bytes, &file, format, opts)
}

/// Loads one document given as bytes; `file` names it in errors.
pub fn load_bytes(
    builder: &mut IndicatorSetBuilder,
    bytes: &[u8],
    file: &str,
    format: Format,
    opts: &LoadOptions,
) -> Result<LoadReport, LoadError> {
    match format {
        Format::Stix => stix::load_stix(builder, bytes, file, opts),
        Format::Misp => misp::load_misp(builder, bytes, file, opts),
        Format::List => Ok(list::load_list(builder, bytes, file, opts)),
        Format::Auto => {
            if !looks_like_json(bytes) {
                return Ok(list::load_list(builder, bytes, file, opts));
            }
            let v = parse_json(bytes, file)?;
            if stix::is_stix(&v) {
                stix::load_value(builder, &v, file, opts)
            } else if misp::is_misp(&v) {
                misp::load_value(builder, &v, file, opts)
            } else {
                Err(LoadError::format(
                    file,
                    "JSON, but neither a STIX bundle nor a MISP event",
                ))
            }
        }
    }
}

fn load_dir(
    builder: &mut IndicatorSetBuilder,
    dir: &Path,
    format: Format,
    opts: &LoadOptions,
) -> Result<LoadReport, LoadError> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| LoadError::io(dir, e))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && !p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.') || n.ends_with(".md"))
        })
        .collect();
    paths.sort();
    let mut report = LoadReport::default();
    for path in paths {
        match load_path(builder, &path, format, opts) {
            Ok(r) => report.merge(r),
            Err(e) => {
                report.failed_files += 1;
                if report.problems.len() < MAX_PROBLEMS {
                    report.problems.push(e.to_string());
                }
            }
        }
    }
    Ok(report)
}

pub(crate) fn looks_like_json(bytes: &[u8]) -> bool {
    let b = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    matches!(
        b.iter().find(|c| !c.is_ascii_whitespace()),
        Some(b'{') | Some(b'[')
    )
}

pub(crate) fn parse_json(bytes: &[u8], file: &str) -> Result<Value, LoadError> {
    let b = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    serde_json::from_slice(b).map_err(|e| LoadError::Json {
        file: file.to_owned(),
        reason: e.to_string(),
    })
}

/// A string field, trimmed, `None` when absent or empty.
pub(crate) fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Unix seconds written as a number or a numeric string (MISP writes both).
pub(crate) fn unix_field(v: &Value, key: &str) -> Option<DateTime<Utc>> {
    let secs = match v.get(key)? {
        Value::Number(n) => n.as_i64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    DateTime::from_timestamp(secs, 0)
}

/// RFC 3339, or the `YYYY-MM-DD[ HH:MM:SS]` feeds write (taken as UTC).
pub(crate) fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S") {
        return Some(t.and_utc());
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_in_feed_spellings() {
        let t = Utc.with_ymd_and_hms(2024, 4, 4, 7, 3, 3).unwrap();
        assert_eq!(parse_time("2024-04-04 07:03:03"), Some(t));
        assert_eq!(parse_time("2024-04-04T09:03:03+02:00"), Some(t));
        assert_eq!(
            parse_time("2024-04-04"),
            Some(Utc.with_ymd_and_hms(2024, 4, 4, 0, 0, 0).unwrap())
        );
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn expiry_prefers_explicit_then_ages() {
        let mut o = LoadOptions::new("x");
        let t = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(o.expiry(None, Some(t)), None);
        o.max_age = Some(Duration::days(30));
        assert_eq!(o.expiry(None, Some(t)), Some(t + Duration::days(30)));
        assert_eq!(o.expiry(Some(t), None), Some(t));
        assert_eq!(o.expiry(None, None), Some(o.now + Duration::days(30)));
    }

    #[test]
    fn sniffs_formats() {
        let dir = tempfile::tempdir().unwrap();
        let stix = dir.path().join("b.json");
        std::fs::write(
            &stix,
            r#"{"type":"bundle","id":"bundle--1","objects":[{"type":"indicator","id":"indicator--1","pattern":"[ipv4-addr:value = '1.2.3.4']","pattern_type":"stix","valid_from":"2020-01-01T00:00:00Z"}]}"#,
        )
        .unwrap();
        let misp = dir.path().join("e.json");
        std::fs::write(
            &misp,
            r#"{"Event":{"info":"x","Attribute":[{"type":"domain","value":"evil.com","to_ids":true}]}}"#,
        )
        .unwrap();
        let list = dir.path().join("l.txt");
        std::fs::write(&list, "# c\n5.6.7.8\n").unwrap();
        let other = dir.path().join("o.json");
        std::fs::write(&other, r#"{"hello":"world"}"#).unwrap();

        let opts = LoadOptions::new("t");
        let mut b = IndicatorSetBuilder::new();
        for p in [&stix, &misp, &list] {
            let r = load_path(&mut b, p, Format::Auto, &opts).unwrap();
            assert_eq!(r.loaded, 1, "{}", p.display());
        }
        let err = load_path(&mut b, &other, Format::Auto, &opts).unwrap_err();
        assert!(err.to_string().contains("o.json"), "{err}");
        let err = load_path(&mut b, &dir.path().join("missing"), Format::Auto, &opts).unwrap_err();
        assert!(err.to_string().contains("missing"), "{err}");

        // The directory: three load, one fails and is counted.
        let mut b = IndicatorSetBuilder::new();
        let r = load_path(&mut b, dir.path(), Format::Auto, &opts).unwrap();
        assert_eq!((r.loaded, r.failed_files), (3, 1));
        assert!(r.problems[0].contains("o.json"));
    }
}
