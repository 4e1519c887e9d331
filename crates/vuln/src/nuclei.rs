//! nuclei output: JSON lines (`-jsonl`) or one JSON array (`-json-export`).

use crate::error::ImportError;
use crate::model::{AssetRef, Finding, Format, Report, Scanner, Severity, EVIDENCE_LIMIT};
use crate::text::{clean, cut, find_cves, rfc3339};
use serde_json::{Map, Value};

pub(crate) fn import(text: &str) -> Result<Report, ImportError> {
    let mut report = Report::new(Format::Nuclei);
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        let value: Value = serde_json::from_str(text).map_err(|e| json_error(text, 0, &e))?;
        let Value::Array(items) = value else {
            return Err(ImportError::new("expected a JSON array"));
        };
        for (i, item) in items.iter().enumerate() {
            let f =
                finding(item).map_err(|m| ImportError::new(format!("array element {i}: {m}")))?;
            push(&mut report, f);
        }
        return Ok(report);
    }
    let mut line_start = 0;
    for (idx, line) in text.split('\n').enumerate() {
        let start = line_start;
        line_start += line.len() + 1;
        if line.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(line).map_err(|e| json_error(text, start, &e))?;
        let f = finding(&value).map_err(|m| ImportError {
            line: Some(idx + 1),
            column: Some(1),
            byte_offset: Some(start),
            message: m,
        })?;
        push(&mut report, f);
    }
    Ok(report)
}

fn push(report: &mut Report, f: Finding) {
    if let Some(ip) = f.asset.ip {
        report.add_scope(&ip.to_string());
    } else if let Some(h) = &f.asset.hostname {
        report.add_scope(h);
    }
    report.findings.push(f);
}

/// serde_json positions are relative to the parsed slice, which starts at `base`.
fn json_error(text: &str, base: usize, e: &serde_json::Error) -> ImportError {
    let slice = &text[base..];
    let line_in = e.line().max(1);
    let line_off = if line_in == 1 {
        0
    } else {
        slice
            .match_indices('\n')
            .nth(line_in - 2)
            .map_or(slice.len(), |(i, _)| i + 1)
    };
    // serde_json columns count bytes; convert to a char column via the offset.
    let offset = (base + line_off + e.column().saturating_sub(1)).min(text.len());
    let msg = e.to_string();
    let msg = msg
        .rsplit_once(" at line ")
        .map_or(msg.as_str(), |(m, _)| m)
        .to_string();
    ImportError::at(text, offset, msg)
}

fn str_at<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    obj.get(key).and_then(Value::as_str)
}

/// Strings from a value that may be a string, an array of strings, or null.
fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => clean(s).into_iter().collect(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .filter_map(clean)
            .collect(),
        _ => Vec::new(),
    }
}

fn finding(value: &Value) -> Result<Finding, String> {
    let obj = value.as_object().ok_or("expected a JSON object")?;
    // nuclei before v2.5 wrote camel/snake-case keys (templateID, matched, extracted_results).
    let template = str_at(obj, "template-id")
        .or_else(|| str_at(obj, "templateID"))
        .and_then(clean)
        .ok_or("missing \"template-id\"")?;
    let empty = Map::new();
    let info = obj.get("info").and_then(Value::as_object).unwrap_or(&empty);
    let class = info
        .get("classification")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let severity = match str_at(info, "severity") {
        None => Severity::Info,
        Some(s) => Severity::from_name(s).ok_or_else(|| format!("unknown severity {s:?}"))?,
    };
    let mut cves = Vec::new();
    for c in strings(class.get("cve-id")) {
        find_cves(&c, &mut cves);
    }
    if cves.is_empty() {
        // CVE templates are named after their CVE.
        find_cves(&template, &mut cves);
    }
    let cvss_base = match class.get("cvss-score").or_else(|| obj.get("cvss-score")) {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_f64().map(|f| f as f32),
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(
            s.trim()
                .parse::<f32>()
                .map_err(|_| format!("cvss-score {s:?} is not a number"))?,
        ),
        Some(other) => return Err(format!("cvss-score {other} is not a number")),
    };
    let cvss_vector = str_at(class, "cvss-metrics")
        .or_else(|| str_at(obj, "cvss-metrics"))
        .and_then(clean);
    let (mut asset, url_port) = asset_from_host(str_at(obj, "host").unwrap_or_default());
    if let Some(ip) = str_at(obj, "ip").and_then(|s| s.trim().parse().ok()) {
        asset.ip = Some(ip);
    }
    let port = match obj.get("port") {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(
            s.trim()
                .parse::<u16>()
                .map_err(|_| format!("port {s:?} is not a port"))?,
        ),
        Some(Value::Number(n)) => Some(
            n.as_u64()
                .and_then(|p| u16::try_from(p).ok())
                .ok_or_else(|| format!("port {n} is not a port"))?,
        ),
        _ => None,
    };
    let matched = str_at(obj, "matched-at")
        .or_else(|| str_at(obj, "matched"))
        .and_then(clean);
    let port = port
        .or_else(|| matched.as_deref().and_then(|m| asset_from_host(m).1))
        .or(url_port);
    let mut extracted = strings(obj.get("extracted-results"));
    if extracted.is_empty() {
        extracted = strings(obj.get("extracted_results"));
    }
    let evidence = if extracted.is_empty() {
        matched.clone()
    } else {
        Some(extracted.join("\n"))
    };
    // Old versions give references as one "- url" per line string.
    let mut references: Vec<String> = strings(info.get("reference"))
        .iter()
        .flat_map(|r| r.lines())
        .filter_map(|l| clean(l.trim_start_matches("- ")))
        .collect();
    if let Some(m) = matched {
        if !references.contains(&m) {
            references.insert(0, m);
        }
    }
    Ok(Finding {
        scanner: Scanner::Nuclei,
        asset,
        port,
        protocol: None,
        service: str_at(obj, "type").and_then(clean),
        title: str_at(info, "name")
            .and_then(clean)
            .unwrap_or_else(|| template.clone()),
        finding_id: template,
        description: str_at(info, "description").and_then(clean),
        solution: str_at(info, "remediation").and_then(clean),
        cves,
        cvss_base,
        cvss_vector,
        severity,
        evidence: evidence.map(|e| cut(e, EVIDENCE_LIMIT)),
        references,
        scan_time: str_at(obj, "timestamp").and_then(rfc3339),
    })
}

