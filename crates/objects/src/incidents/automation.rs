//! What runs without an analyst: grouping new alerts into incidents, the SLA sweep and
//! MTTA/MTTR.

use super::store::{self, from_ms, ms};
use crate::{ObjectError, ObjectStore};
use chrono::{DateTime, Duration, Utc};
use rusqlite::params;
use serde::Serialize;
use steward_secops::{
    AlertRef, GroupDecision, GroupingConfig, Incident, Metrics, SlaBreach, SlaPolicy,
};
use utoipa::ToSchema;

/// How many recent open incidents grouping compares an alert with; the newest activity
/// wins anyway, and the bound keeps one alert's cost flat on a busy site.
const GROUP_CANDIDATES: i64 = 500;
const AUTOMATION: &str = "automation";

/// Where grouping put an alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct GroupOutcome {
    pub incident_id: i64,
    /// Whether the alert opened a new incident.
    pub created: bool,
}

impl ObjectStore {
    /// Joins the alert to the open incident it belongs to, or opens one for it. An alert
    /// already linked stays where it is.
    pub fn group_alert(
        &self,
        alert: &AlertRef,
        config: &GroupingConfig,
        policy: &SlaPolicy,
        now: DateTime<Utc>,
    ) -> Result<GroupOutcome, ObjectError> {
        self.write(|tx| {
            if let Some(incident_id) = store::linked_incident(tx, alert.id)? {
                return Ok(GroupOutcome {
                    incident_id,
                    created: false,
                });
            }
            let window =
                Duration::try_seconds(i64::try_from(config.window_secs).unwrap_or(i64::MAX))
                    .unwrap_or(Duration::MAX);
            let start = alert.first_seen.min(alert.last_seen);
            let since = start
                .checked_sub_signed(window)
                .unwrap_or(DateTime::<Utc>::MIN_UTC);
            let mut stmt = tx.prepare_cached(
                "SELECT doc FROM incidents WHERE is_open = 1 AND activity_at >= ?1
                 ORDER BY activity_at DESC LIMIT ?2",
            )?;
            let docs = stmt
                .query_map(params![ms(since), GROUP_CANDIDATES], |r| {
                    r.get::<_, String>(0)
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let mut candidates = Vec::with_capacity(docs.len());
            for doc in docs {
                candidates.push(serde_json::from_str::<Incident>(&doc)?);
            }
            let summaries: Vec<_> = candidates.iter().map(Incident::summary).collect();
            let (mut inc, created) = match steward_secops::group(alert, &summaries, config) {
                GroupDecision::Join { incident_id } => {
                    let inc = candidates
                        .into_iter()
                        .find(|i| i.id == incident_id)
                        .ok_or_else(|| ObjectError::not_found("incident", incident_id))?;
                    (inc, false)
                }
                GroupDecision::New {
                    title,
                    severity,
                    category,
                    ..
                } => {
                    let id = store::next_id(tx)?;
                    (
                        Incident::new(id, title, severity, category, AUTOMATION, now),
                        true,
                    )
                }
            };
            inc.add_alert(alert, AUTOMATION, now);
            store::save(tx, &inc, policy, now)?;
            store::link(tx, inc.id, alert)?;
            Ok(GroupOutcome {
                incident_id: inc.id,
                created,
            })
        })
    }

    /// Records every SLA breach not yet recorded (timeline, breach table, `breached`
    /// flag), exactly once each; returns the ones recorded now. Candidates come from the
    /// milestone columns: a target is missed when its milestone (or `now`, while unmet)
    /// lies past its due time. Incidents already closed count too: closing late is a
    /// breach the sweep may not have seen while the incident was open.
    pub fn sweep_sla(
        &self,
        policy: &SlaPolicy,
        now: DateTime<Utc>,
    ) -> Result<Vec<(i64, SlaBreach)>, ObjectError> {
        self.write(|tx| {
            let ids: Vec<i64> = {
                let mut stmt = tx.prepare(
                    "SELECT id FROM incidents i WHERE
                       (due_acknowledge < COALESCE(acknowledged_at, ?1) AND NOT EXISTS (SELECT 1
                         FROM incident_breaches b WHERE b.incident_id = i.id AND b.target = 'acknowledge'))
                    OR (due_contain < COALESCE(contained_at, ?1) AND NOT EXISTS (SELECT 1
                         FROM incident_breaches b WHERE b.incident_id = i.id AND b.target = 'contain'))
                    OR (due_resolve < COALESCE(resolved_at, ?1) AND NOT EXISTS (SELECT 1
                         FROM incident_breaches b WHERE b.incident_id = i.id AND b.target = 'resolve'))
                    ORDER BY id",
                )?;
                let ids = stmt
                    .query_map([ms(now)], |r| r.get(0))?
                    .collect::<Result<Vec<_>, _>>()?;
                ids
            };
            let mut fresh = Vec::new();
            for id in ids {
                let (mut inc, updated) = store::load(tx, id)?;
                let new = inc.record_sla_breaches(policy, now);
                for b in &new {
                    let target = serde_json::to_value(b.target)?;
                    tx.execute(
                        "INSERT OR IGNORE INTO incident_breaches (incident_id, target, due, recorded_at)
                         VALUES (?1, ?2, ?3, ?4)",
                        params![id, target.as_str().unwrap_or_default(), ms(b.due), ms(now)],
                    )?;
                }
                // Nothing new for the document (recorded by an older policy): still mark
                // the targets so the candidate query stops returning it.
                if new.is_empty() {
                    mark_recorded(tx, &inc, policy, now)?;
                    store::save(tx, &inc, policy, updated)?;
                    continue;
                }
                store::save(tx, &inc, policy, now.max(updated))?;
                fresh.extend(new.into_iter().map(|b| (id, b)));
            }
            Ok(fresh)
        })
    }

    /// MTTA/MTTR over the incidents created in `[from, to)`, from the milestone columns
    /// (same cohort and arithmetic as `steward_secops::mtta_mttr`).
    pub fn incident_metrics(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Metrics, ObjectError> {
        self.read(|conn| {
            let (n, acked, resolved, mtta, mttr): (i64, i64, i64, Option<f64>, Option<f64>) = conn
                .query_row(
                    "SELECT COUNT(*), COUNT(acknowledged_at), COUNT(resolved_at),
                        AVG((acknowledged_at - created_at) / 1000),
                        AVG((resolved_at - created_at) / 1000)
                     FROM incidents WHERE created_at >= ?1 AND created_at < ?2",
                    params![ms(from), ms(to)],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )?;
            let count = |v: i64| usize::try_from(v).unwrap_or(0);
            Ok(Metrics {
                incidents: count(n),
                acknowledged: count(acked),
                resolved: count(resolved),
                mtta_secs: mtta,
                mttr_secs: mttr,
            })
        })
    }

    /// The SLA breaches recorded for the incident, by target.
    pub fn incident_breaches(&self, id: i64) -> Result<Vec<(String, DateTime<Utc>)>, ObjectError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT target, due FROM incident_breaches WHERE incident_id = ?1 ORDER BY due",
            )?;
            let rows = stmt
                .query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter()
                .map(|(t, due)| Ok((t, from_ms(due)?)))
                .collect()
        })
    }
}

/// Marks in the breach table the missed targets the timeline already holds.
fn mark_recorded(
    tx: &rusqlite::Connection,
    inc: &Incident,
    policy: &SlaPolicy,
    now: DateTime<Utc>,
) -> Result<(), ObjectError> {
    for b in steward_secops::breaches(inc, policy, now) {
        let target = serde_json::to_value(b.target)?;
        tx.execute(
            "INSERT OR IGNORE INTO incident_breaches (incident_id, target, due, recorded_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![
                inc.id,
                target.as_str().unwrap_or_default(),
                ms(b.due),
                ms(now)
            ],
        )?;
    }
    Ok(())
}
