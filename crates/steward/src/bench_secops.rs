//! `steward bench secops`: the SecOps object store filled with incidents and scanner
//! findings, then list and detail latency and the import of a generated Nessus file.
//!
//! The target (BENCHMARKS.md): with 100k incidents and 1M vulnerabilities stored, a
//! filtered list answers in under 100 ms at p95, an incident detail in under 50 ms, and
//! a 10k-finding Nessus file imports in seconds.

use crate::bench::percentile;
use crate::traffic::Rng;
use anyhow::{ensure, Context, Result};
use chrono::{DateTime, Duration, Utc};
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::Instant;
use steward_model::Level;
use steward_objects::assets::AssetFilter;
use steward_objects::incidents::{IncidentFilter, IncidentSort, NewIncident, TransitionInput};
use steward_objects::vulns::{ImportSummary, VulnFilter, VulnPolicy, VulnSort, VulnState};
use steward_objects::{ObjectStore, SortOrder};
use steward_secops::{AlertRef, Category, IncidentState, Severity as IncidentSeverity, SlaPolicy};
use steward_vuln::{AssetRef, Finding, Format, HostSeen, Report, Scanner, Severity};

const ACTOR: &str = "bench";
/// Findings per generated report (and in the Nessus file).
const REPORT_FINDINGS: usize = 10_000;
/// Findings per host: 1M findings spread over 20k hosts.
const PER_HOST: usize = 50;
/// Distinct plugin ids the findings draw from.
const PLUGINS: u64 = 3_000;

const ASSIGNEES: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
    "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "zhangwei",
];

/// (category, title templates); `{}` is the host.
const CATEGORIES: &[(&str, &[&str])] = &[
    (
        "malware",
        &["Trojan beacon from {}", "Webshell found on {}"],
    ),
    (
        "intrusion",
        &["Unauthorised admin login on {}", "Lateral movement from {}"],
    ),
    (
        "brute_force",
        &["SSH brute force against {}", "Password spray on {} (RDP)"],
    ),
    (
        "exploitation",
        &["Log4j exploit attempt on {}", "SQL injection against {}"],
    ),
    (
        "data_leak",
        &[
            "Large upload to cloud storage from {}",
            "Database dump leaving {}",
        ],
    ),
    ("mining", &["Cryptominer running on {}"]),
    ("ransomware", &["Ransom note written on {}"]),
    ("policy_violation", &["Unapproved remote access tool on {}"]),
    ("availability", &["SYN flood against {}"]),
    (
        "reconnaissance",
        &["Port scan from {}", "DNS zone transfer attempt on {}"],
    ),
    ("phishing", &["Phishing mail clicked on {}"]),
    ("other", &["Unusual behaviour on {}"]),
];

/// States a transitioned incident ends in (one move from `new`; skipping is allowed).
const TARGET_STATES: &[&str] = &[
    "triage",
    "analysis",
    "analysis",
    "containment",
    "eradication",
    "recovery",
    "closed",
    "closed",
    "closed",
    "false_positive",
    "duplicate",
];

const PRODUCTS: &[&str] = &[
    "OpenSSL",
    "Apache HTTP Server",
    "nginx",
    "OpenSSH",
    "Microsoft Windows SMB",
    "PHP",
    "Apache Tomcat",
    "MySQL",
    "PostgreSQL",
    "Microsoft IIS",
    "Oracle Java",
    "Samba",
    "ISC BIND",
    "Exim",
    "Redis",
    "Elasticsearch",
    "Jenkins",
    "VMware vCenter",
    "Citrix ADC",
    "Fortinet FortiOS",
];
const ISSUES: &[&str] = &[
    "Multiple Vulnerabilities",
    "Remote Code Execution",
    "Denial of Service",
    "Information Disclosure",
    "Unsupported Version Detection",
    "Weak Cipher Suites Supported",
    "Privilege Escalation",
    "Authentication Bypass",
];
/// (port, service); port 0 is a host-level finding.
const PORTS: &[(u16, &str)] = &[
    (443, "www"),
    (80, "www"),
    (22, "ssh"),
    (445, "cifs"),
    (3389, "msrdp"),
    (3306, "mysql"),
    (8080, "www"),
    (25, "smtp"),
    (53, "dns"),
    (0, "general"),
];

