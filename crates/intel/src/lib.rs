//! Threat-intel indicators: load them from STIX 2.1, MISP and CSV/plain lists, index
//! millions of them compactly, and match ECS events against them.
//!
//! ```text
//! feeds ──load_path / load_feeds──▶ IndicatorSetBuilder ──build──▶ IndicatorSet (Arc, shared)
//!                                                                   │
//!            Event ──IndicatorSet::match_event──▶ Vec<IndicatorHit> ──to_detection──▶ Detection
//! ```
//!
//! Indicator types: IP addresses, CIDR networks (and address ranges), domains (exact
//! or with subdomains), URLs, MD5/SHA-1/SHA-256 hashes and AS numbers. Each has an id,
//! source (feed) name, confidence 0-100, optional expiry, title, description, author
//! and tags. Expired indicators never match. See `docs/intel.md` for formats and
//! configuration.
#![forbid(unsafe_code)]

pub mod detection;
#[doc(hidden)]
pub mod fuzzing;
pub mod load;
mod matcher;
mod prefix;
pub mod set;
mod table;
pub mod types;
pub mod value;

pub use detection::{level_for_confidence, to_detection};
pub use load::{
    load_bytes, load_feeds, load_path, FeedConfig, FeedOutcome, Format, LoadError, LoadOptions,
    LoadReport,
};
pub use matcher::{FieldKind, FIELDS};
pub use set::{IndicatorSet, IndicatorSetBuilder, ValueError, MIN_PREFIX_V4, MIN_PREFIX_V6};
pub use types::{
    Attrs, Indicator, IndicatorHit, IndicatorMeta, IndicatorType, IndicatorValue, MatchKind, MetaId,
};
