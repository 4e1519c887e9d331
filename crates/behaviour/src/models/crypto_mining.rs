//! Crypto-mining (ATT&CK T1496, resource hijacking).
//!
//! Four signals, strongest first; an event reports the strongest it shows:
//! 1. a `stratum+tcp://` (or `+ssl`, `+tls`, `stratum2+`) URL in a URL or command line;
//! 2. a miner program (`xmrig`, `minerd`, ...) or miner-only options (`--donate-level`);
//! 3. a DNS question, URL, SNI or `-o` pool argument naming a known mining pool;
//! 4. a connection on a miner port (3333, 4444, ...) to a domain that looks like a pool.
//!
//! The model is stateless apart from its cool-down, kept per machine and signal.

use super::mining_pools::{MINER_NAMES, MINER_OPTIONS, POOL_DOMAINS, POOL_HINTS};
use super::{stats_of, Model};
use crate::config::{check_range, check_secs, millis, ConfigError, DEFAULT_MAX_KEYS};
use crate::fields::{clip, each_str, first_str};
use crate::finding::{evidence, Finding};
use crate::state::{Cooldown, Keyer};
use crate::text::{
    normalize_command_line, normalize_domain, program_name, suffixes, url_host, MAX_COMMAND_LINE,
};
use crate::view::EventView;
use crate::ModelStats;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use steward_model::{Detection, Level};

const NAME: &str = "crypto_mining";
const TAGS: &[&str] = &["attack.impact", "attack.t1496"];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CryptoMiningConfig {
    pub enabled: bool,
    /// Pool domains added to the built-in list.
    pub extra_pool_domains: Vec<String>,
    /// Miner program names added to the built-in list.
    pub extra_miner_names: Vec<String>,
    /// Ports miners use, for connections to pool-looking domains.
    pub miner_ports: Vec<u16>,
    pub cooldown_secs: u64,
    pub max_keys: usize,
}

impl Default for CryptoMiningConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            extra_pool_domains: Vec::new(),
            extra_miner_names: Vec::new(),
            miner_ports: vec![3333, 4444, 5555, 7777, 14444],
            cooldown_secs: 3600,
            max_keys: DEFAULT_MAX_KEYS,
        }
    }
}

pub(crate) struct CryptoMining {
    pools: HashSet<String>,
    miners: HashSet<String>,
    ports: Vec<u16>,
    max_keys: usize,
    keyer: Keyer,
    cooldown: Cooldown,
    detections: u64,
}

enum Signal {
    Stratum(String),
    MinerProgram(String),
    PoolDomain(String),
    MinerPort(String, u16),
}

impl Signal {
    fn variant(&self) -> &'static str {
        match self {
            Self::Stratum(_) => "stratum",
            Self::MinerProgram(_) => "miner_program",
            Self::PoolDomain(_) => "pool_domain",
            Self::MinerPort(..) => "miner_port",
        }
    }
}

/// Fields that may hold a URL or a command line.
const URL_FIELDS: &[&str] = &["url.original", "url.full", "http.request.referrer"];
const COMMAND_FIELDS: &[&str] = &["process.command_line", "process.args"];
const DOMAIN_FIELDS: &[&str] = &[
    "dns.question.name",
    "url.domain",
    "destination.domain",
    "server.domain",
    "tls.client.server_name",
];

impl CryptoMining {
    pub(crate) fn new(c: &CryptoMiningConfig) -> Result<Self, ConfigError> {
        check_secs("crypto_mining.cooldown_secs", c.cooldown_secs, 0)?;
        check_range("crypto_mining.max_keys", c.max_keys, 1, usize::MAX)?;
        let mut pools: HashSet<String> = POOL_DOMAINS.iter().map(|s| (*s).to_owned()).collect();
        for d in &c.extra_pool_domains {
            let d = normalize_domain(d).ok_or_else(|| {
                ConfigError::invalid(
                    "crypto_mining.extra_pool_domains",
                    format!("{d:?} is not a domain"),
                )
            })?;
            pools.insert(d);
        }
        let mut miners: HashSet<String> = MINER_NAMES.iter().map(|s| (*s).to_owned()).collect();
        miners.extend(c.extra_miner_names.iter().map(|n| program_name(n)));
        Ok(Self {
            pools,
            miners,
            ports: c.miner_ports.clone(),
            max_keys: c.max_keys,
            keyer: Keyer::default(),
            cooldown: Cooldown::new(c.max_keys, millis(c.cooldown_secs)),
            detections: 0,
        })
    }

    fn is_pool(&self, domain: &str) -> bool {
        suffixes(domain).any(|s| self.pools.contains(s))
    }

