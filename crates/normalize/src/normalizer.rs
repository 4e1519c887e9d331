//! Raw record in, ECS event out: the one entry point the pipeline calls per record.

use crate::registry::AUTO;
use crate::{ParseOptions, Parser, RecordMeta, Registry};
use chrono::Utc;
use std::borrow::Cow;
use std::sync::Arc;
use steward_model::{ecs, Event};

/// Applies a named parser and the fields every event carries whatever its format.
#[derive(Clone, Debug)]
pub struct Normalizer {
    registry: Arc<Registry>,
}

impl Normalizer {
    pub fn new(registry: Arc<Registry>) -> Self {
        Self { registry }
    }

    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// Never fails: whatever the bytes, an event comes back with `event.original`, and a
    /// record no parser could read carries `error.message` and the
    /// `steward.parse_failure` tag instead of being lost.
    pub fn normalize(
        &self,
        raw: &[u8],
        parser: &str,
        opts: &ParseOptions,
        meta: &RecordMeta,
    ) -> Event {
        let text = String::from_utf8_lossy(raw);
        let invalid_utf8 = matches!(text, Cow::Owned(_));
        let line = strip_line_end(&text);

        let mut event = Event::new();
        event.set(ecs::EVENT_ORIGINAL, line);

        let (chosen, unknown) = match parser {
            AUTO => (self.registry.detect(line), false),
            name => match self.registry.get(name) {
                Some(p) => (p, false),
                None => (self.registry.fallback(), true),
            },
        };

        match chosen.parse(line, opts, meta, &mut event) {
            Ok(()) => event.set_if_absent(ecs::EVENT_DATASET, chosen.dataset()),
            Err(err) => {
                // Half-parsed fields could be wrong; keep only what is certain.
                event = Event::new();
                event.set(ecs::EVENT_ORIGINAL, line);
                event.set(ecs::MESSAGE, line);
                event.set(ecs::ERROR_MESSAGE, err.to_string());
                event.set(ecs::EVENT_DATASET, chosen.dataset());
                event.add_tag(ecs::TAG_PARSE_FAILURE);
            }
        }
        if unknown {
            event.set(
                ecs::ERROR_MESSAGE,
                format!("unknown parser {parser:?}; stored as raw"),
            );
            event.add_tag(ecs::TAG_PARSE_FAILURE);
        }
        self.common_fields(&mut event, chosen.as_ref(), meta);
        if invalid_utf8 {
            event.add_tag(ecs::TAG_INVALID_UTF8);
        }
        if meta.truncated {
            event.add_tag(ecs::TAG_TRUNCATED);
        }
        event
    }

    fn common_fields(&self, event: &mut Event, parser: &dyn Parser, meta: &RecordMeta) {
        // A parser (or a JSON document) may leave @timestamp unreadable; the receive time
        // is the best stand-in and keeps time-range queries honest.
        if event.timestamp().is_none() {
            event.set_timestamp(ecs::TIMESTAMP, meta.received);
        }
        event.set_timestamp(ecs::EVENT_CREATED, meta.received);
        event.set_timestamp(ecs::EVENT_INGESTED, Utc::now());
        event.set_if_absent(ecs::EVENT_KIND, "event");
        // "auto" resolves to a concrete parser, whose name is the useful one to record.
        event.set(ecs::STEWARD_PARSER, parser.name());
        if let Some(listener) = meta.listener {
            event.set(ecs::STEWARD_LISTENER, listener);
        }
        if let Some(peer) = meta.peer {
            // A device-reported address (CEF dvc) is more specific than a relay's.
            event.set_if_absent(ecs::OBSERVER_IP, peer.ip().to_string());
            event.set(ecs::LOG_SOURCE_ADDRESS, peer.to_string());
        }
    }
}

