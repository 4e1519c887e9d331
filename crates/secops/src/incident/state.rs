//! The incident state machine (PDCERF-style closed loop).
//!
//! Matrix (see docs/incidents.md): from an open state an incident may move to any
//! *later* stage of the loop (skipping is allowed: a port scan needs no eradication),
//! containment, eradication and recovery may fall back to analysis (new evidence
//! widens the scope), false positive and duplicate are reachable from every open
//! state, and the three terminal states can only be reopened to triage.

use serde::{Deserialize, Serialize};
use std::fmt;

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
pub enum IncidentState {
    New,
    Triage,
    Analysis,
    Containment,
    Eradication,
    Recovery,
    Closed,
    FalsePositive,
    Duplicate,
}

use IncidentState::*;

impl IncidentState {
    pub const ALL: [IncidentState; 9] = [
        New,
        Triage,
        Analysis,
        Containment,
        Eradication,
        Recovery,
        Closed,
        FalsePositive,
        Duplicate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            New => "new",
            Triage => "triage",
            Analysis => "analysis",
            Containment => "containment",
            Eradication => "eradication",
            Recovery => "recovery",
            Closed => "closed",
            FalsePositive => "false_positive",
            Duplicate => "duplicate",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Closed, false positive and duplicate: the SLA clocks stop here.
    pub fn is_terminal(self) -> bool {
        matches!(self, Closed | FalsePositive | Duplicate)
    }

    pub fn is_open(self) -> bool {
        !self.is_terminal()
    }

    /// Whether the incident has reached containment or gone past it (resolution
    /// included: a false positive has nothing left to contain).
    pub fn is_contained(self) -> bool {
        matches!(
            self,
            Containment | Eradication | Recovery | Closed | FalsePositive | Duplicate
        )
    }
}

impl fmt::Display for IncidentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The states `from` may move to; never contains `from` itself.
pub fn allowed_transitions(from: IncidentState) -> &'static [IncidentState] {
    match from {
        New => &[
            Triage,
            Analysis,
            Containment,
            Eradication,
            Recovery,
            Closed,
            FalsePositive,
            Duplicate,
        ],
        Triage => &[
            Analysis,
            Containment,
            Eradication,
            Recovery,
            Closed,
            FalsePositive,
            Duplicate,
        ],
        Analysis => &[
            Containment,
            Eradication,
            Recovery,
            Closed,
            FalsePositive,
            Duplicate,
        ],
        Containment => &[
            Analysis,
            Eradication,
            Recovery,
            Closed,
            FalsePositive,
            Duplicate,
        ],
        Eradication => &[Analysis, Recovery, Closed, FalsePositive, Duplicate],
        Recovery => &[Analysis, Closed, FalsePositive, Duplicate],
        Closed | FalsePositive | Duplicate => &[Triage],
    }
}

/// A refused transition; the API answers it with 409 and the allowed list.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize)]
#[error(
    "cannot move an incident from {from} to {to}; allowed: {}",
    list(allowed)
)]
pub struct TransitionError {
    pub from: IncidentState,
    pub to: IncidentState,
    pub allowed: Vec<IncidentState>,
}

fn list(states: &[IncidentState]) -> String {
    let names: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
    names.join(", ")
}

/// Checks one move against the matrix.
pub fn check_transition(from: IncidentState, to: IncidentState) -> Result<(), TransitionError> {
    let allowed = allowed_transitions(from);
    if allowed.contains(&to) {
        Ok(())
    } else {
        Err(TransitionError {
            from,
            to,
            allowed: allowed.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole 9×9 matrix written out independently of `allowed_transitions`, so a
    /// change to either side shows up here.
    const EXPECTED: [(IncidentState, &str); 9] = [
        (New, "-TACERXFD"),
        (Triage, "--ACERXFD"),
        (Analysis, "---CERXFD"),
        (Containment, "--A-ERXFD"),
        (Eradication, "--A--RXFD"),
        (Recovery, "--A---XFD"),
        (Closed, "-T-------"),
        (FalsePositive, "-T-------"),
        (Duplicate, "-T-------"),
    ];

    #[test]
    fn full_transition_matrix() {
        for (from, row) in EXPECTED {
            for (to, cell) in IncidentState::ALL.into_iter().zip(row.chars()) {
                let expected = cell != '-';
                let got = check_transition(from, to);
                assert_eq!(got.is_ok(), expected, "{from} -> {to}");
                if let Err(e) = got {
                    assert_eq!(e.allowed, allowed_transitions(from));
                    assert_eq!((e.from, e.to), (from, to));
                }
            }
        }
    }

    #[test]
    fn no_self_transitions_and_every_state_can_leave() {
        for s in IncidentState::ALL {
            assert!(!allowed_transitions(s).contains(&s));
            assert!(!allowed_transitions(s).is_empty());
        }
    }

    #[test]
    fn names_round_trip_and_serde_is_snake_case() {
        for s in IncidentState::ALL {
            assert_eq!(IncidentState::parse(s.as_str()), Some(s));
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
        assert_eq!(IncidentState::parse("open"), None);
    }

    #[test]
    fn error_message_lists_allowed_states() {
        let e = check_transition(Closed, Analysis).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot move an incident from closed to analysis; allowed: triage"
        );
    }
}
