//! RFC 3164 (BSD syslog): `<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG`.
//!
//! The RFC describes what relays see rather than a grammar senders follow, so this is
//! deliberately forgiving: PRI, host and tag may each be missing, the timestamp may be ISO
//! 8601, carry a year or a fraction. Only a line with neither PRI nor timestamp is refused,
//! since nothing would mark it as syslog at all.

use super::{finish, scan_pri, Header, DATASET};
use crate::timefmt::{resolve_bsd, scan_bsd, scan_rfc3339, Zone};
use crate::{ParseError, ParseOptions, Parser, RecordMeta};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use steward_model::Event;

/// Longest TAG accepted; the RFC says 32, real daemons go past it, a message word does not.
const MAX_TAG: usize = 128;

#[derive(Clone, Copy, Debug, Default)]
pub struct Rfc3164Parser;

impl Parser for Rfc3164Parser {
    fn name(&self) -> &str {
        "rfc3164"
    }

    fn dataset(&self) -> &str {
        DATASET
    }

    fn detect(&self, line: &str) -> u8 {
        let b = line.as_bytes();
        let (has_pri, mut pos) = match scan_pri(b) {
            Some((_, used)) => (true, used),
            None => (false, 0),
        };
        if has_pri && b.get(pos) == Some(&b' ') {
            pos += 1;
        }
        let rest = &b[pos.min(b.len())..];
        if scan_bsd(rest).is_some() {
            return 80;
        }
        if scan_rfc3339(rest, Tz::UTC).is_some() {
            // Without PRI an ISO timestamp opens many application logs too.
            return if has_pri { 80 } else { 30 };
        }
        if has_pri {
            50
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
        let header = parse_header(line, opts, meta.received)?;
        finish(header, opts, meta, event);
        Ok(())
    }
}

fn skip_spaces(b: &[u8], mut pos: usize) -> usize {
    while b.get(pos) == Some(&b' ') {
        pos += 1;
    }
    pos
}

pub(crate) fn parse_header<'a>(
    line: &'a str,
    opts: &ParseOptions,
    received: DateTime<Utc>,
) -> Result<Header<'a>, ParseError> {
    let b = line.as_bytes();
    let mut header = Header::default();
    let mut pos = 0;
    if let Some((pri, used)) = scan_pri(b) {
        header.pri = Some(pri);
        pos = used;
    }
    pos = skip_spaces(b, pos);

    let rest = &b[pos..];
    let mut stamped = true;
    if let Some((stamp, used)) = scan_bsd(rest) {
        header.timestamp = resolve_bsd(stamp, Zone::Named(opts.timezone), opts, received);
        pos += used;
    } else if let Some((t, used)) = scan_rfc3339(rest, opts.timezone) {
        header.timestamp = Some(t);
        pos += used;
    } else {
        stamped = false;
    }
    if !stamped && header.pri.is_none() {
        return Err(ParseError::at(0, "expected <PRI> or a syslog timestamp"));
    }

    if stamped {
        // Cisco and others end the timestamp with a colon.
        if b.get(pos) == Some(&b':') {
            pos += 1;
        }
        pos = skip_spaces(b, pos);
        // Without a timestamp the RFC reads everything as MSG, so only look for a host here.
        let end = b[pos..]
            .iter()
            .position(|&c| c == b' ')
            .map_or(b.len(), |n| pos + n);
        let token = &line[pos..end];
        if !token.is_empty() && !looks_like_tag(token) && !token.contains('=') {
            header.hostname = Some(token);
            pos = skip_spaces(b, end);
        }
    }

    if let Some((tag, pid, next)) = scan_tag(line, pos) {
        header.appname = Some(tag);
        header.procid = pid;
        pos = next;
    }
    header.msg = &line[pos..];
    Ok(header)
}

fn looks_like_tag(token: &str) -> bool {
    token.ends_with(':') || token.contains('[')
}

