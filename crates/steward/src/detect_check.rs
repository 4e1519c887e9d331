//! `steward detect --check`: SigmaHQ regression cases against the whole loaded rule tree.
//!
//! A case folder holds `info.yml` (the rule's id and, per test, the event file and how
//! many of its events must match) and the events as `.json` (and `.evtx`). A case passes
//! when its rule matches at least `match_count` of the events while every other rule is
//! loaded too; cases whose tests are commented out upstream are inactive and skipped.

use crate::detect::read_json_stream;
use anyhow::Result;
use serde_yaml_ng::Value as Yaml;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use steward_detect::{Detector, EventView, Limits, RuleSet};

struct Case {
    dir: PathBuf,
    rule_ids: Vec<String>,
    tests: Vec<Test>,
}

struct Test {
    events: PathBuf,
    expected: usize,
}

enum Outcome {
    Pass(usize),
    Fail(String),
}

pub fn run(rules: &Arc<RuleSet>, dir: &Path, failures_only: bool) -> Result<ExitCode> {
    let mut infos = Vec::new();
    collect_infos(dir, &mut infos);
    infos.sort();
    let mut detector = Detector::new(Arc::clone(rules), Limits::default());
    let (mut cases, mut passed, mut failed, mut inactive) = (0usize, 0usize, 0usize, 0usize);
    println!(
        "{:<6} {:<36} {:>8} {:>5}  case",
        "result", "rule", "expected", "got"
    );
    for info in infos {
        let case_dir = info.parent().unwrap_or(dir).to_path_buf();
        let shown = case_dir
            .strip_prefix(dir)
            .unwrap_or(&case_dir)
            .display()
            .to_string();
        let case = match read_case(&info, &case_dir) {
            Ok(Some(c)) => c,
            Ok(None) => {
                inactive += 1;
                continue;
            }
            Err(e) => {
                cases += 1;
                failed += 1;
                println!(
                    "{:<6} {:<36} {:>8} {:>5}  {shown}: {e}",
                    "FAIL", "?", "-", "-"
                );
                continue;
            }
        };
        cases += 1;
        let rule_id = case.rule_ids.first().cloned().unwrap_or_default();
        let expected: usize = case.tests.iter().map(|t| t.expected).max().unwrap_or(1);
        match evaluate(&mut detector, rules, &case) {
            Outcome::Pass(got) => {
                passed += 1;
                if !failures_only {
                    println!(
                        "{:<6} {rule_id:<36} {expected:>8} {got:>5}  {shown}",
                        "PASS"
                    );
                }
            }
            Outcome::Fail(reason) => {
                failed += 1;
                println!(
                    "{:<6} {rule_id:<36} {expected:>8} {:>5}  {shown}: {reason}",
                    "FAIL", "-"
                );
            }
        }
    }
    if inactive > 0 {
        println!("inactive cases skipped (no regression test in info.yml): {inactive}");
    }
    println!(
        "overall: cases={cases} passed={passed} failed={failed} unsupported_rules={} rules_loaded={}",
        rules.unsupported().count(),
        rules.rules.len() + rules.correlations.len()
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn collect_infos(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            collect_infos(&p, out);
        } else if p
            .file_name()
            .is_some_and(|n| n == "info.yml" || n == "info.yaml")
        {
            out.push(p);
        }
    }
}

fn read_case(info: &Path, case_dir: &Path) -> Result<Option<Case>, String> {
    let text = std::fs::read_to_string(info).map_err(|e| format!("reading info.yml: {e}"))?;
    let doc: Yaml = serde_yaml_ng::from_str(&text).map_err(|e| format!("info.yml: {e}"))?;
    let rule_ids: Vec<String> = doc
        .get("rule_metadata")
        .and_then(Yaml::as_sequence)
        .map(|list| {
            list.iter()
                .filter_map(|m| m.get("id").and_then(Yaml::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if rule_ids.is_empty() {
        return Err("info.yml names no rule (rule_metadata[].id)".into());
    }
    let Some(tests) = doc.get("regression_tests_info").and_then(Yaml::as_sequence) else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for t in tests {
        let expected = t
            .get("match_count")
            .and_then(|v| {
                v.as_u64()
                    .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            })
            .map_or(1, |n| n as usize);
        let named = t
            .get("path")
            .and_then(Yaml::as_str)
            .and_then(|p| Path::new(p).file_name().map(|f| case_dir.join(f)));
        out.push(Test {
            events: events_file(case_dir, named.as_deref(), &rule_ids[0])?,
            expected,
        });
    }
    if out.is_empty() {
        return Ok(None);
    }
    Ok(Some(Case {
        dir: case_dir.to_owned(),
        rule_ids,
        tests: out,
    }))
}

/// The JSON rendering of the named event file when there is one (it holds the same
/// events as the .evtx), else the named file itself, else `<rule id>.json`.
fn events_file(case_dir: &Path, named: Option<&Path>, rule_id: &str) -> Result<PathBuf, String> {
    let mut candidates = Vec::new();
    if let Some(n) = named {
        candidates.push(n.with_extension("json"));
        candidates.push(n.to_owned());
    }
    candidates.push(case_dir.join(format!("{rule_id}.json")));
    candidates.push(case_dir.join(format!("{rule_id}.evtx")));
    candidates
        .into_iter()
        .find(|c| c.is_file())
        .ok_or_else(|| "no event file (.json or .evtx) in the case folder".to_owned())
}

fn evaluate(detector: &mut Detector, rules: &RuleSet, case: &Case) -> Outcome {
    let rule_id = &case.rule_ids[0];
    let Some(rule_index) = rules.find_rule(rule_id) else {
        let why = rules
            .errors
            .iter()
            .find(|e| e.rule.as_deref() == Some(rule_id.as_str()))
            .map_or_else(
                || "rule not in the loaded tree".to_owned(),
                |e| format!("rule not loaded: {e}"),
            );
        return Outcome::Fail(why);
    };
    let mut least = usize::MAX;
    for test in &case.tests {
        let mut got = 0usize;
        let mut count =
            |_: usize, event: &serde_json::Map<String, serde_json::Value>| -> Result<()> {
                let view = EventView::from_json(event);
                if detector
                    .matching_rules(&view)
                    .iter()
                    .any(|m| m.rule == rule_index)
                {
                    got += 1;
                }
                Ok(())
            };
        let read = if test.events.extension().is_some_and(|e| e == "evtx") {
            crate::detect::read_evtx_file(&test.events, &mut count)
        } else {
            read_json_stream(&test.events, &mut count)
        };
        if let Err(e) = read {
            return Outcome::Fail(format!("{}: {e:#}", test.events.display()));
        }
        if got < test.expected {
            return Outcome::Fail(format!(
                "{} of the events in {} matched, {} expected",
                got,
                test.events
                    .strip_prefix(&case.dir)
                    .unwrap_or(&test.events)
                    .display(),
                test.expected
            ));
        }
        least = least.min(got);
    }
    Outcome::Pass(if least == usize::MAX { 0 } else { least })
}
