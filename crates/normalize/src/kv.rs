//! `key=value key2="quoted value" key3='x'` lines, optionally behind a syslog header.
//!
//! Keys the pipeline cares about are recognised under their common spellings; everything
//! else is kept as `labels.<key>`, so no information is lost to an unknown vocabulary.

use crate::fields::{self, flat_key};
use crate::{syslog, ParseError, ParseOptions, Parser, RecordMeta};
use steward_model::{ecs, Event};

#[derive(Clone, Copy, Debug, Default)]
pub struct KvParser;

impl Parser for KvParser {
    fn name(&self) -> &str {
        "kv"
    }

    fn dataset(&self) -> &str {
        "kv"
    }

    fn detect(&self, line: &str) -> u8 {
        if count_pairs(line, 2) >= 2 {
            40
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
        let body = match syslog::parse_any(line, opts, meta) {
            Ok(header) => syslog::apply_header(header, event),
            Err(_) => line,
        };
        let body = body.strip_prefix('\u{feff}').unwrap_or(body);
        let (count, message) = apply_pairs(body, Mode::Standalone, event);
        if count == 0 {
            return Err(ParseError::new("no key=value pairs found"));
        }
        event.set(ecs::MESSAGE, message.unwrap_or_else(|| body.to_owned()));
        Ok(())
    }
}

/// One `key=value`, borrowed from the line; `raw` is still escaped when `quote` is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pair<'a> {
    pub key: &'a str,
    pub raw: &'a str,
    pub quote: Option<u8>,
}

impl Pair<'_> {
    pub(crate) fn value(&self) -> String {
        match self.quote {
            Some(_) if self.raw.contains('\\') => unescape(self.raw),
            _ => self.raw.to_owned(),
        }
    }
}

/// Iterates the pairs of a line without allocating; words that are not pairs are skipped.
pub(crate) struct Pairs<'a> {
    line: &'a str,
    pos: usize,
}

impl<'a> Pairs<'a> {
    pub(crate) fn new(line: &'a str) -> Self {
        Self { line, pos: 0 }
    }
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t')
}

fn is_key_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.')
}

impl<'a> Iterator for Pairs<'a> {
    type Item = Pair<'a>;

    fn next(&mut self) -> Option<Pair<'a>> {
        let line = self.line;
        let b = line.as_bytes();
        loop {
            while self.pos < b.len() && is_space(b[self.pos]) {
                self.pos += 1;
            }
            if self.pos >= b.len() {
                return None;
            }
            let start = self.pos;
            if b[start].is_ascii_alphanumeric() || b[start] == b'_' {
                let mut i = start;
                while i < b.len() && is_key_char(b[i]) {
                    i += 1;
                }
                if b.get(i) == Some(&b'=') {
                    let key = &line[start..i];
                    let value_start = i + 1;
                    return Some(match b.get(value_start) {
                        Some(&q @ (b'"' | b'\'')) => {
                            let mut j = value_start + 1;
                            while j < b.len() && b[j] != q {
                                j += if b[j] == b'\\' { 2 } else { 1 };
                            }
                            // An unterminated quote (a cut-off record) runs to the end.
                            let end = j.min(b.len());
                            self.pos = (end + 1).min(b.len());
                            Pair {
                                key,
                                raw: &line[value_start + 1..end],
                                quote: Some(q),
                            }
                        }
                        _ => {
                            let end = b[value_start..]
                                .iter()
                                .position(|&c| is_space(c))
                                .map_or(b.len(), |n| value_start + n);
                            self.pos = end;
                            Pair {
                                key,
                                raw: &line[value_start..end],
                                quote: None,
                            }
                        }
                    });
                }
            }
            // Free text between pairs.
            while self.pos < b.len() && !is_space(b[self.pos]) {
                self.pos += 1;
            }
        }
    }
}

pub(crate) fn count_pairs(line: &str, limit: usize) -> usize {
    Pairs::new(line).take(limit).count()
}

fn unescape(raw: &str) -> String {
    crate::escape::unescape(raw, &['"', '\'', '\\'], false)
}

/// Whether the pairs are the whole record or a payload inside a syslog MSG (whose text is
/// already the event's message, so a `msg` key must not replace it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Standalone,
    Embedded,
}

#[derive(Clone, Copy, Debug)]
enum Target {
    SourceIp,
    DestinationIp,
    SourcePort,
    DestinationPort,
    User,
    Action,
    Transport,
    Message,
    Host,
}

const KEYS: &[(&str, Target)] = &[
    ("src", Target::SourceIp),
    ("srcip", Target::SourceIp),
    ("src_ip", Target::SourceIp),
    ("source", Target::SourceIp),
    ("sip", Target::SourceIp),
    ("dst", Target::DestinationIp),
    ("dstip", Target::DestinationIp),
    ("dst_ip", Target::DestinationIp),
    ("dip", Target::DestinationIp),
    ("spt", Target::SourcePort),
    ("sport", Target::SourcePort),
    ("srcport", Target::SourcePort),
    ("src_port", Target::SourcePort),
    ("dpt", Target::DestinationPort),
    ("dport", Target::DestinationPort),
    ("dstport", Target::DestinationPort),
    ("dst_port", Target::DestinationPort),
    ("user", Target::User),
    ("username", Target::User),
    ("usrname", Target::User),
    ("suser", Target::User),
    ("action", Target::Action),
    ("act", Target::Action),
    ("proto", Target::Transport),
    ("protocol", Target::Transport),
    ("msg", Target::Message),
    ("message", Target::Message),
    ("host", Target::Host),
    ("hostname", Target::Host),
    ("devname", Target::Host),
];

fn target(key: &str) -> Option<Target> {
    KEYS.iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(key))
        .map(|(_, t)| *t)
}

