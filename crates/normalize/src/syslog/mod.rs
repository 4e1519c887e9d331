//! Syslog: RFC 5424, RFC 3164 (BSD), and a parser that picks between them per line.
//!
//! Both grammars reduce to one [`Header`], applied to the event by one function, so the ECS
//! mapping of PRI, host and process cannot drift between them. CEF, LEEF and key=value
//! records that arrive inside a syslog envelope reuse the same header parsing.

mod payload;
pub(crate) mod rfc3164;
pub(crate) mod rfc5424;

pub use rfc3164::Rfc3164Parser;
pub use rfc5424::Rfc5424Parser;

use crate::{fields, ParseError, ParseOptions, Parser, RecordMeta};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use steward_model::{ecs, Event};

pub(crate) const DATASET: &str = "syslog";

const FACILITIES: [&str; 24] = [
    "kern",
    "user",
    "mail",
    "daemon",
    "auth",
    "syslog",
    "lpr",
    "news",
    "uucp",
    "cron",
    "authpriv",
    "ftp",
    "ntp",
    "security",
    "console",
    "solaris-cron",
    "local0",
    "local1",
    "local2",
    "local3",
    "local4",
    "local5",
    "local6",
    "local7",
];

const SEVERITIES: [&str; 8] = [
    "emergency",
    "alert",
    "critical",
    "error",
    "warning",
    "notice",
    "informational",
    "debug",
];

/// What a syslog header said, borrowed from the line.
#[derive(Debug, Default)]
pub(crate) struct Header<'a> {
    pub pri: Option<u8>,
    pub version: Option<&'a str>,
    pub timestamp: Option<DateTime<Utc>>,
    pub hostname: Option<&'a str>,
    pub appname: Option<&'a str>,
    pub procid: Option<&'a str>,
    pub msgid: Option<&'a str>,
    pub structured_data: Option<Map<String, Value>>,
    /// Everything after the header.
    pub msg: &'a str,
}

/// `<PRI>` at the start of `b`: its value (0..=191) and the bytes it took.
pub(crate) fn scan_pri(b: &[u8]) -> Option<(u8, usize)> {
    if b.first() != Some(&b'<') {
        return None;
    }
    let mut value = 0u16;
    let mut i = 1;
    while i < 4 {
        match b.get(i) {
            Some(c) if c.is_ascii_digit() => value = value * 10 + u16::from(c - b'0'),
            _ => break,
        }
        i += 1;
    }
    if i == 1 || b.get(i) != Some(&b'>') {
        return None;
    }
    let value = u8::try_from(value).ok().filter(|v| *v <= 191)?;
    Some((value, i + 1))
}

/// `<PRI>VERSION ` — the only reliable tell of RFC 5424.
pub(crate) fn looks_like_5424(b: &[u8]) -> bool {
    let Some((_, at)) = scan_pri(b) else {
        return false;
    };
    match (b.get(at), b.get(at + 1), b.get(at + 2)) {
        (Some(d), Some(b' '), _) if d.is_ascii_digit() && *d != b'0' => true,
        (Some(d1), Some(d2), Some(b' ')) => {
            d1.is_ascii_digit() && *d1 != b'0' && d2.is_ascii_digit()
        }
        _ => false,
    }
}

/// Parses a syslog header of either kind.
pub(crate) fn parse_any<'a>(
    line: &'a str,
    opts: &ParseOptions,
    meta: &RecordMeta,
) -> Result<Header<'a>, ParseError> {
    if looks_like_5424(line.as_bytes()) {
        rfc5424::parse_header(line, opts.timezone)
    } else {
        rfc3164::parse_header(line, opts, meta.received)
    }
}

