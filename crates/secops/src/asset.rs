//! Assets: the inventory model, CIA ratings and criticality, and discovery of assets
//! from the addresses, names and MACs that events mention.

use chrono::{DateTime, Utc};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use steward_model::Event;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssetKind {
    Server,
    Workstation,
    NetworkDevice,
    SecurityDevice,
    WebApplication,
    Domain,
    CloudResource,
}

impl AssetKind {
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Server => "服务器",
            Self::Workstation => "终端",
            Self::NetworkDevice => "网络设备",
            Self::SecurityDevice => "安全设备",
            Self::WebApplication => "Web应用",
            Self::Domain => "域名",
            Self::CloudResource => "云资源",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssetError {
    #[error("{field} rating must be 1 to 5, got {value}")]
    Rating { field: &'static str, value: u8 },
}

/// Confidentiality, integrity and availability ratings, each 1 (low) to 5 (very high).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawCia")]
pub struct Cia {
    confidentiality: u8,
    integrity: u8,
    availability: u8,
}

#[derive(Deserialize)]
struct RawCia {
    confidentiality: u8,
    integrity: u8,
    availability: u8,
}

impl TryFrom<RawCia> for Cia {
    type Error = AssetError;
    fn try_from(r: RawCia) -> Result<Self, AssetError> {
        Cia::new(r.confidentiality, r.integrity, r.availability)
    }
}

impl Default for Cia {
    /// Middle of the scale until someone rates the asset.
    fn default() -> Self {
        Self {
            confidentiality: 3,
            integrity: 3,
            availability: 3,
        }
    }
}

impl Cia {
    pub fn new(confidentiality: u8, integrity: u8, availability: u8) -> Result<Self, AssetError> {
        for (field, value) in [
            ("confidentiality", confidentiality),
            ("integrity", integrity),
            ("availability", availability),
        ] {
            if !(1..=5).contains(&value) {
                return Err(AssetError::Rating { field, value });
            }
        }
        Ok(Self {
            confidentiality,
            integrity,
            availability,
        })
    }

    pub fn confidentiality(&self) -> u8 {
        self.confidentiality
    }
    pub fn integrity(&self) -> u8 {
        self.integrity
    }
    pub fn availability(&self) -> u8 {
        self.availability
    }

    /// Criticality 1-5: `round(log2((2^C + 2^I + 2^A) / 3))`, the asset-value formula of
    /// Chinese risk-assessment practice (GB/T 20984). Unlike a plain mean it leans
    /// towards the highest rating: (5,1,1) gives 4, where the mean would say 2.
    pub fn criticality(&self) -> u8 {
        let sum: f64 = [self.confidentiality, self.integrity, self.availability]
            .iter()
            .map(|&r| f64::from(1u32 << r))
            .sum();
        let v = (sum / 3.0).log2().round();
        // Ratings 1..=5 keep v within 1..=5; the clamp documents that, nothing more.
        v.clamp(1.0, 5.0) as u8
    }
}

/// One inventory entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Asset {
    pub id: i64,
    pub kind: AssetKind,
    pub name: String,
    #[serde(default)]
    pub ips: Vec<IpAddr>,
    #[serde(default)]
    pub hostnames: Vec<String>,
    #[serde(default)]
    pub macs: Vec<String>,
    #[serde(default)]
    pub os: Option<String>,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub department: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub business_system: Option<String>,
    #[serde(default)]
    pub cia: Cia,
}

impl Asset {
    pub fn criticality(&self) -> u8 {
        self.cia.criticality()
    }
}

/// Which part of the event named the address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservedVia {
    Host,
    Source,
    Destination,
}

/// An internal address seen alive in an event, with what the event said about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetObservation {
    pub ip: IpAddr,
    pub hostname: Option<String>,
    pub mac: Option<String>,
    pub os: Option<String>,
    pub seen_at: DateTime<Utc>,
    pub source: ObservedVia,
}

/// Strings of a field that may be a scalar or an array.
fn strings<'a>(event: &'a Event, path: &str) -> Vec<&'a str> {
    match event.get(path) {
        Some(serde_json::Value::String(s)) => vec![s.as_str()],
        Some(serde_json::Value::Array(items)) => items.iter().filter_map(|v| v.as_str()).collect(),
        _ => Vec::new(),
    }
}

fn first_string(event: &Event, paths: &[&str]) -> Option<String> {
    paths.iter().find_map(|p| {
        strings(event, p)
            .into_iter()
            .map(str::trim)
            .find(|s| !s.is_empty() && *s != "-")
            .map(str::to_owned)
    })
}

/// Lower case with colons: sources write `00-1A-2B-...` and `00:1a:2b:...` alike.
pub fn normalize_mac(mac: &str) -> String {
    mac.trim().to_ascii_lowercase().replace('-', ":")
}

