//! Opening `objects.db`: one writer connection and one reader, so long imports do not
//! stall the API's lists (WAL lets the reader see the last commit meanwhile).

use crate::ObjectError;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub struct ObjectStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
    /// Uploaded evidence files, named by their SHA-256 (beside the database).
    evidence_dir: PathBuf,
}

impl ObjectStore {
    /// Opens (creating when absent) the database and every module's tables.
    pub fn open(path: &Path) -> Result<Self, ObjectError> {
        let writer = Connection::open(path)?;
        writer.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
             PRAGMA busy_timeout = 10000;",
        )?;
        writer.execute_batch(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
        )?;
        for schema in [
            crate::assets::SCHEMA,
            crate::vulns::SCHEMA,
            crate::incidents::SCHEMA,
            crate::kb::SCHEMA,
        ] {
            writer.execute_batch(schema)?;
        }
        // Planner statistics for the low-selectivity columns (state, severity); cheap when
        // nothing changed, bounded by SQLite's analysis limit otherwise.
        writer.execute_batch("PRAGMA analysis_limit = 1000; PRAGMA optimize;")?;
        let reader = Connection::open(path)?;
        reader.execute_batch("PRAGMA busy_timeout = 10000; PRAGMA query_only = ON;")?;
        let evidence_dir = path
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .join("evidence");
        Ok(Self {
            path: path.to_owned(),
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
            evidence_dir,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn evidence_dir(&self) -> &Path {
        &self.evidence_dir
    }

    /// A small named value kept with the objects (e.g. automation's cursor over alerts).
    pub fn meta(&self, key: &str) -> Result<Option<String>, ObjectError> {
        use rusqlite::OptionalExtension;
        self.read(|c| {
            Ok(
                c.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                    .optional()?,
            )
        })
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), ObjectError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, value],
            )?;
            Ok(())
        })
    }

    /// Runs `f` in one write transaction: it all commits or nothing does.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, ObjectError>,
    ) -> Result<T, ObjectError> {
        let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs `f` on the read-only connection.
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, ObjectError>,
    ) -> Result<T, ObjectError> {
        let conn = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        f(&conn)
    }
}
