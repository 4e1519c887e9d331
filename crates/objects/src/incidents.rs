//! Incidents (cases) kept durable: the whole `steward_secops::Incident` as a JSON document
//! (timeline included), with the fields lists filter and sort on copied into columns.
//!
//! Every change loads the document, applies the domain rule from `steward-secops`
//! (state machine, alert merging, SLA breaches), and writes document and columns back in
//! one transaction, so the columns never disagree with the document.

mod automation;
mod evidence;
mod ops;
mod store;
#[cfg(test)]
mod tests;

pub use automation::GroupOutcome;
pub(crate) use store::{load as load_incident, save_doc};

use crate::{PageRequest, SortOrder};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use steward_secops::{Category, Incident, IncidentState, Severity, SlaBreach};
use utoipa::{IntoParams, ToSchema};

// Times are Unix milliseconds: integers compare and index cheaply, and SLA arithmetic
// stays exact. `activity_at` is the last alert time (or creation), which grouping
// searches by; `acknowledged_at`/`contained_at`/`resolved_at` are the SLA milestones,
// so the sweep and the metrics work from columns without loading documents.
pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS incidents (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    state TEXT NOT NULL,
    is_open INTEGER NOT NULL,
    severity TEXT NOT NULL,
    severity_rank INTEGER NOT NULL,
    category TEXT NOT NULL,
    assignee TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    alert_count INTEGER NOT NULL,
    first_alert_at INTEGER,
    last_alert_at INTEGER,
    activity_at INTEGER NOT NULL,
    acknowledged_at INTEGER,
    contained_at INTEGER,
    resolved_at INTEGER,
    due_acknowledge INTEGER NOT NULL,
    due_contain INTEGER NOT NULL,
    due_resolve INTEGER NOT NULL,
    breached INTEGER NOT NULL DEFAULT 0,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS incidents_state ON incidents(state, severity_rank);
CREATE INDEX IF NOT EXISTS incidents_severity ON incidents(severity_rank);
CREATE INDEX IF NOT EXISTS incidents_category ON incidents(category);
CREATE INDEX IF NOT EXISTS incidents_assignee ON incidents(assignee);
CREATE INDEX IF NOT EXISTS incidents_created ON incidents(created_at);
CREATE INDEX IF NOT EXISTS incidents_updated ON incidents(updated_at);
CREATE INDEX IF NOT EXISTS incidents_due_resolve ON incidents(due_resolve);
CREATE INDEX IF NOT EXISTS incidents_breached ON incidents(breached);
CREATE INDEX IF NOT EXISTS incidents_open_activity ON incidents(is_open, activity_at);
CREATE INDEX IF NOT EXISTS incidents_open_created ON incidents(is_open, created_at);
CREATE TABLE IF NOT EXISTS incident_alerts (
    alert_id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    tags TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS incident_alerts_incident ON incident_alerts(incident_id);
CREATE TABLE IF NOT EXISTS incident_breaches (
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    target TEXT NOT NULL,
    due INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (incident_id, target)
);
";

/// Longest accepted incident title, in characters.
pub const MAX_TITLE: usize = 300;
/// Longest accepted comment or description, in characters.
pub const MAX_COMMENT: usize = 20_000;
/// Longest accepted transition reason or evidence note, in characters.
pub const MAX_REASON: usize = 2_000;
/// Most alerts one request may link.
pub const MAX_LINK: usize = 1_000;
const MAX_NAME: usize = 200;

/// An incident as the detail view shows it: every field of the incident at the top
/// level, plus its SLA standing.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct IncidentRecord {
    #[serde(flatten)]
    pub incident: Incident,
    /// When the incident last changed (any timeline entry, including SLA sweeps).
    pub updated_at: DateTime<Utc>,
    pub sla: SlaStatus,
}

/// Due times under the current policy and the targets missed so far. Breaches are
/// judged as of the incident's last change: a still-unmet target counts its overdue
/// time up to then (the periodic sweep keeps that recent).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct SlaStatus {
    pub due_acknowledge: DateTime<Utc>,
    pub due_contain: DateTime<Utc>,
    pub due_resolve: DateTime<Utc>,
    pub breaches: Vec<SlaBreach>,
}

/// One line of the incident list, read from columns (no timeline, no comments).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct IncidentRow {
    pub id: i64,
    pub title: String,
    pub state: IncidentState,
    pub severity: Severity,
    pub category: Category,
    pub assignee: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub alert_count: u64,
    pub first_alert_at: Option<DateTime<Utc>>,
    pub last_alert_at: Option<DateTime<Utc>>,
    pub due_acknowledge: DateTime<Utc>,
    pub due_contain: DateTime<Utc>,
    pub due_resolve: DateTime<Utc>,
    /// Whether any SLA breach has been recorded.
    pub breached: bool,
}

/// Opening an incident by hand.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIncident {
    #[schema(min_length = 1, max_length = 300, pattern = "\\S")]
    pub title: String,
    pub severity: Severity,
    /// Left out: guessed from the alerts' tags and the title.
    #[serde(default)]
    pub category: Option<Category>,
    /// Kept as the first comment.
    #[serde(default)]
    #[schema(max_length = 20_000)]
    pub description: Option<String>,
    #[serde(default)]
    #[schema(max_items = 1000)]
    pub alert_ids: Vec<i64>,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub assignee: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IncidentSort {
    Id,
    CreatedAt,
    UpdatedAt,
    Severity,
    DueResolve,
}