/// nuclei `host` is a URL ("https://a.example:8443/x"), "host:port" or a bare name/IP.
/// Returns the asset and the port the URL implies.
fn asset_from_host(host: &str) -> (AssetRef, Option<u16>) {
    let mut asset = AssetRef::default();
    let host = host.trim();
    let (scheme, rest) = match host.split_once("://") {
        Some((s, r)) => (Some(s.to_ascii_lowercase()), r),
        None => (None, host),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit('@').next().unwrap_or_default();
    let (name, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (addr, tail) = v6.split_once(']').unwrap_or((v6, ""));
        (addr, tail.strip_prefix(':').and_then(|p| p.parse().ok()))
    } else if authority.matches(':').count() == 1 {
        let (n, p) = authority.split_once(':').unwrap_or((authority, ""));
        (n, p.parse().ok())
    } else {
        (authority, None)
    };
    let port = port.or(match scheme.as_deref() {
        Some("https") => Some(443),
        Some("http") => Some(80),
        _ => None,
    });
    if !name.is_empty() {
        match name.parse() {
            Ok(ip) => asset.ip = Some(ip),
            Err(_) => asset.hostname = Some(name.to_ascii_lowercase()),
        }
    }
    (asset, port)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"template-id":"CVE-2021-44228","info":{"name":"Log4j RCE","severity":"critical","reference":["https://r.example"],"classification":{"cve-id":["cve-2021-44228"],"cvss-score":10,"cvss-metrics":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}},"type":"http","host":"http://10.1.6.107:8080","matched-at":"http://10.1.6.107:8080/","extracted-results":["x"],"ip":"10.1.6.107","timestamp":"2021-12-21T15:36:21.9627479Z"}"#;

    #[test]
    fn jsonl_maps_fields() {
        let text = format!(
            "{LINE}\n\n{}\n",
            LINE.replace("http://10.1.6.107:8080", "https://Web.Example")
        );
        let r = import(&text).unwrap();
        assert_eq!(r.findings.len(), 2);
        let f = &r.findings[0];
        assert_eq!(f.finding_id, "CVE-2021-44228");
        assert_eq!(f.severity, Severity::Critical);
        assert_eq!(f.cves, vec!["CVE-2021-44228"]);
        assert_eq!(f.cvss_base, Some(10.0));
        assert_eq!(f.port, Some(8080));
        assert_eq!(f.asset.ip, Some("10.1.6.107".parse().unwrap()));
        assert_eq!(f.evidence.as_deref(), Some("x"));
        assert!(f.scan_time.is_some());
        assert_eq!(r.findings[1].asset.hostname.as_deref(), Some("web.example"));
        assert_eq!(r.findings[1].port, Some(443));
    }

    #[test]
    fn bad_line_reports_line_number() {
        let text = format!("{LINE}\n{LINE}\n{{\"template-id\": \n{LINE}\n");
        let e = import(&text).unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        let text = format!("{LINE}\n{{\"info\":{{}}}}\n");
        let e = import(&text).unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(
            e.to_string().starts_with("line 2, column 1: missing"),
            "{e}"
        );
    }

    #[test]
    fn export_array() {
        let r = import(&format!("[\n {LINE},\n {LINE}\n]")).unwrap();
        assert_eq!(r.findings.len(), 2);
        let e = import(&format!("[\n {LINE},\n {LINE}\n")).unwrap_err();
        assert!(e.line.is_some());
    }

    #[test]
    fn legacy_keys() {
        let line = r#"{"templateID":"openssh5.3-detect","info":{"name":"OpenSSH 5.3","severity":"low","reference":"- http://a.example/1\n- https://b.example/CVE-2016-6210\n"},"type":"network","host":"https://nuclei-example.com","matched":"nuclei-example.com:22","ip":"178.21.15.56"}"#;
        let r = import(line).unwrap();
        let f = &r.findings[0];
        assert_eq!(f.finding_id, "openssh5.3-detect");
        assert_eq!(f.port, Some(22));
        assert_eq!(f.references.len(), 3);
        assert_eq!(f.asset.hostname.as_deref(), Some("nuclei-example.com"));
        assert_eq!(f.cves, Vec::<String>::new());
    }

    #[test]
    fn hosts() {
        assert_eq!(asset_from_host("example.com:8443").1, Some(8443));
        let (a, p) = asset_from_host("http://[::1]:81/x");
        assert_eq!((a.ip, p), (Some("::1".parse().unwrap()), Some(81)));
        assert_eq!(
            asset_from_host("example.com").0.hostname.as_deref(),
            Some("example.com")
        );
    }
}
