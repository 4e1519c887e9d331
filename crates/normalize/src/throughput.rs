//! Throughput check for the hot path, ignored by default: it only means something in an
//! optimised build. Run with
//! `cargo test -p steward-normalize --config 'profile.dev.package.steward-normalize.opt-level=3'
//! --config 'profile.dev.package.steward-model.opt-level=3' -- --ignored --nocapture throughput`.

use crate::{Normalizer, ParseOptions, Parser, RecordMeta, Registry, Rfc5424Parser};
use chrono::Utc;
use std::sync::Arc;
use std::time::Instant;
use steward_model::Event;

const LINES: &[&str] = &[
    "<34>1 2026-01-02T03:04:05.003Z web01.example.net sshd 2211 AUTH - Accepted password for ops from 192.0.2.4 port 50022 ssh2",
    r#"<165>1 2026-01-02T03:04:05.000001+05:30 10.1.2.3 billing - TX9 [meta@41058 seq="7" tz="+05:30"] charge ok for order 99812"#,
    "<14>1 2026-01-02T03:04:05Z app-17 worker 9921 JOB - job 81723 finished in 1.23s with 0 errors",
];

fn rate(label: &str, n: usize, mut f: impl FnMut(&str)) {
    let start = Instant::now();
    for i in 0..n {
        f(LINES[i % LINES.len()]);
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!("{label}: {:.0} lines/s", n as f64 / secs);
}

#[test]
#[ignore = "benchmark; meaningful only with optimisation"]
fn throughput() {
    let n = 300_000;
    let opts = ParseOptions::default();
    let meta = RecordMeta::received_at(Utc::now());
    rate("rfc5424 parse", n, |line| {
        let mut event = Event::new();
        let _ = Rfc5424Parser.parse(line, &opts, &meta, &mut event);
    });
    let normalizer = Normalizer::new(Arc::new(Registry::builtin()));
    rate("normalize rfc5424", n, |line| {
        let _ = normalizer.normalize(line.as_bytes(), "rfc5424", &opts, &meta);
    });
    rate("normalize auto", n, |line| {
        let _ = normalizer.normalize(line.as_bytes(), "auto", &opts, &meta);
    });
    rate("normalize auto + to_json", n, |line| {
        let _ = normalizer
            .normalize(line.as_bytes(), "auto", &opts, &meta)
            .to_json();
    });
}