fn parse_ip(s: &str) -> Option<IpAddr> {
    let ip: IpAddr = s.trim().parse().ok()?;
    Some(ip.to_canonical())
}

/// Addresses that never name a machine, whatever the internal ranges say.
fn is_placeholder(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_unspecified() || v4.is_loopback() || v4.is_multicast() || v4.is_broadcast()
        }
        IpAddr::V6(v6) => v6.is_unspecified() || v6.is_loopback() || v6.is_multicast(),
    }
}

/// The internal assets an ECS event shows alive: `host.*` (the reporting machine),
/// `source.*` and `destination.*`. Only addresses inside `internal` count; one
/// observation per address, the host's own fields filling in what source/destination
/// lack. An event without `@timestamp` (or `event.created`) yields nothing: a
/// sighting without a time cannot tell when the asset was alive.
pub fn observe(event: &Event, internal: &[IpNet]) -> Vec<AssetObservation> {
    let Some(seen_at) = event.timestamp().or_else(|| {
        event
            .get_str(steward_model::ecs::EVENT_CREATED)
            .and_then(steward_model::time::parse_timestamp)
    }) else {
        return Vec::new();
    };
    let mut out: Vec<AssetObservation> = Vec::new();
    let mut push = |obs: AssetObservation| {
        if let Some(existing) = out.iter_mut().find(|o| o.ip == obs.ip) {
            if existing.hostname.is_none() {
                existing.hostname = obs.hostname;
            }
            if existing.mac.is_none() {
                existing.mac = obs.mac;
            }
            if existing.os.is_none() {
                existing.os = obs.os;
            }
        } else {
            out.push(obs);
        }
    };
    let wanted = |ip: IpAddr| !is_placeholder(ip) && internal.iter().any(|n| n.contains(&ip));

    let host_name = first_string(event, &["host.hostname", "host.name"]);
    let host_mac = first_string(event, &["host.mac"]).map(|m| normalize_mac(&m));
    let host_os = first_string(event, &["host.os.full", "host.os.name"]);
    for ip in strings(event, "host.ip").into_iter().filter_map(parse_ip) {
        if wanted(ip) {
            push(AssetObservation {
                ip,
                hostname: host_name.clone(),
                mac: host_mac.clone(),
                os: host_os.clone(),
                seen_at,
                source: ObservedVia::Host,
            });
        }
    }
    for (prefix, via) in [
        ("source", ObservedVia::Source),
        ("destination", ObservedVia::Destination),
    ] {
        let ips = strings(event, &format!("{prefix}.ip"));
        let mac = first_string(event, &[&format!("{prefix}.mac")]).map(|m| normalize_mac(&m));
        let name = first_string(event, &[&format!("{prefix}.domain")]);
        for ip in ips.into_iter().filter_map(parse_ip) {
            if wanted(ip) {
                push(AssetObservation {
                    ip,
                    hostname: name.clone(),
                    mac: mac.clone(),
                    os: None,
                    seen_at,
                    source: via,
                });
            }
        }
    }
    out
}

