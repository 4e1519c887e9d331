//! IBM QRadar Log Event Extended Format:
//! `LEEF:1.0|Vendor|Product|Version|EventID|k=v<TAB>k=v...` and
//! `LEEF:2.0|Vendor|Product|Version|EventID|DelimiterChar|k=v...`.
//!
//! Every attribute is kept under `leef.<key>`; the predefined ones are also mapped to ECS.

use crate::delimited::{
    apply_syslog_prefix, find_marker, marker_score, set_namespace, set_observer, set_severity,
    split_header, ExtPairs,
};
use crate::fields::{
    relate_ip, set_count, set_ip, set_keyword, set_mac, set_port, set_transport, set_user,
};
use crate::timefmt::{parse_device_time, parse_java_format};
use crate::{ParseError, ParseOptions, Parser, RecordMeta};
use serde_json::{Map, Value};
use steward_model::{ecs, Event};

const MARKER: &str = "LEEF:";

#[derive(Clone, Copy, Debug, Default)]
pub struct LeefParser;

impl Parser for LeefParser {
    fn name(&self) -> &str {
        "leef"
    }

    fn dataset(&self) -> &str {
        "leef"
    }

    fn detect(&self, line: &str) -> u8 {
        marker_score(line, MARKER)
    }

    fn parse(
        &self,
        line: &str,
        opts: &ParseOptions,
        meta: &RecordMeta,
        event: &mut Event,
    ) -> Result<(), ParseError> {
        let at = find_marker(line, MARKER)
            .ok_or_else(|| ParseError::at(0, "no LEEF:<version> header found"))?;
        let record = &line[at..];
        let text = &record[MARKER.len()..];
        let (header, rest) = split_header(text, 5);
        if header.len() < 5 {
            return Err(ParseError::at(
                at,
                format!(
                    "LEEF header needs 5 |-separated fields, found {}",
                    header.len()
                ),
            ));
        }
        let mut attributes = rest.map_or("", |r| &text[r..]);
        let version = header[0].trim();
        let mut delimiter = '\t';
        if !version.starts_with('1') {
            if let Some(after) = attributes.strip_prefix("||") {
                // The delimiter field holding a pipe itself.
                delimiter = '|';
                attributes = after;
            } else if let Some((spec, after)) = attributes.split_once('|') {
                if let Some(d) = parse_delimiter(spec) {
                    delimiter = d;
                    attributes = after;
                }
            }
        }

        apply_syslog_prefix(&line[..at], opts, meta, event);

        let [vendor, product, product_version, event_id] = [1, 2, 3, 4].map(|i| header[i].trim());
        set_observer(event, vendor, product, product_version);
        set_keyword(event, "event.code", event_id);

        let mut stored = Map::new();
        for (key, value) in [
            ("version", version),
            ("vendor", vendor),
            ("product", product),
            ("product_version", product_version),
            ("event_id", event_id),
        ] {
            stored.insert(key.to_owned(), Value::String(value.to_owned()));
        }
        let pairs = collect_pairs(attributes, delimiter);
        let time_format = pairs
            .iter()
            .find(|(k, _)| *k == "devTimeFormat")
            .map(|(_, v)| v.as_str());
        let mut message = None;
        for (key, value) in &pairs {
            if *key == "msg" {
                message = Some(value.clone());
            }
            map_attribute(key, value, time_format, opts, meta, event);
            stored.insert((*key).to_owned(), Value::String(value.clone()));
        }
        set_namespace(event, "leef", stored);
        let message = message.unwrap_or_else(|| record.to_owned());
        event.set(ecs::MESSAGE, message);
        Ok(())
    }
}

