//! Fuzzes the search-bar query parser: no input may panic, and every query that parses
//! must print a canonical form that parses back to the same AST and evaluates without
//! panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(query) = steward_query::parse(input) else {
        return;
    };
    let canonical = query.to_string();
    match steward_query::parse(&canonical) {
        Ok(again) => assert_eq!(again, query, "{input:?} → {canonical:?} reads back differently"),
        Err(e) => panic!("{input:?} → {canonical:?} does not parse: {e}"),
    }
    let mut event = steward_model::Event::new();
    event.set("message", input);
    event.set("host.name", "web01");
    event.set("source.ip", "10.0.0.5");
    event.set("destination.port", 443);
    event.set("@timestamp", "2026-01-15T10:30:00.000Z");
    let _ = query.matches(&event);
    let _ = query.fields();
});
