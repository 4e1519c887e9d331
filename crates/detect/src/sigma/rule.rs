//! Sigma rule files → rules, correlations and filters.

use super::correlation::CorrelationRule;
use super::detection::{CompileError, Detection};
use super::modifiers::Placeholders;
use crate::logsource::LogSource;
use serde::Deserialize;
use serde_yaml_ng::Value as Yaml;
use std::path::{Path, PathBuf};
use steward_model::Level;

/// What every Sigma document carries about itself.
#[derive(Clone, Debug, Default)]
pub struct RuleMeta {
    /// The rule's `id`, else its `name`, else the file and document number.
    pub id: String,
    pub name: Option<String>,
    pub title: String,
    pub level: Option<Level>,
    pub status: Option<String>,
    pub author: Option<String>,
    pub tags: Vec<String>,
    pub description: Option<String>,
    pub path: PathBuf,
}

#[derive(Debug, Clone)]
pub struct SigmaRule {
    pub meta: RuleMeta,
    pub logsource: LogSource,
    pub detection: Detection,
}

/// A Sigma filter (meta-filter): extra `and not` conditions for the rules it names.
#[derive(Debug, Clone)]
pub struct FilterRule {
    pub meta: RuleMeta,
    pub logsource: LogSource,
    pub rules: Vec<String>,
    pub detection: Detection,
}

#[derive(Debug, Clone)]
pub enum Document {
    Rule(SigmaRule),
    Correlation(CorrelationRule),
    Filter(FilterRule),
}

/// Why one document was not loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub path: PathBuf,
    /// 0-based document number inside the file.
    pub document: usize,
    /// The rule's id or title when it got that far.
    pub rule: Option<String>,
    pub unsupported: bool,
    pub message: String,
}

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.path.display())?;
        if self.document > 0 {
            write!(f, " (document {})", self.document + 1)?;
        }
        if let Some(r) = &self.rule {
            write!(f, " [{r}]")?;
        }
        let kind = if self.unsupported {
            "unsupported"
        } else {
            "invalid"
        };
        write!(f, ": {kind}: {}", self.message)
    }
}

/// Parses every document of one file. A bad document never stops the others.
pub fn parse_file(
    text: &str,
    path: &Path,
    placeholders: &Placeholders,
) -> Vec<Result<Document, RuleError>> {
    let mut out = Vec::new();
    for (index, de) in serde_yaml_ng::Deserializer::from_str(text).enumerate() {
        let err = |rule: Option<String>, unsupported: bool, message: String| RuleError {
            path: path.to_owned(),
            document: index,
            rule,
            unsupported,
            message,
        };
        let doc = match Yaml::deserialize(de) {
            Ok(Yaml::Null) => continue,
            Ok(doc) => doc,
            Err(e) => {
                out.push(Err(err(None, false, format!("YAML: {e}"))));
                // The YAML stream cannot be resynchronised after a syntax error.
                break;
            }
        };
        out.push(
            parse_document(&doc, path, index, placeholders).map_err(|(rule, e)| match e {
                CompileError::Unsupported(m) => err(rule, true, m),
                CompileError::Invalid(m) => err(rule, false, m),
            }),
        );
    }
    out
}

type DocResult = Result<Document, (Option<String>, CompileError)>;

