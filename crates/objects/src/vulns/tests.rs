use super::state::set_state;
use super::*;
use crate::assets::{AssetFilter, AssetSource};
use chrono::{Duration, TimeZone};
use std::path::PathBuf;
use steward_vuln::{AssetRef, Finding, Report};

fn store() -> (tempfile::TempDir, ObjectStore) {
    let dir = tempfile::tempdir().unwrap();
    let s = ObjectStore::open(&dir.path().join("objects.db")).unwrap();
    (dir, s)
}

fn t(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, 8, 0, 0).unwrap()
}

fn finding(scanner: Scanner, ip: &str, id: &str, port: u16, sev: Severity) -> Finding {
    Finding {
        scanner,
        asset: AssetRef {
            ip: Some(ip.parse().unwrap()),
            hostname: None,
            mac: None,
            os: None,
        },
        port: Some(port),
        protocol: Some("tcp".into()),
        service: None,
        finding_id: id.into(),
        title: format!("finding {id}"),
        description: Some("long text".into()),
        solution: None,
        cves: vec![format!("cve-2024-{id}")],
        cvss_base: Some(5.0),
        cvss_vector: None,
        severity: sev,
        evidence: None,
        references: vec!["https://r.example".into()],
        scan_time: None,
    }
}

fn report(format: Format, findings: Vec<Finding>) -> Report {
    Report {
        format,
        findings,
        hosts: Vec::new(),
        scope: Vec::new(),
        skipped: 0,
    }
}

fn import(s: &ObjectStore, r: &Report, day: u32) -> ImportSummary {
    s.import_report(r, "scan.file", &VulnPolicy::default(), "tester", t(day))
        .unwrap()
}

fn by_key(s: &ObjectStore, ip: &str, id: &str) -> VulnRecord {
    let page = s
        .list_vulns(&VulnFilter {
            ip: Some(ip.into()),
            limit: Some(500),
            ..Default::default()
        })
        .unwrap();
    page.items
        .into_iter()
        .find(|v| v.finding_id == id)
        .unwrap_or_else(|| panic!("no {ip} {id}"))
}

const NESSUS: &str = r#"<?xml version="1.0" ?>
<NessusClientData_v2>
<Report name="r">
<ReportHost name="10.0.0.5"><HostProperties>
<tag name="host-ip">10.0.0.5</tag><tag name="host-fqdn">web.example</tag>
<tag name="operating-system">Microsoft Windows Server 2019</tag>
</HostProperties>
<ReportItem port="443" svc_name="www" protocol="tcp" severity="3" pluginID="12345" pluginName="Bad TLS">
<description>desc</description><solution>upgrade</solution>
<cve>CVE-2014-0160</cve><cvss3_base_score>7.5</cvss3_base_score>
<plugin_output>proof</plugin_output>
</ReportItem>
<ReportItem port="80" svc_name="www" protocol="tcp" severity="2" pluginID="222" pluginName="Old header"/>
</ReportHost>
<ReportHost name="10.0.0.6"><HostProperties><tag name="host-ip">10.0.0.6</tag></HostProperties>
</ReportHost>
</Report>
</NessusClientData_v2>"#;

const NUCLEI: &str = r#"{"template-id":"CVE-2021-44228","info":{"name":"Log4j RCE","severity":"critical","classification":{"cve-id":["cve-2021-44228"],"cvss-score":10}},"type":"http","host":"http://10.1.6.107:8080","ip":"10.1.6.107","timestamp":"2026-03-01T07:00:00Z"}
{"template-id":"tech-detect","info":{"name":"Tech","severity":"info"},"type":"http","host":"https://web.example","timestamp":"2026-03-01T07:00:00Z"}
"#;

