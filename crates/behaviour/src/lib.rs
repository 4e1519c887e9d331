//! Steward's built-in behaviour models.
//!
//! Sigma rules look at one event (or count events); behaviour models follow what one
//! source, account, host or process does over time: brute force then success, port
//! scans, periodic beaconing, crypto-mining, ransomware precursors, lateral movement,
//! outbound volume anomalies and web attacks. [`Behaviours`] runs all enabled models on
//! a stream of ECS events and returns [`steward_model::Detection`]s.
//!
//! Memory is bounded whatever the input: every model table has a key cap with
//! least-recently-used eviction (counted) and expires idle keys as event time advances,
//! all amortised O(1) per event. `docs/behaviour.md` documents every model and setting.
#![forbid(unsafe_code)]

mod config;
mod decode;
mod engine;
mod fields;
mod finding;
mod models;
mod net;
mod state;
mod text;
mod view;
mod window;

pub use config::{BehaviourConfig, ConfigError, DEFAULT_MAX_KEYS};
pub use engine::{BehaviourStats, Behaviours, ModelStats, MODELS};
pub use models::beaconing::BeaconingConfig;
pub use models::brute_force::BruteForceConfig;
pub use models::crypto_mining::CryptoMiningConfig;
pub use models::exfiltration::ExfiltrationConfig;
pub use models::lateral_movement::LateralMovementConfig;
pub use models::port_scan::PortScanConfig;
pub use models::ransomware::RansomwareConfig;
pub use models::web_attack::{WebAttackClass, WebAttackConfig};
pub use net::DEFAULT_INTERNAL_NETWORKS;
