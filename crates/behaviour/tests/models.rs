//! Each behaviour model on realistic sequences: what must fire (with exact counts),
//! the near misses that must not, and thresholds changed through configuration.

#[path = "models/common.rs"]
mod common;

#[path = "models/beaconing.rs"]
mod beaconing;
#[path = "models/brute_force.rs"]
mod brute_force;
#[path = "models/crypto_mining.rs"]
mod crypto_mining;
#[path = "models/engine.rs"]
mod engine;
#[path = "models/exfiltration.rs"]
mod exfiltration;
#[path = "models/lateral_movement.rs"]
mod lateral_movement;
#[path = "models/port_scan.rs"]
mod port_scan;
#[path = "models/ransomware.rs"]
mod ransomware;
#[path = "models/web_attack.rs"]
mod web_attack;
