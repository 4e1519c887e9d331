//! The models on real data from the shared corpus (`STEWARD_CORPUS`, default
//! `../shared/corpus` from the project root). Each test skips, saying so, when the
//! corpus is absent.

use chrono::{DateTime, Datelike, Duration, NaiveDateTime, TimeZone, Utc};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use steward_behaviour::{BehaviourConfig, Behaviours};
use steward_model::{Detection, Event};

fn corpus() -> Option<PathBuf> {
    // Relative paths are relative to the project root, like the default.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir =
        root.join(std::env::var_os("STEWARD_CORPUS").unwrap_or_else(|| "../shared/corpus".into()));
    if dir.is_dir() {
        Some(dir)
    } else {
        println!(
            "SKIPPED: corpus not found at {} (set STEWARD_CORPUS)",
            dir.display()
        );
        None
    }
}

fn only(enable: impl FnOnce(&mut BehaviourConfig)) -> Behaviours {
    let mut c = BehaviourConfig::none();
    enable(&mut c);
    Behaviours::new(c).unwrap()
}

fn variant(d: &Detection) -> &str {
    d.details["variant"].as_str().unwrap_or("")
}

/// An sshd line of the Loghub OpenSSH sample as an ECS authentication event.
fn sshd_event(line: &str, year: i32) -> Option<(DateTime<Utc>, String, bool, Event)> {
    let (stamp, rest) = (line.get(..15)?, line.get(16..)?);
    let time =
        NaiveDateTime::parse_from_str(&format!("{year} {stamp}"), "%Y %b %e %H:%M:%S").ok()?;
    let time = Utc.from_utc_datetime(&time);
    let msg = rest.split_once("]: ")?.1;
    let (ok, tail) = if let Some(t) = msg.strip_prefix("Failed password for ") {
        (false, t)
    } else if let Some(t) = msg.strip_prefix("Accepted password for ") {
        (true, t)
    } else {
        return None;
    };
    let tail = tail.strip_prefix("invalid user ").unwrap_or(tail);
    let (user, after) = tail.split_once(" from ")?;
    let ip = after.split(' ').next()?.to_owned();
    let e = Event::from_object(
        json!({
            "@timestamp": time.to_rfc3339(),
            "event": {"category": ["authentication"], "action": "ssh_login",
                      "outcome": if ok { "success" } else { "failure" }},
            "source": {"ip": ip},
            "user": {"name": user},
            "host": {"hostname": "LabSZ"},
        })
        .as_object()?
        .clone(),
    );
    Some((time, ip, ok, e))
}

/// Loghub's OpenSSH sample holds real brute-force campaigns against one server. The
/// model must flag exactly the sources that a direct count finds: ten failures within
/// five minutes.
#[test]
fn openssh_brute_force_campaigns() {
    let Some(dir) = corpus() else { return };
    let path = dir.join("logs/loghub/OpenSSH/OpenSSH_2k.log");
    let Ok(text) = std::fs::read_to_string(&path) else {
        println!("SKIPPED: {} missing", path.display());
        return;
    };
    let events: Vec<_> = text
        .lines()
        .filter_map(|l| sshd_event(l.trim_end_matches('\r'), 2017))
        .collect();
    assert!(events.len() > 400, "parsed {} sshd events", events.len());

    // The reference: per source, is there any run of ten failures within 300 s?
    let mut failures: BTreeMap<&str, Vec<DateTime<Utc>>> = BTreeMap::new();
    for (t, ip, ok, _) in &events {
        if !ok {
            failures.entry(ip).or_default().push(*t);
        }
    }
    let expected: BTreeSet<&str> = failures
        .iter()
        .filter(|(_, ts)| {
            ts.windows(10)
                .any(|w| w[9] - w[0] <= Duration::seconds(300))
        })
        .map(|(ip, _)| *ip)
        .collect();

    let mut b = only(|c| c.brute_force.enabled = true);
    let now = Utc.with_ymd_and_hms(2018, 1, 1, 0, 0, 0).unwrap();
    let found: Vec<Detection> = events
        .iter()
        .flat_map(|(_, _, _, e)| b.observe_at(e, now))
        .collect();
    let flagged: BTreeSet<&str> = found
        .iter()
        .filter(|d| matches!(variant(d), "attempt" | "spray"))
        .filter_map(|d| d.entities.source_ip.as_deref())
        .collect();
    println!(
        "OpenSSH_2k: {} sshd events, {} sources with failures, flagged {:?}, {} detections",
        events.len(),
        failures.len(),
        flagged,
        found.len()
    );
    assert_eq!(flagged, expected);
    assert!(!expected.is_empty());
    // The one accepted logon comes from a source with no failures.
    assert!(found.iter().all(|d| variant(d) != "success"));
    for d in &found {
        assert!(d.timestamp.year() == 2017);
    }
}