/// Writes the header's ECS fields into `event`; returns the MSG part.
///
/// `log.syslog` is assembled as one object and set once: every dotted-path `set` allocates
/// its path segments again, and on the busiest listeners that was most of the parse cost.
pub(crate) fn apply_header<'a>(header: Header<'a>, event: &mut Event) -> &'a str {
    let mut syslog = Map::new();
    let mut put = |key: &str, value: Value| {
        syslog.insert(key.to_owned(), value);
    };
    if let Some(pri) = header.pri {
        let facility = pri >> 3;
        let severity = pri & 7;
        put("priority", pri.into());
        let code_and_name = |code: u8, name: Option<&&str>| {
            let mut object = Map::new();
            object.insert("code".to_owned(), code.into());
            if let Some(name) = name {
                object.insert("name".to_owned(), (*name).into());
            }
            Value::Object(object)
        };
        put(
            "facility",
            code_and_name(facility, FACILITIES.get(usize::from(facility))),
        );
        let severity_name = SEVERITIES.get(usize::from(severity));
        put("severity", code_and_name(severity, severity_name));
        if let Some(name) = severity_name {
            event.set(ecs::LOG_LEVEL, *name);
        }
    }
    if let Some(version) = header.version {
        put("version", version.into());
    }
    if let Some(host) = header.hostname.and_then(fields::present) {
        put("hostname", host.into());
    }
    if let Some(app) = header.appname.and_then(fields::present) {
        put("appname", app.into());
    }
    if let Some(procid) = header.procid.and_then(fields::present) {
        put("procid", procid.into());
    }
    if let Some(msgid) = header.msgid.and_then(fields::present) {
        put("msgid", msgid.into());
    }
    if let Some(sd) = header.structured_data.filter(|sd| !sd.is_empty()) {
        put("structured_data", Value::Object(sd));
    }
    if !syslog.is_empty() {
        event.set("log.syslog", Value::Object(syslog));
    }

    if let Some(t) = header.timestamp {
        event.set_timestamp(ecs::TIMESTAMP, t);
    }
    if let Some(host) = header.hostname.and_then(fields::present) {
        event.set(ecs::HOST_HOSTNAME, host);
        fields::set_host(event, ecs::HOST_NAME, host);
    }
    if let Some(app) = header.appname.and_then(fields::present) {
        event.set("process.name", app);
    }
    if let Some(procid) = header.procid.and_then(fields::present) {
        fields::set_count(event, "process.pid", procid);
    }
    header.msg
}

/// Applies a parsed header, then the message and any JSON or key=value payload in it.
pub(crate) fn finish(header: Header, opts: &ParseOptions, meta: &RecordMeta, event: &mut Event) {
    let msg = apply_header(header, event);
    let msg = msg.strip_prefix('\u{feff}').unwrap_or(msg);
    if !msg.is_empty() {
        event.set(ecs::MESSAGE, msg);
        payload::merge_embedded(msg, opts, meta, event);
    }
}

/// Parses only the syslog header of `line` (RFC 5424 or 3164): time, host, app, pid and
/// `log.syslog.*`, with the rest in `message`. Unlike [`SyslogParser`] it leaves the
/// payload alone, for device families that map it themselves.
pub fn parse_envelope(
    line: &str,
    opts: &ParseOptions,
    meta: &RecordMeta,
    event: &mut Event,
) -> Result<(), ParseError> {
    let header = parse_any(line, opts, meta)?;
    let msg = apply_header(header, event);
    event.set(ecs::MESSAGE, msg.strip_prefix('\u{feff}').unwrap_or(msg));
    Ok(())
}

/// Picks RFC 5424 or RFC 3164 per line, for listeners that receive both.
#[derive(Clone, Copy, Debug, Default)]
pub struct SyslogParser;

impl Parser for SyslogParser {
    fn name(&self) -> &str {
        "syslog"
    }

    fn dataset(&self) -> &str {
        DATASET
    }

    fn detect(&self, line: &str) -> u8 {
        // Just below the specific parsers, so auto-detection names the precise grammar.
        Rfc5424Parser
            .detect(line)
            .max(Rfc3164Parser.detect(line))
            .saturating_sub(1)
    }

    fn parse(
        &self,
        line: &str,
        opts: &ParseOptions,
        meta: &RecordMeta,
        event: &mut Event,
    ) -> Result<(), ParseError> {
        let header = parse_any(line, opts, meta)?;
        finish(header, opts, meta, event);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pri_bounds() {
        assert_eq!(scan_pri(b"<0>x"), Some((0, 3)));
        assert_eq!(scan_pri(b"<191>"), Some((191, 5)));
        assert_eq!(scan_pri(b"<192>"), None);
        assert_eq!(scan_pri(b"<>"), None);
        assert_eq!(scan_pri(b"<1234>"), None);
        assert_eq!(scan_pri(b"<12"), None);
        assert!(looks_like_5424(b"<34>1 2003"));
        assert!(looks_like_5424(b"<34>12 2003"));
        assert!(!looks_like_5424(b"<34>Oct 11"));
        assert!(!looks_like_5424(b"<34>0 x"));
        assert!(!looks_like_5424(b"<34>1"));
    }

    #[test]
    fn syslog_parser_routes_by_header() {
        let opts = ParseOptions::default();
        let meta = RecordMeta::received_at(chrono::Utc::now());
        let mut e = Event::new();
        SyslogParser
            .parse("<34>1 - host app - - - hi", &opts, &meta, &mut e)
            .unwrap();
        assert_eq!(e.get_str("log.syslog.version"), Some("1"));
        let mut e = Event::new();
        SyslogParser
            .parse("<34>Oct 11 22:14:15 host su: hi", &opts, &meta, &mut e)
            .unwrap();
        assert_eq!(e.get_str("process.name"), Some("su"));
        assert!(e.get("log.syslog.version").is_none());
    }
}
