//! SLA timers per severity, breach detection and MTTA/MTTR.
//!
//! All clocks start at the incident's creation. Acknowledged = first move out of
//! `new`; contained = first arrival at containment or later (resolution included);
//! resolved = now in closed, false positive or duplicate. A target met exactly at its
//! due time is met; a breach needs the clock to run strictly past it.

use crate::incident::{Incident, Severity};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SlaTarget {
    Acknowledge,
    Contain,
    Resolve,
}

/// Time allowed for each target, in seconds (TOML- and JSON-friendly).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SlaTargets {
    pub ack_secs: u64,
    pub contain_secs: u64,
    pub resolve_secs: u64,
}

impl SlaTargets {
    const fn hours(ack_min: u64, contain_h: u64, resolve_h: u64) -> Self {
        Self {
            ack_secs: ack_min * 60,
            contain_secs: contain_h * 3600,
            resolve_secs: resolve_h * 3600,
        }
    }

    pub fn get(&self, target: SlaTarget) -> u64 {
        match target {
            SlaTarget::Acknowledge => self.ack_secs,
            SlaTarget::Contain => self.contain_secs,
            SlaTarget::Resolve => self.resolve_secs,
        }
    }
}

/// One set of targets per severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct SlaPolicy {
    pub critical: SlaTargets,
    pub high: SlaTargets,
    pub medium: SlaTargets,
    pub low: SlaTargets,
}

impl Default for SlaPolicy {
    /// Critical 15 min / 4 h / 24 h, high 1 h / 12 h / 3 d, medium 4 h / 2 d / 7 d,
    /// low 24 h / 7 d / 30 d (acknowledge / contain / resolve). The critical row is the
    /// "15-minute response to critical incidents" MSSP packages sell.
    fn default() -> Self {
        Self {
            critical: SlaTargets::hours(15, 4, 24),
            high: SlaTargets::hours(60, 12, 72),
            medium: SlaTargets::hours(4 * 60, 48, 7 * 24),
            low: SlaTargets::hours(24 * 60, 7 * 24, 30 * 24),
        }
    }
}

