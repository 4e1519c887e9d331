//! Output types shared by every importer.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// Evidence text is cut to this many bytes.
pub const EVIDENCE_LIMIT: usize = 4096;

/// Input format; `Auto` detects it from the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Auto,
    Nuclei,
    Nessus,
    OpenVas,
    Nmap,
}

/// Scanner that produced a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scanner {
    Nuclei,
    Nessus,
    OpenVas,
    Nmap,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// CVSS v3 qualitative rating; 0.0 (or below) is informational.
    pub fn from_cvss(score: f32) -> Severity {
        match score {
            s if s >= 9.0 => Severity::Critical,
            s if s >= 7.0 => Severity::High,
            s if s >= 4.0 => Severity::Medium,
            s if s > 0.0 => Severity::Low,
            _ => Severity::Info,
        }
    }

    /// Names used by nuclei and GVM threat levels; unknown names are `None`.
    pub fn from_name(name: &str) -> Option<Severity> {
        match name.trim().to_ascii_lowercase().as_str() {
            "info" | "informational" | "log" | "none" | "unknown" | "debug" => Some(Severity::Info),
            "low" => Some(Severity::Low),
            "medium" | "moderate" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

/// The asset a finding is about, as the scanner saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetRef {
    pub ip: Option<IpAddr>,
    pub hostname: Option<String>,
    pub mac: Option<String>,
    pub os: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub scanner: Scanner,
    pub asset: AssetRef,
    pub port: Option<u16>,
    pub protocol: Option<String>,
    pub service: Option<String>,
    /// Plugin id (Nessus), template id (nuclei), NVT OID (OpenVAS) or script id (nmap).
    pub finding_id: String,
    pub title: String,
    pub description: Option<String>,
    pub solution: Option<String>,
    pub cves: Vec<String>,
    pub cvss_base: Option<f32>,
    pub cvss_vector: Option<String>,
    pub severity: Severity,
    /// Scanner output proving the finding, cut to [`EVIDENCE_LIMIT`] bytes.
    pub evidence: Option<String>,
    pub references: Vec<String>,
    pub scan_time: Option<DateTime<Utc>>,
}

/// One open port of a discovered host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortSeen {
    pub port: u16,
    pub protocol: String,
    pub service: Option<String>,
    pub product: Option<String>,
    pub version: Option<String>,
}

/// A live host seen by a discovery scan (asset discovery input).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostSeen {
    pub ip: Option<IpAddr>,
    pub hostname: Option<String>,
    pub mac: Option<String>,
    pub os: Option<String>,
    pub ports: Vec<PortSeen>,
    pub scan_time: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The format actually parsed (never `Auto`).
    pub format: Format,
    pub findings: Vec<Finding>,
    pub hosts: Vec<HostSeen>,
    /// Targets the scan covered, as the scanner names them.
    pub scope: Vec<String>,
    /// Records deliberately not imported (hosts down, results without a test id).
    pub skipped: usize,
}

impl Report {
    pub(crate) fn new(format: Format) -> Self {
        Report {
            format,
            findings: Vec::new(),
            hosts: Vec::new(),
            scope: Vec::new(),
            skipped: 0,
        }
    }

    pub(crate) fn add_scope(&mut self, target: &str) {
        let t = target.trim();
        if !t.is_empty() && !self.scope.iter().any(|s| s == t) {
            self.scope.push(t.to_string());
        }
    }
}

/// Key under which two findings are the same: `asset|id|port`, lower-cased.
/// Asset is the IP, else the hostname; id is the finding id, else the first CVE;
/// a missing port is `-`.
pub fn dedupe_key(f: &Finding) -> String {
    let asset = match (&f.asset.ip, &f.asset.hostname) {
        (Some(ip), _) => ip.to_string(),
        (None, Some(h)) => h.trim().trim_end_matches('.').to_ascii_lowercase(),
        (None, None) => "-".to_string(),
    };
    let id = match f.finding_id.trim() {
        "" => f
            .cves
            .first()
            .map_or("-", |c| c.as_str())
            .trim()
            .to_ascii_lowercase(),
        id => id.to_ascii_lowercase(),
    };
    let port = f.port.map_or_else(|| "-".to_string(), |p| p.to_string());
    format!("{asset}|{id}|{port}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding() -> Finding {
        Finding {
            scanner: Scanner::Nessus,
            asset: AssetRef::default(),
            port: None,
            protocol: None,
            service: None,
            finding_id: String::new(),
            title: "t".into(),
            description: None,
            solution: None,
            cves: vec!["CVE-2021-44228".into()],
            cvss_base: None,
            cvss_vector: None,
            severity: Severity::High,
            evidence: None,
            references: Vec::new(),
            scan_time: None,
        }
    }

    #[test]
    fn dedupe_key_normalises() {
        let mut f = finding();
        f.asset.hostname = Some("Web.Example.COM.".into());
        assert_eq!(dedupe_key(&f), "web.example.com|cve-2021-44228|-");
        f.asset.ip = Some("10.0.0.1".parse().unwrap());
        f.finding_id = " 19506 ".into();
        f.port = Some(443);
        assert_eq!(dedupe_key(&f), "10.0.0.1|19506|443");
    }

    #[test]
    fn severity_mapping() {
        assert_eq!(Severity::from_cvss(0.0), Severity::Info);
        assert_eq!(Severity::from_cvss(3.9), Severity::Low);
        assert_eq!(Severity::from_cvss(4.0), Severity::Medium);
        assert_eq!(Severity::from_cvss(7.0), Severity::High);
        assert_eq!(Severity::from_cvss(9.8), Severity::Critical);
        assert_eq!(Severity::from_name("Log"), Some(Severity::Info));
        assert_eq!(Severity::from_name("weird"), None);
    }

    #[test]
    fn finding_serde_roundtrip() {
        let f = finding();
        let json = serde_json::to_string(&f).unwrap();
        let back: Finding = serde_json::from_str(&json).unwrap();
        assert_eq!(back, f);
    }
}