impl IncidentSort {
    fn column(self) -> &'static str {
        match self {
            IncidentSort::Id => "id",
            IncidentSort::CreatedAt => "created_at",
            IncidentSort::UpdatedAt => "updated_at",
            IncidentSort::Severity => "severity_rank",
            IncidentSort::DueResolve => "due_resolve",
        }
    }
}

/// The incident list's query string.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IncidentFilter {
    pub state: Option<IncidentState>,
    pub severity: Option<Severity>,
    pub category: Option<Category>,
    pub assignee: Option<String>,
    /// Part of the title (case-insensitive for ASCII).
    pub q: Option<String>,
    /// Created at or after this time.
    pub created_from: Option<DateTime<Utc>>,
    /// Created before this time.
    pub created_to: Option<DateTime<Utc>>,
    /// Only incidents with (true) or without (false) a recorded SLA breach.
    pub breached: Option<bool>,
    /// Only open (true) or terminal (false) incidents.
    pub open: Option<bool>,
    /// Default: created_at.
    pub sort: Option<IncidentSort>,
    /// Default: desc.
    pub order: Option<SortOrder>,
    /// 1 to 500; default 50.
    #[serde(default, deserialize_with = "crate::limit_param")]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    #[serde(default, deserialize_with = "crate::offset_param")]
    #[param(minimum = 0, maximum = 9_223_372_036_854_775_807_i64)]
    pub offset: Option<u64>,
}

impl IncidentFilter {
    pub fn page(&self) -> PageRequest {
        PageRequest {
            limit: self.limit,
            offset: self.offset,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    pub to: IncidentState,
    /// Why; kept on the timeline.
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignInput {
    /// `null` clears the assignee.
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub assignee: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentInput {
    #[schema(min_length = 1, max_length = 20_000, pattern = "\\S")]
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PinEventInput {
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub event_id: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkAlertsInput {
    #[schema(min_items = 1, max_items = 1000)]
    pub alert_ids: Vec<i64>,
}

/// Lessons learned from a closed incident, to become a knowledge-base article.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LessonsInput {
    #[schema(min_length = 1, max_length = 20_000, pattern = "\\S")]
    pub lessons: String,
    /// `zh` or `en`; default `zh`.
    #[serde(default)]
    #[schema(schema_with = crate::schema::lang_or_null)]
    pub lang: Option<String>,
}

/// Trims `value` and checks it is non-empty (when `required`) and at most `max` characters.
pub(crate) fn text(
    field: &str,
    value: &str,
    max: usize,
    required: bool,
) -> Result<String, crate::ObjectError> {
    let v = value.trim();
    if required && v.is_empty() {
        return Err(crate::ObjectError::invalid(field, "must not be empty"));
    }
    if v.chars().count() > max {
        return Err(crate::ObjectError::invalid(
            field,
            format!("longer than {max} characters"),
        ));
    }
    Ok(v.to_owned())
}

impl TransitionInput {
    fn validate(&self) -> Result<String, crate::ObjectError> {
        text("reason", &self.reason, MAX_REASON, true)
    }
}

impl AssignInput {
    fn validate(&self) -> Result<Option<String>, crate::ObjectError> {
        self.assignee
            .as_deref()
            .map(|a| text("assignee", a, MAX_NAME, true))
            .transpose()
    }
}

impl CommentInput {
    fn validate(&self) -> Result<String, crate::ObjectError> {
        text("text", &self.text, MAX_COMMENT, true)
    }
}

impl PinEventInput {
    fn validate(&self) -> Result<(String, String), crate::ObjectError> {
        Ok((
            text("event_id", &self.event_id, MAX_NAME, true)?,
            text("note", &self.note, MAX_REASON, false)?,
        ))
    }
}

impl LinkAlertsInput {
    /// Checks the list is non-empty and bounded; the caller turns the ids into alerts.
    pub fn validate(&self) -> Result<(), crate::ObjectError> {
        if self.alert_ids.is_empty() {
            return Err(crate::ObjectError::invalid(
                "alert_ids",
                "must not be empty",
            ));
        }
        if self.alert_ids.len() > MAX_LINK {
            return Err(crate::ObjectError::invalid(
                "alert_ids",
                format!("more than {MAX_LINK} alerts"),
            ));
        }
        Ok(())
    }
}

impl LessonsInput {
    /// The lessons text and the language (`zh` unless told).
    pub(crate) fn validate(&self) -> Result<(String, &'static str), crate::ObjectError> {
        let lessons = text("lessons", &self.lessons, MAX_COMMENT, true)?;
        let lang = match self.lang.as_deref().map(str::trim) {
            None | Some("zh") => "zh",
            Some("en") => "en",
            Some(_) => return Err(crate::ObjectError::invalid("lang", "must be zh or en")),
        };
        Ok((lessons, lang))
    }
}
