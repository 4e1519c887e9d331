//! `steward bench`: figures for BENCHMARKS.md. Nothing here asserts a threshold; it
//! measures and prints, and the numbers are compared as ratios within one run.

use crate::cli::{BenchArgs, BenchWhat};
use crate::traffic::{self, Rng};
use anyhow::{Context, Result};
use chrono::Utc;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use steward_normalize::{Normalizer, ParseOptions, RecordMeta, Registry};
use steward_site::config::Listen;
use steward_site::SiteConfig;
use steward_store::{EventStore, SearchRequest, SqliteOptions, SqliteStore, TimeRange};
use tokio::io::AsyncWriteExt;

pub fn run(args: BenchArgs) -> Result<ExitCode> {
    println!("machine: {} cores, {}", cores(), cpu_model());
    match args.what {
        BenchWhat::Parse { lines } => parse(lines),
        BenchWhat::Secops {
            incidents,
            vulns,
            queries,
            data,
        } => crate::bench_secops::run(incidents, vulns, queries, data),
        BenchWhat::Families { samples, records } => families(samples, records),
        BenchWhat::Ingest {
            events,
            connections,
            no_detect,
        } => ingest(events, connections, !no_detect),
        BenchWhat::Search {
            events,
            queries,
            data,
        } => search(events, queries, data),
        BenchWhat::Detect {
            rules,
            regression,
            events,
            probes,
        } => crate::bench_detect::run(rules, regression, events, probes),
    }?;
    println!("peak RSS: {:.1} MiB", peak_rss_kib() as f64 / 1024.0);
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

pub(crate) fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// High-water resident set of this process (Linux), in KiB.
pub(crate) fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn meta() -> RecordMeta<'static> {
    RecordMeta {
        received: Utc::now(),
        peer: None,
        listener: None,
        truncated: false,
    }
}

fn parse(lines: usize) -> Result<()> {
    let normalizer = Normalizer::new(Arc::new(Registry::builtin()));
    let options = ParseOptions::default();
    let mut rng = Rng::new(42);
    println!("parse-only, one thread, {lines} lines per parser (full normalisation: parse + ECS document)");
    println!(
        "{:<10} {:>14} {:>10} {:>12}",
        "parser", "lines/s", "µs/line", "bytes/line"
    );
    for (kind, name) in traffic::KINDS.iter().enumerate() {
        let input: Vec<String> = (0..lines)
            .map(|_| traffic::line(&mut rng, kind, Utc::now()))
            .collect();
        let bytes: usize = input.iter().map(String::len).sum();
        for parser in [*name, "auto"] {
            let m = meta();
            let started = Instant::now();
            let mut failed = 0;
            for l in &input {
                let e = normalizer.normalize(l.as_bytes(), parser, &options, &m);
                failed += usize::from(e.get("error.message").is_some());
            }
            let secs = started.elapsed().as_secs_f64();
            let label = if parser == "auto" {
                format!("{name}+auto")
            } else {
                parser.to_owned()
            };
            println!(
                "{label:<14} {:>10.0} {:>10.2} {:>12.0}{}",
                lines as f64 / secs,
                secs * 1e6 / lines as f64,
                bytes as f64 / lines as f64,
                if failed > 0 {
                    format!("  ({failed} failed)")
                } else {
                    String::new()
                }
            );
        }
    }
    Ok(())
}

fn default_sample_dirs() -> Vec<PathBuf> {
    let corpus = std::env::var_os("STEWARD_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../shared/corpus"));
    vec![
        corpus.join("logs"),
        PathBuf::from("crates/devices/tests/fixtures"),
    ]
}

