//! Grouping alerts into incidents.
//!
//! An alert joins an open incident when (1) their activity lies within `window_secs`
//! of each other, (2) they share at least one value of a configured entity kind
//! (host, user, source address, ...) — an empty list waives this — and (3) the
//! `require` rule holds: the same rule, a shared ATT&CK tactic, or nothing more.
//! Among several candidates the one with the most recent activity wins (ties: the
//! lowest id, the older incident). Otherwise the alert opens a new incident.

use crate::alert::AlertRef;
use crate::attack::{tactics_from_tags, Tactic};
use crate::incident::{Category, IncidentState, Severity};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use steward_model::Entities;

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Host,
    User,
    SourceIp,
    DestinationIp,
    Process,
    File,
    Domain,
    Url,
    Hash,
}

/// One entity of one alert.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EntityValue {
    pub kind: EntityKind,
    pub value: String,
}

impl EntityValue {
    pub fn from_entities(e: &Entities) -> Vec<EntityValue> {
        let fields = [
            (EntityKind::Host, &e.host),
            (EntityKind::User, &e.user),
            (EntityKind::SourceIp, &e.source_ip),
            (EntityKind::DestinationIp, &e.destination_ip),
            (EntityKind::Process, &e.process),
            (EntityKind::File, &e.file),
            (EntityKind::Domain, &e.domain),
            (EntityKind::Url, &e.url),
            (EntityKind::Hash, &e.hash),
        ];
        fields
            .into_iter()
            .filter_map(|(kind, v)| {
                v.as_ref().filter(|s| !s.is_empty()).map(|s| EntityValue {
                    kind,
                    value: s.clone(),
                })
            })
            .collect()
    }

