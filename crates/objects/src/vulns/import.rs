//! Taking a scanner report in: deduplicate against what is stored, reopen what came
//! back, and close (verify) what the same scanner no longer reports on the hosts it
//! scanned this time. One transaction per report.

use super::state::{add_history, set_state};
use super::{
    format_str, parse_format, parse_scanner, scanner_str, severity_rank, VulnDoc, VulnPolicy,
    VulnState,
};
use crate::assets::{from_ts, merge_sighting, sight_all, ts, AssetSource};
use crate::{ObjectError, ObjectStore, Page, PageRequest};
use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use steward_vuln::{dedupe_key, Finding, Format, Report, Scanner};
use utoipa::ToSchema;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImportSummary {
    pub import_id: i64,
    pub format: Format,
    pub scanner: Option<Scanner>,
    pub findings_in_file: u64,
    pub created: u64,
    pub updated: u64,
    /// Verified or fixed findings the scanner reported again.
    pub reopened: u64,
    /// Findings of a scanned host this report no longer lists, now verified.
    pub closed: u64,
    /// Hosts in the scope of this report.
    pub hosts: u64,
}

/// One row of the import log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImportRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub source_name: String,
    pub format: Format,
    pub scanner: Option<Scanner>,
    pub findings: u64,
    pub created: u64,
    pub updated: u64,
    pub reopened: u64,
    pub closed: u64,
    /// The scope hosts (address, else host name) of the report.
    pub hosts: Vec<String>,
}

fn scanner_of(format: Format) -> Option<Scanner> {
    match format {
        Format::Nuclei => Some(Scanner::Nuclei),
        Format::Nessus => Some(Scanner::Nessus),
        Format::OpenVas => Some(Scanner::OpenVas),
        Format::Nmap => Some(Scanner::Nmap),
        Format::Auto => None,
    }
}

/// How `dedupe_key` names a host name.
fn host_key(h: &str) -> String {
    h.trim().trim_end_matches('.').to_ascii_lowercase()
}

