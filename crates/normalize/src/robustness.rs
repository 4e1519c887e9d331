//! Hostile-input tests across every parser: none may panic, whatever the bytes.

use crate::{Normalizer, ParseOptions, Parser, RecordMeta, Registry};
use chrono::{TimeZone, Utc};
use std::path::Path;
use std::sync::Arc;
use steward_model::Event;

/// Representative lines of every format, used whole, cut short and mutated.
const SAMPLES: &[&str] = &[
    "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \u{feff}'su root' failed",
    r#"<165>1 2003-10-11T22:14:15.003Z host evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="App\"x\]"][a.b c="d"] msg"#,
    "<13>1 - - - - - - {\"user\":{\"name\":\"bob\"},\"time\":1767323045}",
    "<34>Oct 11 22:14:15 mymachine su[123]: 'su root' failed for lonvick",
    "<190>Mar 14 2024 01:02:03.123 gw app: src=10.0.0.1 dst=10.0.0.2 dport=53",
    "Jan  2 03:04:05 host kernel: eth0 up",
    "<13>2026-01-02T03:04:05.123+01:00 host app: x",
    r"CEF:0|Vendor|Pro\|duct|1.0|100|name \\ here|High|src=10.0.0.1 msg=a\=b c dst=::1 rt=Jan 02 2026 03:04:05 UTC",
    "<134>Feb  1 10:00:00 sensor CEF:0|V|P|1|id|Name|3|suser=alice spt=99999 smac=zz",
    "LEEF:1.0|Microsoft|MSExchange|4.0|15345|src=192.0.2.0\tdst=172.50.123.1\tsev=5\tdevTime=1767323045000",
    "LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^dst=10.0.0.5^devTimeFormat=MMM dd yyyy z^devTime=Jan 01 2026 UTC",
    r#"{"@timestamp":"2026-01-02T03:04:05Z","source.ip":"10.0.0.1","a":{"b":[1,{"c":null}]}}"#,
    r#"src=10.0.0.1 dst="10.0.0.2" user='bob \' x' proto=17 msg="hello world""#,
];

fn opts() -> ParseOptions {
    ParseOptions::default()
}

fn meta() -> RecordMeta<'static> {
    RecordMeta {
        received: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
        peer: Some("[2001:db8::1]:514".parse().unwrap()),
        listener: Some("test"),
        truncated: false,
    }
}

struct Harness {
    registry: Arc<Registry>,
    normalizer: Normalizer,
}

impl Harness {
    fn new() -> Self {
        let registry = Arc::new(Registry::builtin());
        Self {
            normalizer: Normalizer::new(registry.clone()),
            registry,
        }
    }

    /// Every parser directly and through the normalizer.
    fn feed(&self, raw: &[u8]) {
        let text = String::from_utf8_lossy(raw);
        for name in self.registry.names() {
            let parser = self.registry.get(&name).expect("listed parser exists");
            let _ = parser.detect(&text);
            let mut event = Event::new();
            let _ = parser.parse(&text, &opts(), &meta(), &mut event);
            let _ = event.to_json();
        }
        self.normalize_all(raw);
    }

    /// Every parser name through the normalizer: the event must always keep the original,
    /// have a valid timestamp and serialise.
    fn normalize_all(&self, raw: &[u8]) {
        for name in self.registry.names() {
            let event = self.normalizer.normalize(raw, &name, &opts(), &meta());
            let _ = event.to_json();
            assert!(event.get_str("event.original").is_some(), "{name}");
            assert!(event.timestamp().is_some(), "{name}");
        }
    }
}

/// xorshift64*: deterministic and dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap_or(0)
    }
}

#[test]
fn samples_parse_and_every_prefix_survives() {
    let h = Harness::new();
    for sample in SAMPLES {
        let b = sample.as_bytes();
        for cut in 0..=b.len() {
            h.feed(&b[..cut]);
        }
    }
}

#[test]
fn random_bytes_never_panic() {
    let h = Harness::new();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    // Bytes biased towards the delimiters the grammars care about, so the parsers get past
    // their first check now and then.
    const ALPHABET: &[u8] = b"<>0123456789 -|=\\\"'[]{}:.,TZ+abcCEFLx\t\n\xc3\xa9\xff";
    for _ in 0..1500 {
        let len = rng.below(200);
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                if rng.below(4) == 0 {
                    rng.next().to_le_bytes()[0]
                } else {
                    ALPHABET[rng.below(ALPHABET.len())]
                }
            })
            .collect();
        h.feed(&bytes);
    }
}

