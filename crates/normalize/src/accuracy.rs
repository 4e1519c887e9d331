//! Field accuracy: how closely an event we produced matches a trusted peer's document.
//!
//! Pure comparison logic, no I/O; `steward parse --check` walks a corpus and feeds it.
//! The rules follow the corpus README (`shared/corpus/logs/README.md`, "How a test should
//! compare"):
//!
//! * both documents are flattened to dotted keys ([`flatten`]); arrays are leaves and empty
//!   objects, empty arrays and nulls are dropped (leftovers, not values);
//! * every expected field that is not [ignorable](is_ignorable) is scored as matched, wrong
//!   (we emit it with another value) or missing; extra fields in our output are no error;
//! * values are compared canonically ([`values_equal`]): RFC 3339 timestamps as instants
//!   at millisecond precision (optionally without the year), IP addresses as parsed
//!   addresses (an IPv4-mapped IPv6 address equals its IPv4 form), MAC addresses without
//!   regard to case or separator, a number equal to the same number written as a string,
//!   arrays as sets, and a scalar equal to a one-element array.

use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::net::IpAddr;

/// Every non-empty leaf of a JSON object as `(dotted path, value)`, in document order.
///
/// Objects are walked; arrays, strings, numbers and booleans are leaves. Empty objects,
/// empty arrays and nulls yield nothing. A value that is not an object yields nothing.
pub fn flatten(value: &Value) -> Vec<(String, &Value)> {
    fn walk<'a>(prefix: &str, map: &'a Map<String, Value>, out: &mut Vec<(String, &'a Value)>) {
        for (key, value) in map {
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match value {
                Value::Object(inner) => walk(&path, inner, out),
                Value::Null => {}
                Value::Array(items) if items.is_empty() => {}
                other => out.push((path, other)),
            }
        }
    }
    let mut out = Vec::new();
    if let Value::Object(map) = value {
        walk("", map, &mut out);
    }
    out
}

/// Exact field names that are never scored (the README's "Ignorable fields").
const IGNORED_FIELDS: &[&str] = &[
    "event.ingested",
    "ecs.version",
    "tags",
    "event.module",
    "event.dataset",
    "log.offset",
    "log.file.path",
    "log.source.address",
    "_tmp",
    "temp",
    "network.community_id",
    "event.original",
    "message",
    // Many tests inject a fixed or run-time value; we cannot tell which ones come from the
    // log, so none is scored (ours is always the receive time).
    "event.created",
];

/// Top-level namespaces that are never scored: the peer's test-run metadata, and the
/// vendor namespaces that are its own layout (the README's list plus every other vendor
/// root present in the corpus' expected documents). `winlog.*` is listed because the
/// Windows inputs already carry it and it passes through unchanged, so scoring it would
/// measure nothing.
const IGNORED_ROOTS: &[&str] = &[
    "data_stream",
    "agent",
    "input",
    "_tmp",
    "temp",
    // Vendor namespaces.
    "apache",
    "auditd",
    "barracuda",
    "cef",
    "checkpoint",
    "cisco",
    "fortinet",
    "iptables",
    "microsoft",
    "modsec",
    "mysql",
    "nginx",
    "panw",
    "pfsense",
    "redis",
    "snort",
    "sonicwall",
    "squid",
    "sysmon",
    "system",
    "winlog",
    "zeek",
];

/// Whether `field` (a dotted path) is left out of scoring; see the README's list.
pub fn is_ignorable(field: &str) -> bool {
    if IGNORED_FIELDS.contains(&field) {
        return true;
    }
    let mut parts = field.split('.');
    let root = parts.next().unwrap_or_default();
    if IGNORED_ROOTS.contains(&root) {
        return true;
    }
    // GeoIP and ASN enrichment: `*.geo.*`, `*.as.*`.
    parts.any(|p| p == "geo" || p == "as")
}

/// How values are compared for one family.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CompareOptions {
    /// The family's lines carry no year: timestamps are compared on month, day and time
    /// of day (UTC) only, since the peer filled the year from its test run.
    pub year_insensitive: bool,
}

/// Families whose lines carry timestamps without a year (README: "Time zones and years").
pub const YEARLESS_FAMILIES: &[&str] = &[
    "system_auth",
    "iptables",
    "snort",
    "redis",
    "cisco_ios",
    "pfsense",
    "squid",
];

/// The comparison options for a corpus family.
pub fn family_compare_options(family: &str) -> CompareOptions {
    CompareOptions {
        year_insensitive: YEARLESS_FAMILIES.contains(&family),
    }
}

