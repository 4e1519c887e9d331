//! RFC 5424: `<PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]`.
//!
//! Scanned byte by byte without regexes or intermediate strings: this is the format of the
//! busiest listeners. Slices are only ever cut at ASCII delimiters, which are always char
//! boundaries in UTF-8, so the scan is safe on any `&str`.

use super::{finish, looks_like_5424, scan_pri, Header, DATASET};
use crate::fields::bounded_key;
use crate::timefmt::parse_rfc3339;
use crate::{ParseError, ParseOptions, Parser, RecordMeta};
use chrono_tz::Tz;
use serde_json::{Map, Value};
use steward_model::Event;

#[derive(Clone, Copy, Debug, Default)]
pub struct Rfc5424Parser;

impl Parser for Rfc5424Parser {
    fn name(&self) -> &str {
        "rfc5424"
    }

    fn dataset(&self) -> &str {
        DATASET
    }

    fn detect(&self, line: &str) -> u8 {
        if looks_like_5424(line.as_bytes()) {
            90
        } else {
            0
        }
    }

    fn parse(
        &self,
        line: &str,
        opts: &ParseOptions,
        meta: &RecordMeta,
        event: &mut Event,
    ) -> Result<(), ParseError> {
        let header = parse_header(line, opts.timezone)?;
        finish(header, opts, meta, event);
        Ok(())
    }
}

/// The next space-delimited field at `pos` and the position after its delimiter. A line
/// that ends early yields empty fields, so a truncated header keeps what it had.
fn field(line: &str, pos: usize) -> (&str, usize) {
    let rest = line.get(pos..).unwrap_or("");
    match rest.as_bytes().iter().position(|&c| c == b' ') {
        Some(n) => (&rest[..n], pos + n + 1),
        None => (rest, line.len()),
    }
}

fn nil(value: &str) -> Option<&str> {
    (!value.is_empty() && value != "-").then_some(value)
}

pub(crate) fn parse_header(line: &str, tz: Tz) -> Result<Header<'_>, ParseError> {
    let b = line.as_bytes();
    let (pri, mut pos) =
        scan_pri(b).ok_or_else(|| ParseError::at(0, "expected <PRI> with a value 0-191"))?;
    let version_start = pos;
    while pos < b.len() && b[pos].is_ascii_digit() && pos - version_start < 2 {
        pos += 1;
    }
    if pos == version_start || b[version_start] == b'0' {
        return Err(ParseError::at(version_start, "expected VERSION after PRI"));
    }
    let mut header = Header {
        pri: Some(pri),
        version: Some(&line[version_start..pos]),
        ..Header::default()
    };
    match b.get(pos) {
        None => return Ok(header),
        Some(b' ') => pos += 1,
        Some(_) => return Err(ParseError::at(pos, "expected a space after VERSION")),
    }

    let (stamp, next) = field(line, pos);
    if let Some(stamp) = nil(stamp) {
        let t = parse_rfc3339(stamp, tz)
            .ok_or_else(|| ParseError::at(pos, format!("invalid TIMESTAMP {stamp:?}")))?;
        header.timestamp = Some(t);
    }
    let (host, next) = field(line, next);
    let (app, next) = field(line, next);
    let (procid, next) = field(line, next);
    let (msgid, next) = field(line, next);
    header.hostname = nil(host);
    header.appname = nil(app);
    header.procid = nil(procid);
    header.msgid = nil(msgid);

    pos = next;
    match b.get(pos) {
        Some(b'-') if matches!(b.get(pos + 1), None | Some(b' ')) => pos += 1,
        Some(b'[') => {
            // Malformed or cut-off structured data stays readable as part of MSG rather
            // than costing the whole header.
            if let Some((sd, end)) = parse_structured_data(line, pos) {
                header.structured_data = Some(sd);
                pos = end;
            }
        }
        // Senders that omit STRUCTURED-DATA altogether: what follows is MSG.
        _ => {}
    }
    if b.get(pos) == Some(&b' ') {
        pos += 1;
    }
    header.msg = line.get(pos..).unwrap_or("");
    Ok(header)
}

