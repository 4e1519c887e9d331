//! `steward parse --check DIR`: measures field accuracy against a corpus of peer output.
//!
//! Every `X.log` (or `X.json` event input) with an `X.log-expected.json` (or
//! `X.json-expected.json`, Elastic's `{"expected":[...]}`) anywhere under DIR is parsed
//! record by record with the parser registered under the family's name (the folder that
//! holds the file), or with "auto" when there is none, and each event is scored against
//! the expected document with [`steward_normalize::accuracy`]. Auto-detection is measured
//! separately: the share of records for which [`Registry::detect`] names the family.
//!
//! The corpus rules live in `shared/corpus/logs/README.md`. [`check_dir`] computes a
//! [`CheckReport`]; [`render`] prints it, ending with the `overall:` line.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use steward_model::time::ecs_timestamp;
use steward_normalize::accuracy::{self, Outcome};
use steward_normalize::{Normalizer, ParseOptions, RecordMeta, Registry, AUTO};

const EXPECTED_SUFFIX: &str = "-expected.json";
const CONFIG_SUFFIX: &str = "-config.yml";

/// Entry point of `steward parse --check`.
pub fn run(
    dir: &Path,
    registry: Arc<Registry>,
    received: Option<DateTime<Utc>>,
    details: bool,
    diff: bool,
) -> Result<ExitCode> {
    if !dir.is_dir() {
        anyhow::bail!("--check: {} is not a directory", dir.display());
    }
    let report = check_dir(dir, registry, received)?;
    for problem in &report.problems {
        eprintln!("warning: {problem}");
    }
    if diff {
        for family in &report.families {
            for line in &family.diffs {
                println!("{}: {line}", family.family);
            }
        }
    }
    print!("{}", render(&report, details));
    Ok(ExitCode::SUCCESS)
}

/// The result of a check: one entry per family, in name order.
#[derive(Debug, Default)]
pub struct CheckReport {
    pub families: Vec<FamilyReport>,
    /// Per-file remarks that belong to the result (record counts that differ).
    pub notes: Vec<String>,
    /// Files that could not be read or understood; they were skipped.
    pub problems: Vec<String>,
}

#[derive(Debug, Default, Clone)]
pub struct FamilyReport {
    pub family: String,
    /// The parser the records went through: the family's own, or "auto".
    pub parser: String,
    pub files: usize,
    /// Expected documents.
    pub docs: usize,
    /// Scored expected fields.
    pub fields: usize,
    pub matched: usize,
    pub wrong: usize,
    pub missing: usize,
    /// Documents whose record auto-detection attributed to this family.
    pub detected: usize,
    /// Per field: (wrong, missing).
    pub misses: BTreeMap<String, (usize, usize)>,
    /// Every wrong or missing field, `file#doc field: expected .. got ..` (for `--diff`).
    pub diffs: Vec<String>,
}

impl FamilyReport {
    fn has_own_parser(&self) -> bool {
        self.parser == self.family
    }
}

/// Totals over all families.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub families: usize,
    pub docs: usize,
    pub fields: usize,
    pub matched: usize,
    pub wrong: usize,
    pub detected: usize,
}

impl CheckReport {
    pub fn totals(&self) -> Totals {
        let mut t = Totals {
            families: self.families.len(),
            ..Totals::default()
        };
        for f in &self.families {
            t.docs += f.docs;
            t.fields += f.fields;
            t.matched += f.matched;
            t.wrong += f.wrong;
            t.detected += f.detected;
        }
        t
    }

    /// `overall: families=F docs=D fields=N matched=M recall=R wrong=W autodetect=A`.
    pub fn overall_line(&self) -> String {
        let t = self.totals();
        format!(
            "overall: families={} docs={} fields={} matched={} recall={} wrong={} autodetect={}",
            t.families,
            t.docs,
            t.fields,
            t.matched,
            ratio(t.matched, t.fields),
            t.wrong,
            ratio(t.detected, t.docs)
        )
    }
}

/// `part / whole` with three decimals; 0.000 when `whole` is 0.
fn ratio(part: usize, whole: usize) -> String {
    if whole == 0 {
        return "0.000".to_owned();
    }
    format!("{:.3}", part as f64 / whole as f64)
}

