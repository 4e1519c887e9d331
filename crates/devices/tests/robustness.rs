//! Hostile input through every device family and through auto-detection: nothing may
//! panic, and every record comes back as an event with its original and a timestamp,
//! whether the family's mapping accepted it or aborted. Also replays the fuzz seed corpus
//! (`fuzz/corpus/parse_families`).

use chrono::{TimeZone, Utc};
use std::path::Path;
use std::sync::Arc;
use steward_normalize::{Normalizer, ParseOptions, RecordMeta};

fn hostile_inputs() -> Vec<Vec<u8>> {
    let mut inputs: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"\0\0\0\xff\xfe".to_vec(),
        b"\xc3\x28 invalid utf-8 \xa0\xa1".to_vec(),
        vec![b'A'; 1 << 20],
        format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes(),
        format!(
            "{{\"a\":{}1{}}}",
            "{\"a\":".repeat(5_000),
            "}".repeat(5_000)
        )
        .into_bytes(),
        (0..50_000)
            .map(|i| format!("k{i}=v{i} "))
            .collect::<String>()
            .into_bytes(),
        b"%ASA-6-302013: Built".to_vec(),
        b"<134>Jan 99 99:99:99 host %ASA-9-999999: ".to_vec(),
        b"date=9999-99-99 time=99:99:99 logid=\"0000000000\" devid=FGT srcip=999.1.1.1 srcport=-5"
            .to_vec(),
        b"{\"winlog\":{\"channel\":\"Security\",\"event_id\":[1,2],\"event_data\":\"x\"}}".to_vec(),
        b"{\"event_type\":\"alert\",\"src_ip\":{},\"timestamp\":12}".to_vec(),
        b"{\"_path\":\"conn\",\"uid\":\"C1\",\"ts\":\"not a number\",\"id.orig_h\":[]}".to_vec(),
        "日志类型:服务控制 源IP:999.0.0.1 目的端口:abc"
            .as_bytes()
            .to_vec(),
        b"CEF:0|Imperva Inc.|SecureSphere|1|x|y|10|src=::::: spt=99999999999999999999".to_vec(),
        b"type=SYSCALL msg=audit(abc:): arch=zzz".to_vec(),
    ];
    // Every fixture line, whole and cut short at several points.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for entry in walk(&fixtures) {
        if entry.extension().is_some_and(|x| x == "log") {
            for line in std::fs::read(&entry)
                .unwrap_or_default()
                .split(|&b| b == b'\n')
            {
                inputs.push(line.to_vec());
                for cut in [line.len() / 3, line.len() / 2, line.len().saturating_sub(1)] {
                    inputs.push(line[..cut].to_vec());
                }
            }
        }
    }
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/parse_families");
    for entry in walk(&seeds) {
        if let Ok(bytes) = std::fs::read(&entry) {
            // The fuzz target's first byte picks the family; the record follows.
            inputs.push(bytes.get(1..).unwrap_or_default().to_vec());
        }
    }
    inputs
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn hostile_records_never_panic_or_lose_the_original() {
    let (registry, library) = steward_devices::registry(None).unwrap();
    let compile_errors = library.compile_all();
    assert!(compile_errors.is_empty(), "{compile_errors:#?}");
    let normalizer = Normalizer::new(Arc::new(registry));
    let mut parsers: Vec<String> = library.infos().into_iter().map(|f| f.name).collect();
    parsers.push("auto".to_owned());
    let meta = RecordMeta::received_at(Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap());
    let inputs = hostile_inputs();
    for input in &inputs {
        for parser in &parsers {
            let event = normalizer.normalize(input, parser, &ParseOptions::default(), &meta);
            assert!(
                event.get_str("event.original").is_some(),
                "{parser}: lost the original of {:?}",
                String::from_utf8_lossy(&input[..input.len().min(200)])
            );
            assert!(event.timestamp().is_some(), "{parser}: no timestamp");
            let _ = event.to_json();
        }
    }
    println!("{} inputs x {} parsers", inputs.len(), parsers.len());
}
