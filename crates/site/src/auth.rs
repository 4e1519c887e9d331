//! Accounts and API tokens, kept in the site's state database.
//!
//! Tokens are 256-bit random secrets; only their SHA-256 is stored, so a copy of the
//! database does not let anyone call the API. (A slow password hash is for low-entropy
//! passwords; a random token needs none.)

use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("state database {path}: {source}")]
    Db {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("no secure random numbers available: {0}")]
    Random(String),
    #[error("STEWARD_BOOTSTRAP_TOKEN must be at least 16 characters of printable ASCII")]
    WeakBootstrapToken,
}

/// What the first start did.
#[derive(Debug)]
pub enum Bootstrap {
    /// Accounts already existed; nothing was created.
    AlreadyDone,
    /// The admin account and this token were created.
    Created { token: String },
}

pub struct Accounts {
    path: PathBuf,
    conn: Mutex<Connection>,
    /// SHA-256 of every valid token, loaded once: checking a request needs no I/O.
    token_hashes: RwLock<HashSet<[u8; 32]>>,
}

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
);";

pub fn hash_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A new token: `stw_` and 64 hex digits of OS randomness.
pub fn new_token() -> Result<String, AuthError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AuthError::Random(e.to_string()))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("stw_{hex}"))
}

impl Accounts {
    pub fn open(path: &Path) -> Result<Self, AuthError> {
        let db = |source| AuthError::Db {
            path: path.to_owned(),
            source,
        };
        let conn = Connection::open(path).map_err(db)?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
            .map_err(db)?;
        conn.execute_batch(SCHEMA).map_err(db)?;
        let accounts = Self {
            path: path.to_owned(),
            conn: Mutex::new(conn),
            token_hashes: RwLock::new(HashSet::new()),
        };
        accounts.reload()?;
        Ok(accounts)
    }

    fn db(&self) -> impl FnOnce(rusqlite::Error) -> AuthError + '_ {
        |source| AuthError::Db {
            path: self.path.clone(),
            source,
        }
    }

    fn reload(&self) -> Result<(), AuthError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let mut stmt = conn
            .prepare("SELECT sha256 FROM api_tokens")
            .map_err(self.db())?;
        let rows = stmt
            .query_map([], |r| r.get::<_, Vec<u8>>(0))
            .map_err(self.db())?
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.db())?;
        let set = rows.into_iter().filter_map(|h| h.try_into().ok()).collect();
        *self.token_hashes.write().unwrap_or_else(|p| p.into_inner()) = set;
        Ok(())
    }

    /// On an empty database: creates the `admin` account and its first API token, using
    /// `preset` (from `STEWARD_BOOTSTRAP_TOKEN`) when given.
    pub fn bootstrap(&self, site_id: &str, preset: Option<&str>) -> Result<Bootstrap, AuthError> {
        {
            let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
            let existing: Option<i64> = conn
                .query_row("SELECT id FROM users LIMIT 1", [], |r| r.get(0))
                .optional()
                .map_err(self.db())?;
            if existing.is_some() {
                return Ok(Bootstrap::AlreadyDone);
            }
        }
        let token = match preset {
            Some(t) if t.len() >= 16 && t.bytes().all(|b| b.is_ascii_graphic()) => t.to_owned(),
            Some(_) => return Err(AuthError::WeakBootstrapToken),
            None => new_token()?,
        };
        {
            let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
            let now = chrono::Utc::now().to_rfc3339();
            let tx = conn.transaction().map_err(self.db())?;
            tx.execute(
                "INSERT INTO users (name, role, site_id, created_at) VALUES ('admin', 'admin', ?1, ?2)",
                params![site_id, now],
            )
            .map_err(self.db())?;
            let user = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO api_tokens (user_id, name, sha256, created_at) VALUES (?1, 'bootstrap', ?2, ?3)",
                params![user, hash_token(&token).to_vec(), now],
            )
            .map_err(self.db())?;
            tx.commit().map_err(self.db())?;
        }
        self.reload()?;
        Ok(Bootstrap::Created { token })
    }

    pub fn token_is_valid(&self, token: &str) -> bool {
        let hash = hash_token(token);
        self.token_hashes
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bootstrap_once_and_check_tokens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let accounts = Accounts::open(&path).unwrap();
        let Bootstrap::Created { token } = accounts.bootstrap("s1", None).unwrap() else {
            panic!("first start must bootstrap");
        };
        assert!(token.starts_with("stw_") && token.len() == 68);
        assert!(accounts.token_is_valid(&token));
        assert!(!accounts.token_is_valid("stw_wrong"));
        assert!(matches!(
            accounts.bootstrap("s1", None).unwrap(),
            Bootstrap::AlreadyDone
        ));
        drop(accounts);
        let reopened = Accounts::open(&path).unwrap();
        assert!(reopened.token_is_valid(&token));
        // Only the hash is stored.
        let raw = std::fs::read(&path).unwrap();
        assert!(!raw.windows(token.len()).any(|w| w == token.as_bytes()));
    }

    #[test]
    fn preset_token_is_used_and_weak_presets_refused() {
        let dir = tempfile::tempdir().unwrap();
        let accounts = Accounts::open(&dir.path().join("state.db")).unwrap();
        assert!(matches!(
            accounts.bootstrap("s1", Some("short")),
            Err(AuthError::WeakBootstrapToken)
        ));
        let preset = "automation-token-0123456789";
        assert!(matches!(
            accounts.bootstrap("s1", Some(preset)).unwrap(),
            Bootstrap::Created { .. }
        ));
        assert!(accounts.token_is_valid(preset));
    }
}