/// The report as text: the family table, the top mismatching fields when `details`, the
/// notes, and last the `overall:` line.
pub fn render(report: &CheckReport, details: bool) -> String {
    let mut out = String::new();
    let parser_label = |f: &FamilyReport| {
        if f.has_own_parser() {
            f.parser.clone()
        } else {
            format!("{} (no family parser)", f.parser)
        }
    };
    let fam_w = report
        .families
        .iter()
        .map(|f| f.family.len())
        .chain(["family".len()])
        .max()
        .unwrap_or(6);
    let parser_w = report
        .families
        .iter()
        .map(|f| parser_label(f).len())
        .chain(["parser".len()])
        .max()
        .unwrap_or(6);
    let _ = writeln!(
        out,
        "{:<fam_w$}  {:<parser_w$}  {:>5}  {:>5}  {:>6}  {:>7}  {:>5}  {:>7}  {:>6}  {:>10}",
        "family",
        "parser",
        "files",
        "docs",
        "fields",
        "matched",
        "wrong",
        "missing",
        "recall",
        "autodetect"
    );
    for f in &report.families {
        let _ = writeln!(
            out,
            "{:<fam_w$}  {:<parser_w$}  {:>5}  {:>5}  {:>6}  {:>7}  {:>5}  {:>7}  {:>6}  {:>10}",
            f.family,
            parser_label(f),
            f.files,
            f.docs,
            f.fields,
            f.matched,
            f.wrong,
            f.missing,
            ratio(f.matched, f.fields),
            ratio(f.detected, f.docs)
        );
    }
    if details {
        let _ = writeln!(out);
        let _ = writeln!(out, "top mismatching fields (wrong / missing):");
        for f in &report.families {
            let mut misses: Vec<(&String, &(usize, usize))> = f.misses.iter().collect();
            misses.sort_by(|a, b| (b.1 .0 + b.1 .1).cmp(&(a.1 .0 + a.1 .1)).then(a.0.cmp(b.0)));
            if misses.is_empty() {
                continue;
            }
            let top: Vec<String> = misses
                .iter()
                .take(8)
                .map(|(field, (wrong, missing))| format!("{field} {wrong}/{missing}"))
                .collect();
            let _ = writeln!(out, "  {}: {}", f.family, top.join(", "));
        }
    }
    if !report.notes.is_empty() {
        let _ = writeln!(out);
        for note in &report.notes {
            let _ = writeln!(out, "note: {note}");
        }
    }
    let _ = writeln!(out, "{}", report.overall_line());
    out
}

/// One input file with its expected documents.
struct Pair {
    family: String,
    input: PathBuf,
    expected: PathBuf,
    kind: InputKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum InputKind {
    /// Raw lines (`.log`).
    Lines,
    /// `{"events":[...]}` (`.json`, the Windows families).
    Events,
}

/// Walks `dir`, scores every input that has expected documents, and totals per family.
/// Fails only when `dir` itself cannot be read; bad files become [`CheckReport::problems`].
pub fn check_dir(
    dir: &Path,
    registry: Arc<Registry>,
    received: Option<DateTime<Utc>>,
) -> Result<CheckReport> {
    let mut report = CheckReport::default();
    let mut pairs = Vec::new();
    std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    collect_pairs(dir, &mut pairs, &mut report.problems);
    pairs.sort_by(|a, b| a.input.cmp(&b.input));

    let normalizer = Normalizer::new(registry.clone());
    // One receive time for the whole run: year inference uses it, and an event whose
    // @timestamp equals it had no readable time of its own.
    let received = received.unwrap_or_else(Utc::now);
    let mut families: BTreeMap<String, FamilyReport> = BTreeMap::new();
    for pair in &pairs {
        let family = families
            .entry(pair.family.clone())
            .or_insert_with(|| FamilyReport {
                family: pair.family.clone(),
                parser: if pair.family != AUTO && registry.get(&pair.family).is_some() {
                    pair.family.clone()
                } else {
                    AUTO.to_owned()
                },
                ..FamilyReport::default()
            });
        if let Err(e) = check_file(pair, &normalizer, received, family, &mut report.notes) {
            report
                .problems
                .push(format!("{}: {e:#}; skipped", pair.input.display()));
        }
    }
    // A family whose every file was skipped still shows, with zero counts.
    report.families = families.into_values().collect();
    Ok(report)
}

/// Finds `X.log`/`X.json` next to `X.log-expected.json`/`X.json-expected.json`, recursively.
fn collect_pairs(dir: &Path, pairs: &mut Vec<Pair>, problems: &mut Vec<String>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            problems.push(format!("{}: {e}; skipped", dir.display()));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_dir() {
            collect_pairs(&path, pairs, problems);
            continue;
        }
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(input_name) = name.strip_suffix(EXPECTED_SUFFIX) else {
            continue;
        };
        let kind = if input_name.ends_with(".log") {
            InputKind::Lines
        } else if input_name.ends_with(".json") {
            InputKind::Events
        } else {
            continue;
        };
        let input = path.with_file_name(input_name);
        if !input.is_file() {
            problems.push(format!(
                "{}: no input {input_name} beside it; skipped",
                path.display()
            ));
            continue;
        }
        let family = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        pairs.push(Pair {
            family,
            input,
            expected: path,
            kind,
        });
    }
}

