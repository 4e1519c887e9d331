//! The in-memory view that `authenticate` reads, so checking a request needs no I/O.
//! Rebuilt from the database after every change to accounts or tokens.

use crate::role::Role;
use crate::schema::{get_opt_ts, get_role, get_ts};
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

pub(crate) type Digest = [u8; 32];

pub(crate) struct UserEntry {
    pub name: String,
    pub role: Role,
    pub disabled: bool,
}

/// When a credential was last used (milliseconds since the epoch), in memory and as
/// last written, so the database is touched at most once a minute per credential.
pub(crate) struct Usage {
    pub last: AtomicI64,
    pub persisted: AtomicI64,
}

impl Usage {
    fn new(ms: i64) -> Self {
        Self {
            last: AtomicI64::new(ms),
            persisted: AtomicI64::new(ms),
        }
    }

    /// Records a use; true when this caller should write it to the database.
    pub fn record(&self, now_ms: i64, every_ms: i64) -> bool {
        self.last.fetch_max(now_ms, Ordering::Relaxed);
        let persisted = self.persisted.load(Ordering::Relaxed);
        now_ms - persisted >= every_ms
            && self
                .persisted
                .compare_exchange(persisted, now_ms, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }
}

pub(crate) struct TokenEntry {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub usage: Usage,
}

pub(crate) struct SessionEntry {
    pub id: i64,
    pub user_id: i64,
    pub expires_at: DateTime<Utc>,
    pub usage: Usage,
}

#[derive(Default)]
pub(crate) struct Caches {
    pub users: HashMap<i64, UserEntry>,
    pub tokens: HashMap<Digest, Arc<TokenEntry>>,
    pub sessions: HashMap<Digest, Arc<SessionEntry>>,
}

fn digest(bytes: Vec<u8>) -> Option<Digest> {
    bytes.try_into().ok()
}

impl Caches {
    /// Reads every account and live credential. Entries already cached are kept as they
    /// are (credentials never change, only disappear), which keeps their in-memory
    /// last-use times, fresher than the database's.
    pub fn load(conn: &Connection, previous: &Caches) -> rusqlite::Result<Caches> {
        let mut caches = Caches::default();
        let mut stmt = conn.prepare("SELECT id, name, role, disabled FROM users")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            // An account with a role this version does not know gets no access at all.
            let Ok(role) = get_role(r, 2) else { continue };
            caches.users.insert(
                r.get(0)?,
                UserEntry {
                    name: r.get(1)?,
                    role,
                    disabled: r.get::<_, i64>(3)? != 0,
                },
            );
        }

        let mut stmt = conn.prepare(
            "SELECT sha256, id, user_id, name, expires_at, COALESCE(last_used_at, created_at)
             FROM api_tokens WHERE revoked = 0",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let Some(hash) = digest(r.get(0)?) else {
                continue;
            };
            if let Some(old) = previous.tokens.get(&hash) {
                caches.tokens.insert(hash, Arc::clone(old));
                continue;
            }
            let used = get_ts(r, 5).map_or(0, |t| t.timestamp_millis());
            let entry = TokenEntry {
                id: r.get(1)?,
                user_id: r.get(2)?,
                name: r.get(3)?,
                expires_at: get_opt_ts(r, 4)?,
                usage: Usage::new(used),
            };
            caches.tokens.insert(hash, Arc::new(entry));
        }

        let mut stmt = conn.prepare(
            "SELECT sha256, id, user_id, expires_at, last_seen_at FROM sessions WHERE revoked = 0",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let Some(hash) = digest(r.get(0)?) else {
                continue;
            };
            if let Some(old) = previous.sessions.get(&hash) {
                caches.sessions.insert(hash, Arc::clone(old));
                continue;
            }
            let entry = SessionEntry {
                id: r.get(1)?,
                user_id: r.get(2)?,
                expires_at: get_ts(r, 3)?,
                usage: Usage::new(get_ts(r, 4)?.timestamp_millis()),
            };
            caches.sessions.insert(hash, Arc::new(entry));
        }
        Ok(caches)
    }
}

impl SessionEntry {
    pub fn new(id: i64, user_id: i64, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> Self {
        Self {
            id,
            user_id,
            expires_at,
            usage: Usage::new(now.timestamp_millis()),
        }
    }

    pub fn alive(&self, now: DateTime<Utc>, idle_secs: i64) -> bool {
        let idle_ms = now.timestamp_millis() - self.usage.last.load(Ordering::Relaxed);
        now < self.expires_at && idle_ms <= idle_secs.saturating_mul(1000)
    }
}
