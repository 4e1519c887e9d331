use chrono::{DateTime, Utc};
use std::path::PathBuf;

/// Everything that can go wrong in the access store.
///
/// `BadCredentials` reads the same whether or not the account exists, so the message
/// cannot be used to discover user names.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
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
    #[error("wrong user name or password")]
    BadCredentials,
    #[error("account locked after repeated failed logins until {until}")]
    Locked { until: DateTime<Utc> },
    #[error("already exists")]
    Exists,
    #[error("not found")]
    NotFound,
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("refusing to disable or demote the last enabled admin")]
    LastAdmin,
    #[error("password hashing failed: {0}")]
    Hash(String),
}

impl AccessError {
    pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }
}
