//! `steward bench detect`: rule compile time and memory, events/s per core with the
//! whole rule tree on (a) the Sigma regression events in a loop and (b) a mixed ECS
//! stream, and event→alert latency in a running site under load.

use crate::traffic::{self, Rng};
use anyhow::{Context, Result};
use chrono::Utc;
use serde_json::{Map, Value};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use steward_detect::{Detector, Limits, LoadOptions, RuleSet};
use steward_normalize::{Normalizer, ParseOptions, RecordMeta, Registry};
use steward_site::config::Listen;
use steward_site::SiteConfig;

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn regression_events(dir: &Path) -> Vec<Map<String, Value>> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        for v in serde_json::Deserializer::from_str(&text)
            .into_iter::<Value>()
            .flatten()
        {
            if let Value::Object(m) = v {
                out.push(m);
            }
        }
    }
    out
}

/// Normalised events of the kinds the demo traffic generates (syslog, CEF, LEEF, JSON,
/// key=value), as the site would see them.
fn mixed_ecs(n: usize) -> Vec<Map<String, Value>> {
    let normalizer = Normalizer::new(Arc::new(Registry::builtin()));
    let options = ParseOptions::default();
    let meta = RecordMeta {
        received: Utc::now(),
        peer: None,
        listener: None,
        truncated: false,
    };
    let mut rng = Rng::new(11);
    (0..n)
        .map(|_| {
            let line = traffic::line(&mut rng, 0, Utc::now());
            normalizer
                .normalize(line.as_bytes(), "auto", &options, &meta)
                .into_object()
        })
        .collect()
}

/// Where one event's time goes: building the field view, then prefilter and rule
/// evaluation, then the rest (correlations, detections).
fn split(detector: &mut Detector, events: &[Map<String, Value>], total: usize) {
    let started = Instant::now();
    for i in 0..total {
        std::hint::black_box(steward_detect::EventView::from_json(
            &events[i % events.len()],
        ));
    }
    let view = started.elapsed().as_secs_f64() / total as f64;
    let views: Vec<_> = events
        .iter()
        .map(steward_detect::EventView::from_json)
        .collect();
    let started = Instant::now();
    for i in 0..total {
        std::hint::black_box(detector.matching_rules(&views[i % views.len()]));
    }
    let rules = started.elapsed().as_secs_f64() / total as f64;
    println!(
        "    per event: field view {:.1} µs, prefilter + rules {:.1} µs",
        view * 1e6,
        rules * 1e6
    );
}

fn throughput(detector: &mut Detector, events: &[Map<String, Value>], total: usize, label: &str) {
    let bytes: usize = events
        .iter()
        .map(|e| serde_json::to_string(e).map_or(0, |s| s.len()))
        .sum();
    let now = Utc::now();
    let started = Instant::now();
    let mut detections = 0usize;
    for i in 0..total {
        detections += detector.process(&events[i % events.len()], now).len();
    }
    let secs = started.elapsed().as_secs_f64();
    let per_event_bytes = bytes as f64 / events.len().max(1) as f64;
    println!(
        "{label}: {total} events ({} distinct, {per_event_bytes:.0} JSON bytes each) in {secs:.2} s = {:.0} events/s on one core ({:.1} MB/s of JSON), {detections} detections",
        events.len(),
        total as f64 / secs,
        total as f64 * per_event_bytes / secs / 1e6
    );
}

pub fn run(
    rules: Vec<PathBuf>,
    regression: Option<PathBuf>,
    events: usize,
    probes: usize,
) -> Result<()> {
    let corpus = std::env::var("STEWARD_CORPUS").unwrap_or_else(|_| "../shared/corpus".into());
    let rules = if rules.is_empty() {
        vec![Path::new(&corpus).join("sigma/rules")]
    } else {
        rules
    };
    let regression = regression.unwrap_or_else(|| Path::new(&corpus).join("sigma/regression"));
    let before = rss_kib("VmRSS:");
    let started = Instant::now();
    let set = RuleSet::load_with(
        &rules,
        steward_detect::BUILTIN_RULES,
        &LoadOptions::default(),
    );
    let load = started.elapsed().as_secs_f64();
    let after = rss_kib("VmRSS:");
    println!(
        "rules: {} rules + {} correlations from {} files compiled in {load:.2} s; {} not loaded; {} prefilter literals, {} rules without one; resident memory +{:.1} MiB",
        set.rules.len(),
        set.correlations.len(),
        set.files,
        set.errors.len(),
        set.prefilter_literals(),
        set.unanchored_rules(),
        after.saturating_sub(before) as f64 / 1024.0
    );
    let set = Arc::new(set);
    let mut detector = Detector::new(Arc::clone(&set), Limits::default());
    let regression_events = regression_events(&regression);
    if regression_events.is_empty() {
        println!(
            "regression events: none under {} (set STEWARD_CORPUS)",
            regression.display()
        );
    } else {
        throughput(
            &mut detector,
            &regression_events,
            events,
            "(a) regression events, looped",
        );
        split(&mut detector, &regression_events, events.min(100_000));
    }
    let mixed = mixed_ecs(100_000.min(events));
    let mut mixed_with_windows = mixed.clone();
    // One Windows event in ten, as a site collecting both network and host logs sees.
    for (i, e) in regression_events.iter().enumerate() {
        if i * 10 < mixed_with_windows.len() {
            let at = i * 10;
            mixed_with_windows[at] = e.clone();
        }
    }
    throughput(
        &mut detector,
        &mixed_with_windows,
        events,
        "(b) mixed ECS stream",
    );
    split(&mut detector, &mixed_with_windows, events.min(100_000));
    let s = detector.stats();
    println!(
        "per event: {:.0} bytes scanned by the prefilter, {:.1} literal hits, {:.2} rules evaluated",
        s.haystack_bytes as f64 / s.events.max(1) as f64,
        s.prefilter_hits as f64 / s.events.max(1) as f64,
        s.rule_evaluations as f64 / s.events.max(1) as f64
    );
    latency(rules, probes)
}