impl SlaPolicy {
    pub fn targets(&self, severity: Severity) -> &SlaTargets {
        match severity {
            Severity::Critical => &self.critical,
            Severity::High => &self.high,
            Severity::Medium => &self.medium,
            Severity::Low => &self.low,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SlaDue {
    pub acknowledge: DateTime<Utc>,
    pub contain: DateTime<Utc>,
    pub resolve: DateTime<Utc>,
}

impl SlaDue {
    pub fn get(&self, target: SlaTarget) -> DateTime<Utc> {
        match target {
            SlaTarget::Acknowledge => self.acknowledge,
            SlaTarget::Contain => self.contain,
            SlaTarget::Resolve => self.resolve,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SlaBreach {
    pub target: SlaTarget,
    pub due: DateTime<Utc>,
    /// When the target was finally met, if it was (late).
    pub met_at: Option<DateTime<Utc>>,
    /// How far past due: to `met_at`, or to `now` while still unmet.
    pub overdue_secs: i64,
}

fn add_secs(t: DateTime<Utc>, secs: u64) -> DateTime<Utc> {
    // Absurd configured values saturate instead of overflowing the calendar.
    let secs = i64::try_from(secs).unwrap_or(i64::MAX);
    Duration::try_seconds(secs)
        .and_then(|d| t.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Due times for the incident's current severity.
pub fn due(incident: &Incident, policy: &SlaPolicy) -> SlaDue {
    let t = policy.targets(incident.severity);
    let start = incident.created_at;
    SlaDue {
        acknowledge: add_secs(start, t.ack_secs),
        contain: add_secs(start, t.contain_secs),
        resolve: add_secs(start, t.resolve_secs),
    }
}

/// Targets missed as of `now`: met late, or unmet with `now` past due.
pub fn breaches(incident: &Incident, policy: &SlaPolicy, now: DateTime<Utc>) -> Vec<SlaBreach> {
    let due = due(incident, policy);
    let milestones = [
        (SlaTarget::Acknowledge, incident.acknowledged_at()),
        (SlaTarget::Contain, incident.contained_at()),
        (SlaTarget::Resolve, incident.resolved_at()),
    ];
    milestones
        .into_iter()
        .filter_map(|(target, met_at)| {
            let due = due.get(target);
            let end = met_at.unwrap_or(now);
            (end > due).then(|| SlaBreach {
                target,
                due,
                met_at,
                overdue_secs: (end - due).num_seconds(),
            })
        })
        .collect()
}

/// Mean times for the incidents created in `[period_start, period_end)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Metrics {
    /// Incidents created in the period.
    pub incidents: usize,
    pub acknowledged: usize,
    pub resolved: usize,
    /// Mean time to acknowledge, seconds; `None` with nothing acknowledged.
    pub mtta_secs: Option<f64>,
    /// Mean time to resolve, seconds; `None` with nothing resolved.
    pub mttr_secs: Option<f64>,
}

/// MTTA/MTTR over the incidents created in the period (a cohort: an incident counts in
/// the period it was opened, whenever it was handled).
pub fn mtta_mttr(
    incidents: &[Incident],
    period_start: DateTime<Utc>,
    period_end: DateTime<Utc>,
) -> Metrics {
    let cohort: Vec<&Incident> = incidents
        .iter()
        .filter(|i| i.created_at >= period_start && i.created_at < period_end)
        .collect();
    let mean = |xs: &[i64]| {
        (!xs.is_empty()).then(|| xs.iter().map(|&x| x as f64).sum::<f64>() / xs.len() as f64)
    };
    let ack: Vec<i64> = cohort
        .iter()
        .filter_map(|i| Some((i.acknowledged_at()? - i.created_at).num_seconds()))
        .collect();
    let res: Vec<i64> = cohort
        .iter()
        .filter_map(|i| Some((i.resolved_at()? - i.created_at).num_seconds()))
        .collect();
    Metrics {
        incidents: cohort.len(),
        acknowledged: ack.len(),
        resolved: res.len(),
        mtta_secs: mean(&ack),
        mttr_secs: mean(&res),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::{Category, IncidentState, TimelineKind};
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap()
    }

    fn incident(sev: Severity) -> Incident {
        Incident::new(1, "x", sev, Category::Other, "system", t0())
    }

    fn targets(b: &[SlaBreach]) -> Vec<SlaTarget> {
        b.iter().map(|b| b.target).collect()
    }

    #[test]
    fn due_times_follow_severity() {
        let p = SlaPolicy::default();
        let d = due(&incident(Severity::Critical), &p);
        assert_eq!(
            d.acknowledge,
            t0() + Duration::seconds(p.critical.ack_secs as i64)
        );
        assert_eq!(
            d.contain,
            t0() + Duration::seconds(p.critical.contain_secs as i64)
        );
        assert_eq!(
            d.resolve,
            t0() + Duration::seconds(p.critical.resolve_secs as i64)
        );
        let low = due(&incident(Severity::Low), &p);
        assert!(low.acknowledge > d.acknowledge);
    }

    #[test]
    fn defaults_grow_with_lower_severity_and_stages() {
        let p = SlaPolicy::default();
        let rows = [p.critical, p.high, p.medium, p.low];
        for w in rows.windows(2) {
            assert!(w[0].ack_secs < w[1].ack_secs);
            assert!(w[0].contain_secs < w[1].contain_secs);
            assert!(w[0].resolve_secs < w[1].resolve_secs);
        }
        for r in rows {
            assert!(r.ack_secs < r.contain_secs && r.contain_secs < r.resolve_secs);
        }
    }

    #[test]
    fn unmet_target_breaches_only_strictly_after_due() {
        let p = SlaPolicy::default();
        let inc = incident(Severity::Critical);
        let d = due(&inc, &p);
        assert!(breaches(&inc, &p, d.acknowledge).is_empty());
        let b = breaches(&inc, &p, d.acknowledge + Duration::seconds(1));
        assert_eq!(targets(&b), vec![SlaTarget::Acknowledge]);
        assert_eq!(b[0].overdue_secs, 1);
        assert_eq!(b[0].met_at, None);
        let all = breaches(&inc, &p, d.resolve + Duration::seconds(1));
        assert_eq!(
            targets(&all),
            vec![
                SlaTarget::Acknowledge,
                SlaTarget::Contain,
                SlaTarget::Resolve
            ]
        );
    }

    #[test]
    fn met_exactly_at_due_is_not_a_breach_one_second_late_is() {
        let p = SlaPolicy::default();
        let mut on_time = incident(Severity::High);
        let d = due(&on_time, &p);
        on_time
            .transition(IncidentState::Triage, "a", "", d.acknowledge)
            .unwrap();
        let later = d.acknowledge + Duration::hours(1);
        assert!(breaches(&on_time, &p, later).is_empty());

        let mut late = incident(Severity::High);
        late.transition(
            IncidentState::Triage,
            "a",
            "",
            d.acknowledge + Duration::seconds(1),
        )
        .unwrap();
        let b = breaches(&late, &p, later);
        assert_eq!(targets(&b), vec![SlaTarget::Acknowledge]);
        assert_eq!(b[0].met_at, Some(d.acknowledge + Duration::seconds(1)));
        assert_eq!(b[0].overdue_secs, 1);
    }

    #[test]
    fn resolution_stops_every_clock() {
        let p = SlaPolicy::default();
        let mut inc = incident(Severity::Critical);
        inc.transition(
            IncidentState::FalsePositive,
            "a",
            "test traffic",
            t0() + Duration::minutes(5),
        )
        .unwrap();
        let far = t0() + Duration::days(365);
        assert!(breaches(&inc, &p, far).is_empty());
        // Reopening restarts nothing already met but leaves resolution open again.
        inc.transition(IncidentState::Triage, "a", "", t0() + Duration::minutes(6))
            .unwrap();
        assert_eq!(targets(&breaches(&inc, &p, far)), vec![SlaTarget::Resolve]);
    }

    #[test]
    fn breaches_are_recorded_once() {
        let p = SlaPolicy::default();
        let mut inc = incident(Severity::Critical);
        let d = due(&inc, &p);
        let now = d.acknowledge + Duration::minutes(1);
        assert_eq!(inc.record_sla_breaches(&p, now).len(), 1);
        assert!(inc.record_sla_breaches(&p, now).is_empty());
        let recorded = inc
            .timeline
            .iter()
            .filter(|e| matches!(e.kind, TimelineKind::SlaBreached { .. }))
            .count();
        assert_eq!(recorded, 1);
        assert_eq!(
            inc.record_sla_breaches(&p, d.contain + Duration::seconds(1))
                .len(),
            1
        );
    }

    #[test]
    fn huge_targets_saturate_instead_of_panicking() {
        let mut p = SlaPolicy::default();
        p.low.resolve_secs = u64::MAX;
        let d = due(&incident(Severity::Low), &p);
        assert_eq!(d.resolve, DateTime::<Utc>::MAX_UTC);
    }

    #[test]
    fn metrics_over_a_period_cohort() {
        let mk = |id, created: DateTime<Utc>, ack_min: Option<i64>, res_min: Option<i64>| {
            let mut i = Incident::new(id, "x", Severity::High, Category::Other, "s", created);
            if let Some(m) = ack_min {
                i.transition(
                    IncidentState::Triage,
                    "a",
                    "",
                    created + Duration::minutes(m),
                )
                .unwrap();
            }
            if let Some(m) = res_min {
                i.transition(
                    IncidentState::Closed,
                    "a",
                    "",
                    created + Duration::minutes(m),
                )
                .unwrap();
            }
            i
        };
        let start = t0();
        let end = t0() + Duration::days(1);
        let incidents = vec![
            mk(1, start, Some(10), Some(60)),
            mk(2, start + Duration::hours(1), Some(20), Some(180)),
            mk(3, start + Duration::hours(2), None, None),
            // Outside the period: created exactly at its end, and before its start.
            mk(4, end, Some(1), Some(1)),
            mk(5, start - Duration::seconds(1), Some(1), Some(1)),
        ];
        let m = mtta_mttr(&incidents, start, end);
        assert_eq!(m.incidents, 3);
        assert_eq!(m.acknowledged, 2);
        assert_eq!(m.resolved, 2);
        assert_eq!(m.mtta_secs, Some(15.0 * 60.0));
        assert_eq!(m.mttr_secs, Some(120.0 * 60.0));
        let empty = mtta_mttr(&incidents, end + Duration::days(1), end + Duration::days(2));
        assert_eq!(empty, Metrics::default());
    }
}
