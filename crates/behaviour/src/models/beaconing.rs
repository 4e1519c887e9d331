//! Beaconing (ATT&CK T1071): a machine contacting the same destination at regular
//! intervals, as implants poll their command-and-control server.
//!
//! Per (source, destination, port) the model keeps the latest connection times and
//! computes the coefficient of variation (standard deviation / mean) of the intervals
//! between them. At least `min_connections` connections with a CV at or below `max_cv`
//! and a mean interval of at least `min_interval_secs` make a beacon. A gap longer than
//! `max_interval_secs` starts the series again. Records of one connection (start and end,
//! several log lines) arriving within `merge_within_ms` count once.
//!
//! The destination is the DNS question for DNS events (periodic resolution of a C2
//! name), else the domain the event names (`url.domain`, `destination.domain`, TLS SNI),
//! else the destination address.

use super::{stats_of, Model};
use crate::config::{check_range, check_secs, millis, ConfigError, DEFAULT_MAX_KEYS};
use crate::fields::first_str;
use crate::finding::{evidence, Finding};
use crate::net::{is_local_or_special, parse_ip, Networks};
use crate::state::{Cooldown, KeyedState, Keyer};
use crate::text::{normalize_domain, suffixes};
use crate::view::EventView;
use crate::ModelStats;
use serde::{Deserialize, Serialize};
use std::collections::{HashSet, VecDeque};
use std::net::IpAddr;
use steward_model::{Detection, Level};

const NAME: &str = "beaconing";
const TAGS: &[&str] = &["attack.command-and-control", "attack.t1071"];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BeaconingConfig {
    pub enabled: bool,
    /// Connections (after merging) needed before the regularity is judged.
    pub min_connections: u32,
    /// Highest coefficient of variation of the intervals that still counts as periodic.
    pub max_cv: f64,
    /// Beacons faster than this on average are ignored (chatty protocols, keep-alives).
    pub min_interval_secs: u64,
    /// A longer silence ends a series; also how long an idle series is kept.
    pub max_interval_secs: u64,
    /// Most recent intervals the CV is computed over.
    pub max_samples: u32,
    /// Records closer than this to a kept one are the same connection.
    pub merge_within_ms: u64,
    /// Only destinations outside `internal_networks` (by address; named destinations
    /// always count).
    pub external_only: bool,
    /// Destinations never reported: domain suffixes, addresses or CIDRs.
    pub exclude_destinations: Vec<String>,
    pub cooldown_secs: u64,
    pub max_keys: usize,
}

impl Default for BeaconingConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            min_connections: 10,
            max_cv: 0.2,
            min_interval_secs: 10,
            max_interval_secs: 3600,
            max_samples: 32,
            merge_within_ms: 1000,
            external_only: true,
            exclude_destinations: Vec::new(),
            cooldown_secs: 21_600,
            max_keys: DEFAULT_MAX_KEYS,
        }
    }
}

pub(crate) struct Beaconing {
    min_connections: usize,
    capacity: usize,
    max_cv: f64,
    min_interval: i64,
    max_interval: i64,
    merge: i64,
    external_only: bool,
    exclude_domains: HashSet<String>,
    exclude_nets: Networks,
    internal: Networks,
    max_keys: usize,
    keyer: Keyer,
    series: KeyedState<VecDeque<i64>>,
    cooldown: Cooldown,
    detections: u64,
}

enum Dest {
    Domain(String),
    Address(IpAddr),
}

impl Beaconing {
    pub(crate) fn new(c: &BeaconingConfig, internal: Networks) -> Result<Self, ConfigError> {
        check_range("beaconing.min_connections", c.min_connections, 3, 10_000)?;
        check_range("beaconing.max_cv", c.max_cv, 0.0, 10.0)?;
        check_secs("beaconing.min_interval_secs", c.min_interval_secs, 0)?;
        check_secs("beaconing.max_interval_secs", c.max_interval_secs, 1)?;
        if c.min_interval_secs > c.max_interval_secs {
            return Err(ConfigError::invalid(
                "beaconing.min_interval_secs",
                "must not exceed max_interval_secs",
            ));
        }
        check_range("beaconing.max_samples", c.max_samples, 2, 10_000)?;
        check_range("beaconing.merge_within_ms", c.merge_within_ms, 0, 3_600_000)?;
        check_secs("beaconing.cooldown_secs", c.cooldown_secs, 0)?;
        check_range("beaconing.max_keys", c.max_keys, 1, usize::MAX)?;
        let (nets, domains): (Vec<String>, Vec<String>) = c
            .exclude_destinations
            .iter()
            .cloned()
            .partition(|s| s.trim().parse::<ipnet::IpNet>().is_ok() || parse_ip(s).is_some());
        let max_interval = millis(c.max_interval_secs);
        Ok(Self {
            min_connections: c.min_connections as usize,
            capacity: (c.max_samples as usize + 1).max(c.min_connections as usize),
            max_cv: c.max_cv,
            min_interval: millis(c.min_interval_secs),
            max_interval,
            merge: i64::try_from(c.merge_within_ms).unwrap_or(0),
            external_only: c.external_only,
            exclude_domains: domains.iter().filter_map(|d| normalize_domain(d)).collect(),
            exclude_nets: Networks::parse("beaconing.exclude_destinations", &nets)?,
            internal,
            max_keys: c.max_keys,
            keyer: Keyer::default(),
            series: KeyedState::new(c.max_keys, max_interval),
            cooldown: Cooldown::new(c.max_keys, millis(c.cooldown_secs)),
            detections: 0,
        })
    }

