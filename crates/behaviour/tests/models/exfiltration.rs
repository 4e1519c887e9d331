use super::common::*;
use serde_json::json;
use steward_model::{Event, Level};

fn exfil() -> steward_behaviour::Behaviours {
    engine(|c| c.exfiltration.enabled = true)
}

fn upload(secs: f64, src: &str, dst: &str, bytes: u64) -> Event {
    event(json!({
        "@timestamp": ts(secs),
        "event": {"category": ["network"], "type": ["connection", "end"]},
        "source": {"ip": src, "port": 51000, "bytes": bytes},
        "destination": {"ip": dst, "port": 443, "bytes": 4000},
        "network": {"transport": "tcp", "bytes": bytes + 4000},
    }))
}

/// `hours` hours of ordinary traffic: ten uploads an hour totalling `per_hour(h)` bytes.
fn routine(src: &str, hours: u64, per_hour: impl Fn(u64) -> u64) -> Vec<Event> {
    let mut events = Vec::new();
    for h in 0..hours {
        for k in 0..10u64 {
            let dst = format!("198.51.100.{}", 10 + (h + k) % 20);
            events.push(upload(
                h as f64 * 3600.0 + k as f64 * 350.0,
                src,
                &dst,
                per_hour(h) / 10,
            ));
        }
    }
    events
}

#[test]
fn a_workstation_uploading_hundreds_of_megabytes_fires_once() {
    let mut b = exfil();
    let mut events = routine("10.0.4.20", 24, |h| 3_000_000 + (h % 5) * 1_000_000);
    // Hour 25: 40 uploads of 20 MB to one server.
    events.extend((0..40).map(|i| {
        upload(
            24.0 * 3600.0 + 60.0 + i as f64 * 30.0,
            "10.0.4.20",
            "203.0.113.99",
            20_000_000,
        )
    }));
    let found = run(&mut b, &events);
    assert_eq!(found.len(), 1, "{found:#?}");
    let d = &found[0];
    assert_eq!(d.rule_id, "behaviour.exfiltration");
    assert_eq!(d.level, Level::High);
    // The fifth 20 MB upload reaches the 100 MB floor (the baseline is ~5 MB).
    assert_eq!(d.details["bytes_out"], json!(100_000_000u64));
    assert_eq!(
        d.details["top_destinations"][0]["ip"],
        json!("203.0.113.99")
    );
    assert_eq!(d.entities.source_ip.as_deref(), Some("10.0.4.20"));
    assert_eq!(d.entities.destination_ip.as_deref(), Some("203.0.113.99"));
    assert!(d.tags.contains(&"attack.t1048".to_owned()));
    let mean = d.details["baseline_mean_bytes"].as_f64().unwrap();
    assert!((3e6..7e6).contains(&mean), "{mean}");
}

#[test]
fn near_misses_stay_quiet() {
    // A backup server with a large, variable baseline sends a little more than usual.
    let mut b = exfil();
    let mut events = routine("10.0.4.30", 48, |h| {
        200_000_000 + (h * 7919 % 5) * 100_000_000
    });
    events.extend((0..10).map(|i| {
        upload(
            48.0 * 3600.0 + i as f64 * 300.0,
            "10.0.4.30",
            "198.51.100.10",
            65_000_000,
        )
    }));
    assert!(run(&mut b, &events).is_empty(), "{:#?}", b.stats());

    // A new host with no history: no baseline to judge against.
    let mut b = exfil();
    let events: Vec<_> = (0..10)
        .map(|i| upload(i as f64, "10.0.4.31", "203.0.113.5", 100_000_000))
        .collect();
    assert!(run(&mut b, &events).is_empty());

    // Internal to internal, and external to internal: not outbound.
    let mut b = exfil();
    let mut events = routine("10.0.4.32", 24, |_| 1_000_000);
    events.extend(
        (0..10).map(|i| upload(86_400.0 + i as f64, "10.0.4.32", "10.0.9.9", 1_000_000_000)),
    );
    events.extend((0..10).map(|i| {
        upload(
            86_400.0 + i as f64,
            "203.0.113.7",
            "10.0.4.32",
            1_000_000_000,
        )
    }));
    assert!(run(&mut b, &events).is_empty());

    // Above its own baseline, but below the 100 MB floor.
    let mut b = exfil();
    let mut events = routine("10.0.4.33", 24, |_| 1_000_000);
    events.extend(
        (0..10).map(|i| upload(86_400.0 + i as f64, "10.0.4.33", "203.0.113.8", 9_000_000)),
    );
    assert!(run(&mut b, &events).is_empty());
}

#[test]
fn floor_window_and_k_from_config() {
    let mut b = engine(|c| {
        c.exfiltration.enabled = true;
        c.exfiltration.min_bytes = 5_000_000;
        c.exfiltration.window_secs = 600;
        c.exfiltration.min_history = 3;
    });
    let mut events = Vec::new();
    for w in 0..6u64 {
        events.push(upload(
            w as f64 * 600.0 + 10.0,
            "10.0.4.40",
            "198.51.100.1",
            1_000_000,
        ));
    }
    events.push(upload(3600.0 + 10.0, "10.0.4.40", "203.0.113.1", 6_000_000));
    let found = run(&mut b, &events);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].details["window_secs"], json!(600));

    // A noisier baseline (1-2 MB, stddev ~0.4 MB) and k = 20 put the bar near 10 MB.
    let mut b = engine(|c| {
        c.exfiltration.enabled = true;
        c.exfiltration.min_bytes = 5_000_000;
        c.exfiltration.window_secs = 600;
        c.exfiltration.min_history = 3;
        c.exfiltration.k = 20.0;
    });
    let mut events = Vec::new();
    for w in 0..6u64 {
        events.push(upload(
            w as f64 * 600.0 + 10.0,
            "10.0.4.40",
            "198.51.100.1",
            1_000_000 + (w % 2) * 1_000_000,
        ));
    }
    events.push(upload(3600.0 + 10.0, "10.0.4.40", "203.0.113.1", 6_000_000));
    assert!(run(&mut b, &events).is_empty());
}
