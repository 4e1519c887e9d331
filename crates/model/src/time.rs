//! The one way Steward writes timestamps into documents.

use chrono::{DateTime, SecondsFormat, Utc};

/// RFC 3339 in UTC with millisecond precision, or finer when the source had it.
pub fn ecs_timestamp(t: DateTime<Utc>) -> String {
    let nanos = t.timestamp_subsec_nanos();
    let format = if nanos.is_multiple_of(1_000_000) {
        SecondsFormat::Millis
    } else if nanos.is_multiple_of(1_000) {
        SecondsFormat::Micros
    } else {
        SecondsFormat::Nanos
    };
    t.to_rfc3339_opts(format, true)
}

/// Parses an RFC 3339 timestamp as written in a document.
pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn keeps_precision_the_source_had() {
        let t = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        assert_eq!(ecs_timestamp(t), "2026-01-02T03:04:05.000Z");
        let t = t + chrono::Duration::microseconds(1500);
        assert_eq!(ecs_timestamp(t), "2026-01-02T03:04:05.001500Z");
        assert_eq!(parse_timestamp("2026-01-02T05:04:05.001500+02:00"), Some(t));
    }
}