/// Whether the inventory knows nothing of the observed machine: no asset has its
/// address, its MAC or its host name (names compared without case).
pub fn is_shadow(obs: &AssetObservation, inventory: &[Asset]) -> bool {
    let mac = obs.mac.as_deref().map(normalize_mac);
    !inventory.iter().any(|a| {
        a.ips.iter().any(|ip| ip.to_canonical() == obs.ip)
            || mac
                .as_deref()
                .is_some_and(|m| a.macs.iter().any(|am| normalize_mac(am) == m))
            || obs
                .hostname
                .as_deref()
                .is_some_and(|h| a.hostnames.iter().any(|ah| ah.eq_ignore_ascii_case(h)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn nets() -> Vec<IpNet> {
        ["10.0.0.0/8", "192.168.0.0/16", "fd00::/8"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect()
    }

    fn event(v: serde_json::Value) -> Event {
        match v {
            serde_json::Value::Object(m) => Event::from_object(m),
            _ => unreachable!("fixtures are objects"),
        }
    }

    #[test]
    fn cia_ratings_are_validated() {
        assert!(Cia::new(1, 5, 3).is_ok());
        assert_eq!(
            Cia::new(0, 3, 3),
            Err(AssetError::Rating {
                field: "confidentiality",
                value: 0
            })
        );
        assert!(Cia::new(3, 6, 3).is_err());
        let bad: Result<Cia, _> = serde_json::from_value(
            json!({"confidentiality": 9, "integrity": 1, "availability": 1}),
        );
        assert!(bad.is_err());
    }

    #[test]
    fn criticality_formula() {
        let c = |a, b, d| Cia::new(a, b, d).unwrap().criticality();
        assert_eq!(c(1, 1, 1), 1);
        assert_eq!(c(5, 5, 5), 5);
        assert_eq!(c(3, 3, 3), 3);
        assert_eq!(c(5, 1, 1), 4); // log2(36/3) = 3.58
        assert_eq!(c(4, 2, 2), 3); // log2(24/3) = 3
        assert_eq!(c(2, 2, 1), 2); // log2(10/3) = 1.74
                                   // Monotone: raising any rating never lowers criticality.
        for a in 1..=5 {
            for b in 1..=5 {
                for d in 1..5 {
                    assert!(c(a, b, d + 1) >= c(a, b, d));
                    assert!((1..=5).contains(&c(a, b, d)));
                }
            }
        }
    }

    #[test]
    fn observes_only_internal_addresses() {
        let e = event(json!({
            "@timestamp": "2026-03-01T08:00:00.000Z",
            "source": {"ip": "203.0.113.7", "mac": "AA-BB-CC-00-11-22"},
            "destination": {"ip": "10.1.2.3", "mac": "00-1A-2B-3C-4D-5E", "domain": "db01"},
            "host": {"ip": ["192.168.1.5", "8.8.8.8", "127.0.0.1"], "hostname": "fw01", "os": {"name": "Linux"}}
        }));
        let obs = observe(&e, &nets());
        let ips: Vec<String> = obs.iter().map(|o| o.ip.to_string()).collect();
        assert_eq!(ips, vec!["192.168.1.5", "10.1.2.3"]);
        assert_eq!(obs[0].hostname.as_deref(), Some("fw01"));
        assert_eq!(obs[0].os.as_deref(), Some("Linux"));
        assert_eq!(obs[0].source, ObservedVia::Host);
        assert_eq!(obs[1].mac.as_deref(), Some("00:1a:2b:3c:4d:5e"));
        assert_eq!(obs[1].hostname.as_deref(), Some("db01"));
        assert_eq!(obs[1].source, ObservedVia::Destination);
        assert_eq!(obs[1].seen_at, e.timestamp().unwrap());
    }

    #[test]
    fn same_address_twice_is_one_observation_and_v6_mapped_is_canonical() {
        let e = event(json!({
            "@timestamp": "2026-03-01T08:00:00Z",
            "source": {"ip": "::ffff:10.0.0.9"},
            "host": {"ip": "10.0.0.9", "name": "ws9"},
            "destination": {"ip": "fd00::1"}
        }));
        let obs = observe(&e, &nets());
        assert_eq!(obs.len(), 2);
        assert_eq!(obs[0].ip.to_string(), "10.0.0.9");
        assert_eq!(obs[0].hostname.as_deref(), Some("ws9"));
        assert_eq!(obs[1].ip.to_string(), "fd00::1");
    }

    #[test]
    fn nothing_without_time_internal_ranges_or_valid_addresses() {
        let no_time = event(json!({"source": {"ip": "10.0.0.1"}}));
        assert!(observe(&no_time, &nets()).is_empty());
        let e = event(
            json!({"@timestamp": "2026-03-01T08:00:00Z", "source": {"ip": "10.0.0.1"},
            "destination": {"ip": "not-an-ip"}}),
        );
        assert!(observe(&e, &[]).is_empty());
        assert_eq!(observe(&e, &nets()).len(), 1);
    }

    #[test]
    fn shadow_assets() {
        let inv = vec![Asset {
            id: 1,
            kind: AssetKind::Server,
            name: "db".into(),
            ips: vec!["10.1.2.3".parse().unwrap()],
            hostnames: vec!["DB01".into()],
            macs: vec!["00:1A:2B:3C:4D:5E".into()],
            os: None,
            owner: None,
            department: None,
            location: None,
            business_system: None,
            cia: Cia::default(),
        }];
        let obs = |ip: &str, host: Option<&str>, mac: Option<&str>| AssetObservation {
            ip: ip.parse().unwrap(),
            hostname: host.map(str::to_owned),
            mac: mac.map(str::to_owned),
            os: None,
            seen_at: Utc::now(),
            source: ObservedVia::Source,
        };
        assert!(!is_shadow(&obs("10.1.2.3", None, None), &inv));
        // Re-addressed by DHCP but known by MAC or by name.
        assert!(!is_shadow(
            &obs("10.9.9.9", None, Some("00-1a-2b-3c-4d-5e")),
            &inv
        ));
        assert!(!is_shadow(&obs("10.9.9.9", Some("db01"), None), &inv));
        assert!(is_shadow(
            &obs("10.9.9.9", Some("rogue"), Some("de:ad:be:ef:00:01")),
            &inv
        ));
        assert!(is_shadow(&obs("10.1.2.3", None, None), &[]));
    }
}
