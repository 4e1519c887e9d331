//! Account management: create, list, change.

use crate::error::AccessError;
use crate::schema::{get_role, get_ts, ts};
use crate::secret::hash_password;
use crate::store::Access;
use crate::types::{NewUser, User, UserUpdate};
use crate::Role;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 1024;
const MAX_NAME_CHARS: usize = 64;
const MAX_DISPLAY_NAME_CHARS: usize = 128;

const USER_COLUMNS: &str =
    "id, name, role, display_name, disabled, password_hash IS NOT NULL, created_at, updated_at";

fn user_from_row(r: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        name: r.get(1)?,
        role: get_role(r, 2)?,
        display_name: r.get(3)?,
        disabled: r.get::<_, i64>(4)? != 0,
        has_password: r.get(5)?,
        created_at: get_ts(r, 6)?,
        updated_at: get_ts(r, 7)?,
    })
}

pub(crate) fn validate_name(name: &str) -> Result<(), AccessError> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-');
    if name.is_empty() || name.len() > MAX_NAME_CHARS || !name.chars().all(ok_char) {
        return Err(AccessError::invalid(
            "name",
            "1 to 64 characters of A-Z a-z 0-9 . _ @ -",
        ));
    }
    Ok(())
}

fn validate_password(password: &str) -> Result<(), AccessError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(AccessError::invalid(
            "password",
            format!("at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(AccessError::invalid(
            "password",
            format!("at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

/// An empty display name means none.
fn clean_display_name(display_name: Option<&str>) -> Result<Option<String>, AccessError> {
    let Some(d) = display_name.map(str::trim).filter(|d| !d.is_empty()) else {
        return Ok(None);
    };
    if d.chars().count() > MAX_DISPLAY_NAME_CHARS || d.chars().any(char::is_control) {
        return Err(AccessError::invalid(
            "display_name",
            format!("at most {MAX_DISPLAY_NAME_CHARS} characters, no control characters"),
        ));
    }
    Ok(Some(d.to_owned()))
}

fn fetch_user(conn: &Connection, id: i64) -> rusqlite::Result<Option<User>> {
    conn.query_row(
        &format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"),
        [id],
        user_from_row,
    )
    .optional()
}

impl Access {
    /// Creates an account. Without a password it can only use API tokens.
    pub fn create_user(&self, input: &NewUser, now: DateTime<Utc>) -> Result<User, AccessError> {
        validate_name(&input.name)?;
        let display_name = clean_display_name(input.display_name.as_deref())?;
        let password_hash = match &input.password {
            Some(p) => {
                validate_password(p)?;
                Some(hash_password(p)?)
            }
            None => None,
        };
        let conn = self.conn();
        let taken: Option<i64> = conn
            .query_row("SELECT id FROM users WHERE name = ?1", [&input.name], |r| {
                r.get(0)
            })
            .optional()
            .map_err(self.db())?;
        if taken.is_some() {
            return Err(AccessError::Exists);
        }
        // Every account belongs to the one site this database serves.
        let site_id: String = conn
            .query_row("SELECT site_id FROM users ORDER BY id LIMIT 1", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(self.db())?
            .unwrap_or_default();
        conn.execute(
            "INSERT INTO users (name, role, site_id, display_name, password_hash, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            params![
                input.name,
                input.role.as_str(),
                site_id,
                display_name,
                password_hash,
                ts(now)
            ],
        )
        .map_err(self.db())?;
        let id = conn.last_insert_rowid();
        self.reload(&conn)?;
        fetch_user(&conn, id)
            .map_err(self.db())?
            .ok_or(AccessError::NotFound)
    }

    pub fn list_users(&self) -> Result<Vec<User>, AccessError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY id"))
            .map_err(self.db())?;
        let users = stmt
            .query_map([], user_from_row)
            .map_err(self.db())?
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.db())?;
        Ok(users)
    }

    pub fn get_user(&self, id: i64) -> Result<User, AccessError> {
        fetch_user(&self.conn(), id)
            .map_err(self.db())?
            .ok_or(AccessError::NotFound)
    }

    /// Changes an account. A new role, a disabled flag or a new password ends the
    /// user's console sessions at once (their tokens follow the new role or flag at
    /// once too). The last enabled admin can be neither disabled nor demoted.
    pub fn update_user(
        &self,
        id: i64,
        update: &UserUpdate,
        now: DateTime<Utc>,
    ) -> Result<User, AccessError> {
        let display_name = match &update.display_name {
            Some(d) => Some(clean_display_name(Some(d))?),
            None => None,
        };
        let password_hash = match &update.password {
            Some(p) => {
                validate_password(p)?;
                Some(hash_password(p)?)
            }
            None => None,
        };
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(self.db())?;
        let current = fetch_user(&tx, id)
            .map_err(self.db())?
            .ok_or(AccessError::NotFound)?;
        let role = update.role.unwrap_or(current.role);
        let disabled = update.disabled.unwrap_or(current.disabled);
        let was_admin = current.role == Role::Admin && !current.disabled;
        let stays_admin = role == Role::Admin && !disabled;
        if was_admin && !stays_admin {
            let admins: i64 = tx
                .query_row(
                    "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0",
                    [],
                    |r| r.get(0),
                )
                .map_err(self.db())?;
            if admins <= 1 {
                return Err(AccessError::LastAdmin);
            }
        }
        let display_name = display_name.unwrap_or(current.display_name);
        tx.execute(
            "UPDATE users SET role = ?1, disabled = ?2, display_name = ?3, updated_at = ?4 WHERE id = ?5",
            params![role.as_str(), disabled, display_name, ts(now), id],
        )
        .map_err(self.db())?;
        if let Some(phc) = &password_hash {
            // A password reset by an admin also lifts a lockout.
            tx.execute(
                "UPDATE users SET password_hash = ?1, failed_logins = 0, locked_until = NULL WHERE id = ?2",
                params![phc, id],
            )
            .map_err(self.db())?;
        }
        let ends_sessions =
            role != current.role || disabled != current.disabled || password_hash.is_some();
        if ends_sessions {
            tx.execute(
                "UPDATE sessions SET revoked = 1 WHERE user_id = ?1 AND revoked = 0",
                [id],
            )
            .map_err(self.db())?;
        }
        tx.commit().map_err(self.db())?;
        self.reload(&conn)?;
        fetch_user(&conn, id)
            .map_err(self.db())?
            .ok_or(AccessError::NotFound)
    }
}