fn families(dirs: Vec<PathBuf>, per_family: usize) -> Result<()> {
    let dirs = if dirs.is_empty() {
        default_sample_dirs()
    } else {
        dirs
    };
    let (registry, library) = crate::parse::load_registry(None)?;
    let registry = Arc::new(registry);
    let started = Instant::now();
    let failed = library.compile_all();
    println!(
        "compiled {} family mappings in {:.2} s ({} threads), {} failed",
        library.families().len(),
        started.elapsed().as_secs_f64(),
        cores(),
        failed.len()
    );
    let normalizer = Normalizer::new(registry.clone());
    let mut samples = std::collections::BTreeMap::new();
    for dir in &dirs {
        if !dir.is_dir() {
            println!("note: {} not found, skipped", dir.display());
            continue;
        }
        for (family, records) in crate::parse_check::records_by_family(dir)? {
            samples
                .entry(family)
                .or_insert_with(Vec::new)
                .extend(records);
        }
    }
    let options = ParseOptions::default();
    println!(
        "device families, one thread, {per_family} records per family cycled from its samples"
    );
    println!(
        "{:<20} {:>8} {:>12} {:>12} {:>12} {:>10}",
        "family", "samples", "named rec/s", "auto rec/s", "detect ns", "bytes/rec"
    );
    let mut named_rates = Vec::new();
    let mut detect_ns = Vec::new();
    for (family, records) in &samples {
        let records: Vec<&Vec<u8>> = records.iter().filter(|r| !r.is_empty()).collect();
        if records.is_empty() || registry.get(family).is_none() {
            continue;
        }
        let input: Vec<&[u8]> = records
            .iter()
            .cycle()
            .take(per_family)
            .map(|r| r.as_slice())
            .collect();
        let bytes: usize = input.iter().map(|r| r.len()).sum();
        let m = meta();
        let time = |parser: &str| {
            let started = Instant::now();
            for r in &input {
                std::hint::black_box(normalizer.normalize(r, parser, &options, &m));
            }
            input.len() as f64 / started.elapsed().as_secs_f64()
        };
        let named = time(family);
        let auto = time("auto");
        let texts: Vec<String> = input
            .iter()
            .map(|r| String::from_utf8_lossy(r).into_owned())
            .collect();
        let started = Instant::now();
        for t in &texts {
            std::hint::black_box(registry.detect(t));
        }
        let detect = started.elapsed().as_secs_f64() * 1e9 / texts.len() as f64;
        println!(
            "{family:<20} {:>8} {named:>12.0} {auto:>12.0} {detect:>12.0} {:>10.0}",
            records.len(),
            bytes as f64 / input.len() as f64
        );
        named_rates.push(named);
        detect_ns.push(detect);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.0)
    };
    println!(
        "median over {} families: {:.0} records/s named, detection {:.0} ns/record",
        named_rates.len(),
        median(&mut named_rates),
        median(&mut detect_ns)
    );
    Ok(())
}

pub(crate) fn temp_dir(label: &str) -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("steward-bench-{label}-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn ingest(events: usize, connections: usize, detect: bool) -> Result<()> {
    let data = temp_dir("ingest")?;
    let mut config = SiteConfig::default();
    config.site.data = data.clone();
    config.http.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    config.syslog.udp = Listen::Off;
    config.syslog.tls = Listen::Off;
    config.syslog.tcp = Listen::At(SocketAddr::from(([127, 0, 0, 1], 0)));
    config.detect.enabled = detect;
    println!(
        "detection: {}",
        if detect {
            "on (built-in rules, behaviour models)"
        } else {
            "off"
        }
    );
    crate::raise_fd_limit();
    let site_data = data.clone();
    let result = crate::runtime()?.block_on(async move {
        let data = site_data;
        let options = steward_site::StartOptions { bootstrap_token: Some("bench-token-0123456789abcdef".into()) };
        let site = steward_site::start(config, options).await?;
        let token = "bench-token-0123456789abcdef".to_string();
        let connections = connections.max(1);
        // Lines are generated before the clock starts.
        let mut rng = Rng::new(7);
        let per_conn = events / connections;
        let payloads: Vec<Vec<u8>> = (0..connections)
            .map(|_| {
                let mut buf = Vec::new();
                for _ in 0..per_conn {
                    buf.extend_from_slice(traffic::line(&mut rng, 0, Utc::now()).as_bytes());
                    buf.push(b'\n');
                }
                buf
            })
            .collect();
        let total = per_conn * connections;
        let bytes_in: usize = payloads.iter().map(Vec::len).sum();
        let tcp = site.addresses.syslog_tcp.context("no tcp listener")?;
        let started = Instant::now();
        let mut sends = Vec::new();
        for payload in payloads {
            sends.push(tokio::spawn(async move {
                let mut s = tokio::net::TcpStream::connect(tcp).await?;
                s.write_all(&payload).await?;
                s.shutdown().await
            }));
        }
        for s in sends {
            s.await??;
        }
        wait_stored(&site, total as u64).await;
        let tcp_secs = started.elapsed().as_secs_f64();
        println!(
            "tcp  → durable: {total} events over {connections} connections in {tcp_secs:.2} s = {:.0} events/s ({:.1} MiB/s in)",
            total as f64 / tcp_secs,
            bytes_in as f64 / tcp_secs / 1048576.0
        );

        let batch = 5_000;
        let batches = (events / batch).max(1);
        let bodies: Vec<Vec<u8>> = (0..batches)
            .map(|_| {
                let mut buf = Vec::new();
                for _ in 0..batch {
                    buf.extend_from_slice(traffic::line(&mut rng, 0, Utc::now()).as_bytes());
                    buf.push(b'\n');
                }
                buf
            })
            .collect();
        let http = site.addresses.http;
        let before = site.stored_events();
        let started = Instant::now();
        let queue = Arc::new(tokio::sync::Mutex::new(bodies));
        let mut workers = Vec::new();
        for _ in 0..connections {
            let queue = queue.clone();
            let token = token.clone();
            workers.push(tokio::spawn(async move {
                loop {
                    let Some(body) = queue.lock().await.pop() else { return Ok::<_, std::io::Error>(()) };
                    crate::http_client::post(http, &token, "/api/v1/ingest", "text/plain", body).await?;
                }
            }));
        }
        for w in workers {
            w.await??;
        }
        let http_secs = started.elapsed().as_secs_f64();
        let acked = site.stored_events() - before;
        println!(
            "http → durable (acknowledged after commit): {acked} events in batches of {batch} over {connections} clients in {http_secs:.2} s = {:.0} events/s",
            acked as f64 / http_secs
        );
        if let Some(d) = site.detect_stats() {
            // Let detection finish what it was handed before reading its counters.
            while d.queue_events.load(std::sync::atomic::Ordering::Relaxed) > 0 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            let load = |c: &std::sync::atomic::AtomicU64| c.load(std::sync::atomic::Ordering::Relaxed);
            println!(
                "detection: {} events run, {} skipped (queue full), {} detections",
                load(&d.events),
                load(&d.skipped),
                load(&d.detections)
            );
        }
        site.shutdown().await;
        let store = SqliteStore::open(data.join("events"), SqliteOptions::default())?;
        let disk = store.disk_bytes()?;
        let stored = total as u64 + acked;
        println!(
            "disk: {:.1} MiB for {stored} events = {:.0} bytes/event (raw input ≈ {:.0} bytes/line)",
            disk as f64 / 1048576.0,
            disk as f64 / stored as f64,
            bytes_in as f64 / total.max(1) as f64
        );
        anyhow::Ok(())
    });
    let _ = std::fs::remove_dir_all(&data);
    result
}

