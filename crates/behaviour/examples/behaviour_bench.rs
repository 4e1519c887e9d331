//! Throughput and memory of all behaviour models on a synthetic mixed stream.
//!
//! cargo run -p steward-behaviour --example behaviour_bench --release -- [EVENTS]
//!
//! Events (flows, DNS, logons, process starts, file changes, web requests, with a few
//! scans, brute force, beacons and attacks mixed in) are generated in batches; only the
//! `observe_at` calls are timed. Peak RSS (VmHWM) covers generation too, so the batch
//! is kept small. High key cardinality (tens of thousands of sources, hundreds of
//! thousands of destinations) makes the key caps and evictions do their work.

use chrono::{Duration, TimeZone, Utc};
use std::collections::BTreeMap;
use std::time::Instant;
use steward_behaviour::{BehaviourConfig, Behaviours};
use steward_model::Event;

const BATCH: usize = 10_000;
/// Average spacing of events: 1M events span about 83 minutes of traffic.
const STEP_MS: i64 = 5;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const USERS: &[&str] = &[
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "svc_backup",
    "root",
    "admin",
];
const URLS: &[&str] = &[
    "/",
    "/index.html",
    "/api/v1/orders?page=2&limit=50",
    "/static/app.js?v=1.2.3",
    "/search?q=select+a+gift",
    "/login",
    "/images/logo.png",
    "/products/selection?sort=asc",
    "/wp-login.php",
    "/cart?item=12&qty=1",
];
const ATTACKS: &[&str] = &[
    "/item.php?id=1%27%20UNION%20SELECT%20user,pass%20FROM%20users--",
    "/search?q=%3Cscript%3Ealert(1)%3C/script%3E",
    "/dl?f=..%2f..%2f..%2fetc%2fpasswd",
    "/ping?host=1.1.1.1;cat+/etc/passwd",
];
const COMMANDS: &[&str] = &[
    "C:\\Windows\\system32\\svchost.exe -k netsvcs -p",
    "/usr/bin/python3 /opt/app/manage.py runserver",
    "powershell.exe -NoProfile -File C:\\scripts\\inventory.ps1",
    "/bin/bash -c ls -la /var/log",
    "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe --type=renderer",
];
const DOMAINS: &[&str] = &[
    "www.example.com",
    "cdn.example.net",
    "api.github.com",
    "update.microsoft.com",
    "login.microsoftonline.com",
    "time.windows.com",
];

fn internal(rng: &mut Rng) -> String {
    // ~50k distinct internal addresses.
    format!(
        "10.{}.{}.{}",
        rng.below(4),
        rng.below(50),
        1 + rng.below(250)
    )
}

fn external(rng: &mut Rng) -> String {
    // ~250k distinct external addresses.
    format!(
        "198.{}.{}.{}",
        18 + rng.below(4),
        rng.below(250),
        1 + rng.below(250)
    )
}

