//! Tamper-evident audit log.
//!
//! Every change by a person, token or automation is appended to a hash-chained SQLite table:
//! each entry's SHA-256 commits to its fields and to the previous entry's hash, so `verify`
//! detects an edit, deletion or reordering and names the first bad entry. A small anchor file
//! (`<log>.anchor`, the last seq and hash) catches a cut-off tail. See `docs/audit.md` for the
//! exact byte layout and the limits.

mod anchor;
mod canonical;
mod entry;
mod error;
mod log;
mod row;
mod verify;

pub use anchor::{anchor_path, Anchor};
pub use canonical::{canonical_json, HashInput, GENESIS_HASH, HASH_DOMAIN};
pub use entry::{format_time, ActorKind, Entry, NewEntry};
pub use error::AuditError;
pub use log::{AuditLog, ListFilter, MAX_LIST};
pub use verify::{verify, BadReason, VerifyReport};
