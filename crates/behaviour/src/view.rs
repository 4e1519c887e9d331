//! The fields most models need, read once per event.

use crate::fields::{each_str, first_of, first_str, unsigned};
use crate::net::parse_ip;
use chrono::{DateTime, Utc};
use std::net::IpAddr;
use steward_model::Event;

/// `event.category` values the models care about, as bits.
pub(crate) mod category {
    pub const AUTHENTICATION: u16 = 1;
    pub const NETWORK: u16 = 1 << 1;
    pub const PROCESS: u16 = 1 << 2;
    pub const FILE: u16 = 1 << 3;
    pub const WEB: u16 = 1 << 4;
    pub const SESSION: u16 = 1 << 5;
    pub const IAM: u16 = 1 << 6;
}

/// `event.type` values the models care about, as bits.
pub(crate) mod kind {
    pub const START: u16 = 1;
    pub const CREATION: u16 = 1 << 1;
    pub const DELETION: u16 = 1 << 2;
    pub const CHANGE: u16 = 1 << 3;
    pub const CONNECTION: u16 = 1 << 4;
    pub const DENIED: u16 = 1 << 5;
    pub const AUTH_FAILURE: u16 = 1 << 6;
    pub const AUTH_SUCCESS: u16 = 1 << 7;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Success,
    Failure,
    Unknown,
}

pub(crate) struct EventView<'a> {
    pub event: &'a Event,
    /// The event's own time (or the fallback), for windows.
    pub time: DateTime<Utc>,
    /// `time` in milliseconds.
    pub t: i64,
    /// The engine clock: the latest event time seen so far (milliseconds); state expiry
    /// follows it so that out-of-order events never move it backwards.
    pub now: i64,
    pub categories: u16,
    pub types: u16,
    pub outcome: Outcome,
    pub action: Option<&'a str>,
    /// `winlog.event_id` (or `event.code` on Windows channels).
    pub event_id: Option<u64>,
    pub source_ip: Option<IpAddr>,
    pub destination_ip: Option<IpAddr>,
    pub source_port: Option<u16>,
    pub destination_port: Option<u16>,
    pub host: Option<&'a str>,
    pub user: Option<&'a str>,
}

impl<'a> EventView<'a> {
    pub(crate) fn new(event: &'a Event, time: DateTime<Utc>, now: i64) -> Self {
        // Matched without allocating: these run for every event.
        const CATEGORIES: &[(&str, u16)] = &[
            ("authentication", category::AUTHENTICATION),
            ("network", category::NETWORK),
            ("network_traffic", category::NETWORK),
            ("process", category::PROCESS),
            ("file", category::FILE),
            ("web", category::WEB),
            ("session", category::SESSION),
            ("iam", category::IAM),
        ];
        const TYPES: &[(&str, u16)] = &[
            ("start", kind::START),
            ("creation", kind::CREATION),
            ("deletion", kind::DELETION),
            ("change", kind::CHANGE),
            ("connection", kind::CONNECTION),
            ("denied", kind::DENIED),
            ("authentication_failure", kind::AUTH_FAILURE),
            ("authentication_success", kind::AUTH_SUCCESS),
        ];
        let bits = |path: &str, table: &[(&str, u16)]| {
            each_str(event, path).fold(0u16, |acc, value| {
                let value = value.trim();
                acc | table
                    .iter()
                    .find(|(name, _)| value.eq_ignore_ascii_case(name))
                    .map_or(0, |(_, bit)| *bit)
            })
        };
        let categories = bits("event.category", CATEGORIES);
        let types = bits("event.type", TYPES);
        let outcome = match first_str(event, "event.outcome") {
            Some(o) if o.eq_ignore_ascii_case("success") => Outcome::Success,
            Some(o) if o.eq_ignore_ascii_case("failure") => Outcome::Failure,
            _ => Outcome::Unknown,
        };
        let event_id = unsigned(event, "winlog.event_id").or_else(|| {
            // event.code carries the Windows event id where winlog.* was not kept.
            first_str(event, "winlog.channel")
                .or_else(|| first_str(event, "event.provider"))
                .and_then(|_| unsigned(event, "event.code"))
        });
        let ip = |paths: &[&str]| {
            paths
                .iter()
                .find_map(|p| first_str(event, p).and_then(parse_ip))
        };
        let port = |path: &str| unsigned(event, path).and_then(|p| u16::try_from(p).ok());
        Self {
            event,
            time,
            t: time.timestamp_millis(),
            now,
            categories,
            types,
            outcome,
            action: first_str(event, "event.action"),
            event_id,
            source_ip: ip(&["source.ip", "client.ip"]),
            destination_ip: ip(&["destination.ip", "server.ip"]),
            source_port: port("source.port").or_else(|| port("client.port")),
            destination_port: port("destination.port").or_else(|| port("server.port")),
            host: first_of(
                event,
                &["host.name", "host.hostname", "winlog.computer_name"],
            ),
            user: first_of(event, &["user.name", "winlog.event_data.TargetUserName"]),
        }
    }

    pub(crate) fn is(&self, category: u16) -> bool {
        self.categories & category != 0
    }

    pub(crate) fn has_type(&self, kind: u16) -> bool {
        self.types & kind != 0
    }

    /// The machine an event is about: its host name, else its source address.
    pub(crate) fn machine(&self) -> Option<String> {
        self.host
            .map(|h| crate::fields::clip(h, 256).to_ascii_lowercase())
            .or_else(|| self.source_ip.map(|ip| ip.to_string()))
    }
}
