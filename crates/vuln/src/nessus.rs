//! Nessus v2 (`.nessus`) reports.

use crate::error::ImportError;
use crate::model::{
    AssetRef, Finding, Format, HostSeen, PortSeen, Report, Scanner, Severity, EVIDENCE_LIMIT,
};
use crate::text::{clean, ctime, cut, epoch, find_cves, push_cve};
use crate::xml::{attr, child, child_text, children, err_at, expect_root, parse, text_of};
use roxmltree::Node;

pub(crate) fn import(text: &str) -> Result<Report, ImportError> {
    let doc = parse(text)?;
    let root = expect_root(text, &doc, &["NessusClientData_v2"])?;
    let mut report = Report::new(Format::Nessus);
    scope_from_policy(root, &mut report);
    for rep in children(root, "Report") {
        for host in children(rep, "ReportHost") {
            import_host(text, host, &mut report)?;
        }
    }
    Ok(report)
}

/// The policy's TARGET preference lists what was asked to be scanned.
fn scope_from_policy(root: Node<'_, '_>, report: &mut Report) {
    let prefs = root
        .descendants()
        .filter(|n| n.has_tag_name("preference"))
        .filter(|n| child_text(*n, "name").as_deref() == Some("TARGET"));
    for p in prefs {
        if let Some(v) = child_text(p, "value") {
            for t in v.split([',', '\n']) {
                report.add_scope(t);
            }
        }
    }
}

fn import_host(text: &str, host: Node<'_, '_>, report: &mut Report) -> Result<(), ImportError> {
    let name = attr(host, "name");
    let mut asset = AssetRef::default();
    let mut scan_time = None;
    if let Some(props) = child(host, "HostProperties") {
        for tag in children(props, "tag") {
            let Some(value) = text_of(tag) else { continue };
            match tag.attribute("name").unwrap_or_default() {
                "host-ip" => asset.ip = value.parse().ok(),
                "host-fqdn" | "hostname" if asset.hostname.is_none() => {
                    asset.hostname = Some(value)
                }
                "mac-address" => asset.mac = value.split_whitespace().next().map(str::to_string),
                "operating-system" | "os" if asset.os.is_none() => {
                    asset.os = value.lines().next().and_then(clean)
                }
                "HOST_START_TIMESTAMP" => scan_time = epoch(&value).or(scan_time),
                "HOST_START" if scan_time.is_none() => scan_time = ctime(&value),
                _ => {}
            }
        }
    }
    if let Some(n) = &name {
        match n.parse() {
            Ok(ip) if asset.ip.is_none() => asset.ip = Some(ip),
            Ok(_) => {}
            Err(_) if asset.hostname.is_none() => asset.hostname = Some(n.clone()),
            Err(_) => {}
        }
        report.add_scope(n);
    }
    let mut seen = HostSeen {
        ip: asset.ip,
        hostname: asset.hostname.clone(),
        mac: asset.mac.clone(),
        os: asset.os.clone(),
        ports: Vec::new(),
        scan_time,
    };
    for item in children(host, "ReportItem") {
        let f = import_item(text, item, &asset, scan_time)?;
        // Every item on a real port means Nessus found that port open.
        if let (Some(port), Some(protocol)) = (f.port, &f.protocol) {
            if !seen
                .ports
                .iter()
                .any(|p| p.port == port && &p.protocol == protocol)
            {
                seen.ports.push(PortSeen {
                    port,
                    protocol: protocol.clone(),
                    service: f.service.clone(),
                    product: None,
                    version: None,
                });
            }
        }
        report.findings.push(f);
    }
    report.hosts.push(seen);
    Ok(())
}