fn check_file(
    pair: &Pair,
    normalizer: &Normalizer,
    received: DateTime<Utc>,
    family: &mut FamilyReport,
    notes: &mut Vec<String>,
) -> Result<()> {
    let expected_text = std::fs::read(&pair.expected)
        .with_context(|| format!("reading {}", pair.expected.display()))?;
    let expected: Value = serde_json::from_slice(&expected_text)
        .with_context(|| format!("{} is not JSON", pair.expected.display()))?;
    let Some(expected) = expected.get("expected").and_then(Value::as_array) else {
        anyhow::bail!("{} has no \"expected\" array", pair.expected.display());
    };
    let records = read_records(pair, notes)?;
    if records.len() != expected.len() {
        notes.push(format!(
            "{}: {} records, {} expected documents (unpaired expected documents count as missing)",
            pair.input.display(),
            records.len(),
            expected.len()
        ));
    }

    let file_name = pair
        .input
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let mut options = ParseOptions::default();
    if let Some(zone) = accuracy::family_timezone(&family.family, file_name) {
        options.timezone = zone;
    }
    let compare = accuracy::family_compare_options(&family.family);
    let meta = RecordMeta::received_at(received);
    let stand_in = ecs_timestamp(received);

    family.files += 1;
    for (i, want) in expected.iter().enumerate() {
        family.docs += 1;
        let actual = match records.get(i) {
            Some(record) => {
                let line = String::from_utf8_lossy(record);
                if normalizer.registry().detect(&line).name() == family.family {
                    family.detected += 1;
                }
                let mut event = normalizer.normalize(record, &family.parser, &options, &meta);
                // The receive time stands in for a record without a readable time; that is
                // a missing timestamp, not a wrong one.
                if event.get_str("@timestamp") == Some(stand_in.as_str()) {
                    event.remove("@timestamp");
                }
                Value::Object(event.into_object())
            }
            None => Value::Null,
        };
        let score = accuracy::compare_documents(want, &actual, &compare);
        family.fields += score.fields;
        family.matched += score.matched;
        family.wrong += score.wrong;
        family.missing += score.missing;
        for o in score.outcomes {
            if o.outcome != Outcome::Matched {
                let got = flat_get(&actual, &o.field);
                family.diffs.push(format!(
                    "{file_name}#{}: {}: expected {} got {}",
                    i + 1,
                    o.field,
                    flat_get(want, &o.field),
                    got
                ));
            }
            let slot = match o.outcome {
                Outcome::Matched => continue,
                Outcome::Wrong => &mut family.misses.entry(o.field).or_default().0,
                Outcome::Missing => &mut family.misses.entry(o.field).or_default().1,
            };
            *slot += 1;
        }
    }
    Ok(())
}

/// The records of one input file: lines (joined by the multiline rule of its
/// `-config.yml`, when it has one) or the events of a `{"events":[...]}` document.
fn read_records(pair: &Pair, notes: &mut Vec<String>) -> Result<Vec<Vec<u8>>> {
    let input = std::fs::read(&pair.input).context("reading the input")?;
    Ok(match pair.kind {
        InputKind::Lines => {
            let config = pair
                .input
                .file_name()
                .and_then(|n| n.to_str())
                .map(|n| pair.input.with_file_name(format!("{n}{CONFIG_SUFFIX}")));
            let rule = match config {
                Some(path) if path.is_file() => match std::fs::read(&path) {
                    Ok(bytes) => multiline_rule(&String::from_utf8_lossy(&bytes)),
                    Err(e) => {
                        notes.push(format!("{}: {e}; multiline rule ignored", path.display()));
                        None
                    }
                },
                _ => None,
            };
            split_records(&input, rule.as_ref())
        }
        InputKind::Events => json_events(&input)?,
    })
}

