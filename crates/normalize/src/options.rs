//! What a parser is told besides the line itself.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::net::SocketAddr;

/// What the transport knows about a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordMeta<'a> {
    /// When Steward read the record.
    pub received: DateTime<Utc>,
    /// The sending device, for network listeners.
    pub peer: Option<SocketAddr>,
    /// The listener's name, e.g. "syslog-tcp" or "http".
    pub listener: Option<&'a str>,
    /// The transport cut the record at its maximum size.
    pub truncated: bool,
}

impl RecordMeta<'_> {
    /// A record read at `received` with nothing else known (files, tests, `steward parse`).
    pub fn received_at(received: DateTime<Utc>) -> Self {
        Self {
            received,
            peer: None,
            listener: None,
            truncated: false,
        }
    }
}

/// Per-source settings for parsing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseOptions {
    /// Zone for timestamps that carry no offset (BSD syslog, most device formats).
    pub timezone: Tz,
    /// Year for timestamps that carry none; `None` infers it from `RecordMeta::received`.
    pub year_hint: Option<i32>,
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self {
            timezone: Tz::UTC,
            year_hint: None,
        }
    }
}
