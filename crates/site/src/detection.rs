//! Detection in the running site: every normalised event goes through the rules on a
//! worker thread; detections become alerts (de-duplicated, stored in `alerts.db`) and
//! alert events in the event store, so alerts are searchable like any other event.
//!
//! The pipeline hands events over without waiting ([`EventTap`]): the hand-over queue
//! is bounded in events, and when the worker falls that far behind, further events skip
//! detection and are counted (`steward_detect_skipped_events_total`), never silently.

use crate::config::{DetectSection, IntelSection};
use anyhow::{Context, Result};
use chrono::{Duration as ChronoDuration, Utc};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};
use steward_detect::{Detector, Limits, LoadOptions, RuleSet};
use steward_ingest::EventTap;
use steward_model::{time, Detection, Event, Level};
use steward_store::{AlertStore, LatencyHistogram, Recorded, WriteQueue};

/// Counters for `/metrics`.
#[derive(Default)]
pub struct DetectStats {
    pub events: AtomicU64,
    pub skipped: AtomicU64,
    pub detections: AtomicU64,
    pub alerts_opened: AtomicU64,
    pub alerts_updated: AtomicU64,
    pub rules_loaded: AtomicU64,
    pub rules_failed: AtomicU64,
    pub reloads: AtomicU64,
    pub queue_events: AtomicUsize,
    pub correlation_evictions: AtomicU64,
    pub indicators: AtomicU64,
    pub intel_feeds_failed: AtomicU64,
    pub behaviour_evictions: AtomicU64,
    pub store_errors: AtomicU64,
    /// From the event's hand-over to the alert's commit.
    pub latency: LatencyHistogram,
}

struct Batch {
    handed_over: Instant,
    events: Vec<Event>,
}

struct Tap {
    tx: Mutex<Sender<Batch>>,
    capacity: usize,
    stats: Arc<DetectStats>,
}

impl EventTap for Tap {
    fn offer(&self, events: Vec<Event>) {
        let n = events.len();
        if n == 0 {
            return;
        }
        let queued = self.stats.queue_events.fetch_add(n, Ordering::AcqRel);
        if queued + n > self.capacity {
            self.stats.queue_events.fetch_sub(n, Ordering::AcqRel);
            self.stats.skipped.fetch_add(n as u64, Ordering::Relaxed);
            return;
        }
        let batch = Batch {
            handed_over: Instant::now(),
            events,
        };
        let sent = self
            .tx
            .lock()
            .map(|tx| tx.send(batch).is_ok())
            .unwrap_or(false);
        if !sent {
            self.stats.queue_events.fetch_sub(n, Ordering::AcqRel);
            self.stats.skipped.fetch_add(n as u64, Ordering::Relaxed);
        }
    }
}

pub struct DetectionService {
    pub stats: Arc<DetectStats>,
    pub alerts: Arc<AlertStore>,
    tap: Arc<Tap>,
    stop: Arc<AtomicBool>,
    worker: Option<JoinHandle<()>>,
}

