//! The vocabulary: indicator types, parsed values, shared metadata and the owned view a
//! hit hands out.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;

/// What kind of observable an indicator names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IndicatorType {
    /// One IPv4 or IPv6 address.
    Ip,
    /// An IPv4 or IPv6 network (CIDR block); address ranges are stored as CIDR blocks.
    Cidr,
    /// A domain name; matches its subdomains too unless the indicator says exact.
    Domain,
    /// A URL, normalised (see [`crate::value::normalize_url`]).
    Url,
    Md5,
    Sha1,
    Sha256,
    /// An autonomous system number (Spamhaus ASN-DROP and similar lists).
    Asn,
}

impl IndicatorType {
    pub const ALL: [IndicatorType; 8] = [
        Self::Ip,
        Self::Cidr,
        Self::Domain,
        Self::Url,
        Self::Md5,
        Self::Sha1,
        Self::Sha256,
        Self::Asn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ip => "ip",
            Self::Cidr => "cidr",
            Self::Domain => "domain",
            Self::Url => "url",
            Self::Md5 => "md5",
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Asn => "asn",
        }
    }

    /// Reads the names [`as_str`](Self::as_str) writes plus common feed spellings.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "ip" | "ipv4" | "ipv6" | "ip-src" | "ip-dst" | "ip:port" | "ipv4-addr"
            | "ipv6-addr" => Self::Ip,
            "cidr" | "network" | "netblock" | "subnet" => Self::Cidr,
            "domain" | "hostname" | "fqdn" | "domain-name" | "host" => Self::Domain,
            "url" | "uri" => Self::Url,
            "md5" | "md5_hash" => Self::Md5,
            "sha1" | "sha-1" | "sha1_hash" => Self::Sha1,
            "sha256" | "sha-256" | "sha256_hash" => Self::Sha256,
            "asn" | "as" => Self::Asn,
            _ => return None,
        })
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The noun used in alert titles.
    pub fn noun(self) -> &'static str {
        match self {
            Self::Ip => "IP",
            Self::Cidr => "network",
            Self::Domain => "domain",
            Self::Url => "URL",
            Self::Md5 => "MD5 hash",
            Self::Sha1 => "SHA-1 hash",
            Self::Sha256 => "SHA-256 hash",
            Self::Asn => "autonomous system",
        }
    }
}

impl fmt::Display for IndicatorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed indicator value, borrowing its text from the input. Loaders produce these;
/// [`crate::IndicatorSetBuilder::insert`] validates, normalises and stores them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IndicatorValue<'a> {
    Ip(IpAddr),
    /// Network address and prefix length; host bits are cleared on insert.
    Cidr(IpAddr, u8),
    /// Inclusive address range (DShield style); stored as the CIDR blocks covering it.
    Range(IpAddr, IpAddr),
    Domain {
        name: &'a str,
        subdomains: bool,
    },
    Url(&'a str),
    Md5([u8; 16]),
    Sha1([u8; 20]),
    Sha256([u8; 32]),
    Asn(u32),
}

impl IndicatorValue<'_> {
    pub fn kind(&self) -> IndicatorType {
        match self {
            Self::Ip(_) => IndicatorType::Ip,
            Self::Cidr(..) | Self::Range(..) => IndicatorType::Cidr,
            Self::Domain { .. } => IndicatorType::Domain,
            Self::Url(_) => IndicatorType::Url,
            Self::Md5(_) => IndicatorType::Md5,
            Self::Sha1(_) => IndicatorType::Sha1,
            Self::Sha256(_) => IndicatorType::Sha256,
            Self::Asn(_) => IndicatorType::Asn,
        }
    }
}

/// Facts shared by many indicators (a feed, a MISP event, a STIX indicator object).
/// Stored once per distinct value, so a list of a million IPs costs one of these.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct IndicatorMeta {
    /// The feed's name, as configured.
    pub source: String,
    pub title: Option<String>,
    pub description: Option<String>,
    /// Who produced it: STIX `created_by_ref` identity name, MISP `Orgc.name`.
    pub author: Option<String>,
    pub tags: Vec<String>,
}

/// Handle to interned [`IndicatorMeta`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MetaId(pub(crate) u32);

/// Per-indicator attributes given at insert time.
#[derive(Clone, Copy, Debug)]
pub struct Attrs<'a> {
    pub meta: MetaId,
    /// The source's own id (STIX id, MISP attribute uuid); `None` derives
    /// `<source>:<type>:<value>`.
    pub id: Option<&'a str>,
    /// 0-100.
    pub confidence: u8,
    pub expiry: Option<DateTime<Utc>>,
}

/// How an event value met an indicator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// Same value (after normalisation).
    Exact,
    /// The event's domain is a subdomain of the indicator's.
    Subdomain,
    /// The event's address lies in the indicator's network.
    Network,
}

impl MatchKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Exact => "exact",
            Self::Subdomain => "subdomain",
            Self::Network => "network",
        }
    }
}

/// An indicator as handed out (owned): built only for hits and look-ups, never stored
/// in this form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: IndicatorType,
    /// Normalised display form: `1.2.3.4`, `10.0.0.0/8`, `evil.com`, `http://x/y`, hex.
    pub value: String,
    pub source: String,
    pub confidence: u8,
    pub expiry: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Domain indicators only: whether subdomains match too.
    #[serde(default)]
    pub subdomains: bool,
}

/// One indicator met by one field value of an event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IndicatorHit {
    pub indicator: Indicator,
    /// The ECS field whose value matched (`destination.ip`).
    pub field: &'static str,
    /// The value as the event had it.
    pub observed: String,
    #[serde(rename = "match")]
    pub matched: MatchKind,
}