/// The zone the peer assumed for a family's zone-less timestamps, taken from its test
/// configuration rather than from the lines (README: "Time zones and years"):
///
/// * pfsense and squid: `-04:00`, i.e. `Etc/GMT+4` (Etc zones invert the sign);
/// * snort: `America/Chicago`; microsoft_dhcp: `America/New_York`;
/// * panw: `UTC`, except the url-filtering sample, which used `+09:30`
///   (`Australia/Darwin`, which has had no daylight saving since 1944);
/// * system_auth (`+0000`), modsecurity and mysql: `UTC`;
/// * apache error log: `GMT+2`, i.e. `+02:00`, i.e. `Etc/GMT-2`.
///
/// `None` means the parser's default (UTC) applies. `file_name` is the input's file name.
pub fn family_timezone(family: &str, file_name: &str) -> Option<Tz> {
    let name = match family {
        "pfsense" | "squid" => "Etc/GMT+4",
        "snort" => "America/Chicago",
        "microsoft_dhcp" => "America/New_York",
        "panw" if file_name.starts_with("test-panw-panos-threat-url") => "Australia/Darwin",
        "panw" | "system_auth" | "modsecurity" | "mysql" => "UTC",
        "apache" => "Etc/GMT-2",
        _ => return None,
    };
    name.parse().ok()
}

/// How one expected field fared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    Matched,
    /// We emit the field with a different value.
    Wrong,
    /// We do not emit the field.
    Missing,
}

/// One scored expected field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldOutcome {
    pub field: String,
    pub outcome: Outcome,
}

/// The score of one document: counts over its scored (non-ignorable) expected fields.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocScore {
    /// Expected fields that were scored.
    pub fields: usize,
    pub matched: usize,
    pub wrong: usize,
    pub missing: usize,
    /// Per scored field, in the order [`flatten`] yields them.
    pub outcomes: Vec<FieldOutcome>,
}

/// Scores `actual` (our event as JSON) against `expected` (the peer's document). Pass
/// `Value::Null` as `actual` for a document we did not produce at all: every scored field
/// is then missing.
pub fn compare_documents(expected: &Value, actual: &Value, opts: &CompareOptions) -> DocScore {
    let ours: HashMap<String, &Value> = flatten(actual).into_iter().collect();
    let mut score = DocScore::default();
    for (field, want) in flatten(expected) {
        if is_ignorable(&field) {
            continue;
        }
        let outcome = match ours.get(&field) {
            None => Outcome::Missing,
            Some(got) if values_equal(want, got, opts) => Outcome::Matched,
            Some(_) => Outcome::Wrong,
        };
        score.fields += 1;
        match outcome {
            Outcome::Matched => score.matched += 1,
            Outcome::Wrong => score.wrong += 1,
            Outcome::Missing => score.missing += 1,
        }
        score.outcomes.push(FieldOutcome { field, outcome });
    }
    score
}

/// Canonical equality of an expected and an actual value (see the module docs).
pub fn values_equal(expected: &Value, actual: &Value, opts: &CompareOptions) -> bool {
    match (expected, actual) {
        (Value::Array(_), _) | (_, Value::Array(_)) => {
            let want = as_items(expected);
            let got = as_items(actual);
            want.iter()
                .all(|w| got.iter().any(|g| values_equal(w, g, opts)))
                && got
                    .iter()
                    .all(|g| want.iter().any(|w| values_equal(w, g, opts)))
        }
        (Value::Object(want), Value::Object(got)) => {
            let want: Vec<_> = want.iter().filter(|(_, v)| !v.is_null()).collect();
            let got_len = got.values().filter(|v| !v.is_null()).count();
            want.len() == got_len
                && want.iter().all(|(k, w)| {
                    got.get(k.as_str())
                        .is_some_and(|g| values_equal(w, g, opts))
                })
        }
        _ => scalars_equal(expected, actual, opts),
    }
}

fn as_items(value: &Value) -> &[Value] {
    match value {
        Value::Array(items) => items,
        other => std::slice::from_ref(other),
    }
}

fn scalars_equal(expected: &Value, actual: &Value, opts: &CompareOptions) -> bool {
    match (expected, actual) {
        (Value::String(w), Value::String(g)) => strings_equal(w, g, opts),
        (Value::Number(w), Value::Number(g)) => numbers_equal(w, g),
        (Value::Number(n), Value::String(s)) | (Value::String(s), Value::Number(n)) => {
            number_from_str(s).is_some_and(|x| n.as_f64() == Some(x))
        }
        (Value::Bool(b), Value::String(s)) | (Value::String(s), Value::Bool(b)) => s
            .trim()
            .eq_ignore_ascii_case(if *b { "true" } else { "false" }),
        (w, g) => w == g,
    }
}

