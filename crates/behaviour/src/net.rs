//! Which addresses are the customer's own.
//!
//! Exfiltration, beaconing and the port-scan exceptions need "internal" and "external".
//! Internal means inside the configured networks (RFC 1918 and IPv6 ULA by default);
//! loopback, link-local, multicast and unspecified addresses are neither, so traffic to
//! them never counts as leaving the network.

use crate::config::ConfigError;
use ipnet::IpNet;
use std::net::IpAddr;

/// The RFC 1918 private ranges and IPv6 unique-local addresses.
pub const DEFAULT_INTERNAL_NETWORKS: [&str; 4] =
    ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];

#[derive(Clone, Debug)]
pub(crate) struct Networks {
    nets: Vec<IpNet>,
}

impl Networks {
    /// Parses CIDRs or single addresses; `key` names the setting in errors.
    pub(crate) fn parse(key: &'static str, items: &[String]) -> Result<Self, ConfigError> {
        let nets = items
            .iter()
            .map(|s| parse_net(s).ok_or_else(|| ConfigError::network(key, s)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { nets })
    }

    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.nets.iter().any(|n| n.contains(&ip))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.nets.is_empty()
    }
}

fn parse_net(s: &str) -> Option<IpNet> {
    let s = s.trim();
    s.parse::<IpNet>()
        .ok()
        .or_else(|| s.parse::<IpAddr>().ok().map(IpNet::from))
}

/// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) are compared as IPv4.
pub(crate) fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Addresses that are no host's identity on a network: loopback, link-local, multicast,
/// unspecified and broadcast.
pub(crate) fn is_local_or_special(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_unspecified()
                || v4.is_broadcast()
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_multicast()
                || v6.is_unspecified()
                // fe80::/10, link-local
                || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

/// Reads an IP address as parsers write it (sometimes with a zone id `fe80::1%eth0`).
pub(crate) fn parse_ip(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    if s.len() > 64 {
        return None;
    }
    let s = s.split('%').next().unwrap_or(s);
    s.parse::<IpAddr>().ok().map(canonical)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Networks {
        let items: Vec<String> = DEFAULT_INTERNAL_NETWORKS
            .iter()
            .map(|s| s.to_string())
            .collect();
        Networks::parse("internal_networks", &items).unwrap()
    }

    #[test]
    fn private_ranges_are_internal() {
        let n = defaults();
        for ip in [
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "fd00::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(n.contains(parse_ip(ip).unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "172.32.0.1", "203.0.113.5", "2001:db8::1"] {
            assert!(!n.contains(parse_ip(ip).unwrap()), "{ip}");
        }
    }

    #[test]
    fn special_addresses() {
        for ip in [
            "127.0.0.1",
            "169.254.1.1",
            "224.0.0.251",
            "0.0.0.0",
            "::1",
            "fe80::1%eth0",
            "ff02::fb",
        ] {
            assert!(is_local_or_special(parse_ip(ip).unwrap()), "{ip}");
        }
        assert!(!is_local_or_special(parse_ip("10.0.0.1").unwrap()));
    }

    #[test]
    fn bad_networks_are_refused() {
        assert!(Networks::parse("k", &["10.0.0.0/33".into()]).is_err());
        assert!(Networks::parse("k", &["nonsense".into()]).is_err());
        assert!(Networks::parse("k", &["192.0.2.7".into()])
            .unwrap()
            .contains(parse_ip("192.0.2.7").unwrap()));
    }
}
