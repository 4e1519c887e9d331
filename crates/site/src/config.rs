//! The site's configuration file (TOML). Every key has a default, so an empty file (or
//! none) gives a working site; command-line flags override the file. The reference with
//! every key is `docs/configuration.md`.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use steward_ingest::DeviceProfile;
use steward_store::SyncMode;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SiteConfig {
    pub site: SiteSection,
    pub http: HttpSection,
    pub syslog: SyslogSection,
    pub store: StoreSection,
    pub parsers: ParsersSection,
    pub detect: DetectSection,
    pub intel: IntelSection,
    /// Behaviour models and their thresholds (docs/behaviour.md).
    pub behaviour: steward_behaviour::BehaviourConfig,
    pub assets: AssetsSection,
    pub incidents: IncidentsSection,
    pub vulns: VulnsSection,
    pub profiles: Vec<DeviceProfile>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AssetsSection {
    /// The site's own address ranges: addresses inside them seen in events become
    /// assets (shadow assets until approved); events and alerts get their asset ids.
    pub internal_networks: Vec<ipnet::IpNet>,
    /// Learn assets from events.
    pub discover: bool,
    /// Raise an alert (rule `steward-shadow-asset`) for each newly seen shadow asset,
    /// once the approved inventory holds at least one asset.
    pub shadow_alerts: bool,
}

impl Default for AssetsSection {
    fn default() -> Self {
        let nets = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];
        Self {
            internal_networks: nets.iter().filter_map(|n| n.parse().ok()).collect(),
            discover: true,
            shadow_alerts: true,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IncidentsSection {
    /// Group new alerts into incidents automatically.
    pub auto_group: bool,
    /// Alerts below this level (informational, low, medium, high, critical) are not
    /// grouped into incidents automatically.
    pub min_level: String,
    /// Which alerts join the same incident.
    pub grouping: steward_secops::GroupingConfig,
    /// Time to acknowledge, contain and resolve per severity.
    pub sla: steward_secops::SlaPolicy,
    /// An http:// URL POSTed a JSON body for each SLA breach (besides the log);
    /// unset: log only.
    pub breach_webhook: Option<String>,
    /// How often (seconds) new alerts are grouped and SLA timers checked.
    pub automation_secs: u64,
}

impl Default for IncidentsSection {
    fn default() -> Self {
        Self {
            auto_group: true,
            min_level: "medium".into(),
            grouping: Default::default(),
            sla: Default::default(),
            breach_webhook: None,
            automation_secs: 5,
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VulnsSection {
    /// Days to fix a finding, per severity (due dates).
    pub due: steward_objects::vulns::VulnPolicy,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IntelSection {
    /// Indicator feeds (STIX 2.1, MISP, CSV/plain lists; docs/intel.md).
    pub feeds: Vec<steward_intel::FeedConfig>,
    /// How often (seconds) feed files are checked for changes and reloaded; 0: never.
    pub reload_secs: u64,
}

impl Default for IntelSection {
    fn default() -> Self {
        Self {
            feeds: Vec::new(),
            reload_secs: 60,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DetectSection {
    /// Run detection on every event. Off: events are stored, nothing is detected.
    pub enabled: bool,
    /// Load Steward's own rules compiled into the binary.
    pub builtin_rules: bool,
    /// Sigma rule files or directories (searched recursively), e.g. a SigmaHQ checkout.
    pub rules: Vec<PathBuf>,
    /// Values for `|expand` placeholders: `Administrators = ["admin", "root"]`.
    pub placeholders: std::collections::BTreeMap<String, Vec<String>>,
    /// How often (seconds) rule files are checked for changes and reloaded; 0: never.
    pub reload_secs: u64,
    /// A detection joins an open alert with the same rule and entities seen within this
    /// many seconds, instead of opening a new one.
    pub dedupe_secs: u64,
    /// Events waiting for detection; beyond it events skip detection (counted).
    pub queue_events: usize,
    /// Groups a correlation rule tracks before the least recently seen are evicted.
    pub max_groups_per_correlation: usize,
    /// Events a correlation keeps per group.
    pub max_events_per_group: usize,
    /// Also store each new alert as an event (`event.kind:alert`) so search finds it.
    pub alert_events: bool,
}

impl Default for DetectSection {
    fn default() -> Self {
        Self {
            enabled: true,
            builtin_rules: true,
            rules: Vec::new(),
            placeholders: Default::default(),
            reload_secs: 10,
            dedupe_secs: 600,
            queue_events: 200_000,
            max_groups_per_correlation: 100_000,
            max_events_per_group: 10_000,
            alert_events: true,
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ParsersSection {
    /// Extra device-family files (`*.toml`) loaded at start; a family there replaces the
    /// built-in one of the same name. Unset: the built-in library only.
    pub dir: Option<PathBuf>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SiteSection {
    /// Stamped on every event and object as `steward.site.id`.
    pub id: String,
    /// Tenant slot, assigned by a hub later; empty until then.
    pub tenant: String,
    /// Data directory: event partitions, state database, TLS material, bootstrap token.
    pub data: PathBuf,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpSection {
    /// API and console address.
    pub listen: SocketAddr,
    /// Largest accepted request body; larger ones get 413.
    pub max_body_bytes: usize,
    /// Largest scanner report or evidence file upload; larger ones get 413.
    pub max_upload_bytes: usize,
}

/// A listener address, or `off`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listen {
    Off,
    At(SocketAddr),
}

impl<'de> Deserialize<'de> for Listen {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl std::str::FromStr for Listen {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "" | "off" | "none" | "disabled" => Ok(Listen::Off),
            other => other.parse().map(Listen::At).map_err(|_| {
                format!("{other:?} is neither an address like 0.0.0.0:5514 nor \"off\"")
            }),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SyslogSection {
    pub udp: Listen,
    pub tcp: Listen,
    pub tls: Listen,
    /// PEM certificate chain and key for the TLS listener; when both are empty a
    /// self-signed pair is generated into `<data>/tls/` on first start.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub max_record_bytes: usize,
    pub max_connections: usize,
    pub idle_timeout_secs: u64,
    /// IANA zone for timestamps that carry no zone (RFC 3164 and many devices).
    pub timezone: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreSection {
    /// Days of events kept; whole days are dropped past it. 180 is the minimum Chinese
    /// law requires for network logs.
    pub retention_days: u32,
    /// `full`: fsync every commit (survives power loss); `normal`: survives a crash of
    /// the process only.
    pub sync: SyncMode,
    /// Events waiting for the writer before producers are pushed back (UDP drops).
    pub queue_events: usize,
    /// Events grouped into one transaction at most.
    pub max_transaction_events: usize,
}

impl Default for SiteSection {
    fn default() -> Self {
        Self {
            id: "local".into(),
            tenant: String::new(),
            data: PathBuf::from("steward-data"),
        }
    }
}

impl Default for HttpSection {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_body_bytes: 32 * 1024 * 1024,
            max_upload_bytes: 256 * 1024 * 1024,
        }
    }
}

impl Default for SyslogSection {
    fn default() -> Self {
        Self {
            udp: Listen::At(SocketAddr::from(([0, 0, 0, 0], 5514))),
            tcp: Listen::At(SocketAddr::from(([0, 0, 0, 0], 5514))),
            tls: Listen::At(SocketAddr::from(([0, 0, 0, 0], 6514))),
            tls_cert: None,
            tls_key: None,
            max_record_bytes: 64 * 1024,
            max_connections: 20_000,
            idle_timeout_secs: 600,
            timezone: "UTC".into(),
        }
    }
}

impl Default for StoreSection {
    fn default() -> Self {
        Self {
            retention_days: 180,
            sync: SyncMode::Full,
            queue_events: 20_000,
            max_transaction_events: 10_000,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("reading {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{0}")]
    Invalid(String),
}

impl SiteConfig {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text).map_err(|message| ConfigError::Parse {
            path: path.to_owned(),
            message,
        })
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// Checks values serde cannot: ranges and cross-field rules.
    pub fn validate(&self) -> Result<(), ConfigError> {
        steward_model::SiteId::new(self.site.id.clone())
            .map_err(|e| ConfigError::Invalid(format!("site.id: {e}")))?;
        steward_model::TenantId::new(self.site.tenant.clone())
            .map_err(|e| ConfigError::Invalid(format!("site.tenant: {e}")))?;
        if !(256..=16 * 1024 * 1024).contains(&self.syslog.max_record_bytes) {
            return Err(ConfigError::Invalid(
                "syslog.max_record_bytes must be between 256 and 16777216".into(),
            ));
        }
        if self.syslog.timezone.parse::<chrono_tz::Tz>().is_err() {
            return Err(ConfigError::Invalid(format!(
                "syslog.timezone: unknown zone {:?} (use an IANA name like Asia/Shanghai)",
                self.syslog.timezone
            )));
        }
        if self.store.retention_days == 0 {
            return Err(ConfigError::Invalid(
                "store.retention_days must be at least 1".into(),
            ));
        }
        if steward_model::Level::parse(&self.incidents.min_level).is_none() {
            return Err(ConfigError::Invalid(format!(
                "incidents.min_level {:?}: use informational, low, medium, high or critical",
                self.incidents.min_level
            )));
        }
        if let Some(url) = &self.incidents.breach_webhook {
            if !url.starts_with("http://") {
                return Err(ConfigError::Invalid(format!(
                    "incidents.breach_webhook {url:?} must be an http:// URL (https webhooks: through a local relay for now)"
                )));
            }
        }
        if self.syslog.max_connections == 0 || self.store.queue_events == 0 {
            return Err(ConfigError::Invalid(
                "syslog.max_connections and store.queue_events must be positive".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_gives_defaults() {
        let c = SiteConfig::parse("").unwrap();
        assert_eq!(c.http.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.syslog.udp, Listen::At("0.0.0.0:5514".parse().unwrap()));
        assert_eq!(c.store.retention_days, 180);
        c.validate().unwrap();
    }

    /// The reference in docs/configuration.md is a working file: every key it shows exists.
    #[test]
    fn the_documented_example_parses() {
        let doc = include_str!("../../../docs/configuration.md");
        let start = doc.find("```toml").expect("a toml block") + "```toml".len();
        let end = start + doc[start..].find("```").expect("its end");
        let c = SiteConfig::parse(&doc[start..end]).unwrap();
        c.validate().unwrap();
        assert_eq!(c.incidents.min_level, "medium");
        assert_eq!(c.incidents.sla.critical.ack_secs, 900);
        assert_eq!(c.vulns.due.critical_days, 7);
        assert_eq!(c.http.max_upload_bytes, 268_435_456);
    }

    #[test]
    fn full_file_parses() {
        let c = SiteConfig::parse(
            r#"
            [site]
            id = "acme-hq"
            data = "/var/lib/steward"
            [http]
            listen = "0.0.0.0:8443"
            [syslog]
            udp = "off"
            tcp = "127.0.0.1:1514"
            timezone = "Asia/Shanghai"
            [store]
            retention_days = 365
            sync = "normal"
            [[profiles]]
            name = "edge-fw"
            listeners = ["syslog-udp"]
            peers = ["10.0.0.0/24"]
            parser = "cef"
            timezone = "Asia/Shanghai"
            "#,
        )
        .unwrap();
        assert_eq!(c.syslog.udp, Listen::Off);
        assert_eq!(c.store.sync, SyncMode::Normal);
        assert_eq!(c.profiles.len(), 1);
        c.validate().unwrap();
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors() {
        assert!(SiteConfig::parse("[site]\nidd = \"x\"").is_err());
        assert!(SiteConfig::parse("[syslog]\nudp = \"nowhere\"").is_err());
        let mut c = SiteConfig::default();
        c.syslog.timezone = "Nowhere/Land".into();
        assert!(c.validate().is_err());
        let mut c = SiteConfig::default();
        c.site.id = "bad id".into();
        assert!(c.validate().is_err());
    }
}
