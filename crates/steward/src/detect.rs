//! `steward detect`: Sigma rules over events from files, printed as NDJSON.

use crate::cli::DetectArgs;
use anyhow::{Context, Result};
use serde_json::{json, Map, Value};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;
use steward_detect::{Detector, Limits, LoadOptions, Placeholders, RuleSet};

pub fn run(args: DetectArgs) -> Result<ExitCode> {
    let options = LoadOptions {
        placeholders: load_placeholders(args.placeholders.as_deref())?,
    };
    let started = Instant::now();
    let rules = RuleSet::load(&args.rules, &options);
    let load_time = started.elapsed();
    report_load(&rules, load_time.as_secs_f64());
    if args.errors {
        for e in rules.errors.iter().chain(&rules.unconfigured) {
            println!("{e}");
        }
        for w in &rules.warnings {
            println!("warning: {w}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    if rules.rules.is_empty() && rules.correlations.is_empty() {
        anyhow::bail!("no rule loaded from {}", display_paths(&args.rules));
    }
    let rules = Arc::new(rules);
    if let Some(dir) = &args.check {
        return crate::detect_check::run(&rules, dir, args.failures);
    }
    let mut detector = Detector::new(Arc::clone(&rules), Limits::default());
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut totals = Totals::default();
    let started = Instant::now();
    for input in &args.inputs {
        let name = input.display().to_string();
        let mut emit = |index: usize, event: &Map<String, Value>| -> Result<()> {
            totals.events += 1;
            for d in detector.process(event, chrono::Utc::now()) {
                totals.matches += 1;
                let mut line = match serde_json::to_value(&d) {
                    Ok(Value::Object(m)) => m,
                    _ => Map::new(),
                };
                line.insert("input".into(), json!(name));
                line.insert("index".into(), json!(index));
                if args.with_event {
                    line.insert("event".into(), Value::Object(event.clone()));
                }
                serde_json::to_writer(&mut out, &line)?;
                out.write_all(b"\n")?;
            }
            Ok(())
        };
        let bad = if is_evtx(input) {
            read_evtx_file(input, &mut emit)?
        } else {
            read_json_stream(input, &mut emit)?
        };
        if bad > 0 {
            eprintln!("{name}: {bad} record(s) could not be read as JSON events and were skipped");
            totals.bad += bad;
        }
    }
    out.flush()?;
    if args.stats {
        let secs = started.elapsed().as_secs_f64();
        let s = detector.stats();
        eprintln!(
            "events={} matches={} unreadable={} seconds={:.3} events_per_s={:.0} rule_evaluations={}",
            totals.events,
            totals.matches,
            totals.bad,
            secs,
            totals.events as f64 / secs.max(1e-9),
            s.rule_evaluations
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Default)]
struct Totals {
    events: u64,
    matches: u64,
    bad: u64,
}

fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// One line on standard error about what loaded; the details are behind `--errors`.
pub fn report_load(rules: &RuleSet, seconds: f64) {
    let unsupported = rules.unsupported().count();
    eprintln!(
        "loaded {} rules and {} correlations from {} files in {:.2}s; {} not loaded ({} unsupported, {} invalid); {} waiting for placeholder values; {} warnings{}",
        rules.rules.len(),
        rules.correlations.len(),
        rules.files,
        seconds,
        rules.errors.len(),
        unsupported,
        rules.errors.len() - unsupported,
        rules.unconfigured.len(),
        rules.warnings.len(),
        if rules.errors.is_empty() && rules.unconfigured.is_empty() { "" } else { " (see --errors)" }
    );
}

fn load_placeholders(path: Option<&Path>) -> Result<Placeholders> {
    let Some(path) = path else {
        return Ok(Placeholders::new());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading placeholders {}", path.display()))?;
    let table: toml::Table = toml::from_str(&text)
        .with_context(|| format!("parsing placeholders {}", path.display()))?;
    let mut out = Placeholders::new();
    for (name, value) in table {
        let values = match value {
            toml::Value::Array(items) => items
                .into_iter()
                .map(|v| match v {
                    toml::Value::String(s) => Ok(s),
                    toml::Value::Integer(i) => Ok(i.to_string()),
                    _ => anyhow::bail!("placeholder `{name}`: values must be strings"),
                })
                .collect::<Result<Vec<String>>>()?,
            toml::Value::String(s) => vec![s],
            _ => anyhow::bail!("placeholder `{name}` must be a list of strings"),
        };
        out.insert(name, values);
    }
    Ok(out)
}

/// Receives each event read from an input with its 0-based position.
pub type EmitEvent<'a> = dyn FnMut(usize, &Map<String, Value>) -> Result<()> + 'a;

fn is_evtx(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("evtx"))
}

/// Reads NDJSON or concatenated (pretty-printed) JSON objects. A record that is not
/// JSON is skipped up to the next line and counted; the rest are still read.
pub fn read_json_stream(input: &Path, emit: &mut EmitEvent<'_>) -> Result<u64> {
    let mut bytes = Vec::new();
    if input == Path::new("-") {
        std::io::stdin().read_to_end(&mut bytes)?;
    } else {
        bytes = std::fs::read(input).with_context(|| format!("reading {}", input.display()))?;
    }
    let mut index = 0usize;
    let mut bad = 0u64;
    let mut offset = 0usize;
    while offset < bytes.len() {
        let rest = &bytes[offset..];
        let mut stream = serde_json::Deserializer::from_slice(rest).into_iter::<Value>();
        let mut failed_at = None;
        for item in stream.by_ref() {
            match item {
                Ok(Value::Object(map)) => {
                    emit(index, &map)?;
                    index += 1;
                }
                Ok(_) => {
                    bad += 1;
                    index += 1;
                }
                Err(_) => {
                    failed_at = Some(());
                    break;
                }
            }
        }
        let consumed = stream.byte_offset();
        match failed_at {
            None => break,
            Some(()) => {
                bad += 1;
                index += 1;
                // Resume after the line that broke.
                let from = offset + consumed;
                let next = bytes[from..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(bytes.len(), |p| from + p + 1);
                offset = next.max(from + 1);
            }
        }
    }
    Ok(bad)
}

pub fn read_evtx_file(input: &Path, emit: &mut EmitEvent<'_>) -> Result<u64> {
    let mut parser = evtx::EvtxParser::from_path(input)
        .with_context(|| format!("opening {}", input.display()))?;
    let mut bad = 0u64;
    for (index, record) in parser.records_json_value().enumerate() {
        match record {
            Ok(r) => match r.data {
                Value::Object(map) => emit(index, &map)?,
                _ => bad += 1,
            },
            Err(_) => bad += 1,
        }
    }
    Ok(bad)
}
