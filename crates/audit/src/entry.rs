//! What an audit entry holds, before and after it joins the chain.

use crate::canonical::{canonical_json, HashInput};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Who made a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActorKind {
    /// A person signed in to the console or CLI.
    User,
    /// An API token.
    Token,
    /// A playbook, schedule or rule acting on its own.
    Automation,
    /// Steward itself (start-up, migrations, retention).
    System,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::User => "user",
            ActorKind::Token => "token",
            ActorKind::Automation => "automation",
            ActorKind::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<ActorKind> {
        match s {
            "user" => Some(ActorKind::User),
            "token" => Some(ActorKind::Token),
            "automation" => Some(ActorKind::Automation),
            "system" => Some(ActorKind::System),
            _ => None,
        }
    }
}

/// A change to record; the log assigns seq, time and hashes.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEntry {
    pub actor_kind: ActorKind,
    pub actor: String,
    /// Dotted verb such as `incident.update`.
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub details: Value,
}

impl NewEntry {
    pub fn new(actor_kind: ActorKind, actor: impl Into<String>, action: impl Into<String>) -> Self {
        NewEntry {
            actor_kind,
            actor: actor.into(),
            action: action.into(),
            object_type: String::new(),
            object_id: String::new(),
            details: Value::Object(serde_json::Map::new()),
        }
    }

    pub fn object(mut self, object_type: impl Into<String>, object_id: impl Into<String>) -> Self {
        self.object_type = object_type.into();
        self.object_id = object_id.into();
        self
    }

    pub fn details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }
}

/// One link of the chain as stored and exported (one NDJSON line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: u64,
    pub time: DateTime<Utc>,
    pub actor_kind: ActorKind,
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub details: Value,
    pub prev_hash: String,
    pub hash: String,
}

impl Entry {
    /// Recomputes the hash from the fields, so an exported entry can be checked without the
    /// database (the hub does this with shipped copies).
    pub fn computed_hash(&self) -> String {
        let time = format_time(self.time);
        let details = canonical_json(&self.details);
        HashInput {
            seq: self.seq,
            time: &time,
            actor_kind: self.actor_kind.as_str(),
            actor: &self.actor,
            action: &self.action,
            object_type: &self.object_type,
            object_id: &self.object_id,
            details: &details,
            prev_hash: &self.prev_hash,
        }
        .hash()
    }
}

/// The stored time form: RFC 3339 UTC with exactly six fractional digits, so that text order
/// is time order (the list filter compares the column as text) and the hashed text is fixed.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}