/// Every record under `dir` that has expected documents, by family (the folder name);
/// the sample set `steward bench families` runs.
pub fn records_by_family(dir: &Path) -> Result<BTreeMap<String, Vec<Vec<u8>>>> {
    let mut pairs = Vec::new();
    let mut problems = Vec::new();
    std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    collect_pairs(dir, &mut pairs, &mut problems);
    pairs.sort_by(|a, b| a.input.cmp(&b.input));
    let mut out: BTreeMap<String, Vec<Vec<u8>>> = BTreeMap::new();
    for pair in &pairs {
        let records =
            read_records(pair, &mut problems).with_context(|| pair.input.display().to_string())?;
        out.entry(pair.family.clone()).or_default().extend(records);
    }
    Ok(out)
}

/// The value at dotted `path` in a nested document, as JSON text ("-" when absent).
fn flat_get(doc: &Value, path: &str) -> String {
    accuracy::flatten(doc)
        .into_iter()
        .find(|(k, _)| k == path)
        .map(|(_, v)| v.to_string())
        .unwrap_or_else(|| "-".to_owned())
}

/// `{"events":[...]}`: each event serialised on its own as one record.
///
/// Zeek lines wrapped in a Splunk search-export object (`zeek/test-dns.log` line 8) get no
/// unwrapping here: that is the zeek family parser's job once it exists.
fn json_events(input: &[u8]) -> Result<Vec<Vec<u8>>> {
    let doc: Value = serde_json::from_slice(input).context("the input is not JSON")?;
    let Some(events) = doc.get("events").and_then(Value::as_array) else {
        anyhow::bail!("the input has no \"events\" array");
    };
    Ok(events
        .iter()
        .map(|e| serde_json::to_string(e).unwrap_or_default().into_bytes())
        .collect())
}

/// How physical lines group into records.
#[derive(Debug)]
enum MultilineRule {
    /// A line matching the pattern starts a new record; others continue the previous one.
    StartsWith(Pattern),
    /// A line matching the pattern continues the previous record; others start one.
    Continues(Pattern),
}

/// Splits a `.log` file into records: one per physical line (a trailing `\r` is dropped,
/// and blank lines are records too), unless a multiline rule groups them, in which case
/// the lines of one record are joined with `\n`.
fn split_records(input: &[u8], rule: Option<&MultilineRule>) -> Vec<Vec<u8>> {
    let body = input.strip_suffix(b"\n").unwrap_or(input);
    if input.is_empty() {
        return Vec::new();
    }
    let lines = body
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let Some(rule) = rule else {
        return lines.map(<[u8]>::to_vec).collect();
    };
    let mut records: Vec<Vec<u8>> = Vec::new();
    for line in lines {
        let text = String::from_utf8_lossy(line);
        let starts = match rule {
            MultilineRule::StartsWith(p) => p.is_match(&text),
            MultilineRule::Continues(p) => !p.is_match(&text),
        };
        match records.last_mut() {
            Some(last) if !starts => {
                last.push(b'\n');
                last.extend_from_slice(line);
            }
            _ => records.push(line.to_vec()),
        }
    }
    records
}

/// Reads the multiline rule from a test's `-config.yml`, by hand (no YAML dependency).
///
/// Understood: a `multiline:` section holding `first_line_pattern: "<re>"` (a new record
/// starts at matching lines), or Filebeat's `pattern:` with `negate: true` and
/// `match: after` (the same) or `negate: false` and `match: after` (matching lines
/// continue the record). Anything else, or a pattern beyond [`Pattern`]'s small syntax,
/// means no rule.
fn multiline_rule(config: &str) -> Option<MultilineRule> {
    let mut in_section = false;
    let mut section_indent = 0;
    let mut first_line = None;
    let mut pattern = None;
    let mut negate = false;
    let mut match_after = true;
    for line in config.lines() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        if in_section && indent <= section_indent {
            in_section = false;
        }
        if !in_section {
            if trimmed.trim_end() == "multiline:" {
                in_section = true;
                section_indent = indent;
            }
            continue;
        }
        let Some((key, value)) = trimmed.split_once(':') else {
            continue;
        };
        let value = yaml_scalar(value);
        match key.trim() {
            "first_line_pattern" => first_line = value,
            "pattern" => pattern = value,
            "negate" => negate = value.as_deref() == Some("true"),
            "match" => match_after = value.as_deref() == Some("after"),
            _ => {}
        }
    }
    if let Some(p) = first_line {
        return Pattern::compile(&p).map(MultilineRule::StartsWith);
    }
    let p = Pattern::compile(&pattern?)?;
    match (negate, match_after) {
        (true, true) => Some(MultilineRule::StartsWith(p)),
        (false, true) => Some(MultilineRule::Continues(p)),
        _ => None,
    }
}