fn import_item(
    text: &str,
    item: Node<'_, '_>,
    asset: &AssetRef,
    scan_time: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<Finding, ImportError> {
    let plugin_id = attr(item, "pluginID")
        .ok_or_else(|| err_at(text, item, "<ReportItem> without pluginID"))?;
    let port: u16 = match item.attribute("port") {
        None => 0,
        Some(p) => p
            .trim()
            .parse()
            .map_err(|_| err_at(text, item, format!("<ReportItem> port {p:?} is not a port")))?,
    };
    let severity = match item.attribute("severity").map(str::trim) {
        None | Some("0") => Severity::Info,
        Some("1") => Severity::Low,
        Some("2") => Severity::Medium,
        Some("3") => Severity::High,
        Some("4") => Severity::Critical,
        Some(s) => {
            return Err(err_at(
                text,
                item,
                format!("<ReportItem> severity {s:?} is not 0-4"),
            ))
        }
    };
    let mut cves = Vec::new();
    for c in children(item, "cve") {
        if let Some(id) = text_of(c) {
            push_cve(&id, &mut cves);
        }
    }
    let score = |name: &str| -> Result<Option<f32>, ImportError> {
        match child(item, name) {
            None => Ok(None),
            Some(n) => match text_of(n) {
                None => Ok(None),
                Some(v) => v
                    .parse::<f32>()
                    .map(Some)
                    .map_err(|_| err_at(text, n, format!("<{name}> {v:?} is not a number"))),
            },
        }
    };
    let (cvss_base, cvss_vector) = match score("cvss3_base_score")? {
        Some(s) => (Some(s), child_text(item, "cvss3_vector")),
        None => (score("cvss_base_score")?, child_text(item, "cvss_vector")),
    };
    let mut references = Vec::new();
    for sa in children(item, "see_also") {
        if let Some(v) = text_of(sa) {
            references.extend(v.split_whitespace().map(str::to_string));
        }
    }
    let description = child_text(item, "description");
    if cves.is_empty() {
        // Some plugins only name CVEs in their xrefs.
        for x in children(item, "xref") {
            if let Some(v) = text_of(x) {
                find_cves(&v, &mut cves);
            }
        }
    }
    Ok(Finding {
        scanner: Scanner::Nessus,
        asset: asset.clone(),
        port: (port != 0).then_some(port),
        protocol: attr(item, "protocol"),
        service: attr(item, "svc_name").filter(|s| s != "general"),
        finding_id: plugin_id.clone(),
        title: attr(item, "pluginName")
            .or_else(|| child_text(item, "plugin_name"))
            .unwrap_or(plugin_id),
        description,
        solution: child_text(item, "solution").filter(|s| s != "n/a"),
        cves,
        cvss_base,
        cvss_vector,
        severity,
        evidence: child_text(item, "plugin_output").map(|s| cut(s, EVIDENCE_LIMIT)),
        references,
        scan_time,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"<?xml version="1.0" ?>
<NessusClientData_v2>
<Policy><Preferences><ServerPreferences>
<preference><name>TARGET</name><value>10.0.0.0/30,web.example</value></preference>
</ServerPreferences></Preferences></Policy>
<Report name="r">
<ReportHost name="10.0.0.5"><HostProperties>
<tag name="host-ip">10.0.0.5</tag><tag name="host-fqdn">web.example</tag>
<tag name="mac-address">00:11:22:33:44:55</tag><tag name="operating-system">Linux Kernel 5.4</tag>
<tag name="HOST_START_TIMESTAMP">1648042311</tag>
</HostProperties>
<ReportItem port="443" svc_name="www" protocol="tcp" severity="3" pluginID="12345" pluginName="Bad TLS">
<description>desc</description><solution>upgrade</solution>
<cve>CVE-2014-0160</cve><cvss3_base_score>7.5</cvss3_base_score>
<cvss3_vector>CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N</cvss3_vector>
<cvss_base_score>5.0</cvss_base_score>
<see_also>https://a.example/1
https://b.example/2</see_also>
<plugin_output>proof</plugin_output>
</ReportItem>
<ReportItem port="0" svc_name="general" protocol="tcp" severity="0" pluginID="19506" pluginName="Scan Info"/>
</ReportHost>
</Report>
</NessusClientData_v2>"#;

    #[test]
    fn maps_fields() {
        let r = import(SAMPLE).unwrap();
        assert_eq!(r.scope, vec!["10.0.0.0/30", "web.example", "10.0.0.5"]);
        assert_eq!(r.findings.len(), 2);
        let f = &r.findings[0];
        assert_eq!(f.asset.ip, Some("10.0.0.5".parse().unwrap()));
        assert_eq!(f.asset.hostname.as_deref(), Some("web.example"));
        assert_eq!(f.asset.mac.as_deref(), Some("00:11:22:33:44:55"));
        assert_eq!(f.port, Some(443));
        assert_eq!(f.service.as_deref(), Some("www"));
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.cves, vec!["CVE-2014-0160"]);
        assert_eq!(f.cvss_base, Some(7.5));
        assert!(f.cvss_vector.as_deref().unwrap().starts_with("CVSS:3.0"));
        assert_eq!(f.references.len(), 2);
        assert_eq!(f.evidence.as_deref(), Some("proof"));
        assert_eq!(f.scan_time.map(|t| t.timestamp()), Some(1648042311));
        assert_eq!(r.findings[1].port, None);
        assert_eq!(r.findings[1].severity, Severity::Info);
        assert_eq!(r.hosts.len(), 1);
        assert_eq!(r.hosts[0].ports.len(), 1);
        assert_eq!(r.hosts[0].ports[0].service.as_deref(), Some("www"));
        assert_eq!(r.hosts[0].os.as_deref(), Some("Linux Kernel 5.4"));
    }

    #[test]
    fn bad_severity_is_located() {
        let bad = SAMPLE.replace("severity=\"3\"", "severity=\"9\"");
        let e = import(&bad).unwrap_err();
        assert_eq!(e.line, Some(12));
        assert!(e.message.contains("severity"), "{e}");
    }

    #[test]
    fn truncated_is_error() {
        let e = import(&SAMPLE[..SAMPLE.len() / 2]).unwrap_err();
        assert!(e.line.is_some(), "{e}");
    }
}
