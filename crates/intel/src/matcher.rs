//! Matching ECS events against the index.
//!
//! The fields in [`FIELDS`] are read in a fixed order; a value may be a string or an
//! array of strings. Nearly every event meets no indicator, so that path is kept free of heap
//! allocation: field values are borrowed from the event, parsed on the stack (IPs,
//! hashes, domains) or into one reused per-thread buffer (URLs), and the result vector
//! only allocates when there is a hit. Whole field groups are skipped when the set
//! holds no indicator of their type.

use crate::set::{Clock, IndicatorSet, RawHit};
use crate::types::IndicatorHit;
use crate::value;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::net::IpAddr;
use steward_model::Event;

/// What a field holds, which decides how its values are looked up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// IP addresses.
    Ip,
    /// Host names; an IP literal there is looked up as an IP.
    Host,
    /// URLs. Their host is also looked up as a domain or IP; a bare request target
    /// (`/path?q`) is joined with `url.domain`.
    Url,
    /// Hex digests; the length tells MD5, SHA-1 and SHA-256 apart.
    Hash,
    /// Autonomous system numbers (numbers, numeric strings or `AS123`).
    Asn,
}

/// The ECS fields matched, in the order they are read: grouped by top-level object
/// (one look-up per object the event lacks), most specific objects first, `related.*`
/// last. When several fields meet the same indicator, the hit names the first.
pub const FIELDS: &[(&str, FieldKind)] = &[
    ("source.ip", FieldKind::Ip),
    ("source.domain", FieldKind::Host),
    ("source.as.number", FieldKind::Asn),
    ("destination.ip", FieldKind::Ip),
    ("destination.domain", FieldKind::Host),
    ("destination.as.number", FieldKind::Asn),
    ("client.ip", FieldKind::Ip),
    ("client.domain", FieldKind::Host),
    ("client.as.number", FieldKind::Asn),
    ("server.ip", FieldKind::Ip),
    ("server.domain", FieldKind::Host),
    ("server.as.number", FieldKind::Asn),
    ("host.ip", FieldKind::Ip),
    ("dns.question.name", FieldKind::Host),
    ("dns.resolved_ip", FieldKind::Ip),
    ("url.domain", FieldKind::Host),
    ("url.original", FieldKind::Url),
    ("url.full", FieldKind::Url),
    ("tls.client.server_name", FieldKind::Host),
    ("file.hash.md5", FieldKind::Hash),
    ("file.hash.sha1", FieldKind::Hash),
    ("file.hash.sha256", FieldKind::Hash),
    ("process.hash.md5", FieldKind::Hash),
    ("process.hash.sha1", FieldKind::Hash),
    ("process.hash.sha256", FieldKind::Hash),
    ("process.parent.hash.md5", FieldKind::Hash),
    ("process.parent.hash.sha1", FieldKind::Hash),
    ("process.parent.hash.sha256", FieldKind::Hash),
    ("dll.hash.md5", FieldKind::Hash),
    ("dll.hash.sha1", FieldKind::Hash),
    ("dll.hash.sha256", FieldKind::Hash),
    ("related.ip", FieldKind::Ip),
    ("related.hosts", FieldKind::Host),
    ("related.hash", FieldKind::Hash),
];

/// Hits gathered for one event, each indicator once (the first field that met it).
struct Collector<'e> {
    hits: Vec<(RawHit, &'static str, &'e str)>,
}

impl<'e> Collector<'e> {
    fn add(&mut self, hit: RawHit, field: &'static str, observed: &'e str) {
        if !self.hits.iter().any(|(h, _, _)| h.entry == hit.entry) {
            self.hits.push((hit, field, observed));
        }
    }
}

/// Values already looked up in this event (`related.ip` repeats `source.ip`): a
/// repeat can only meet indicators already met, so it is skipped.
struct Seen<'e> {
    ips: [Option<IpAddr>; 8],
    hosts: [&'e str; 8],
    n_ips: usize,
    n_hosts: usize,
}

impl<'e> Seen<'e> {
    fn new() -> Self {
        Self {
            ips: [None; 8],
            hosts: [""; 8],
            n_ips: 0,
            n_hosts: 0,
        }
    }

    /// True the first time `ip` is offered.
    fn first_ip(&mut self, ip: IpAddr) -> bool {
        if self.ips[..self.n_ips].contains(&Some(ip)) {
            return false;
        }
        if self.n_ips < self.ips.len() {
            self.ips[self.n_ips] = Some(ip);
            self.n_ips += 1;
        }
        true
    }

    fn first_host(&mut self, host: &'e str) -> bool {
        if self.hosts[..self.n_hosts].contains(&host) {
            return false;
        }
        if self.n_hosts < self.hosts.len() {
            self.hosts[self.n_hosts] = host;
            self.n_hosts += 1;
        }
        true
    }
}