fn numbers_equal(w: &serde_json::Number, g: &serde_json::Number) -> bool {
    if let (Some(a), Some(b)) = (w.as_i64(), g.as_i64()) {
        return a == b;
    }
    if let (Some(a), Some(b)) = (w.as_u64(), g.as_u64()) {
        return a == b;
    }
    match (w.as_f64(), g.as_f64()) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

fn number_from_str(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    s.parse::<f64>().ok().filter(|x| x.is_finite())
}

fn strings_equal(w: &str, g: &str, opts: &CompareOptions) -> bool {
    if w == g {
        return true;
    }
    if let (Some(a), Some(b)) = (parse_instant(w), parse_instant(g)) {
        return instants_equal(a, b, opts);
    }
    if let (Some(a), Some(b)) = (parse_ip(w), parse_ip(g)) {
        return a == b;
    }
    if let (Some(a), Some(b)) = (mac_key(w), mac_key(g)) {
        return a == b;
    }
    false
}

/// An RFC 3339 timestamp (any offset) truncated to the millisecond.
fn parse_instant(s: &str) -> Option<DateTime<Utc>> {
    let t = DateTime::parse_from_rfc3339(s.trim())
        .ok()?
        .with_timezone(&Utc);
    let millis = t.timestamp_subsec_millis();
    t.with_nanosecond(millis * 1_000_000)
}

fn instants_equal(a: DateTime<Utc>, b: DateTime<Utc>, opts: &CompareOptions) -> bool {
    if opts.year_insensitive {
        (a.month(), a.day(), a.time()) == (b.month(), b.day(), b.time())
    } else {
        a == b
    }
}

/// A parsed IP address; IPv4-mapped IPv6 addresses become IPv4.
fn parse_ip(s: &str) -> Option<IpAddr> {
    let ip: IpAddr = s.trim().parse().ok()?;
    Some(match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    })
}

