//! Events in the form a backend writes them, built by the producers.
//!
//! Turning an event into a row (serialising the document, extracting the typed columns,
//! the text to index) is a fifth of the cost of storing it. Producers do it on their own
//! threads, in parallel, so the single writer only writes.

/// A typed column value, backend-neutral.
#[derive(Clone, Debug, PartialEq)]
pub enum ColumnValue {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

/// One event ready to write.
#[derive(Clone, Debug)]
pub struct PreparedRow {
    /// `@timestamp` in microseconds (the arrival time when the event had none).
    pub ts_micros: i64,
    /// Values of the backend's typed columns, in its column order.
    pub columns: Vec<ColumnValue>,
    /// The whole ECS document as JSON.
    pub doc: String,
    /// What the full-text index should see.
    pub text: String,
}

/// A batch of rows, the unit the writer queues and commits.
#[derive(Clone, Debug, Default)]
pub struct PreparedBatch {
    pub rows: Vec<PreparedRow>,
}

impl PreparedBatch {
    pub fn len(&self) -> usize {
        self.rows.len()
    }
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
    /// Bytes of document JSON in the batch.
    pub fn doc_bytes(&self) -> usize {
        self.rows.iter().map(|r| r.doc.len()).sum()
    }
}
