//! Steward's domain model: the bottom of the dependency graph.
//!
//! Everything above this crate speaks in terms of [`Event`] (an Elastic Common Schema
//! document) and the identities in [`identity`]. Nothing here does I/O.
#![forbid(unsafe_code)]

pub mod detection;
pub mod ecs;
pub mod event;
pub mod identity;
pub mod time;

pub use detection::{Detection, DetectionSource, Entities, Level};
pub use event::Event;
pub use identity::{Origin, SiteId, TenantId};