/// Maps every pair of `text` into `event`; returns the number of pairs and, in standalone
/// mode, the value of a message key.
pub(crate) fn apply_pairs(text: &str, mode: Mode, event: &mut Event) -> (usize, Option<String>) {
    let mut count = 0;
    let mut message = None;
    for pair in Pairs::new(text) {
        count += 1;
        let value = pair.value();
        let mapped = match target(pair.key) {
            Some(Target::SourceIp) => fields::set_ip(event, ecs::SOURCE_IP, &value),
            Some(Target::DestinationIp) => fields::set_ip(event, ecs::DESTINATION_IP, &value),
            Some(Target::SourcePort) => fields::set_port(event, ecs::SOURCE_PORT, &value),
            Some(Target::DestinationPort) => fields::set_port(event, ecs::DESTINATION_PORT, &value),
            Some(Target::User) => fields::set_user(event, ecs::USER_NAME, &value),
            Some(Target::Action) => fields::set_keyword(event, ecs::EVENT_ACTION, &value),
            Some(Target::Transport) => fields::set_transport(event, &value),
            Some(Target::Host) => fields::set_host(event, ecs::HOST_NAME, &value),
            Some(Target::Message) if mode == Mode::Standalone => {
                message = Some(value.clone());
                true
            }
            Some(Target::Message) | None => false,
        };
        if !mapped {
            event.set(&format!("labels.{}", flat_key(pair.key)), value);
        }
    }
    (count, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(line: &str) -> Result<Event, ParseError> {
        crate::parser::parse_for_test(&KvParser, line)
    }

    #[test]
    fn tokenizer_handles_quotes_and_free_text() {
        let pairs: Vec<_> = Pairs::new(r#"a=1 word b="x y" c='z' d= e="q\"q" (u=0) f"#)
            .map(|p| (p.key, p.value()))
            .collect();
        assert_eq!(
            pairs,
            vec![
                ("a", "1".to_owned()),
                ("b", "x y".to_owned()),
                ("c", "z".to_owned()),
                ("d", String::new()),
                ("e", "q\"q".to_owned()),
            ]
        );
        let pairs: Vec<_> = Pairs::new("a=\"unterminated b=2").map(|p| p.key).collect();
        assert_eq!(pairs, vec!["a"]);
        assert_eq!(count_pairs("a=\"x\\", 5), 1);
    }

    #[test]
    fn maps_common_keys_case_insensitively() {
        let e = parse(
            r#"SRC=10.0.0.1 DstIP=10.0.0.2 sport=1234 DPT=443 User=alice act=blocked Proto=TCP devname="fw 1" policy.id=7 src_port=x"#,
        )
        .unwrap();
        assert_eq!(e.get_str("source.ip"), Some("10.0.0.1"));
        assert_eq!(e.get_str("destination.ip"), Some("10.0.0.2"));
        assert_eq!(e.get("source.port"), Some(&json!(1234)));
        assert_eq!(e.get("destination.port"), Some(&json!(443)));
        assert_eq!(e.get_str("user.name"), Some("alice"));
        assert_eq!(e.get_str("event.action"), Some("blocked"));
        assert_eq!(e.get_str("network.transport"), Some("tcp"));
        assert_eq!(e.get_str("host.name"), Some("fw 1"));
        assert_eq!(e.get_str("labels.policy_id"), Some("7"));
        // A port that is not a port stays as a label.
        assert_eq!(e.get_str("labels.src_port"), Some("x"));
        assert_eq!(e.get("related.user"), Some(&json!(["alice"])));
        assert_eq!(e.get("related.hosts"), Some(&json!(["fw 1"])));
        assert!(e.get_str("message").unwrap().starts_with("SRC="));
    }

    #[test]
    fn invalid_ips_stay_as_labels_and_msg_becomes_message() {
        let e = parse("src=not-an-ip dst=10.0.0.500 msg='hello there'").unwrap();
        assert!(e.get("source").is_none());
        assert_eq!(e.get_str("labels.src"), Some("not-an-ip"));
        assert_eq!(e.get_str("labels.dst"), Some("10.0.0.500"));
        assert_eq!(e.get_str("message"), Some("hello there"));
        assert!(e.get("related").is_none());
    }

    #[test]
    fn syslog_header_prefix() {
        let e = parse(
            "<189>Mar  1 10:00:00 fw01 date=2026-03-01 devname=fw01 srcip=192.0.2.7 dstport=22",
        )
        .unwrap();
        assert_eq!(e.get_i64("log.syslog.priority"), Some(189));
        assert_eq!(e.get_str("@timestamp"), Some("2026-03-01T10:00:00.000Z"));
        assert_eq!(e.get_str("source.ip"), Some("192.0.2.7"));
        assert_eq!(e.get_str("labels.date"), Some("2026-03-01"));
        assert_eq!(
            e.get_str("message"),
            Some("date=2026-03-01 devname=fw01 srcip=192.0.2.7 dstport=22")
        );
        let e = parse("<13>1 2026-03-01T10:00:00Z h app - - - a=1 b=2").unwrap();
        assert_eq!(e.get_str("labels.a"), Some("1"));
        assert_eq!(e.get_str("process.name"), Some("app"));
    }

    #[test]
    fn no_pairs_is_an_error() {
        assert!(parse("just words here").is_err());
        assert!(parse("").is_err());
        assert!(parse("=== ==").is_err());
    }

    #[test]
    fn detection_needs_two_pairs() {
        assert_eq!(KvParser.detect("a=1 b=2"), 40);
        assert_eq!(KvParser.detect("a=1 and more"), 0);
        assert_eq!(KvParser.detect("nothing"), 0);
    }
}
