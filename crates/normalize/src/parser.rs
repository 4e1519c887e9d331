//! The interface every parser implements, built-in or loaded later from a content bundle.

use crate::{ParseError, ParseOptions, RecordMeta};
use steward_model::Event;

/// Turns one line of one format into ECS fields.
pub trait Parser: Send + Sync {
    /// Registry name, e.g. "rfc5424".
    fn name(&self) -> &str;
    /// Value for `event.dataset`, e.g. "syslog" or "cef".
    fn dataset(&self) -> &str;
    /// How confident this parser is that it understands `line` (0 = no, 100 = certain).
    /// Called for every parser on every auto-detected record, so it must be cheap and must
    /// not allocate.
    fn detect(&self, line: &str) -> u8;
    /// Parses `line` into `event`, which already holds `event.original`. On `Err` the
    /// caller discards whatever was set and records the error instead.
    fn parse(
        &self,
        line: &str,
        opts: &ParseOptions,
        meta: &RecordMeta,
        event: &mut Event,
    ) -> Result<(), ParseError>;
}

/// Runs `parser` on `line` as received at 2026-03-01T00:00:00Z with default options: the
/// unit tests' common way in.
#[cfg(test)]
pub(crate) fn parse_for_test(parser: &dyn Parser, line: &str) -> Result<Event, ParseError> {
    use chrono::TimeZone;
    let received = chrono::Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    let mut e = Event::new();
    parser
        .parse(
            line,
            &ParseOptions::default(),
            &RecordMeta::received_at(received),
            &mut e,
        )
        .map(|()| e)
}
