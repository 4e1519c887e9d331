//! Exfiltration over an alternative channel (ATT&CK T1048): an internal source sending
//! far more to external addresses than it usually does.
//!
//! Outbound bytes (`source.bytes`, else `client.bytes`, else `network.bytes`, which also
//! counts replies) of each internal source are summed per fixed window (aligned to the
//! epoch). Finished windows, including silent ones, feed an exponentially weighted mean
//! and variance: the source's own baseline. The current window is checked as it grows:
//! it fires once it exceeds both the absolute floor `min_bytes` and
//! `mean + k * stddev` of the baseline, provided the baseline has `min_history` windows.

use super::{stats_of, Model};
use crate::config::{check_range, check_secs, millis, ConfigError, DEFAULT_MAX_KEYS};
use crate::fields::unsigned;
use crate::finding::{span, Finding};
use crate::net::{is_local_or_special, Networks};
use crate::state::{Cooldown, KeyedState, Keyer};
use crate::view::EventView;
use crate::ModelStats;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::net::IpAddr;
use steward_model::{Detection, Level};

const NAME: &str = "exfiltration";
const TAGS: &[&str] = &["attack.exfiltration", "attack.t1048"];
/// Silent windows folded into the baseline at most after a gap; more would only pull
/// the mean towards zero at a cost proportional to the gap.
const MAX_GAP_WINDOWS: i64 = 168;
/// Destinations remembered per source and window, for the evidence.
const TOP_DESTINATIONS: usize = 4;
/// One record claiming more than this is not believed (a broken counter).
const MAX_EVENT_BYTES: u64 = 1 << 44;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExfiltrationConfig {
    pub enabled: bool,
    /// Length of one accounting window.
    pub window_secs: u64,
    /// Outbound bytes in a window below which nothing is reported.
    pub min_bytes: u64,
    /// Standard deviations above the baseline mean.
    pub k: f64,
    /// Weight of the newest window in the baseline (0 < alpha <= 1).
    pub alpha: f64,
    /// Finished windows a baseline needs before it is trusted.
    pub min_history: u32,
    /// How long an idle source's baseline is kept.
    pub baseline_ttl_secs: u64,
    pub cooldown_secs: u64,
    pub max_keys: usize,
}

impl Default for ExfiltrationConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            window_secs: 3600,
            min_bytes: 100_000_000,
            k: 3.0,
            alpha: 0.1,
            min_history: 6,
            baseline_ttl_secs: 7 * 24 * 3600,
            cooldown_secs: 3600,
            max_keys: DEFAULT_MAX_KEYS,
        }
    }
}

struct Baseline {
    /// Index of the current window (time / window).
    window: i64,
    current: u64,
    mean: f64,
    var: f64,
    history: u32,
    reported: bool,
    top: Vec<(IpAddr, u64)>,
}

impl Baseline {
    fn new(window: i64) -> Self {
        Self {
            window,
            current: 0,
            mean: 0.0,
            var: 0.0,
            history: 0,
            reported: false,
            top: Vec::new(),
        }
    }

    fn fold(&mut self, x: f64, alpha: f64) {
        if self.history == 0 {
            self.mean = x;
            self.var = 0.0;
        } else {
            // West's incremental EWMA variance.
            let diff = x - self.mean;
            let incr = alpha * diff;
            self.mean += incr;
            self.var = (1.0 - alpha) * (self.var + diff * incr);
        }
        self.history = self.history.saturating_add(1);
    }

    /// Moves to window `index`, folding the finished window and any silent ones.
    fn advance(&mut self, index: i64, alpha: f64) {
        if index <= self.window {
            return;
        }
        self.fold(self.current as f64, alpha);
        let silent = (index - self.window - 1).min(MAX_GAP_WINDOWS);
        for _ in 0..silent {
            self.fold(0.0, alpha);
        }
        self.window = index;
        self.current = 0;
        self.reported = false;
        self.top.clear();
    }

    fn note_destination(&mut self, dst: IpAddr, bytes: u64) {
        if let Some(e) = self.top.iter_mut().find(|e| e.0 == dst) {
            e.1 = e.1.saturating_add(bytes);
        } else if self.top.len() < TOP_DESTINATIONS {
            self.top.push((dst, bytes));
        } else if let Some(min) = self.top.iter_mut().min_by_key(|e| e.1) {
            if bytes > min.1 {
                *min = (dst, bytes);
            }
        }
    }
}

pub(crate) struct Exfiltration {
    window: i64,
    window_secs: u64,
    min_bytes: u64,
    k: f64,
    alpha: f64,
    min_history: u32,
    internal: Networks,
    max_keys: usize,
    keyer: Keyer,
    baselines: KeyedState<Baseline>,
    cooldown: Cooldown,
    detections: u64,
}

