//! Realistic mixed log lines for the demo and the benchmarks: the formats a site speaks
//! (RFC 5424, RFC 3164, CEF, LEEF, JSON, key=value), with recurring hosts, users and a
//! brute-force burst now and then, so searches and charts have something to show.

use chrono::{DateTime, Utc};

/// Deterministic xorshift: reproducible traffic without a dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const HOSTS: &[&str] = &[
    "web01", "web02", "db01", "mail01", "vpn01", "dc01", "files01",
];
const USERS: &[&str] = &[
    "alice", "bob", "carol", "dave", "admin", "root", "zhangwei", "liuyang",
];
const PATHS: &[&str] = &[
    "/",
    "/login",
    "/api/v1/orders",
    "/static/app.js",
    "/admin",
    "/wp-login.php",
    "/search?q=report",
];
const ATTACKERS: &[&str] = &["203.0.113.7", "198.51.100.23", "192.0.2.77"];

fn internal(rng: &mut Rng) -> String {
    format!(
        "10.{}.{}.{}",
        rng.below(4),
        rng.below(32),
        2 + rng.below(250)
    )
}

fn external(rng: &mut Rng) -> String {
    format!(
        "{}.{}.{}.{}",
        11 + rng.below(180),
        rng.below(256),
        rng.below(256),
        1 + rng.below(254)
    )
}

/// The kinds of line [`line`] produces, by name.
pub const KINDS: &[&str] = &["rfc5424", "rfc3164", "cef", "leef", "json", "kv"];

/// One line of the given kind (an index into [`KINDS`]).
pub fn line(rng: &mut Rng, kind: usize, now: DateTime<Utc>) -> String {
    let ts5424 = now.format("%Y-%m-%dT%H:%M:%S%.3fZ");
    let ts3164 = now.format("%b %e %H:%M:%S");
    match kind % KINDS.len() {
        0 => {
            let host = rng.pick(HOSTS);
            let status = [200, 200, 200, 301, 404, 500][rng.below(6) as usize];
            format!(
                "<190>1 {ts5424} {host} nginx {} - [meta sequenceId=\"{}\"] {} - - \"GET {} HTTP/1.1\" {status} {} \"-\" \"Mozilla/5.0\"",
                1000 + rng.below(9000),
                rng.below(1_000_000),
                external(rng),
                rng.pick(PATHS),
                200 + rng.below(50_000)
            )
        }
        1 => {
            let host = rng.pick(HOSTS);
            let pid = 1000 + rng.below(30_000);
            if rng.below(4) == 0 {
                format!(
                    "<38>{ts3164} {host} sshd[{pid}]: Failed password for {} from {} port {} ssh2",
                    rng.pick(USERS),
                    rng.pick(ATTACKERS),
                    1024 + rng.below(60_000)
                )
            } else {
                format!(
                    "<86>{ts3164} {host} sshd[{pid}]: Accepted publickey for {} from {} port {} ssh2",
                    rng.pick(USERS),
                    internal(rng),
                    1024 + rng.below(60_000)
                )
            }
        }
        2 => {
            let act = ["allow", "allow", "deny", "drop"][rng.below(4) as usize];
            format!(
                "<134>{ts3164} fw01 CEF:0|Steward Labs|EdgeWall|7.4|{}|Traffic {act}|{}|src={} spt={} dst={} dpt={} proto=TCP act={act} in={} out={}",
                100 + rng.below(20),
                rng.below(10),
                internal(rng),
                1024 + rng.below(60_000),
                external(rng),
                [443, 80, 53, 22, 3389, 8080][rng.below(6) as usize],
                rng.below(100_000),
                rng.below(2_000_000)
            )
        }
        3 => format!(
            "LEEF:2.0|Steward Labs|MailGuard|2.1|{}|^|src={}^dst={}^srcPort={}^dstPort=25^usrName={}^sev={}^cat=spam",
            ["MAIL_SPAM", "MAIL_VIRUS", "MAIL_OK"][rng.below(3) as usize],
            external(rng),
            internal(rng),
            1024 + rng.below(60_000),
            rng.pick(USERS),
            1 + rng.below(9)
        ),
        4 => format!(
            "{{\"@timestamp\":\"{ts5424}\",\"log\":{{\"level\":\"{}\"}},\"service\":{{\"name\":\"billing\"}},\"user\":{{\"name\":\"{}\"}},\"source\":{{\"ip\":\"{}\"}},\"message\":\"invoice {} {}\"}}",
            ["info", "info", "warn", "error"][rng.below(4) as usize],
            rng.pick(USERS),
            internal(rng),
            rng.below(100_000),
            ["created", "paid", "refused", "exported"][rng.below(4) as usize]
        ),
        _ => format!(
            "date={} time={} devname=FG100E type=traffic action={} srcip={} srcport={} dstip={} dstport={} proto=6 user=\"{}\" msg=\"policy {} matched\"",
            now.format("%Y-%m-%d"),
            now.format("%H:%M:%S"),
            ["accept", "deny", "close"][rng.below(3) as usize],
            internal(rng),
            1024 + rng.below(60_000),
            external(rng),
            [443, 80, 445, 22][rng.below(4) as usize],
            rng.pick(USERS),
            rng.below(50)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_parses_without_error_under_auto() {
        let registry = std::sync::Arc::new(steward_normalize::Registry::builtin());
        let normalizer = steward_normalize::Normalizer::new(registry);
        let mut rng = Rng::new(7);
        let options = steward_normalize::ParseOptions::default();
        for (kind, name) in KINDS.iter().enumerate() {
            for _ in 0..20 {
                let l = line(&mut rng, kind, Utc::now());
                let meta = steward_normalize::RecordMeta {
                    received: Utc::now(),
                    peer: None,
                    listener: None,
                    truncated: false,
                };
                let e = normalizer.normalize(l.as_bytes(), "auto", &options, &meta);
                assert!(
                    e.get("error.message").is_none(),
                    "{} failed: {l}\n{}",
                    name,
                    e.to_json()
                );
            }
        }
    }
}
