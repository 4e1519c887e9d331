//! Loading family files: the embedded library, a directory of overrides, and the errors
//! that keep one bad file from stopping the others.

use crate::family::{Family, FamilyInfo, Program};
use crate::file::{line_of, program_first_line, FamilyFile};
use crate::remap::{check_syntax, CompileProblem};
use regex::RegexSet;
use std::path::Path;
use std::sync::Arc;

/// Why one family file was not loaded: its origin, the line when known, and the reason.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{origin}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct LoadError {
    pub origin: String,
    pub line: Option<usize>,
    pub message: String,
}

/// A set of families by name, plus the files that failed to load.
#[derive(Default)]
pub struct Library {
    families: Vec<Arc<Family>>,
    errors: Vec<LoadError>,
}

impl Library {
    /// The families compiled into the binary.
    pub fn builtin() -> Library {
        let mut library = Library::default();
        for (file_name, text) in crate::embedded::EMBEDDED {
            library.add(load_text(&format!("builtin:{file_name}"), text));
        }
        library
    }

    /// Every `*.toml` file in `dir` (not recursive), in name order. An unreadable
    /// directory is an error; an unreadable or invalid file is recorded and skipped.
    pub fn load_dir(dir: &Path) -> std::io::Result<Library> {
        let mut paths: Vec<_> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
            .collect();
        paths.sort();
        let mut library = Library::default();
        for path in paths {
            let origin = path.display().to_string();
            let loaded = match std::fs::read_to_string(&path) {
                Ok(text) => load_text(&origin, &text),
                Err(e) => Err(LoadError {
                    origin,
                    line: None,
                    message: e.to_string(),
                }),
            };
            library.add(loaded);
        }
        Ok(library)
    }

    /// The built-in families with those in `dir` added; a family in `dir` replaces the
    /// built-in one of the same name, so a content update needs no rebuild.
    pub fn builtin_and_dir(dir: Option<&Path>) -> std::io::Result<Library> {
        let mut library = Library::builtin();
        if let Some(dir) = dir {
            library.merge(Library::load_dir(dir)?);
        }
        Ok(library)
    }

    fn add(&mut self, loaded: Result<Family, LoadError>) {
        match loaded {
            Ok(family) => self.insert(Arc::new(family)),
            Err(e) => self.errors.push(e),
        }
    }

    fn insert(&mut self, family: Arc<Family>) {
        match self
            .families
            .iter_mut()
            .find(|f| f.info.name == family.info.name)
        {
            Some(slot) => *slot = family,
            None => self.families.push(family),
        }
    }

    /// Adds `other`'s families (replacing same-named ones) and its errors.
    pub fn merge(&mut self, other: Library) {
        for family in other.families {
            self.insert(family);
        }
        self.errors.extend(other.errors);
    }

    pub fn families(&self) -> &[Arc<Family>] {
        &self.families
    }

    pub fn infos(&self) -> Vec<FamilyInfo> {
        let mut infos: Vec<FamilyInfo> = self.families.iter().map(|f| f.info.clone()).collect();
        infos.sort_by(|a, b| a.name.cmp(&b.name));
        infos
    }

    /// Compiles every family's mapping now (in parallel), instead of on first use, and
    /// returns those that fail, with file and line. Failed families stay registered:
    /// their records are stored with the compile error in `error.message`.
    pub fn compile_all(&self) -> Vec<LoadError> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let next = std::sync::atomic::AtomicUsize::new(0);
        let errors = std::sync::Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(family) = self.families.get(i) else {
                        break;
                    };
                    if let Err(e) = family.compile() {
                        errors.lock().unwrap_or_else(|p| p.into_inner()).push(e);
                    }
                });
            }
        });
        let mut errors = errors.into_inner().unwrap_or_else(|p| p.into_inner());
        errors.sort_by(|a, b| a.origin.cmp(&b.origin));
        errors
    }

    /// Files that failed to load, with file and line.
    pub fn errors(&self) -> &[LoadError] {
        &self.errors
    }

    /// Adds every family to `registry` (replacing parsers of the same name), with one
    /// joined detector for all of them.
    pub fn register_into(&self, registry: &mut steward_normalize::Registry) {
        for family in &self.families {
            registry.register(family.clone());
        }
        if let Some(detector) = crate::detect::FamilyDetector::new(&self.families) {
            registry.register_group(Arc::new(detector));
        }
    }
}

