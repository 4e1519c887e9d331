use thiserror::Error;

/// Why an article could not be loaded. `line` is 1-based within the named file.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum KbError {
    #[error("{file}:{line}: {message}")]
    Parse {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{file}: duplicate article id `{id}` (first seen in {first})")]
    DuplicateId {
        file: String,
        id: String,
        first: String,
    },
}
