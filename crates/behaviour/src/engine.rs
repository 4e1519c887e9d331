//! Runs every enabled model over each event.

use crate::config::{check_secs, millis, BehaviourConfig, ConfigError};
use crate::models::{
    beaconing::Beaconing, brute_force::BruteForce, crypto_mining::CryptoMining,
    exfiltration::Exfiltration, lateral_movement::LateralMovement, port_scan::PortScan,
    ransomware::Ransomware, web_attack::WebAttack, Model,
};
use crate::net::Networks;
use crate::view::EventView;
use chrono::{DateTime, Utc};
use serde::Serialize;
use steward_model::{Detection, Event};

/// The model names, in the order they run and appear in [`BehaviourStats`].
pub const MODELS: [&str; 8] = [
    "brute_force",
    "port_scan",
    "beaconing",
    "crypto_mining",
    "ransomware",
    "lateral_movement",
    "exfiltration",
    "web_attack",
];

/// The behaviour models of one pipeline. Not shared between threads: a pipeline that
/// runs on several threads keeps one per partition of its stream (by source, say).
pub struct Behaviours {
    models: Vec<Box<dyn Model + Send>>,
    max_future_skew: i64,
    /// The engine clock: the latest believed event time, in milliseconds.
    clock: Option<i64>,
    events: u64,
    fallbacks: u64,
    detections: u64,
}

impl Behaviours {
    pub fn new(config: BehaviourConfig) -> Result<Self, ConfigError> {
        check_secs("max_future_skew_secs", config.max_future_skew_secs, 0)?;
        let internal = Networks::parse("internal_networks", &config.internal_networks)?;
        let mut models: Vec<Box<dyn Model + Send>> = Vec::new();
        if config.brute_force.enabled {
            models.push(Box::new(BruteForce::new(&config.brute_force)?));
        }
        if config.port_scan.enabled {
            models.push(Box::new(PortScan::new(
                &config.port_scan,
                internal.clone(),
            )?));
        }
        if config.beaconing.enabled {
            models.push(Box::new(Beaconing::new(
                &config.beaconing,
                internal.clone(),
            )?));
        }
        if config.crypto_mining.enabled {
            models.push(Box::new(CryptoMining::new(&config.crypto_mining)?));
        }
        if config.ransomware.enabled {
            models.push(Box::new(Ransomware::new(&config.ransomware)?));
        }
        if config.lateral_movement.enabled {
            models.push(Box::new(LateralMovement::new(&config.lateral_movement)?));
        }
        if config.exfiltration.enabled {
            models.push(Box::new(Exfiltration::new(&config.exfiltration, internal)?));
        }
        if config.web_attack.enabled {
            models.push(Box::new(WebAttack::new(&config.web_attack)?));
        }
        Ok(Self {
            models,
            max_future_skew: millis(config.max_future_skew_secs),
            clock: None,
            events: 0,
            fallbacks: 0,
            detections: 0,
        })
    }

    /// Runs the models on one event, timed by its `@timestamp` (the system clock when it
    /// has none or one too far in the future).
    pub fn observe(&mut self, event: &Event) -> Vec<Detection> {
        self.observe_at(event, Utc::now())
    }

    /// As [`observe`](Self::observe), with `now` standing in for the system clock.
    pub fn observe_at(&mut self, event: &Event, now: DateTime<Utc>) -> Vec<Detection> {
        self.events += 1;
        let limit = now.timestamp_millis().saturating_add(self.max_future_skew);
        let time = match event.timestamp() {
            Some(t) if t.timestamp_millis() <= limit => t,
            _ => {
                self.fallbacks += 1;
                now
            }
        };
        let t = time.timestamp_millis();
        let clock = self.clock.map_or(t, |c| c.max(t));
        self.clock = Some(clock);
        let view = EventView::new(event, time, clock);
        let mut out = Vec::new();
        for model in &mut self.models {
            model.observe(&view, &mut out);
        }
        self.detections += out.len() as u64;
        out
    }

    pub fn stats(&self) -> BehaviourStats {
        let models = MODELS
            .iter()
            .map(|name| {
                self.models
                    .iter()
                    .find(|m| m.name() == *name)
                    .map(|m| m.stats())
                    .unwrap_or(ModelStats {
                        model: name,
                        ..ModelStats::default()
                    })
            })
            .collect();
        BehaviourStats {
            events: self.events,
            timestamp_fallbacks: self.fallbacks,
            detections: self.detections,
            models,
        }
    }
}

/// Counters of the engine and each model, for metrics.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BehaviourStats {
    pub events: u64,
    /// Events timed by the clock because their `@timestamp` was missing, invalid or too
    /// far in the future.
    pub timestamp_fallbacks: u64,
    pub detections: u64,
    /// One entry per model of [`MODELS`], in that order.
    pub models: Vec<ModelStats>,
}

impl BehaviourStats {
    pub fn model(&self, name: &str) -> Option<&ModelStats> {
        self.models.iter().find(|m| m.model == name)
    }

    pub fn tracked_keys(&self) -> usize {
        self.models.iter().map(|m| m.tracked_keys).sum()
    }

    pub fn evictions(&self) -> u64 {
        self.models.iter().map(|m| m.evictions).sum()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ModelStats {
    pub model: &'static str,
    pub enabled: bool,
    /// Keys held now, over all the model's tables (state and cool-downs).
    pub tracked_keys: usize,
    /// The cap of each of the model's tables.
    pub max_keys: usize,
    /// Keys dropped because a table was full (least recently touched first).
    pub evictions: u64,
    /// Keys dropped because they were idle longer than their window.
    pub expired: u64,
    pub detections: u64,
    /// Findings not reported because the key was in its cool-down.
    pub suppressed: u64,
}
