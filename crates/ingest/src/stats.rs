//! Counters of the ingest path, read by `/metrics`. Plain atomics: the hot path only
//! increments, the metrics endpoint only reads.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// Per listener (`syslog-udp`, `syslog-tcp`, `syslog-tls`, `http`, `hec`).
#[derive(Debug, Default)]
pub struct ListenerStats {
    pub received: AtomicU64,
    pub bytes: AtomicU64,
    pub truncated: AtomicU64,
    /// Records lost because the queue was full (UDP only: streams push back instead).
    pub dropped: AtomicU64,
    pub framing_errors: AtomicU64,
    pub connections_open: AtomicU64,
    pub connections_total: AtomicU64,
    /// Connections closed at once because the listener was at its connection limit.
    pub connections_rejected: AtomicU64,
    /// Connections closed for sending nothing within the idle timeout.
    pub connections_idle_closed: AtomicU64,
}

/// Per parser that produced events.
#[derive(Debug, Default)]
pub struct ParserStats {
    pub parsed: AtomicU64,
    pub failed: AtomicU64,
}

/// All ingest counters of a site.
#[derive(Debug, Default)]
pub struct IngestStats {
    listeners: RwLock<BTreeMap<String, Arc<ListenerStats>>>,
    parsers: RwLock<BTreeMap<String, Arc<ParserStats>>>,
}

fn get_or_insert<T: Default>(map: &RwLock<BTreeMap<String, Arc<T>>>, name: &str) -> Arc<T> {
    if let Some(found) = map.read().unwrap_or_else(|p| p.into_inner()).get(name) {
        return found.clone();
    }
    map.write()
        .unwrap_or_else(|p| p.into_inner())
        .entry(name.to_owned())
        .or_default()
        .clone()
}

impl IngestStats {
    pub fn listener(&self, name: &str) -> Arc<ListenerStats> {
        get_or_insert(&self.listeners, name)
    }
    pub fn parser(&self, name: &str) -> Arc<ParserStats> {
        get_or_insert(&self.parsers, name)
    }
    pub fn listeners(&self) -> Vec<(String, Arc<ListenerStats>)> {
        let map = self.listeners.read().unwrap_or_else(|p| p.into_inner());
        map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
    pub fn parsers(&self) -> Vec<(String, Arc<ParserStats>)> {
        let map = self.parsers.read().unwrap_or_else(|p| p.into_inner());
        map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}

pub(crate) fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}
