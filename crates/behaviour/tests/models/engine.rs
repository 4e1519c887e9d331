//! Engine-wide behaviour: configuration, bounded memory, time handling, output shape.

use super::common::*;
use chrono::Duration;
use serde_json::json;
use steward_behaviour::{BehaviourConfig, Behaviours, ConfigError, MODELS};

#[test]
fn config_reads_from_toml_and_refuses_typos() {
    let text = r#"
        max_future_skew_secs = 60
        internal_networks = ["10.0.0.0/8", "100.64.0.0/10"]

        [brute_force]
        failures = 5
        window_secs = 120

        [web_attack]
        enabled = false
    "#;
    let c: BehaviourConfig = toml::from_str(text).unwrap();
    assert_eq!(c.brute_force.failures, 5);
    assert_eq!(
        c.brute_force.spray_users, 10,
        "unset keys keep their default"
    );
    assert!(!c.web_attack.enabled);
    assert!(c.port_scan.enabled);
    assert!(Behaviours::new(c).is_ok());

    assert!(toml::from_str::<BehaviourConfig>("[brute_force]\nfailure = 5").is_err());
    assert!(toml::from_str::<BehaviourConfig>("[brute_forse]\nfailures = 5").is_err());
    // An empty file is the default configuration.
    assert_eq!(
        toml::from_str::<BehaviourConfig>("").unwrap(),
        BehaviourConfig::default()
    );
}

#[test]
fn invalid_values_are_refused_with_their_key() {
    type Change = Box<dyn Fn(&mut BehaviourConfig)>;
    let cases: Vec<(&str, Change)> = vec![
        (
            "brute_force.window_secs",
            Box::new(|c| c.brute_force.window_secs = 0),
        ),
        (
            "brute_force.failures",
            Box::new(|c| c.brute_force.failures = 0),
        ),
        ("port_scan.max_keys", Box::new(|c| c.port_scan.max_keys = 0)),
        (
            "beaconing.max_cv",
            Box::new(|c| c.beaconing.max_cv = f64::NAN),
        ),
        (
            "exfiltration.alpha",
            Box::new(|c| c.exfiltration.alpha = 0.0),
        ),
        (
            "internal_networks",
            Box::new(|c| c.internal_networks = vec!["10.0.0.0/99".into()]),
        ),
        (
            "port_scan.exclude_sources",
            Box::new(|c| c.port_scan.exclude_sources = vec!["x".into()]),
        ),
        (
            "beaconing.min_interval_secs",
            Box::new(|c| c.beaconing.min_interval_secs = 7200),
        ),
    ];
    for (key, change) in cases {
        let mut c = BehaviourConfig::default();
        change(&mut c);
        match Behaviours::new(c) {
            Err(ConfigError::Invalid { key: k, .. }) => assert_eq!(k, key),
            Ok(_) => panic!("{key}: accepted"),
        }
    }
}

#[test]
fn full_tables_evict_oldest_and_count() {
    let mut b = engine(|c| {
        c.brute_force.enabled = true;
        c.brute_force.max_keys = 3;
        c.port_scan.enabled = true;
        c.port_scan.max_keys = 2;
        c.exfiltration.enabled = true;
        c.exfiltration.max_keys = 4;
    });
    for i in 0..10 {
        let ip = format!("10.0.1.{i}");
        b.observe_at(&ssh_logon(i as f64, &ip, "root", false), now());
        b.observe_at(&flow(i as f64, &ip, "198.51.100.1", 22), now());
    }
    // Exfiltration needs bytes.
    for i in 0..10 {
        let e = event(json!({"@timestamp": ts(20.0 + i as f64),
            "source": {"ip": format!("10.0.2.{i}"), "bytes": 1000},
            "destination": {"ip": "198.51.100.2"}}));
        b.observe_at(&e, now());
    }
    let s = b.stats();
    let bf = s.model("brute_force").unwrap();
    assert_eq!((bf.tracked_keys, bf.evictions, bf.max_keys), (3, 7, 3));
    let ps = s.model("port_scan").unwrap();
    // Two tables (horizontal by source and port, vertical by source and destination).
    assert_eq!((ps.tracked_keys, ps.evictions), (4, 16));
    let ex = s.model("exfiltration").unwrap();
    assert_eq!((ex.tracked_keys, ex.evictions), (4, 6));
    assert_eq!(s.evictions(), 7 + 16 + 6);
    assert_eq!(s.tracked_keys(), 3 + 4 + 4);
}

