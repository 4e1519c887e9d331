use super::common::*;
use serde_json::json;
use steward_model::Event;

fn beacon() -> steward_behaviour::Behaviours {
    engine(|c| c.beaconing.enabled = true)
}

/// Deterministic jitter in [-1, 1).
fn jitter(i: u64) -> f64 {
    let x = i
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407)
        >> 33;
    (x % 2000) as f64 / 1000.0 - 1.0
}

/// `n` connections `every` seconds apart, each moved by up to `spread` seconds.
fn series(src: &str, dst: &str, port: u16, n: u64, every: f64, spread: f64) -> Vec<Event> {
    (0..n)
        .map(|i| flow(i as f64 * every + jitter(i) * spread, src, dst, port))
        .collect()
}

#[test]
fn implant_polling_every_minute_fires_once() {
    let mut b = beacon();
    let events = series("10.0.0.15", "198.51.100.77", 443, 30, 60.0, 3.0);
    let found = run(&mut b, &events);
    assert_eq!(found.len(), 1, "{found:#?}");
    let d = &found[0];
    assert_eq!(d.rule_id, "behaviour.beaconing");
    assert_eq!(d.details["connections"], json!(10));
    let mean = d.details["mean_interval_secs"].as_f64().unwrap();
    assert!((55.0..65.0).contains(&mean), "{mean}");
    assert!(d.details["cv"].as_f64().unwrap() <= 0.2);
    assert_eq!(d.entities.destination_ip.as_deref(), Some("198.51.100.77"));
    assert!(d.tags.contains(&"attack.t1071".to_owned()));
}

#[test]
fn start_and_end_records_of_one_connection_merge() {
    let mut b = beacon();
    let mut events = Vec::new();
    for e in series("10.0.0.16", "198.51.100.78", 8443, 12, 120.0, 1.0) {
        let mut end = e.clone();
        let t = e.timestamp().unwrap() + chrono::Duration::milliseconds(400);
        end.set(
            "@timestamp",
            t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        );
        events.push(e);
        events.push(end);
    }
    let found = run(&mut b, &events);
    assert_eq!(found.len(), 1);
    let mean = found[0].details["mean_interval_secs"].as_f64().unwrap();
    assert!((115.0..125.0).contains(&mean), "{mean}");
}

#[test]
fn dns_beacon_names_the_domain() {
    let mut b = beacon();
    let events: Vec<_> = (0..12)
        .map(|i| {
            event(json!({
                "@timestamp": ts(i as f64 * 300.0 + jitter(i) * 5.0),
                "event": {"category": ["network"]},
                "source": {"ip": "10.0.0.40", "port": 53001},
                "destination": {"ip": "10.0.0.2", "port": 53},
                "dns": {"question": {"name": "Update.C2-Example.net."}, "type": "query"},
            }))
        })
        .collect();
    let found = run(&mut b, &events);
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].entities.domain.as_deref(),
        Some("update.c2-example.net")
    );
}

#[test]
fn near_misses_stay_quiet() {
    // Human browsing: irregular gaps between 5 s and 5 min.
    let mut b = beacon();
    let mut t = 0.0;
    let events: Vec<_> = (0..40)
        .map(|i| {
            t += 5.0 + (jitter(i) + 1.0) * 150.0;
            flow(t, "10.0.0.17", "198.51.100.79", 443)
        })
        .collect();
    assert!(run(&mut b, &events).is_empty());

    // Perfectly regular but every 2 s (a keep-alive, below min_interval_secs).
    let mut b = beacon();
    assert!(run(
        &mut b,
        &series("10.0.0.18", "198.51.100.80", 443, 50, 2.0, 0.0)
    )
    .is_empty());

    // Regular, but to an internal server (monitoring).
    let mut b = beacon();
    assert!(run(
        &mut b,
        &series("10.0.0.19", "10.0.0.200", 9100, 50, 30.0, 0.0)
    )
    .is_empty());

    // Regular, but only nine connections.
    let mut b = beacon();
    assert!(run(
        &mut b,
        &series("10.0.0.20", "198.51.100.81", 443, 9, 60.0, 0.0)
    )
    .is_empty());

    // Six connections, a two-hour silence, six more: the series starts again.
    let mut b = beacon();
    let mut events = series("10.0.0.21", "198.51.100.82", 443, 6, 60.0, 0.0);
    events
        .extend((0..6).map(|i| flow(7500.0 + i as f64 * 60.0, "10.0.0.21", "198.51.100.82", 443)));
    assert!(run(&mut b, &events).is_empty());
}

#[test]
fn jitter_limit_and_exclusions_from_config() {
    // 5 % jitter passes the default CV limit but not a limit of 0.01.
    let mut b = engine(|c| {
        c.beaconing.enabled = true;
        c.beaconing.max_cv = 0.01;
    });
    assert!(run(
        &mut b,
        &series("10.0.0.22", "198.51.100.83", 443, 30, 60.0, 5.0)
    )
    .is_empty());

    let mut b = engine(|c| {
        c.beaconing.enabled = true;
        c.beaconing.exclude_destinations = vec!["198.51.100.0/24".into(), "example.org".into()];
    });
    assert!(run(
        &mut b,
        &series("10.0.0.22", "198.51.100.83", 443, 30, 60.0, 0.0)
    )
    .is_empty());

    let mut b = engine(|c| {
        c.beaconing.enabled = true;
        c.beaconing.min_connections = 5;
    });
    let found = run(
        &mut b,
        &series("10.0.0.22", "198.51.100.83", 443, 5, 60.0, 0.0),
    );
    assert_eq!(found.len(), 1);
}
