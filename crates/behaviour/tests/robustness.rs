//! Hostile input never panics and never grows memory past the caps: wrong types, huge
//! strings, deep nesting, huge arrays, nonsense times, broken encodings.

use chrono::{TimeZone, Utc};
use serde_json::{json, Map, Value};
use steward_behaviour::{BehaviourConfig, Behaviours};
use steward_model::Event;

fn all_models(max_keys: usize) -> Behaviours {
    let mut c = BehaviourConfig::default();
    c.brute_force.max_keys = max_keys;
    c.brute_force.failures = 2;
    c.port_scan.max_keys = max_keys;
    c.port_scan.horizontal_hosts = 2;
    c.port_scan.vertical_ports = 2;
    c.beaconing.max_keys = max_keys;
    c.beaconing.min_connections = 3;
    c.crypto_mining.max_keys = max_keys;
    c.ransomware.max_keys = max_keys;
    c.ransomware.unusual_renames = 1;
    c.lateral_movement.max_keys = max_keys;
    c.lateral_movement.hosts = 2;
    c.exfiltration.max_keys = max_keys;
    c.exfiltration.min_history = 1;
    c.exfiltration.min_bytes = 0;
    c.web_attack.max_keys = max_keys;
    c.web_attack.cooldown_secs = 0;
    Behaviours::new(c).unwrap()
}

fn event(v: Value) -> Event {
    match v {
        Value::Object(m) => Event::from_object(m),
        _ => Event::new(),
    }
}

/// Every field some model reads.
const PATHS: &[&str] = &[
    "@timestamp",
    "event.category",
    "event.type",
    "event.action",
    "event.outcome",
    "event.id",
    "event.code",
    "winlog.event_id",
    "winlog.channel",
    "winlog.event_data.LogonType",
    "winlog.logon.type",
    "winlog.event_data.TargetUserName",
    "winlog.event_data.ElevatedToken",
    "winlog.event_data.CommandLine",
    "winlog.computer_name",
    "source.ip",
    "source.port",
    "source.bytes",
    "client.ip",
    "destination.ip",
    "destination.port",
    "destination.domain",
    "network.bytes",
    "network.transport",
    "dns.question.name",
    "url.original",
    "url.full",
    "url.path",
    "url.query",
    "url.domain",
    "http.request.body.content",
    "user_agent.original",
    "tls.client.server_name",
    "process.command_line",
    "process.args",
    "process.name",
    "process.executable",
    "process.pid",
    "process.entity_id",
    "file.path",
    "file.name",
    "file.extension",
    "file.Ext.original.path",
    "host.name",
    "host.hostname",
    "user.name",
    "user.domain",
    "user.roles",
    "group.name",
];

fn nasty_values() -> Vec<Value> {
    let huge = "A".repeat(1 << 20);
    let mut deep = json!("bottom");
    for _ in 0..500 {
        deep = json!({ "x": deep });
    }
    vec![
        Value::Null,
        json!(true),
        json!(-1),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(1.5e308),
        json!(-0.0),
        json!(""),
        json!("-"),
        json!("999.999.1.1"),
        json!("::::"),
        json!("fe80::1%eth0"),
        json!("10.0.0.1"),
        json!("203.0.113.9"),
        json!("99999"),
        json!("NaN"),
        json!("0000-01-01T00:00:00Z"),
        json!("+262143-12-31T23:59:59Z"),
        json!("9999-12-31T23:59:59.999999999+14:00"),
        json!("%"),
        json!("%u12"),
        json!("%%%%%25%2"),
        json!("&#"),
        json!("&#xffffffffff;"),
        json!("\\x"),
        json!("\\u12"),
        json!("/*!"),
        json!("/*"),
        json!("*/"),
        json!("..%c0"),
        json!("%c0%ae%c0"),
        json!("stratum+"),
        json!("stratum2+tcp://"),
        json!("vssadmin"),
        json!("登录失败 ${jndi: 😀 \u{202e}"),
        json!("a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.pool.supportxmr.com"),
        json!(["authentication", 1, null, {"a": 1}, ["nested"]]),
        json!((0..100_000).map(|i| json!(i)).collect::<Vec<_>>()),
        json!({"nested": "object"}),
        deep,
        json!(huge.clone()),
        json!(format!("/x?q={huge}' union select 1--")),
        json!(format!("{}{}", "%25".repeat(100_000), "3c")),
        json!(format!("{}{}", "../".repeat(100_000), "etc/passwd")),
        json!(format!("xmrig -o {}", ".".repeat(300_000))),
    ]
}