#[test]
fn idle_state_expires_as_time_advances() {
    let mut b = engine(|c| c.brute_force.enabled = true);
    for i in 0..100 {
        b.observe_at(
            &ssh_logon(i as f64, &format!("10.0.3.{i}"), "root", false),
            now(),
        );
    }
    assert_eq!(b.stats().model("brute_force").unwrap().tracked_keys, 100);
    // Ten minutes later (window 5 min) one more failure: the idle keys go.
    b.observe_at(&ssh_logon(700.0, "10.0.4.1", "root", false), now());
    let s = b.stats();
    let bf = s.model("brute_force").unwrap();
    assert_eq!((bf.tracked_keys, bf.expired, bf.evictions), (1, 100, 0));
}

#[test]
fn out_of_order_events_still_count() {
    let mut b = engine(|c| c.brute_force.enabled = true);
    let order = [7, 2, 9, 0, 5, 3, 8, 1, 6, 4];
    let events: Vec<_> = order
        .iter()
        .map(|&i| ssh_logon(i as f64 * 10.0, "203.0.113.70", "root", false))
        .collect();
    let found = run(&mut b, &events);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].details["failures"], json!(10));

    // A beacon whose records arrive shuffled in small batches.
    let mut b = engine(|c| c.beaconing.enabled = true);
    let mut events: Vec<_> = (0..20)
        .map(|i| flow(i as f64 * 60.0, "10.0.0.15", "198.51.100.77", 443))
        .collect();
    for chunk in events.chunks_mut(4) {
        chunk.reverse();
    }
    assert_eq!(run(&mut b, &events).len(), 1);
}

#[test]
fn missing_invalid_and_future_timestamps_fall_back_to_the_clock() {
    let mut b = engine(|c| c.brute_force.enabled = true);
    let mut found = Vec::new();
    for i in 0..10 {
        let mut e = ssh_logon(0.0, "203.0.113.71", "root", false);
        match i % 3 {
            0 => {
                e.remove("@timestamp");
            }
            1 => e.set("@timestamp", "yesterday-ish"),
            _ => e.set("@timestamp", "2999-01-01T00:00:00Z"),
        }
        let clock = now() + Duration::seconds(i);
        found.extend(b.observe_at(&e, clock));
    }
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].timestamp, now() + Duration::seconds(9));
    assert_eq!(b.stats().timestamp_fallbacks, 10);

    // Within the allowed skew an event's own (slightly future) time is kept.
    let mut b = engine(|c| c.brute_force.enabled = true);
    let e = ssh_logon(0.0, "203.0.113.72", "root", false);
    let clock = t0() - Duration::seconds(60);
    b.observe_at(&e, clock);
    assert_eq!(b.stats().timestamp_fallbacks, 0);

    // The system clock variant works too.
    let mut b = Behaviours::new(BehaviourConfig::default()).unwrap();
    assert!(b
        .observe(&ssh_logon(0.0, "203.0.113.73", "root", false))
        .is_empty());
}

#[test]
fn an_engine_can_move_to_a_pipeline_thread() {
    fn send<T: Send>(_: &T) {}
    send(&Behaviours::new(BehaviourConfig::default()).unwrap());
}

#[test]
fn stats_list_every_model_in_order() {
    let b = engine(|c| c.web_attack.enabled = true);
    let s = b.stats();
    let names: Vec<_> = s.models.iter().map(|m| m.model).collect();
    assert_eq!(names, MODELS.to_vec());
    let enabled: Vec<_> = s
        .models
        .iter()
        .filter(|m| m.enabled)
        .map(|m| m.model)
        .collect();
    assert_eq!(enabled, vec!["web_attack"]);
}

#[test]
fn detections_carry_entities_ids_and_serialise() {
    let mut b = engine(|c| c.web_attack.enabled = true);
    let mut e = event(json!({
        "@timestamp": ts(0.0),
        "event": {"id": "evt-42"},
        "source": {"ip": "203.0.113.80"},
        "destination": {"ip": "10.0.0.80"},
        "host": {"name": "shop01"},
        "url": {"original": "/q?id=1 union select 1", "domain": "shop.example"},
    }));
    e.set("user.name", "guest");
    let found = b.observe_at(&e, now());
    assert_eq!(found.len(), 1);
    let d = &found[0];
    assert_eq!(d.event_ids, vec!["evt-42".to_owned()]);
    assert_eq!(d.entities.source_ip.as_deref(), Some("203.0.113.80"));
    assert_eq!(d.entities.destination_ip.as_deref(), Some("10.0.0.80"));
    assert_eq!(d.entities.host.as_deref(), Some("shop01"));
    assert_eq!(d.entities.domain.as_deref(), Some("shop.example"));
    assert_eq!(d.details["model"], json!("web_attack"));
    let text = serde_json::to_string(d).unwrap();
    let back: steward_model::Detection = serde_json::from_str(&text).unwrap();
    assert_eq!(&back, d);
}
