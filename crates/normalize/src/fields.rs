//! Typed setters for ECS fields that every parser shares.
//!
//! Each one validates before it writes, so an ECS field typed `ip`, `long` or a fixed
//! vocabulary never holds text Elasticsearch would reject, and each keeps the `related.*`
//! arrays in step, which is easy to forget at forty call sites.

use serde_json::Value;
use std::borrow::Cow;
use std::net::IpAddr;
use steward_model::{ecs, Event};

pub(crate) const RELATED_IP: &str = "related.ip";
pub(crate) const RELATED_USER: &str = "related.user";
pub(crate) const RELATED_HOSTS: &str = "related.hosts";

/// Entries kept per `related.*` array. A hostile record listing thousands of addresses
/// would otherwise cost quadratic time (each append copies the array) for no analytic value.
const MAX_RELATED: usize = 64;

/// Vendor keys with more dots than this are flattened instead of nested: each dot is one
/// more level of nesting, and deeply nested documents cost stack in every later stage.
pub(crate) const MAX_KEY_DEPTH: usize = 8;

/// Appends to a `related.*` array, up to [`MAX_RELATED`] entries.
pub(crate) fn relate(event: &mut Event, path: &str, value: impl Into<Value>) {
    let len = match event.get(path) {
        Some(Value::Array(items)) => items.len(),
        _ => 0,
    };
    if len < MAX_RELATED {
        event.push_unique(path, value);
    }
}

/// A vendor key as a document path of bounded depth (see [`MAX_KEY_DEPTH`]).
pub(crate) fn bounded_key(key: &str) -> Cow<'_, str> {
    if key.matches('.').count() >= MAX_KEY_DEPTH {
        Cow::Owned(key.replace('.', "_"))
    } else {
        Cow::Borrowed(key)
    }
}

/// A value worth storing: not empty and not a placeholder dash.
pub(crate) fn present(value: &str) -> Option<&str> {
    let value = value.trim();
    (!value.is_empty() && value != "-").then_some(value)
}

/// Sets an `ip` field when `value` is an IP address, and lists it in `related.ip`.
pub(crate) fn set_ip(event: &mut Event, path: &str, value: &str) -> bool {
    match value.trim().parse::<IpAddr>() {
        Ok(ip) => {
            let text = ip.to_string();
            relate(event, RELATED_IP, text.as_str());
            event.set(path, text);
            true
        }
        Err(_) => false,
    }
}

/// Lists an address in `related.ip` without setting any other field.
pub(crate) fn relate_ip(event: &mut Event, value: &str) {
    if let Ok(ip) = value.trim().parse::<IpAddr>() {
        relate(event, RELATED_IP, ip.to_string());
    }
}

pub(crate) fn set_port(event: &mut Event, path: &str, value: &str) -> bool {
    match value.trim().parse::<u16>() {
        Ok(port) => {
            event.set(path, port);
            true
        }
        Err(_) => false,
    }
}

/// Sets a non-negative `long` field (byte counts, sizes, pids).
pub(crate) fn set_count(event: &mut Event, path: &str, value: &str) -> bool {
    match value.trim().parse::<u64>() {
        Ok(n) => {
            event.set(path, n);
            true
        }
        Err(_) => false,
    }
}

pub(crate) fn set_user(event: &mut Event, path: &str, value: &str) -> bool {
    match present(value) {
        Some(name) => {
            event.set(path, name);
            relate(event, RELATED_USER, name);
            true
        }
        None => false,
    }
}

pub(crate) fn set_host(event: &mut Event, path: &str, value: &str) -> bool {
    match present(value) {
        Some(name) => {
            event.set(path, name);
            relate(event, RELATED_HOSTS, name);
            true
        }
        None => false,
    }
}

pub(crate) fn set_keyword(event: &mut Event, path: &str, value: &str) -> bool {
    match present(value) {
        Some(v) => {
            event.set(path, v);
            true
        }
        None => false,
    }
}

/// ECS wants MACs as upper-case hex pairs joined by hyphens.
pub(crate) fn set_mac(event: &mut Event, path: &str, value: &str) -> bool {
    let hex: Vec<u8> = value
        .trim()
        .bytes()
        .filter(|b| !matches!(b, b':' | b'-' | b'.'))
        .collect();
    if !matches!(hex.len(), 12 | 16) || !hex.iter().all(u8::is_ascii_hexdigit) {
        return false;
    }
    let mut out = String::with_capacity(hex.len() / 2 * 3);
    for (i, pair) in hex.chunks(2).enumerate() {
        if i > 0 {
            out.push('-');
        }
        for &b in pair {
            out.push(char::from(b.to_ascii_uppercase()));
        }
    }
    event.set(path, out);
    true
}

