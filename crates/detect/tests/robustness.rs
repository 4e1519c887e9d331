//! Bad input never panics: the fuzz seeds replayed, hostile events, broken rule files.

use serde_json::{json, Value};
use std::path::Path;
use std::sync::Arc;
use steward_detect::{Detector, Limits, LoadOptions, RuleSet};

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| std::fs::read(e.path()).unwrap())
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no seeds in {}", dir.display());
    out
}

fn every_modifier() -> Arc<RuleSet> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/sigma_rule/modifiers.yml"),
    )
    .unwrap();
    let mut options = LoadOptions::default();
    options
        .placeholders
        .insert("hosts".into(), vec!["ws1".into(), "dc*".into()]);
    let set = RuleSet::from_text(&text, &options);
    assert!(set.errors.is_empty(), "{:?}", set.errors);
    assert_eq!(set.rules.len(), 1);
    assert_eq!(set.correlations.len(), 1);
    Arc::new(set)
}

#[test]
fn fuzz_seeds_replay() {
    for seed in seeds("sigma_rule") {
        let set = RuleSet::from_text(&String::from_utf8_lossy(&seed), &LoadOptions::default());
        let mut d = Detector::new(Arc::new(set), Limits::default());
        let _ = d.process(json!({"a": 1}).as_object().unwrap(), chrono::Utc::now());
    }
    for seed in seeds("sigma_condition") {
        let _ = steward_detect::sigma::condition::parse(&String::from_utf8_lossy(&seed));
    }
    let mut d = Detector::new(every_modifier(), Limits::default());
    for seed in seeds("detect_event") {
        if let Ok(Value::Object(e)) = serde_json::from_slice(&seed) {
            let _ = d.process(&e, chrono::Utc::now());
        }
    }
}

#[test]
fn hostile_events() {
    let mut d = Detector::new(every_modifier(), Limits::default());
    // As deep as serde_json will parse (its recursion limit is 128); deeper values cannot
    // reach the engine from the wire.
    let mut deep = json!("x");
    for _ in 0..120 {
        deep = json!([deep]);
    }
    let mut deep_obj = json!({"CommandLine": "cmd"});
    for _ in 0..120 {
        deep_obj = json!({ "a": deep_obj });
    }
    let huge = "A".repeat(4 << 20);
    let events = [
        json!({"Event": {"System": "not an object"}}),
        json!({"Event": {"System": {"EventID": [1, 2, {"x": null}], "Channel": 5}, "EventData": [1, "x", null]}}),
        json!({"Event": {"System": {}, "EventData": {"Data": [{"#attributes": 3}, {"#text": {"y": 1}}]}}}),
        json!({"Event": {"System": {"EventID": 1}, "UserData": deep.clone()}}),
        json!({"deep": deep, "nested": deep_obj}),
        json!({"CommandLine": huge, "Image": huge.clone() + "\\cmd.exe"}),
        json!({"@timestamp": "not a time", "SourceIp": "999.1.1.1", "EventID": 1.5e300}),
    ];
    for e in events {
        let _ = d.process(e.as_object().unwrap(), chrono::Utc::now());
    }
}

#[test]
fn broken_rule_files_are_reported_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let good =
        "title: ok\nid: 00000000-0000-4000-8000-0000000000aa\nlogsource: {product: windows}\n\
                detection:\n  s: {Image|endswith: 'x.exe'}\n  condition: s\n";
    std::fs::write(dir.path().join("good.yml"), good).unwrap();
    std::fs::write(dir.path().join("yaml.yml"), "title: [\n").unwrap();
    std::fs::write(dir.path().join("binary.yml"), [0xff, 0xfe, 0x00, 0x41]).unwrap();
    std::fs::write(
        dir.path().join("modifier.yml"),
        "title: m\ndetection:\n  s: {A|nope: 1}\n  condition: s\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("cond.yml"),
        "title: c\ndetection:\n  s: {A: 1}\n  condition: s and (\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("regex.yml"),
        "title: r\ndetection:\n  s: {A|re: '(?<=x)y'}\n  condition: s\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("ignored.txt"), "not a rule").unwrap();
    let set = RuleSet::load(&[dir.path().to_path_buf()], &LoadOptions::default());
    assert_eq!(set.rules.len(), 1, "{:?}", set.errors);
    assert_eq!(set.errors.len(), 5, "{:#?}", set.errors);
    for e in &set.errors {
        let text = e.to_string();
        assert!(text.contains(".yml"), "the path is named: {text}");
    }
    assert_eq!(
        set.unsupported().count(),
        2,
        "unknown modifier and look-behind regex"
    );

    // A placeholder without values keeps the rule out (the Sigma specification), reported
    // apart from errors; with values it loads.
    let rule = "title: p\nid: 00000000-0000-4000-8000-0000000000bb\ndetection:\n  s: {User|expand: '%admins%'}\n  filter: {Computer|expand: '%dcs%'}\n  condition: s and not filter\n";
    let set = RuleSet::from_text(rule, &LoadOptions::default());
    assert!(set.rules.is_empty() && set.errors.is_empty());
    assert_eq!(set.unconfigured.len(), 1);
    assert!(
        set.unconfigured[0].to_string().contains("%admins%, %dcs%"),
        "{}",
        set.unconfigured[0]
    );
    let mut options = LoadOptions::default();
    options
        .placeholders
        .insert("admins".into(), vec!["root".into()]);
    options
        .placeholders
        .insert("dcs".into(), vec!["dc01".into()]);
    let set = Arc::new(RuleSet::from_text(rule, &options));
    assert_eq!(set.rules.len(), 1);
    let mut d = Detector::new(set, Limits::default());
    let hit = json!({"User": "ROOT", "Computer": "ws9"});
    let filtered = json!({"User": "root", "Computer": "dc01"});
    assert_eq!(
        d.process(hit.as_object().unwrap(), chrono::Utc::now())
            .len(),
        1
    );
    assert!(d
        .process(filtered.as_object().unwrap(), chrono::Utc::now())
        .is_empty());
}
