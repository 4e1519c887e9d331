//! A loaded device family: detection plus its compiled mapping, usable as a [`Parser`].

use crate::file::Envelope;
use crate::remap::{Remap, RunContext};
use regex::RegexSet;
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
    pub(crate) remap: Remap,
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
            let mut enveloped = event.clone();
            // A record without a syslog header is still the family's: the mapping then
            // sees the whole line, as with no envelope.
            if parse_syslog_envelope(line, opts, meta, &mut enveloped).is_ok() {
                *event = enveloped;
            }
        }
        let input = std::mem::take(event).into_object();
        let ctx = RunContext {
            received: meta.received,
            timezone: &opts.timezone,
        };
        let output = self
            .remap
            .run(input, &ctx)
            .map_err(|e| ParseError::new(format!("{}: {e}", self.info.name)))?;
        *event = Event::from_object(output);
        event.set_if_absent(ecs::EVENT_ORIGINAL, line);
        event.set_if_absent(ecs::EVENT_DATASET, self.info.dataset.as_str());
        Ok(())
    }
}