/// A YAML scalar: double-quoted (with `\\` and `\"` escapes), single-quoted (`''`), or
/// plain up to a ` #` comment.
fn yaml_scalar(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if let Some(rest) = raw.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => return Some(out),
                '\\' => match chars.next()? {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    other => out.push(other),
                },
                other => out.push(other),
            }
        }
        return None;
    }
    if let Some(rest) = raw.strip_prefix('\'') {
        let mut out = String::new();
        let mut chars = rest.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                    out.push('\'');
                } else {
                    return Some(out);
                }
            } else {
                out.push(c);
            }
        }
        return None;
    }
    let plain = raw.split(" #").next().unwrap_or_default().trim();
    (!plain.is_empty()).then(|| plain.to_owned())
}

/// A tiny regular-expression subset, enough for multiline start patterns such as
/// `^\d{4}\/\d{2}\/\d{2} `: an optional leading `^`, `.`, `\d`, `\w`, `\s`, escaped or
/// plain literal characters, each optionally followed by `?`, `*`, `+`, `{n}`, `{n,}` or
/// `{n,m}`. Classes, groups, alternation and `$` are not supported (compile gives `None`).
/// Without `^` the pattern may match anywhere in the line.
#[derive(Debug)]
struct Pattern {
    anchored: bool,
    pieces: Vec<Piece>,
}

#[derive(Debug)]
struct Piece {
    atom: Atom,
    min: usize,
    max: usize,
}

#[derive(Debug)]
enum Atom {
    Any,
    Digit,
    Word,
    Space,
    Char(char),
}

impl Atom {
    fn matches(&self, c: char) -> bool {
        match self {
            Atom::Any => true,
            Atom::Digit => c.is_ascii_digit(),
            Atom::Word => c.is_alphanumeric() || c == '_',
            Atom::Space => c.is_whitespace(),
            Atom::Char(x) => *x == c,
        }
    }
}

impl Pattern {
    fn compile(source: &str) -> Option<Pattern> {
        let (anchored, body) = match source.strip_prefix('^') {
            Some(rest) => (true, rest),
            None => (false, source),
        };
        let mut pieces = Vec::new();
        let mut chars = body.chars().peekable();
        while let Some(c) = chars.next() {
            let atom = match c {
                '.' => Atom::Any,
                '\\' => match chars.next()? {
                    'd' => Atom::Digit,
                    'w' => Atom::Word,
                    's' => Atom::Space,
                    x if x.is_ascii_alphanumeric() => return None,
                    x => Atom::Char(x),
                },
                '[' | ']' | '(' | ')' | '|' | '$' | '^' | '?' | '*' | '+' | '{' | '}' => {
                    return None
                }
                x => Atom::Char(x),
            };
            let (min, max) = match chars.peek() {
                Some('?') => (0, 1),
                Some('*') => (0, usize::MAX),
                Some('+') => (1, usize::MAX),
                Some('{') => {
                    chars.next();
                    let mut spec = String::new();
                    loop {
                        match chars.next()? {
                            '}' => break,
                            x => spec.push(x),
                        }
                    }
                    let bounds = match spec.split_once(',') {
                        None => {
                            let n = spec.trim().parse().ok()?;
                            (n, n)
                        }
                        Some((lo, "")) => (lo.trim().parse().ok()?, usize::MAX),
                        Some((lo, hi)) => (lo.trim().parse().ok()?, hi.trim().parse().ok()?),
                    };
                    pieces.push(Piece {
                        atom,
                        min: bounds.0,
                        max: bounds.1,
                    });
                    continue;
                }
                _ => (1, 1),
            };
            if (min, max) != (1, 1) {
                chars.next();
            }
            pieces.push(Piece { atom, min, max });
        }
        Some(Pattern { anchored, pieces })
    }