    /// Same kind and value; case does not matter (host and user names, hex hashes
    /// arrive in either case from different sources).
    fn same(&self, other: &EntityValue) -> bool {
        self.kind == other.kind && self.value.eq_ignore_ascii_case(&other.value)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Require {
    SameRule,
    SameTactic,
    Any,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct GroupingConfig {
    pub window_secs: u64,
    pub by_entities: Vec<EntityKind>,
    pub require: Require,
}

impl Default for GroupingConfig {
    /// One hour, same host, user or source address, and a shared tactic.
    fn default() -> Self {
        Self {
            window_secs: 3600,
            by_entities: vec![EntityKind::Host, EntityKind::User, EntityKind::SourceIp],
            require: Require::SameTactic,
        }
    }
}

/// What grouping needs to know about an open incident.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IncidentSummary {
    pub id: i64,
    pub state: IncidentState,
    pub rule_ids: Vec<String>,
    pub tactics: Vec<Tactic>,
    pub entities: Vec<EntityValue>,
    pub first_alert_at: DateTime<Utc>,
    pub last_alert_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum GroupDecision {
    Join {
        incident_id: i64,
    },
    New {
        title: String,
        severity: Severity,
        category: Category,
        tactics: Vec<Tactic>,
    },
}

/// Seconds between two activity spans; 0 when they overlap.
fn gap_secs(a: (DateTime<Utc>, DateTime<Utc>), b: (DateTime<Utc>, DateTime<Utc>)) -> i64 {
    let start = a.0.max(b.0);
    let end = a.1.min(b.1);
    (start - end).num_seconds().max(0)
}

fn matches(
    alert: &AlertRef,
    alert_entities: &[EntityValue],
    alert_tactics: &[Tactic],
    inc: &IncidentSummary,
    cfg: &GroupingConfig,
) -> bool {
    if inc.state.is_terminal() {
        return false;
    }
    // Tolerate alerts whose first/last seen arrive swapped.
    let span = (
        alert.first_seen.min(alert.last_seen),
        alert.first_seen.max(alert.last_seen),
    );
    let window = i64::try_from(cfg.window_secs).unwrap_or(i64::MAX);
    if gap_secs(span, (inc.first_alert_at, inc.last_alert_at)) > window {
        return false;
    }
    let entity_ok = cfg.by_entities.is_empty()
        || alert_entities
            .iter()
            .any(|a| cfg.by_entities.contains(&a.kind) && inc.entities.iter().any(|i| i.same(a)));
    if !entity_ok {
        return false;
    }
    match cfg.require {
        Require::SameRule => inc.rule_ids.contains(&alert.rule_id),
        Require::SameTactic => alert_tactics.iter().any(|t| inc.tactics.contains(t)),
        Require::Any => true,
    }
}

/// Decides where `alert` goes: an open incident it belongs to, or a new one.
pub fn group(
    alert: &AlertRef,
    open_incidents: &[IncidentSummary],
    cfg: &GroupingConfig,
) -> GroupDecision {
    let entities = EntityValue::from_entities(&alert.entities);
    let tactics = tactics_from_tags(&alert.tags);
    let best = open_incidents
        .iter()
        .filter(|inc| matches(alert, &entities, &tactics, inc, cfg))
        .max_by(|a, b| {
            a.last_alert_at
                .cmp(&b.last_alert_at)
                .then_with(|| b.id.cmp(&a.id))
        });
    match best {
        Some(inc) => GroupDecision::Join {
            incident_id: inc.id,
        },
        None => GroupDecision::New {
            title: new_title(alert),
            severity: Severity::from(alert.level),
            category: Category::classify(&alert.tags, &alert.title),
            tactics,
        },
    }
}

/// The alert's title plus the main thing it is about, so the incident list reads
/// "SSH brute force on web01".
fn new_title(alert: &AlertRef) -> String {
    let e = &alert.entities;
    let subject = e
        .host
        .as_ref()
        .or(e.user.as_ref())
        .or(e.destination_ip.as_ref())
        .or(e.source_ip.as_ref());
    match subject {
        Some(s) => format!("{} on {s}", alert.title),
        None => alert.title.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use steward_model::Level;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap()
    }

    fn alert(rule: &str, tags: &[&str], host: &str, at: DateTime<Utc>) -> AlertRef {
        AlertRef {
            id: 100,
            rule_id: rule.into(),
            title: "SSH brute force".into(),
            level: Level::High,
            tags: tags.iter().map(|s| s.to_string()).collect(),
            entities: Entities {
                host: Some(host.into()),
                ..Entities::default()
            },
            first_seen: at,
            last_seen: at,
        }
    }

    fn summary(
        id: i64,
        rule: &str,
        tactics: &[Tactic],
        host: &str,
        last: DateTime<Utc>,
    ) -> IncidentSummary {
        IncidentSummary {
            id,
            state: IncidentState::Triage,
            rule_ids: vec![rule.into()],
            tactics: tactics.to_vec(),
            entities: vec![EntityValue {
                kind: EntityKind::Host,
                value: host.into(),
            }],
            first_alert_at: last - Duration::minutes(10),
            last_alert_at: last,
        }
    }

    fn cfg(require: Require) -> GroupingConfig {
        GroupingConfig {
            window_secs: 600,
            by_entities: vec![EntityKind::Host],
            require,
        }
    }

    #[test]
    fn window_edge_is_inclusive() {
        let inc = [summary(1, "r1", &[Tactic::CredentialAccess], "web01", t0())];
        let c = cfg(Require::SameRule);
        let at_edge = alert("r1", &[], "web01", t0() + Duration::seconds(600));
        assert_eq!(
            group(&at_edge, &inc, &c),
            GroupDecision::Join { incident_id: 1 }
        );
        let past = alert("r1", &[], "web01", t0() + Duration::seconds(601));
        assert!(matches!(group(&past, &inc, &c), GroupDecision::New { .. }));
        // Before the incident's first alert counts the same way (late-arriving alerts).
        let early = alert("r1", &[], "web01", t0() - Duration::seconds(600 + 600));
        assert_eq!(
            group(&early, &inc, &c),
            GroupDecision::Join { incident_id: 1 }
        );
        let too_early = alert("r1", &[], "web01", t0() - Duration::seconds(600 + 601));
        assert!(matches!(
            group(&too_early, &inc, &c),
            GroupDecision::New { .. }
        ));
    }

    #[test]
    fn long_running_alert_overlapping_the_incident_joins() {
        let inc = [summary(1, "r1", &[], "web01", t0())];
        let mut a = alert("r1", &[], "web01", t0() - Duration::days(1));
        a.last_seen = t0() + Duration::days(1);
        assert_eq!(
            group(&a, &inc, &cfg(Require::SameRule)),
            GroupDecision::Join { incident_id: 1 }
        );
    }

    #[test]
    fn entity_must_match_case_insensitively() {
        let inc = [summary(1, "r1", &[], "WEB01", t0())];
        let c = cfg(Require::Any);
        assert_eq!(
            group(&alert("rX", &[], "web01", t0()), &inc, &c),
            GroupDecision::Join { incident_id: 1 }
        );
        assert!(matches!(
            group(&alert("r1", &[], "db01", t0()), &inc, &c),
            GroupDecision::New { .. }
        ));
    }

    #[test]
    fn entity_kinds_outside_the_config_do_not_count() {
        let inc = [summary(1, "r1", &[], "web01", t0())];
        let mut c = cfg(Require::Any);
        c.by_entities = vec![EntityKind::User];
        assert!(matches!(
            group(&alert("r1", &[], "web01", t0()), &inc, &c),
            GroupDecision::New { .. }
        ));
        // An empty list waives the entity condition.
        c.by_entities.clear();
        assert_eq!(
            group(&alert("r1", &[], "other", t0()), &inc, &c),
            GroupDecision::Join { incident_id: 1 }
        );
    }

    #[test]
    fn require_rule_or_tactic() {
        let inc = [summary(1, "r1", &[Tactic::CredentialAccess], "web01", t0())];
        let other_rule_same_tactic = alert("r2", &["attack.t1110.001"], "web01", t0());
        assert!(matches!(
            group(&other_rule_same_tactic, &inc, &cfg(Require::SameRule)),
            GroupDecision::New { .. }
        ));
        assert_eq!(
            group(&other_rule_same_tactic, &inc, &cfg(Require::SameTactic)),
            GroupDecision::Join { incident_id: 1 }
        );
        let other_tactic = alert("r1", &["attack.execution"], "web01", t0());
        assert!(matches!(
            group(&other_tactic, &inc, &cfg(Require::SameTactic)),
            GroupDecision::New { .. }
        ));
        assert_eq!(
            group(&other_tactic, &inc, &cfg(Require::Any)),
            GroupDecision::Join { incident_id: 1 }
        );
    }

    #[test]
    fn closed_incidents_are_never_joined_and_latest_candidate_wins() {
        let mut closed = summary(1, "r1", &[], "web01", t0());
        closed.state = IncidentState::Closed;
        let older = summary(2, "r1", &[], "web01", t0() - Duration::minutes(5));
        let newer = summary(3, "r1", &[], "web01", t0() - Duration::minutes(1));
        let twin = summary(4, "r1", &[], "web01", t0() - Duration::minutes(1));
        let a = alert("r1", &[], "web01", t0());
        let c = cfg(Require::SameRule);
        assert_eq!(group(&a, &[closed.clone()], &c).clone(), group(&a, &[], &c));
        assert_eq!(
            group(&a, &[closed, older, twin, newer], &c),
            GroupDecision::Join { incident_id: 3 }
        );
    }

    #[test]
    fn new_incident_carries_title_severity_category_tactics() {
        let a = alert("r1", &["attack.t1110"], "web01", t0());
        assert_eq!(
            group(&a, &[], &GroupingConfig::default()),
            GroupDecision::New {
                title: "SSH brute force on web01".into(),
                severity: Severity::High,
                category: Category::BruteForce,
                tactics: vec![Tactic::CredentialAccess],
            }
        );
    }
}