impl DetectionService {
    pub fn start(
        config: &DetectSection,
        intel: &IntelSection,
        behaviour: &steward_behaviour::BehaviourConfig,
        data: &std::path::Path,
        queue: WriteQueue,
        audit: Arc<steward_audit::AuditLog>,
        assets: Arc<crate::assets::AssetEnricher>,
    ) -> Result<Self> {
        let behaviours = steward_behaviour::Behaviours::new(behaviour.clone())
            .map_err(|e| anyhow::anyhow!("[behaviour]: {e}"))?;
        let alerts =
            Arc::new(AlertStore::open(&data.join("alerts.db")).context("opening the alert store")?);
        let stats = Arc::new(DetectStats::default());
        let rules = load_rules(config, &stats);
        let indicators = load_intel(intel, &stats);
        let (tx, rx) = channel();
        let tap = Arc::new(Tap {
            tx: Mutex::new(tx),
            capacity: config.queue_events.max(1),
            stats: stats.clone(),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let worker = Worker {
            config: config.clone(),
            detector: Detector::new(Arc::new(rules), limits(config)),
            fingerprint: fingerprint(&config.rules),
            last_check: Instant::now(),
            intel_config: intel.clone(),
            indicators,
            intel_fingerprint: fingerprint(&feed_paths(intel)),
            intel_check: Instant::now(),
            intel_loading: None,
            audit,
            assets,
            behaviours,
            alerts: alerts.clone(),
            queue,
            stats: stats.clone(),
            stop: stop.clone(),
            runtime: tokio::runtime::Handle::try_current().ok(),
        };
        let worker = std::thread::Builder::new()
            .name("steward-detect".into())
            .spawn(move || worker.run(rx))
            .context("starting the detection thread")?;
        Ok(Self {
            stats,
            alerts,
            tap,
            stop,
            worker: Some(worker),
        })
    }

    pub fn tap(&self) -> Arc<dyn EventTap> {
        self.tap.clone()
    }

    /// Finishes what was handed over, then stops the worker.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

fn limits(config: &DetectSection) -> Limits {
    Limits {
        max_groups_per_correlation: config.max_groups_per_correlation,
        max_events_per_group: config.max_events_per_group,
    }
}

fn load_rules(config: &DetectSection, stats: &DetectStats) -> RuleSet {
    let options = LoadOptions {
        placeholders: config.placeholders.clone().into_iter().collect(),
    };
    let builtin: &[(&str, &str)] = if config.builtin_rules {
        steward_detect::BUILTIN_RULES
    } else {
        &[]
    };
    let started = Instant::now();
    let rules = RuleSet::load_with(&config.rules, builtin, &options);
    for e in &rules.errors {
        tracing::warn!(error = %e, "rule not loaded");
    }
    tracing::info!(
        rules = rules.rules.len(),
        correlations = rules.correlations.len(),
        not_loaded = rules.errors.len(),
        seconds = started.elapsed().as_secs_f64(),
        "detection rules loaded"
    );
    stats.rules_loaded.store(
        (rules.rules.len() + rules.correlations.len()) as u64,
        Ordering::Relaxed,
    );
    stats
        .rules_failed
        .store(rules.errors.len() as u64, Ordering::Relaxed);
    rules
}

/// Changes when a rule file is added, removed or modified.
fn fingerprint(paths: &[PathBuf]) -> (usize, u64, Option<SystemTime>) {
    let (files, _) = steward_detect::sigma::ruleset::rule_files(paths);
    let mut size = 0u64;
    let mut newest = None;
    for f in &files {
        if let Ok(m) = std::fs::metadata(f) {
            size = size.wrapping_add(m.len());
            let t = m.modified().ok();
            if t > newest {
                newest = t;
            }
        }
    }
    (files.len(), size, newest)
}

fn feed_paths(intel: &IntelSection) -> Vec<PathBuf> {
    intel
        .feeds
        .iter()
        .filter(|f| f.enabled)
        .map(|f| f.path.clone())
        .collect()
}

fn load_intel(intel: &IntelSection, stats: &DetectStats) -> Arc<steward_intel::IndicatorSet> {
    let started = Instant::now();
    let (set, outcomes) = steward_intel::load_feeds(&intel.feeds, Utc::now());
    let mut failed = 0;
    for o in &outcomes {
        match &o.result {
            Ok(report) => tracing::info!(feed = %o.name, ?report, "intel feed loaded"),
            Err(e) => {
                failed += 1;
                tracing::warn!(feed = %o.name, error = %e, "intel feed not loaded");
            }
        }
    }
    if !intel.feeds.is_empty() {
        tracing::info!(
            indicators = set.len(),
            seconds = started.elapsed().as_secs_f64(),
            "indicators loaded"
        );
    }
    stats.indicators.store(set.len() as u64, Ordering::Relaxed);
    stats.intel_feeds_failed.store(failed, Ordering::Relaxed);
    Arc::new(set)
}

struct Worker {
    intel_config: IntelSection,
    indicators: Arc<steward_intel::IndicatorSet>,
    intel_fingerprint: (usize, u64, Option<SystemTime>),
    intel_check: Instant,
    intel_loading: Option<Receiver<Arc<steward_intel::IndicatorSet>>>,
    /// Rule and feed reloads change what the site detects: they are audited.
    audit: Arc<steward_audit::AuditLog>,
    /// Gives alerts the asset ids of their source and destination addresses.
    assets: Arc<crate::assets::AssetEnricher>,
    behaviours: steward_behaviour::Behaviours,
    config: DetectSection,
    detector: Detector,
    fingerprint: (usize, u64, Option<SystemTime>),
    last_check: Instant,
    alerts: Arc<AlertStore>,
    queue: WriteQueue,
    stats: Arc<DetectStats>,
    stop: Arc<AtomicBool>,
    runtime: Option<tokio::runtime::Handle>,
}

impl Worker {
    fn run(mut self, rx: Receiver<Batch>) {
        loop {
            match rx.recv_timeout(Duration::from_millis(200)) {
                Ok(batch) => self.process(batch),
                Err(RecvTimeoutError::Timeout) => {
                    if self.stop.load(Ordering::Acquire) {
                        break;
                    }
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
            self.maybe_reload();
        }
        while let Ok(batch) = rx.try_recv() {
            self.process(batch);
        }
    }

    fn maybe_reload(&mut self) {
        self.maybe_reload_intel();
        if self.config.reload_secs == 0
            || self.last_check.elapsed() < Duration::from_secs(self.config.reload_secs)
        {
            return;
        }
        self.last_check = Instant::now();
        let now = fingerprint(&self.config.rules);
        if now == self.fingerprint {
            return;
        }
        self.fingerprint = now;
        let rules = load_rules(&self.config, &self.stats);
        self.record(
            "detect.rules.reload",
            "rules",
            serde_json::json!({
                "rules": rules.rules.len(),
                "correlations": rules.correlations.len(),
                "not_loaded": rules.errors.len(),
            }),
        );
        self.detector.reload(Arc::new(rules));
        self.stats.reloads.fetch_add(1, Ordering::Relaxed);
    }

    fn record(&self, action: &str, object: &str, details: serde_json::Value) {
        let entry =
            steward_audit::NewEntry::new(steward_audit::ActorKind::Automation, "detection", action)
                .object(object, "site")
                .details(details);
        if let Err(e) = self.audit.append(entry) {
            tracing::error!(error = %e, action, "audit append failed");
        }
    }

    fn maybe_reload_intel(&mut self) {
        // A set loaded in the background replaces the old one between batches.
        if let Some(rx) = &self.intel_loading {
            match rx.try_recv() {
                Ok(set) => {
                    self.record(
                        "intel.feeds.reload",
                        "intel",
                        serde_json::json!({"indicators": set.len()}),
                    );
                    self.indicators = set;
                    self.intel_loading = None;
                    self.stats.reloads.fetch_add(1, Ordering::Relaxed);
                }
                Err(std::sync::mpsc::TryRecvError::Empty) => return,
                Err(std::sync::mpsc::TryRecvError::Disconnected) => self.intel_loading = None,
            }
        }
        let every = self.intel_config.reload_secs;
        if every == 0 || self.intel_check.elapsed() < Duration::from_secs(every) {
            return;
        }
        self.intel_check = Instant::now();
        let now = fingerprint(&feed_paths(&self.intel_config));
        if now == self.intel_fingerprint {
            return;
        }
        self.intel_fingerprint = now;
        // Ten million indicators take seconds to load: that happens on its own thread
        // while the old set keeps matching, so detection never stalls on a feed update.
        let (tx, rx) = channel();
        let config = self.intel_config.clone();
        let stats = self.stats.clone();
        let spawned = std::thread::Builder::new()
            .name("steward-intel-load".into())
            .spawn(move || {
                let _ = tx.send(load_intel(&config, &stats));
            });
        match spawned {
            Ok(_) => self.intel_loading = Some(rx),
            Err(e) => tracing::error!(error = %e, "could not start the intel reload"),
        }
    }

    fn process(&mut self, batch: Batch) {
        let n = batch.events.len();
        let now = Utc::now();
        let mut detections = Vec::new();
        for event in &batch.events {
            detections.extend(self.detector.process(event.as_object(), now));
            for hit in self.indicators.match_event(event, now) {
                detections.push(steward_intel::to_detection(&hit, event));
            }
            detections.extend(self.behaviours.observe_at(event, now));
        }
        self.stats.behaviour_evictions.store(
            self.behaviours
                .stats()
                .models
                .iter()
                .map(|m| m.evictions)
                .sum(),
            Ordering::Relaxed,
        );
        self.stats.events.fetch_add(n as u64, Ordering::Relaxed);
        self.stats.queue_events.fetch_sub(n, Ordering::AcqRel);
        self.stats.correlation_evictions.store(
            self.detector.stats().correlation_evictions,
            Ordering::Relaxed,
        );
        if detections.is_empty() {
            return;
        }
        for d in &mut detections {
            add_asset_ids(&self.assets, d);
        }
        self.stats
            .detections
            .fetch_add(detections.len() as u64, Ordering::Relaxed);
        let window = ChronoDuration::seconds(self.config.dedupe_secs as i64);
        match self.alerts.record(&detections, window) {
            Ok(recorded) => {
                let latency = batch.handed_over.elapsed();
                let mut alert_events = Vec::new();
                for (d, r) in detections.iter().zip(recorded) {
                    self.stats.latency.observe(latency);
                    match r {
                        Recorded::Opened(id) => {
                            self.stats.alerts_opened.fetch_add(1, Ordering::Relaxed);
                            if self.config.alert_events {
                                alert_events.push(alert_event(id, d));
                            }
                        }
                        Recorded::Updated(_) => {
                            self.stats.alerts_updated.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                self.store_alert_events(alert_events);
            }
            Err(e) => {
                self.stats.store_errors.fetch_add(1, Ordering::Relaxed);
                tracing::error!(error = %e, "recording alerts failed");
            }
        }
    }

    /// Alert events go straight to the store queue, not through the pipeline's tap:
    /// detection never sees its own output.
    fn store_alert_events(&self, events: Vec<Event>) {
        if events.is_empty() {
            return;
        }
        let batch = self.queue.prepare(&events);
        let submitted = match &self.runtime {
            Some(rt) => rt.block_on(self.queue.submit(batch)).is_ok(),
            None => self.queue.try_submit(batch).is_ok(),
        };
        if !submitted {
            self.stats.store_errors.fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn add_asset_ids(assets: &crate::assets::AssetEnricher, d: &mut Detection) {
    let ids = [
        ("source_asset_id", d.entities.source_ip.as_deref()),
        ("destination_asset_id", d.entities.destination_ip.as_deref()),
    ];
    for (key, ip) in ids {
        if let Some(id) = ip.and_then(|ip| assets.lookup(ip)) {
            d.details.insert(key.into(), id.into());
        }
    }
}

/// ECS severity for a Sigma level (the scale Elastic uses for its own alerts).
fn severity(l: Level) -> i64 {
    match l {
        Level::Informational => 1,
        Level::Low => 21,
        Level::Medium => 47,
        Level::High => 73,
        Level::Critical => 99,
    }
}

/// The alert as an ECS event (`event.kind: alert`), stored with the other events.
pub fn alert_event(id: i64, d: &Detection) -> Event {
    let mut e = Event::new();
    e.set("@timestamp", time::ecs_timestamp(d.timestamp));
    e.set("event.kind", "alert");
    e.set("event.module", "steward");
    e.set("event.dataset", "steward.alert");
    e.set("event.severity", severity(d.level));
    e.set("event.created", time::ecs_timestamp(Utc::now()));
    e.set("message", d.title.clone());
    e.set("rule.id", d.rule_id.clone());
    e.set("rule.name", d.title.clone());
    if let Some(a) = &d.author {
        e.set("rule.author", a.clone());
    }
    e.set("rule.ruleset", d.source.as_str());
    e.set("steward.alert.id", id);
    e.set("steward.alert.level", d.level.as_str());
    e.set("log.level", d.level.as_str());
    let techniques: Vec<Value> = d
        .tags
        .iter()
        .filter_map(|t| t.strip_prefix("attack.t"))
        .map(|t| json!(format!("T{}", t.to_ascii_uppercase())))
        .collect();
    if !techniques.is_empty() {
        e.set("threat.framework", "MITRE ATT&CK");
        e.set("threat.technique.id", Value::Array(techniques));
    }
    if !d.tags.is_empty() {
        e.set("tags", json!(d.tags));
    }
    let ent = &d.entities;
    let pairs = [
        ("source.ip", &ent.source_ip),
        ("destination.ip", &ent.destination_ip),
        ("user.name", &ent.user),
        ("host.name", &ent.host),
        ("process.executable", &ent.process),
        ("file.path", &ent.file),
    ];
    for (path, v) in pairs {
        if let Some(v) = v {
            e.set(path, v.clone());
        }
    }
    if !d.event_ids.is_empty() {
        e.set("steward.alert.event_ids", json!(d.event_ids));
    }
    for (key, field) in [
        ("source_asset_id", "steward.asset.source_id"),
        ("destination_asset_id", "steward.asset.destination_id"),
    ] {
        if let Some(id) = d.details.get(key) {
            e.set(field, id.clone());
        }
    }
    if !d.details.is_empty() {
        e.set("steward.alert.details", Value::Object(d.details.clone()));
    }
    e
}
