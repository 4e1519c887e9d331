//! The site role (tier 3, at the customer): owns all raw data.
//!
//! [`server::start`] wires the pieces: the ingest listeners and the HTTP API feed the
//! pipeline, which normalises records and queues them to the single store writer; the API
//! answers searches from the same store. See ARCHITECTURE.md for the map.
#![forbid(unsafe_code)]

pub mod api;
pub mod assets;
pub mod automation;
pub mod config;
pub mod detection;
pub mod metrics;
pub mod notify;
pub mod server;
pub mod timeparam;

pub use config::SiteConfig;
pub use server::{start, Addresses, RunningSite, StartOptions};
