//! The writer side: opening the log, appending under one lock, listing and exporting.

use crate::anchor::{anchor_path, read_anchor, write_anchor, Anchor};
use crate::canonical::{canonical_json, HashInput, GENESIS_HASH};
use crate::entry::{format_time, ActorKind, Entry, NewEntry};
use crate::error::AuditError;
use crate::row::{RawRow, COLUMNS};
use chrono::{DateTime, SubsecRound, Utc};
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('user', 'token', 'automation', 'system')),
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_time ON entries(time);
CREATE INDEX IF NOT EXISTS entries_actor ON entries(actor);
CREATE INDEX IF NOT EXISTS entries_action ON entries(action);
CREATE INDEX IF NOT EXISTS entries_object ON entries(object_type, object_id);
-- Guards against our own bugs, not against an attacker (who can drop them): the chain is
-- what detects tampering.
CREATE TRIGGER IF NOT EXISTS entries_no_update BEFORE UPDATE ON entries
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS entries_no_delete BEFORE DELETE ON entries
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
";

/// Most rows one `list` call returns.
pub const MAX_LIST: usize = 10_000;

/// An open audit log. One per file per process: appends are serialised by an in-process lock,
/// which is what keeps the chain from forking.
pub struct AuditLog {
    writer: Mutex<Writer>,
    /// Separate connection so long exports never hold up appends (WAL lets both run).
    reader: Mutex<Connection>,
}

struct Writer {
    conn: Connection,
    anchor_path: PathBuf,
    /// The newest anchor written or accepted; a tail below it means rows were removed.
    anchor: Option<Anchor>,
}

/// Which entries `list` returns, newest first. Empty fields match everything.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub actor_kind: Option<ActorKind>,
    pub actor: Option<String>,
    /// Exact action, or a prefix when it ends in `*` (`incident.*`).
    pub action: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    /// Inclusive lower bound.
    pub since: Option<DateTime<Utc>>,
    /// Exclusive upper bound.
    pub until: Option<DateTime<Utc>>,
    /// Only entries with a smaller seq: the cursor for the next page.
    pub before_seq: Option<u64>,
    /// Defaults to 100, capped at `MAX_LIST`.
    pub limit: Option<usize>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic mid-append drops its uncommitted transaction, so the state behind a poisoned
    // lock is still consistent.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn tail(conn: &Connection) -> Result<Option<(u64, String)>, AuditError> {
    let row: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.map(|(s, h)| (u64::try_from(s).unwrap_or(0), h)))
}

fn hash_at(conn: &Connection, seq: u64) -> Result<Option<String>, AuditError> {
    let seq = i64::try_from(seq).unwrap_or(i64::MAX);
    Ok(conn
        .query_row("SELECT hash FROM entries WHERE seq = ?1", [seq], |r| {
            r.get(0)
        })
        .optional()?)
}

impl AuditLog {
    /// Opens or creates the log. Fails when the log no longer reaches its anchor (truncated)
    /// or the anchored entry changed, so that new appends cannot paper over the evidence.
    pub fn open(path: &Path) -> Result<AuditLog, AuditError> {
        let conn = Connection::open(path)?;
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;")?;
        conn.execute_batch(SCHEMA)?;
        let anchor_path = anchor_path(path);
        let stored = read_anchor(&anchor_path)?;
        let last = tail(&conn)?;
        let anchor = match (stored, last) {
            (Some(a), last) => {
                let last_seq = last.as_ref().map_or(0, |(s, _)| *s);
                if last_seq < a.seq {
                    return Err(AuditError::Truncated {
                        anchor_seq: a.seq,
                        last_seq,
                    });
                }
                if hash_at(&conn, a.seq)?.as_deref() != Some(a.hash.as_str()) {
                    return Err(AuditError::AnchorMismatch { seq: a.seq });
                }
                match last {
                    // Catches up after a crash between commit and anchor write.
                    Some((seq, hash)) if seq > a.seq => {
                        let newer = Anchor { seq, hash };
                        write_anchor(&anchor_path, &newer)
                            .map_err(|source| AuditError::AnchorWrite { seq, source })?;
                        Some(newer)
                    }
                    _ => Some(a),
                }
            }
            // No anchor yet (new log, or one lost with its disk): trust the current tail.
            (None, Some((seq, hash))) => {
                let a = Anchor { seq, hash };
                write_anchor(&anchor_path, &a)
                    .map_err(|source| AuditError::AnchorWrite { seq, source })?;
                Some(a)
            }
            (None, None) => None,
        };
        let reader = Connection::open(path)?;
        reader.execute_batch("PRAGMA busy_timeout = 5000;")?;
        Ok(AuditLog {
            writer: Mutex::new(Writer {
                conn,
                anchor_path,
                anchor,
            }),
            reader: Mutex::new(reader),
        })
    }

