//! Detection live in the running site: events in over HTTP, alerts out of
//! `/api/v1/alerts` and as searchable events; correlations, de-duplication, reload of
//! changed rule files, a broken rule beside good ones; and, with the corpus, the whole
//! SigmaHQ tree on its regression events.

mod common;

use common::{encode, get, post, run_id, Site, TOKEN};
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};

const PROCESS_RULE: &str = r#"
title: Test Whoami Discovery
id: 00000000-0000-4000-8000-000000000001
author: Steward tests
level: medium
tags: [attack.discovery, attack.t1033]
logsource: {product: windows, category: process_creation}
detection:
    selection:
        Image|endswith: '\whoami.exe'
    filter:
        User|contains: 'SYSTEM'
    condition: selection and not filter
"#;

const LOGON_RULES: &str = r#"
title: Failed logon
id: 00000000-0000-4000-8000-000000000002
name: test_failed_logon
logsource: {product: windows, service: security}
detection:
    selection: {EventID: 4625}
    condition: selection
---
title: Test Password Guessing
id: 00000000-0000-4000-8000-000000000003
author: Steward tests
level: high
correlation:
    type: event_count
    rules: [test_failed_logon]
    group-by: [TargetUserName]
    timespan: 5m
    condition: {gte: 3}
"#;

fn sysmon_process(image: &str, user: &str, host: &str, record: u64) -> Value {
    json!({"Event": {
        "System": {
            "Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon"}},
            "EventID": 1,
            "Channel": "Microsoft-Windows-Sysmon/Operational",
            "Computer": host,
            "EventRecordID": record,
            "TimeCreated": {"#attributes": {"SystemTime": chrono::Utc::now().to_rfc3339()}}
        },
        "EventData": {"Image": image, "CommandLine": format!("{image} /all"), "User": user}
    }})
}

fn failed_logon(user: &str, record: u64) -> Value {
    json!({"Event": {
        "System": {
            "EventID": 4625,
            "Channel": "Security",
            "Computer": "dc01",
            "EventRecordID": record,
            "TimeCreated": {"#attributes": {"SystemTime": chrono::Utc::now().to_rfc3339()}}
        },
        "EventData": {"TargetUserName": user, "IpAddress": "203.0.113.9"}
    }})
}

