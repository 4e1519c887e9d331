//! The slice of an alert that incident logic needs.
//!
//! Mirrors the alert store's row without depending on the store, so this crate stays
//! below it in the dependency graph.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use steward_model::{Entities, Level};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AlertRef {
    pub id: i64,
    pub rule_id: String,
    pub title: String,
    #[schema(value_type = String)]
    pub level: Level,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub entities: Entities,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
}