    /// Appends one entry at the end of the chain and advances the anchor. On
    /// `AuditError::AnchorWrite` the entry *is* committed.
    pub fn append(&self, new: NewEntry) -> Result<Entry, AuditError> {
        let mut guard = lock(&self.writer);
        let w = &mut *guard;
        let tx = w
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let last = tail(&tx)?;
        if let Some(a) = &w.anchor {
            let last_seq = last.as_ref().map_or(0, |(s, _)| *s);
            if last_seq < a.seq {
                return Err(AuditError::Truncated {
                    anchor_seq: a.seq,
                    last_seq,
                });
            }
            if last_seq == a.seq && last.as_ref().map(|(_, h)| h) != Some(&a.hash) {
                return Err(AuditError::AnchorMismatch { seq: a.seq });
            }
        }
        let (seq, prev_hash) = match last {
            Some((s, h)) => (s + 1, h),
            None => (1, GENESIS_HASH.to_owned()),
        };
        // Stored at microsecond precision, so the hashed text and the value agree.
        let time = Utc::now().trunc_subsecs(6);
        let time_text = format_time(time);
        let details = canonical_json(&new.details);
        let hash = HashInput {
            seq,
            time: &time_text,
            actor_kind: new.actor_kind.as_str(),
            actor: &new.actor,
            action: &new.action,
            object_type: &new.object_type,
            object_id: &new.object_id,
            details: &details,
            prev_hash: &prev_hash,
        }
        .hash();
        tx.execute(
            "INSERT INTO entries (seq, time, actor_kind, actor, action, object_type, object_id, \
             details, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                i64::try_from(seq).unwrap_or(i64::MAX),
                time_text,
                new.actor_kind.as_str(),
                new.actor,
                new.action,
                new.object_type,
                new.object_id,
                details,
                prev_hash,
                hash
            ],
        )?;
        tx.commit()?;
        let anchor = Anchor {
            seq,
            hash: hash.clone(),
        };
        let written = write_anchor(&w.anchor_path, &anchor);
        w.anchor = Some(anchor);
        written.map_err(|source| AuditError::AnchorWrite { seq, source })?;
        Ok(Entry {
            seq,
            time,
            actor_kind: new.actor_kind,
            actor: new.actor,
            action: new.action,
            object_type: new.object_type,
            object_id: new.object_id,
            details: new.details,
            prev_hash,
            hash,
        })
    }

    /// Entries matching `filter`, newest first.
    pub fn list(&self, filter: &ListFilter) -> Result<Vec<Entry>, AuditError> {
        let mut sql = format!("SELECT {COLUMNS} FROM entries WHERE 1 = 1");
        let mut args: Vec<SqlValue> = Vec::new();
        let eq = |sql: &mut String, args: &mut Vec<SqlValue>, col: &str, v: Option<&str>| {
            if let Some(v) = v {
                args.push(SqlValue::Text(v.to_owned()));
                sql.push_str(&format!(" AND {col} = ?{}", args.len()));
            }
        };
        eq(
            &mut sql,
            &mut args,
            "actor_kind",
            filter.actor_kind.map(ActorKind::as_str),
        );
        eq(&mut sql, &mut args, "actor", filter.actor.as_deref());
        eq(
            &mut sql,
            &mut args,
            "object_type",
            filter.object_type.as_deref(),
        );
        eq(
            &mut sql,
            &mut args,
            "object_id",
            filter.object_id.as_deref(),
        );
        match filter.action.as_deref() {
            Some(prefix) if prefix.ends_with('*') => {
                args.push(SqlValue::Text(prefix.trim_end_matches('*').to_owned()));
                let n = args.len();
                sql.push_str(&format!(" AND substr(action, 1, length(?{n})) = ?{n}"));
            }
            exact => eq(&mut sql, &mut args, "action", exact),
        }
        if let Some(t) = filter.since {
            args.push(SqlValue::Text(format_time(t.trunc_subsecs(6))));
            sql.push_str(&format!(" AND time >= ?{}", args.len()));
        }
        if let Some(t) = filter.until {
            args.push(SqlValue::Text(format_time(t.trunc_subsecs(6))));
            sql.push_str(&format!(" AND time < ?{}", args.len()));
        }
        if let Some(b) = filter.before_seq {
            args.push(SqlValue::Integer(i64::try_from(b).unwrap_or(i64::MAX)));
            sql.push_str(&format!(" AND seq < ?{}", args.len()));
        }
        let limit = filter.limit.unwrap_or(100).min(MAX_LIST);
        sql.push_str(&format!(" ORDER BY seq DESC LIMIT {limit}"));
        let conn = lock(&self.reader);
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), RawRow::read)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row?.into_entry()?);
        }
        Ok(out)
    }

    /// Writes entries with `seq >= from_seq` in chain order, one JSON object per line.
    /// Returns how many were written.
    pub fn export_ndjson<W: Write>(&self, mut writer: W, from_seq: u64) -> Result<u64, AuditError> {
        let conn = lock(&self.reader);
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM entries WHERE seq >= ?1 ORDER BY seq"
        ))?;
        let from = i64::try_from(from_seq).unwrap_or(i64::MAX);
        let rows = stmt.query_map([from], RawRow::read)?;
        let mut n = 0;
        for row in rows {
            let entry = row?.into_entry()?;
            serde_json::to_writer(&mut writer, &entry)
                .map_err(|e| AuditError::Export(std::io::Error::other(e)))?;
            writer.write_all(b"\n").map_err(AuditError::Export)?;
            n += 1;
        }
        writer.flush().map_err(AuditError::Export)?;
        Ok(n)
    }
}