/// LEEF 2.0's delimiter field: one character, or its code as `x09` / `0x09`.
fn parse_delimiter(spec: &str) -> Option<char> {
    let hex = spec
        .strip_prefix("0x")
        .or_else(|| spec.strip_prefix("0X"))
        .or_else(|| spec.strip_prefix('x'))
        .or_else(|| spec.strip_prefix('X'));
    if let Some(hex) = hex.filter(|h| (1..=4).contains(&h.len())) {
        return u32::from_str_radix(hex, 16)
            .ok()
            .and_then(char::from_u32)
            .filter(|c| *c != '=');
    }
    let mut chars = spec.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c != '=' => Some(c),
        // An empty field: the default delimiter.
        (None, _) => Some('\t'),
        _ => None,
    }
}

/// Attributes split at the delimiter. Senders that claim tabs but separate with spaces are
/// common enough to read CEF-style instead.
fn collect_pairs(attributes: &str, delimiter: char) -> Vec<(&str, String)> {
    if delimiter == '\t' && !attributes.contains('\t') {
        return ExtPairs::new(attributes)
            .map(|(k, v)| (k, v.to_owned()))
            .collect();
    }
    attributes
        .split(delimiter)
        .filter_map(|part| {
            let (key, value) = part.split_once('=')?;
            let key = key.trim();
            (!key.is_empty()).then(|| (key, value.trim().to_owned()))
        })
        .collect()
}