/// `[id name="value" ...][id2 ...]` starting at `start`: `{id: {name: value}}` and the end.
fn parse_structured_data(line: &str, start: usize) -> Option<(Map<String, Value>, usize)> {
    let b = line.as_bytes();
    let mut pos = start;
    let mut sd = Map::new();
    let mut dotted = false;
    while b.get(pos) == Some(&b'[') {
        pos += 1;
        let id_start = pos;
        while pos < b.len() && !matches!(b[pos], b' ' | b']' | b'=' | b'"') {
            pos += 1;
        }
        if pos == id_start {
            return None;
        }
        let id = &line[id_start..pos];
        let mut params = Map::new();
        loop {
            match b.get(pos)? {
                b']' => {
                    pos += 1;
                    break;
                }
                b' ' => {
                    pos += 1;
                    continue;
                }
                _ => {}
            }
            let name_start = pos;
            while pos < b.len() && !matches!(b[pos], b'=' | b' ' | b']' | b'"') {
                pos += 1;
            }
            if pos == name_start || b.get(pos) != Some(&b'=') || b.get(pos + 1) != Some(&b'"') {
                return None;
            }
            let name = &line[name_start..pos];
            pos += 2;
            let value_start = pos;
            let mut escaped = false;
            loop {
                match b.get(pos)? {
                    b'\\' => {
                        escaped = true;
                        pos += 2;
                    }
                    b'"' => break,
                    _ => pos += 1,
                }
            }
            let raw = &line[value_start..pos];
            pos += 1;
            let value = if escaped {
                unescape_param(raw)
            } else {
                raw.to_owned()
            };
            dotted |= name.contains('.');
            add_param(&mut params, &bounded_key(name), value);
        }
        dotted |= id.contains('.');
        match sd.get_mut(id) {
            // The same SD-ID twice: one object with both elements' parameters.
            Some(Value::Object(existing)) => {
                for (name, value) in params {
                    add_value(existing, name, value);
                }
            }
            _ => {
                sd.insert(bounded_key(id).into_owned(), Value::Object(params));
            }
        }
    }
    if dotted {
        // Dotted names must nest like every other document key, or paths cannot reach them.
        sd = Event::from_object(sd).into_object();
    }
    Some((sd, pos))
}

fn add_param(params: &mut Map<String, Value>, name: &str, value: String) {
    add_value(params, name.to_owned(), Value::String(value));
}

/// RFC 5424 lets a parameter repeat; repeats become an array rather than overwriting.
fn add_value(params: &mut Map<String, Value>, name: String, value: Value) {
    match params.get_mut(&name) {
        Some(Value::Array(items)) => items.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
        None => {
            params.insert(name, value);
        }
    }
}

