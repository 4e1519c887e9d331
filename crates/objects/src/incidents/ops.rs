//! The analyst's operations: open, read, list, move through the state machine, assign,
//! comment, pin events and link alerts.

use super::store::{self, ms};
use super::{
    text, AssignInput, CommentInput, IncidentFilter, IncidentRecord, IncidentRow, IncidentSort,
    NewIncident, PinEventInput, TransitionInput, MAX_COMMENT, MAX_LINK, MAX_NAME, MAX_TITLE,
};
use crate::{ObjectError, ObjectStore, Page};
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::Connection;
use steward_secops::{AlertRef, Category, Evidence, Incident, SlaPolicy};

impl ObjectStore {
    /// Opens an incident by hand, linking `alerts` (the rows behind `input.alert_ids`).
    pub fn create_incident(
        &self,
        input: &NewIncident,
        alerts: &[AlertRef],
        policy: &SlaPolicy,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<IncidentRecord, ObjectError> {
        let title = text("title", &input.title, MAX_TITLE, true)?;
        let description = input
            .description
            .as_deref()
            .map(|d| text("description", d, MAX_COMMENT, false))
            .transpose()?
            .filter(|d| !d.is_empty());
        let assignee = input
            .assignee
            .as_deref()
            .map(|a| text("assignee", a, MAX_NAME, true))
            .transpose()?;
        if input.alert_ids.len() > MAX_LINK {
            return Err(ObjectError::invalid(
                "alert_ids",
                format!("more than {MAX_LINK} alerts"),
            ));
        }
        if let Some(missing) = input
            .alert_ids
            .iter()
            .find(|id| !alerts.iter().any(|a| a.id == **id))
        {
            return Err(ObjectError::not_found("alert", missing));
        }
        let category = input.category.unwrap_or_else(|| {
            let tags: Vec<&str> = alerts
                .iter()
                .flat_map(|a| a.tags.iter().map(String::as_str))
                .collect();
            Category::classify(&tags, &title)
        });
        self.write(|tx| {
            store::check_unlinked(tx, alerts, None)?;
            let id = store::next_id(tx)?;
            let mut inc = Incident::new(id, title, input.severity, category, actor, now);
            if let Some(d) = &description {
                inc.comment(actor, d, now);
            }
            if assignee.is_some() {
                inc.assign(assignee.as_deref(), actor, now);
            }
            for a in alerts {
                inc.add_alert(a, actor, now);
            }
            store::save(tx, &inc, policy, now)?;
            for a in alerts {
                store::link(tx, id, a)?;
            }
            Ok(store::record(inc, now, policy))
        })
    }

    /// One incident with its timeline and SLA standing.
    pub fn get_incident(&self, id: i64, policy: &SlaPolicy) -> Result<IncidentRecord, ObjectError> {
        self.read(|conn| {
            let (inc, updated) = store::load(conn, id)?;
            Ok(store::record(inc, updated, policy))
        })
    }

    pub fn list_incidents(
        &self,
        filter: &IncidentFilter,
    ) -> Result<Page<IncidentRow>, ObjectError> {
        let page = filter.page();
        let (clause, mut args) = where_clause(filter);
        let sort = filter.sort.unwrap_or(IncidentSort::CreatedAt).column();
        let order = filter.order.unwrap_or_default().sql();
        self.read(|conn| {
            let total: i64 = conn.query_row(
                &format!("SELECT COUNT(*) FROM incidents{clause}"),
                rusqlite::params_from_iter(args.iter()),
                |r| r.get(0),
            )?;
            args.push(Value::Integer(i64::from(page.limit())));
            args.push(Value::Integer(page.offset_i64()));
            let sql = format!(
                "SELECT {} FROM incidents{clause} ORDER BY {sort} {order}, id {order} LIMIT ? OFFSET ?",
                store::ROW_COLUMNS
            );
            let mut stmt = conn.prepare(&sql)?;
            let raws = stmt
                .query_map(rusqlite::params_from_iter(args.iter()), store::raw_row)?
                .collect::<Result<Vec<_>, _>>()?;
            let items = raws
                .into_iter()
                .map(store::row)
                .collect::<Result<Vec<_>, _>>()?;
            Ok(page.page(items, u64::try_from(total).unwrap_or(0)))
        })
    }

    /// Moves the incident along the state machine; a refused move is a conflict that
    /// lists the states allowed from where it stands.
    pub fn transition_incident(
        &self,
        id: i64,
        input: &TransitionInput,
        policy: &SlaPolicy,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<IncidentRecord, ObjectError> {
        let reason = input.validate()?;
        self.change(id, policy, now, |_, inc| {
            inc.transition(input.to, actor, &reason, now)
                .map_err(|e| ObjectError::Conflict {
                    message: e.to_string(),
                    allowed: e.allowed.iter().map(|s| s.as_str().to_owned()).collect(),
                })
        })
    }

    pub fn assign_incident(
        &self,
        id: i64,
        input: &AssignInput,
        policy: &SlaPolicy,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<IncidentRecord, ObjectError> {
        let assignee = input.validate()?;
        self.change(id, policy, now, |_, inc| {
            inc.assign(assignee.as_deref(), actor, now);
            Ok(())
        })
    }

    pub fn comment_incident(
        &self,
        id: i64,
        input: &CommentInput,
        policy: &SlaPolicy,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<IncidentRecord, ObjectError> {
        let text = input.validate()?;
        self.change(id, policy, now, |_, inc| {
            inc.comment(actor, &text, now);
            Ok(())
        })
    }

    /// Pins a stored event as evidence (pinning the same event and note twice is a no-op).
    pub fn pin_event(
        &self,
        id: i64,
        input: &PinEventInput,
        policy: &SlaPolicy,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<IncidentRecord, ObjectError> {
        let (event_id, note) = input.validate()?;
        self.change(id, policy, now, |_, inc| {
            inc.pin_evidence(Evidence::Event { event_id, note }, actor, now);
            Ok(())
        })
    }

    /// Adds alerts to the incident; an alert of another incident is a conflict naming it,
    /// one already here is left as it is.
    pub fn link_alerts(
        &self,
        id: i64,
        alerts: &[AlertRef],
        policy: &SlaPolicy,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<IncidentRecord, ObjectError> {
        if alerts.len() > MAX_LINK {
            return Err(ObjectError::invalid(
                "alert_ids",
                format!("more than {MAX_LINK} alerts"),
            ));
        }
        self.change(id, policy, now, |tx, inc| {
            store::check_unlinked(tx, alerts, Some(id))?;
            for a in alerts {
                inc.add_alert(a, actor, now);
                store::link(tx, id, a)?;
            }
            Ok(())
        })
    }

    /// The ids of the alerts linked to the incident, in link order of their ids.
    pub fn incident_alert_ids(&self, id: i64) -> Result<Vec<i64>, ObjectError> {
        self.read(|conn| {
            store::load(conn, id)?;
            let mut stmt = conn.prepare(
                "SELECT alert_id FROM incident_alerts WHERE incident_id = ?1 ORDER BY alert_id",
            )?;
            let ids = stmt
                .query_map([id], |r| r.get(0))?
                .collect::<Result<Vec<i64>, _>>()?;
            Ok(ids)
        })
    }

    /// Which incident holds the alert, if any.
    pub fn incident_of_alert(&self, alert_id: i64) -> Result<Option<i64>, ObjectError> {
        self.read(|conn| store::linked_incident(conn, alert_id))
    }

    /// Loads the incident, lets `f` change it, and writes it back, all in one transaction.
    pub(super) fn change(
        &self,
        id: i64,
        policy: &SlaPolicy,
        now: DateTime<Utc>,
        f: impl FnOnce(&Connection, &mut Incident) -> Result<(), ObjectError>,
    ) -> Result<IncidentRecord, ObjectError> {
        self.write(|tx| {
            let (mut inc, _) = store::load(tx, id)?;
            f(tx, &mut inc)?;
            store::save(tx, &inc, policy, now)?;
            Ok(store::record(inc, now, policy))
        })
    }
}

/// `WHERE ...` (or nothing) and its arguments; the count and the page share it.
fn where_clause(f: &IncidentFilter) -> (String, Vec<Value>) {
    let mut conds: Vec<&str> = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    let text = |s: &str| Value::Text(s.to_owned());
    if let Some(s) = f.state {
        conds.push("state = ?");
        args.push(text(s.as_str()));
    }
    if let Some(s) = f.severity {
        conds.push("severity_rank = ?");
        args.push(Value::Integer(store::severity_rank(s)));
    }
    if let Some(c) = f.category {
        conds.push("category = ?");
        args.push(text(c.as_str()));
    }
    if let Some(a) = f.assignee.as_deref() {
        conds.push("assignee = ?");
        args.push(text(a.trim()));
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        conds.push("title LIKE ? ESCAPE '\\'");
        let escaped = q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        args.push(Value::Text(format!("%{escaped}%")));
    }
    if let Some(t) = f.created_from {
        conds.push("created_at >= ?");
        args.push(Value::Integer(ms(t)));
    }
    if let Some(t) = f.created_to {
        conds.push("created_at < ?");
        args.push(Value::Integer(ms(t)));
    }
    if let Some(b) = f.breached {
        conds.push("breached = ?");
        args.push(Value::Integer(i64::from(b)));
    }
    if let Some(o) = f.open {
        conds.push("is_open = ?");
        args.push(Value::Integer(i64::from(o)));
    }
    if conds.is_empty() {
        (String::new(), args)
    } else {
        (format!(" WHERE {}", conds.join(" AND ")), args)
    }
}
