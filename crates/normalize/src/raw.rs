//! The parser of last resort: the line becomes the message, nothing is inferred.

use crate::{ParseError, ParseOptions, Parser, RecordMeta};
use steward_model::{ecs, Event};

#[derive(Clone, Copy, Debug, Default)]
pub struct RawParser;

impl Parser for RawParser {
    fn name(&self) -> &str {
        "raw"
    }

    fn dataset(&self) -> &str {
        "raw"
    }

    fn detect(&self, _line: &str) -> u8 {
        1
    }

    fn parse(
        &self,
        line: &str,
        _opts: &ParseOptions,
        _meta: &RecordMeta,
        event: &mut Event,
    ) -> Result<(), ParseError> {
        event.set(ecs::MESSAGE, line);
        Ok(())
    }
}