    fn is_match(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        if self.anchored {
            return match_here(&self.pieces, &chars);
        }
        (0..=chars.len()).any(|start| match_here(&self.pieces, &chars[start..]))
    }
}

/// Backtracking match of `pieces` at the start of `text` (greedy quantifiers).
fn match_here(pieces: &[Piece], text: &[char]) -> bool {
    let Some((piece, rest)) = pieces.split_first() else {
        return true;
    };
    let mut count = 0;
    while count < piece.max && count < text.len() && piece.atom.matches(text[count]) {
        count += 1;
    }
    if count < piece.min {
        return false;
    }
    (piece.min..=count)
        .rev()
        .any(|n| match_here(rest, &text[n..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus_dir() -> PathBuf {
        match std::env::var_os("STEWARD_CORPUS") {
            Some(dir) => PathBuf::from(dir),
            None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
        }
    }

    fn overall_line_is_well_formed(line: &str) -> bool {
        let Some(rest) = line.strip_prefix("overall: ") else {
            return false;
        };
        let keys = [
            "families",
            "docs",
            "fields",
            "matched",
            "recall",
            "wrong",
            "autodetect",
        ];
        let parts: Vec<&str> = rest.split(' ').collect();
        parts.len() == keys.len()
            && parts.iter().zip(keys).all(|(part, key)| {
                let Some(value) = part.strip_prefix(key).and_then(|v| v.strip_prefix('=')) else {
                    return false;
                };
                if key == "recall" || key == "autodetect" {
                    value.len() == 5
                        && value.as_bytes()[1] == b'.'
                        && value.parse::<f64>().is_ok_and(|x| (0.0..=1.0).contains(&x))
                } else {
                    value.parse::<usize>().is_ok()
                }
            })
    }

    #[test]
    fn patterns() {
        let p = Pattern::compile(r"^\d{4}\/\d{2}\/\d{2} ").unwrap();
        assert!(p.is_match("2020/04/28 11:07:58 [error] x"));
        assert!(!p.is_match("PHP message: 2020/04/28 "));
        assert!(!p.is_match("2020/4/28 "));
        let p = Pattern::compile(r"a+b?c{1,2}\.").unwrap();
        assert!(p.is_match("xxaacc."));
        assert!(!p.is_match("xxbc."));
        assert!(Pattern::compile(r"^[0-9]+").is_none());
        assert!(Pattern::compile(r"^(a|b)").is_none());
    }

    #[test]
    fn multiline_config_forms() {
        let nginx = "multiline:\n  first_line_pattern: \"^\\\\d{4}\\\\/\\\\d{2}\\\\/\\\\d{2} \"\nfields:\n  \"@timestamp\": \"2020\"\n";
        let Some(MultilineRule::StartsWith(p)) = multiline_rule(nginx) else {
            panic!("no rule from {nginx}");
        };
        assert!(p.is_match("2020/04/28 11:07:58 [error]"));
        let filebeat = "multiline:\n  pattern: '^\\s'\n  negate: false\n  match: after\n";
        assert!(matches!(
            multiline_rule(filebeat),
            Some(MultilineRule::Continues(_))
        ));
        assert!(multiline_rule("fields:\n  event.timezone: \"GMT+2\"\n").is_none());
        assert!(multiline_rule("multiline:\n  pattern: x\n  match: before\n").is_none());
    }

    #[test]
    fn records_split_per_line_or_by_rule() {
        let input = b"a\r\n\nb\n";
        assert_eq!(
            split_records(input, None),
            vec![b"a".to_vec(), b"".to_vec(), b"b".to_vec()]
        );
        assert!(split_records(b"", None).is_empty());
        let rule = MultilineRule::StartsWith(Pattern::compile(r"^\d").unwrap());
        let input = b"cont0\n1 a\ncont\n2 b\n";
        assert_eq!(
            split_records(input, Some(&rule)),
            vec![b"cont0".to_vec(), b"1 a\ncont".to_vec(), b"2 b".to_vec()]
        );
    }

    #[test]
    fn checks_a_tiny_corpus() {
        let dir = tempfile::tempdir().unwrap();
        let family = dir.path().join("nested").join("demo_family");
        std::fs::create_dir_all(&family).unwrap();
        // Three physical lines, two records: the second line continues the first.
        std::fs::write(
            family.join("test-a.log"),
            "2024/01/02 first\n  more\n2024/01/02 second\n",
        )
        .unwrap();
        std::fs::write(
            family.join("test-a.log-config.yml"),
            "multiline:\n  first_line_pattern: \"^\\\\d{4}\\\\/\\\\d{2}\\\\/\\\\d{2} \"\n",
        )
        .unwrap();
        // Three expected documents for two records: the third is all missing.
        std::fs::write(
            family.join("test-a.log-expected.json"),
            r#"{"expected":[
                {"event":{"original":"x","kind":"event"},"ecs":{"version":"8.0"},"host":{"name":"nope"}},
                {"event":{"kind":"alert"},"tags":["x"]},
                {"source":{"ip":"10.0.0.1","geo":{"city_name":"London"}},"user":{"name":"u"}}
            ]}"#,
        )
        .unwrap();
        // JSON events, one document, one field that passes through the json parser.
        let windows = dir.path().join("winfam");
        std::fs::create_dir_all(&windows).unwrap();
        std::fs::write(
            windows.join("test-e.json"),
            r#"{"events":[{"user":{"name":"alice"},"winlog":{"event_id":4688}}]}"#,
        )
        .unwrap();
        std::fs::write(
            windows.join("test-e.json-expected.json"),
            r#"{"expected":[{"user":{"name":"alice"},"event":{"code":"4688"},"winlog":{"event_id":"4688"}}]}"#,
        )
        .unwrap();
        // Unreadable pairs are skipped, not fatal; inputs without expected are ignored.
        std::fs::write(windows.join("test-bad.json"), "{not json").unwrap();
        std::fs::write(
            windows.join("test-bad.json-expected.json"),
            r#"{"expected":[{}]}"#,
        )
        .unwrap();
        std::fs::write(windows.join("lonely.log"), "x\n").unwrap();

        let report = check_dir(
            dir.path(),
            Arc::new(steward_normalize::Registry::builtin()),
            None,
        )
        .unwrap();
        assert_eq!(report.families.len(), 2);
        let demo = &report.families[0];
        assert_eq!(demo.family, "demo_family");
        assert_eq!(demo.parser, "auto");
        assert_eq!((demo.files, demo.docs), (1, 3));
        // doc 1: event.kind matched, host.name missing; doc 2: event.kind wrong;
        // doc 3: source.ip and user.name missing.
        assert_eq!(
            (demo.fields, demo.matched, demo.wrong, demo.missing),
            (5, 1, 1, 3)
        );
        assert_eq!(demo.misses.get("user.name"), Some(&(0, 1)));
        let win = &report.families[1];
        assert_eq!(win.family, "winfam");
        assert_eq!((win.files, win.docs), (1, 1));
        assert_eq!(
            (win.fields, win.matched, win.wrong, win.missing),
            (2, 1, 0, 1)
        );
        assert_eq!(report.notes.len(), 1, "{:?}", report.notes);
        assert!(report.notes[0].contains("2 records, 3 expected"));
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);

        let text = render(&report, true);
        let last = text.lines().last().unwrap();
        assert_eq!(
            last,
            "overall: families=2 docs=4 fields=7 matched=2 recall=0.286 wrong=1 autodetect=0.000"
        );
        assert!(overall_line_is_well_formed(last));
        assert!(text.contains("auto (no family parser)"));
        assert_eq!(
            CheckReport::default().overall_line(),
            "overall: families=0 docs=0 fields=0 matched=0 recall=0.000 wrong=0 autodetect=0.000"
        );
    }

    #[test]
    fn checks_the_shared_corpus() {
        let logs = corpus_dir().join("logs");
        if !logs.is_dir() {
            println!(
                "corpus not found at {} (set STEWARD_CORPUS), skipping",
                logs.display()
            );
            return;
        }
        let report = check_dir(
            &logs,
            Arc::new(steward_normalize::Registry::builtin()),
            None,
        )
        .unwrap();
        let totals = report.totals();
        assert!(totals.families > 20, "{totals:?}");
        assert!(totals.docs > 300, "{totals:?}");
        let text = render(&report, false);
        let last = text.lines().last().unwrap_or_default();
        assert!(overall_line_is_well_formed(last), "{last}");
    }
}