fn parse_document(doc: &Yaml, path: &Path, index: usize, placeholders: &Placeholders) -> DocResult {
    let map = doc.as_mapping().ok_or((
        None,
        CompileError::Invalid("the document is not a map".into()),
    ))?;
    let meta = meta(map, path, index);
    let label = Some(meta.id.clone());
    let fail = |e: CompileError| (label.clone(), e);
    if map.contains_key("action") {
        return Err(fail(CompileError::Unsupported(
            "Sigma v1 rule collections (`action: global/reset/repeat`)".into(),
        )));
    }
    if let Some(corr) = map.get("correlation") {
        return CorrelationRule::parse(meta, corr)
            .map(Document::Correlation)
            .map_err(fail);
    }
    let logsource = logsource(map.get("logsource")).map_err(fail)?;
    if let Some(filter) = map.get("filter") {
        let rules = filter.get("rules").map(string_list).unwrap_or_default();
        if rules.is_empty() {
            return Err(fail(CompileError::Invalid("filter names no rules".into())));
        }
        let detection = Detection::compile(filter, placeholders).map_err(fail)?;
        return Ok(Document::Filter(FilterRule {
            meta,
            logsource,
            rules,
            detection,
        }));
    }
    let detection = map
        .get("detection")
        .ok_or_else(|| fail(CompileError::Invalid("no `detection`".into())))?;
    let detection = Detection::compile(detection, placeholders).map_err(fail)?;
    Ok(Document::Rule(SigmaRule {
        meta,
        logsource,
        detection,
    }))
}

fn text(map: &serde_yaml_ng::Mapping, key: &str) -> Option<String> {
    match map.get(key)? {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(crate) fn string_list(v: &Yaml) -> Vec<String> {
    match v {
        Yaml::String(s) => vec![s.clone()],
        Yaml::Sequence(items) => items
            .iter()
            .filter_map(|i| match i {
                Yaml::String(s) => Some(s.clone()),
                Yaml::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn meta(map: &serde_yaml_ng::Mapping, path: &Path, index: usize) -> RuleMeta {
    let name = text(map, "name");
    let id = text(map, "id")
        .or_else(|| name.clone())
        .unwrap_or_else(|| format!("{}#{}", path.display(), index + 1));
    RuleMeta {
        title: text(map, "title").unwrap_or_else(|| name.clone().unwrap_or_else(|| id.clone())),
        id,
        name,
        level: text(map, "level").and_then(|l| Level::parse(&l)),
        status: text(map, "status"),
        author: text(map, "author"),
        tags: map.get("tags").map(string_list).unwrap_or_default(),
        description: text(map, "description"),
        path: path.to_owned(),
    }
}

fn logsource(v: Option<&Yaml>) -> Result<LogSource, CompileError> {
    let Some(v) = v else {
        return Ok(LogSource::default());
    };
    let map = v
        .as_mapping()
        .ok_or_else(|| CompileError::Invalid("`logsource` is not a map".into()))?;
    let field = |k: &str| text(map, k).map(|s| s.trim().to_ascii_lowercase());
    Ok(LogSource {
        product: field("product"),
        category: field("category"),
        service: field("service"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_rule_and_reports_bad_documents() {
        let text = r#"
title: Test
id: 11111111-1111-1111-1111-111111111111
level: high
author: Someone
tags: [attack.execution, attack.t1059]
logsource: {product: Windows, category: process_creation}
detection:
    sel: {Image|endswith: '\x.exe'}
    condition: sel
---
title: Broken
detection:
    sel: {A|bogus: 1}
    condition: sel
---
just a string
"#;
        let docs = parse_file(text, Path::new("t.yml"), &Placeholders::new());
        assert_eq!(docs.len(), 3);
        let Ok(Document::Rule(r)) = &docs[0] else {
            panic!("{docs:?}")
        };
        assert_eq!(r.meta.level, Some(Level::High));
        assert_eq!(r.logsource.product.as_deref(), Some("windows"));
        assert_eq!(r.meta.tags.len(), 2);
        let e = docs[1].as_ref().unwrap_err();
        assert!(e.unsupported && e.document == 1, "{e}");
        assert!(docs[2].is_err());
    }

    #[test]
    fn yaml_errors_name_the_file() {
        let docs = parse_file(
            "title: [unclosed\n",
            Path::new("bad.yml"),
            &Placeholders::new(),
        );
        let e = docs[0].as_ref().unwrap_err();
        assert!(e.to_string().starts_with("bad.yml"), "{e}");
        assert!(!e.unsupported);
    }
}