#[test]
fn nessus_fixture_imports_with_assets_and_due_dates() {
    let (_d, s) = store();
    let r = steward_vuln::import(NESSUS.as_bytes(), Format::Auto).unwrap();
    let sum = import(&s, &r, 2);
    assert_eq!(sum.format, Format::Nessus);
    assert_eq!(sum.scanner, Some(Scanner::Nessus));
    assert_eq!(
        (sum.findings_in_file, sum.created, sum.updated, sum.closed),
        (2, 2, 0, 0)
    );
    assert!(sum.hosts >= 2, "{sum:?}");

    let tls = by_key(&s, "10.0.0.5", "12345");
    assert_eq!(tls.severity, Severity::High);
    assert_eq!(tls.cves, vec!["CVE-2014-0160"]);
    assert_eq!(tls.evidence.as_deref(), Some("proof"));
    assert_eq!(tls.state, VulnState::Open);
    assert_eq!(tls.due_at, Some(tls.first_seen + Duration::days(30)));
    let asset = s.get_asset(tls.asset_id.unwrap()).unwrap();
    assert_eq!(asset.ips, vec!["10.0.0.5"]);
    assert_eq!(asset.source, AssetSource::Scan);
    assert!(!asset.approved);
    assert_eq!(asset.kind, steward_secops::asset::AssetKind::Server);
    // The host without findings is an asset too.
    let shadows = s
        .list_assets(&AssetFilter {
            ip: Some("10.0.0.6".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(shadows.total, 1);

    let detail = s.get_vuln(tls.id).unwrap();
    assert_eq!(detail.history.len(), 1);
    assert_eq!(detail.history[0].from, None);
    assert_eq!(detail.history[0].to, VulnState::Open);
    let json = serde_json::to_value(&detail).unwrap();
    assert_eq!(json["finding_id"], "12345");
    assert_eq!(json["history"][0]["actor"], "tester");
    assert!(matches!(
        s.get_vuln(9999),
        Err(ObjectError::NotFound { .. })
    ));

    let imports = s.list_imports(PageRequest::default()).unwrap();
    assert_eq!(imports.total, 1);
    assert_eq!(imports.items[0].created, 2);
    assert_eq!(imports.items[0].source_name, "scan.file");
    assert!(imports.items[0].hosts.contains(&"10.0.0.6".to_string()));
}

#[test]
fn nuclei_fixture_links_known_assets() {
    let (_d, s) = store();
    let mut input = crate::assets::AssetInput::new(steward_secops::asset::AssetKind::Server, "app");
    input.ips = vec!["10.1.6.107".into()];
    let app = s.create_asset(&input, AssetSource::Manual, t(1)).unwrap();
    let r = steward_vuln::import(NUCLEI.as_bytes(), Format::Auto).unwrap();
    let sum = import(&s, &r, 2);
    assert_eq!((sum.created, sum.scanner), (2, Some(Scanner::Nuclei)));
    let log4j = s
        .list_vulns(&VulnFilter {
            cve: Some("cve-2021-44228".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(log4j.total, 1);
    let v = &log4j.items[0];
    assert_eq!(v.asset_id, Some(app.id));
    assert_eq!(v.severity, Severity::Critical);
    assert_eq!(
        v.first_seen,
        Utc.with_ymd_and_hms(2026, 3, 1, 7, 0, 0).unwrap()
    );
    assert_eq!(v.due_at, Some(v.first_seen + Duration::days(7)));
    let tech = s
        .list_vulns(&VulnFilter {
            severity: Some(Severity::Info),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(tech.items[0].hostname.as_deref(), Some("web.example"));
    assert_eq!(tech.items[0].asset_id, None);
    assert_eq!(tech.items[0].due_at, None);
    // The known asset stayed approved and was not duplicated.
    assert_eq!(s.list_assets(&AssetFilter::default()).unwrap().total, 1);
    assert!(s.get_asset(app.id).unwrap().approved);
    // Deleting the asset keeps the vulnerability, unlinked.
    s.delete_asset(app.id).unwrap();
    let v = s.get_vuln(v.id).unwrap().vuln;
    assert_eq!((v.asset_id, v.ip.as_deref()), (None, Some("10.1.6.107")));
}

#[test]
fn reimport_dedupes_closes_absent_in_scope_and_reopens() {
    let (_d, s) = store();
    let n = |ip: &str, id: &str| finding(Scanner::Nessus, ip, id, 443, Severity::High);
    let first = report(
        Format::Nessus,
        vec![
            n("10.0.0.1", "1"),
            n("10.0.0.1", "2"),
            n("10.0.0.1", "3"),
            n("10.0.0.2", "1"),
        ],
    );
    let sum = import(&s, &first, 1);
    assert_eq!(sum.created, 4);
    // Another scanner on the same host, and a risk accepted by a person.
    import(
        &s,
        &report(
            Format::Nuclei,
            vec![finding(
                Scanner::Nuclei,
                "10.0.0.1",
                "x",
                443,
                Severity::Low,
            )],
        ),
        1,
    );
    let accepted = by_key(&s, "10.0.0.1", "3").id;
    s.change_vuln(
        accepted,
        &VulnChange {
            to: VulnState::AcceptedRisk,
            reason: Some("compensating control".into()),
            assignee: None,
            accepted_until: Some(t(20)),
        },
        "alice",
        t(1),
    )
    .unwrap();

    // Same file again: all updated, nothing new.
    let again = import(&s, &first, 2);
    assert_eq!(
        (again.created, again.updated, again.closed, again.reopened),
        (0, 4, 0, 0)
    );
    assert_eq!(s.list_vulns(&VulnFilter::default()).unwrap().total, 5);
    assert_eq!(by_key(&s, "10.0.0.1", "1").last_seen, t(2));
    assert_eq!(by_key(&s, "10.0.0.1", "1").first_seen, t(1));

    // Host 10.0.0.1 rescanned without finding 2 (and 3): 2 closes; 3 stays accepted;
    // 10.0.0.2 was not scanned, the nuclei finding is another scanner's.
    let partial = import(&s, &report(Format::Nessus, vec![n("10.0.0.1", "1")]), 3);
    assert_eq!((partial.updated, partial.closed), (1, 1), "{partial:?}");
    let two = by_key(&s, "10.0.0.1", "2");
    assert_eq!(two.state, VulnState::Verified);
    let d = s.get_vuln(two.id).unwrap();
    let last = d.history.last().unwrap();
    assert_eq!(
        last.reason.as_deref(),
        Some(format!("not reported by import {}", partial.import_id).as_str())
    );
    assert_eq!(by_key(&s, "10.0.0.1", "3").state, VulnState::AcceptedRisk);
    assert_eq!(by_key(&s, "10.0.0.2", "1").state, VulnState::Open);
    assert_eq!(by_key(&s, "10.0.0.1", "x").state, VulnState::Open);

    // A host listed in the report but with no findings: all its findings close.
    let mut empty_host = report(Format::Nessus, Vec::new());
    empty_host.hosts.push(steward_vuln::HostSeen {
        ip: Some("10.0.0.2".parse().unwrap()),
        ..Default::default()
    });
    assert_eq!(import(&s, &empty_host, 4).closed, 1);
    assert_eq!(by_key(&s, "10.0.0.2", "1").state, VulnState::Verified);

    // Finding 2 comes back: reopened, with the reason in its history.
    let back = import(
        &s,
        &report(Format::Nessus, vec![n("10.0.0.1", "1"), n("10.0.0.1", "2")]),
        5,
    );
    assert_eq!(
        (back.reopened, back.updated, back.closed),
        (1, 1, 0),
        "{back:?}"
    );
    let d = s.get_vuln(two.id).unwrap();
    assert_eq!(d.vuln.state, VulnState::Open);
    assert_eq!(
        d.history.last().unwrap().reason.as_deref(),
        Some(format!("reported again by import {}", back.import_id).as_str())
    );
    let imports = s
        .list_imports(PageRequest {
            limit: Some(2),
            offset: None,
        })
        .unwrap();
    assert_eq!(imports.total, 6);
    assert_eq!(imports.items[0].id, back.import_id);
    assert_eq!(imports.items[0].reopened, 1);
}

fn full_change(to: VulnState, now: DateTime<Utc>) -> VulnChange {
    VulnChange {
        to,
        reason: Some("why".into()),
        assignee: Some("bob".into()),
        accepted_until: Some(now + Duration::days(30)),
    }
}

#[test]
fn every_transition_follows_the_table() {
    let (_d, s) = store();
    let findings = (0..49)
        .map(|i| {
            finding(
                Scanner::Nmap,
                "10.9.0.1",
                &i.to_string(),
                22,
                Severity::Medium,
            )
        })
        .collect();
    import(&s, &report(Format::Nmap, findings), 1);
    let ids: Vec<i64> = s
        .list_vulns(&VulnFilter {
            sort: Some(VulnSort::Id),
            order: Some(SortOrder::Asc),
            limit: Some(100),
            ..Default::default()
        })
        .unwrap()
        .items
        .iter()
        .map(|v| v.id)
        .collect();
    let mut cases = ids.into_iter();
    for from in VulnState::ALL {
        for to in VulnState::ALL {
            let id = cases.next().unwrap();
            s.write(|tx| set_state(tx, id, from, t(1))).unwrap();
            let allowed = allowed_vuln_transitions(from);
            match s.change_vuln(id, &full_change(to, t(2)), "alice", t(2)) {
                Ok(d) => {
                    assert!(allowed.contains(&to), "{from:?} -> {to:?} must be refused");
                    assert_eq!(d.vuln.state, to);
                    assert_eq!(d.vuln.state_changed_at, t(2));
                    assert_eq!(d.vuln.reverify_requested, to == VulnState::Fixed);
                    let h = d.history.last().unwrap();
                    assert_eq!((h.from, h.to, h.actor.as_str()), (Some(from), to, "alice"));
                }
                Err(ObjectError::Conflict { allowed: names, .. }) => {
                    assert!(!allowed.contains(&to), "{from:?} -> {to:?} must be allowed");
                    let want: Vec<String> =
                        allowed.iter().map(|s| s.as_str().to_string()).collect();
                    assert_eq!(names, want);
                    assert_eq!(s.get_vuln(id).unwrap().vuln.state, from);
                }
                Err(e) => panic!("{from:?} -> {to:?}: {e}"),
            }
        }
    }
    // Spot checks of the table itself.
    assert_eq!(
        allowed_vuln_transitions(VulnState::Fixed),
        &[VulnState::Verified, VulnState::Open]
    );
    assert!(allowed_vuln_transitions(VulnState::Assigned).contains(&VulnState::Confirmed));
    assert!(!allowed_vuln_transitions(VulnState::Open).contains(&VulnState::Verified));
}

#[test]
fn changes_need_their_fields_and_risks_expire() {
    let (_d, s) = store();
    import(
        &s,
        &report(
            Format::Nessus,
            vec![finding(Scanner::Nessus, "10.0.0.1", "1", 1, Severity::Low)],
        ),
        1,
    );
    let id = by_key(&s, "10.0.0.1", "1").id;
    let bad = |c: VulnChange, field: &str| match s.change_vuln(id, &c, "a", t(2)) {
        Err(ObjectError::Invalid { field: f, .. }) => assert_eq!(f, field),
        other => panic!("expected invalid {field}: {other:?}"),
    };
    let none = |to| VulnChange {
        to,
        reason: None,
        assignee: None,
        accepted_until: None,
    };
    bad(
        VulnChange {
            accepted_until: Some(t(9)),
            ..none(VulnState::AcceptedRisk)
        },
        "reason",
    );
    bad(
        VulnChange {
            reason: Some("ok".into()),
            ..none(VulnState::AcceptedRisk)
        },
        "accepted_until",
    );
    bad(
        VulnChange {
            reason: Some("ok".into()),
            accepted_until: Some(t(1)),
            ..none(VulnState::AcceptedRisk)
        },
        "accepted_until",
    );
    bad(
        VulnChange {
            assignee: Some("  ".into()),
            ..none(VulnState::Assigned)
        },
        "assignee",
    );
    bad(none(VulnState::FalsePositive), "reason");
    assert_eq!(s.get_vuln(id).unwrap().history.len(), 1);
    assert!(serde_json::from_str::<VulnChange>(r#"{"to":"fixed","extra":1}"#).is_err());
    assert!(matches!(
        s.change_vuln(424242, &none(VulnState::Fixed), "a", t(2)),
        Err(ObjectError::NotFound { .. })
    ));

    let d = s
        .change_vuln(
            id,
            &VulnChange {
                assignee: Some("bob".into()),
                ..none(VulnState::Assigned)
            },
            "a",
            t(2),
        )
        .unwrap();
    assert_eq!(d.vuln.assignee.as_deref(), Some("bob"));
    let d = s
        .change_vuln(
            id,
            &VulnChange {
                reason: Some("vendor patch due".into()),
                accepted_until: Some(t(10)),
                ..none(VulnState::AcceptedRisk)
            },
            "a",
            t(3),
        )
        .unwrap();
    assert_eq!(d.vuln.accepted_until, Some(t(10)));
    assert_eq!(d.vuln.accepted_reason.as_deref(), Some("vendor patch due"));
    assert!(s.expire_accepted_risks("system", t(9)).unwrap().is_empty());
    assert_eq!(s.expire_accepted_risks("system", t(10)).unwrap(), vec![id]);
    let d = s.get_vuln(id).unwrap();
    assert_eq!(d.vuln.state, VulnState::Open);
    assert_eq!(d.vuln.accepted_until, None);
    let h = d.history.last().unwrap();
    assert_eq!(
        (h.from, h.to, h.actor.as_str()),
        (Some(VulnState::AcceptedRisk), VulnState::Open, "system")
    );
    assert!(s.expire_accepted_risks("system", t(11)).unwrap().is_empty());
}

#[test]
fn list_filters_sorts_pages_and_counts() {
    let (_d, s) = store();
    let sevs = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];
    let mut fs = Vec::new();
    for i in 0..20u16 {
        let mut f = finding(
            Scanner::Nessus,
            &format!("10.5.0.{}", i % 4),
            &i.to_string(),
            8000 + i % 2,
            sevs[usize::from(i % 5)],
        );
        f.cvss_base = Some(f32::from(i) / 2.0);
        if i == 7 {
            f.title = "Apache 100%_ bug".into();
        }
        fs.push(f);
    }
    import(&s, &report(Format::Nessus, fs), 1);
    import(
        &s,
        &report(
            Format::Nuclei,
            vec![finding(
                Scanner::Nuclei,
                "10.5.0.9",
                "n",
                443,
                Severity::High,
            )],
        ),
        2,
    );
    let list = |f: VulnFilter| s.list_vulns(&f).unwrap();

    let all = list(VulnFilter::default());
    assert_eq!(all.total, 21);
    let ranks: Vec<i64> = all
        .items
        .iter()
        .map(|v| severity_rank(v.severity))
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] >= w[1]), "{ranks:?}");
    assert!(all
        .items
        .windows(2)
        .all(|w| w[0].severity != w[1].severity || w[0].id > w[1].id));
    assert_eq!(
        list(VulnFilter {
            severity: Some(Severity::Critical),
            ..Default::default()
        })
        .total,
        4
    );
    assert_eq!(
        list(VulnFilter {
            scanner: Some(Scanner::Nuclei),
            ..Default::default()
        })
        .total,
        1
    );
    assert_eq!(
        list(VulnFilter {
            ip: Some("10.5.0.1".into()),
            ..Default::default()
        })
        .total,
        5
    );
    assert_eq!(
        list(VulnFilter {
            port: Some(8001),
            ..Default::default()
        })
        .total,
        10
    );
    assert_eq!(
        list(VulnFilter {
            cve: Some("CVE-2024-7".into()),
            ..Default::default()
        })
        .total,
        1
    );
    let q = list(VulnFilter {
        q: Some("100%_".into()),
        ..Default::default()
    });
    assert_eq!((q.total, q.items[0].finding_id.as_str()), (1, "7"));
    let asset_id = all
        .items
        .iter()
        .find(|v| v.ip.as_deref() == Some("10.5.0.2"))
        .unwrap()
        .asset_id;
    assert_eq!(
        list(VulnFilter {
            asset_id,
            ..Default::default()
        })
        .total,
        5
    );
    // Critical due in 7 days, high in 30: before day 20 only the criticals.
    let due = list(VulnFilter {
        due_before: Some(t(20)),
        ..Default::default()
    });
    assert_eq!(due.total, 4);

    let by_cvss = list(VulnFilter {
        sort: Some(VulnSort::Cvss),
        order: Some(SortOrder::Asc),
        limit: Some(3),
        offset: Some(1),
        ..Default::default()
    });
    assert_eq!(by_cvss.total, 21);
    let cv: Vec<f32> = by_cvss.items.iter().map(|v| v.cvss_base.unwrap()).collect();
    assert_eq!(cv, vec![0.5, 1.0, 1.5]);
    let by_seen = list(VulnFilter {
        sort: Some(VulnSort::LastSeen),
        limit: Some(1),
        ..Default::default()
    });
    assert_eq!(by_seen.items[0].scanner, Scanner::Nuclei);
    let by_due = list(VulnFilter {
        sort: Some(VulnSort::DueAt),
        order: Some(SortOrder::Asc),
        state: Some(VulnState::Open),
        ..Default::default()
    });
    assert!(by_due
        .items
        .iter()
        .take_while(|v| v.due_at.is_none())
        .all(|v| v.severity == Severity::Info));

    let id = all.items[0].id;
    s.change_vuln(id, &full_change(VulnState::Fixed, t(3)), "a", t(3))
        .unwrap();
    assert_eq!(
        list(VulnFilter {
            state: Some(VulnState::Fixed),
            ..Default::default()
        })
        .items[0]
            .id,
        id
    );
    let counts = s.vuln_counts().unwrap();
    assert_eq!(counts.by_state.get("open"), Some(&20));
    assert_eq!(counts.by_state.get("fixed"), Some(&1));
    assert_eq!(counts.by_severity.values().sum::<u64>(), 20);
    assert_eq!(counts.by_severity.get("info"), Some(&4));
}

fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("STEWARD_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
        .join("vuln");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("SKIP: vuln corpus not found at {}", dir.display());
        None
    }
}

#[test]
fn corpus_reports_import_and_reimport_idempotently() {
    let Some(dir) = corpus_dir() else { return };
    let (_d, s) = store();
    let mut imported = 0;
    for sub in ["nessus", "nuclei", "nmap", "openvas"] {
        let Ok(rd) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        let mut paths: Vec<_> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            let bytes = std::fs::read(&p).unwrap();
            let Ok(r) = steward_vuln::import(&bytes, Format::Auto) else {
                println!("not a report steward_vuln reads: {}", p.display());
                continue;
            };
            let name = p.display().to_string();
            let first = s
                .import_report(&r, &name, &VulnPolicy::default(), "t", t(1))
                .unwrap();
            let second = s
                .import_report(&r, &name, &VulnPolicy::default(), "t", t(2))
                .unwrap();
            assert_eq!(second.created, 0, "{name}");
            assert_eq!(second.closed, 0, "{name}");
            assert_eq!(second.reopened, 0, "{name}");
            assert_eq!(
                second.updated,
                first.created + first.updated + first.reopened,
                "{name}"
            );
            imported += 1;
        }
    }
    let total = s.list_vulns(&VulnFilter::default()).unwrap().total;
    println!("corpus: {imported} reports, {total} vulnerabilities stored");
    assert!(imported > 0);
}

#[test]
fn import_10k_findings_timing() {
    let (_d, s) = store();
    let sevs = [
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];
    let findings: Vec<Finding> = (0..10_000u32)
        .map(|i| {
            let host = i / 20;
            finding(
                Scanner::Nessus,
                &format!("10.{}.{}.{}", host >> 16, (host >> 8) & 255, host & 255),
                &(i % 20 + 10_000).to_string(),
                443,
                sevs[(i % 4) as usize],
            )
        })
        .collect();
    let r = report(Format::Nessus, findings);
    let start = std::time::Instant::now();
    let first = import(&s, &r, 1);
    let t_first = start.elapsed();
    let mut smaller = r.clone();
    smaller.findings.retain(|f| f.finding_id != "10000");
    let start = std::time::Instant::now();
    let second = import(&s, &smaller, 2);
    let t_second = start.elapsed();
    let start = std::time::Instant::now();
    let page = s
        .list_vulns(&VulnFilter {
            state: Some(VulnState::Open),
            limit: Some(50),
            ..Default::default()
        })
        .unwrap();
    let t_list = start.elapsed();
    println!(
        "import 10k findings / 500 hosts: first {t_first:?} (created {}), re-import {t_second:?} (updated {}, closed {}); open list page {t_list:?}",
        first.created, second.updated, second.closed
    );
    assert_eq!(first.created, 10_000);
    assert_eq!(second.closed, 500);
    assert_eq!(page.total, 9_500);
}

#[test]
fn schemas_and_params_build() {
    use utoipa::{IntoParams, PartialSchema};
    let detail = serde_json::to_string(&VulnDetail::schema()).unwrap();
    assert!(detail.contains("history"), "{detail}");
    let params = VulnFilter::into_params(|| None);
    assert!(params.iter().any(|p| p.name == "due_before"));
    let asset = serde_json::to_string(&crate::assets::AssetRecord::schema()).unwrap();
    assert!(asset.contains("criticality"));
}

/// Lists and details at 1M stored vulnerabilities; prints timings (run with --ignored).
#[test]
#[ignore]
fn list_at_one_million() {
    let (_d, s) = store();
    let start = std::time::Instant::now();
    s.write(|tx| {
        tx.execute_batch(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
             INSERT INTO vulns (scanner, dedupe_key, scope_host, asset_id, ip, port, finding_id, title,
                cvss_base, severity_rank, state, due_at, first_seen, last_seen, state_changed_at,
                reverify_requested, last_import_id, doc)
             SELECT CASE i % 4 WHEN 0 THEN 'nuclei' WHEN 1 THEN 'nessus' WHEN 2 THEN 'openvas' ELSE 'nmap' END,
                'k' || i, '10.0.' || (i % 20000), NULL, '10.0.' || (i % 20000), 1 + i % 1000, 'f' || (i % 5000),
                'title ' || (i % 5000), (i % 100) / 10.0, i % 5,
                CASE WHEN i % 10 < 6 THEN 'open' WHEN i % 10 < 8 THEN 'verified' ELSE 'confirmed' END,
                1700000000000000 + i * 1000000, 1700000000000000, 1700000000000000 + i, 1700000000000000,
                0, 1, '{\"cves\":[]}'
             FROM n;
             INSERT INTO vuln_cves (cve, vuln_id) SELECT 'CVE-2024-' || (id % 5000), id FROM vulns;",
        )?;
        Ok(())
    })
    .unwrap();
    println!("loaded 1M in {:?}", start.elapsed());
    let cases: Vec<(&str, VulnFilter)> = vec![
        ("default", VulnFilter::default()),
        (
            "state=open",
            VulnFilter {
                state: Some(VulnState::Open),
                ..Default::default()
            },
        ),
        (
            "severity=critical",
            VulnFilter {
                severity: Some(Severity::Critical),
                ..Default::default()
            },
        ),
        (
            "scanner=nessus",
            VulnFilter {
                scanner: Some(Scanner::Nessus),
                ..Default::default()
            },
        ),
        (
            "ip",
            VulnFilter {
                ip: Some("10.0.77".into()),
                ..Default::default()
            },
        ),
        (
            "port",
            VulnFilter {
                port: Some(443),
                ..Default::default()
            },
        ),
        (
            "cve",
            VulnFilter {
                cve: Some("CVE-2024-42".into()),
                ..Default::default()
            },
        ),
        (
            "q",
            VulnFilter {
                q: Some("title 4242".into()),
                ..Default::default()
            },
        ),
        (
            "open+due_before",
            VulnFilter {
                state: Some(VulnState::Open),
                due_before: Some(from_ts(1_700_100_000_000_000)),
                ..Default::default()
            },
        ),
        (
            "sort=last_seen",
            VulnFilter {
                sort: Some(VulnSort::LastSeen),
                ..Default::default()
            },
        ),
        (
            "sort=cvss page 100",
            VulnFilter {
                sort: Some(VulnSort::Cvss),
                offset: Some(5000),
                ..Default::default()
            },
        ),
        (
            "open+scanner sort due",
            VulnFilter {
                state: Some(VulnState::Open),
                scanner: Some(Scanner::Nmap),
                sort: Some(VulnSort::DueAt),
                ..Default::default()
            },
        ),
    ];
    for (name, f) in cases {
        let start = std::time::Instant::now();
        let page = s.list_vulns(&f).unwrap();
        println!("{name:>24}: {:?} (total {})", start.elapsed(), page.total);
    }
    let start = std::time::Instant::now();
    s.get_vuln(777_777).unwrap();
    println!("{:>24}: {:?}", "detail", start.elapsed());
}