/// One record is one line; the transport may leave its terminator on.
fn strip_line_end(text: &str) -> &str {
    text.strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, TimeZone};
    use serde_json::json;

    fn received() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap()
    }

    fn normalizer() -> Normalizer {
        Normalizer::new(Arc::new(Registry::builtin()))
    }

    fn run(raw: &[u8], parser: &str) -> Event {
        normalizer().normalize(
            raw,
            parser,
            &ParseOptions::default(),
            &RecordMeta::received_at(received()),
        )
    }

    #[test]
    fn common_fields_on_success() {
        let meta = RecordMeta {
            received: received(),
            peer: Some("192.0.2.9:5514".parse().unwrap()),
            listener: Some("syslog-tcp"),
            truncated: true,
        };
        let line = b"<34>Oct 11 22:14:15 mymachine su: hi\r\n";
        let e = normalizer().normalize(line, "auto", &ParseOptions::default(), &meta);
        assert_eq!(
            e.get_str("event.original"),
            Some("<34>Oct 11 22:14:15 mymachine su: hi")
        );
        assert_eq!(e.get_str("@timestamp"), Some("2025-10-11T22:14:15.000Z"));
        assert_eq!(e.get_str("event.created"), Some("2026-01-02T03:04:05.000Z"));
        assert!(e.get_str("event.ingested").is_some());
        assert_eq!(e.get_str("event.kind"), Some("event"));
        assert_eq!(e.get_str("event.dataset"), Some("syslog"));
        assert_eq!(e.get_str("steward.parser"), Some("rfc3164"));
        assert_eq!(e.get_str("steward.listener"), Some("syslog-tcp"));
        assert_eq!(e.get_str("observer.ip"), Some("192.0.2.9"));
        assert_eq!(e.get_str("log.source.address"), Some("192.0.2.9:5514"));
        assert_eq!(e.get("tags"), Some(&json!(["steward.truncated"])));
        assert!(e.get("error").is_none());
    }

    #[test]
    fn parse_failure_keeps_the_record() {
        let e = run(b"this is not json\n", "json");
        assert_eq!(e.get_str("event.original"), Some("this is not json"));
        assert_eq!(e.get_str("message"), Some("this is not json"));
        assert!(e.get_str("error.message").unwrap().contains("invalid JSON"));
        assert!(e.has_tag("steward.parse_failure"));
        assert_eq!(e.get_str("event.dataset"), Some("json"));
        assert_eq!(e.get_str("steward.parser"), Some("json"));
        assert_eq!(e.get_str("@timestamp"), Some("2026-01-02T03:04:05.000Z"));
    }

    #[test]
    fn unknown_parser_falls_back_to_raw() {
        let e = run(b"hello", "fortigate");
        assert_eq!(e.get_str("message"), Some("hello"));
        assert_eq!(e.get_str("steward.parser"), Some("raw"));
        assert_eq!(e.get_str("event.dataset"), Some("raw"));
        assert!(e.get_str("error.message").unwrap().contains("fortigate"));
        assert!(e.has_tag("steward.parse_failure"));
    }

    #[test]
    fn invalid_utf8_is_replaced_and_tagged() {
        let e = run(b"<13>Oct 11 22:14:15 h app: caf\xe9 \xff\n", "auto");
        assert!(e.has_tag("steward.invalid_utf8"));
        assert_eq!(e.get_str("message"), Some("caf\u{fffd} \u{fffd}"));
        assert_eq!(e.get_str("process.name"), Some("app"));
    }

    #[test]
    fn only_one_line_end_is_stripped() {
        let e = run(b"x\n\n", "raw");
        assert_eq!(e.get_str("event.original"), Some("x\n"));
        let e = run(b"x\r", "raw");
        assert_eq!(e.get_str("event.original"), Some("x\r"));
    }

    #[test]
    fn json_cannot_override_pipeline_fields() {
        let e = run(
            br#"{"@timestamp":"bogus","event":{"original":"x","kind":"alert"},"steward":{"parser":"evil"}}"#,
            "auto",
        );
        assert_eq!(e.get_str("@timestamp"), Some("2026-01-02T03:04:05.000Z"));
        assert_eq!(e.get_str("event.kind"), Some("alert"));
        assert_eq!(e.get_str("steward.parser"), Some("json"));
        assert!(e.get_str("event.original").unwrap().starts_with('{'));
        let e = run(br#"{"@timestamp":5}"#, "json");
        assert_eq!(e.get_str("@timestamp"), Some("1970-01-01T00:00:05.000Z"));
    }

    #[test]
    fn empty_record() {
        let e = run(b"", "auto");
        assert_eq!(e.get_str("event.original"), Some(""));
        assert_eq!(e.get_str("steward.parser"), Some("raw"));
        assert!(e.get("error").is_none());
        let e = run(b"\n", "rfc5424");
        assert!(e.has_tag("steward.parse_failure"));
    }
}