impl Exfiltration {
    pub(crate) fn new(c: &ExfiltrationConfig, internal: Networks) -> Result<Self, ConfigError> {
        check_secs("exfiltration.window_secs", c.window_secs, 1)?;
        check_range("exfiltration.k", c.k, 0.0, 1000.0)?;
        check_range("exfiltration.alpha", c.alpha, f64::MIN_POSITIVE, 1.0)?;
        check_range("exfiltration.min_history", c.min_history, 1, 100_000)?;
        check_secs(
            "exfiltration.baseline_ttl_secs",
            c.baseline_ttl_secs,
            c.window_secs,
        )?;
        check_secs("exfiltration.cooldown_secs", c.cooldown_secs, 0)?;
        check_range("exfiltration.max_keys", c.max_keys, 1, usize::MAX)?;
        if internal.is_empty() {
            return Err(ConfigError::invalid(
                "internal_networks",
                "the exfiltration model needs at least one internal network",
            ));
        }
        Ok(Self {
            window: millis(c.window_secs),
            window_secs: c.window_secs,
            min_bytes: c.min_bytes,
            k: c.k,
            alpha: c.alpha,
            min_history: c.min_history,
            internal,
            max_keys: c.max_keys,
            keyer: Keyer::default(),
            baselines: KeyedState::new(c.max_keys, millis(c.baseline_ttl_secs)),
            cooldown: Cooldown::new(c.max_keys, millis(c.cooldown_secs)),
            detections: 0,
        })
    }
}

fn outbound_bytes(v: &EventView<'_>) -> Option<u64> {
    ["source.bytes", "client.bytes", "network.bytes"]
        .iter()
        .find_map(|p| unsigned(v.event, p))
        .filter(|b| *b <= MAX_EVENT_BYTES)
}

impl Model for Exfiltration {
    fn name(&self) -> &'static str {
        NAME
    }

    fn observe(&mut self, v: &EventView<'_>, out: &mut Vec<Detection>) {
        let (Some(src), Some(dst)) = (v.source_ip, v.destination_ip) else {
            return;
        };
        if !self.internal.contains(src) || self.internal.contains(dst) || is_local_or_special(dst) {
            return;
        }
        let Some(bytes) = outbound_bytes(v) else {
            return;
        };
        if bytes == 0 {
            return;
        }
        self.baselines.expire(v.now);
        let index = v.t.div_euclid(self.window);
        let key = self.keyer.key(src);
        let alpha = self.alpha;
        let b = self.baselines.entry(key, v.now, || Baseline::new(index));
        if index > b.window {
            b.advance(index, alpha);
        } else if index < b.window - 1 {
            // Late by more than a window: its window is already in the baseline.
            return;
        }
        b.current = b.current.saturating_add(bytes);
        b.note_destination(dst, bytes);
        if b.reported || b.history < self.min_history || b.current < self.min_bytes {
            return;
        }
        let std = b.var.max(0.0).sqrt();
        let threshold = b.mean + self.k * std;
        if (b.current as f64) <= threshold {
            return;
        }
        b.reported = true;
        let (current, mean, history) = (b.current, b.mean, b.history);
        let mut top = b.top.clone();
        top.sort_by_key(|d| std::cmp::Reverse(d.1));
        if !self.cooldown.allow(key, v.t, v.now) {
            return;
        }
        self.detections += 1;
        let title = format!(
            "Unusual outbound volume: {src} sent {} to external hosts within {} (baseline {})",
            human_bytes(current as f64),
            span(self.window_secs),
            human_bytes(mean)
        );
        let destinations: Vec<_> = top
            .iter()
            .map(|(ip, n)| json!({"ip": ip.to_string(), "bytes": n}))
            .collect();
        let f = Finding::new(NAME, "volume_anomaly", Level::High, TAGS, title)
            .entities(|e| {
                e.source_ip = Some(src.to_string());
                e.destination_ip = top.first().map(|(ip, _)| ip.to_string());
            })
            .detail("bytes_out", current)
            .detail("baseline_mean_bytes", mean.round())
            .detail("baseline_stddev_bytes", std.round())
            .detail(
                "threshold_bytes",
                threshold.max(self.min_bytes as f64).round(),
            )
            .detail("history_windows", history)
            .detail("top_destinations", json!(destinations))
            .detail("window_secs", self.window_secs);
        out.push(f.into_detection(v));
    }

    fn stats(&self) -> ModelStats {
        stats_of(
            NAME,
            self.max_keys,
            self.detections,
            &[&self.baselines, &self.cooldown],
        )
    }
}

fn human_bytes(n: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut n = n.max(0.0);
    let mut unit = 0;
    while n >= 1000.0 && unit < UNITS.len() - 1 {
        n /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n:.0} {}", UNITS[unit])
    } else {
        format!("{n:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baseline_follows_windows() {
        let mut b = Baseline::new(0);
        b.current = 100;
        b.advance(1, 0.5);
        assert_eq!((b.history, b.mean), (1, 100.0));
        b.current = 200;
        b.advance(3, 0.5); // folds 200, then one silent window
        assert_eq!(b.history, 3);
        assert!(b.mean > 0.0 && b.mean < 200.0);
        assert_eq!(b.current, 0);
    }

    #[test]
    fn bytes_read_humanly() {
        assert_eq!(human_bytes(512.0), "512 B");
        assert_eq!(human_bytes(1_500_000.0), "1.5 MB");
    }
}
