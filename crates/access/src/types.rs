//! The values the store hands out and takes in. None of them carries a stored hash;
//! the ones that carry a secret print it redacted.

use crate::role::{Permission, Role};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::ToSchema;

/// An account as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub display_name: Option<String>,
    pub disabled: bool,
    /// Whether the account can log in to the console (API tokens work without one).
    pub has_password: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An API token as the API shows it; the secret is shown once, at creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TokenInfo {
    pub id: i64,
    pub user_id: i64,
    pub user_name: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Written at most about once a minute, so it may lag a little.
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked: bool,
}

/// A request to create an account.
#[derive(Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    #[schema(pattern = "^[A-Za-z0-9._@-]{1,64}$")]
    pub name: String,
    pub role: Role,
    #[serde(default)]
    #[schema(max_length = 128, pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$")]
    pub display_name: Option<String>,
    /// At least 12 characters; without one the account can only use API tokens.
    #[serde(default)]
    #[schema(min_length = 12, max_length = 1024)]
    pub password: Option<String>,
}

/// A change to an account; absent fields stay as they are.
#[derive(Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    #[serde(default)]
    pub role: Option<Role>,
    /// An empty string clears it.
    #[serde(default)]
    #[schema(max_length = 128, pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$")]
    pub display_name: Option<String>,
    #[serde(default)]
    pub disabled: Option<bool>,
    #[serde(default)]
    #[schema(min_length = 12, max_length = 1024)]
    pub password: Option<String>,
}

/// Who is calling, after a credential was accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Principal {
    pub user_id: i64,
    /// The user's name.
    pub name: String,
    pub role: Role,
    pub credential: Credential,
}

/// Which credential the caller presented.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Credential {
    /// An API token; `name` is the token's label, for the audit trail.
    Token { id: i64, name: String },
    /// A console session from `login`.
    Session { id: i64 },
}

impl Principal {
    pub fn can(&self, permission: Permission) -> bool {
        self.role.allows(permission)
    }

    /// The name written to the audit log: `user:alice` for a console session,
    /// `token:alice/ci` for alice's token labelled `ci`.
    pub fn actor(&self) -> String {
        match &self.credential {
            Credential::Session { .. } => format!("user:{}", self.name),
            Credential::Token { name, .. } => format!("token:{}/{}", self.name, name),
        }
    }
}

/// A console session just opened by `login`.
#[derive(Clone)]
pub struct NewSession {
    /// `sts_` and 64 hex digits; the only copy, give it to the browser.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub principal: Principal,
}

/// What the first start did.
#[derive(Clone)]
pub enum Bootstrap {
    /// Accounts already existed; nothing was created.
    AlreadyDone,
    /// The admin account and this token were created.
    Created { token: String },
}

/// How long console sessions live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A session unused this long ends.
    pub idle_secs: i64,
    /// A session ends this long after login, used or not.
    pub absolute_secs: i64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle_secs: 30 * 60,
            absolute_secs: 12 * 60 * 60,
        }
    }
}

const REDACTED: &str = "<redacted>";

fn redact(secret: &Option<String>) -> Option<&'static str> {
    secret.as_ref().map(|_| REDACTED)
}

impl fmt::Debug for NewSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewSession")
            .field("token", &REDACTED)
            .field("expires_at", &self.expires_at)
            .field("principal", &self.principal)
            .finish()
    }
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("name", &self.name)
            .field("role", &self.role)
            .field("display_name", &self.display_name)
            .field("password", &redact(&self.password))
            .finish()
    }
}

impl fmt::Debug for UserUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserUpdate")
            .field("role", &self.role)
            .field("display_name", &self.display_name)
            .field("disabled", &self.disabled)
            .field("password", &redact(&self.password))
            .finish()
    }
}

impl fmt::Debug for Bootstrap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bootstrap::AlreadyDone => f.write_str("AlreadyDone"),
            Bootstrap::Created { .. } => {
                f.debug_struct("Created").field("token", &REDACTED).finish()
            }
        }
    }
}
