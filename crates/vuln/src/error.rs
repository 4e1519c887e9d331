use std::fmt;

/// The first problem found in a scanner file, with its location where known.
/// Line and column are 1-based; the column counts characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ImportError {
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub byte_offset: Option<usize>,
    pub message: String,
}

impl ImportError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        ImportError {
            line: None,
            column: None,
            byte_offset: None,
            message: message.into(),
        }
    }

    /// Error at a byte offset into `text`; line and column are derived from it.
    pub(crate) fn at(text: &str, offset: usize, message: impl Into<String>) -> Self {
        let (line, column) = line_col(text, offset);
        ImportError {
            line: Some(line),
            column: Some(column),
            byte_offset: Some(offset),
            message: message.into(),
        }
    }
}

/// 1-based line and character column of `offset` (clamped to the text and a char boundary).
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |p| p + 1);
    let column = text[line_start..offset].chars().count() + 1;
    (line, column)
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column, self.byte_offset) {
            (Some(l), Some(c), _) => write!(f, "line {l}, column {c}: {}", self.message),
            (Some(l), None, _) => write!(f, "line {l}: {}", self.message),
            (None, _, Some(o)) => write!(f, "byte {o}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}
