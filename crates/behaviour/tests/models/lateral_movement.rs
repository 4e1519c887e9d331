use super::common::*;
use serde_json::{json, Value};
use steward_model::{Event, Level};

fn lateral() -> steward_behaviour::Behaviours {
    engine(|c| c.lateral_movement.enabled = true)
}

/// A Windows 4624 logon as the Security-channel parsers write it.
fn logon(secs: f64, user: &str, host: &str, logon_type: Value, extra: Value) -> Event {
    let mut e = event(json!({
        "@timestamp": ts(secs),
        "event": {"category": ["authentication"], "type": ["start"], "action": "logged-in",
                  "outcome": "success", "code": "4624"},
        "winlog": {"event_id": "4624", "channel": "Security", "computer_name": host,
                   "event_data": {"LogonType": logon_type, "TargetUserName": user,
                                  "TargetDomainName": "CORP"}},
        "user": {"name": user, "domain": "CORP"},
        "host": {"name": host},
        "source": {"ip": "10.0.0.66"},
    }));
    if let Value::Object(extra) = extra {
        e.merge_object(extra);
    }
    e
}

#[test]
fn stolen_account_spreading_over_new_hosts_fires_once() {
    let mut b = lateral();
    let events: Vec<_> = (1..=7)
        .map(|i| {
            logon(
                i as f64 * 180.0,
                "jdoe",
                &format!("srv{i:02}.corp.example"),
                json!("3"),
                json!({}),
            )
        })
        .collect();
    let found = run(&mut b, &events);
    assert_eq!(found.len(), 1, "{found:#?}");
    let d = &found[0];
    assert_eq!(d.rule_id, "behaviour.lateral_movement");
    assert_eq!(d.level, Level::Medium);
    assert_eq!(d.details["hosts"], json!(5));
    assert_eq!(d.details["account"], json!("corp\\jdoe"));
    assert_eq!(d.entities.user.as_deref(), Some("corp\\jdoe"));
    assert_eq!(d.details["host_names"].as_array().unwrap().len(), 5);
    assert!(d.tags.contains(&"attack.t1021".to_owned()));
}

#[test]
fn administrative_logons_are_high() {
    // Elevated token on the logon itself.
    let mut b = lateral();
    let events: Vec<_> = (1..=5)
        .map(|i| {
            logon(
                i as f64 * 60.0,
                "jsmith",
                &format!("db{i}"),
                json!(10),
                json!({"winlog": {"event_data": {"ElevatedToken": "%%1842"}}}),
            )
        })
        .collect();
    let found = run(&mut b, &events);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].level, Level::High);
    assert_eq!(found[0].details["admin"], json!(true));
    assert_eq!(found[0].details["logon_type"], json!(10));

    // Special privileges (4672) assigned to the account just before.
    let mut b = lateral();
    let mut events = vec![event(json!({
        "@timestamp": ts(0.0),
        "winlog": {"event_id": 4672, "channel": "Security",
                   "event_data": {"PrivilegeList": "SeDebugPrivilege"}},
        "user": {"name": "bob", "domain": "CORP"},
        "host": {"name": "dc01"},
    }))];
    events.extend((1..=5).map(|i| {
        logon(
            i as f64 * 60.0,
            "bob",
            &format!("ws{i}"),
            json!(3),
            json!({}),
        )
    }));
    let found = run(&mut b, &events);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].level, Level::High);
}

#[test]
fn known_pairs_stay_quiet_the_next_day() {
    let mut b = lateral();
    let servers: Vec<String> = (1..=8).map(|i| format!("app{i}")).collect();
    // Day one: the operator visits one server an hour (never five within the hour).
    let mut events: Vec<_> = servers
        .iter()
        .enumerate()
        .map(|(i, s)| logon(i as f64 * 3700.0, "ops", s, json!(3), json!({})))
        .collect();
    // Day two: all eight within half an hour, but every pair is known.
    events.extend(
        servers
            .iter()
            .enumerate()
            .map(|(i, s)| logon(86_400.0 + i as f64 * 200.0, "ops", s, json!(3), json!({}))),
    );
    assert!(run(&mut b, &events).is_empty());
}

#[test]
fn near_misses_stay_quiet() {
    let mut b = lateral();
    let mut events = Vec::new();
    // Four new hosts (one short).
    events.extend((1..=4).map(|i| logon(i as f64, "amy", &format!("h{i}"), json!(3), json!({}))));
    // Interactive logons (type 2) at ten consoles.
    events.extend((1..=10).map(|i| logon(i as f64, "ben", &format!("k{i}"), json!(2), json!({}))));
    // A machine account authenticating everywhere.
    events
        .extend((1..=10).map(|i| logon(i as f64, "WS01$", &format!("m{i}"), json!(3), json!({}))));
    // Failed logons do not count.
    events.extend((1..=10).map(|i| {
        logon(
            i as f64,
            "cat",
            &format!("n{i}"),
            json!(3),
            json!({"event": {"outcome": "failure"}}),
        )
    }));
    // Five new hosts spread over five hours.
    events.extend((1..=5).map(|i| {
        logon(
            i as f64 * 3601.0,
            "dan",
            &format!("p{i}"),
            json!(3),
            json!({}),
        )
    }));
    assert!(run(&mut b, &events).is_empty());
}

#[test]
fn ssh_logons_count_as_remote() {
    let mut b = lateral();
    let events: Vec<_> = (1..=5)
        .map(|i| {
            event(json!({
                "@timestamp": ts(i as f64 * 30.0),
                "event": {"category": ["authentication", "session"], "action": "ssh_login",
                          "outcome": "success"},
                "user": {"name": "deploy"},
                "host": {"hostname": format!("node{i}")},
                "source": {"ip": "10.0.8.8", "port": 50022},
            }))
        })
        .collect();
    assert_eq!(run(&mut b, &events).len(), 1);
}

#[test]
fn thresholds_and_admin_only_from_config() {
    let mut b = engine(|c| {
        c.lateral_movement.enabled = true;
        c.lateral_movement.hosts = 3;
        c.lateral_movement.admin_only = true;
    });
    let mut events: Vec<_> = (1..=5)
        .map(|i| logon(i as f64, "eve", &format!("x{i}"), json!(3), json!({})))
        .collect();
    events.extend((1..=3).map(|i| {
        logon(
            i as f64,
            "administrator",
            &format!("y{i}"),
            json!(3),
            json!({}),
        )
    }));
    let found = run(&mut b, &events);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].details["account"], json!("corp\\administrator"));
}
