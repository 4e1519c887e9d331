//! A loaded device family: detection plus its compiled mapping, usable as a [`Parser`].

use crate::file::Envelope;
use crate::load::LoadError;
use crate::remap::{Remap, RunContext};
use regex::RegexSet;
use std::sync::OnceLock;
use steward_model::{ecs, Event};
use steward_normalize::{parse_syslog_envelope, ParseError, ParseOptions, Parser, RecordMeta};

/// What a family says about itself (for `steward parse --families`, docs and the API).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FamilyInfo {
    pub name: String,
    pub vendor: String,
    pub product: String,
    pub dataset: String,
    pub category: String,
    pub description: String,
    /// `corpus` or `documented`; see the family file format.
    pub samples: String,
    /// Where it was loaded from: `builtin:NAME.toml` or a file path.
    pub origin: String,
}

/// One device family, ready to parse.
pub struct Family {
    pub(crate) info: FamilyInfo,
    pub(crate) envelope: Envelope,
    pub(crate) patterns: RegexSet,
    pub(crate) unless: Option<RegexSet>,
    pub(crate) score: u8,
    pub(crate) program: Program,
}

/// A family's VRL source, compiled on first use: type-checking a long mapping takes about
/// a second, so compiling the whole library at start would delay every start by a minute.
/// The grammar is checked at load; everything else when the program first runs (or in
/// [`crate::Library::compile_all`]).
pub(crate) struct Program {
    pub(crate) source: String,
    /// File line of the program's first line, to turn VRL's offsets into file lines.
    pub(crate) first_line: usize,
    pub(crate) compiled: OnceLock<Result<Remap, LoadError>>,
}

impl Program {
    pub(crate) fn get(&self, origin: &str) -> Result<&Remap, &LoadError> {
        self.compiled
            .get_or_init(|| {
                Remap::compile_stdlib(&self.source).map_err(|problems| {
                    crate::load::problems_to_error(origin, &self.source, self.first_line, &problems)
                })
            })
            .as_ref()
    }
}

impl std::fmt::Debug for Family {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Family").field("info", &self.info).finish()
    }
}

impl Family {
    pub fn info(&self) -> &FamilyInfo {
        &self.info
    }

    /// Compiles the mapping now if it was not yet; the error names file and line.
    pub fn compile(&self) -> Result<(), LoadError> {
        self.program
            .get(&self.info.origin)
            .map(|_| ())
            .map_err(Clone::clone)
    }

    /// Whether the mapping has been compiled (successfully or not).
    pub fn is_compiled(&self) -> bool {
        self.program.compiled.get().is_some()
    }

    /// Whether detection claims `line` for this family, ignoring the score.
    pub fn recognises(&self, line: &str) -> bool {
        self.patterns.is_match(line) && !self.unless.as_ref().is_some_and(|u| u.is_match(line))
    }
}

impl Parser for Family {
    fn name(&self) -> &str {
        &self.info.name
    }

    fn dataset(&self) -> &str {
        &self.info.dataset
    }

    fn detect(&self, line: &str) -> u8 {
        if self.recognises(line) {
            self.score
        } else {
            0
        }
    }

    fn parse(
        &self,
        line: &str,
        opts: &ParseOptions,
        meta: &RecordMeta,
        event: &mut Event,
    ) -> Result<(), ParseError> {
        event.set_if_absent(ecs::MESSAGE, line);
        if self.envelope == Envelope::Syslog {
            // A record without a syslog header is still the family's: the mapping then
            // sees the whole line, as with no envelope.
            let mut enveloped = Event::new();
            if parse_syslog_envelope(line, opts, meta, &mut enveloped).is_ok() {
                enveloped.set(ecs::EVENT_ORIGINAL, line);
                *event = enveloped;
            }
        }
        let input = std::mem::take(event).into_object();
        let ctx = RunContext {
            received: meta.received,
            timezone: &opts.timezone,
        };
        let remap = self.program.get(&self.info.origin).map_err(|e| {
            ParseError::new(format!("{}: mapping does not compile: {e}", self.info.name))
        })?;
        let output = remap
            .run(input, &ctx)
            .map_err(|e| ParseError::new(format!("{}: {e}", self.info.name)))?;
        *event = Event::from_object(output);
        event.set_if_absent(ecs::EVENT_ORIGINAL, line);
        event.set_if_absent(ecs::EVENT_DATASET, self.info.dataset.as_str());
        Ok(())
    }
}