/// `network.transport` is a lower-case protocol name; numbers are IANA protocol numbers.
pub(crate) fn set_transport(event: &mut Event, value: &str) -> bool {
    let Some(value) = present(value) else {
        return false;
    };
    if let Ok(number) = value.parse::<u8>() {
        event.set("network.iana_number", number.to_string());
        let name = match number {
            1 => "icmp",
            2 => "igmp",
            6 => "tcp",
            17 => "udp",
            47 => "gre",
            50 => "esp",
            51 => "ah",
            58 => "ipv6-icmp",
            132 => "sctp",
            _ => return true,
        };
        event.set(ecs::NETWORK_TRANSPORT, name);
        return true;
    }
    event.set(ecs::NETWORK_TRANSPORT, value.to_ascii_lowercase());
    true
}

/// `event.outcome` only admits success, failure and unknown.
pub(crate) fn set_outcome(event: &mut Event, value: &str) -> bool {
    let value = value.trim().trim_start_matches('/');
    let outcome = ["success", "failure", "unknown"]
        .into_iter()
        .find(|o| o.eq_ignore_ascii_case(value));
    match outcome {
        Some(o) => {
            event.set(ecs::EVENT_OUTCOME, o);
            true
        }
        None => false,
    }
}

/// Makes a vendor key usable as one path segment (ECS `labels` keys must not nest).
pub(crate) fn flat_key(key: &str) -> String {
    key.replace('.', "_")
}

/// Merges `other` into `event` without overwriting anything already set, except that the
/// `related.*` arrays and `tags` are unioned. Used for payloads embedded in a syslog
/// message, whose header fields describe the record more reliably.
pub(crate) fn merge_absent(event: &mut Event, other: &Event) {
    for (path, value) in other.flatten() {
        if path.starts_with("related.") || path == ecs::TAGS {
            match value {
                Value::Array(items) => {
                    for item in items {
                        relate(event, &path, item.clone());
                    }
                }
                other => relate(event, &path, other.clone()),
            }
        } else {
            event.set_if_absent(&path, value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn setters_validate() {
        let mut e = Event::new();
        assert!(set_ip(&mut e, "source.ip", " 10.0.0.1 "));
        assert!(!set_ip(&mut e, "destination.ip", "10.0.0.300"));
        assert!(set_ip(&mut e, "destination.ip", "2001:DB8::1"));
        assert_eq!(
            e.get("related.ip"),
            Some(&json!(["10.0.0.1", "2001:db8::1"]))
        );
        assert!(!set_port(&mut e, "source.port", "70000"));
        assert!(set_port(&mut e, "source.port", "443"));
        assert_eq!(e.get("source.port"), Some(&json!(443)));
        assert!(set_mac(&mut e, "source.mac", "00:1a:2B:3c:4d:5e"));
        assert_eq!(e.get_str("source.mac"), Some("00-1A-2B-3C-4D-5E"));
        assert!(!set_mac(&mut e, "source.mac", "00:1a:2B"));
        assert!(set_transport(&mut e, "6"));
        assert_eq!(e.get_str("network.transport"), Some("tcp"));
        assert!(set_transport(&mut e, "UDP"));
        assert_eq!(e.get_str("network.transport"), Some("udp"));
        assert!(set_outcome(&mut e, "/Failure"));
        assert_eq!(e.get_str("event.outcome"), Some("failure"));
        assert!(!set_outcome(&mut e, "blocked"));
        assert!(!set_user(&mut e, "user.name", "-"));
        assert!(set_user(&mut e, "user.name", "alice"));
        assert_eq!(e.get("related.user"), Some(&json!(["alice"])));
    }

    #[test]
    fn related_arrays_are_bounded() {
        let mut e = Event::new();
        for i in 0..1000u32 {
            set_ip(
                &mut e,
                "source.ip",
                &std::net::Ipv4Addr::from(i).to_string(),
            );
        }
        assert_eq!(
            e.get("related.ip").and_then(Value::as_array).map(Vec::len),
            Some(64)
        );
        assert_eq!(e.get_str("source.ip"), Some("0.0.3.231"));
    }

    #[test]
    fn deep_keys_are_flattened() {
        assert_eq!(bounded_key("a.b"), "a.b");
        assert_eq!(bounded_key("a.b.c.d.e.f.g.h.i"), "a_b_c_d_e_f_g_h_i");
    }

    #[test]
    fn merge_absent_keeps_existing_and_unions_related() {
        let mut e = Event::new();
        e.set("host.name", "header");
        e.push_unique("related.ip", "1.1.1.1");
        let mut other = Event::new();
        other.set("host.name", "payload");
        other.set("source.port", 1);
        other.push_unique("related.ip", "2.2.2.2");
        merge_absent(&mut e, &other);
        assert_eq!(e.get_str("host.name"), Some("header"));
        assert_eq!(e.get_i64("source.port"), Some(1));
        assert_eq!(e.get("related.ip"), Some(&json!(["1.1.1.1", "2.2.2.2"])));
    }
}