fn ingest(site: &Site, events: &[Value]) {
    let body: String = events.iter().map(|e| format!("{e}\n")).collect();
    let (st, reply) = post(
        site.http,
        "/api/v1/ingest",
        Some(TOKEN),
        "application/x-ndjson",
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(st, 200, "{reply}");
}

fn alerts(site: &Site, query: &str) -> Vec<Value> {
    let (st, body) = get(site.http, &format!("/api/v1/alerts?{query}"), Some(TOKEN)).unwrap();
    assert_eq!(st, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    v["alerts"].as_array().cloned().unwrap_or_default()
}

fn wait_alerts(site: &Site, query: &str, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let a = alerts(site, query);
        if a.len() >= n || Instant::now() > deadline {
            return a;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn write_config(dir: &Path, rules: &Path) -> std::path::PathBuf {
    let config = dir.join("site.toml");
    std::fs::write(
        &config,
        format!(
            "[detect]\nrules = [{:?}]\nreload_secs = 1\ndedupe_secs = 600\n",
            rules.display().to_string()
        ),
    )
    .unwrap();
    config
}

#[test]
fn alerts_from_rules_correlations_and_reloads() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(rules.join("process.yml"), PROCESS_RULE).unwrap();
    std::fs::write(rules.join("logon.yml"), LOGON_RULES).unwrap();
    std::fs::write(rules.join("broken.yml"), "title: [unclosed\n").unwrap();
    let config = write_config(dir.path(), &rules);
    let site = Site::new(&dir.path().join("data"))
        .with_args(&["--config", config.to_str().unwrap()])
        .start();

    // The broken file is reported, the others run.
    assert_eq!(site.metric("steward_detect_rules_failed"), 1.0);
    assert!(site.metric("steward_detect_rules_loaded") >= 3.0);

    // Two matching process events on one host: one alert, count 2. The SYSTEM one and
    // an unrelated image are not alerts.
    ingest(
        &site,
        &[
            sysmon_process(r"C:\Windows\System32\whoami.exe", r"corp\alice", "ws01", 1),
            sysmon_process(r"C:\Windows\System32\whoami.exe", r"corp\alice", "ws01", 2),
            sysmon_process(
                r"C:\Windows\System32\whoami.exe",
                r"NT AUTHORITY\SYSTEM",
                "ws01",
                3,
            ),
            sysmon_process(r"C:\Windows\notepad.exe", r"corp\alice", "ws01", 4),
        ],
    );
    let got = wait_alerts(&site, "rule_id=00000000-0000-4000-8000-000000000001", 1);
    assert_eq!(got.len(), 1, "{got:?}");
    let a = &got[0];
    assert_eq!(a["title"], "Test Whoami Discovery");
    assert_eq!(
        a["author"], "Steward tests",
        "DRL 1.1: alerts keep the rule's author"
    );
    assert_eq!(a["level"], "medium");
    assert_eq!(a["source"], "sigma");
    assert_eq!(a["entities"]["host"], "ws01");
    assert_eq!(a["entities"]["user"], r"corp\alice");
    assert!(a["tags"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t == "attack.t1033"));
    // The second sighting folds into the first alert (same batch, committed together).
    let deadline = Instant::now() + Duration::from_secs(10);
    while alerts(&site, "rule_id=00000000-0000-4000-8000-000000000001")[0]["count"] != 2 {
        assert!(Instant::now() < deadline, "count never reached 2");
        std::thread::sleep(Duration::from_millis(100));
    }

    // The correlation: three failures for one user fire it, two for another do not; the
    // base rule raises nothing itself.
    ingest(
        &site,
        &[
            failed_logon("bob", 10),
            failed_logon("bob", 11),
            failed_logon("carol", 12),
            failed_logon("bob", 13),
            failed_logon("carol", 14),
        ],
    );
    let corr = wait_alerts(&site, "source=correlation", 1);
    assert_eq!(corr.len(), 1, "{corr:?}");
    assert_eq!(corr[0]["rule_id"], "00000000-0000-4000-8000-000000000003");
    assert_eq!(corr[0]["details"]["group"]["TargetUserName"], "bob");
    assert_eq!(corr[0]["level"], "high");
    assert!(alerts(&site, "rule_id=00000000-0000-4000-8000-000000000002").is_empty());

    // Filters and errors.
    assert!(alerts(&site, "level=critical").is_empty());
    assert_eq!(alerts(&site, "level=high").len(), 1);
    assert_eq!(
        alerts(&site, &format!("entity={}", encode("ws01"))).len(),
        1
    );
    assert_eq!(
        get(site.http, "/api/v1/alerts?level=severe", Some(TOKEN))
            .unwrap()
            .0,
        400
    );
    assert_eq!(
        get(site.http, "/api/v1/alerts?bogus=1", Some(TOKEN))
            .unwrap()
            .0,
        400
    );
    assert_eq!(get(site.http, "/api/v1/alerts", None).unwrap().0, 401);
    assert_eq!(
        get(site.http, "/api/v1/alerts/999999", Some(TOKEN))
            .unwrap()
            .0,
        404
    );
    let id = a["id"].as_i64().unwrap();
    let (st, one) = get(site.http, &format!("/api/v1/alerts/{id}"), Some(TOKEN)).unwrap();
    assert_eq!(st, 200);
    assert_eq!(serde_json::from_str::<Value>(&one).unwrap()["id"], id);

    // Alerts are events too.
    assert!(site.wait_for("event.kind:alert", 2, Duration::from_secs(10)) >= 2);
    let found = site.search(
        "event.kind:alert AND rule.id:00000000-0000-4000-8000-000000000003",
        5,
    );
    assert_eq!(found.len(), 1);

    // A new rule file is picked up without a restart.
    let run = run_id();
    std::fs::write(
        rules.join("new.yml"),
        format!(
            "title: Reloaded\nid: 00000000-0000-4000-8000-000000000004\nlogsource: {{product: windows}}\n\
             detection:\n  sel:\n    CommandLine|contains: '{run}'\n  condition: sel\nlevel: low\n"
        ),
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while site.metric("steward_detect_reloads_total") < 1.0 {
        assert!(Instant::now() < deadline, "rules were not reloaded");
        std::thread::sleep(Duration::from_millis(200));
    }
    ingest(
        &site,
        &[sysmon_process(&format!(r"C:\{run}.exe"), "x", "ws02", 20)],
    );
    assert_eq!(
        wait_alerts(&site, "rule_id=00000000-0000-4000-8000-000000000004", 1).len(),
        1
    );
    // The histogram is updated just after the alert commits, which the API can see first.
    let deadline = Instant::now() + Duration::from_secs(10);
    while site.metric("steward_detect_alert_latency_seconds_count") < 4.0
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(site.metric("steward_detect_alert_latency_seconds_count") >= 4.0);
}

/// The SigmaHQ tree live: every regression event posted to a site loaded with all the
/// rules raises an alert for its case's rule.
#[test]
fn sigmahq_tree_live_on_regression_events() {
    let corpus =
        std::env::var("STEWARD_CORPUS").unwrap_or_else(|_| "../../../shared/corpus".into());
    let sigma = Path::new(&corpus).join("sigma");
    let cases = sigma.join("regression/cases.tsv");
    if !cases.is_file() {
        eprintln!(
            "SKIP: no Sigma corpus at {} (set STEWARD_CORPUS)",
            sigma.display()
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sigma.join("rules"));
    let site = Site::new(&dir.path().join("data"))
        .with_args(&["--config", config.to_str().unwrap()])
        .start();
    let mut expected = std::collections::BTreeSet::new();
    let mut events = Vec::new();
    for line in std::fs::read_to_string(&cases).unwrap().lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 5 || cols[4] != "yes" {
            continue;
        }
        expected.insert(cols[1].to_owned());
        let case_dir = Path::new(&corpus).join(cols[0].trim_start_matches("corpus/"));
        let text = std::fs::read_to_string(case_dir.join(format!("{}.json", cols[1]))).unwrap();
        for v in serde_json::Deserializer::from_str(&text).into_iter::<Value>() {
            events.push(v.unwrap());
        }
    }
    ingest(&site, &events);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = std::collections::BTreeSet::new();
    while Instant::now() < deadline {
        let mut cursor: Option<String> = None;
        seen.clear();
        loop {
            let q = match &cursor {
                Some(c) => format!("limit=1000&cursor={c}"),
                None => "limit=1000".into(),
            };
            let (_, body) = get(site.http, &format!("/api/v1/alerts?{q}"), Some(TOKEN)).unwrap();
            let v: Value = serde_json::from_str(&body).unwrap();
            for a in v["alerts"].as_array().unwrap() {
                seen.insert(a["rule_id"].as_str().unwrap().to_owned());
            }
            match v["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        if expected.is_subset(&seen) {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let missing: Vec<_> = expected.difference(&seen).collect();
    assert!(
        missing.is_empty(),
        "case rules without an alert: {missing:?}"
    );
}

/// Indicators and behaviour models run on the same live events: a feed file's IP in an
/// event raises an indicator alert; SSH password guessing from one source raises the
/// behaviour model's alert and the built-in correlation's.
#[test]
fn indicators_and_behaviour_models_live() {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("bad-ips.txt");
    std::fs::write(&feed, "# test feed\n198.51.100.66\n203.0.113.0/24\n").unwrap();
    let config = dir.path().join("site.toml");
    std::fs::write(
        &config,
        format!(
            "[intel]\nreload_secs = 1\n\n[[intel.feeds]]\nname = \"test-feed\"\npath = {:?}\nconfidence = 90\n\n\
             [behaviour.brute_force]\nfailures = 5\n",
            feed.display().to_string()
        ),
    )
    .unwrap();
    let site = Site::new(&dir.path().join("data"))
        .with_args(&["--config", config.to_str().unwrap()])
        .start();
    assert_eq!(site.metric("steward_intel_indicators"), 2.0);

    let flow = json!({"@timestamp": chrono::Utc::now().to_rfc3339(), "event": {"category": ["network"]},
        "source": {"ip": "10.1.2.3"}, "destination": {"ip": "198.51.100.66", "port": 443}});
    ingest(&site, &[flow]);
    let hits = wait_alerts(&site, "source=indicator", 1);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0]["entities"]["destination_ip"], "198.51.100.66");
    assert_eq!(hits[0]["level"], "high");

    let now = chrono::Utc::now();
    let mut lines = String::new();
    for i in 0..12 {
        lines.push_str(&format!(
            "<38>{} web01 sshd[{}]: Failed password for root from 203.0.113.7 port {} ssh2\n",
            now.format("%b %e %H:%M:%S"),
            100 + i,
            40000 + i
        ));
    }
    lines.push_str(&format!(
        "<38>{} web01 sshd[200]: Accepted password for root from 203.0.113.7 port 41000 ssh2\n",
        now.format("%b %e %H:%M:%S")
    ));
    let (st, _) = post(
        site.http,
        "/api/v1/ingest",
        Some(TOKEN),
        "text/plain",
        lines.as_bytes(),
    )
    .unwrap();
    assert_eq!(st, 200);
    let behaviour = wait_alerts(&site, "source=behaviour", 2);
    let ids: Vec<&str> = behaviour
        .iter()
        .filter_map(|a| a["rule_id"].as_str())
        .collect();
    assert!(ids.contains(&"behaviour.brute_force"), "{behaviour:?}");
    let corr = wait_alerts(&site, "source=correlation", 1);
    assert_eq!(corr.len(), 1, "{corr:?}");
    assert_eq!(corr[0]["title"], "SSH Password Guessing From One Source");
    assert_eq!(corr[0]["details"]["group"]["source.ip"], "203.0.113.7");
    // The attacker's address is also in the feed (203.0.113.0/24).
    assert!(!alerts(
        &site,
        &format!("source=indicator&entity={}", encode("203.0.113.7"))
    )
    .is_empty());
}