#[test]
fn mutated_samples_never_panic() {
    let h = Harness::new();
    let mut rng = Rng(42);
    for _ in 0..600 {
        let mut bytes = SAMPLES[rng.below(SAMPLES.len())].as_bytes().to_vec();
        for _ in 0..=rng.below(6) {
            let at = rng.below(bytes.len());
            let last = bytes.len() - 1;
            match rng.below(3) {
                0 => bytes[at.min(last)] = rng.next().to_le_bytes()[0],
                1 => {
                    bytes.remove(at.min(last));
                }
                _ => bytes.insert(at, b"|=\\ \"[]{"[rng.below(8)]),
            }
            if bytes.is_empty() {
                bytes.push(b'<');
            }
        }
        h.feed(&bytes);
    }
}

#[test]
fn huge_and_degenerate_lines() {
    let h = Harness::new();
    const MIB: usize = 1 << 20;
    let lines: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"\n".to_vec(),
        b"\r\n".to_vec(),
        vec![0u8; 1024],
        vec![0xffu8; 1024],
        "x".repeat(MIB).into_bytes(),
        "a=b ".repeat(MIB / 4).into_bytes(),
        format!("CEF:0|{}", "|".repeat(MIB)).into_bytes(),
        format!("CEF:0|a|b|c|d|e|f|{}", "k=v ".repeat(MIB / 4)).into_bytes(),
        format!("CEF:0|a|b|c|d|e|f|msg={}", "\\".repeat(MIB)).into_bytes(),
        format!("LEEF:2.0|a|b|c|d|^|{}", "k=v^".repeat(MIB / 4)).into_bytes(),
        format!("<13>1 - - - - - {}", "[a b=\"c\"]".repeat(MIB / 10)).into_bytes(),
        format!("<13>1 - - - - - [a {}", "b=\"\\".repeat(MIB / 4)).into_bytes(),
        format!("<13>Jan  1 00:00:00 h {}", "t".repeat(MIB)).into_bytes(),
        "{".repeat(MIB).into_bytes(),
        "[".repeat(MIB).into_bytes(),
        format!("{{\"a\":\"{}\"}}", "x".repeat(MIB)).into_bytes(),
        format!("{{\"{}\":1}}", "a.".repeat(MIB / 2)).into_bytes(),
        format!("CEF:0|a|b|c|d|e|f|{}=1", "a.".repeat(MIB / 2)).into_bytes(),
        format!("<13>1 - - - - - [{} a=\"b\"]", "a.".repeat(MIB / 2)).into_bytes(),
        (0..20_000)
            .map(|i| format!("src=10.{}.{}.1 ", i / 256, i % 256))
            .collect::<String>()
            .into_bytes(),
        format!("a=\"{}", "\\\"".repeat(MIB / 2)).into_bytes(),
    ];
    for line in &lines {
        h.normalize_all(line);
    }
}

#[test]
fn deep_dotted_vendor_keys_stay_shallow() {
    let registry = Registry::builtin();
    let normalizer = Normalizer::new(Arc::new(registry));
    let line = format!("CEF:0|a|b|c|d|e|f|{}=1", "k.".repeat(50_000));
    let event = normalizer.normalize(line.as_bytes(), "cef", &opts(), &meta());
    let depth = event
        .flatten()
        .iter()
        .map(|(path, _)| path.matches('.').count())
        .max();
    assert!(depth.is_some_and(|d| d < 16), "{depth:?}");
}

#[test]
fn fuzz_corpus_never_panics() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    let Ok(targets) = std::fs::read_dir(&corpus) else {
        return;
    };
    let h = Harness::new();
    let mut fed = 0;
    for target in targets.flatten() {
        let Ok(files) = std::fs::read_dir(target.path()) else {
            continue;
        };
        for file in files.flatten() {
            if let Ok(bytes) = std::fs::read(file.path()) {
                h.feed(&bytes);
                fed += 1;
            }
        }
    }
    assert!(
        fed > 0,
        "corpus directory {} has no files",
        corpus.display()
    );
}

#[test]
fn every_parser_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync + ?Sized>() {}
    assert_send_sync::<dyn Parser>();
    assert_send_sync::<Normalizer>();
    assert_send_sync::<Registry>();
}
