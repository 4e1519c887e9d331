//! Reading stored rows without trusting them: every column may have been tampered with.

use crate::entry::{ActorKind, Entry};
use crate::error::AuditError;
use chrono::{DateTime, Utc};
use rusqlite::types::ValueRef;
use rusqlite::Row;

/// Column list in the order `RawRow::read` expects.
pub const COLUMNS: &str =
    "seq, time, actor_kind, actor, action, object_type, object_id, details, prev_hash, hash";

/// A row as stored; `None` where a column is NULL, a blob or not UTF-8.
#[derive(Debug, Clone)]
pub struct RawRow {
    pub seq: i64,
    pub time: Option<String>,
    pub actor_kind: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub details: Option<String>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

fn text(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<String>> {
    Ok(match row.get_ref(idx)? {
        ValueRef::Text(bytes) => std::str::from_utf8(bytes).ok().map(str::to_owned),
        _ => None,
    })
}

impl RawRow {
    pub fn read(row: &Row<'_>) -> rusqlite::Result<RawRow> {
        Ok(RawRow {
            seq: row.get(0)?,
            time: text(row, 1)?,
            actor_kind: text(row, 2)?,
            actor: text(row, 3)?,
            action: text(row, 4)?,
            object_type: text(row, 5)?,
            object_id: text(row, 6)?,
            details: text(row, 7)?,
            prev_hash: text(row, 8)?,
            hash: text(row, 9)?,
        })
    }

    /// Names the first column that is not text, for verify's report.
    pub fn missing_column(&self) -> Option<&'static str> {
        [
            ("time", self.time.is_none()),
            ("actor_kind", self.actor_kind.is_none()),
            ("actor", self.actor.is_none()),
            ("action", self.action.is_none()),
            ("object_type", self.object_type.is_none()),
            ("object_id", self.object_id.is_none()),
            ("details", self.details.is_none()),
            ("prev_hash", self.prev_hash.is_none()),
            ("hash", self.hash.is_none()),
        ]
        .into_iter()
        .find(|(_, missing)| *missing)
        .map(|(name, _)| name)
    }

    pub fn into_entry(self) -> Result<Entry, AuditError> {
        let seq = self.seq;
        let corrupt = |what: &str| AuditError::Corrupt {
            seq,
            what: what.to_owned(),
        };
        if let Some(col) = self.missing_column() {
            return Err(corrupt(&format!("column {col} is not text")));
        }
        let time = self
            .time
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| corrupt("time is not RFC 3339"))?;
        let actor_kind = self
            .actor_kind
            .as_deref()
            .and_then(ActorKind::parse)
            .ok_or_else(|| corrupt("unknown actor_kind"))?;
        let details = self
            .details
            .as_deref()
            .and_then(|d| serde_json::from_str(d).ok())
            .ok_or_else(|| corrupt("details are not JSON"))?;
        Ok(Entry {
            seq: u64::try_from(seq).map_err(|_| corrupt("negative seq"))?,
            time,
            actor_kind,
            actor: self.actor.unwrap_or_default(),
            action: self.action.unwrap_or_default(),
            object_type: self.object_type.unwrap_or_default(),
            object_id: self.object_id.unwrap_or_default(),
            details,
            prev_hash: self.prev_hash.unwrap_or_default(),
            hash: self.hash.unwrap_or_default(),
        })
    }
}
