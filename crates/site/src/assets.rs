//! Assets in the event stream: every event gets the asset ids of its source,
//! destination and host, and internal addresses seen alive are collected for discovery.

use ipnet::IpNet;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use steward_ingest::EventEnricher;
use steward_model::Event;
use steward_objects::assets::AssetIndex;
use steward_secops::AssetObservation;

/// Distinct addresses held between two automation rounds; more are counted and dropped
/// (they come back with the next event from that address).
const MAX_PENDING: usize = 100_000;

/// Where an asset id is written, and which address it is looked up by.
const ENRICHED: [(&str, &str); 3] = [
    ("source.ip", "steward.asset.source_id"),
    ("destination.ip", "steward.asset.destination_id"),
    ("host.ip", "steward.asset.host_id"),
];

pub struct AssetEnricher {
    index: RwLock<Arc<AssetIndex>>,
    internal: Vec<IpNet>,
    discover: bool,
    pending: Mutex<HashMap<IpAddr, AssetObservation>>,
    pub dropped_observations: AtomicU64,
}

fn first_ip(event: &Event, path: &str) -> Option<IpAddr> {
    match event.get(path)? {
        serde_json::Value::String(s) => s.parse().ok(),
        serde_json::Value::Array(items) => items.iter().find_map(|v| v.as_str()?.parse().ok()),
        _ => None,
    }
}

impl AssetEnricher {
    pub fn new(index: AssetIndex, internal: Vec<IpNet>, discover: bool) -> Self {
        Self {
            index: RwLock::new(Arc::new(index)),
            internal,
            discover,
            pending: Mutex::new(HashMap::new()),
            dropped_observations: AtomicU64::new(0),
        }
    }

    pub fn set_index(&self, index: AssetIndex) {
        *self.index.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(index);
    }

    pub fn lookup(&self, ip: &str) -> Option<i64> {
        let ip: IpAddr = ip.parse().ok()?;
        self.index
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .lookup(ip)
    }

    /// What was seen since the last call, one observation per address.
    pub fn take_observations(&self) -> Vec<AssetObservation> {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        std::mem::take(&mut *pending).into_values().collect()
    }

    fn remember(&self, seen: Vec<AssetObservation>) {
        if seen.is_empty() {
            return;
        }
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        for obs in seen {
            let full = pending.len() >= MAX_PENDING;
            match pending.get_mut(&obs.ip) {
                Some(known) => {
                    if obs.seen_at > known.seen_at {
                        known.seen_at = obs.seen_at;
                    }
                    known.hostname = known.hostname.take().or(obs.hostname);
                    known.mac = known.mac.take().or(obs.mac);
                    known.os = known.os.take().or(obs.os);
                }
                None if full => {
                    self.dropped_observations.fetch_add(1, Ordering::Relaxed);
                }
                None => {
                    pending.insert(obs.ip, obs);
                }
            }
        }
    }
}

impl EventEnricher for AssetEnricher {
    fn enrich(&self, events: &mut [Event]) {
        let index = self.index.read().unwrap_or_else(|p| p.into_inner()).clone();
        let mut seen = Vec::new();
        for event in events.iter_mut() {
            if !index.is_empty() {
                for (ip_path, id_path) in ENRICHED {
                    if let Some(id) = first_ip(event, ip_path).and_then(|ip| index.lookup(ip)) {
                        event.set(id_path, id);
                    }
                }
            }
            if self.discover && !self.internal.is_empty() {
                seen.extend(steward_secops::observe(event, &self.internal));
            }
        }
        self.remember(seen);
    }
}
