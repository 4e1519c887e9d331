//! OpenVAS / Greenbone (GVM) XML reports (`<report>` or `<get_reports_response>`).

use crate::error::ImportError;
use crate::model::{AssetRef, Finding, Format, Report, Scanner, Severity, EVIDENCE_LIMIT};
use crate::text::{cut, find_cves, push_cve, rfc3339};
use crate::xml::{attr, child, child_text, children, err_at, expect_root, parse, text_of};
use roxmltree::Node;

pub(crate) fn import(text: &str) -> Result<Report, ImportError> {
    let doc = parse(text)?;
    let root = expect_root(text, &doc, &["report", "get_reports_response"])?;
    let mut report = Report::new(Format::OpenVas);
    // Results sit in report/results (possibly nested inside an outer report wrapper).
    let results = root
        .descendants()
        .filter(|n| n.has_tag_name("result"))
        .filter(|n| {
            n.parent_element()
                .is_some_and(|p| p.has_tag_name("results"))
        });
    for result in results {
        match import_result(text, result)? {
            Some(f) => {
                if let Some(ip) = f.asset.ip {
                    report.add_scope(&ip.to_string());
                }
                report.findings.push(f);
            }
            None => report.skipped += 1,
        }
    }
    // Scanned hosts appear as report/host/ip even when they had no results.
    for host in root
        .descendants()
        .filter(|n| n.has_tag_name("host") && child(*n, "ip").is_some())
    {
        if let Some(ip) = child_text(host, "ip") {
            report.add_scope(&ip);
        }
    }
    Ok(report)
}

fn import_result(text: &str, result: Node<'_, '_>) -> Result<Option<Finding>, ImportError> {
    let Some(nvt) = child(result, "nvt") else {
        return Ok(None);
    };
    let Some(oid) = attr(nvt, "oid") else {
        return Ok(None);
    };
    let mut asset = AssetRef::default();
    if let Some(host) = child(result, "host") {
        if let Some(h) = text_of(host) {
            match h.parse() {
                Ok(ip) => asset.ip = Some(ip),
                Err(_) => asset.hostname = Some(h),
            }
        }
        if asset.hostname.is_none() {
            asset.hostname = child_text(host, "hostname");
        }
    }
    let (port, protocol) = match child_text(result, "port") {
        Some(p) => parse_port(text, result, &p)?,
        None => (None, None),
    };
    let number = |node: Option<Node<'_, '_>>| -> Result<Option<f32>, ImportError> {
        let Some(n) = node else { return Ok(None) };
        match text_of(n) {
            None => Ok(None),
            Some(v) => v
                .parse::<f32>()
                .map(Some)
                .map_err(|_| err_at(text, n, format!("{v:?} is not a number"))),
        }
    };
    let cvss_base = match number(child(nvt, "cvss_base"))? {
        Some(s) => Some(s),
        None => number(child(result, "severity"))?,
    };
    let tags = child_text(nvt, "tags").unwrap_or_default();
    let tag = |name: &str| {
        tags.split('|')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .and_then(crate::text::clean)
    };
    let cvss_vector = tag("cvss_base_vector").or_else(|| {
        child(nvt, "severities")
            .and_then(|s| child(s, "severity"))
            .and_then(|s| child_text(s, "value"))
    });
    let result_score = number(child(result, "severity"))?;
    let severity = match result_score.or(cvss_base) {
        Some(s) => Severity::from_cvss(s),
        None => child_text(result, "threat")
            .and_then(|t| Severity::from_name(&t))
            .unwrap_or(Severity::Info),
    };
    let mut cves = Vec::new();
    let mut references = Vec::new();
    if let Some(refs) = child(nvt, "refs") {
        for r in children(refs, "ref") {
            let Some(id) = attr(r, "id") else { continue };
            match r.attribute("type").unwrap_or_default() {
                "cve" => push_cve(&id, &mut cves),
                "url" => references.push(id),
                _ => {}
            }
        }
    }
    // Older GVM versions list CVEs in a comma-separated <cve> element.
    if let Some(c) = child_text(nvt, "cve") {
        find_cves(&c, &mut cves);
    }
    let title = child_text(nvt, "name")
        .or_else(|| child_text(result, "name"))
        .unwrap_or_else(|| oid.clone());
    let description = tag("summary").or_else(|| tag("insight"));
    let solution = child_text(nvt, "solution").or_else(|| tag("solution"));
    let scan_time = child_text(result, "creation_time")
        .and_then(|t| rfc3339(&t))
        .or_else(|| child_text(result, "modification_time").and_then(|t| rfc3339(&t)));
    Ok(Some(Finding {
        scanner: Scanner::OpenVas,
        asset,
        port,
        protocol,
        service: None,
        finding_id: oid,
        title,
        description,
        solution,
        cves,
        cvss_base,
        cvss_vector,
        severity,
        evidence: child_text(result, "description").map(|s| cut(s, EVIDENCE_LIMIT)),
        references,
        scan_time,
    }))
}