/// The string values of a field: one string, or the strings of an array.
fn strings(v: Option<&Value>) -> impl Iterator<Item = &str> {
    let (one, many) = match v {
        Some(Value::String(s)) => (Some(s.as_str()), None),
        Some(Value::Array(items)) => (None, Some(items.iter().filter_map(Value::as_str))),
        _ => (None, None),
    };
    one.into_iter().chain(many.into_iter().flatten())
}

/// AS numbers as numbers, numeric strings or `AS123`.
fn asns(v: Option<&Value>) -> impl Iterator<Item = u32> + '_ {
    fn one(v: &Value) -> Option<u32> {
        match v {
            Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
            Value::String(s) => s.trim().parse().ok().or_else(|| value::parse_asn(s.trim())),
            _ => None,
        }
    }
    let items: &[Value] = match v {
        Some(Value::Array(items)) => items,
        Some(other) => std::slice::from_ref(other),
        None => &[],
    };
    items.iter().filter_map(one)
}

/// Walks a dotted path below an object.
fn walk<'v>(mut v: &'v Value, path: &str) -> Option<&'v Value> {
    for part in path.split('.') {
        v = v.as_object()?.get(part)?;
    }
    Some(v)
}

impl IndicatorSet {
    /// Every live indicator met by the event's ECS fields ([`FIELDS`]). Expiry is
    /// judged at the event's `@timestamp` when it has one (never later than `now`),
    /// else at `now`.
    pub fn match_event(&self, event: &Event, now: DateTime<Utc>) -> Vec<IndicatorHit> {
        if self.is_empty() {
            return Vec::new();
        }
        let event_time = || event.timestamp();
        let mut clock = Clock::for_event(now, &event_time);
        let mut out = Collector { hits: Vec::new() };
        let mut seen = Seen::new();
        let wants = |kind: FieldKind| match kind {
            FieldKind::Ip => self.has_ips(),
            FieldKind::Host => self.has_domains() || self.has_ips(),
            FieldKind::Url => self.has_urls() || self.has_domains() || self.has_ips(),
            FieldKind::Hash => self.has_hashes(),
            FieldKind::Asn => self.has_asns(),
        };
        let doc = event.as_object();
        let mut i = 0;
        while i < FIELDS.len() {
            let root = FIELDS[i].0.split('.').next().unwrap_or("");
            let group_end = FIELDS[i..]
                .iter()
                .position(|(f, _)| {
                    !(f.starts_with(root) && f.as_bytes().get(root.len()) == Some(&b'.'))
                })
                .map_or(FIELDS.len(), |n| i + n);
            let group = &FIELDS[i..group_end];
            i = group_end;
            let Some(object) = doc.get(root) else {
                continue;
            };
            for &(field, kind) in group {
                if !wants(kind) {
                    continue;
                }
                let v = walk(object, &field[root.len() + 1..]);
                match kind {
                    FieldKind::Ip => {
                        for s in strings(v) {
                            if let Some(ip) = value::parse_ip_loose(s.trim()) {
                                if seen.first_ip(ip) {
                                    self.visit_ip(ip, &mut clock, &mut |h| out.add(h, field, s));
                                }
                            }
                        }
                    }
                    FieldKind::Host => {
                        for s in strings(v) {
                            if seen.first_host(s) {
                                self.visit_host(s, &mut clock, &mut |h| out.add(h, field, s));
                            }
                        }
                    }
                    FieldKind::Url => {
                        let url_domain = object.get("domain").and_then(Value::as_str);
                        for s in strings(v) {
                            let target = s.trim();
                            if target.starts_with('/') {
                                if let Some(host) = url_domain {
                                    self.visit_url_parts(host, target, &mut clock, &mut |h| {
                                        out.add(h, field, s)
                                    });
                                }
                                continue;
                            }
                            self.visit_url(target, &mut clock, &mut |h| out.add(h, field, s));
                            if let Some(host) = value::url_host(target) {
                                if seen.first_host(host) {
                                    self.visit_host(host, &mut clock, &mut |h| {
                                        out.add(h, field, s)
                                    });
                                }
                            }
                        }
                    }
                    FieldKind::Hash => {
                        for s in strings(v) {
                            self.visit_hash(s, &mut clock, &mut |h| out.add(h, field, s));
                        }
                    }
                    FieldKind::Asn => {
                        for asn in asns(v) {
                            // The observed text is rendered at hit time, below.
                            self.visit_asn(asn, &mut clock, &mut |h| out.add(h, field, ""));
                        }
                    }
                }
            }
        }

        out.hits
            .into_iter()
            .map(|(hit, field, observed)| {
                let indicator = self.indicator(&hit);
                let observed = if observed.is_empty() {
                    indicator.value.trim_start_matches("AS").to_owned()
                } else {
                    observed.to_owned()
                };
                IndicatorHit {
                    indicator,
                    field,
                    observed,
                    matched: hit.matched,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::types::{Attrs, IndicatorMeta, MatchKind};
    use crate::value::detect;
    use crate::IndicatorSetBuilder;
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;

    fn set(values: &[&str]) -> IndicatorSet {
        let mut b = IndicatorSetBuilder::new();
        let meta = b.meta(IndicatorMeta {
            source: "unit".into(),
            ..Default::default()
        });
        for v in values {
            let a = Attrs {
                meta,
                id: None,
                confidence: 80,
                expiry: None,
            };
            b.insert(&detect(v).unwrap(), &a).unwrap();
        }
        b.build()
    }

    fn event(doc: Value) -> Event {
        match doc {
            Value::Object(map) => Event::from_object(map),
            _ => unreachable!(),
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap()
    }

    #[test]
    fn reads_every_field_family() {
        let s = set(&[
            "203.0.113.7",
            "198.51.100.0/24",
            "evil.com",
            "http://bad.org/x.exe",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "AS64500",
        ]);
        let e = event(json!({
            "source": {"ip": "10.0.0.1", "as": {"number": 64500}},
            "destination": {"ip": "198.51.100.9"},
            "related": {"ip": ["10.0.0.1", "203.0.113.7"], "hosts": ["WWW.EVIL.COM."]},
            "url": {"original": "HTTP://bad.org/x.exe"},
            "process": {"hash": {"sha256": "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"}},
        }));
        let hits = s.match_event(&e, now());
        let got: Vec<_> = hits
            .iter()
            .map(|h| (h.field, h.indicator.value.as_str(), h.matched))
            .collect();
        assert_eq!(
            got,
            [
                ("source.as.number", "AS64500", MatchKind::Exact),
                ("destination.ip", "198.51.100.0/24", MatchKind::Network),
                ("url.original", "http://bad.org/x.exe", MatchKind::Exact),
                (
                    "process.hash.sha256",
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                    MatchKind::Exact
                ),
                ("related.ip", "203.0.113.7", MatchKind::Exact),
                ("related.hosts", "evil.com", MatchKind::Subdomain),
            ]
        );
        assert_eq!(hits[0].observed, "64500");
        assert_eq!(hits[5].observed, "WWW.EVIL.COM.");
    }

    #[test]
    fn one_hit_per_indicator_and_url_hosts() {
        let s = set(&["evil.com", "http://evil.com/p?q=1"]);
        let e = event(json!({
            "url": {"domain": "evil.com", "original": "/p?q=1"},
            "destination": {"domain": "evil.com"},
        }));
        let hits = s.match_event(&e, now());
        let got: Vec<_> = hits
            .iter()
            .map(|h| (h.field, h.indicator.value.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("destination.domain", "evil.com"),
                ("url.original", "http://evil.com/p?q=1")
            ]
        );

        let e = event(json!({"url": {"full": "https://sub.evil.com:8443/"}}));
        let hits = s.match_event(&e, now());
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].matched, MatchKind::Subdomain);
    }

    #[test]
    fn quiet_events_and_odd_values_meet_nothing() {
        let s = set(&["1.2.3.4", "evil.com", &"a".repeat(32)]);
        for doc in [
            json!({}),
            json!({"source": {"ip": 1234}}),
            json!({"source": {"ip": ["x", null, {"a": 1}]}}),
            json!({"source": "not an object"}),
            json!({"dns": {"question": {"name": "x".repeat(400)}}}),
            json!({"file": {"hash": {"md5": "zz"}}}),
            json!({"url": {"original": "/relative/without/host"}}),
            json!({"source": {"as": {"number": -5}}}),
        ] {
            assert!(s.match_event(&event(doc), now()).is_empty());
        }
    }

    #[test]
    fn expiry_uses_event_time_but_never_the_future() {
        let mut b = IndicatorSetBuilder::new();
        let meta = b.meta(IndicatorMeta::default());
        let expiry = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let a = Attrs {
            meta,
            id: Some("x"),
            confidence: 50,
            expiry: Some(expiry),
        };
        b.insert(&detect("1.2.3.4").unwrap(), &a).unwrap();
        let s = b.build();
        let old = event(json!({"@timestamp": "2025-06-01T00:00:00Z", "source": {"ip": "1.2.3.4"}}));
        let future =
            event(json!({"@timestamp": "2030-06-01T00:00:00Z", "source": {"ip": "1.2.3.4"}}));
        let untimed = event(json!({"source": {"ip": "1.2.3.4"}}));
        let before = Utc.with_ymd_and_hms(2025, 12, 1, 0, 0, 0).unwrap();
        assert_eq!(
            s.match_event(&old, now()).len(),
            1,
            "valid when the event happened"
        );
        assert!(
            s.match_event(&future, now()).is_empty(),
            "a future clock does not revive it"
        );
        assert_eq!(s.match_event(&future, before).len(), 1);
        assert!(s.match_event(&untimed, now()).is_empty());
        assert_eq!(s.match_event(&untimed, before).len(), 1);
    }
}