/// `TAG[PID]:`, `TAG[PID]` or `TAG:` at `pos`; returns tag, pid and where MSG starts.
fn scan_tag(line: &str, pos: usize) -> Option<(&str, Option<&str>, usize)> {
    let b = line.as_bytes();
    let mut i = pos;
    loop {
        match b.get(i) {
            None | Some(b' ' | b'\t' | b'[' | b':' | b'=') => break,
            Some(_) if i - pos >= MAX_TAG => return None,
            Some(_) => i += 1,
        }
    }
    if i == pos {
        return None;
    }
    let tag = &line[pos..i];
    let mut pid = None;
    match b.get(i) {
        Some(b'[') => {
            let close = b[i + 1..].iter().take(64).position(|&c| c == b']')? + i + 1;
            pid = Some(&line[i + 1..close]);
            i = close + 1;
            if b.get(i) == Some(&b':') {
                i += 1;
            }
        }
        // A colon inside a word ("http://x") is not a tag delimiter.
        Some(b':') if matches!(b.get(i + 1), None | Some(b' ')) => i += 1,
        _ => return None,
    }
    if b.get(i) == Some(&b' ') {
        i += 1;
    }
    Some((tag, pid.filter(|p| !p.is_empty()), i))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn parse_with(line: &str, opts: &ParseOptions, received: DateTime<Utc>) -> Event {
        let meta = RecordMeta::received_at(received);
        let mut e = Event::new();
        Rfc3164Parser.parse(line, opts, &meta, &mut e).unwrap();
        e
    }

    fn received() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 10, 20, 0, 0, 0).unwrap()
    }

    fn parse(line: &str) -> Event {
        parse_with(line, &ParseOptions::default(), received())
    }

    #[test]
    fn rfc_example_with_tag() {
        let e =
            parse("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8");
        assert_eq!(e.get_i64("log.syslog.priority"), Some(34));
        assert_eq!(e.get_str("log.syslog.facility.name"), Some("auth"));
        assert_eq!(e.get_str("log.syslog.severity.name"), Some("critical"));
        assert_eq!(e.get_str("@timestamp"), Some("2026-10-11T22:14:15.000Z"));
        assert_eq!(e.get_str("host.name"), Some("mymachine"));
        assert_eq!(e.get_str("host.hostname"), Some("mymachine"));
        assert_eq!(e.get_str("process.name"), Some("su"));
        assert_eq!(e.get_str("log.syslog.appname"), Some("su"));
        assert_eq!(
            e.get_str("message"),
            Some("'su root' failed for lonvick on /dev/pts/8")
        );
        assert!(e.get("log.syslog.version").is_none());
    }

    #[test]
    fn pid_padded_day_and_missing_host() {
        let e = parse("<13>Feb  5 17:32:18 10.0.0.99 sshd[4721]: Accepted publickey for git");
        assert_eq!(e.get_str("@timestamp"), Some("2026-02-05T17:32:18.000Z"));
        assert_eq!(e.get_str("host.name"), Some("10.0.0.99"));
        assert_eq!(e.get("process.pid"), Some(&json!(4721)));
        assert_eq!(e.get_str("log.syslog.procid"), Some("4721"));
        assert_eq!(e.get_str("message"), Some("Accepted publickey for git"));

        let e = parse("<13>Feb 5 17:32:18 sshd[4721]: hello");
        assert!(e.get("host").is_none());
        assert_eq!(e.get_str("process.name"), Some("sshd"));
        assert_eq!(e.get_str("message"), Some("hello"));

        let e = parse("<13>Feb 5 17:32:18 kernel: eth0 up");
        assert!(e.get("host").is_none());
        assert_eq!(e.get_str("process.name"), Some("kernel"));
    }

    #[test]
    fn missing_pri_year_fraction_and_iso() {
        let e = parse("Mar  1 01:02:03 gw CRON[77]: (root) CMD (run-parts)");
        assert!(e.get("log.syslog.priority").is_none());
        assert_eq!(e.get_str("@timestamp"), Some("2026-03-01T01:02:03.000Z"));
        assert_eq!(e.get_str("process.name"), Some("CRON"));

        let e = parse("<190>Mar 14 2024 01:02:03 gw app: x");
        assert_eq!(e.get_str("@timestamp"), Some("2024-03-14T01:02:03.000Z"));

        let e = parse("<190>Mar 14 01:02:03.123456 gw app: x");
        assert_eq!(e.get_str("@timestamp"), Some("2026-03-14T01:02:03.123456Z"));

        let e = parse("<190>2026-03-14T01:02:03.5+02:00 gw app: x");
        assert_eq!(e.get_str("@timestamp"), Some("2026-03-13T23:02:03.500Z"));
        assert_eq!(e.get_str("host.name"), Some("gw"));

        let e = parse("<166>Jan 12 01:02:03: %ASA-6-302013: Built outbound TCP connection");
        assert_eq!(e.get_str("process.name"), Some("%ASA-6-302013"));
        assert_eq!(e.get_str("message"), Some("Built outbound TCP connection"));
    }

    #[test]
    fn timezone_and_year_inference() {
        let new_year = Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap();
        let e = parse_with(
            "<13>Dec 31 23:59:59 h a: x",
            &ParseOptions::default(),
            new_year,
        );
        assert_eq!(e.get_str("@timestamp"), Some("2025-12-31T23:59:59.000Z"));

        let berlin = ParseOptions {
            timezone: Tz::Europe__Berlin,
            year_hint: None,
        };
        let e = parse_with("<13>Jul  1 12:00:00 h a: x", &berlin, received());
        assert_eq!(e.get_str("@timestamp"), Some("2026-07-01T10:00:00.000Z"));

        let hinted = ParseOptions {
            year_hint: Some(2019),
            ..ParseOptions::default()
        };
        let e = parse_with("<13>Jul  1 12:00:00 h a: x", &hinted, received());
        assert_eq!(e.get_str("@timestamp"), Some("2019-07-01T12:00:00.000Z"));
    }

    #[test]
    fn pri_only_lines_are_all_message() {
        let e = parse("<13>hello world");
        assert!(e.get("host").is_none());
        assert_eq!(e.get_str("message"), Some("hello world"));
        let e = parse("<13>su: hello");
        assert_eq!(e.get_str("process.name"), Some("su"));
        let e = parse("<13>Oct 11 22:14:15");
        assert!(e.get("message").is_none());
        let e = parse("<13>Oct 11 22:14:15 http://example.com/ fetched");
        assert!(e.get("process").is_none());
    }

    #[test]
    fn refuses_lines_without_pri_or_timestamp() {
        let meta = RecordMeta::received_at(received());
        let mut e = Event::new();
        let err = Rfc3164Parser
            .parse("just text", &ParseOptions::default(), &meta, &mut e)
            .unwrap_err();
        assert_eq!(err.position, Some(0));
        assert!(Rfc3164Parser
            .parse("", &ParseOptions::default(), &meta, &mut e)
            .is_err());
    }

    #[test]
    fn long_tags_stop_at_a_char_boundary() {
        let line = format!("<13>Oct 11 22:14:15 h {}: x", "é".repeat(200));
        let e = parse(&line);
        assert!(e.get("process").is_none());
    }

    #[test]
    fn detection_scores() {
        assert_eq!(Rfc3164Parser.detect("<13>Oct 11 22:14:15 h a: x"), 80);
        assert_eq!(Rfc3164Parser.detect("Oct 11 22:14:15 h a: x"), 80);
        assert_eq!(Rfc3164Parser.detect("<13>2026-01-01T00:00:00Z h"), 80);
        assert_eq!(Rfc3164Parser.detect("2026-01-01T00:00:00Z h"), 30);
        assert_eq!(Rfc3164Parser.detect("<13>anything"), 50);
        assert_eq!(Rfc3164Parser.detect("October"), 0);
    }
}
