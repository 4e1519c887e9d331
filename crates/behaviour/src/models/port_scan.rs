//! Port scans (ATT&CK T1046): one source probing one port on many hosts (horizontal)
//! or many ports on one host (vertical) within a short window.
//!
//! Any event with a source address, a destination address and a destination port is a
//! probe: firewall logs (allowed or denied), flow records, IDS connection logs. ICMP
//! without ports counts as a ping sweep on "port" 0 (horizontal only).
//!
//! Two ordinary patterns look like scans and are left out: flow records of the reply
//! direction (from a well-known port to an ephemeral one, when `ignore_replies`), and
//! clients fanning out to the Internet on web, DNS and NTP ports (`outbound_ignore_ports`
//! for internal sources and external destinations).

use super::{stats_of, Model};
use crate::config::{check_range, check_secs, millis, ConfigError, DEFAULT_MAX_KEYS};
use crate::fields::first_str;
use crate::finding::{span, Finding};
use crate::net::{is_local_or_special, Networks};
use crate::state::{Cooldown, KeyedState, Keyer};
use crate::view::EventView;
use crate::window::Distinct;
use crate::ModelStats;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::net::IpAddr;
use steward_model::{Detection, Level};

const NAME: &str = "port_scan";
const TAGS: &[&str] = &["attack.discovery", "attack.t1046"];
/// Destinations or ports listed in details at most.
const SAMPLE: usize = 20;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PortScanConfig {
    pub enabled: bool,
    /// Distinct destination hosts on one port from one source within the window.
    pub horizontal_hosts: u32,
    /// Distinct ports on one destination from one source within the window.
    pub vertical_ports: u32,
    pub window_secs: u64,
    pub cooldown_secs: u64,
    pub max_keys: usize,
    /// Skip flow records that look like replies (source port < 1024, destination >= 1024).
    pub ignore_replies: bool,
    /// Ports not counted horizontally from internal sources to external destinations.
    pub outbound_ignore_ports: Vec<u16>,
    /// Sources never reported (vulnerability scanners, monitoring): addresses or CIDRs.
    pub exclude_sources: Vec<String>,
}

impl Default for PortScanConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            horizontal_hosts: 50,
            vertical_ports: 25,
            window_secs: 60,
            cooldown_secs: 900,
            max_keys: DEFAULT_MAX_KEYS,
            ignore_replies: true,
            outbound_ignore_ports: vec![53, 80, 123, 443],
            exclude_sources: Vec::new(),
        }
    }
}

pub(crate) struct PortScan {
    hosts: usize,
    ports: usize,
    window: i64,
    window_secs: u64,
    max_keys: usize,
    ignore_replies: bool,
    outbound_ignore_ports: Vec<u16>,
    exclude: Networks,
    internal: Networks,
    keyer: Keyer,
    /// (source, port) → destinations probed.
    horizontal: KeyedState<Distinct<IpAddr>>,
    /// (source, destination) → ports probed.
    vertical: KeyedState<Distinct<u16>>,
    cooldown: Cooldown,
    detections: u64,
}

impl PortScan {
    pub(crate) fn new(c: &PortScanConfig, internal: Networks) -> Result<Self, ConfigError> {
        check_range("port_scan.horizontal_hosts", c.horizontal_hosts, 2, 10_000)?;
        check_range("port_scan.vertical_ports", c.vertical_ports, 2, 10_000)?;
        check_secs("port_scan.window_secs", c.window_secs, 1)?;
        check_secs("port_scan.cooldown_secs", c.cooldown_secs, 0)?;
        check_range("port_scan.max_keys", c.max_keys, 1, usize::MAX)?;
        let window = millis(c.window_secs);
        Ok(Self {
            hosts: c.horizontal_hosts as usize,
            ports: c.vertical_ports as usize,
            window,
            window_secs: c.window_secs,
            max_keys: c.max_keys,
            ignore_replies: c.ignore_replies,
            outbound_ignore_ports: c.outbound_ignore_ports.clone(),
            exclude: Networks::parse("port_scan.exclude_sources", &c.exclude_sources)?,
            internal,
            keyer: Keyer::default(),
            horizontal: KeyedState::new(c.max_keys, window),
            vertical: KeyedState::new(c.max_keys, window),
            cooldown: Cooldown::new(c.max_keys, millis(c.cooldown_secs)),
            detections: 0,
        })
    }

