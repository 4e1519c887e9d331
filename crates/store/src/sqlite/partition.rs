//! One day's database file: opening it safely, appending to it, describing it.

use super::schema::{self, insert_sql};
use super::{functions, SqliteOptions, SyncMode};
use crate::{AppendStats, ColumnValue, PreparedBatch, StoreError};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{params_from_iter, Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What a partition holds, kept in memory to prune searches.
#[derive(Clone, Copy, Debug, Default)]
pub struct PartitionInfo {
    pub min_ts: i64,
    pub max_ts: i64,
    pub events: i64,
}

/// Page cache of the writer's connection. Index inserts land on random pages (addresses,
/// host names); with SQLite's 2 MiB default most of them were re-read from the OS.
const WRITER_CACHE_KIB: u32 = 64 * 1024;
/// WAL pages (4 KiB each) between checkpoints. Fewer, larger checkpoints write each hot
/// index page once per checkpoint instead of once per few commits.
const CHECKPOINT_PAGES: u32 = 8192;

pub enum Check {
    None,
    /// `PRAGMA quick_check`: catches torn or damaged pages after a crash.
    Quick,
}

pub struct Partition {
    name: String,
    path: PathBuf,
    pub(super) conn: Connection,
    commits: u64,
}

/// Commits between `PRAGMA optimize` runs, which refresh the planner's statistics so a
/// filter on a low-selectivity column does not drive the plan.
const OPTIMIZE_EVERY: u64 = 200;

impl Partition {
    pub fn open(path: &Path, options: &SqliteOptions, check: Check) -> Result<Self, StoreError> {
        let conn = Connection::open(path).map_err(StoreError::sqlite(path))?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(StoreError::sqlite(path))?;
        let sync = match options.sync {
            SyncMode::Full => "FULL",
            SyncMode::Normal => "NORMAL",
        };
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = {sync};
             PRAGMA temp_store = MEMORY; PRAGMA cache_size = -{WRITER_CACHE_KIB};
             PRAGMA wal_autocheckpoint = {CHECKPOINT_PAGES}; PRAGMA analysis_limit = 400;"
        ))
        .map_err(StoreError::sqlite(path))?;
        if let Check::Quick = check {
            let verdict: String = conn
                .query_row("PRAGMA quick_check", [], |r| r.get(0))
                .map_err(StoreError::sqlite(path))?;
            if verdict != "ok" {
                return Err(StoreError::BadRequest(format!(
                    "{}: integrity check failed: {verdict}",
                    path.display()
                )));
            }
        }
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(StoreError::sqlite(path))?;
        if version > schema::SCHEMA_VERSION {
            return Err(StoreError::BadRequest(format!(
                "{} was written by a newer Steward (schema {version}, this one knows {})",
                path.display(),
                schema::SCHEMA_VERSION
            )));
        }
        if version < schema::SCHEMA_VERSION {
            conn.execute_batch(&schema::ddl())
                .map_err(StoreError::sqlite(path))?;
            conn.execute_batch(&format!("PRAGMA user_version = {}", schema::SCHEMA_VERSION))
                .map_err(StoreError::sqlite(path))?;
        }
        functions::register(&conn).map_err(StoreError::sqlite(path))?;
        Ok(Self {
            name: name_of(path),
            path: path.to_owned(),
            conn,
            commits: 0,
        })
    }

    pub fn open_reader(path: &Path) -> Result<Self, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(StoreError::sqlite(path))?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(StoreError::sqlite(path))?;
        conn.execute_batch("PRAGMA query_only = 1; PRAGMA temp_store = MEMORY;")
            .map_err(StoreError::sqlite(path))?;
        functions::register(&conn).map_err(StoreError::sqlite(path))?;
        Ok(Self {
            name: name_of(path),
            path: path.to_owned(),
            conn,
            commits: 0,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends all rows in one transaction: all of them become visible, or none.
    pub fn append(&mut self, batches: &[PreparedBatch]) -> Result<AppendStats, StoreError> {
        let path = self.path.clone();
        let err = || StoreError::sqlite(&path);
        let tx = self.conn.transaction().map_err(err())?;
        let (mut events, mut bytes) = (0usize, 0usize);
        let (mut min_ts, mut max_ts) = (i64::MAX, i64::MIN);
        {
            let mut insert = tx.prepare_cached(&insert_sql()).map_err(err())?;
            let mut text = tx
                .prepare_cached("INSERT INTO events_text (rowid, body) VALUES (?, ?)")
                .map_err(err())?;
            for row in batches.iter().flat_map(|b| &b.rows) {
                min_ts = min_ts.min(row.ts_micros);
                max_ts = max_ts.max(row.ts_micros);
                events += 1;
                bytes += row.doc.len();
                let columns = row.columns.iter().map(sql_value);
                let doc =
                    std::iter::once(ToSqlOutput::Borrowed(ValueRef::Text(row.doc.as_bytes())));
                insert
                    .execute(params_from_iter(columns.chain(doc)))
                    .map_err(err())?;
                if !row.text.is_empty() {
                    let id = tx.last_insert_rowid();
                    text.execute(rusqlite::params![id, row.text])
                        .map_err(err())?;
                }
            }
        }
        if events == 0 {
            return Ok(AppendStats::default());
        }
        tx.execute(
            "INSERT INTO partition_meta (id, min_ts, max_ts, events) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET min_ts = min(min_ts, ?1), max_ts = max(max_ts, ?2),
                                            events = events + ?3",
            rusqlite::params![min_ts, max_ts, events as i64],
        )
        .map_err(err())?;
        tx.commit().map_err(err())?;
        self.commits += 1;
        if self.commits % OPTIMIZE_EVERY == 1 {
            // Statistics only steer plans; failing to refresh them is not worth failing
            // an append for.
            if let Err(e) = self.conn.execute_batch("PRAGMA optimize = 0x10002") {
                tracing::warn!(partition = %self.name, error = %e, "PRAGMA optimize failed");
            }
        }
        Ok(AppendStats { events, bytes })
    }

    pub fn info(&self) -> Result<PartitionInfo, StoreError> {
        self.conn
            .query_row(
                "SELECT min_ts, max_ts, events FROM partition_meta WHERE id = 1",
                [],
                |r| {
                    Ok(PartitionInfo {
                        min_ts: r.get(0)?,
                        max_ts: r.get(1)?,
                        events: r.get(2)?,
                    })
                },
            )
            .optional()
            .map(Option::unwrap_or_default)
            .map_err(StoreError::sqlite(&self.path))
    }
}

fn name_of(path: &Path) -> String {
    path.file_stem()
        .and_then(|s| s.to_str())
        .and_then(|s| s.strip_prefix("events-"))
        .unwrap_or_default()
        .to_owned()
}

/// Binds a column value without copying it.
fn sql_value(v: &ColumnValue) -> ToSqlOutput<'_> {
    ToSqlOutput::Borrowed(match v {
        ColumnValue::Null => ValueRef::Null,
        ColumnValue::Int(i) => ValueRef::Integer(*i),
        ColumnValue::Text(s) => ValueRef::Text(s.as_bytes()),
        ColumnValue::Bytes(b) => ValueRef::Blob(b),
    })
}
