//! Durable event storage.
//!
//! [`EventStore`] is what the rest of Steward sees: append a batch durably, search, count
//! per interval, top values, retention. [`WriteQueue`] is the single writer in front of
//! any store: producers hand it batches over a bounded channel, it groups them into one
//! transaction and acknowledges each batch only after that transaction committed.
//!
//! The embedded backend is [`SqliteStore`]: one SQLite file per UTC day of ingestion, so
//! retention is deleting files. A ClickHouse backend is meant to implement the same trait
//! and pass the same tests (`tests/store_contract.rs`).
#![forbid(unsafe_code)]

pub mod alerts;
mod error;
mod ipbytes;
mod prepared;
pub mod sqlite;
mod types;
mod writer;

pub use alerts::{Alert, AlertFilter, AlertStore, Recorded};
pub use error::StoreError;
pub use prepared::{ColumnValue, PreparedBatch, PreparedRow};
pub use sqlite::{SqliteOptions, SqliteStore, SyncMode};
pub use types::{
    Cursor, HistogramBucket, HistogramRequest, SearchRequest, SearchResult, StoredEvent, TimeRange,
    TopRequest, TopValue,
};
pub use writer::{
    LatencyHistogram, WriteQueue, WriteQueueOptions, WriterHandle, WriterStats, LATENCY_BUCKETS,
};

use chrono::{DateTime, Utc};
use steward_model::Event;

/// Outcome of one durable append.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AppendStats {
    pub events: usize,
    pub bytes: usize,
}

/// A place events are kept. Implementations must make `append` atomic and durable: when
/// it returns `Ok`, every event of the batches survives a crash; when it returns `Err`,
/// none of them is visible.
pub trait EventStore: Send + Sync + 'static {
    /// Turns events into rows; called by producers, off the writer thread.
    fn prepare(&self, events: &[Event]) -> PreparedBatch;
    /// Writes batches in one transaction; called by the single writer.
    fn append(&self, batches: &[PreparedBatch]) -> Result<AppendStats, StoreError>;
    /// `prepare` then `append`, for callers without a separate writer (import, tests).
    fn append_events(&self, events: Vec<Event>) -> Result<AppendStats, StoreError> {
        self.append(&[self.prepare(&events)])
    }
    fn search(&self, request: &SearchRequest) -> Result<SearchResult, StoreError>;
    fn histogram(&self, request: &HistogramRequest) -> Result<Vec<HistogramBucket>, StoreError>;
    fn top(&self, request: &TopRequest) -> Result<Vec<TopValue>, StoreError>;
    /// Drops whole partitions older than `keep_days` before `now`; returns what it dropped.
    fn apply_retention(
        &self,
        now: DateTime<Utc>,
        keep_days: u32,
    ) -> Result<Vec<String>, StoreError>;
    /// Bytes the store occupies on disk.
    fn disk_bytes(&self) -> Result<u64, StoreError>;
}
