//! The remediation state machine and the changes people (or expiry) make.

use super::{load_detail, VulnDetail, VulnState};
use crate::assets::ts;
use crate::{ObjectError, ObjectStore};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a vulnerability in `from` may go next.
pub fn allowed_vuln_transitions(from: VulnState) -> &'static [VulnState] {
    use VulnState::*;
    match from {
        Open => &[Confirmed, Assigned, Fixed, AcceptedRisk, FalsePositive],
        Confirmed => &[Assigned, Fixed, AcceptedRisk, FalsePositive],
        Assigned => &[Fixed, AcceptedRisk, FalsePositive, Confirmed],
        // Back to open: re-verification found it still there.
        Fixed => &[Verified, Open],
        Verified | AcceptedRisk | FalsePositive => &[Open],
    }
}

/// A person's move of one vulnerability (JSON body).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VulnChange {
    pub to: VulnState,
    /// Required for accepted_risk and false_positive.
    #[serde(default)]
    pub reason: Option<String>,
    /// Required for assigned.
    #[serde(default)]
    pub assignee: Option<String>,
    /// Required for accepted_risk, in the future.
    #[serde(default)]
    pub accepted_until: Option<DateTime<Utc>>,
}

const TEXT_MAX: usize = 2000;

fn text(field: &str, v: &Option<String>) -> Result<Option<String>, ObjectError> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) if s.chars().count() > TEXT_MAX => Err(ObjectError::invalid(
            field,
            format!("longer than {TEXT_MAX} characters"),
        )),
        Some(s) => Ok(Some(s.to_string())),
    }
}

pub(crate) fn add_history(
    conn: &Connection,
    vuln_id: i64,
    at: DateTime<Utc>,
    actor: &str,
    from: Option<VulnState>,
    to: VulnState,
    reason: Option<&str>,
) -> Result<(), ObjectError> {
    conn.prepare_cached(
        "INSERT INTO vuln_history (vuln_id, at, actor, from_state, to_state, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(rusqlite::params![
        vuln_id,
        ts(at),
        actor,
        from.map(VulnState::as_str),
        to.as_str(),
        reason
    ])?;
    Ok(())
}

/// Moves without checks (imports and expiry decide themselves); leaving accepted_risk
/// drops its terms, `fixed` asks for re-verification.
pub(crate) fn set_state(
    conn: &Connection,
    id: i64,
    to: VulnState,
    now: DateTime<Utc>,
) -> Result<(), ObjectError> {
    conn.prepare_cached(
        "UPDATE vulns SET state = ?1, state_changed_at = ?2, reverify_requested = ?3,
            accepted_reason = CASE WHEN ?1 = 'accepted_risk' THEN accepted_reason ELSE NULL END,
            accepted_until = CASE WHEN ?1 = 'accepted_risk' THEN accepted_until ELSE NULL END
         WHERE id = ?4",
    )?
    .execute(rusqlite::params![
        to.as_str(),
        ts(now),
        to == VulnState::Fixed,
        id
    ])?;
    Ok(())
}

fn current_state(conn: &Connection, id: i64) -> Result<VulnState, ObjectError> {
    let s: String = conn
        .prepare_cached("SELECT state FROM vulns WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?
        .ok_or_else(|| ObjectError::not_found("vulnerability", id))?;
    VulnState::parse(&s).ok_or_else(|| super::stored("state", &s))
}

impl ObjectStore {
    pub fn change_vuln(
        &self,
        id: i64,
        change: &VulnChange,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<VulnDetail, ObjectError> {
        let reason = text("reason", &change.reason)?;
        let assignee = text("assignee", &change.assignee)?;
        self.write(|tx| {
            let from = current_state(tx, id)?;
            let allowed = allowed_vuln_transitions(from);
            if !allowed.contains(&change.to) {
                return Err(ObjectError::Conflict {
                    message: format!(
                        "vulnerability {id} cannot move from {} to {}",
                        from.as_str(),
                        change.to.as_str()
                    ),
                    allowed: allowed.iter().map(|s| s.as_str().to_string()).collect(),
                });
            }
            match change.to {
                VulnState::AcceptedRisk => {
                    if reason.is_none() {
                        return Err(ObjectError::invalid(
                            "reason",
                            "accepting a risk needs a reason",
                        ));
                    }
                    match change.accepted_until {
                        Some(until) if until > now => {}
                        Some(_) => {
                            return Err(ObjectError::invalid(
                                "accepted_until",
                                "must be in the future",
                            ))
                        }
                        None => {
                            return Err(ObjectError::invalid(
                                "accepted_until",
                                "accepting a risk needs an end date",
                            ))
                        }
                    }
                }
                VulnState::Assigned if assignee.is_none() => {
                    return Err(ObjectError::invalid(
                        "assignee",
                        "assigning needs an assignee",
                    ));
                }
                VulnState::FalsePositive if reason.is_none() => {
                    return Err(ObjectError::invalid(
                        "reason",
                        "a false positive needs a reason",
                    ));
                }
                _ => {}
            }
            if change.to == VulnState::AcceptedRisk {
                tx.prepare_cached(
                    "UPDATE vulns SET accepted_reason = ?1, accepted_until = ?2 WHERE id = ?3",
                )?
                .execute(rusqlite::params![
                    reason,
                    change.accepted_until.map(ts),
                    id
                ])?;
            }
            set_state(tx, id, change.to, now)?;
            if assignee.is_some() {
                tx.prepare_cached("UPDATE vulns SET assignee = ?1 WHERE id = ?2")?
                    .execute(rusqlite::params![assignee, id])?;
            }
            add_history(tx, id, now, actor, Some(from), change.to, reason.as_deref())?;
            load_detail(tx, id)
        })
    }

    /// Accepted risks whose term has ended go back to open; returns their ids.
    pub fn expire_accepted_risks(
        &self,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>, ObjectError> {
        self.write(|tx| {
            let ids: Vec<i64> = tx
                .prepare_cached(
                    "SELECT id FROM vulns WHERE state = 'accepted_risk' AND accepted_until <= ?1 ORDER BY id",
                )?
                .query_map([ts(now)], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            for &id in &ids {
                set_state(tx, id, VulnState::Open, now)?;
                add_history(
                    tx,
                    id,
                    now,
                    actor,
                    Some(VulnState::AcceptedRisk),
                    VulnState::Open,
                    Some("risk acceptance expired"),
                )?;
            }
            Ok(ids)
        })
    }
}
