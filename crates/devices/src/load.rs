//! Loading family files: the embedded library, a directory of overrides, and the errors
//! that keep one bad file from stopping the others.

use crate::family::{Family, FamilyInfo};
use crate::file::{line_of, program_first_line, FamilyFile};
use crate::remap::Remap;
use regex::RegexSet;
use std::path::Path;
use std::sync::Arc;
use vrl::compiler::Function;

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
        let functions = vrl::stdlib::all();
        let mut library = Library::default();
        for (file_name, text) in crate::embedded::EMBEDDED {
            library.add(load_text(&format!("builtin:{file_name}"), text, &functions));
        }
        library
    }

    /// Every `*.toml` file in `dir` (not recursive), in name order. An unreadable
    /// directory is an error; an unreadable or invalid file is recorded and skipped.
    pub fn load_dir(dir: &Path) -> std::io::Result<Library> {
        let functions = vrl::stdlib::all();
        let mut paths: Vec<_> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
            .collect();
        paths.sort();
        let mut library = Library::default();
        for path in paths {
            let origin = path.display().to_string();
            let loaded = match std::fs::read_to_string(&path) {
                Ok(text) => load_text(&origin, &text, &functions),
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

    /// Files that failed to load, with file and line.
    pub fn errors(&self) -> &[LoadError] {
        &self.errors
    }

    /// Adds every family to `registry` (replacing parsers of the same name).
    pub fn register_into(&self, registry: &mut steward_normalize::Registry) {
        for family in &self.families {
            registry.register(family.clone());
        }
    }
}

/// Parses and compiles one family file.
pub(crate) fn load_text(
    origin: &str,
    text: &str,
    functions: &[Box<dyn Function>],
) -> Result<Family, LoadError> {
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
    let patterns = RegexSet::new(&file.detect).map_err(|e| error(None, format!("detect: {e}")))?;
    let unless = if file.detect_unless.is_empty() {
        None
    } else {
        Some(
            RegexSet::new(&file.detect_unless)
                .map_err(|e| error(None, format!("detect_unless: {e}")))?,
        )
    };
    let first_line = program_first_line(text, file.remap.span().start);
    let source = file.remap.get_ref();
    let remap = Remap::compile(source, functions).map_err(|problems| {
        let line = problems
            .first()
            .and_then(|p| p.offset)
            .map(|offset| first_line + line_of(source, offset) - 1);
        let message = problems
            .iter()
            .map(|p| p.message.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        error(line, format!("remap: {message}"))
    })?;
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
        remap,
    })
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
