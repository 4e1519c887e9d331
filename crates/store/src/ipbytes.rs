//! IP addresses as 16 sortable bytes (IPv4 mapped into IPv6), so that a CIDR becomes a
//! byte range the database can answer from an index.

use ipnet::IpNet;
use std::net::{IpAddr, Ipv6Addr};

pub fn ip_to_bytes(ip: IpAddr) -> [u8; 16] {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
        IpAddr::V6(v6) => v6.octets(),
    }
}

pub fn bytes_to_ip(bytes: &[u8]) -> Option<IpAddr> {
    let octets: [u8; 16] = bytes.try_into().ok()?;
    let v6 = Ipv6Addr::from(octets);
    Some(match v6.to_ipv4_mapped() {
        Some(v4) => IpAddr::V4(v4),
        None => IpAddr::V6(v6),
    })
}

/// First and last address of a network, as bytes.
pub fn net_bounds(net: &IpNet) -> ([u8; 16], [u8; 16]) {
    (ip_to_bytes(net.network()), ip_to_bytes(net.broadcast()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v4_nets_map_into_a_contiguous_range() {
        let net: IpNet = "10.1.0.0/16".parse().unwrap();
        let (lo, hi) = net_bounds(&net);
        let inside = ip_to_bytes("10.1.200.3".parse().unwrap());
        let outside = ip_to_bytes("10.2.0.0".parse().unwrap());
        assert!(lo <= inside && inside <= hi);
        assert!(outside > hi);
        assert_eq!(bytes_to_ip(&inside), Some("10.1.200.3".parse().unwrap()));
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(bytes_to_ip(&ip_to_bytes(v6)), Some(v6));
    }
}