pub fn run(incidents: usize, vulns: usize, queries: usize, data: Option<PathBuf>) -> Result<()> {
    println!(
        "secops: {}, {} cores; {incidents} incidents, {vulns} vulnerabilities, {queries} runs per query",
        crate::bench::cpu_model(),
        crate::bench::cores()
    );
    let (dir, temporary) = match data {
        Some(d) => {
            std::fs::create_dir_all(&d)?;
            (d, false)
        }
        None => (crate::bench::temp_dir("secops")?, true),
    };
    let db = dir.join("objects.db");
    let store = ObjectStore::open(&db)?;
    let now = Utc::now();
    let policy = SlaPolicy::default();
    let mut rng = Rng::new(0x005e_c095);

    let size_before = store_bytes(&db);
    let have = count_incidents(&store)?;
    if have < incidents {
        fill_incidents(&store, &mut rng, have, incidents, now)?;
        let grown = store_bytes(&db).saturating_sub(size_before);
        println!(
            "incident storage: {:.1} MiB for {} incidents = {:.0} bytes/incident",
            mib(grown),
            incidents - have,
            grown as f64 / (incidents - have) as f64
        );
        let started = Instant::now();
        let breaches = store.sweep_sla(&policy, Utc::now())?;
        println!(
            "sla sweep: {} breaches recorded in {:.1} s",
            breaches.len(),
            started.elapsed().as_secs_f64()
        );
    } else {
        println!("incidents: {have} already stored, fill skipped");
    }

    let size_before = store_bytes(&db);
    let have = count_vulns(&store)?;
    if have < vulns {
        fill_vulns(&store, have, vulns, now)?;
        let grown = store_bytes(&db).saturating_sub(size_before);
        println!(
            "vulnerability storage: {:.1} MiB for {} findings = {:.0} bytes/finding",
            mib(grown),
            vulns - have,
            grown as f64 / (vulns - have) as f64
        );
    } else {
        println!("vulnerabilities: {have} already stored, fill skipped");
    }

    measure_all(&store, queries, &mut rng, now)?;
    nessus(&store, now)?;

    let total = store_bytes(&db);
    let objects = count_incidents(&store)? + count_vulns(&store)?;
    println!(
        "store: {:.1} MiB on disk (database + WAL) = {:.0} bytes per stored incident or vulnerability",
        mib(total),
        total as f64 / objects.max(1) as f64
    );
    drop(store);
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

/// The database and its WAL (a long fill leaves most pages in the WAL until checkpoint).
fn store_bytes(db: &Path) -> u64 {
    ["", "-wal", "-shm"]
        .iter()
        .filter_map(|suffix| {
            let mut p = db.as_os_str().to_owned();
            p.push(suffix);
            std::fs::metadata(PathBuf::from(p)).ok()
        })
        .map(|m| m.len())
        .sum()
}

fn count_incidents(store: &ObjectStore) -> Result<usize> {
    let filter = IncidentFilter {
        limit: Some(1),
        ..Default::default()
    };
    Ok(store.list_incidents(&filter)?.total as usize)
}

fn count_vulns(store: &ObjectStore) -> Result<usize> {
    let filter = VulnFilter {
        limit: Some(1),
        ..Default::default()
    };
    Ok(store.list_vulns(&filter)?.total as usize)
}

/// An index into `weights`, drawn in proportion to them.
fn weighted(rng: &mut Rng, weights: &[u64]) -> usize {
    let mut x = rng.below(weights.iter().sum());
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

fn fill_incidents(
    store: &ObjectStore,
    rng: &mut Rng,
    from: usize,
    to: usize,
    now: DateTime<Utc>,
) -> Result<()> {
    let policy = &SlaPolicy::default();
    let started = Instant::now();
    let (mut create_s, mut transition_s, mut transitions, mut alerts_linked) = (0.0, 0.0, 0, 0);
    for i in from..to {
        let created = now - Duration::seconds(rng.below(90 * 86_400) as i64);
        let severity = [
            IncidentSeverity::Low,
            IncidentSeverity::Medium,
            IncidentSeverity::High,
            IncidentSeverity::Critical,
        ][weighted(rng, &[30, 40, 20, 10])];
        let (category, titles) = CATEGORIES[rng.below(CATEGORIES.len() as u64) as usize];
        let host = format!("srv-{:04}", rng.below(5_000));
        let title = titles[rng.below(titles.len() as u64) as usize].replace("{}", &host);
        let assignee =
            (rng.below(10) < 8).then(|| ASSIGNEES[rng.below(ASSIGNEES.len() as u64) as usize]);
        // Alert ids follow the incident index, so a refill past `from` never reuses one.
        let linked = if rng.below(10) < 3 {
            rng.below(3) + 1
        } else {
            0
        };
        let alerts: Vec<AlertRef> = (0..linked)
            .map(|k| {
                let seen = created - Duration::minutes(5 * (k as i64 + 1));
                AlertRef {
                    id: i as i64 * 4 + k as i64 + 1,
                    rule_id: format!("rule-{}", rng.below(400)),
                    title: title.clone(),
                    level: Level::parse(severity.as_str()).unwrap_or(Level::Medium),
                    tags: vec![format!("attack.t{}", 1000 + rng.below(500))],
                    entities: Default::default(),
                    first_seen: seen,
                    last_seen: seen,
                }
            })
            .collect();
        let input = NewIncident {
            title,
            severity,
            category: Some(Category::parse(category).context("a benchmark category")?),
            description: Some(format!("Opened by the benchmark for {host}.")),
            alert_ids: (0..linked).map(|k| i as i64 * 4 + k as i64 + 1).collect(),
            assignee: assignee.map(str::to_owned),
        };
        alerts_linked += linked;
        let t = Instant::now();
        let record = store.create_incident(&input, &alerts, policy, ACTOR, created)?;
        create_s += t.elapsed().as_secs_f64();
        if rng.below(10) < 7 {
            let to = TARGET_STATES[rng.below(TARGET_STATES.len() as u64) as usize];
            let at = (created + Duration::minutes(5 + rng.below(3 * 24 * 60) as i64)).min(now);
            let input = TransitionInput {
                to: IncidentState::parse(to).context("a benchmark state")?,
                reason: "benchmark progress".into(),
            };
            let t = Instant::now();
            store.transition_incident(record.incident.id, &input, policy, ACTOR, at)?;
            transition_s += t.elapsed().as_secs_f64();
            transitions += 1;
        }
        let done = i + 1 - from;
        if done.is_multiple_of(10_000) {
            eprintln!(
                "incidents {}/{} ({:.0}/s)",
                i + 1,
                to,
                done as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    let n = to - from;
    let wall = started.elapsed().as_secs_f64();
    println!(
        "incident fill: {n} incidents in {wall:.1} s = {:.0} incidents/s (one transaction per call)",
        n as f64 / wall
    );
    println!(
        "incident create: {:.0} creates/s ({alerts_linked} alerts linked); transition: {transitions} in {transition_s:.1} s = {:.0}/s",
        n as f64 / create_s.max(1e-9),
        transitions as f64 / transition_s.max(1e-9)
    );
    Ok(())
}

/// SplitMix64: stable per-plugin attributes without keeping a table.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// One generated finding, before it becomes a `Finding` or Nessus XML.
struct Item {
    plugin_id: u64,
    title: String,
    /// Nessus severity 0 (info) to 4 (critical).
    severity: u8,
    port: u16,
    service: &'static str,
    cves: Vec<String>,
    cvss: Option<f32>,
    description: String,
    solution: String,
    output: String,
}

fn plugin_cve(p: u64) -> Option<String> {
    (mix(p ^ 0xc0e) % 100 < 40).then(|| format!("CVE-{}-{}", 2014 + p % 11, 1000 + p * 7))
}

/// The `j`th finding of host `h`: plugin attributes follow the plugin, so the same
/// plugin has the same title, severity and CVE on every host.
fn item(h: u64, j: u64) -> Item {
    // 61 * 49 < PLUGINS: the 50 plugins of a host are distinct, so are their keys.
    let p = (h * 7 + j * 61) % PLUGINS;
    let r = mix(p);
    let severity = match r % 100 {
        0..=29 => 0,
        30..=54 => 1,
        55..=79 => 2,
        80..=94 => 3,
        _ => 4,
    };
    let cvss = match severity {
        0 => None,
        1 => Some(2.0 + ((r >> 8) % 20) as f32 / 10.0),
        2 => Some(4.0 + ((r >> 8) % 30) as f32 / 10.0),
        3 => Some(7.0 + ((r >> 8) % 20) as f32 / 10.0),
        _ => Some(9.0 + ((r >> 8) % 11) as f32 / 10.0),
    };
    let product = PRODUCTS[(r >> 16) as usize % PRODUCTS.len()];
    let issue = ISSUES[(r >> 24) as usize % ISSUES.len()];
    let version = format!("{}.{}.{}", (r >> 32) % 10, (r >> 36) % 20, (r >> 40) % 30);
    let (port, service) = if severity == 0 && (r >> 44).is_multiple_of(2) {
        (0, "general")
    } else {
        PORTS[((h + j) % PORTS.len() as u64) as usize]
    };
    let mut cves: Vec<String> = plugin_cve(p).into_iter().collect();
    if !cves.is_empty() && (r >> 48).is_multiple_of(3) {
        cves.push(format!("CVE-{}-{}", 2015 + p % 10, 30_000 + p));
    }
    Item {
        plugin_id: 10_000 + p * 7,
        title: format!("{product} < {version} {issue}"),
        severity,
        port,
        service,
        cves,
        cvss,
        description: format!(
            "According to its self-reported version, the {product} installation on the remote \
             host is prior to {version}. It is therefore affected by {}. Note that Nessus has \
             not tested for this issue but has instead relied only on the version number.",
            issue.to_lowercase()
        ),
        solution: format!("Upgrade {product} to version {version} or later."),
        output: format!(
            "  Installed version : {}.{}\n  Fixed version     : {version}\n",
            ((r >> 32) % 10).saturating_sub(1),
            (r >> 52) % 10
        ),
    }
}

fn severity_of(n: u8) -> Severity {
    match n {
        0 => Severity::Info,
        1 => Severity::Low,
        2 => Severity::Medium,
        3 => Severity::High,
        _ => Severity::Critical,
    }
}

/// Host `h` as `<first>.w.x.y`, never a .0 or .255 address.
fn host_ip(first: u8, h: u64) -> IpAddr {
    let y = (h % 254 + 1) as u8;
    let x = ((h / 254) % 254 + 1) as u8;
    let w = ((h / (254 * 254)) % 254 + 1) as u8;
    IpAddr::V4(Ipv4Addr::new(first, w, x, y))
}

/// Hosts `hosts` with `PER_HOST` findings each, up to `findings` in all, as one report.
fn report(hosts: std::ops::Range<u64>, findings: usize, scanned: DateTime<Utc>) -> Report {
    let mut out = Report {
        format: Format::Nessus,
        findings: Vec::with_capacity(findings),
        hosts: Vec::new(),
        scope: Vec::new(),
        skipped: 0,
    };
    for h in hosts {
        let ip = host_ip(10, h);
        let asset = AssetRef {
            ip: Some(ip),
            hostname: Some(format!("host-{h:05}")),
            mac: None,
            os: Some("Linux Kernel 5.15".into()),
        };
        out.hosts.push(HostSeen {
            ip: Some(ip),
            hostname: asset.hostname.clone(),
            os: asset.os.clone(),
            scan_time: Some(scanned),
            ..Default::default()
        });
        out.scope.push(ip.to_string());
        for j in 0..PER_HOST as u64 {
            if out.findings.len() == findings {
                return out;
            }
            let it = item(h, j);
            out.findings.push(Finding {
                scanner: Scanner::Nessus,
                asset: asset.clone(),
                port: (it.port != 0).then_some(it.port),
                protocol: Some("tcp".into()),
                service: (it.service != "general").then(|| it.service.to_owned()),
                finding_id: it.plugin_id.to_string(),
                title: it.title,
                description: Some(it.description),
                solution: Some(it.solution),
                cves: it.cves,
                cvss_base: it.cvss,
                cvss_vector: None,
                severity: severity_of(it.severity),
                evidence: Some(it.output),
                references: Vec::new(),
                scan_time: Some(scanned),
            });
        }
    }
    out
}

fn fill_vulns(store: &ObjectStore, from: usize, to: usize, now: DateTime<Utc>) -> Result<()> {
    let policy = VulnPolicy::default();
    let started = Instant::now();
    let hosts_per_report = (REPORT_FINDINGS / PER_HOST) as u64;
    let mut r = (from / REPORT_FINDINGS) as u64;
    let mut done = r as usize * REPORT_FINDINGS;
    let mut created = 0u64;
    while done < to {
        let n = (to - done).min(REPORT_FINDINGS);
        let first = r * hosts_per_report;
        let scanned = now - Duration::days((r % 30) as i64);
        let rep = report(first..first + hosts_per_report, n, scanned);
        let summary = store.import_report(&rep, &format!("bench-fill-{r}"), &policy, ACTOR, now)?;
        created += summary.created;
        done += n;
        r += 1;
        if r.is_multiple_of(10) {
            eprintln!(
                "vulnerabilities {done}/{to} ({:.0}/s)",
                created as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    let wall = started.elapsed().as_secs_f64();
    println!(
        "vulnerability fill: {created} findings created in {wall:.1} s = {:.0} findings/s ({} per report, one transaction per report)",
        created as f64 / wall,
        REPORT_FINDINGS
    );
    Ok(())
}

/// Runs `f` `runs` times and prints its latency; `f` returns a count shown after `what`
/// (how many objects matched, or how long a detail's history is).
fn measure(
    name: &str,
    what: &str,
    runs: usize,
    rng: &mut Rng,
    mut f: impl FnMut(&mut Rng) -> Result<u64>,
) -> Result<()> {
    let mut times = Vec::with_capacity(runs);
    let mut matched = 0;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        matched = f(rng)?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{name}: p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms ({what} {matched})",
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        times.last().copied().unwrap_or(0.0)
    );
    Ok(())
}

fn measure_all(store: &ObjectStore, runs: usize, rng: &mut Rng, now: DateTime<Utc>) -> Result<()> {
    let policy = &SlaPolicy::default();
    let incidents = count_incidents(store)?.max(1) as u64;
    let vulns = count_vulns(store)?.max(1) as u64;
    let assets = store.list_assets(&AssetFilter {
        limit: Some(1),
        ..Default::default()
    })?;
    let assets = assets.total.max(1);
    println!("latency: {runs} runs each, pages of 50");

    measure("incident detail", "timeline entries", runs, rng, |rng| {
        let r = store.get_incident(rng.below(incidents) as i64 + 1, policy)?;
        Ok(r.incident.timeline.len() as u64)
    })?;
    measure(
        "vulnerability detail",
        "history entries",
        runs,
        rng,
        |rng| {
            let r = store.get_vuln(rng.below(vulns) as i64 + 1)?;
            Ok(r.history.len() as u64)
        },
    )?;

    let incident_list =
        |name: &str, rng: &mut Rng, f: &dyn Fn(&mut Rng) -> Result<IncidentFilter>| {
            measure(
                &format!("incident list {name}"),
                "matching",
                runs,
                rng,
                |rng| Ok(store.list_incidents(&f(rng)?)?.total),
            )
        };
    incident_list("default", rng, &|_| Ok(IncidentFilter::default()))?;
    incident_list("default offset 5000", rng, &|_| {
        Ok(IncidentFilter {
            offset: Some(5_000),
            ..Default::default()
        })
    })?;
    incident_list("state=analysis", rng, &|_| {
        Ok(IncidentFilter {
            state: Some(IncidentState::Analysis),
            ..Default::default()
        })
    })?;
    incident_list("severity=high by created_at", rng, &|_| {
        Ok(IncidentFilter {
            severity: Some(IncidentSeverity::High),
            sort: Some(IncidentSort::CreatedAt),
            order: Some(SortOrder::Desc),
            ..Default::default()
        })
    })?;
    incident_list("assignee=X by severity", rng, &|rng| {
        Ok(IncidentFilter {
            assignee: Some(ASSIGNEES[rng.below(ASSIGNEES.len() as u64) as usize].into()),
            sort: Some(IncidentSort::Severity),
            ..Default::default()
        })
    })?;
    incident_list("q=brute force", rng, &|_| {
        Ok(IncidentFilter {
            q: Some("brute force".into()),
            ..Default::default()
        })
    })?;
    incident_list("open, created 30-7 days ago", rng, &|_| {
        Ok(IncidentFilter {
            open: Some(true),
            created_from: Some(now - Duration::days(30)),
            created_to: Some(now - Duration::days(7)),
            ..Default::default()
        })
    })?;
    incident_list("breached=true", rng, &|_| {
        Ok(IncidentFilter {
            breached: Some(true),
            ..Default::default()
        })
    })?;

    let vuln_list = |name: &str, rng: &mut Rng, f: &dyn Fn(&mut Rng) -> VulnFilter| {
        measure(
            &format!("vulnerability list {name}"),
            "matching",
            runs,
            rng,
            |rng| Ok(store.list_vulns(&f(rng))?.total),
        )
    };
    vuln_list("default", rng, &|_| VulnFilter::default())?;
    vuln_list("state=open severity=critical", rng, &|_| VulnFilter {
        state: Some(VulnState::Open),
        severity: Some(Severity::Critical),
        ..Default::default()
    })?;
    vuln_list("asset_id=random", rng, &|rng| VulnFilter {
        asset_id: Some(rng.below(assets) as i64 + 1),
        ..Default::default()
    })?;
    vuln_list("cve=random", rng, &|rng| {
        let cve = (0..100)
            .find_map(|_| plugin_cve(rng.below(PLUGINS)))
            .unwrap_or_else(|| "CVE-2021-44228".into());
        VulnFilter {
            cve: Some(cve),
            ..Default::default()
        }
    })?;
    vuln_list("port=443", rng, &|_| VulnFilter {
        port: Some(443),
        ..Default::default()
    })?;
    vuln_list("q=OpenSSL", rng, &|_| VulnFilter {
        q: Some("OpenSSL".into()),
        ..Default::default()
    })?;
    vuln_list("by cvss", rng, &|_| VulnFilter {
        sort: Some(VulnSort::Cvss),
        ..Default::default()
    })?;
    vuln_list("default offset 10000", rng, &|_| VulnFilter {
        offset: Some(10_000),
        ..Default::default()
    })?;

    measure("asset list default", "matching", runs, rng, |_| {
        Ok(store.list_assets(&AssetFilter::default())?.total)
    })?;
    measure("asset list q=host-01", "matching", runs, rng, |_| {
        Ok(store
            .list_assets(&AssetFilter {
                q: Some("host-01".into()),
                ..Default::default()
            })?
            .total)
    })?;
    Ok(())
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// A Nessus v2 file of `hosts` hosts (172.x.y.z) with `PER_HOST` items each; `keep`
/// decides which items of a host are listed (a rescan drops some).
fn nessus_xml(hosts: u64, scanned: DateTime<Utc>, keep: impl Fn(u64) -> bool) -> String {
    let mut x = String::with_capacity(hosts as usize * PER_HOST * 1_000);
    x.push_str("<?xml version=\"1.0\" ?>\n<NessusClientData_v2>\n<Report name=\"bench\">\n");
    let start = scanned.format("%a %b %e %H:%M:%S %Y");
    for h in 0..hosts {
        let ip = host_ip(172, h);
        let _ = write!(
            x,
            "<ReportHost name=\"{ip}\"><HostProperties>\n\
             <tag name=\"host-ip\">{ip}</tag>\n<tag name=\"hostname\">scan-{h:04}</tag>\n\
             <tag name=\"operating-system\">Microsoft Windows Server 2019</tag>\n\
             <tag name=\"HOST_START_TIMESTAMP\">{}</tag>\n<tag name=\"HOST_START\">{start}</tag>\n\
             </HostProperties>\n",
            scanned.timestamp()
        );
        for j in (0..PER_HOST as u64).filter(|j| keep(*j)) {
            let it = item(h, j);
            let _ = write!(
                x,
                "<ReportItem port=\"{}\" svc_name=\"{}\" protocol=\"tcp\" severity=\"{}\" \
                 pluginID=\"{}\" pluginName=\"{}\">\n<description>{}</description>\n\
                 <solution>{}</solution>\n",
                it.port,
                it.service,
                it.severity,
                it.plugin_id,
                xml_escape(&it.title),
                xml_escape(&it.description),
                xml_escape(&it.solution)
            );
            if let Some(s) = it.cvss {
                let _ = writeln!(x, "<cvss3_base_score>{s:.1}</cvss3_base_score>");
            }
            for c in &it.cves {
                let _ = writeln!(x, "<cve>{c}</cve>");
            }
            let _ = write!(
                x,
                "<plugin_output>{}</plugin_output>\n</ReportItem>\n",
                xml_escape(&it.output)
            );
        }
        x.push_str("</ReportHost>\n");
    }
    x.push_str("</Report>\n</NessusClientData_v2>\n");
    x
}

fn print_summary(name: &str, seconds: f64, s: &ImportSummary) {
    println!(
        "{name}: {seconds:.2} s ({:.0} findings/s); created {}, updated {}, reopened {}, closed {}, hosts {}",
        s.findings_in_file as f64 / seconds.max(1e-9),
        s.created,
        s.updated,
        s.reopened,
        s.closed,
        s.hosts
    );
}

/// Parse and store a generated 10k-finding Nessus file, import it again (every finding
/// an update), then a rescan with a tenth of the findings gone (those closed).
fn nessus(store: &ObjectStore, now: DateTime<Utc>) -> Result<()> {
    let policy = VulnPolicy::default();
    let hosts = (REPORT_FINDINGS / PER_HOST) as u64;
    let xml = nessus_xml(hosts, now - Duration::hours(2), |_| true);

    let started = Instant::now();
    let parsed = steward_vuln::import(xml.as_bytes(), Format::Auto)?;
    let parse_s = started.elapsed().as_secs_f64();
    ensure!(
        parsed.format == Format::Nessus && parsed.findings.len() == REPORT_FINDINGS,
        "generated Nessus file parsed as {:?} with {} findings, not {REPORT_FINDINGS}",
        parsed.format,
        parsed.findings.len()
    );
    println!(
        "nessus parse: {:.1} MiB, {} findings in {parse_s:.2} s = {:.1} MiB/s, {:.0} findings/s",
        mib(xml.len() as u64),
        parsed.findings.len(),
        mib(xml.len() as u64) / parse_s.max(1e-9),
        parsed.findings.len() as f64 / parse_s.max(1e-9)
    );

    let started = Instant::now();
    let first = store.import_report(&parsed, "bench.nessus", &policy, ACTOR, now)?;
    print_summary(
        "nessus store (first import)",
        started.elapsed().as_secs_f64(),
        &first,
    );

    let started = Instant::now();
    let again = steward_vuln::import(xml.as_bytes(), Format::Auto)?;
    let again = store.import_report(&again, "bench.nessus", &policy, ACTOR, now)?;
    print_summary(
        "nessus re-import (parse + store)",
        started.elapsed().as_secs_f64(),
        &again,
    );

    let rescan = nessus_xml(hosts, now - Duration::hours(1), |j| j % 10 != 9);
    let started = Instant::now();
    let parsed = steward_vuln::import(rescan.as_bytes(), Format::Auto)?;
    let summary = store.import_report(&parsed, "bench-rescan.nessus", &policy, ACTOR, now)?;
    print_summary(
        "nessus rescan, 10% gone (parse + store)",
        started.elapsed().as_secs_f64(),
        &summary,
    );
    Ok(())
}
