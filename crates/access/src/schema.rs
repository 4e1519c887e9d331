//! The tables in `state.db`, and bringing databases written by older versions up to date.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::types::Type;
use rusqlite::{Connection, Row};
use std::collections::HashSet;

/// The full current schema, for a fresh database. Older databases hold `users` and
/// `api_tokens` with fewer columns; `migrate` adds what is missing.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS users (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  site_id TEXT NOT NULL,
  tenant_id TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_tokens (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  name TEXT NOT NULL,
  sha256 BLOB NOT NULL UNIQUE,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  sha256 BLOB NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_id);
CREATE INDEX IF NOT EXISTS api_tokens_user ON api_tokens(user_id);
";

/// Columns added since the first schema. SQLite's ADD COLUMN needs a default for NOT NULL.
const USER_COLUMNS: &[(&str, &str)] = &[
    ("display_name", "TEXT"),
    ("password_hash", "TEXT"),
    ("disabled", "INTEGER NOT NULL DEFAULT 0"),
    ("failed_logins", "INTEGER NOT NULL DEFAULT 0"),
    ("locked_until", "TEXT"),
    ("updated_at", "TEXT"),
];
const TOKEN_COLUMNS: &[(&str, &str)] = &[
    ("expires_at", "TEXT"),
    ("last_used_at", "TEXT"),
    ("revoked", "INTEGER NOT NULL DEFAULT 0"),
];

pub(crate) fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    tx.execute_batch(SCHEMA)?;
    add_missing(&tx, "users", USER_COLUMNS)?;
    add_missing(&tx, "api_tokens", TOKEN_COLUMNS)?;
    tx.execute(
        "UPDATE users SET updated_at = created_at WHERE updated_at IS NULL",
        [],
    )?;
    tx.commit()
}

fn add_missing(conn: &Connection, table: &str, columns: &[(&str, &str)]) -> rusqlite::Result<()> {
    let existing: HashSet<String> = conn
        .prepare(&format!("PRAGMA table_info({table})"))?
        .query_map([], |r| r.get::<_, String>(1))?
        .collect::<Result<_, _>>()?;
    for (name, ty) in columns {
        if !existing.contains(*name) {
            conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {name} {ty}"))?;
        }
    }
    Ok(())
}

/// The stored time format: fixed width in UTC, so text order is time order in SQL.
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_ts(idx: usize, s: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e)))
}

pub(crate) fn get_ts(row: &Row<'_>, idx: usize) -> rusqlite::Result<DateTime<Utc>> {
    parse_ts(idx, &row.get::<_, String>(idx)?)
}

pub(crate) fn get_opt_ts(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    row.get::<_, Option<String>>(idx)?
        .map(|s| parse_ts(idx, &s))
        .transpose()
}

pub(crate) fn get_role(row: &Row<'_>, idx: usize) -> rusqlite::Result<crate::Role> {
    let s: String = row.get(idx)?;
    crate::Role::parse(&s).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            idx,
            Type::Text,
            format!("unknown role {s:?}").into(),
        )
    })
}
