//! Who owns a record. Every event and stored object carries its site id and a tenant id
//! slot, so the hub tier can aggregate many sites later without a data migration.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The customer installation a record was collected at.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SiteId(String);

/// The customer (tenant) a site belongs to; empty until a hub assigns one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TenantId(String);

/// Errors from constructing identities out of configuration.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdentityError {
    #[error("{kind} id must be 1-64 characters of [A-Za-z0-9_.-], got {value:?}")]
    Invalid { kind: &'static str, value: String },
}

fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

impl SiteId {
    pub fn new(value: impl Into<String>) -> Result<Self, IdentityError> {
        let value = value.into();
        if valid_id(&value) {
            Ok(Self(value))
        } else {
            Err(IdentityError::Invalid {
                kind: "site",
                value,
            })
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TenantId {
    /// The tenant slot before a hub has assigned one.
    pub fn unassigned() -> Self {
        Self(String::new())
    }
    pub fn new(value: impl Into<String>) -> Result<Self, IdentityError> {
        let value = value.into();
        if value.is_empty() || valid_id(&value) {
            Ok(Self(value))
        } else {
            Err(IdentityError::Invalid {
                kind: "tenant",
                value,
            })
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SiteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The pair stamped on every record a site stores.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    pub site: SiteId,
    pub tenant: TenantId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_validated() {
        assert!(SiteId::new("site-01.hq").is_ok());
        assert!(SiteId::new("").is_err());
        assert!(SiteId::new("a b").is_err());
        assert!(SiteId::new("x".repeat(65)).is_err());
        assert!(TenantId::new("").is_ok());
        assert!(TenantId::new("bad/tenant").is_err());
    }
}
