//! Fuzzes the event side of detection: any JSON object (hostile types, huge values, deep
//! nesting) through the field view and a rule set using every kind of test.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};

const RULES: &str = include_str!("../corpus/sigma_rule/modifiers.yml");

fn rules() -> Arc<steward_detect::RuleSet> {
    static RULES_SET: OnceLock<Arc<steward_detect::RuleSet>> = OnceLock::new();
    RULES_SET
        .get_or_init(|| {
            let mut options = steward_detect::LoadOptions::default();
            options.placeholders.insert("hosts".into(), vec!["ws1".into(), "dc*".into()]);
            Arc::new(steward_detect::RuleSet::from_text(RULES, &options))
        })
        .clone()
}

fuzz_target!(|data: &[u8]| {
    let Ok(serde_json::Value::Object(event)) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let mut detector = steward_detect::Detector::new(rules(), steward_detect::Limits::default());
    let _ = detector.process(&event, chrono::Utc::now());
});
