//! Reading and writing one incident: the document, its columns and its alert links.

use super::{IncidentRecord, IncidentRow, SlaStatus};
use crate::ObjectError;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::de::DeserializeOwned;
use steward_secops::{AlertRef, Incident, Severity, SlaPolicy};

pub(crate) fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_ms(v: i64) -> Result<DateTime<Utc>, ObjectError> {
    DateTime::from_timestamp_millis(v)
        .ok_or_else(|| ObjectError::invalid("timestamp", format!("{v} ms is out of range")))
}

fn opt_from_ms(v: Option<i64>) -> Result<Option<DateTime<Utc>>, ObjectError> {
    v.map(from_ms).transpose()
}

/// Decodes a snake_case enum name stored in a column.
pub(crate) fn enum_col<T: DeserializeOwned>(s: String) -> Result<T, ObjectError> {
    Ok(serde_json::from_value(serde_json::Value::String(s))?)
}

pub(crate) fn severity_rank(s: Severity) -> i64 {
    match s {
        Severity::Low => 0,
        Severity::Medium => 1,
        Severity::High => 2,
        Severity::Critical => 3,
    }
}

/// The incident's document and when it last changed.
pub(crate) fn load(conn: &Connection, id: i64) -> Result<(Incident, DateTime<Utc>), ObjectError> {
    let row: Option<(String, i64)> = conn
        .query_row(
            "SELECT doc, updated_at FROM incidents WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (doc, updated) = row.ok_or_else(|| ObjectError::not_found("incident", id))?;
    Ok((serde_json::from_str(&doc)?, from_ms(updated)?))
}

pub(crate) fn next_id(conn: &Connection) -> Result<i64, ObjectError> {
    Ok(
        conn.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM incidents", [], |r| {
            r.get(0)
        })?,
    )
}

/// Writes document and columns; due times follow the policy for the current severity.
pub(crate) fn save(
    conn: &Connection,
    inc: &Incident,
    policy: &SlaPolicy,
    now: DateTime<Utc>,
) -> Result<(), ObjectError> {
    let due = steward_secops::due(inc, policy);
    let doc = serde_json::to_string(inc)?;
    let opt = |t: Option<DateTime<Utc>>| t.map(ms);
    conn.execute(
        "INSERT INTO incidents (id, title, state, is_open, severity, severity_rank, category,
            assignee, created_at, updated_at, alert_count, first_alert_at, last_alert_at,
            activity_at, acknowledged_at, contained_at, resolved_at, due_acknowledge,
            due_contain, due_resolve, breached, doc)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
            ?18, ?19, ?20,
            EXISTS (SELECT 1 FROM incident_breaches WHERE incident_id = ?1), ?21)
         ON CONFLICT(id) DO UPDATE SET title = excluded.title, state = excluded.state,
            is_open = excluded.is_open, severity = excluded.severity,
            severity_rank = excluded.severity_rank, category = excluded.category,
            assignee = excluded.assignee, updated_at = excluded.updated_at,
            alert_count = excluded.alert_count, first_alert_at = excluded.first_alert_at,
            last_alert_at = excluded.last_alert_at, activity_at = excluded.activity_at,
            acknowledged_at = excluded.acknowledged_at, contained_at = excluded.contained_at,
            resolved_at = excluded.resolved_at, due_acknowledge = excluded.due_acknowledge,
            due_contain = excluded.due_contain, due_resolve = excluded.due_resolve,
            breached = excluded.breached, doc = excluded.doc",
        params![
            inc.id,
            inc.title,
            inc.state.as_str(),
            inc.state.is_open(),
            inc.severity.as_str(),
            severity_rank(inc.severity),
            inc.category.as_str(),
            inc.assignee,
            ms(inc.created_at),
            ms(now),
            inc.alert_ids.len() as i64,
            opt(inc.first_alert_at),
            opt(inc.last_alert_at),
            ms(inc.last_alert_at.unwrap_or(inc.created_at)),
            opt(inc.acknowledged_at()),
            opt(inc.contained_at()),
            opt(inc.resolved_at()),
            ms(due.acknowledge),
            ms(due.contain),
            ms(due.resolve),
            doc,
        ],
    )?;
    Ok(())
}

