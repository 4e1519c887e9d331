//! Fuzzes Sigma rule loading (YAML, detection, modifiers, correlations) and then runs
//! whatever loaded over two events: nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let rules = steward_detect::RuleSet::from_text(&text, &steward_detect::LoadOptions::default());
    let mut detector = steward_detect::Detector::new(Arc::new(rules), steward_detect::Limits::default());
    let raw = serde_json::json!({"Event": {
        "System": {"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": "ws1"},
        "EventData": {"Image": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd /c whoami -all", "User": "a\\b"}
    }});
    let ecs = serde_json::json!({"@timestamp": "2026-01-01T00:00:00Z", "source": {"ip": "10.0.0.1"},
        "event": {"category": ["process"], "type": ["start"]}, "process": {"command_line": "id"}});
    let now = chrono::Utc::now();
    for e in [raw, ecs] {
        if let Some(m) = e.as_object() {
            let _ = detector.process(m, now);
        }
    }
});