fn doc_of(f: &Finding) -> VulnDoc {
    VulnDoc {
        description: f.description.clone(),
        solution: f.solution.clone(),
        cves: f
            .cves
            .iter()
            .map(|c| c.trim().to_ascii_uppercase())
            .collect(),
        cvss_vector: f.cvss_vector.clone(),
        evidence: f.evidence.clone(),
        references: f.references.clone(),
    }
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl ObjectStore {
    pub fn import_report(
        &self,
        report: &Report,
        source_name: &str,
        policy: &VulnPolicy,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<ImportSummary, ObjectError> {
        let report_scanner =
            scanner_of(report.format).or(report.findings.first().map(|f| f.scanner));
        // Every address the report shows, merged, so each asset is touched once.
        let mut sightings = BTreeMap::new();
        for h in &report.hosts {
            if let Some(ip) = h.ip {
                let at = h.scan_time.unwrap_or(now);
                merge_sighting(
                    &mut sightings,
                    ip,
                    h.hostname.as_deref(),
                    h.mac.as_deref(),
                    h.os.as_deref(),
                    at,
                );
            }
        }
        for f in &report.findings {
            if let Some(ip) = f.asset.ip {
                let a = &f.asset;
                let at = f.scan_time.unwrap_or(now);
                merge_sighting(
                    &mut sightings,
                    ip,
                    a.hostname.as_deref(),
                    a.mac.as_deref(),
                    a.os.as_deref(),
                    at,
                );
            }
        }
        // Scope: (scanner, host) pairs this report speaks for.
        let mut scope: BTreeSet<(&'static str, String)> = BTreeSet::new();
        if let Some(s) = report_scanner.map(scanner_str) {
            for h in &report.hosts {
                if let Some(ip) = h.ip {
                    scope.insert((s, ip.to_string()));
                }
                if let Some(name) = h
                    .hostname
                    .as_deref()
                    .map(host_key)
                    .filter(|n| !n.is_empty())
                {
                    scope.insert((s, name));
                }
            }
        }
        let keys: Vec<String> = report.findings.iter().map(dedupe_key).collect();
        for (f, key) in report.findings.iter().zip(&keys) {
            let host = key.split('|').next().unwrap_or("-");
            if host != "-" {
                scope.insert((scanner_str(f.scanner), host.to_string()));
            }
        }
        let hosts: BTreeSet<&str> = scope.iter().map(|(_, h)| h.as_str()).collect();
        let hosts_json = serde_json::to_string(&hosts)?;
        let host_count = hosts.len() as u64;

        self.write(|tx| {
            tx.execute(
                "INSERT INTO vuln_imports (at, source_name, format, scanner, findings, hosts)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rusqlite::params![
                    ts(now),
                    source_name,
                    format_str(report.format),
                    report_scanner.map(scanner_str),
                    count(report.findings.len() as u64),
                    hosts_json
                ],
            )?;
            let import_id = tx.last_insert_rowid();
            let (asset_ids, _) = sight_all(tx, &sightings, AssetSource::Scan)?;

            let mut find = tx.prepare_cached(
                "SELECT id, state, first_seen FROM vulns WHERE scanner = ?1 AND dedupe_key = ?2",
            )?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO vulns (scanner, dedupe_key, scope_host, asset_id, ip, hostname, port,
                    protocol, service, finding_id, title, cvss_base, severity_rank, state, due_at,
                    first_seen, last_seen, state_changed_at, reverify_requested, last_import_id, doc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 'open', ?14,
                    ?15, ?15, ?16, 0, ?17, ?18)",
            )?;
            let mut update = tx.prepare_cached(
                "UPDATE vulns SET asset_id = COALESCE(?1, asset_id), ip = ?2, hostname = ?3,
                    port = ?4, protocol = ?5, service = ?6, finding_id = ?7, title = ?8,
                    cvss_base = ?9, severity_rank = ?10, due_at = ?11,
                    first_seen = MIN(first_seen, ?12), last_seen = MAX(last_seen, ?12),
                    last_import_id = ?13, doc = ?14
                 WHERE id = ?15",
            )?;
            let mut drop_cves = tx.prepare_cached("DELETE FROM vuln_cves WHERE vuln_id = ?1")?;
            let mut add_cve =
                tx.prepare_cached("INSERT OR IGNORE INTO vuln_cves (cve, vuln_id) VALUES (?1, ?2)")?;

            let (mut created, mut updated, mut reopened) = (0u64, 0u64, 0u64);
            let mut touched: HashSet<i64> = HashSet::new();
            let created_reason = format!("reported by import {import_id}");
            let reopen_reason = format!("reported again by import {import_id}");
            for (f, key) in report.findings.iter().zip(&keys) {
                let scanner = scanner_str(f.scanner);
                let host = key.split('|').next().unwrap_or("-");
                let ip = f.asset.ip.map(|i| i.to_canonical());
                let asset_id = ip.and_then(|i| asset_ids.get(&i).copied());
                let seen = f.scan_time.unwrap_or(now);
                let doc = doc_of(f);
                let doc_json = serde_json::to_string(&doc)?;
                let cvss = f.cvss_base.map(f64::from);
                let existing: Option<(i64, String, i64)> = find
                    .query_row(rusqlite::params![scanner, key], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                    })
                    .optional()?;
                let id = match existing {
                    Some((id, state, first_seen)) => {
                        let first = from_ts(first_seen).min(seen);
                        update.execute(rusqlite::params![
                            asset_id,
                            ip.map(|i| i.to_string()),
                            f.asset.hostname,
                            f.port,
                            f.protocol,
                            f.service,
                            f.finding_id,
                            f.title,
                            cvss,
                            severity_rank(f.severity),
                            policy.due_at(f.severity, first).map(ts),
                            ts(seen),
                            import_id,
                            doc_json,
                            id
                        ])?;
                        drop_cves.execute([id])?;
                        if touched.insert(id) {
                            let state = VulnState::parse(&state);
                            if let Some(from @ (VulnState::Verified | VulnState::Fixed)) = state {
                                set_state(tx, id, VulnState::Open, now)?;
                                add_history(tx, id, now, actor, Some(from), VulnState::Open, Some(&reopen_reason))?;
                                reopened += 1;
                            } else {
                                updated += 1;
                            }
                        }
                        id
                    }
                    None => {
                        insert.execute(rusqlite::params![
                            scanner,
                            key,
                            host,
                            asset_id,
                            ip.map(|i| i.to_string()),
                            f.asset.hostname,
                            f.port,
                            f.protocol,
                            f.service,
                            f.finding_id,
                            f.title,
                            cvss,
                            severity_rank(f.severity),
                            policy.due_at(f.severity, seen).map(ts),
                            ts(seen),
                            ts(now),
                            import_id,
                            doc_json
                        ])?;
                        let id = tx.last_insert_rowid();
                        touched.insert(id);
                        add_history(tx, id, now, actor, None, VulnState::Open, Some(&created_reason))?;
                        created += 1;
                        id
                    }
                };
                for cve in &doc.cves {
                    add_cve.execute(rusqlite::params![cve, id])?;
                }
            }

            let closed = close_absent(tx, &scope, import_id, actor, now)?;
            tx.execute(
                "UPDATE vuln_imports SET created = ?1, updated = ?2, reopened = ?3, closed = ?4
                 WHERE id = ?5",
                rusqlite::params![count(created), count(updated), count(reopened), count(closed), import_id],
            )?;
            Ok(ImportSummary {
                import_id,
                format: report.format,
                scanner: report_scanner,
                findings_in_file: report.findings.len() as u64,
                created,
                updated,
                reopened,
                closed,
                hosts: host_count,
            })
        })
    }

    pub fn list_imports(&self, page: PageRequest) -> Result<Page<ImportRecord>, ObjectError> {
        self.read(|conn| {
            let total: i64 =
                conn.query_row("SELECT COUNT(*) FROM vuln_imports", [], |r| r.get(0))?;
            let mut stmt = conn.prepare_cached(
                "SELECT id, at, source_name, format, scanner, findings, created, updated, reopened,
                    closed, hosts FROM vuln_imports ORDER BY id DESC LIMIT ?1 OFFSET ?2",
            )?;
            let mut rows = stmt.query(rusqlite::params![
                i64::from(page.limit()),
                page.offset_i64()
            ])?;
            let mut items = Vec::new();
            let n = |v: i64| u64::try_from(v).unwrap_or(0);
            while let Some(row) = rows.next()? {
                let format: String = row.get(3)?;
                let scanner: Option<String> = row.get(4)?;
                items.push(ImportRecord {
                    id: row.get(0)?,
                    at: from_ts(row.get(1)?),
                    source_name: row.get(2)?,
                    format: parse_format(&format)
                        .ok_or_else(|| super::stored("format", &format))?,
                    scanner: scanner
                        .map(|s| parse_scanner(&s).ok_or_else(|| super::stored("scanner", &s)))
                        .transpose()?,
                    findings: n(row.get(5)?),
                    created: n(row.get(6)?),
                    updated: n(row.get(7)?),
                    reopened: n(row.get(8)?),
                    closed: n(row.get(9)?),
                    hosts: serde_json::from_str(&row.get::<_, String>(10)?)?,
                });
            }
            Ok(page.page(items, n(total)))
        })
    }
}

