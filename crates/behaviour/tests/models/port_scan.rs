use super::common::*;
use serde_json::json;
use steward_model::Level;

fn scan() -> steward_behaviour::Behaviours {
    engine(|c| c.port_scan.enabled = true)
}

#[test]
fn horizontal_sweep_of_ssh_fires_once() {
    let mut b = scan();
    // 60 hosts probed on port 22 in 30 s, from the Internet.
    let events: Vec<_> = (1..=60)
        .map(|i| flow(i as f64 * 0.5, "198.51.100.7", &format!("10.1.0.{i}"), 22))
        .collect();
    let found = run(&mut b, &events);
    assert_eq!(found.len(), 1, "{found:#?}");
    let d = &found[0];
    assert_eq!(d.rule_id, "behaviour.port_scan");
    assert_eq!(variant(d), "horizontal");
    assert_eq!(d.level, Level::Medium);
    assert_eq!(d.details["port"], json!(22));
    assert_eq!(d.details["hosts"], json!(50));
    assert_eq!(d.entities.source_ip.as_deref(), Some("198.51.100.7"));
    assert!(d.tags.contains(&"attack.t1046".to_owned()));
}

#[test]
fn vertical_scan_from_inside_is_high() {
    let mut b = scan();
    let events: Vec<_> = (1..=100u16)
        .map(|p| flow(f64::from(p) * 0.2, "10.0.0.99", "10.0.0.5", p))
        .collect();
    let found = run(&mut b, &events);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(variant(&found[0]), "vertical");
    assert_eq!(found[0].level, Level::High);
    assert_eq!(found[0].details["ports"], json!(25));
    assert_eq!(
        found[0].entities.destination_ip.as_deref(),
        Some("10.0.0.5")
    );
}

#[test]
fn grid_scan_gives_one_of_each_kind() {
    let mut b = scan();
    let mut events = Vec::new();
    let ports = [
        21u16, 22, 23, 25, 80, 110, 135, 139, 143, 443, 445, 993, 995, 1433, 1723, 3306, 3389,
        5432, 5900, 6379, 8080, 8443, 9200, 11211, 27017, 5985,
    ];
    let mut t = 0.0;
    for host in 1..=60 {
        for &p in &ports {
            events.push(flow(t, "203.0.113.200", &format!("192.168.10.{host}"), p));
            t += 0.01;
        }
    }
    let found = run(&mut b, &events);
    let mut kinds: Vec<_> = found.iter().map(variant).collect();
    kinds.sort();
    assert_eq!(kinds, vec!["horizontal", "vertical"], "{found:#?}");
}

#[test]
fn near_misses_stay_quiet() {
    // 49 hosts: one short.
    let mut b = scan();
    let events: Vec<_> = (1..=49)
        .map(|i| flow(i as f64, "198.51.100.8", &format!("10.2.0.{i}"), 3389))
        .collect();
    assert!(run(&mut b, &events).is_empty());

    // 80 hosts, but one every 5 s: never 50 within a minute.
    let mut b = scan();
    let events: Vec<_> = (1..=80)
        .map(|i| flow(i as f64 * 5.0, "198.51.100.9", &format!("10.3.0.{i}"), 445))
        .collect();
    assert!(run(&mut b, &events).is_empty());

    // A workstation browsing: 300 external web servers on 443 and 80 in a minute.
    let mut b = scan();
    let events: Vec<_> = (0..300)
        .map(|i| {
            let port = if i % 2 == 0 { 443 } else { 80 };
            flow(
                i as f64 * 0.2,
                "10.0.0.23",
                &format!("93.184.{}.{}", i / 200, i % 200 + 1),
                port,
            )
        })
        .collect();
    assert!(run(&mut b, &events).is_empty());

    // A web server's replies to one client's 100 connections (reply direction flows).
    let mut b = scan();
    let events: Vec<_> = (0..100)
        .map(|i| {
            event(json!({
                "@timestamp": ts(i as f64 * 0.1),
                "source": {"ip": "10.0.0.80", "port": 443},
                "destination": {"ip": "10.0.0.23", "port": 50000 + i},
            }))
        })
        .collect();
    assert!(run(&mut b, &events).is_empty());
}

#[test]
fn excluded_sources_and_thresholds_from_config() {
    let mut b = engine(|c| {
        c.port_scan.enabled = true;
        c.port_scan.exclude_sources = vec!["10.9.0.0/24".into()];
        c.port_scan.horizontal_hosts = 5;
    });
    let mut events: Vec<_> = (1..=20)
        .map(|i| flow(i as f64, "10.9.0.5", &format!("10.1.1.{i}"), 22))
        .collect();
    events.extend((1..=5).map(|i| flow(i as f64, "10.8.0.5", &format!("10.1.1.{i}"), 22)));
    let found = run(&mut b, &events);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].details["hosts"], json!(5));
    assert_eq!(found[0].entities.source_ip.as_deref(), Some("10.8.0.5"));
}

#[test]
fn icmp_ping_sweep_is_horizontal() {
    let mut b = scan();
    let events: Vec<_> = (1..=50)
        .map(|i| {
            event(json!({
                "@timestamp": ts(i as f64 * 0.1),
                "source": {"ip": "10.0.5.5"},
                "destination": {"ip": format!("10.0.6.{i}")},
                "network": {"transport": "icmp"},
            }))
        })
        .collect();
    let found = run(&mut b, &events);
    assert_eq!(found.len(), 1);
    assert!(found[0].title.contains("ICMP"), "{}", found[0].title);
}