#[test]
fn every_field_with_every_nasty_value() {
    let mut b = all_models(1000);
    let now = Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap();
    let values = nasty_values();
    // A plausible base event, with one field replaced at a time.
    let base = json!({
        "@timestamp": "2026-04-30T12:00:00Z",
        "event": {"category": ["authentication", "network", "process", "file", "web"],
                  "type": ["start", "change"], "action": "rename", "outcome": "failure"},
        "winlog": {"event_id": 4624, "event_data": {"LogonType": 3}},
        "source": {"ip": "10.0.0.5", "port": 50000, "bytes": 1000},
        "destination": {"ip": "198.51.100.1", "port": 3333, "domain": "xmr.pool.example"},
        "url": {"original": "/a?b=c"},
        "process": {"command_line": "vssadmin delete shadows", "name": "xmrig"},
        "file": {"path": "/x/y.docx.locked"},
        "host": {"name": "h1"},
        "user": {"name": "u1"},
    });
    let mut n = 0u64;
    for path in PATHS {
        for value in &values {
            let mut e = event(base.clone());
            e.set(path, value.clone());
            let found = b.observe_at(&e, now);
            for d in &found {
                assert!(d.rule_id.starts_with("behaviour."));
                assert!(serde_json::to_string(d).is_ok());
                // Evidence is cut, so no detection carries a megabyte.
                assert!(
                    serde_json::to_string(d).unwrap().len() < 64 * 1024,
                    "{}",
                    d.rule_id
                );
            }
            n += 1;
        }
    }
    // Whole events of the wrong shape.
    for value in &values {
        let mut m = Map::new();
        for path in PATHS.iter().take(12) {
            m.insert((*path).to_owned(), value.clone());
        }
        b.observe_at(&Event::from_object(m), now);
        n += 1;
    }
    b.observe_at(&Event::new(), now);
    let s = b.stats();
    assert_eq!(s.events, n + 1);
    for m in &s.models {
        assert!(m.tracked_keys <= 4 * m.max_keys, "{m:?}");
    }
}

/// A small deterministic generator, so a failure can be replayed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

#[test]
fn random_mixtures_stay_within_caps() {
    let cap = 50;
    let mut b = all_models(cap);
    let now = Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let values = nasty_values();
    let small: Vec<&Value> = values
        .iter()
        .filter(|v| v.to_string().len() < 2000)
        .collect();
    for i in 0..20_000u64 {
        let mut e = Event::new();
        let t = now - chrono::Duration::seconds((rng.next() % 100_000) as i64);
        e.set("@timestamp", t.to_rfc3339());
        for _ in 0..6 {
            let path = *rng.pick(PATHS);
            let value = match rng.next() % 4 {
                0 => (*rng.pick(&small)).clone(),
                1 => json!(format!(
                    "10.{}.{}.{}",
                    rng.next() % 4,
                    rng.next() % 256,
                    i % 256
                )),
                2 => json!(rng.next() % 70_000),
                _ => json!(*rng.pick(&[
                    "failure",
                    "success",
                    "logged-in",
                    "rename",
                    "3",
                    "4624",
                    "/q?id=1 union select 2",
                    "authentication",
                    "file",
                    "198.51.100.7"
                ])),
            };
            e.set(path, value);
        }
        b.observe_at(&e, now);
    }
    let s = b.stats();
    assert_eq!(s.events, 20_000);
    for m in &s.models {
        // Each model has at most four tables of `cap` keys.
        assert!(m.tracked_keys <= 4 * cap, "{m:?}");
    }
    assert!(s.evictions() > 0, "the caps were exercised: {s:#?}");
}
