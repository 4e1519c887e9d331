//! Steward's detection engine.
//!
//! SigmaHQ rules load unmodified ([`sigma`]), are compiled once into a [`RuleSet`] with
//! a shared literal prefilter, and run in-stream on every event through a [`Detector`],
//! which also holds the state of Sigma correlation rules. Events are seen through an
//! [`EventView`], which answers Sigma's field names for raw Windows events and for ECS
//! documents alike ([`mapping`]).
#![forbid(unsafe_code)]

pub mod detector;
pub mod logsource;
pub mod mapping;
pub mod sigma;
pub mod view;

/// Steward's own rules, compiled in: `(name, text)` (see `rules/README.md`).
pub const BUILTIN_RULES: &[(&str, &str)] = &[
    (
        "builtin/steward_linux_ssh_failed_password.yml",
        include_str!("../rules/steward_linux_ssh_failed_password.yml"),
    ),
    (
        "builtin/steward_web_admin_probe.yml",
        include_str!("../rules/steward_web_admin_probe.yml"),
    ),
    (
        "builtin/steward_firewall_deny_burst.yml",
        include_str!("../rules/steward_firewall_deny_burst.yml"),
    ),
];

pub use detector::{Detector, DetectorStats, Limits, RuleMatch};
pub use logsource::{EventSource, LogSource};
pub use sigma::modifiers::Placeholders;
pub use sigma::rule::RuleError;
pub use sigma::ruleset::{LoadOptions, RuleSet};
pub use view::EventView;
