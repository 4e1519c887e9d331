//! The one error type of the audit log.

use std::path::PathBuf;

/// Why an audit operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("audit file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("audit anchor {path} is unreadable: {reason}")]
    BadAnchor { path: PathBuf, reason: String },
    /// The log ends before the entry its anchor names: rows were removed from the tail.
    /// Refusing to append keeps new entries from overwriting that evidence.
    #[error("audit log ends at seq {last_seq} but its anchor names seq {anchor_seq}: the tail was truncated")]
    Truncated { anchor_seq: u64, last_seq: u64 },
    /// The entry at the anchor's seq is not the one the anchor recorded.
    #[error("audit log entry {seq} does not match its anchor: the log was rewritten")]
    AnchorMismatch { seq: u64 },
    /// A stored row cannot be read back as an entry (tampered with or written by a foreign tool).
    #[error("audit entry {seq} is corrupt: {what}")]
    Corrupt { seq: i64, what: String },
    /// The entry was committed but the anchor could not be advanced; do not append it again.
    #[error("audit entry {seq} committed but its anchor was not written: {source}")]
    AnchorWrite {
        seq: u64,
        #[source]
        source: std::io::Error,
    },
    #[error("audit export: {0}")]
    Export(#[source] std::io::Error),
}
