//! ArcSight Common Event Format:
//! `CEF:Version|Device Vendor|Device Product|Device Version|Device Event Class ID|Name|Severity|Extension`.
//!
//! Follows Elastic's `decode_cef` conventions: every extension is kept verbatim under
//! `cef.extensions.<key>` and the well-known ones are also mapped to ECS, so rules written
//! against either vocabulary work. Extension keys are accepted in their short and long
//! (dictionary) spellings.

use crate::delimited::{
    apply_syslog_prefix, find_marker, marker_score, set_namespace, set_observer, set_severity,
    split_header, unescape_value, ExtPairs,
};
use crate::fields::{
    set_count, set_host, set_ip, set_keyword, set_mac, set_outcome, set_port, set_transport,
    set_user,
};
use crate::timefmt::parse_device_time;
use crate::{ParseError, ParseOptions, Parser, RecordMeta};
use serde_json::{Map, Value};
use steward_model::{ecs, Event};

const MARKER: &str = "CEF:";

#[derive(Clone, Copy, Debug, Default)]
pub struct CefParser;

impl Parser for CefParser {
    fn name(&self) -> &str {
        "cef"
    }

    fn dataset(&self) -> &str {
        "cef"
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
            .ok_or_else(|| ParseError::at(0, "no CEF:<version> header found"))?;
        let text = &line[at + MARKER.len()..];
        let (header, rest) = split_header(text, 7);
        // The pipe after Severity is required by the spec but often missing when there is no
        // extension; seven fields are enough to go on.
        if header.len() < 7 {
            return Err(ParseError::at(
                at,
                format!(
                    "CEF header needs 7 |-separated fields, found {}",
                    header.len()
                ),
            ));
        }
        let extension = rest.map_or("", |r| &text[r..]);

        apply_syslog_prefix(&line[..at], opts, meta, event);

        let [version, vendor, product, device_version, class_id, name, severity] =
            [0, 1, 2, 3, 4, 5, 6].map(|i| header[i].trim());
        event.set("cef.version", version);
        event.set("cef.device.vendor", vendor);
        event.set("cef.device.product", product);
        event.set("cef.device.version", device_version);
        event.set("cef.device.event_class_id", class_id);
        event.set("cef.name", name);
        event.set("cef.severity", severity);
        set_observer(event, vendor, product, device_version);
        set_keyword(event, "event.code", class_id);
        set_severity(event, severity);

        let mut extensions = Map::new();
        let mut message = None;
        for (key, raw) in ExtPairs::new(extension) {
            let value = unescape_value(raw);
            if matches!(key, "msg" | "message") {
                message = Some(value.clone());
            } else {
                map_extension(key, &value, opts, meta, event);
            }
            extensions.insert(key.to_owned(), Value::String(value));
        }
        set_namespace(event, "cef.extensions", extensions);
        match message.filter(|m| !m.trim().is_empty()) {
            Some(msg) => event.set(ecs::MESSAGE, msg),
            None => {
                set_keyword(event, ecs::MESSAGE, name);
            }
        }
        Ok(())
    }
}

fn set_time(
    event: &mut Event,
    path: &str,
    value: &str,
    opts: &ParseOptions,
    meta: &RecordMeta,
) -> bool {
    match parse_device_time(value, opts, meta.received) {
        Some(t) => {
            event.set_timestamp(path, t);
            true
        }
        None => false,
    }
}