/// Verifies what the same scanner reported before on a host in scope but not now.
/// Accepted risks and false positives are people's decisions and stay.
fn close_absent(
    tx: &rusqlite::Transaction<'_>,
    scope: &BTreeSet<(&'static str, String)>,
    import_id: i64,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<u64, ObjectError> {
    let mut absent = tx.prepare_cached(
        "SELECT id, state FROM vulns WHERE scanner = ?1 AND scope_host = ?2
           AND state IN ('open', 'confirmed', 'assigned', 'fixed') AND last_import_id <> ?3",
    )?;
    let mut to_close: HashMap<i64, VulnState> = HashMap::new();
    for (scanner, host) in scope {
        let mut rows = absent.query(rusqlite::params![scanner, host, import_id])?;
        while let Some(row) = rows.next()? {
            let state: String = row.get(1)?;
            if let Some(s) = VulnState::parse(&state) {
                to_close.insert(row.get(0)?, s);
            }
        }
    }
    let reason = format!("not reported by import {import_id}");
    let mut ids: Vec<(i64, VulnState)> = to_close.into_iter().collect();
    ids.sort_unstable_by_key(|(id, _)| *id);
    for (id, from) in &ids {
        set_state(tx, *id, VulnState::Verified, now)?;
        add_history(
            tx,
            *id,
            now,
            actor,
            Some(*from),
            VulnState::Verified,
            Some(&reason),
        )?;
    }
    Ok(ids.len() as u64)
}
