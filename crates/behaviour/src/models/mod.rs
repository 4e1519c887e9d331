//! The behaviour models, one per module. Each reads [`EventView`]s, keeps its own
//! bounded state and reports findings as detections.

use crate::state::{Cooldown, KeyedState};
use crate::view::EventView;
use crate::ModelStats;
use steward_model::Detection;

pub mod beaconing;
pub mod brute_force;
pub mod crypto_mining;
pub mod exfiltration;
mod file_extensions;
pub mod lateral_movement;
mod mining_pools;
pub mod port_scan;
pub mod ransomware;
pub mod web_attack;

pub(crate) trait Model {
    fn name(&self) -> &'static str;
    fn observe(&mut self, view: &EventView<'_>, out: &mut Vec<Detection>);
    fn stats(&self) -> ModelStats;
}

/// What the stats need from each table of a model.
pub(crate) trait Table {
    fn keys(&self) -> usize;
    fn evicted(&self) -> u64;
    fn expired_keys(&self) -> u64 {
        0
    }
    fn suppressed(&self) -> u64 {
        0
    }
}

impl<V> Table for KeyedState<V> {
    fn keys(&self) -> usize {
        self.len()
    }
    fn evicted(&self) -> u64 {
        self.evictions()
    }
    fn expired_keys(&self) -> u64 {
        self.expired()
    }
}

impl Table for Cooldown {
    fn keys(&self) -> usize {
        self.len()
    }
    fn evicted(&self) -> u64 {
        self.evictions()
    }
    fn suppressed(&self) -> u64 {
        Cooldown::suppressed(self)
    }
}

pub(crate) fn stats_of(
    model: &'static str,
    max_keys: usize,
    detections: u64,
    tables: &[&dyn Table],
) -> ModelStats {
    ModelStats {
        model,
        enabled: true,
        tracked_keys: tables.iter().map(|t| t.keys()).sum(),
        max_keys,
        evictions: tables.iter().map(|t| t.evicted()).sum(),
        expired: tables.iter().map(|t| t.expired_keys()).sum(),
        detections,
        suppressed: tables.iter().map(|t| t.suppressed()).sum(),
    }
}