    fn destination(&self, v: &EventView<'_>) -> Option<Dest> {
        let named = [
            "dns.question.name",
            "url.domain",
            "destination.domain",
            "tls.client.server_name",
        ]
        .iter()
        .find_map(|p| first_str(v.event, p))
        .and_then(normalize_domain);
        if let Some(domain) = named {
            if parse_ip(&domain).is_none() {
                if suffixes(&domain).any(|s| self.exclude_domains.contains(s)) {
                    return None;
                }
                return Some(Dest::Domain(domain));
            }
        }
        let ip = v.destination_ip?;
        if is_local_or_special(ip)
            || (self.external_only && self.internal.contains(ip))
            || (!self.exclude_nets.is_empty() && self.exclude_nets.contains(ip))
        {
            return None;
        }
        Some(Dest::Address(ip))
    }

    /// Adds `t` to a sorted series; false when it was merged or too old to matter.
    fn add(&self, series: &mut VecDeque<i64>, t: i64) -> bool {
        let at = series.partition_point(|&x| x <= t);
        let near = |i: usize| series.get(i).is_some_and(|&x| (x - t).abs() <= self.merge);
        if (at > 0 && near(at - 1)) || near(at) {
            return false;
        }
        match (series.front(), series.back()) {
            (_, Some(&last)) if t > last && t - last > self.max_interval => series.clear(),
            (Some(&first), _) if t < first && first - t > self.max_interval => return false,
            _ => {}
        }
        let at = series.partition_point(|&x| x <= t);
        series.insert(at, t);
        while series.len() > self.capacity {
            series.pop_front();
        }
        true
    }
}

/// Mean and standard deviation of the intervals of a sorted series, in milliseconds.
fn interval_stats(series: &VecDeque<i64>) -> Option<(f64, f64)> {
    let n = series.len().checked_sub(1).filter(|n| *n > 0)? as f64;
    let intervals = series
        .iter()
        .zip(series.iter().skip(1))
        .map(|(a, b)| (b - a) as f64);
    let mean = intervals.clone().sum::<f64>() / n;
    let var = intervals.map(|d| (d - mean) * (d - mean)).sum::<f64>() / n;
    Some((mean, var.sqrt()))
}

impl Model for Beaconing {
    fn name(&self) -> &'static str {
        NAME
    }

    fn observe(&mut self, v: &EventView<'_>, out: &mut Vec<Detection>) {
        let Some(src) = v.source_ip else {
            return;
        };
        let Some(dest) = self.destination(v) else {
            return;
        };
        let port = v.destination_port.unwrap_or(0);
        let key = match &dest {
            Dest::Domain(d) => self.keyer.key((src, "d", d, port)),
            Dest::Address(ip) => self.keyer.key((src, "a", ip, port)),
        };
        self.series.expire(v.now);
        let mut series = match self.series.get_mut(key, v.now) {
            Some(s) => std::mem::take(s),
            None => VecDeque::new(),
        };
        let added = self.add(&mut series, v.t);
        let verdict = if added && series.len() >= self.min_connections {
            interval_stats(&series)
        } else {
            None
        };
        let connections = series.len();
        *self.series.entry(key, v.now, VecDeque::new) = series;
        let Some((mean, std)) = verdict else {
            return;
        };
        if mean <= 0.0 || mean < self.min_interval as f64 {
            return;
        }
        let cv = std / mean;
        if cv > self.max_cv || !self.cooldown.allow(key, v.t, v.now) {
            return;
        }
        self.detections += 1;
        let dest_text = match &dest {
            Dest::Domain(d) => d.clone(),
            Dest::Address(ip) => ip.to_string(),
        };
        let target = if port == 0 {
            dest_text.clone()
        } else {
            format!("{dest_text}:{port}")
        };
        let title = format!(
            "Periodic beaconing: {src} contacts {target} every {:.0} s (CV {:.2}) over {connections} connections",
            mean / 1000.0,
            cv
        );
        let f = Finding::new(NAME, "periodic", Level::Medium, TAGS, title)
            .entities(|e| {
                e.source_ip = Some(src.to_string());
                match &dest {
                    Dest::Domain(d) => e.domain = Some(d.clone()),
                    Dest::Address(ip) => e.destination_ip = Some(ip.to_string()),
                }
            })
            .detail("destination", evidence(&dest_text))
            .detail("port", port)
            .detail("connections", connections)
            .detail("mean_interval_secs", (mean / 10.0).round() / 100.0)
            .detail("stddev_secs", (std / 10.0).round() / 100.0)
            .detail("cv", (cv * 1000.0).round() / 1000.0)
            .detail("max_cv", self.max_cv);
        out.push(f.into_detection(v));
    }

    fn stats(&self) -> ModelStats {
        stats_of(
            NAME,
            self.max_keys,
            self.detections,
            &[&self.series, &self.cooldown],
        )
    }
}