/// Only `\"`, `\\` and `\]` are escapes in PARAM-VALUE; any other backslash is literal.
fn unescape_param(raw: &str) -> String {
    crate::escape::unescape(raw, &['"', '\\', ']'], false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    fn parse(line: &str) -> Result<Event, ParseError> {
        let opts = ParseOptions::default();
        let meta = RecordMeta::received_at(Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap());
        let mut e = Event::new();
        Rfc5424Parser.parse(line, &opts, &meta, &mut e).map(|()| e)
    }

    #[test]
    fn rfc_example_1_bom_and_msgid() {
        let e = parse(
            "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \u{feff}'su root' failed for lonvick on /dev/pts/8",
        )
        .unwrap();
        assert_eq!(e.get_i64("log.syslog.priority"), Some(34));
        assert_eq!(e.get_i64("log.syslog.facility.code"), Some(4));
        assert_eq!(e.get_str("log.syslog.facility.name"), Some("auth"));
        assert_eq!(e.get_i64("log.syslog.severity.code"), Some(2));
        assert_eq!(e.get_str("log.syslog.severity.name"), Some("critical"));
        assert_eq!(e.get_str("log.level"), Some("critical"));
        assert_eq!(e.get_str("log.syslog.version"), Some("1"));
        assert_eq!(e.get_str("@timestamp"), Some("2003-10-11T22:14:15.003Z"));
        assert_eq!(e.get_str("host.hostname"), Some("mymachine.example.com"));
        assert_eq!(e.get_str("host.name"), Some("mymachine.example.com"));
        assert_eq!(
            e.get_str("log.syslog.hostname"),
            Some("mymachine.example.com")
        );
        assert_eq!(e.get_str("process.name"), Some("su"));
        assert_eq!(e.get_str("log.syslog.appname"), Some("su"));
        assert!(e.get("log.syslog.procid").is_none());
        assert_eq!(e.get_str("log.syslog.msgid"), Some("ID47"));
        assert_eq!(
            e.get_str("message"),
            Some("'su root' failed for lonvick on /dev/pts/8")
        );
        assert_eq!(
            e.get("related.hosts"),
            Some(&json!(["mymachine.example.com"]))
        );
    }

    #[test]
    fn rfc_example_2_offset_and_pid() {
        let e = parse(
            "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
        )
        .unwrap();
        assert_eq!(e.get_str("@timestamp"), Some("2003-08-24T12:14:15.000003Z"));
        assert_eq!(e.get_str("log.syslog.facility.name"), Some("local4"));
        assert_eq!(e.get_str("log.syslog.severity.name"), Some("notice"));
        assert_eq!(e.get_str("log.syslog.procid"), Some("8710"));
        assert_eq!(e.get("process.pid"), Some(&json!(8710)));
        assert_eq!(
            e.get_str("message"),
            Some("%% It's time to make the do-nuts.")
        );
    }

    #[test]
    fn rfc_examples_3_and_4_structured_data() {
        let e = parse(
            r#"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] An application event log entry..."#,
        )
        .unwrap();
        assert_eq!(
            e.get("log.syslog.structured_data"),
            Some(
                &json!({"exampleSDID@32473": {"iut": "3", "eventSource": "Application", "eventID": "1011"}})
            )
        );
        assert_eq!(
            e.get_str("message"),
            Some("An application event log entry...")
        );

        let e = parse(
            r#"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]"#,
        )
        .unwrap();
        assert_eq!(
            e.get_str("log.syslog.structured_data.examplePriority@32473.class"),
            Some("high")
        );
        assert!(e.get("message").is_none());
    }

    #[test]
    fn structured_data_escapes_repeats_and_dots() {
        let e = parse(
            r#"<13>1 - - - - - [a@1 q="say \"hi\"" b="back\\slash" c="x\]y" d="\n" r="1" r="2"][origin.x ip="10.0.0.1"] m"#,
        )
        .unwrap();
        let sd = "log.syslog.structured_data";
        assert_eq!(e.get_str(&format!("{sd}.a@1.q")), Some(r#"say "hi""#));
        assert_eq!(e.get_str(&format!("{sd}.a@1.b")), Some(r"back\slash"));
        assert_eq!(e.get_str(&format!("{sd}.a@1.c")), Some("x]y"));
        assert_eq!(e.get_str(&format!("{sd}.a@1.d")), Some(r"\n"));
        assert_eq!(e.get(&format!("{sd}.a@1.r")), Some(&json!(["1", "2"])));
        assert_eq!(e.get_str(&format!("{sd}.origin.x.ip")), Some("10.0.0.1"));
        assert_eq!(e.get_str("message"), Some("m"));
    }

    #[test]
    fn nil_values_everywhere() {
        let e = parse("<13>1 - - - - - -").unwrap();
        assert!(e.get("@timestamp").is_none());
        assert!(e.get("host").is_none());
        assert!(e.get("process").is_none());
        assert!(e.get("message").is_none());
        assert_eq!(e.get_i64("log.syslog.priority"), Some(13));
    }

    #[test]
    fn truncated_and_malformed_lines() {
        // Cut inside the header: keep what arrived.
        let e = parse("<13>1 2026-01-01T00:00:00Z web01 ap").unwrap();
        assert_eq!(e.get_str("host.name"), Some("web01"));
        assert_eq!(e.get_str("process.name"), Some("ap"));
        // Cut inside structured data: the rest reads as MSG.
        let e = parse(r#"<13>1 - h a - - [x@1 k="v"#).unwrap();
        assert_eq!(e.get_str("message"), Some(r#"[x@1 k="v"#));
        assert!(e.get("log.syslog.structured_data").is_none());
        // No STRUCTURED-DATA field at all.
        let e = parse("<13>1 - h a - - hello there").unwrap();
        assert_eq!(e.get_str("message"), Some("hello there"));
        assert!(parse("<13>1").is_ok());

        let err = parse("<13>1 2026-99-01T00:00:00Z h a - - - m").unwrap_err();
        assert_eq!(err.position, Some(6));
        assert!(parse("13>1 - - - - - -").is_err());
        assert!(parse("<200>1 - - - - - -").is_err());
        assert!(parse("<13>x - - - - - -").is_err());
        assert!(parse("<13>1x").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn detects_only_5424_headers() {
        assert_eq!(Rfc5424Parser.detect("<34>1 2003-10-11T22:14:15.003Z h"), 90);
        assert_eq!(Rfc5424Parser.detect("<34>Oct 11 22:14:15 h"), 0);
        assert_eq!(Rfc5424Parser.detect("hello"), 0);
    }
}