/// Maps one well-known extension to ECS; false when the key is not one or the value does not
/// fit the ECS type (it is still kept under `cef.extensions`).
fn map_extension(
    key: &str,
    value: &str,
    opts: &ParseOptions,
    meta: &RecordMeta,
    e: &mut Event,
) -> bool {
    match key {
        "src" | "sourceAddress" => set_ip(e, ecs::SOURCE_IP, value),
        "dst" | "destinationAddress" => set_ip(e, ecs::DESTINATION_IP, value),
        "spt" | "sourcePort" => set_port(e, ecs::SOURCE_PORT, value),
        "dpt" | "destinationPort" => set_port(e, ecs::DESTINATION_PORT, value),
        "smac" | "sourceMacAddress" => set_mac(e, "source.mac", value),
        "dmac" | "destinationMacAddress" => set_mac(e, "destination.mac", value),
        "shost" | "sourceHostName" => set_host(e, "source.domain", value),
        "dhost" | "destinationHostName" => set_host(e, "destination.domain", value),
        "suser" | "sourceUserName" => set_user(e, "source.user.name", value),
        "duser" | "destinationUserName" => set_user(e, "destination.user.name", value),
        "suid" | "sourceUserId" => set_keyword(e, "source.user.id", value),
        "duid" | "destinationUserId" => set_keyword(e, "destination.user.id", value),
        "sproc" | "sourceProcessName" => set_keyword(e, "source.process.name", value),
        "dproc" | "destinationProcessName" => set_keyword(e, "destination.process.name", value),
        "spid" | "sourceProcessId" => set_count(e, "source.process.pid", value),
        "dpid" | "destinationProcessId" => set_count(e, "destination.process.pid", value),
        "act" | "deviceAction" => set_keyword(e, ecs::EVENT_ACTION, value),
        "outcome" | "eventOutcome" => set_outcome(e, value),
        "proto" | "transportProtocol" => set_transport(e, value),
        "app" | "applicationProtocol" => {
            set_keyword(e, "network.protocol", &value.to_ascii_lowercase())
        }
        "in" | "bytesIn" => set_count(e, "source.bytes", value),
        "out" | "bytesOut" => set_count(e, "destination.bytes", value),
        "request" | "requestURL" => set_keyword(e, "url.original", value),
        "requestMethod" => set_keyword(e, "http.request.method", value),
        "requestClientApplication" => set_keyword(e, "user_agent.original", value),
        "rt" | "deviceReceiptTime" => set_time(e, ecs::TIMESTAMP, value, opts, meta),
        "start" | "startTime" => set_time(e, "event.start", value, opts, meta),
        "end" | "endTime" => set_time(e, "event.end", value, opts, meta),
        "deviceExternalId" => set_keyword(e, "observer.serial_number", value),
        "dvchost" | "deviceHostName" => set_host(e, ecs::OBSERVER_HOSTNAME, value),
        "dvc" | "deviceAddress" => set_ip(e, ecs::OBSERVER_IP, value),
        "dvcmac" | "deviceMacAddress" => set_mac(e, "observer.mac", value),
        "fname" | "fileName" => set_keyword(e, "file.name", value),
        "filePath" => set_keyword(e, "file.path", value),
        "fsize" | "fileSize" => set_count(e, "file.size", value),
        "sourceTranslatedAddress" => set_ip(e, "source.nat.ip", value),
        "destinationTranslatedAddress" => set_ip(e, "destination.nat.ip", value),
        "sourceTranslatedPort" => set_port(e, "source.nat.port", value),
        "destinationTranslatedPort" => set_port(e, "destination.nat.port", value),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(line: &str) -> Result<Event, ParseError> {
        crate::parser::parse_for_test(&CefParser, line)
    }

    #[test]
    fn spec_example_and_ecs_mapping() {
        let e = parse(
            "CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232",
        )
        .unwrap();
        assert_eq!(e.get_str("cef.version"), Some("0"));
        assert_eq!(e.get_str("cef.device.vendor"), Some("Security"));
        assert_eq!(e.get_str("cef.device.product"), Some("threatmanager"));
        assert_eq!(e.get_str("cef.device.version"), Some("1.0"));
        assert_eq!(e.get_str("cef.device.event_class_id"), Some("100"));
        assert_eq!(e.get_str("cef.name"), Some("worm successfully stopped"));
        assert_eq!(e.get_str("cef.severity"), Some("10"));
        assert_eq!(e.get_str("observer.vendor"), Some("Security"));
        assert_eq!(e.get_str("observer.product"), Some("threatmanager"));
        assert_eq!(e.get_str("observer.version"), Some("1.0"));
        assert_eq!(e.get_str("event.code"), Some("100"));
        assert_eq!(e.get("event.severity"), Some(&json!(10)));
        assert_eq!(e.get_str("message"), Some("worm successfully stopped"));
        assert_eq!(e.get_str("source.ip"), Some("10.0.0.1"));
        assert_eq!(e.get_str("destination.ip"), Some("2.1.2.2"));
        assert_eq!(e.get("source.port"), Some(&json!(1232)));
        assert_eq!(e.get_str("cef.extensions.spt"), Some("1232"));
        assert_eq!(e.get("related.ip"), Some(&json!(["10.0.0.1", "2.1.2.2"])));
    }

    #[test]
    fn escapes_in_header_and_extension() {
        let e = parse(
            r"CEF:0|security|threatmanager|1.0|100|detected a \| in message|10|src=10.0.0.1 act=blocked a \= dst=1.1.1.1 msg=line1\nline2 cs1=C:\\temp cs1Label=Path",
        )
        .unwrap();
        assert_eq!(e.get_str("cef.name"), Some("detected a | in message"));
        assert_eq!(e.get_str("event.action"), Some("blocked a ="));
        assert_eq!(e.get_str("message"), Some("line1\nline2"));
        assert_eq!(e.get_str("cef.extensions.cs1"), Some(r"C:\temp"));
        assert_eq!(e.get_str("cef.extensions.cs1Label"), Some("Path"));
    }

    #[test]
    fn full_mapping_table() {
        let e = parse(concat!(
            "CEF:0|Vendor|Prod|2.1|4625|Logon failed|High|",
            "rt=1767323045000 start=Jan 02 2026 03:00:00 end=Jan 02 2026 03:04:05 ",
            "smac=00:11:22:33:44:55 dmac=66-77-88-99-aa-bb shost=ws1.corp dhost=dc1.corp ",
            "suser=alice duser=bob suid=S-1 duid=S-2 sproc=a.exe dproc=lsass.exe spid=10 dpid=20 ",
            "outcome=Failure proto=TCP app=HTTPS in=100 out=2000 ",
            "request=https://example.com/a?b=c requestMethod=POST requestClientApplication=Mozilla/5.0 (X11) ",
            "deviceExternalId=SN123 dvchost=fw1 dvc=192.0.2.1 fname=x.txt filePath=/tmp/x.txt fsize=42 ",
            "sourceTranslatedAddress=198.51.100.1 destinationTranslatedAddress=10.9.9.9 ",
            "sourceTranslatedPort=40000 destinationTranslatedPort=8443 cat=Auth fileHash=abc src=not-ip"
        ))
        .unwrap();
        assert_eq!(e.get_str("@timestamp"), Some("2026-01-02T03:04:05.000Z"));
        assert_eq!(e.get_str("event.start"), Some("2026-01-02T03:00:00.000Z"));
        assert_eq!(e.get_str("event.end"), Some("2026-01-02T03:04:05.000Z"));
        assert_eq!(e.get("event.severity"), Some(&json!(8)));
        assert_eq!(e.get_str("cef.severity"), Some("High"));
        assert_eq!(e.get_str("source.mac"), Some("00-11-22-33-44-55"));
        assert_eq!(e.get_str("destination.mac"), Some("66-77-88-99-AA-BB"));
        assert_eq!(e.get_str("source.domain"), Some("ws1.corp"));
        assert_eq!(e.get_str("destination.domain"), Some("dc1.corp"));
        assert_eq!(e.get_str("source.user.name"), Some("alice"));
        assert_eq!(e.get_str("destination.user.name"), Some("bob"));
        assert_eq!(e.get_str("source.user.id"), Some("S-1"));
        assert_eq!(e.get_str("destination.user.id"), Some("S-2"));
        assert_eq!(e.get_str("source.process.name"), Some("a.exe"));
        assert_eq!(e.get_str("destination.process.name"), Some("lsass.exe"));
        assert_eq!(e.get("source.process.pid"), Some(&json!(10)));
        assert_eq!(e.get_str("event.outcome"), Some("failure"));
        assert_eq!(e.get_str("network.transport"), Some("tcp"));
        assert_eq!(e.get_str("network.protocol"), Some("https"));
        assert_eq!(e.get("source.bytes"), Some(&json!(100)));
        assert_eq!(e.get("destination.bytes"), Some(&json!(2000)));
        assert_eq!(e.get_str("url.original"), Some("https://example.com/a?b=c"));
        assert_eq!(e.get_str("http.request.method"), Some("POST"));
        assert_eq!(e.get_str("user_agent.original"), Some("Mozilla/5.0 (X11)"));
        assert_eq!(e.get_str("observer.serial_number"), Some("SN123"));
        assert_eq!(e.get_str("observer.hostname"), Some("fw1"));
        assert_eq!(e.get_str("observer.ip"), Some("192.0.2.1"));
        assert_eq!(e.get_str("file.name"), Some("x.txt"));
        assert_eq!(e.get_str("file.path"), Some("/tmp/x.txt"));
        assert_eq!(e.get("file.size"), Some(&json!(42)));
        assert_eq!(e.get_str("source.nat.ip"), Some("198.51.100.1"));
        assert_eq!(e.get_str("destination.nat.ip"), Some("10.9.9.9"));
        assert_eq!(e.get("source.nat.port"), Some(&json!(40000)));
        assert_eq!(e.get("destination.nat.port"), Some(&json!(8443)));
        assert_eq!(e.get_str("cef.extensions.cat"), Some("Auth"));
        assert_eq!(e.get_str("cef.extensions.fileHash"), Some("abc"));
        // Not an IP: kept only in the vendor namespace.
        assert!(e.get("source.ip").is_none());
        assert_eq!(e.get_str("cef.extensions.src"), Some("not-ip"));
        assert_eq!(
            e.get("related.ip"),
            Some(&json!(["192.0.2.1", "198.51.100.1", "10.9.9.9"]))
        );
        assert_eq!(e.get("related.user"), Some(&json!(["alice", "bob"])));
        assert_eq!(
            e.get("related.hosts"),
            Some(&json!(["ws1.corp", "dc1.corp", "fw1"]))
        );
    }

    #[test]
    fn syslog_prefixes() {
        let e = parse("<134>Feb  1 10:00:00 sensor01 CEF:0|V|P|1|id|Name|3|src=10.0.0.1").unwrap();
        assert_eq!(e.get_i64("log.syslog.priority"), Some(134));
        assert_eq!(e.get_str("host.name"), Some("sensor01"));
        assert_eq!(e.get_str("@timestamp"), Some("2026-02-01T10:00:00.000Z"));
        assert_eq!(e.get_str("message"), Some("Name"));

        let e = parse(
            "<134>1 2026-02-01T10:00:00Z sensor01 cefd - - - CEF:0|V|P|1|id|Name|3|rt=Feb 01 2026 11:00:00 UTC",
        )
        .unwrap();
        assert_eq!(e.get_str("process.name"), Some("cefd"));
        // rt (device receipt time) wins over the envelope's time.
        assert_eq!(e.get_str("@timestamp"), Some("2026-02-01T11:00:00.000Z"));

        // A prefix that is not syslog is ignored.
        let e = parse("garbage CEF:0|V|P|1|id|Name|3|").unwrap();
        assert!(e.get("log").is_none());
    }

    #[test]
    fn missing_fields_and_extension() {
        let e = parse("CEF:0|V|P|1|id|Name|Low").unwrap();
        assert_eq!(e.get("event.severity"), Some(&json!(3)));
        assert!(e.get("cef.extensions").is_none());
        let e = parse("CEF:0|||||Name|x|").unwrap();
        assert!(e.get("observer").is_none());
        assert!(e.get("event.severity").is_none());
        let err = parse("<13>Jan 1 00:00:00 h CEF:0|V|P|1|id").unwrap_err();
        assert_eq!(err.position, Some(21));
        assert!(parse("not cef").is_err());
        assert!(parse("CEF:").is_err());
    }

    #[test]
    fn detection() {
        assert_eq!(CefParser.detect("CEF:0|a|b"), 95);
        assert_eq!(CefParser.detect("<13>1 - h a - - - CEF:0|a|b"), 95);
        assert_eq!(CefParser.detect("CEF:0 no pipes"), 0);
        assert_eq!(CefParser.detect("mentions CEF: in text"), 0);
    }
}