fn map_attribute(
    key: &str,
    value: &str,
    time_format: Option<&str>,
    opts: &ParseOptions,
    meta: &RecordMeta,
    e: &mut Event,
) -> bool {
    match key {
        "src" => set_ip(e, ecs::SOURCE_IP, value),
        "dst" => set_ip(e, ecs::DESTINATION_IP, value),
        "srcPort" => set_port(e, ecs::SOURCE_PORT, value),
        "dstPort" => set_port(e, ecs::DESTINATION_PORT, value),
        "srcPostNAT" => set_ip(e, "source.nat.ip", value),
        "dstPostNAT" => set_ip(e, "destination.nat.ip", value),
        "srcPostNATPort" => set_port(e, "source.nat.port", value),
        "dstPostNATPort" => set_port(e, "destination.nat.port", value),
        "srcPreNAT" | "dstPreNAT" | "identSrc" => {
            relate_ip(e, value);
            false
        }
        "usrName" => set_user(e, ecs::USER_NAME, value),
        "proto" => set_transport(e, value),
        "sev" => {
            set_severity(e, value);
            true
        }
        "srcMAC" => set_mac(e, "source.mac", value),
        "dstMAC" => set_mac(e, "destination.mac", value),
        "srcBytes" => set_count(e, "source.bytes", value),
        "dstBytes" => set_count(e, "destination.bytes", value),
        "totalBytes" => set_count(e, "network.bytes", value),
        "srcPackets" => set_count(e, "source.packets", value),
        "dstPackets" => set_count(e, "destination.packets", value),
        "url" => set_keyword(e, "url.original", value),
        "action" => set_keyword(e, ecs::EVENT_ACTION, value),
        "devTime" => {
            let t = time_format
                .and_then(|f| parse_java_format(value, f, opts, meta.received))
                .or_else(|| parse_device_time(value, opts, meta.received));
            match t {
                Some(t) => {
                    e.set_timestamp(ecs::TIMESTAMP, t);
                    true
                }
                None => false,
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(line: &str) -> Result<Event, ParseError> {
        crate::parser::parse_for_test(&LeefParser, line)
    }

    #[test]
    fn leef_1_tab_delimited() {
        let e = parse(
            "LEEF:1.0|Microsoft|MSExchange|4.0 SP1|15345|src=192.0.2.0\tdst=172.50.123.1\tsev=5\tcat=anomaly\tsrcPort=81\tdstPort=21\tusrName=joe.black\tproto=6",
        )
        .unwrap();
        assert_eq!(e.get_str("leef.version"), Some("1.0"));
        assert_eq!(e.get_str("observer.vendor"), Some("Microsoft"));
        assert_eq!(e.get_str("observer.product"), Some("MSExchange"));
        assert_eq!(e.get_str("observer.version"), Some("4.0 SP1"));
        assert_eq!(e.get_str("event.code"), Some("15345"));
        assert_eq!(e.get_str("source.ip"), Some("192.0.2.0"));
        assert_eq!(e.get_str("destination.ip"), Some("172.50.123.1"));
        assert_eq!(e.get("source.port"), Some(&json!(81)));
        assert_eq!(e.get("destination.port"), Some(&json!(21)));
        assert_eq!(e.get("event.severity"), Some(&json!(5)));
        assert_eq!(e.get_str("user.name"), Some("joe.black"));
        assert_eq!(e.get_str("network.transport"), Some("tcp"));
        assert_eq!(e.get_str("leef.cat"), Some("anomaly"));
        assert_eq!(e.get_str("leef.src"), Some("192.0.2.0"));
        assert_eq!(e.get("related.user"), Some(&json!(["joe.black"])));
        assert!(e.get_str("message").unwrap().starts_with("LEEF:1.0|"));
    }

    #[test]
    fn leef_2_delimiters() {
        for (spec, sep) in [
            ("^", "^"),
            ("x5E", "^"),
            ("0x5e", "^"),
            ("|", "|"),
            ("x09", "\t"),
        ] {
            let line = format!(
                "LEEF:2.0|Lancope|StealthWatch|1.0|41|{spec}|src=10.0.1.8{sep}dst=10.0.0.5{sep}srcPostNAT=203.0.113.9{sep}msg=hello world"
            );
            let e = parse(&line).unwrap();
            assert_eq!(e.get_str("source.ip"), Some("10.0.1.8"), "{spec}");
            assert_eq!(e.get_str("destination.ip"), Some("10.0.0.5"), "{spec}");
            assert_eq!(e.get_str("source.nat.ip"), Some("203.0.113.9"), "{spec}");
            assert_eq!(e.get_str("message"), Some("hello world"), "{spec}");
        }
        // 2.0 without a delimiter field.
        let e = parse("LEEF:2.0|V|P|1|ID|src=10.0.0.1\tdst=10.0.0.2").unwrap();
        assert_eq!(e.get_str("destination.ip"), Some("10.0.0.2"));
    }

    #[test]
    fn space_separated_and_dev_time() {
        let e = parse(
            "<13>Mar  1 10:00:00 qradar LEEF:1.0|V|P|1|ID|devTime=Feb 28 2026 10:11:12.345 devTimeFormat=MMM dd yyyy HH:mm:ss.SSS srcMAC=00:11:22:33:44:55 url=http://x/y action=block",
        )
        .unwrap();
        assert_eq!(e.get_str("host.name"), Some("qradar"));
        assert_eq!(e.get_str("@timestamp"), Some("2026-02-28T10:11:12.345Z"));
        assert_eq!(e.get_str("source.mac"), Some("00-11-22-33-44-55"));
        assert_eq!(e.get_str("url.original"), Some("http://x/y"));
        assert_eq!(e.get_str("event.action"), Some("block"));
        let e = parse("LEEF:1.0|V|P|1|ID|devTime=1767323045000\tsrc=bad").unwrap();
        assert_eq!(e.get_str("@timestamp"), Some("2026-01-02T03:04:05.000Z"));
        assert!(e.get("source").is_none());
        assert_eq!(e.get_str("leef.src"), Some("bad"));
    }

    #[test]
    fn short_and_broken_headers() {
        let e = parse("LEEF:1.0|V|P|1|ID").unwrap();
        assert_eq!(e.get_str("event.code"), Some("ID"));
        assert!(parse("LEEF:1.0|V|P").is_err());
        assert!(parse("no leef").is_err());
        assert_eq!(parse_delimiter("xZZ"), None);
        assert_eq!(parse_delimiter("x110000"), None);
        assert_eq!(parse_delimiter("ab"), None);
    }
}
