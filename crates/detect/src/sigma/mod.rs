//! Sigma: rule files, the condition language, value modifiers, correlations.

pub mod condition;
pub mod correlation;
pub mod detection;
pub mod modifiers;
pub mod pattern;
pub mod rule;
pub mod ruleset;
