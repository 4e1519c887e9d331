//! Incidents (cases): state, ownership, evidence and a timeline of everything done.

mod category;
mod state;

pub use category::{Category, Severity};
pub use state::{allowed_transitions, check_transition, IncidentState, TransitionError};

use crate::alert::AlertRef;
use crate::attack::{tactics_from_tags, Tactic};
use crate::grouping::{EntityValue, IncidentSummary};
use crate::sla::{SlaBreach, SlaTarget};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Something pinned to an incident as proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Evidence {
    /// A stored event, by id, with why it matters.
    Event { event_id: String, note: String },
    /// An uploaded file; the bytes live in the evidence store, named by their hash.
    File {
        name: String,
        sha256: String,
        size: u64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Comment {
    pub at: DateTime<Utc>,
    pub author: String,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TimelineKind {
    Created,
    Transition {
        from: IncidentState,
        to: IncidentState,
        reason: String,
    },
    Assigned {
        assignee: Option<String>,
    },
    Comment {
        text: String,
    },
    AlertAdded {
        alert_id: i64,
    },
    EvidencePinned {
        evidence: Evidence,
    },
    SlaBreached {
        target: SlaTarget,
        due: DateTime<Utc>,
    },
}

/// One line of the timeline: who did what, when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    #[serde(flatten)]
    pub kind: TimelineKind,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Incident {
    pub id: i64,
    pub title: String,
    pub state: IncidentState,
    pub severity: Severity,
    pub category: Category,
    pub assignee: Option<String>,
    pub created_at: DateTime<Utc>,
    pub tactics: Vec<Tactic>,
    pub alert_ids: Vec<i64>,
    /// The rules behind the alerts: grouping joins "same rule" alerts by these.
    pub rule_ids: Vec<String>,
    /// Entities of the alerts (hosts, users, addresses, ...), de-duplicated.
    pub entities: Vec<EntityValue>,
    /// Hosts and addresses the incident touches, as shown to analysts.
    pub affected_assets: Vec<String>,
    pub first_alert_at: Option<DateTime<Utc>>,
    pub last_alert_at: Option<DateTime<Utc>>,
    pub evidence: Vec<Evidence>,
    pub comments: Vec<Comment>,
    pub timeline: Vec<TimelineEntry>,
}

impl Incident {
    pub fn new(
        id: i64,
        title: impl Into<String>,
        severity: Severity,
        category: Category,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            title: title.into(),
            state: IncidentState::New,
            severity,
            category,
            assignee: None,
            created_at: at,
            tactics: Vec::new(),
            alert_ids: Vec::new(),
            rule_ids: Vec::new(),
            entities: Vec::new(),
            affected_assets: Vec::new(),
            first_alert_at: None,
            last_alert_at: None,
            evidence: Vec::new(),
            comments: Vec::new(),
            timeline: vec![TimelineEntry {
                at,
                actor: actor.to_owned(),
                kind: TimelineKind::Created,
            }],
        }
    }

    fn log(&mut self, at: DateTime<Utc>, actor: &str, kind: TimelineKind) {
        self.timeline.push(TimelineEntry {
            at,
            actor: actor.to_owned(),
            kind,
        });
    }

    /// Moves the incident along the state machine, or says which moves are allowed.
    pub fn transition(
        &mut self,
        to: IncidentState,
        actor: &str,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<(), TransitionError> {
        check_transition(self.state, to)?;
        let from = self.state;
        self.state = to;
        self.log(
            at,
            actor,
            TimelineKind::Transition {
                from,
                to,
                reason: reason.to_owned(),
            },
        );
        Ok(())
    }

    /// Sets or clears the assignee; assigning the current assignee again logs nothing.
    pub fn assign(&mut self, assignee: Option<&str>, actor: &str, at: DateTime<Utc>) {
        if self.assignee.as_deref() == assignee {
            return;
        }
        self.assignee = assignee.map(str::to_owned);
        self.log(
            at,
            actor,
            TimelineKind::Assigned {
                assignee: self.assignee.clone(),
            },
        );
    }

    pub fn comment(&mut self, author: &str, text: &str, at: DateTime<Utc>) {
        self.comments.push(Comment {
            at,
            author: author.to_owned(),
            text: text.to_owned(),
        });
        self.log(
            at,
            author,
            TimelineKind::Comment {
                text: text.to_owned(),
            },
        );
    }

    pub fn pin_evidence(&mut self, evidence: Evidence, actor: &str, at: DateTime<Utc>) {
        if self.evidence.contains(&evidence) {
            return;
        }
        self.evidence.push(evidence.clone());
        self.log(at, actor, TimelineKind::EvidencePinned { evidence });
    }

    /// Links an alert: its tactics, rule, entities and time span join the incident's.
    /// Severity only ever rises. Adding the same alert twice changes nothing.
    /// Returns whether the alert was new to this incident.
    pub fn add_alert(&mut self, alert: &AlertRef, actor: &str, at: DateTime<Utc>) -> bool {
        if self.alert_ids.contains(&alert.id) {
            return false;
        }
        self.alert_ids.push(alert.id);
        if !self.rule_ids.contains(&alert.rule_id) {
            self.rule_ids.push(alert.rule_id.clone());
        }
        self.tactics.extend(tactics_from_tags(&alert.tags));
        self.tactics.sort();
        self.tactics.dedup();
        for e in EntityValue::from_entities(&alert.entities) {
            if !self.entities.contains(&e) {
                self.entities.push(e);
            }
        }
        for asset in [
            &alert.entities.host,
            &alert.entities.source_ip,
            &alert.entities.destination_ip,
        ]
        .into_iter()
        .flatten()
        .filter(|a| !a.is_empty())
        {
            if !self.affected_assets.contains(asset) {
                self.affected_assets.push(asset.clone());
            }
        }
        self.severity = self.severity.max(Severity::from(alert.level));
        self.first_alert_at = Some(
            self.first_alert_at
                .map_or(alert.first_seen, |t| t.min(alert.first_seen)),
        );
        self.last_alert_at = Some(
            self.last_alert_at
                .map_or(alert.last_seen, |t| t.max(alert.last_seen)),
        );
        self.log(at, actor, TimelineKind::AlertAdded { alert_id: alert.id });
        true
    }

    /// Records the breaches not yet on the timeline; returns the newly recorded ones.
    /// Each target is recorded once, however often this runs.
    pub fn record_sla_breaches(
        &mut self,
        policy: &crate::sla::SlaPolicy,
        now: DateTime<Utc>,
    ) -> Vec<SlaBreach> {
        let fresh: Vec<SlaBreach> = crate::sla::breaches(self, policy, now)
            .into_iter()
            .filter(|b| !self.breach_recorded(b.target))
            .collect();
        for b in &fresh {
            self.log(
                now,
                "system",
                TimelineKind::SlaBreached {
                    target: b.target,
                    due: b.due,
                },
            );
        }
        fresh
    }

    fn breach_recorded(&self, target: SlaTarget) -> bool {
        self.timeline
            .iter()
            .any(|e| matches!(e.kind, TimelineKind::SlaBreached { target: t, .. } if t == target))
    }

    fn transitions(
        &self,
    ) -> impl Iterator<Item = (DateTime<Utc>, IncidentState, IncidentState)> + '_ {
        self.timeline.iter().filter_map(|e| match e.kind {
            TimelineKind::Transition { from, to, .. } => Some((e.at, from, to)),
            _ => None,
        })
    }

    /// When someone first moved the incident out of `new`.
    pub fn acknowledged_at(&self) -> Option<DateTime<Utc>> {
        self.transitions()
            .find(|(_, from, _)| *from == IncidentState::New)
            .map(|(at, _, _)| at)
    }

    /// When the incident first reached containment or a later stage.
    pub fn contained_at(&self) -> Option<DateTime<Utc>> {
        self.transitions()
            .find(|(_, _, to)| to.is_contained())
            .map(|(at, _, _)| at)
    }

    /// When the incident was resolved, if it is resolved now: the last move into a
    /// terminal state (a reopened incident is unresolved until it ends again).
    pub fn resolved_at(&self) -> Option<DateTime<Utc>> {
        if !self.state.is_terminal() {
            return None;
        }
        self.transitions()
            .filter(|(_, _, to)| to.is_terminal())
            .map(|(at, _, _)| at)
            .last()
    }

    /// What grouping needs to know about this incident.
    pub fn summary(&self) -> IncidentSummary {
        IncidentSummary {
            id: self.id,
            state: self.state,
            rule_ids: self.rule_ids.clone(),
            tactics: self.tactics.clone(),
            entities: self.entities.clone(),
            first_alert_at: self.first_alert_at.unwrap_or(self.created_at),
            last_alert_at: self.last_alert_at.unwrap_or(self.created_at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use steward_model::{Entities, Level};

    pub(crate) fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap()
    }

    fn alert(id: i64, level: Level, tags: &[&str]) -> AlertRef {
        AlertRef {
            id,
            rule_id: format!("rule-{id}"),
            title: "SSH brute force".into(),
            level,
            tags: tags.iter().map(|s| s.to_string()).collect(),
            entities: Entities {
                host: Some("web01".into()),
                source_ip: Some("203.0.113.9".into()),
                ..Entities::default()
            },
            first_seen: t0(),
            last_seen: t0() + Duration::minutes(5),
        }
    }

    #[test]
    fn transitions_record_who_when_why() {
        let mut inc = Incident::new(1, "x", Severity::High, Category::BruteForce, "alice", t0());
        inc.transition(
            IncidentState::Triage,
            "bob",
            "looking",
            t0() + Duration::minutes(3),
        )
        .unwrap();
        let last = inc.timeline.last().unwrap();
        assert_eq!(last.actor, "bob");
        assert_eq!(last.at, t0() + Duration::minutes(3));
        assert_eq!(
            last.kind,
            TimelineKind::Transition {
                from: IncidentState::New,
                to: IncidentState::Triage,
                reason: "looking".into()
            }
        );
        let err = inc
            .transition(IncidentState::New, "bob", "undo", t0())
            .unwrap_err();
        assert_eq!(err.from, IncidentState::Triage);
        assert_eq!(err.allowed, allowed_transitions(IncidentState::Triage));
        // A refused move leaves no trace.
        assert_eq!(inc.state, IncidentState::Triage);
        assert_eq!(inc.timeline.len(), 2);
    }

    #[test]
    fn milestones_follow_the_timeline_and_reopening_unresolves() {
        let mut inc = Incident::new(1, "x", Severity::High, Category::Other, "a", t0());
        assert_eq!(inc.acknowledged_at(), None);
        let m = |n| t0() + Duration::minutes(n);
        inc.transition(IncidentState::Analysis, "a", "", m(10))
            .unwrap();
        inc.transition(IncidentState::Containment, "a", "", m(20))
            .unwrap();
        inc.transition(IncidentState::Analysis, "a", "more hosts", m(30))
            .unwrap();
        inc.transition(IncidentState::Closed, "a", "done", m(40))
            .unwrap();
        assert_eq!(inc.acknowledged_at(), Some(m(10)));
        assert_eq!(inc.contained_at(), Some(m(20)));
        assert_eq!(inc.resolved_at(), Some(m(40)));
        inc.transition(IncidentState::Triage, "a", "reinfected", m(50))
            .unwrap();
        assert_eq!(inc.resolved_at(), None);
        inc.transition(IncidentState::FalsePositive, "a", "", m(60))
            .unwrap();
        assert_eq!(inc.resolved_at(), Some(m(60)));
    }

    #[test]
    fn alerts_merge_tactics_entities_and_raise_severity() {
        let mut inc = Incident::new(7, "x", Severity::Low, Category::BruteForce, "system", t0());
        assert!(inc.add_alert(&alert(1, Level::Medium, &["attack.t1110"]), "system", t0()));
        assert!(!inc.add_alert(&alert(1, Level::Medium, &["attack.t1110"]), "system", t0()));
        assert!(inc.add_alert(
            &alert(2, Level::Critical, &["attack.initial_access"]),
            "system",
            t0()
        ));
        assert_eq!(inc.severity, Severity::Critical);
        assert_eq!(
            inc.tactics,
            vec![Tactic::InitialAccess, Tactic::CredentialAccess]
        );
        assert_eq!(
            inc.affected_assets,
            vec!["web01".to_string(), "203.0.113.9".to_string()]
        );
        assert_eq!(inc.alert_ids, vec![1, 2]);
        assert_eq!(inc.rule_ids.len(), 2);
        assert_eq!(inc.last_alert_at, Some(t0() + Duration::minutes(5)));
        let added = inc
            .timeline
            .iter()
            .filter(|e| matches!(e.kind, TimelineKind::AlertAdded { .. }))
            .count();
        assert_eq!(added, 2);
    }

    #[test]
    fn assignment_comments_evidence_are_logged() {
        let mut inc = Incident::new(1, "x", Severity::Medium, Category::Other, "a", t0());
        inc.assign(Some("carol"), "a", t0());
        inc.assign(Some("carol"), "a", t0());
        inc.comment("carol", "on it", t0());
        let ev = Evidence::Event {
            event_id: "e1".into(),
            note: "first login".into(),
        };
        inc.pin_evidence(ev.clone(), "carol", t0());
        inc.pin_evidence(ev, "carol", t0());
        assert_eq!(inc.assignee.as_deref(), Some("carol"));
        assert_eq!(inc.comments.len(), 1);
        assert_eq!(inc.evidence.len(), 1);
        // created, assigned, comment, evidence
        assert_eq!(inc.timeline.len(), 4);
    }

    #[test]
    fn timeline_serialises_with_a_kind_tag() {
        let mut inc = Incident::new(1, "x", Severity::Medium, Category::Other, "a", t0());
        inc.transition(IncidentState::Triage, "a", "why", t0())
            .unwrap();
        let json = serde_json::to_value(&inc.timeline[1]).unwrap();
        assert_eq!(json["kind"], "transition");
        assert_eq!(json["from"], "new");
        assert_eq!(json["to"], "triage");
        assert_eq!(json["reason"], "why");
        let back: TimelineEntry = serde_json::from_value(json).unwrap();
        assert_eq!(back, inc.timeline[1]);
    }
}