fn make(rng: &mut Rng, i: u64, ts: &str) -> Event {
    let mut e = Event::new();
    e.set("@timestamp", ts);
    e.set("event.id", format!("e{i}"));
    match rng.below(100) {
        0..=29 => {
            e.set("event.category", vec!["network"]);
            e.set("event.type", vec!["connection"]);
            let src = internal(rng);
            e.set("source.ip", src.as_str());
            e.set("source.port", 1024 + rng.below(60_000));
            e.set("destination.ip", external(rng));
            e.set(
                "destination.port",
                *[443u64, 80, 53, 22, 3389]
                    .get(rng.below(5) as usize)
                    .unwrap_or(&443),
            );
            e.set("source.bytes", rng.below(2_000_000));
            e.set("network.transport", "tcp");
        }
        30..=44 => {
            e.set("event.category", vec!["network"]);
            e.set("source.ip", internal(rng));
            e.set("destination.ip", "10.0.0.2");
            e.set("destination.port", 53);
            // One query in 20,000 resolves a mining pool.
            let name = if rng.below(20_000) == 0 {
                "pool.supportxmr.com"
            } else {
                rng.pick(DOMAINS)
            };
            e.set("dns.question.name", name);
        }
        45..=59 => {
            e.set("event.category", vec!["authentication"]);
            e.set("event.action", "ssh_login");
            let fail = rng.below(4) == 0;
            e.set("event.outcome", if fail { "failure" } else { "success" });
            e.set(
                "source.ip",
                if rng.below(10) == 0 {
                    external(rng)
                } else {
                    internal(rng)
                },
            );
            e.set("user.name", rng.pick(USERS));
            e.set("host.name", format!("srv{}", rng.below(500)));
        }
        60..=69 => {
            e.set("event.category", vec!["process"]);
            e.set("event.type", vec!["start"]);
            e.set("host.name", format!("ws{}", rng.below(2000)));
            let cmd = if rng.below(10_000) == 0 {
                "vssadmin.exe delete shadows /all /quiet"
            } else {
                rng.pick(COMMANDS)
            };
            e.set("process.command_line", cmd);
            e.set(
                "process.name",
                cmd.rsplit(['\\', '/'])
                    .next()
                    .unwrap_or(cmd)
                    .split(' ')
                    .next()
                    .unwrap_or(""),
            );
            e.set("process.pid", rng.below(60_000));
        }
        70..=79 => {
            e.set("event.category", vec!["file"]);
            e.set("event.type", vec!["change"]);
            e.set(
                "event.action",
                *["rename", "modification", "deletion", "creation"]
                    .get(rng.below(4) as usize)
                    .unwrap_or(&"rename"),
            );
            e.set("host.name", format!("ws{}", rng.below(2000)));
            e.set("process.pid", rng.below(500));
            e.set("process.executable", "C:\\Windows\\explorer.exe");
            e.set(
                "file.path",
                format!("C:\\Users\\u\\Documents\\f{}.docx", rng.below(100_000)),
            );
        }
        80..=94 => {
            e.set("event.category", vec!["web"]);
            e.set("source.ip", external(rng));
            let url = if rng.below(200) == 0 {
                rng.pick(ATTACKS)
            } else {
                rng.pick(URLS)
            };
            e.set("url.original", url);
            e.set("user_agent.original", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36");
            e.set("http.request.method", "GET");
        }
        _ => {
            e.set("event.category", vec!["authentication"]);
            e.set("event.action", "logged-in");
            e.set("event.outcome", "success");
            e.set("winlog.event_id", 4624);
            e.set("winlog.event_data.LogonType", "3");
            e.set("user.name", rng.pick(USERS));
            e.set("user.domain", "CORP");
            e.set("host.name", format!("srv{}", rng.below(500)));
            e.set("source.ip", internal(rng));
        }
    }
    e
}

fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let total: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let mut behaviours = match Behaviours::new(BehaviourConfig::default()) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("config: {e}");
            std::process::exit(1);
        }
    };
    let start = Utc
        .with_ymd_and_hms(2026, 3, 2, 8, 0, 0)
        .single()
        .unwrap_or_else(Utc::now);
    let clock = start + Duration::days(1);
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let hwm_before = vm_hwm_kib();
    let mut busy = std::time::Duration::ZERO;
    let mut per_model: BTreeMap<String, u64> = BTreeMap::new();
    let mut samples: BTreeMap<String, String> = BTreeMap::new();
    let mut i = 0u64;
    while i < total {
        let n = (total - i).min(BATCH as u64);
        let batch: Vec<Event> = (0..n)
            .map(|k| {
                let t = start + Duration::milliseconds((i + k) as i64 * STEP_MS);
                make(
                    &mut rng,
                    i + k,
                    &t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                )
            })
            .collect();
        let began = Instant::now();
        for e in &batch {
            for d in behaviours.observe_at(e, clock) {
                let model = d.details["model"].as_str().unwrap_or("?").to_owned();
                samples.entry(model).or_insert_with(|| d.title.clone());
                *per_model
                    .entry(d.details["model"].as_str().unwrap_or("?").to_owned())
                    .or_default() += 1;
            }
        }
        busy += began.elapsed();
        i += n;
    }
    let stats = behaviours.stats();
    let secs = busy.as_secs_f64();
    println!("events            {total}");
    println!("observe time      {secs:.2} s");
    println!("throughput        {:.0} events/s", total as f64 / secs);
    println!("detections        {} {per_model:?}", stats.detections);
    println!("tracked keys      {}", stats.tracked_keys());
    println!("evictions         {}", stats.evictions());
    for m in &stats.models {
        println!(
            "  {:<17} keys {:>7}  evicted {:>8}  expired {:>8}  detections {:>5}  suppressed {:>7}",
            m.model, m.tracked_keys, m.evictions, m.expired, m.detections, m.suppressed
        );
    }
    for (model, title) in &samples {
        println!("  first {model}: {title}");
    }
    match (hwm_before, vm_hwm_kib()) {
        (Some(before), Some(after)) => {
            println!(
                "peak RSS (VmHWM)  {:.1} MiB (before the run {:.1} MiB)",
                after as f64 / 1024.0,
                before as f64 / 1024.0
            )
        }
        _ => println!("peak RSS (VmHWM)  unavailable"),
    }
}