/// Parses and compiles one family file.
pub(crate) fn load_text(origin: &str, text: &str) -> Result<Family, LoadError> {
    let error = |line: Option<usize>, message: String| LoadError {
        origin: origin.to_owned(),
        line,
        message,
    };
    let file: FamilyFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        error(line, e.message().trim().to_owned())
    })?;
    validate_name(&file.name).map_err(|m| error(None, m))?;
    if !(1..=100).contains(&file.detect_score) {
        return Err(error(None, "detect_score must be 1..=100".into()));
    }
    if file.detect.is_empty() {
        return Err(error(
            None,
            "detect is empty: the family could never be auto-detected".into(),
        ));
    }
    let detect: Vec<String> = file
        .detect
        .iter()
        .map(|p| ascii_word_boundaries(p))
        .collect();
    let detect_unless: Vec<String> = file
        .detect_unless
        .iter()
        .map(|p| ascii_word_boundaries(p))
        .collect();
    let patterns = RegexSet::new(&detect).map_err(|e| error(None, format!("detect: {e}")))?;
    let unless = if detect_unless.is_empty() {
        None
    } else {
        Some(
            RegexSet::new(&detect_unless)
                .map_err(|e| error(None, format!("detect_unless: {e}")))?,
        )
    };
    let first_line = program_first_line(text, file.remap.span().start);
    let source = file.remap.get_ref().clone();
    check_syntax(&source).map_err(|p| problems_to_error(origin, &source, first_line, &[p]))?;
    Ok(Family {
        info: FamilyInfo {
            name: file.name,
            vendor: file.vendor,
            product: file.product,
            dataset: file.dataset,
            category: file.category,
            description: file.description,
            samples: file.samples,
            origin: origin.to_owned(),
        },
        envelope: file.envelope,
        patterns,
        unless,
        score: file.detect_score,
        program: Program {
            source,
            first_line,
            compiled: std::sync::OnceLock::new(),
        },
    })
}

