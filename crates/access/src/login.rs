//! Console login and logout: passwords in, session secrets out.

use crate::cache::SessionEntry;
use crate::error::AccessError;
use crate::schema::{get_opt_ts, get_role, ts};
use crate::secret::{hash_token, new_session_secret, verify_dummy, verify_password};
use crate::store::Access;
use crate::types::{Credential, NewSession, Principal};
use crate::Role;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, OptionalExtension};
use std::sync::Arc;

/// Consecutive wrong passwords that lock an account.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a locked account stays locked.
pub const LOCKOUT_SECS: i64 = 5 * 60;

struct Candidate {
    id: i64,
    name: String,
    role: Role,
    password_hash: Option<String>,
    disabled: bool,
    locked_until: Option<DateTime<Utc>>,
}

impl Access {
    /// Checks a password and opens a console session.
    ///
    /// Unknown names, accounts without a password, disabled accounts and wrong
    /// passwords all answer `BadCredentials` after one argon2 verification.
    /// `MAX_FAILED_LOGINS` wrong passwords in a row lock the account for
    /// `LOCKOUT_SECS` (`Locked`).
    pub fn login(
        &self,
        name: &str,
        password: &str,
        now: DateTime<Utc>,
    ) -> Result<NewSession, AccessError> {
        let candidate = self
            .conn()
            .query_row(
                "SELECT id, name, role, password_hash, disabled, locked_until FROM users WHERE name = ?1",
                [name],
                |r| {
                    Ok(Candidate {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        role: get_role(r, 2)?,
                        password_hash: r.get(3)?,
                        disabled: r.get::<_, i64>(4)? != 0,
                        locked_until: get_opt_ts(r, 5)?,
                    })
                },
            )
            .optional()
            .map_err(self.db())?;
        let Some(user) = candidate else {
            verify_dummy(password);
            self.record_nothing()?;
            return Err(AccessError::BadCredentials);
        };
        if let Some(until) = user.locked_until.filter(|u| *u > now) {
            return Err(AccessError::Locked { until });
        }
        // The slow verification runs without holding the connection.
        let right = match &user.password_hash {
            Some(phc) => verify_password(password, phc),
            None => {
                verify_dummy(password);
                false
            }
        };
        if !right {
            self.record_failure(user.id, now)?;
            return Err(AccessError::BadCredentials);
        }
        if user.disabled {
            return Err(AccessError::BadCredentials);
        }
        self.open_session(user, now)
    }

    fn record_failure(&self, user_id: i64, now: DateTime<Utc>) -> Result<(), AccessError> {
        let conn = self.conn();
        let failures: i64 = conn
            .query_row(
                "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ?1 RETURNING failed_logins",
                [user_id],
                |r| r.get(0),
            )
            .map_err(self.db())?;
        if failures >= MAX_FAILED_LOGINS {
            let until = now + Duration::seconds(LOCKOUT_SECS);
            conn.execute(
                "UPDATE users SET failed_logins = 0, locked_until = ?1 WHERE id = ?2",
                params![ts(until), user_id],
            )
            .map_err(self.db())?;
        }
        Ok(())
    }

    /// Costs what `record_failure` costs (a one-row write and its commit), so that a
    /// made-up name answers as slowly as a real one with a wrong password.
    fn record_nothing(&self) -> Result<(), AccessError> {
        self.conn()
            .query_row(
                "UPDATE users SET failed_logins = failed_logins
                 WHERE id = (SELECT MIN(id) FROM users) RETURNING failed_logins",
                [],
                |r| r.get::<_, i64>(0),
            )
            .optional()
            .map_err(self.db())?;
        Ok(())
    }

    fn open_session(&self, user: Candidate, now: DateTime<Utc>) -> Result<NewSession, AccessError> {
        let secret = new_session_secret()?;
        let hash = hash_token(&secret);
        let expires_at = now + Duration::seconds(self.policy.absolute_secs);
        // Rows idle a little longer than the policy allows are certainly dead, even
        // though the stored last-seen time may lag the in-memory one by a minute.
        let idle_cutoff = now - Duration::seconds(self.policy.idle_secs.saturating_add(300));
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(self.db())?;
        tx.execute(
            "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?1",
            [user.id],
        )
        .map_err(self.db())?;
        tx.execute(
            "DELETE FROM sessions WHERE revoked = 1 OR expires_at <= ?1 OR last_seen_at < ?2",
            params![ts(now), ts(idle_cutoff)],
        )
        .map_err(self.db())?;
        tx.execute(
            "INSERT INTO sessions (user_id, sha256, created_at, expires_at, last_seen_at)
             VALUES (?1, ?2, ?3, ?4, ?3)",
            params![user.id, hash.to_vec(), ts(now), ts(expires_at)],
        )
        .map_err(self.db())?;
        let id = tx.last_insert_rowid();
        tx.commit().map_err(self.db())?;
        {
            let mut caches = self.caches_mut();
            let idle = self.policy.idle_secs;
            caches.sessions.retain(|_, s| s.alive(now, idle));
            caches.sessions.insert(
                hash,
                Arc::new(SessionEntry::new(id, user.id, expires_at, now)),
            );
        }
        drop(conn);
        Ok(NewSession {
            token: secret,
            expires_at,
            principal: Principal {
                user_id: user.id,
                name: user.name,
                role: user.role,
                credential: Credential::Session { id },
            },
        })
    }

    /// Ends the session with this secret; false when there was no live one.
    pub fn logout(&self, session_secret: &str) -> Result<bool, AccessError> {
        let hash = hash_token(session_secret);
        let conn = self.conn();
        let changed = conn
            .execute(
                "UPDATE sessions SET revoked = 1 WHERE sha256 = ?1 AND revoked = 0",
                [hash.to_vec()],
            )
            .map_err(self.db())?;
        self.caches_mut().sessions.remove(&hash);
        Ok(changed > 0)
    }

    /// Ends every session of a user ("log out everywhere"); returns how many ended.
    pub fn revoke_sessions(&self, user_id: i64) -> Result<usize, AccessError> {
        let conn = self.conn();
        let n = conn
            .execute(
                "UPDATE sessions SET revoked = 1 WHERE user_id = ?1 AND revoked = 0",
                [user_id],
            )
            .map_err(self.db())?;
        self.caches_mut()
            .sessions
            .retain(|_, s| s.user_id != user_id);
        Ok(n)
    }
}
