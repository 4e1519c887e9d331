//! Structured payloads carried in a syslog MSG: JSON objects and key=value lists.
//!
//! Applications increasingly log JSON or `k=v` over syslog; reading the payload saves every
//! downstream rule from re-parsing `message`. Header fields win over payload fields because
//! the header is the part of the record with a defined meaning.

use crate::fields::merge_absent;
use crate::{json, kv, ParseOptions, RecordMeta};
use steward_model::Event;

pub(super) fn merge_embedded(msg: &str, opts: &ParseOptions, meta: &RecordMeta, event: &mut Event) {
    let body = msg.trim();
    if body.starts_with('{') && body.ends_with('}') {
        if let Ok(payload) = json::decode(body, opts, meta.received) {
            merge_absent(event, &payload);
        }
        return;
    }
    if kv::count_pairs(body, 2) >= 2 {
        let mut payload = Event::new();
        kv::apply_pairs(body, kv::Mode::Embedded, &mut payload);
        merge_absent(event, &payload);
    }
}

#[cfg(test)]
mod tests {
    use crate::{ParseOptions, Parser, RecordMeta, Rfc3164Parser, Rfc5424Parser};
    use chrono::{TimeZone, Utc};
    use serde_json::json;
    use steward_model::Event;

    fn parse(parser: &dyn Parser, line: &str) -> Event {
        let meta = RecordMeta::received_at(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap());
        let mut e = Event::new();
        parser
            .parse(line, &ParseOptions::default(), &meta, &mut e)
            .unwrap();
        e
    }

    #[test]
    fn json_payload_in_5424() {
        let line = r#"<134>1 2026-02-01T10:00:00Z web01 api - - - {"user":{"name":"bob"},"host":{"name":"other"},"http.response.status_code":500,"message":"inner","@timestamp":"2020-01-01T00:00:00Z"}"#;
        let e = parse(&Rfc5424Parser, line);
        assert_eq!(e.get_str("user.name"), Some("bob"));
        assert_eq!(e.get_i64("http.response.status_code"), Some(500));
        // The header's fields and the MSG text stay.
        assert_eq!(e.get_str("host.name"), Some("web01"));
        assert_eq!(e.get_str("@timestamp"), Some("2026-02-01T10:00:00.000Z"));
        assert!(e.get_str("message").unwrap().starts_with("{\"user\""));
    }

    #[test]
    fn kv_payload_in_3164() {
        let line = "<134>Feb  1 10:00:00 fw01 filter: src=10.1.1.1 dst=8.8.8.8 dport=53 proto=UDP action=allow msg=\"dns ok\"";
        let e = parse(&Rfc3164Parser, line);
        assert_eq!(e.get_str("source.ip"), Some("10.1.1.1"));
        assert_eq!(e.get_str("destination.ip"), Some("8.8.8.8"));
        assert_eq!(e.get("destination.port"), Some(&json!(53)));
        assert_eq!(e.get_str("network.transport"), Some("udp"));
        assert_eq!(e.get_str("event.action"), Some("allow"));
        assert_eq!(e.get_str("labels.msg"), Some("dns ok"));
        assert_eq!(e.get("related.hosts"), Some(&json!(["fw01"])));
        assert_eq!(e.get("related.ip"), Some(&json!(["10.1.1.1", "8.8.8.8"])));
        assert!(e.get_str("message").unwrap().starts_with("src=10.1.1.1"));
    }

    #[test]
    fn plain_messages_and_bad_json_stay_plain() {
        let e = parse(&Rfc5424Parser, "<13>1 - h a - - - {not json}");
        assert_eq!(e.get_str("message"), Some("{not json}"));
        assert!(e.get("labels").is_none());
        let e = parse(&Rfc5424Parser, "<13>1 - h a - - - session opened (uid=0)");
        assert!(e.get("labels").is_none());
    }
}