/// VRL's problems (offsets into the program) as one error pointing at a file line.
pub(crate) fn problems_to_error(
    origin: &str,
    source: &str,
    first_line: usize,
    problems: &[CompileProblem],
) -> LoadError {
    let line = problems
        .first()
        .and_then(|p| p.offset)
        .map(|offset| first_line + line_of(source, offset) - 1);
    let message = problems
        .iter()
        .map(|p| p.message.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    LoadError {
        origin: origin.to_owned(),
        line,
        message: format!("remap: {message}"),
    }
}

/// `\b` and `\B` in detection patterns mean ASCII word boundaries. A Unicode word
/// boundary makes the regex engine leave its DFA for a far slower one on any non-ASCII
/// record (Chinese vendor logs took 0.5 ms per detection instead of microseconds), and
/// vendor markers are ASCII anyway.
fn ascii_word_boundaries(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(b @ ('b' | 'B')) => {
                out.push_str("(?-u:\\");
                out.push(b);
                out.push(')');
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn validate_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name != steward_normalize::AUTO
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "name {name:?} must be lower-case letters, digits and '_' (and not \"auto\")"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use steward_model::Event;
    use steward_normalize::{Normalizer, ParseOptions, Parser, RecordMeta, Registry};

    const GOOD: &str = r#"
name = "acme_fw"
vendor = "Acme"
product = "FW"
dataset = "acme.fw"
category = "firewall"
envelope = "syslog"
detect = ['\bacme_fw:']
remap = '''
kv = parse_key_value!(.message, field_delimiter: " ")
if !exists(kv.act) { abort "not an Acme FW record: no act=" }
.event.action = kv.act
.source.ip = kv.src
.source.port = to_int(kv.sport) ?? null
'''
"#;

    fn normalize(registry: Registry, line: &str, parser: &str) -> Event {
        let meta = RecordMeta::received_at(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap());
        Normalizer::new(Arc::new(registry)).normalize(
            line.as_bytes(),
            parser,
            &ParseOptions::default(),
            &meta,
        )
    }

    fn registry_with(text: &str) -> Registry {
        let family = load_text("test", text).unwrap();
        let mut registry = Registry::builtin();
        registry.register(Arc::new(family));
        registry
    }

    #[test]
    fn a_family_maps_detects_and_keeps_the_envelope() {
        let line = "<134>Mar  1 10:00:00 gw1 acme_fw: act=deny src=192.0.2.7 sport=4444";
        let e = normalize(registry_with(GOOD), line, "auto");
        assert_eq!(e.get_str("steward.parser"), Some("acme_fw"));
        assert_eq!(e.get_str("event.dataset"), Some("acme.fw"));
        assert_eq!(e.get_str("event.action"), Some("deny"));
        assert_eq!(e.get_str("source.ip"), Some("192.0.2.7"));
        assert_eq!(e.get_i64("source.port"), Some(4444));
        assert_eq!(e.get_str("host.hostname"), Some("gw1"));
        assert_eq!(e.get_str("@timestamp"), Some("2026-03-01T10:00:00.000Z"));
        assert_eq!(e.get_str("event.original"), Some(line));
    }

    #[test]
    fn an_aborted_record_is_kept_with_the_error_and_the_family_dataset() {
        let line = "<134>Mar  1 10:00:00 gw1 acme_fw: garbage";
        let e = normalize(registry_with(GOOD), line, "acme_fw");
        assert_eq!(e.get_str("event.dataset"), Some("acme.fw"));
        assert_eq!(e.get_str("event.original"), Some(line));
        let error = e.get_str("error.message").unwrap();
        assert!(error.contains("not an Acme FW record"), "{error}");
    }

    #[test]
    fn word_boundaries_become_ascii() {
        assert_eq!(ascii_word_boundaries(r"\bx\B"), r"(?-u:\b)x(?-u:\B)");
        assert_eq!(ascii_word_boundaries(r"a\\b"), r"a\\b");
        assert_eq!(ascii_word_boundaries(r"\d+\s"), r"\d+\s");
        assert_eq!(ascii_word_boundaries("\\"), "\\");
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let bad_vrl = GOOD.replace(".event.action = kv.act", ".event.action = kv.act +");
        let err = load_text("f.toml", &bad_vrl).unwrap_err();
        assert_eq!(err.origin, "f.toml");
        // The program starts on line 10 of the file; the broken statement is on line 12
        // (a syntax error is reported where the parser notices it, here one line later).
        let line = err.line.unwrap();
        assert!((12..=13).contains(&line), "{err}");
        assert!(err.to_string().starts_with("f.toml:1"), "{err}");

        let bad_toml = GOOD.replace("vendor = \"Acme\"", "vendor = ");
        let err = load_text("g.toml", &bad_toml).unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");

        let unknown_function = GOOD.replace("to_int(", "no_such_fn(");
        // Loads (the grammar is fine), fails to compile, and says where.
        let family = load_text("h.toml", &unknown_function).unwrap();
        let err = family.compile().unwrap_err();
        assert_eq!(err.origin, "h.toml");
        assert_eq!(err.line, Some(14), "{err}");

        let bad_regex = GOOD.replace(r"'\bacme_fw:'", "'(unclosed'");
        let err = load_text("i.toml", &bad_regex).unwrap_err();
        assert!(err.message.contains("detect"), "{err}");

        for (text, what) in [
            (GOOD.replace("acme_fw\"", "Acme FW\""), "name"),
            (
                GOOD.replace("name = \"acme_fw\"", "name = \"auto\""),
                "name",
            ),
            (GOOD.replace("['\\bacme_fw:']", "[]"), "detect is empty"),
            (GOOD.replace("category", "kategorie"), "unknown field"),
        ] {
            let err = load_text("j.toml", &text).unwrap_err();
            assert!(err.message.contains(what), "{what}: {err}");
        }
    }

    #[test]
    fn a_directory_overrides_builtins_and_bad_files_do_not_stop_the_others() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("acme_fw.toml"), GOOD).unwrap();
        std::fs::write(dir.path().join("broken.toml"), "name = ").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        let library = Library::load_dir(dir.path()).unwrap();
        assert_eq!(library.families().len(), 1);
        assert_eq!(library.errors().len(), 1);
        assert!(library.errors()[0].origin.ends_with("broken.toml"));

        let mut merged = Library::default();
        merged.add(load_text("builtin:acme_fw.toml", GOOD));
        let replacement = GOOD.replace("dataset = \"acme.fw\"", "dataset = \"acme.fw2\"");
        std::fs::write(dir.path().join("acme_fw.toml"), replacement).unwrap();
        merged.merge(Library::load_dir(dir.path()).unwrap());
        assert_eq!(merged.families().len(), 1);
        assert_eq!(merged.families()[0].dataset(), "acme.fw2");
        assert!(Library::load_dir(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn a_mapping_that_leaves_no_object_is_an_error_not_a_panic() {
        let start = GOOD.find("kv = ").unwrap();
        let text = format!("{}. = parse_json!(.message)\n'''\n", &GOOD[..start]);
        let e = normalize(registry_with(&text), "\"just a string\"", "acme_fw");
        assert!(e.get_str("error.message").is_some());
    }

    #[test]
    fn every_builtin_family_loads_and_compiles() {
        let library = Library::builtin();
        assert!(library.errors().is_empty(), "{:?}", library.errors());
        let errors = library.compile_all();
        assert!(errors.is_empty(), "{errors:#?}");
        assert!(!library.families().is_empty());
        for family in library.families() {
            assert!(
                family.detect("") == 0,
                "{} claims the empty line",
                family.name()
            );
        }
    }
}