/// "443/tcp" → (443, tcp); "general/tcp" or "general/icmp" → (None, proto).
fn parse_port(
    text: &str,
    node: Node<'_, '_>,
    value: &str,
) -> Result<(Option<u16>, Option<String>), ImportError> {
    let (num, proto) = value.split_once('/').unwrap_or((value, ""));
    let proto = crate::text::clean(proto);
    if num.is_empty() || num.chars().any(|c| !c.is_ascii_digit()) {
        return Ok((None, proto));
    }
    let port = num
        .parse::<u16>()
        .map_err(|_| err_at(text, node, format!("port {value:?} is out of range")))?;
    Ok(((port != 0).then_some(port), proto))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"<report id="x"><report id="y">
<scan_start>2025-08-22T15:01:38+02:00</scan_start>
<host><ip>10.0.0.9</ip></host>
<results>
<result id="r1"><name>Weak SSH</name>
<creation_time>2025-08-22T16:55:31+02:00</creation_time>
<host>10.0.0.7<asset asset_id="a"/><hostname>srv7</hostname></host>
<port>22/tcp</port>
<nvt oid="1.3.6.1.4.1.25623.1.0.1"><name>Weak SSH algos</name><cvss_base>5.3</cvss_base>
<tags>cvss_base_vector=AV:N/AC:L/Au:N/C:P/I:N/A:N|summary=Weak algorithms|solution=Disable them</tags>
<refs><ref type="cve" id="cve-2008-5161"/><ref type="url" id="https://x.example"/></refs></nvt>
<threat>Medium</threat><severity>5.3</severity><description>kex: diffie-hellman-group1</description>
</result>
<result id="r2"><host>10.0.0.7</host><port>general/tcp</port>
<nvt oid="1.3.6.1.4.1.25623.1.0.2"><name>OS Detection</name><cvss_base>0.0</cvss_base></nvt>
<threat>Log</threat><severity>0.0</severity></result>
</results></report></report>"#;

    #[test]
    fn maps_fields() {
        let r = import(SAMPLE).unwrap();
        assert_eq!(r.findings.len(), 2);
        let f = &r.findings[0];
        assert_eq!(f.asset.ip, Some("10.0.0.7".parse().unwrap()));
        assert_eq!(f.asset.hostname.as_deref(), Some("srv7"));
        assert_eq!((f.port, f.protocol.as_deref()), (Some(22), Some("tcp")));
        assert_eq!(f.cves, vec!["CVE-2008-5161"]);
        assert_eq!(f.references, vec!["https://x.example"]);
        assert_eq!(f.severity, Severity::Medium);
        assert_eq!(f.cvss_vector.as_deref(), Some("AV:N/AC:L/Au:N/C:P/I:N/A:N"));
        assert_eq!(f.description.as_deref(), Some("Weak algorithms"));
        assert_eq!(f.solution.as_deref(), Some("Disable them"));
        assert!(f.scan_time.is_some());
        assert_eq!(r.findings[1].port, None);
        assert_eq!(r.findings[1].severity, Severity::Info);
        assert_eq!(r.scope, vec!["10.0.0.7", "10.0.0.9"]);
    }

    #[test]
    fn bad_port_is_located() {
        let e = import(&SAMPLE.replace("22/tcp", "99999/tcp")).unwrap_err();
        assert_eq!(e.line, Some(5));
    }
}
