//! API tokens: created for a user, listed without secrets, revoked.

use crate::error::AccessError;
use crate::schema::{get_opt_ts, get_ts, ts};
use crate::secret::{hash_token, new_token};
use crate::store::Access;
use crate::types::TokenInfo;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};

const MAX_TOKEN_NAME_CHARS: usize = 64;

const TOKEN_QUERY: &str =
    "SELECT t.id, t.user_id, u.name, t.name, t.created_at, t.expires_at, t.last_used_at, t.revoked
     FROM api_tokens t JOIN users u ON u.id = t.user_id";

fn token_from_row(r: &Row<'_>) -> rusqlite::Result<TokenInfo> {
    Ok(TokenInfo {
        id: r.get(0)?,
        user_id: r.get(1)?,
        user_name: r.get(2)?,
        name: r.get(3)?,
        created_at: get_ts(r, 4)?,
        expires_at: get_opt_ts(r, 5)?,
        last_used_at: get_opt_ts(r, 6)?,
        revoked: r.get::<_, i64>(7)? != 0,
    })
}

fn fetch_token(conn: &Connection, id: i64) -> rusqlite::Result<Option<TokenInfo>> {
    conn.query_row(
        &format!("{TOKEN_QUERY} WHERE t.id = ?1"),
        [id],
        token_from_row,
    )
    .optional()
}

impl Access {
    /// Creates an API token for a user; the secret is returned once and never stored.
    pub fn create_token(
        &self,
        user_id: i64,
        name: &str,
        expires_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(TokenInfo, String), AccessError> {
        let name = name.trim();
        if name.is_empty()
            || name.chars().count() > MAX_TOKEN_NAME_CHARS
            || name.chars().any(char::is_control)
        {
            return Err(AccessError::invalid(
                "name",
                format!("1 to {MAX_TOKEN_NAME_CHARS} characters, no control characters"),
            ));
        }
        if expires_at.is_some_and(|e| e <= now) {
            return Err(AccessError::invalid("expires_at", "must lie in the future"));
        }
        let secret = new_token()?;
        let conn = self.conn();
        let user: Option<i64> = conn
            .query_row("SELECT id FROM users WHERE id = ?1", [user_id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(self.db())?;
        if user.is_none() {
            return Err(AccessError::NotFound);
        }
        conn.execute(
            "INSERT INTO api_tokens (user_id, name, sha256, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                user_id,
                name,
                hash_token(&secret).to_vec(),
                ts(now),
                expires_at.map(ts)
            ],
        )
        .map_err(self.db())?;
        let id = conn.last_insert_rowid();
        self.reload(&conn)?;
        let info = fetch_token(&conn, id)
            .map_err(self.db())?
            .ok_or(AccessError::NotFound)?;
        Ok((info, secret))
    }

    /// All tokens, or one user's, revoked ones included, oldest first.
    pub fn list_tokens(&self, user_id: Option<i64>) -> Result<Vec<TokenInfo>, AccessError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "{TOKEN_QUERY} WHERE ?1 IS NULL OR t.user_id = ?1 ORDER BY t.id"
            ))
            .map_err(self.db())?;
        let tokens = stmt
            .query_map([user_id], token_from_row)
            .map_err(self.db())?
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.db())?;
        Ok(tokens)
    }

    /// Revokes a token at once; revoking twice is fine, an unknown id is `NotFound`.
    pub fn revoke_token(&self, id: i64) -> Result<(), AccessError> {
        let conn = self.conn();
        let n = conn
            .execute("UPDATE api_tokens SET revoked = 1 WHERE id = ?1", [id])
            .map_err(self.db())?;
        if n == 0 {
            return Err(AccessError::NotFound);
        }
        self.reload(&conn)
    }
}
