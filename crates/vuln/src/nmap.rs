//! nmap XML (`-oX`): hosts and open ports, plus findings from vulnerability scripts.

use crate::error::ImportError;
use crate::model::{
    AssetRef, Finding, Format, HostSeen, PortSeen, Report, Scanner, Severity, EVIDENCE_LIMIT,
};
use crate::text::{cut, epoch, find_cves};
use crate::xml::{attr, child, children, err_at, expect_root, parse};
use chrono::{DateTime, Utc};
use roxmltree::Node;

pub(crate) fn import(text: &str) -> Result<Report, ImportError> {
    let doc = parse(text)?;
    let root = expect_root(text, &doc, &["nmaprun"])?;
    let mut report = Report::new(Format::Nmap);
    let run_start = attr(root, "start").and_then(|s| epoch(&s));
    for host in children(root, "host") {
        let up = child(host, "status")
            .and_then(|s| s.attribute("state"))
            .is_none_or(|s| s == "up");
        if !up {
            report.skipped += 1;
            continue;
        }
        import_host(text, host, run_start, &mut report)?;
    }
    Ok(report)
}

fn import_host(
    text: &str,
    host: Node<'_, '_>,
    run_start: Option<DateTime<Utc>>,
    report: &mut Report,
) -> Result<(), ImportError> {
    let mut seen = HostSeen {
        scan_time: attr(host, "starttime")
            .and_then(|s| epoch(&s))
            .or(run_start),
        ..HostSeen::default()
    };
    for a in children(host, "address") {
        let Some(addr) = attr(a, "addr") else {
            continue;
        };
        match a.attribute("addrtype").unwrap_or("ipv4") {
            "mac" => seen.mac = Some(addr),
            _ if seen.ip.is_none() => {
                seen.ip = Some(addr.parse().map_err(|_| {
                    err_at(text, a, format!("address {addr:?} is not an IP address"))
                })?)
            }
            _ => {}
        }
    }
    if let Some(names) = child(host, "hostnames") {
        // A name the user typed beats a reverse-DNS answer.
        let mut names: Vec<_> = children(names, "hostname").collect();
        names.sort_by_key(|n| n.attribute("type") != Some("user"));
        seen.hostname = names.first().and_then(|n| attr(*n, "name"));
    }
    if let Some(os) = child(host, "os") {
        seen.os = children(os, "osmatch")
            .max_by_key(|m| {
                m.attribute("accuracy")
                    .and_then(|a| a.parse::<u32>().ok())
                    .unwrap_or(0)
            })
            .and_then(|m| attr(m, "name"));
    }
    let asset = AssetRef {
        ip: seen.ip,
        hostname: seen.hostname.clone(),
        mac: seen.mac.clone(),
        os: seen.os.clone(),
    };
    if let Some(ip) = seen.ip {
        report.add_scope(&ip.to_string());
    } else if let Some(h) = &seen.hostname {
        report.add_scope(h);
    }
    if let Some(ports) = child(host, "ports") {
        for port in children(ports, "port") {
            let number = attr(port, "portid")
                .and_then(|p| p.parse::<u16>().ok())
                .ok_or_else(|| err_at(text, port, "<port> without a valid portid"))?;
            let protocol = attr(port, "protocol").unwrap_or_else(|| "tcp".to_string());
            let state = child(port, "state").and_then(|s| s.attribute("state"));
            let service = child(port, "service");
            let service_name = service.and_then(|s| attr(s, "name"));
            if state == Some("open") {
                seen.ports.push(PortSeen {
                    port: number,
                    protocol: protocol.clone(),
                    service: service_name.clone(),
                    product: service.and_then(|s| attr(s, "product")),
                    version: service.and_then(|s| attr(s, "version")),
                });
            }
            for script in children(port, "script") {
                if let Some(mut f) = script_finding(script, &asset, seen.scan_time) {
                    f.port = Some(number);
                    f.protocol = Some(protocol.clone());
                    f.service = service_name.clone();
                    report.findings.push(f);
                }
            }
        }
    }
    if let Some(hs) = child(host, "hostscript") {
        for script in children(hs, "script") {
            if let Some(f) = script_finding(script, &asset, seen.scan_time) {
                report.findings.push(f);
            }
        }
    }
    report.hosts.push(seen);
    Ok(())
}

