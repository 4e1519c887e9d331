//! The access store: one SQLite connection for changes, an in-memory cache for checks.

use crate::cache::Caches;
use crate::error::AccessError;
use crate::schema::{migrate, ts};
use crate::secret::{hash_token, new_token};
use crate::types::{Bootstrap, Credential, Principal, SessionPolicy};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// How often a credential's last-use time is written back at most.
const TOUCH_EVERY_MS: i64 = 60_000;

/// Accounts, console sessions and API tokens of one site, in its `state.db`.
///
/// Lock order: the connection, then the cache. `authenticate` takes only the cache
/// (and, rarely, the connection after releasing the cache).
pub struct Access {
    path: PathBuf,
    conn: Mutex<Connection>,
    caches: RwLock<Caches>,
    pub(crate) policy: SessionPolicy,
}

impl fmt::Debug for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Access")
            .field("path", &self.path)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

enum Touch {
    Token(i64),
    Session(i64),
}

impl Access {
    /// Opens (or creates) the store with the default session lifetimes, upgrading
    /// databases written by older versions.
    pub fn open(path: &Path) -> Result<Access, AccessError> {
        Self::open_with_policy(path, SessionPolicy::default())
    }

    pub fn open_with_policy(path: &Path, policy: SessionPolicy) -> Result<Access, AccessError> {
        let db = |source| AccessError::Db {
            path: path.to_owned(),
            source,
        };
        let mut conn = Connection::open(path).map_err(db)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;",
        )
        .map_err(db)?;
        migrate(&mut conn).map_err(db)?;
        let access = Access {
            path: path.to_owned(),
            conn: Mutex::new(conn),
            caches: RwLock::new(Caches::default()),
            policy,
        };
        access.reload(&access.conn())?;
        let _ = crate::secret::dummy_hash();
        Ok(access)
    }

    pub fn session_policy(&self) -> SessionPolicy {
        self.policy
    }

    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn caches(&self) -> RwLockReadGuard<'_, Caches> {
        self.caches.read().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn caches_mut(&self) -> RwLockWriteGuard<'_, Caches> {
        self.caches.write().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn db(&self) -> impl Fn(rusqlite::Error) -> AccessError + '_ {
        |source| AccessError::Db {
            path: self.path.clone(),
            source,
        }
    }

    /// Rebuilds the cache; the caller holds the connection, so no change can slip
    /// between reading and installing it.
    pub(crate) fn reload(&self, conn: &Connection) -> Result<(), AccessError> {
        let fresh = Caches::load(conn, &self.caches()).map_err(self.db())?;
        *self.caches_mut() = fresh;
        Ok(())
    }

    /// On an empty database: creates the `admin` account (no password) and its first API
    /// token, using `preset` (from `STEWARD_BOOTSTRAP_TOKEN`) when given.
    pub fn bootstrap(&self, site_id: &str, preset: Option<&str>) -> Result<Bootstrap, AccessError> {
        let token = match preset {
            Some(t) if t.len() >= 16 && t.bytes().all(|b| b.is_ascii_graphic()) => t.to_owned(),
            Some(_) => return Err(AccessError::WeakBootstrapToken),
            None => new_token()?,
        };
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(self.db())?;
        let existing: Option<i64> = tx
            .query_row("SELECT id FROM users LIMIT 1", [], |r| r.get(0))
            .optional()
            .map_err(self.db())?;
        if existing.is_some() {
            return Ok(Bootstrap::AlreadyDone);
        }
        let now = ts(Utc::now());
        tx.execute(
            "INSERT INTO users (name, role, site_id, created_at, updated_at)
             VALUES ('admin', 'admin', ?1, ?2, ?2)",
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
        self.reload(&conn)?;
        Ok(Bootstrap::Created { token })
    }

    /// Who presents `secret` (an API token or a console session secret), if anyone.
    /// Reads only memory, apart from writing a credential's last-use time about once a
    /// minute.
    pub fn authenticate(&self, secret: &str, now: DateTime<Utc>) -> Option<Principal> {
        let hash = hash_token(secret);
        let now_ms = now.timestamp_millis();
        let (principal, touch) = {
            let caches = self.caches();
            if let Some(s) = caches.sessions.get(&hash) {
                if !s.alive(now, self.policy.idle_secs) {
                    return None;
                }
                let user = caches.users.get(&s.user_id).filter(|u| !u.disabled)?;
                let touch = s.usage.record(now_ms, TOUCH_EVERY_MS);
                let principal = Principal {
                    user_id: s.user_id,
                    name: user.name.clone(),
                    role: user.role,
                    credential: Credential::Session { id: s.id },
                };
                (principal, touch.then_some(Touch::Session(s.id)))
            } else {
                let t = caches.tokens.get(&hash)?;
                if t.expires_at.is_some_and(|e| now >= e) {
                    return None;
                }
                let user = caches.users.get(&t.user_id).filter(|u| !u.disabled)?;
                let touch = t.usage.record(now_ms, TOUCH_EVERY_MS);
                let principal = Principal {
                    user_id: t.user_id,
                    name: user.name.clone(),
                    role: user.role,
                    credential: Credential::Token {
                        id: t.id,
                        name: t.name.clone(),
                    },
                };
                (principal, touch.then_some(Touch::Token(t.id)))
            }
        };
        if let Some(touch) = touch {
            self.touch(touch, now);
        }
        Some(principal)
    }

    /// Best effort: a lost last-use time only shortens an idle session after a restart
    /// by up to a minute, which is no reason to refuse the request.
    fn touch(&self, touch: Touch, now: DateTime<Utc>) {
        let conn = self.conn();
        let _ = match touch {
            Touch::Token(id) => conn.execute(
                "UPDATE api_tokens SET last_used_at = ?1 WHERE id = ?2",
                params![ts(now), id],
            ),
            Touch::Session(id) => conn.execute(
                "UPDATE sessions SET last_seen_at = ?1 WHERE id = ?2",
                params![ts(now), id],
            ),
        };
    }
}

// The server shares one `Access` between request handlers.
const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    shared::<Access>();
};
