use super::common::*;
use serde_json::json;
use steward_model::{DetectionSource, Level};

fn brute() -> steward_behaviour::Behaviours {
    engine(|c| c.brute_force.enabled = true)
}

#[test]
fn failures_then_success_fire_attempt_and_high_success() {
    let mut b = brute();
    let mut events = Vec::new();
    // A colleague mistypes twice, then gets in: nothing.
    events.push(ssh_logon(0.0, "10.0.0.7", "alice", false));
    events.push(ssh_logon(4.0, "10.0.0.7", "alice", false));
    events.push(ssh_logon(9.0, "10.0.0.7", "alice", true));
    // The attacker: 12 guesses for root over two minutes, then in.
    for i in 0..12 {
        events.push(ssh_logon(
            10.0 + i as f64 * 10.0,
            "203.0.113.50",
            "root",
            false,
        ));
    }
    events.push(ssh_logon(135.0, "203.0.113.50", "root", true));
    let found = run(&mut b, &events);
    assert_eq!(found.len(), 2, "{found:#?}");
    let attempt = &found[0];
    assert_eq!(attempt.rule_id, "behaviour.brute_force");
    assert_eq!(attempt.source, DetectionSource::Behaviour);
    assert_eq!(variant(attempt), "attempt");
    assert_eq!(attempt.level, Level::Medium);
    assert_eq!(attempt.details["failures"], json!(10));
    assert_eq!(attempt.timestamp.to_rfc3339(), "2026-03-02T09:01:40+00:00");
    assert!(attempt.tags.contains(&"attack.t1110".to_owned()));
    let success = &found[1];
    assert_eq!(variant(success), "success");
    assert_eq!(success.level, Level::High);
    assert_eq!(success.entities.source_ip.as_deref(), Some("203.0.113.50"));
    assert_eq!(success.entities.user.as_deref(), Some("root"));
    assert_eq!(success.details["failures"], json!(10));
    assert_eq!(success.details["user_was_targeted"], json!(true));
    assert_eq!(b.stats().model("brute_force").unwrap().detections, 2);
}

#[test]
fn spraying_many_accounts_is_one_spray_then_success() {
    let mut b = brute();
    let users = [
        "admin", "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan",
        "judy", "mallory", "oscar", "peggy", "trent",
    ];
    let mut events: Vec<_> = users
        .iter()
        .enumerate()
        .map(|(i, u)| ssh_logon(i as f64 * 12.0, "198.51.100.23", u, false))
        .collect();
    events.push(ssh_logon(200.0, "198.51.100.23", "peggy", true));
    let found = run(&mut b, &events);
    let kinds: Vec<_> = found.iter().map(variant).collect();
    assert_eq!(kinds, vec!["spray", "success"], "{found:#?}");
    assert_eq!(found[0].details["distinct_users"], json!(10));
    assert!(found[0].tags.contains(&"attack.t1110.003".to_owned()));
    assert_eq!(found[1].details["spray"], json!(true));
}

#[test]
fn near_misses_stay_quiet() {
    // Nine failures (one short) then a success.
    let mut b = brute();
    let mut events: Vec<_> = (0..9)
        .map(|i| ssh_logon(i as f64 * 5.0, "203.0.113.9", "root", false))
        .collect();
    events.push(ssh_logon(50.0, "203.0.113.9", "root", true));
    assert!(run(&mut b, &events).is_empty());

    // Twenty failures, but one every 40 s: never ten within five minutes.
    let mut b = brute();
    let mut events: Vec<_> = (0..20)
        .map(|i| ssh_logon(i as f64 * 40.0, "203.0.113.10", "root", false))
        .collect();
    events.push(ssh_logon(801.0, "203.0.113.10", "root", true));
    assert!(run(&mut b, &events).is_empty());

    // Ten failures from ten different addresses: no single origin.
    let mut b = brute();
    let events: Vec<_> = (0..10)
        .map(|i| ssh_logon(i as f64, &format!("203.0.113.{}", 100 + i), "root", false))
        .collect();
    assert!(run(&mut b, &events).is_empty());
}

#[test]
fn thresholds_come_from_config() {
    let mut b = engine(|c| {
        c.brute_force.enabled = true;
        c.brute_force.failures = 3;
        c.brute_force.window_secs = 30;
    });
    let events: Vec<_> = (0..3)
        .map(|i| ssh_logon(i as f64 * 10.0, "203.0.113.77", "oracle", false))
        .collect();
    let found = run(&mut b, &events);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].details["window_secs"], json!(30));

    // The same three failures 20 s apart exceed the 30 s window.
    let mut b = engine(|c| {
        c.brute_force.enabled = true;
        c.brute_force.failures = 3;
        c.brute_force.window_secs = 30;
    });
    let events: Vec<_> = (0..3)
        .map(|i| ssh_logon(i as f64 * 20.0, "203.0.113.77", "oracle", false))
        .collect();
    assert!(run(&mut b, &events).is_empty());
}

#[test]
fn cooldown_limits_repeats_and_then_lets_one_through() {
    let mut b = engine(|c| {
        c.brute_force.enabled = true;
        c.brute_force.cooldown_secs = 600;
    });
    // One failure every 5 s for 15 minutes.
    let events: Vec<_> = (0..180)
        .map(|i| ssh_logon(i as f64 * 5.0, "203.0.113.4", "root", false))
        .collect();
    let found = run(&mut b, &events);
    // At 45 s (10th failure) and again at 645 s, once the 600 s cool-down is over.
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(
        found[1].timestamp - found[0].timestamp,
        chrono::Duration::seconds(600)
    );
    // The 170 failures after the first detection, less the one that fired again.
    assert_eq!(b.stats().model("brute_force").unwrap().suppressed, 169);
}

#[test]
fn windows_4625_events_without_outcome_count() {
    let mut b = brute();
    let events: Vec<_> = (0..10)
        .map(|i| {
            event(json!({
                "@timestamp": ts(i as f64),
                "winlog": {"event_id": "4625", "channel": "Security",
                           "event_data": {"TargetUserName": "Administrator", "LogonType": "3"}},
                "source": {"ip": "192.0.2.66"},
                "host": {"name": "dc01.corp.example"},
            }))
        })
        .collect();
    let found = run(&mut b, &events);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].entities.user.as_deref(), Some("Administrator"));
}

#[test]
fn local_failures_are_keyed_by_host_and_account() {
    let mut b = brute();
    let su = |secs: f64, host: &str| {
        event(json!({
            "@timestamp": ts(secs),
            "event": {"category": "authentication", "outcome": "failure", "action": "su"},
            "user": {"name": "root"},
            "host": {"name": host},
        }))
    };
    let mut events: Vec<_> = (0..10).map(|i| su(i as f64, "db01")).collect();
    events.extend((0..5).map(|i| su(i as f64, "db02")));
    let found = run(&mut b, &events);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].entities.host.as_deref(), Some("db01"));
    assert!(
        found[0].title.contains("local logons on db01"),
        "{}",
        found[0].title
    );
}
