//! Real data: asset discovery over the peer's ECS documents, and tactic/category
//! derivation over SigmaHQ rule tags. Skips (with a message) when the corpus is absent.

use ipnet::IpNet;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Instant;
use steward_model::Event;
use steward_secops::{observe, tactics_from_tags, Category, Tactic};

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("STEWARD_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    if dir.is_dir() {
        Some(dir)
    } else {
        println!(
            "SKIP: corpus not found at {} (set STEWARD_CORPUS)",
            dir.display()
        );
        None
    }
}

fn walk(dir: &Path, keep: &dyn Fn(&Path) -> bool, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let p = entry.path();
        if p.is_dir() {
            walk(&p, keep, out);
        } else if keep(&p) {
            out.push(p);
        }
    }
    out.sort();
}

fn internal() -> Vec<IpNet> {
    ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect()
}

fn ips_at(doc: &Event, path: &str) -> Vec<IpAddr> {
    match doc.get(path) {
        Some(serde_json::Value::String(s)) => s.parse().ok().into_iter().collect(),
        Some(serde_json::Value::Array(a)) => {
            a.iter().filter_map(|v| v.as_str()?.parse().ok()).collect()
        }
        _ => Vec::new(),
    }
}

#[test]
fn discovery_over_peer_ecs_documents() {
    let Some(root) = corpus() else { return };
    let mut files = Vec::new();
    walk(
        &root.join("logs"),
        &|p| p.to_string_lossy().ends_with("-expected.json"),
        &mut files,
    );
    let mut docs = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        for d in v["expected"].as_array().into_iter().flatten() {
            if let serde_json::Value::Object(m) = d {
                docs.push(Event::from_object(m.clone()));
            }
        }
    }
    assert!(
        !docs.is_empty(),
        "no expected documents under {}",
        root.display()
    );
    let nets = internal();
    let start = Instant::now();
    let all: Vec<_> = docs.iter().map(|d| observe(d, &nets)).collect();
    let elapsed = start.elapsed();

    let (mut total, mut external_seen) = (0usize, 0usize);
    let mut unique = std::collections::BTreeSet::new();
    for (doc, obs) in docs.iter().zip(&all) {
        let mentioned: Vec<IpAddr> = ["host.ip", "source.ip", "destination.ip"]
            .iter()
            .flat_map(|p| ips_at(doc, p))
            .map(|ip| ip.to_canonical())
            .collect();
        for o in obs {
            assert!(
                nets.iter().any(|n| n.contains(&o.ip)),
                "{} is external",
                o.ip
            );
            assert!(mentioned.contains(&o.ip), "{} not in the document", o.ip);
            if let Some(ts) = doc.timestamp() {
                assert_eq!(o.seen_at, ts);
            }
            unique.insert(o.ip);
        }
        total += obs.len();
        // Every internal, non-loopback address the document names (with a time) is found.
        if doc.timestamp().is_some() {
            for ip in &mentioned {
                let inside = nets.iter().any(|n| n.contains(ip)) && !ip.is_loopback();
                if inside {
                    assert!(obs.iter().any(|o| o.ip == *ip), "missed {ip}");
                } else {
                    external_seen += 1;
                }
            }
        }
    }
    assert!(total > 0, "no internal asset observed in the corpus");
    println!(
        "discovery: {} files, {} documents, {} observations, {} unique internal addresses, {} external/other addresses ignored, {:.1} µs/document",
        files.len(),
        docs.len(),
        total,
        unique.len(),
        external_seen,
        elapsed.as_secs_f64() * 1e6 / docs.len() as f64
    );
}

/// The `tags:` list of a Sigma rule, read line by line (no YAML parser needed for it).
fn rule_tags_and_title(text: &str) -> (Vec<String>, String) {
    let mut tags = Vec::new();
    let mut title = String::new();
    let mut in_tags = false;
    for line in text.lines() {
        if let Some(t) = line.strip_prefix("title:") {
            title = t.trim().trim_matches(['\'', '"']).to_owned();
        }
        if line.starts_with("tags:") {
            in_tags = true;
            continue;
        }
        if in_tags {
            match line.trim_start().strip_prefix("- ") {
                Some(tag) if line.starts_with(' ') => tags.push(tag.trim().to_owned()),
                _ => in_tags = false,
            }
        }
    }
    (tags, title)
}

#[test]
fn tactics_and_categories_over_sigma_rules() {
    let Some(root) = corpus() else { return };
    let mut files = Vec::new();
    walk(
        &root.join("sigma"),
        &|p| p.extension().is_some_and(|e| e == "yml"),
        &mut files,
    );
    let (mut with_tactic_tag, mut with_derived, mut rules) = (0usize, 0usize, 0usize);
    let mut by_category: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let (tags, title) = rule_tags_and_title(&text);
        if title.is_empty() {
            continue;
        }
        rules += 1;
        let tactics = tactics_from_tags(&tags);
        // Every tactic the rule names outright must be derived.
        for tag in &tags {
            if let Some(t) = tag.strip_prefix("attack.").and_then(Tactic::parse) {
                with_tactic_tag += 1;
                assert!(tactics.contains(&t), "{}: {tag} lost", f.display());
            }
        }
        if !tactics.is_empty() {
            with_derived += 1;
        }
        *by_category
            .entry(Category::classify(&tags, &title).as_str())
            .or_default() += 1;
    }
    assert!(rules > 0, "no Sigma rules under {}", root.display());
    assert!(with_tactic_tag > 0);
    println!(
        "sigma: {rules} rules, {with_tactic_tag} tactic tags, {with_derived} rules with at least one tactic ({:.1}%)",
        100.0 * with_derived as f64 / rules as f64
    );
    println!("categories: {by_category:?}");
}
