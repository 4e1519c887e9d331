//! The one error type parsers return.

/// Why a parser could not make sense of a record.
///
/// Parse failures are ordinary data in a log pipeline (devices send anything), so this is a
/// plain value the normalizer records in `error.message`, never a reason to drop a record.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", render(*.position, .message))]
pub struct ParseError {
    pub message: String,
    /// Byte offset into the line where parsing gave up, when the parser knows it.
    pub position: Option<usize>,
}

fn render(position: Option<usize>, message: &str) -> String {
    match position {
        Some(at) => format!("at byte {at}: {message}"),
        None => message.to_owned(),
    }
}

impl ParseError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            position: None,
        }
    }

    pub fn at(position: usize, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            position: Some(position),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_position_when_known() {
        assert_eq!(
            ParseError::at(7, "bad PRI").to_string(),
            "at byte 7: bad PRI"
        );
        assert_eq!(ParseError::new("empty line").to_string(), "empty line");
    }
}