const PROBE_RULE: &str = "title: Latency probe\nid: 6a8e0c55-bd0e-4a55-9d7e-4c1a3b2f0a99\n\
logsource: {product: windows, category: process_creation}\n\
detection:\n  sel:\n    CommandLine|contains: 'steward-latency-probe'\n  condition: sel\nlevel: low\n";

fn probe_event(host: &str) -> String {
    serde_json::json!({"Event": {
        "System": {"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": host,
            "TimeCreated": {"#attributes": {"SystemTime": Utc::now().to_rfc3339()}}},
        "EventData": {"Image": "C:\\Windows\\System32\\cmd.exe",
            "CommandLine": "cmd.exe /c echo steward-latency-probe", "User": "bench"}
    }})
    .to_string()
}

/// Probes posted one at a time among background load; each is a new alert (its own
/// host), and the alert store is polled until it is there.
fn latency(mut rules: Vec<PathBuf>, probes: usize) -> Result<()> {
    let data = std::env::temp_dir().join(format!("steward-bench-detect-{}", std::process::id()));
    std::fs::create_dir_all(&data)?;
    let probe_dir = data.join("probe-rules");
    std::fs::create_dir_all(&probe_dir)?;
    std::fs::write(probe_dir.join("probe.yml"), PROBE_RULE)?;
    rules.push(probe_dir);
    let mut config = SiteConfig::default();
    config.site.data = data.join("site");
    config.http.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    config.syslog.udp = Listen::Off;
    config.syslog.tls = Listen::Off;
    config.syslog.tcp = Listen::Off;
    config.detect.rules = rules;
    config.detect.reload_secs = 0;
    let token = "bench-token-0123456789abcdef";
    let result = crate::runtime()?.block_on(async {
        let options = steward_site::StartOptions {
            bootstrap_token: Some(token.into()),
        };
        let site = steward_site::start(config, options).await?;
        let http = site.addresses.http;
        let alerts = steward_store::AlertStore::open(&data.join("site/alerts.db"))?;
        // Background: 500-event batches of demo traffic, ten a second (5,000 events/s).
        let stop = Arc::new(AtomicBool::new(false));
        let background = {
            let stop = stop.clone();
            tokio::spawn(async move {
                let mut rng = Rng::new(3);
                while !stop.load(Ordering::Relaxed) {
                    let mut body = Vec::new();
                    for _ in 0..500 {
                        body.extend_from_slice(traffic::line(&mut rng, 0, Utc::now()).as_bytes());
                        body.push(b'\n');
                    }
                    let _ = crate::http_client::post(http, token, "/api/v1/ingest", "text/plain", body).await;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            })
        };
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut samples = Vec::with_capacity(probes);
        for i in 0..probes {
            let host = format!("probe-{i}-{}", std::process::id());
            let body = probe_event(&host).into_bytes();
            let started = Instant::now();
            crate::http_client::post(http, token, "/api/v1/ingest", "application/x-ndjson", body)
                .await
                .context("posting a probe")?;
            let deadline = started + Duration::from_secs(10);
            loop {
                let found = alerts
                    .list(&steward_store::AlertFilter {
                        entity: Some(host.clone()),
                        limit: 1,
                        ..Default::default()
                    })
                    .map(|a| !a.is_empty())
                    .unwrap_or(false);
                if found {
                    samples.push(started.elapsed().as_secs_f64() * 1000.0);
                    break;
                }
                if Instant::now() > deadline {
                    println!("probe {i}: no alert within 10 s");
                    break;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
        stop.store(true, Ordering::Relaxed);
        let _ = background.await;
        samples.sort_by(|a, b| a.total_cmp(b));
        println!(
            "(c) event→alert in a running site (HTTP ingest with commit, detection, alert commit; 5,000 events/s of background load): {} probes, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            samples.len(),
            crate::bench::percentile(&samples, 0.5),
            crate::bench::percentile(&samples, 0.99),
            samples.last().copied().unwrap_or(0.0)
        );
        site.shutdown().await;
        anyhow::Ok(())
    });
    let _ = std::fs::remove_dir_all(&data);
    result
}
