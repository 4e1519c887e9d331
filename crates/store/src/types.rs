//! Requests and answers of the store, independent of the backend.

use crate::StoreError;
use chrono::{DateTime, Utc};
use serde::Serialize;
use steward_model::Event;
use steward_query::Query;

/// A half-open interval `[from, to)` over `@timestamp`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeRange {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl TimeRange {
    pub fn all() -> Self {
        Self {
            from: DateTime::<Utc>::MIN_UTC,
            to: DateTime::<Utc>::MAX_UTC,
        }
    }
    pub fn from_micros(&self) -> i64 {
        self.from.timestamp_micros()
    }
    pub fn to_micros(&self) -> i64 {
        self.to.timestamp_micros()
    }
}

/// Position after the last event of a page, in newest-first order: `@timestamp`, then
/// partition, then row. Opaque to clients (`ts.partition.row`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub ts_micros: i64,
    pub partition: String,
    pub row: i64,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{}.{}.{}", self.ts_micros, self.partition, self.row)
    }
    pub fn decode(s: &str) -> Result<Self, StoreError> {
        let bad = || StoreError::BadCursor(s.chars().take(64).collect());
        let mut parts = s.splitn(3, '.');
        let ts_micros = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let partition = parts
            .next()
            .filter(|p| is_partition_name(p))
            .ok_or_else(bad)?;
        let row = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        Ok(Self {
            ts_micros,
            partition: partition.to_owned(),
            row,
        })
    }
}

/// Partition names are compact UTC days, `YYYYMMDD`.
pub(crate) fn is_partition_name(s: &str) -> bool {
    s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit())
}

#[derive(Clone, Debug)]
pub struct SearchRequest {
    pub query: Query,
    pub range: TimeRange,
    pub limit: usize,
    pub cursor: Option<Cursor>,
    /// Stop counting matches past this many (`total_exact` is then false).
    pub count_limit: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct StoredEvent {
    /// Stable id of the stored event: `partition.row`.
    pub id: String,
    pub event: Event,
}

#[derive(Clone, Debug)]
pub struct SearchResult {
    pub total: u64,
    pub total_exact: bool,
    pub events: Vec<StoredEvent>,
    pub next_cursor: Option<Cursor>,
}

#[derive(Clone, Debug)]
pub struct HistogramRequest {
    pub query: Query,
    pub range: TimeRange,
    pub interval_secs: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HistogramBucket {
    /// Bucket start.
    pub start: DateTime<Utc>,
    pub count: u64,
}

#[derive(Clone, Debug)]
pub struct TopRequest {
    pub query: Query,
    pub range: TimeRange,
    pub field: String,
    pub limit: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TopValue {
    pub value: serde_json::Value,
    pub count: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let c = Cursor {
            ts_micros: -5,
            partition: "20261123".into(),
            row: 42,
        };
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        for bad in [
            "",
            "1.2",
            "x.20261123.1",
            "1.2026112.1",
            "1.20261123.y",
            "1.../..1",
        ] {
            assert!(Cursor::decode(bad).is_err(), "{bad}");
        }
    }
}