/// A MAC address as 12 lowercase hex digits, when `s` is written as six pairs separated
/// by `:` or `-`, or as three groups of four separated by `.` (Cisco).
fn mac_key(s: &str) -> Option<String> {
    let s = s.trim();
    let groups: Vec<&str> = if s.contains(':') {
        s.split(':').collect()
    } else if s.contains('-') {
        s.split('-').collect()
    } else {
        s.split('.').collect()
    };
    let shape_ok = match groups.len() {
        6 => groups.iter().all(|g| g.len() == 2),
        3 => groups.iter().all(|g| g.len() == 4),
        _ => false,
    };
    if !shape_ok
        || !groups
            .iter()
            .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return None;
    }
    Some(groups.concat().to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PLAIN: CompareOptions = CompareOptions {
        year_insensitive: false,
    };
    const YEARLESS: CompareOptions = CompareOptions {
        year_insensitive: true,
    };

    fn eq(a: Value, b: Value) -> bool {
        values_equal(&a, &b, &PLAIN)
    }

    #[test]
    fn flatten_uses_dotted_keys_and_drops_leftovers() {
        let doc = json!({
            "source": {"ip": "1.2.3.4", "port": 80, "geo": {}},
            "event": {"category": ["network"], "type": []},
            "x": null,
            "@timestamp": "2024-01-01T00:00:00Z"
        });
        let mut keys: Vec<String> = flatten(&doc).into_iter().map(|(k, _)| k).collect();
        keys.sort();
        assert_eq!(
            keys,
            vec!["@timestamp", "event.category", "source.ip", "source.port"]
        );
        assert!(flatten(&json!([1, 2])).is_empty());
    }

    #[test]
    fn timestamps_compare_as_instants_at_millisecond_precision() {
        assert!(eq(
            json!("2021-01-01T16:09:07.000-05:00"),
            json!("2021-01-01T21:09:07Z")
        ));
        assert!(eq(
            json!("2021-01-01T21:09:07.123+00:00"),
            json!("2021-01-01T21:09:07.123999Z")
        ));
        assert!(!eq(
            json!("2021-01-01T21:09:07.123Z"),
            json!("2021-01-01T21:09:07.124Z")
        ));
        assert!(!eq(
            json!("2021-01-01T16:09:07.000-05:00"),
            json!("2021-01-01T16:09:07.000Z")
        ));
    }

    #[test]
    fn yearless_timestamps_ignore_only_the_year() {
        let a = json!("2021-05-30T19:09:10.917-05:00");
        let b = json!("2026-05-31T00:09:10.917Z");
        assert!(values_equal(&a, &b, &YEARLESS));
        assert!(!values_equal(&a, &b, &PLAIN));
        let other_day = json!("2026-05-30T00:09:10.917Z");
        assert!(!values_equal(&a, &other_day, &YEARLESS));
    }

    #[test]
    fn ips_compare_as_addresses() {
        assert!(eq(json!("::ffff:1.2.3.4"), json!("1.2.3.4")));
        assert!(eq(json!("2001:db8::1"), json!("2001:0db8:0:0::1")));
        assert!(!eq(json!("1.2.3.4"), json!("1.2.3.5")));
    }

    #[test]
    fn macs_ignore_case_and_separator() {
        assert!(eq(json!("A2-E9-00-EC-40-01"), json!("a2:e9:00:ec:40:01")));
        assert!(eq(json!("a2e9.00ec.4001"), json!("A2:E9:00:EC:40:01")));
        assert!(!eq(json!("A2-E9-00-EC-40-01"), json!("a2:e9:00:ec:40:02")));
        assert!(!eq(json!("a2e900ec4001"), json!("a2:e9:00:ec:40:01")));
    }

    #[test]
    fn numbers_equal_numeric_strings() {
        assert!(eq(json!("6"), json!(6)));
        assert!(eq(json!(6), json!("6")));
        assert!(eq(json!(1.5), json!("1.5")));
        assert!(eq(json!(6), json!(6.0)));
        assert!(!eq(json!("6"), json!(7)));
        assert!(!eq(json!("six"), json!(6)));
        // Two strings are compared as strings: "1.10" is not "1.1".
        assert!(!eq(json!("1.10"), json!("1.1")));
        assert!(eq(json!(true), json!("true")));
    }

    #[test]
    fn arrays_are_sets_and_scalars_are_one_element_arrays() {
        assert!(eq(
            json!(["network", "authentication"]),
            json!(["authentication", "network", "network"])
        ));
        assert!(!eq(json!(["network"]), json!(["network", "process"])));
        assert!(eq(json!("network"), json!(["network"])));
        assert!(eq(json!(["network"]), json!("network")));
        assert!(eq(json!(["::ffff:10.0.0.1"]), json!("10.0.0.1")));
        assert!(!eq(json!("network"), json!(["network", "x"])));
    }

    #[test]
    fn ignorable_fields_are_not_scored() {
        for field in [
            "event.ingested",
            "ecs.version",
            "tags",
            "event.module",
            "event.dataset",
            "event.created",
            "event.original",
            "message",
            "data_stream.type",
            "agent.id",
            "input.type",
            "log.offset",
            "log.file.path",
            "log.source.address",
            "_tmp",
            "temp",
            "source.geo.city_name",
            "destination.as.organization.name",
            "network.community_id",
            "fortinet.firewall.action",
            "panw.panos.type",
            "cisco.asa.message_id",
            "zeek.conn.state",
            "winlog.event_id",
        ] {
            assert!(is_ignorable(field), "{field}");
        }
        for field in ["source.ip", "event.action", "log.level", "geo.name", "as"] {
            assert!(!is_ignorable(field), "{field}");
        }
        let expected = json!({
            "source": {"ip": "1.2.3.4", "geo": {"city_name": "London"}},
            "event": {"action": "deny", "ingested": "x", "category": ["network"]},
            "user": {"name": "root"},
            "tags": ["preserve_original_event"],
            "message": "m"
        });
        let actual = json!({"source": {"ip": "1.2.3.4"}, "event": {"action": "allow"}, "extra": 1});
        let score = compare_documents(&expected, &actual, &PLAIN);
        assert_eq!(
            (score.fields, score.matched, score.wrong, score.missing),
            (4, 1, 1, 2)
        );
        let outcome = |f: &str| {
            score
                .outcomes
                .iter()
                .find(|o| o.field == f)
                .map(|o| o.outcome)
        };
        assert_eq!(outcome("source.ip"), Some(Outcome::Matched));
        assert_eq!(outcome("event.action"), Some(Outcome::Wrong));
        assert_eq!(outcome("user.name"), Some(Outcome::Missing));
        let none = compare_documents(&expected, &Value::Null, &PLAIN);
        assert_eq!((none.fields, none.missing), (4, 4));
    }

    #[test]
    fn family_tables() {
        assert!(family_compare_options("snort").year_insensitive);
        assert!(!family_compare_options("cisco_asa").year_insensitive);
        let chicago: Tz = "America/Chicago".parse().unwrap();
        assert_eq!(family_timezone("snort", "test-log-fast.log"), Some(chicago));
        assert_eq!(
            family_timezone("pfsense", "x.log").map(|t| t.name()),
            Some("Etc/GMT+4")
        );
        assert_eq!(
            family_timezone("apache", "x.log").map(|t| t.name()),
            Some("Etc/GMT-2")
        );
        assert_eq!(
            family_timezone("panw", "test-panw-panos-threat-url-no-xff-sample.log")
                .map(|t| t.name()),
            Some("Australia/Darwin")
        );
        assert_eq!(family_timezone("cisco_asa", "x.log"), None);
    }
}