/// A finding only for `vulners` or `*vuln*` scripts that name CVEs and, for the latter,
/// state the target is vulnerable.
fn script_finding(
    script: Node<'_, '_>,
    asset: &AssetRef,
    scan_time: Option<DateTime<Utc>>,
) -> Option<Finding> {
    let id = attr(script, "id")?;
    let output = script.attribute("output").unwrap_or_default();
    let vulners = id == "vulners";
    if !vulners && !id.contains("vuln") {
        return None;
    }
    if !vulners {
        let upper = output.to_ascii_uppercase();
        let vulnerable = upper.contains("STATE: VULNERABLE")
            || upper.contains("STATE: LIKELY VULNERABLE")
            || script.descendants().any(|n| {
                n.attribute("key") == Some("state")
                    && n.text().is_some_and(|t| {
                        t.starts_with("VULNERABLE") || t.starts_with("LIKELY VULNERABLE")
                    })
            });
        if !vulnerable {
            return None;
        }
    }
    let mut cves = Vec::new();
    find_cves(output, &mut cves);
    for elem in script.descendants().filter(|n| n.has_tag_name("elem")) {
        find_cves(elem.text().unwrap_or_default(), &mut cves);
    }
    if cves.is_empty() {
        return None;
    }
    let cvss_base = script
        .descendants()
        .filter(|n| n.has_tag_name("elem") && n.attribute("key") == Some("cvss"))
        .filter_map(|n| n.text()?.trim().parse::<f32>().ok())
        .fold(None, |m: Option<f32>, s| Some(m.map_or(s, |m| m.max(s))));
    let title = script
        .descendants()
        .find(|n| n.attribute("key") == Some("title"))
        .and_then(|n| n.text())
        .and_then(crate::text::clean)
        .unwrap_or_else(|| format!("nmap {id}: {}", cves.join(", ")));
    Some(Finding {
        scanner: Scanner::Nmap,
        asset: asset.clone(),
        port: None,
        protocol: None,
        service: None,
        finding_id: id,
        title,
        description: None,
        solution: None,
        cves,
        cvss_base,
        cvss_vector: None,
        // vuln scripts without a score still assert exploitability.
        severity: cvss_base.map_or(Severity::Medium, Severity::from_cvss),
        evidence: crate::text::clean(output).map(|s| cut(s, EVIDENCE_LIMIT)),
        references: Vec::new(),
        scan_time,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"<?xml version="1.0"?>
<!DOCTYPE nmaprun>
<nmaprun scanner="nmap" start="1581930445">
<host starttime="1581930446"><status state="up"/>
<address addr="192.168.0.1" addrtype="ipv4"/><address addr="00:11:22:33:44:55" addrtype="mac"/>
<hostnames><hostname name="gw.lan" type="PTR"/><hostname name="router" type="user"/></hostnames>
<ports>
<port protocol="tcp" portid="22"><state state="open"/><service name="ssh" product="OpenSSH" version="7.4"/>
<script id="vulners" output="cpe:/a:openbsd:openssh:7.4: CVE-2018-15919 5.0"><table key="cpe:/a:openbsd:openssh:7.4"><table>
<elem key="cvss">5.0</elem><elem key="id">CVE-2018-15919</elem></table><table>
<elem key="cvss">7.8</elem><elem key="id">CVE-2016-10009</elem></table></table></script></port>
<port protocol="tcp" portid="80"><state state="open"/><service name="http"/>
<script id="http-title" output="CVE-2000-0001 in a title"/></port>
<port protocol="tcp" portid="81"><state state="closed"/></port>
</ports>
<os><osmatch name="Linux 3.X" accuracy="90"/><osmatch name="Linux 4.X" accuracy="95"/></os>
<hostscript><script id="smb-vuln-ms17-010" output="VULNERABLE:&#xa;  State: VULNERABLE&#xa;  IDs:  CVE:CVE-2017-0143"/></hostscript>
</host>
<host><status state="down"/><address addr="192.168.0.2" addrtype="ipv4"/></host>
</nmaprun>"#;

    #[test]
    fn hosts_and_script_findings() {
        let r = import(SAMPLE).unwrap();
        assert_eq!(r.skipped, 1);
        assert_eq!(r.hosts.len(), 1);
        let h = &r.hosts[0];
        assert_eq!(h.hostname.as_deref(), Some("router"));
        assert_eq!(h.os.as_deref(), Some("Linux 4.X"));
        assert_eq!(h.mac.as_deref(), Some("00:11:22:33:44:55"));
        assert_eq!(h.ports.len(), 2);
        assert_eq!(h.ports[0].product.as_deref(), Some("OpenSSH"));
        assert_eq!(r.findings.len(), 2);
        let v = &r.findings[0];
        assert_eq!(v.finding_id, "vulners");
        assert_eq!(v.port, Some(22));
        assert_eq!(v.cves, vec!["CVE-2018-15919", "CVE-2016-10009"]);
        assert_eq!(v.cvss_base, Some(7.8));
        assert_eq!(v.severity, Severity::High);
        assert_eq!(r.findings[1].cves, vec!["CVE-2017-0143"]);
        assert_eq!(r.findings[1].port, None);
        assert_eq!(r.scope, vec!["192.168.0.1"]);
    }

    #[test]
    fn not_vulnerable_script_is_no_finding() {
        let s = SAMPLE.replace("State: VULNERABLE", "State: NOT VULNERABLE");
        assert_eq!(import(&s).unwrap().findings.len(), 1);
    }

    #[test]
    fn bad_address_is_located() {
        let e = import(&SAMPLE.replace("192.168.0.1", "999.1.1.1")).unwrap_err();
        assert_eq!(e.line, Some(5));
    }
}