    fn signal(&self, v: &EventView<'_>) -> Option<Signal> {
        let event = v.event;
        let urls: Vec<&str> = URL_FIELDS.iter().flat_map(|p| each_str(event, p)).collect();
        let commands: Vec<String> = COMMAND_FIELDS
            .iter()
            .flat_map(|p| each_str(event, p))
            .map(normalize_command_line)
            .collect();
        // Lower-case a URL only when it may hold a stratum URL at all.
        let lowered = urls
            .iter()
            .map(|u| clip(u, MAX_COMMAND_LINE))
            .filter(|u| contains_ignore_case(u, "stratum"))
            .map(str::to_ascii_lowercase);
        for text in lowered.chain(commands.iter().cloned()) {
            if let Some(url) = find_stratum(&text) {
                return Some(Signal::Stratum(url));
            }
        }

        let programs = ["process.name", "process.executable"]
            .iter()
            .filter_map(|p| first_str(event, p))
            .map(program_name);
        for name in programs {
            if self.miners.contains(&name) {
                return Some(Signal::MinerProgram(name));
            }
        }
        for cmd in &commands {
            if let Some(opt) = MINER_OPTIONS.iter().find(|o| cmd.contains(*o)) {
                return Some(Signal::MinerProgram(format!("command line with {opt}")));
            }
        }

        let mut domains: Vec<String> = DOMAIN_FIELDS
            .iter()
            .filter_map(|p| first_str(event, p))
            .chain(urls.iter().filter_map(|u| url_host(u)))
            .filter_map(normalize_domain)
            .collect();
        domains.extend(
            commands
                .iter()
                .filter_map(|c| pool_argument(c))
                .filter_map(normalize_domain),
        );
        if let Some(d) = domains.iter().find(|d| self.is_pool(d)) {
            return Some(Signal::PoolDomain(d.clone()));
        }
        let port = v.destination_port?;
        if !self.ports.contains(&port) {
            return None;
        }
        domains
            .into_iter()
            .find(|d| POOL_HINTS.iter().any(|h| d.contains(h)))
            .map(|d| Signal::MinerPort(d, port))
    }
}

fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// A `stratum+tcp://...` style URL in lower-cased text.
fn find_stratum(text: &str) -> Option<String> {
    let mut from = 0;
    while let Some(i) = text[from..].find("stratum") {
        let start = from + i;
        let rest = &text[start + "stratum".len()..];
        let rest = rest.strip_prefix(['1', '2']).unwrap_or(rest);
        if let Some(after) = rest.strip_prefix('+') {
            if ["tcp://", "ssl://", "tls://", "udp://"]
                .iter()
                .any(|s| after.starts_with(s))
            {
                let url = text[start..]
                    .split([' ', '"', '\'', ','])
                    .next()
                    .unwrap_or("");
                return Some(clip(url, 256).to_owned());
            }
        }
        from = start + "stratum".len();
    }
    None
}

/// The host of a miner's `-o host:port` / `--url=host:port` argument.
fn pool_argument(cmd: &str) -> Option<&str> {
    let mut words = cmd.split(' ');
    while let Some(w) = words.next() {
        let value = match w {
            "-o" | "--url" => words.next(),
            _ => w.strip_prefix("--url="),
        };
        if let Some(value) = value {
            let value = value.split_once("://").map_or(value, |(_, rest)| rest);
            let host = value.split([':', '/']).next().unwrap_or("");
            if host.contains('.') {
                return Some(host);
            }
        }
    }
    None
}

impl Model for CryptoMining {
    fn name(&self) -> &'static str {
        NAME
    }

    fn observe(&mut self, v: &EventView<'_>, out: &mut Vec<Detection>) {
        let Some(signal) = self.signal(v) else {
            return;
        };
        let machine = v.machine().unwrap_or_else(|| "unknown".to_owned());
        let key = self.keyer.key((&machine, signal.variant()));
        if !self.cooldown.allow(key, v.t, v.now) {
            return;
        }
        self.detections += 1;
        let (level, title, evidence_text, domain) = match &signal {
            Signal::Stratum(url) => (
                Level::High,
                format!("Crypto-mining: stratum pool URL on {machine}"),
                url.clone(),
                url_host(url).map(str::to_owned),
            ),
            Signal::MinerProgram(what) => (
                Level::High,
                format!("Crypto-mining: miner program {what} on {machine}"),
                what.clone(),
                None,
            ),
            Signal::PoolDomain(d) => (
                Level::Medium,
                format!("Crypto-mining: {machine} contacted mining pool {d}"),
                d.clone(),
                Some(d.clone()),
            ),
            Signal::MinerPort(d, port) => (
                Level::Medium,
                format!("Crypto-mining: {machine} connected to pool-like {d} on miner port {port}"),
                format!("{d}:{port}"),
                Some(d.clone()),
            ),
        };
        let f = Finding::new(NAME, signal.variant(), level, TAGS, title)
            .entities(|e| {
                e.domain = domain;
                if v.host.is_none() {
                    e.source_ip = v.source_ip.map(|ip| ip.to_string());
                }
            })
            .detail("machine", evidence(&machine))
            .detail("evidence", evidence(&evidence_text));
        out.push(f.into_detection(v));
    }

    fn stats(&self) -> ModelStats {
        stats_of(NAME, self.max_keys, self.detections, &[&self.cooldown])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stratum_urls_are_found() {
        assert_eq!(
            find_stratum("xmrig -o stratum+tcp://pool.example:3333 -u x"),
            Some("stratum+tcp://pool.example:3333".into())
        );
        assert!(find_stratum("stratum2+ssl://a.b:1").is_some());
        assert!(find_stratum("ntpd: stratum 2, offset 0.1").is_none());
        assert!(find_stratum("stratum+http://x").is_none());
    }

    #[test]
    fn pool_arguments() {
        assert_eq!(
            pool_argument("xmrig -o pool.supportxmr.com:443 -u w"),
            Some("pool.supportxmr.com")
        );
        assert_eq!(
            pool_argument("miner --url=gulf.moneroocean.stream:10128"),
            Some("gulf.moneroocean.stream")
        );
        assert_eq!(pool_argument("tar -o file"), None);
    }
}