    fn level(&self, src: IpAddr) -> Level {
        // A scan from inside the network is reconnaissance by something already in.
        if self.internal.contains(src) {
            Level::High
        } else {
            Level::Medium
        }
    }
}

impl Model for PortScan {
    fn name(&self) -> &'static str {
        NAME
    }

    fn observe(&mut self, v: &EventView<'_>, out: &mut Vec<Detection>) {
        let (Some(src), Some(dst)) = (v.source_ip, v.destination_ip) else {
            return;
        };
        let port = match v.destination_port {
            Some(p) => p,
            None if first_str(v.event, "network.transport").is_some_and(|t| {
                t.eq_ignore_ascii_case("icmp") || t.eq_ignore_ascii_case("ipv6-icmp")
            }) =>
            {
                0
            }
            None => return,
        };
        if src == dst || is_local_or_special(dst) || is_local_or_special(src) {
            return;
        }
        if !self.exclude.is_empty() && self.exclude.contains(src) {
            return;
        }
        if self.ignore_replies
            && port >= 1024
            && v.source_port.is_some_and(|sp| sp > 0 && sp < 1024)
        {
            return;
        }
        self.horizontal.expire(v.now);
        self.vertical.expire(v.now);
        let (window, t) = (self.window, v.t);

        let fan_out = self.outbound_ignore_ports.contains(&port)
            && self.internal.contains(src)
            && !self.internal.contains(dst);
        if !fan_out {
            let key = self.keyer.key((src, port));
            let item = self.keyer.key(dst);
            let st = self.horizontal.entry(key, v.now, Distinct::default);
            let count = st.insert(item, t, window, self.hosts, || dst);
            if count >= self.hosts {
                let sample: Vec<String> = st
                    .live(t, window)
                    .iter()
                    .take(SAMPLE)
                    .map(|ip| ip.to_string())
                    .collect();
                self.horizontal.remove(key);
                if self
                    .cooldown
                    .allow(self.keyer.key((src, "horizontal")), t, v.now)
                {
                    self.detections += 1;
                    let what = if port == 0 {
                        "ICMP".to_owned()
                    } else {
                        format!("port {port}")
                    };
                    let title = format!(
                        "Horizontal port scan: {src} probed {what} on {count} hosts within {}",
                        span(self.window_secs)
                    );
                    let f = Finding::new(NAME, "horizontal", self.level(src), TAGS, title)
                        .entities(|e| e.source_ip = Some(src.to_string()))
                        .detail("port", port)
                        .detail("hosts", count)
                        .detail("destinations", json!(sample))
                        .detail("threshold", self.hosts)
                        .detail("window_secs", self.window_secs);
                    out.push(f.into_detection(v));
                }
            }
        }

        if port == 0 {
            return;
        }
        let key = self.keyer.key((src, dst));
        let st = self.vertical.entry(key, v.now, Distinct::default);
        let count = st.insert(u64::from(port), t, window, self.ports, || port);
        if count >= self.ports {
            let mut sample: Vec<u16> = st.live(t, window).into_iter().copied().collect();
            sample.sort_unstable();
            sample.truncate(SAMPLE * 5);
            self.vertical.remove(key);
            if self
                .cooldown
                .allow(self.keyer.key((src, "vertical")), t, v.now)
            {
                self.detections += 1;
                let title = format!(
                    "Vertical port scan: {src} probed {count} ports on {dst} within {}",
                    span(self.window_secs)
                );
                let f = Finding::new(NAME, "vertical", self.level(src), TAGS, title)
                    .entities(|e| {
                        e.source_ip = Some(src.to_string());
                        e.destination_ip = Some(dst.to_string());
                    })
                    .detail("destination", dst.to_string())
                    .detail("ports", count)
                    .detail("sample_ports", json!(sample))
                    .detail("threshold", self.ports)
                    .detail("window_secs", self.window_secs);
                out.push(f.into_detection(v));
            }
        }
    }

    fn stats(&self) -> ModelStats {
        stats_of(
            NAME,
            self.max_keys,
            self.detections,
            &[&self.horizontal, &self.vertical, &self.cooldown],
        )
    }
}
