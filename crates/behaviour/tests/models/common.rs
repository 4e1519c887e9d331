//! Builders for the realistic sequences the model tests replay.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{json, Value};
use steward_behaviour::{BehaviourConfig, Behaviours};
use steward_model::{Detection, Event};

/// Where every sequence starts.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

/// The "system clock" the tests hand to `observe_at`: well after every event.
pub fn now() -> DateTime<Utc> {
    t0() + Duration::days(60)
}

/// An ECS timestamp `secs` (may be fractional) after [`t0`].
pub fn ts(secs: f64) -> String {
    let t = t0() + Duration::milliseconds((secs * 1000.0).round() as i64);
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub fn event(v: Value) -> Event {
    match v {
        Value::Object(map) => Event::from_object(map),
        other => panic!("not an object: {other}"),
    }
}

/// An engine with only the models `enable` switches on.
pub fn engine(enable: impl FnOnce(&mut BehaviourConfig)) -> Behaviours {
    let mut c = BehaviourConfig::none();
    enable(&mut c);
    Behaviours::new(c).expect("valid config")
}

pub fn run(b: &mut Behaviours, events: &[Event]) -> Vec<Detection> {
    events.iter().flat_map(|e| b.observe_at(e, now())).collect()
}

pub fn variant(d: &Detection) -> &str {
    d.details
        .get("variant")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// An sshd-style logon event as the system/auth parsers write it.
pub fn ssh_logon(secs: f64, src: &str, user: &str, ok: bool) -> Event {
    event(json!({
        "@timestamp": ts(secs),
        "event": {
            "category": ["authentication"],
            "action": "ssh_login",
            "outcome": if ok { "success" } else { "failure" },
            "type": ["info"],
        },
        "source": {"ip": src, "port": 40000 + (secs as i64 % 20000)},
        "user": {"name": user},
        "host": {"hostname": "web01"},
        "process": {"name": "sshd"},
    }))
}

/// A firewall/flow connection record.
pub fn flow(secs: f64, src: &str, dst: &str, port: u16) -> Event {
    event(json!({
        "@timestamp": ts(secs),
        "event": {"category": ["network"], "type": ["connection", "start"], "action": "accept"},
        "source": {"ip": src, "port": 50000},
        "destination": {"ip": dst, "port": port},
        "network": {"transport": "tcp"},
    }))
}