/// Writes back a change that touches neither severity, state nor alerts (a comment):
/// the document and `updated_at` only, so no SLA policy is needed.
pub(crate) fn save_doc(
    conn: &Connection,
    inc: &Incident,
    now: DateTime<Utc>,
) -> Result<(), ObjectError> {
    conn.execute(
        "UPDATE incidents SET doc = ?2, updated_at = ?3 WHERE id = ?1",
        params![inc.id, serde_json::to_string(inc)?, ms(now)],
    )?;
    Ok(())
}

/// Which incident an alert is linked to, if any.
pub(crate) fn linked_incident(
    conn: &Connection,
    alert_id: i64,
) -> Result<Option<i64>, ObjectError> {
    Ok(conn
        .query_row(
            "SELECT incident_id FROM incident_alerts WHERE alert_id = ?1",
            [alert_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Refuses alerts already linked to an incident other than `own`.
pub(crate) fn check_unlinked(
    conn: &Connection,
    alerts: &[AlertRef],
    own: Option<i64>,
) -> Result<(), ObjectError> {
    for a in alerts {
        if let Some(other) = linked_incident(conn, a.id)? {
            if Some(other) != own {
                return Err(ObjectError::Conflict {
                    message: format!("alert {} already belongs to incident {other}", a.id),
                    allowed: Vec::new(),
                });
            }
        }
    }
    Ok(())
}

/// Records the alert as part of the incident; its tags are kept for article suggestions.
pub(crate) fn link(
    conn: &Connection,
    incident_id: i64,
    alert: &AlertRef,
) -> Result<(), ObjectError> {
    conn.execute(
        "INSERT INTO incident_alerts (alert_id, incident_id, tags) VALUES (?1, ?2, ?3)
         ON CONFLICT(alert_id) DO NOTHING",
        params![alert.id, incident_id, serde_json::to_string(&alert.tags)?],
    )?;
    Ok(())
}

pub(crate) fn record(
    inc: Incident,
    updated_at: DateTime<Utc>,
    policy: &SlaPolicy,
) -> IncidentRecord {
    let due = steward_secops::due(&inc, policy);
    let as_of = inc
        .timeline
        .iter()
        .map(|e| e.at)
        .max()
        .map_or(updated_at, |t| t.max(updated_at));
    let breaches = steward_secops::breaches(&inc, policy, as_of);
    IncidentRecord {
        sla: SlaStatus {
            due_acknowledge: due.acknowledge,
            due_contain: due.contain,
            due_resolve: due.resolve,
            breaches,
        },
        updated_at,
        incident: inc,
    }
}

/// The columns `IncidentRow` reads, in order.
pub(crate) const ROW_COLUMNS: &str = "id, title, state, severity, category, assignee, created_at,
    updated_at, alert_count, first_alert_at, last_alert_at, due_acknowledge, due_contain,
    due_resolve, breached";

type RawRow = (
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    i64,
    i64,
    i64,
    bool,
);

pub(crate) fn raw_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
        r.get(11)?,
        r.get(12)?,
        r.get(13)?,
        r.get(14)?,
    ))
}

pub(crate) fn row(raw: RawRow) -> Result<IncidentRow, ObjectError> {
    let (id, title, state, severity, category, assignee, created, updated, count, first, last) = (
        raw.0, raw.1, raw.2, raw.3, raw.4, raw.5, raw.6, raw.7, raw.8, raw.9, raw.10,
    );
    Ok(IncidentRow {
        id,
        title,
        state: enum_col(state)?,
        severity: enum_col(severity)?,
        category: enum_col(category)?,
        assignee,
        created_at: from_ms(created)?,
        updated_at: from_ms(updated)?,
        alert_count: u64::try_from(count).unwrap_or(0),
        first_alert_at: opt_from_ms(first)?,
        last_alert_at: opt_from_ms(last)?,
        due_acknowledge: from_ms(raw.11)?,
        due_contain: from_ms(raw.12)?,
        due_resolve: from_ms(raw.13)?,
        breached: raw.14,
    })
}