async fn wait_stored(site: &steward_site::RunningSite, n: u64) {
    while site.stored_events() < n {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn search(events: usize, queries: usize, data: Option<PathBuf>) -> Result<()> {
    let (dir, temporary) = match data {
        Some(d) => (d, false),
        None => (temp_dir("search")?, true),
    };
    let store = Arc::new(SqliteStore::open(
        &dir,
        SqliteOptions {
            sync: steward_store::SyncMode::Normal,
            ..SqliteOptions::default()
        },
    )?);
    let existing = store
        .search(&SearchRequest {
            query: steward_query::Query::All,
            range: TimeRange::all(),
            limit: 0,
            cursor: None,
            count_limit: u64::MAX,
        })?
        .total as usize;
    if existing < events {
        let normalizer = Normalizer::new(Arc::new(Registry::builtin()));
        let options = ParseOptions::default();
        let mut rng = Rng::new(99);
        let started = Instant::now();
        let mut done = existing;
        let now = Utc::now();
        while done < events {
            let n = (events - done).min(10_000);
            let batch: Vec<_> = (0..n)
                .map(|i| {
                    // Spread over the past 24 hours so time filters have work to do.
                    let t = now
                        - chrono::Duration::milliseconds(
                            ((done + i) as i64 * 86_400_000) / events as i64,
                        );
                    let kind = rng.below(traffic::KINDS.len() as u64) as usize;
                    let line = traffic::line(&mut rng, kind, t);
                    let mut e = normalizer.normalize(line.as_bytes(), "auto", &options, &meta());
                    e.set_timestamp("@timestamp", t);
                    e
                })
                .collect();
            store.append_events(batch)?;
            done += n;
            if done % 1_000_000 < 10_000 {
                eprintln!(
                    "filled {done}/{events} ({:.0} events/s)",
                    (done - existing) as f64 / started.elapsed().as_secs_f64()
                );
            }
        }
        println!(
            "fill: {} events in {:.1} s (parse + store, one writer)",
            events - existing,
            started.elapsed().as_secs_f64()
        );
    }
    let disk = store.disk_bytes()?;
    println!(
        "store: {events} events, {:.1} MiB on disk = {:.0} bytes/event",
        disk as f64 / 1048576.0,
        disk as f64 / events as f64
    );
    let cases = [
        ("field filter (typed column)", "host.name:web01"),
        (
            "field filter + CIDR",
            "source.ip:10.1.0.0/16 AND destination.port:443",
        ),
        ("field filter (JSON field)", "service.name:billing"),
        ("full-text word", "sshd"),
        ("full-text phrase", "\"Failed password\""),
        ("full-text rare word", "refused"),
        (
            "boolean mix",
            "(event.action:deny OR event.action:drop) AND NOT user.name:root",
        ),
    ];
    println!("search: newest 100 of the last 24 h, exact total up to 10000; {queries} runs each");
    println!(
        "{:<30} {:>10} {:>10} {:>10}",
        "query", "p50 ms", "p99 ms", "total"
    );
    for (label, q) in cases {
        let query = steward_query::parse(q).map_err(|e| anyhow::anyhow!("{q}: {e}"))?;
        let mut times = Vec::with_capacity(queries);
        let mut total = 0;
        for _ in 0..queries {
            let now = Utc::now();
            let request = SearchRequest {
                query: query.clone(),
                range: TimeRange {
                    from: now - chrono::Duration::hours(24),
                    to: now + chrono::Duration::minutes(1),
                },
                limit: 100,
                cursor: None,
                count_limit: 10_000,
            };
            let started = Instant::now();
            total = store.search(&request)?.total;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(|a, b| a.total_cmp(b));
        println!(
            "{label:<30} {:>10.1} {:>10.1} {:>10}",
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            total
        );
    }
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}
