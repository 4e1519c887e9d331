//! SecOps domain logic: incidents and their closed-loop state machine, SLA timers and
//! MTTA/MTTR, grouping alerts into incidents, and assets discovered from events.
//!
//! Pure logic: no storage, no HTTP, no clock. Callers pass `now` where time matters so
//! the same inputs always give the same answers.
#![forbid(unsafe_code)]

pub mod alert;
pub mod asset;
pub mod attack;
pub mod grouping;
pub mod incident;
pub mod sla;

pub use alert::AlertRef;
pub use asset::{
    is_shadow, normalize_mac, observe, Asset, AssetError, AssetKind, AssetObservation, Cia,
    ObservedVia,
};
pub use attack::{tactics_from_tags, techniques_from_tags, Tactic};
pub use grouping::{
    group, EntityKind, EntityValue, GroupDecision, GroupingConfig, IncidentSummary, Require,
};
pub use incident::{
    allowed_transitions, check_transition, Category, Comment, Evidence, Incident, IncidentState,
    Severity, TimelineEntry, TimelineKind, TransitionError,
};
pub use sla::{
    breaches, due, mtta_mttr, Metrics, SlaBreach, SlaDue, SlaPolicy, SlaTarget, SlaTargets,
};