/// Keywords of SigmaHQ's web rules (SQL injection, XSS, path traversal) placed in a
/// request: the model must recognise most of them, as the class the rule is about.
#[test]
fn sigma_web_keywords() {
    let Some(dir) = corpus() else { return };
    let rules = dir.join("sigma/rules/rules/web/webserver_generic");
    let cases = [
        ("web_sql_injection_in_access_logs.yml", "sqli", 0.7),
        ("web_xss_in_access_logs.yml", "xss", 0.75),
        (
            "web_path_traversal_exploitation_attempt.yml",
            "traversal",
            1.0,
        ),
    ];
    for (file, class, min_recall) in cases {
        let Ok(text) = std::fs::read_to_string(rules.join(file)) else {
            println!("SKIPPED: {file} missing");
            continue;
        };
        let keywords = sigma_strings(&text);
        assert!(keywords.len() >= 5, "{file}: {keywords:?}");
        let mut b = only(|c| {
            c.web_attack.enabled = true;
            c.web_attack.cooldown_secs = 0;
        });
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let mut hits = 0;
        let mut misses = Vec::new();
        for kw in &keywords {
            // After a parameter value and a space, as injected payloads follow the value.
            let url = format!("/index.php?id=1%20{kw}");
            let e = Event::from_object(
                json!({"@timestamp": "2025-12-31T00:00:00Z", "source": {"ip": "203.0.113.5"},
                       "url": {"original": url}})
                .as_object()
                .unwrap()
                .clone(),
            );
            let found = b.observe_at(&e, now);
            let classes: Vec<&str> = found
                .iter()
                .flat_map(|d| d.details["classes"].as_array().into_iter().flatten())
                .filter_map(Value::as_str)
                .collect();
            if classes.contains(&class) {
                hits += 1;
            } else {
                misses.push(kw.clone());
            }
        }
        let recall = hits as f64 / keywords.len() as f64;
        println!(
            "{file}: {hits}/{} ({recall:.2}); missed {misses:?}",
            keywords.len()
        );
        assert!(
            recall >= min_recall,
            "{file}: recall {recall:.2} < {min_recall}; missed {misses:?}"
        );
    }
}

/// The quoted list items under `detection:` of a Sigma rule (its keywords and values).
fn sigma_strings(rule: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_detection = false;
    for line in rule.lines() {
        if line.starts_with("detection:") {
            in_detection = true;
            continue;
        }
        if in_detection && !line.starts_with(' ') && !line.is_empty() {
            break;
        }
        let item = line.trim_start();
        if !in_detection || !item.starts_with("- ") || line.contains("condition") {
            continue;
        }
        let value = item[2..].trim();
        let unquoted = if let Some(v) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\''))
        {
            v.replace("''", "'")
        } else if let Some(v) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            v.to_owned()
        } else {
            value.to_owned()
        };
        out.push(unquoted);
    }
    out
}

/// The peer's ECS documents of every device family: benign samples, all models on,
/// nothing may fire and nothing may panic.
#[test]
fn ecs_documents_of_every_family_are_quiet() {
    let Some(dir) = corpus() else { return };
    let mut files = Vec::new();
    collect_expected(&dir.join("logs"), &mut files);
    if files.is_empty() {
        println!(
            "SKIPPED: no *-expected.json under {}",
            dir.join("logs").display()
        );
        return;
    }
    let mut b = Behaviours::new(BehaviourConfig::default()).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mut docs = 0;
    let mut found = Vec::new();
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let Ok(v) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        for doc in v["expected"].as_array().into_iter().flatten() {
            if let Some(obj) = doc.as_object() {
                docs += 1;
                for d in b.observe_at(&Event::from_object(obj.clone()), now) {
                    found.push((file.display().to_string(), d.title));
                }
            }
        }
    }
    println!(
        "{} files, {docs} documents, detections: {found:#?}",
        files.len()
    );
    assert!(docs > 50);
    assert!(found.is_empty(), "{found:#?}");
    assert_eq!(b.stats().events, docs as u64);
}

fn collect_expected(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_expected(&path, out);
        } else if path.to_string_lossy().ends_with("-expected.json") {
            out.push(path);
        }
    }
    out.sort();
}
