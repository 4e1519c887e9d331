//! Walking the chain from the genesis entry and comparing its tail with the anchor.

use crate::anchor::{anchor_path, read_anchor, Anchor};
use crate::canonical::{HashInput, GENESIS_HASH};
use crate::error::AuditError;
use crate::row::{RawRow, COLUMNS};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::Serialize;
use std::fmt;
use std::path::Path;

/// Why an entry fails verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BadReason {
    /// The stored hash does not match the entry's fields: its content was edited.
    Edited,
    /// Entries from this seq up to `next_present - 1` are gone (deleted).
    Missing { next_present: u64 },
    /// The entry's content was hashed at another position: rows were moved or swapped.
    Reordered { original_seq: u64 },
    /// The entry is self-consistent but does not follow its predecessor: entries were removed
    /// or inserted and the rest re-hashed.
    BrokenLink,
    /// A column is not text or the seq is not positive.
    Malformed { what: String },
    /// The log ends before the entry the anchor names: its tail was cut off.
    Truncated { anchor_seq: u64 },
    /// The entry at the anchor's seq is not the one the anchor recorded: the log was rewritten.
    AnchorMismatch,
    /// The log has entries but no anchor, so a cut-off tail cannot be ruled out.
    AnchorMissing,
}

impl fmt::Display for BadReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadReason::Edited => f.write_str("content edited (hash mismatch)"),
            BadReason::Missing { next_present } => {
                write!(f, "entry deleted (next present entry is {next_present})")
            }
            BadReason::Reordered { original_seq } => {
                write!(f, "reordered (content belongs at seq {original_seq})")
            }
            BadReason::BrokenLink => f.write_str("chain broken (prev_hash mismatch)"),
            BadReason::Malformed { what } => write!(f, "malformed ({what})"),
            BadReason::Truncated { anchor_seq } => {
                write!(f, "tail truncated (anchor names seq {anchor_seq})")
            }
            BadReason::AnchorMismatch => f.write_str("entry differs from the anchor"),
            BadReason::AnchorMissing => f.write_str("anchor missing; tail unconfirmed"),
        }
    }
}

/// The outcome of `verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Rows in the log.
    pub entries: u64,
    pub ok: bool,
    /// The first entry that fails, with why.
    pub first_bad: Option<(u64, BadReason)>,
    /// The anchor the tail was compared with.
    pub anchor: Option<Anchor>,
}

fn input(row: &RawRow, seq: u64) -> Option<HashInput<'_>> {
    Some(HashInput {
        seq,
        time: row.time.as_deref()?,
        actor_kind: row.actor_kind.as_deref()?,
        actor: row.actor.as_deref()?,
        action: row.action.as_deref()?,
        object_type: row.object_type.as_deref()?,
        object_id: row.object_id.as_deref()?,
        details: row.details.as_deref()?,
        prev_hash: row.prev_hash.as_deref()?,
    })
}

/// Where an entry's content was originally hashed, found through the entry its prev_hash
/// names; `None` when that does not explain the stored hash either.
fn original_position(
    conn: &Connection,
    row: &RawRow,
    stored_hash: &str,
) -> Result<Option<u64>, AuditError> {
    let Some(prev) = row.prev_hash.as_deref() else {
        return Ok(None);
    };
    let candidate = if prev == GENESIS_HASH {
        Some(1)
    } else {
        conn.query_row(
            "SELECT seq FROM entries WHERE hash = ?1 LIMIT 1",
            [prev],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
        .and_then(|s| u64::try_from(s).ok())
        .map(|s| s + 1)
    };
    Ok(candidate.filter(|&c| input(row, c).is_some_and(|i| i.hash() == stored_hash)))
}

/// Checks the whole log at `path` (opened read-only) and its `<path>.anchor`.
///
/// The anchor is read before the log so that an append racing with verify can only make the
/// log longer than the anchor, never shorter, and is not mistaken for truncation.
pub fn verify(path: &Path) -> Result<VerifyReport, AuditError> {
    let anchor = read_anchor(&anchor_path(path))?;
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.execute_batch("PRAGMA busy_timeout = 5000;")?;
    // One read transaction: the walk and the reorder look-ups see the same snapshot.
    let tx = conn.unchecked_transaction()?;
    let mut stmt = tx.prepare(&format!("SELECT {COLUMNS} FROM entries ORDER BY seq"))?;
    let mut rows = stmt.query([])?;

    let mut entries = 0u64;
    let mut expected = 1u64;
    let mut prev_hash = GENESIS_HASH.to_owned();
    let mut first_bad: Option<(u64, BadReason)> = None;
    let mut last_seq = 0u64;
    let mut hash_at_anchor: Option<String> = None;

    while let Some(r) = rows.next()? {
        entries += 1;
        if first_bad.is_some() {
            continue;
        }
        let row = RawRow::read(r)?;
        let Some(seq) = u64::try_from(row.seq).ok().filter(|&s| s > 0) else {
            first_bad = Some((
                expected,
                BadReason::Malformed {
                    what: format!("seq {}", row.seq),
                },
            ));
            continue;
        };
        last_seq = seq;
        if seq > expected {
            first_bad = Some((expected, BadReason::Missing { next_present: seq }));
            continue;
        }
        let (Some(inp), Some(stored)) = (input(&row, seq), row.hash.as_deref()) else {
            let col = row.missing_column().unwrap_or("?");
            first_bad = Some((
                seq,
                BadReason::Malformed {
                    what: format!("column {col} is not text"),
                },
            ));
            continue;
        };
        if inp.hash() != stored {
            let reason = match original_position(&tx, &row, stored)? {
                Some(original_seq) if original_seq != seq => BadReason::Reordered { original_seq },
                _ => BadReason::Edited,
            };
            first_bad = Some((seq, reason));
            continue;
        }
        if inp.prev_hash != prev_hash {
            first_bad = Some((seq, BadReason::BrokenLink));
            continue;
        }
        if anchor.as_ref().is_some_and(|a| a.seq == seq) {
            hash_at_anchor = Some(stored.to_owned());
        }
        prev_hash = stored.to_owned();
        expected = seq + 1;
    }

    if first_bad.is_none() {
        first_bad = match &anchor {
            None if entries > 0 => Some((last_seq, BadReason::AnchorMissing)),
            None => None,
            Some(a) if a.seq > last_seq => {
                Some((last_seq + 1, BadReason::Truncated { anchor_seq: a.seq }))
            }
            Some(a) if hash_at_anchor.as_deref() != Some(a.hash.as_str()) => {
                Some((a.seq, BadReason::AnchorMismatch))
            }
            Some(_) => None,
        };
    }
    Ok(VerifyReport {
        entries,
        ok: first_bad.is_none(),
        first_bad,
        anchor,
    })
}
