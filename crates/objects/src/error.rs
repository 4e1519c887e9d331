use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    #[error("object database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("stored document does not decode: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// No object of this kind has this id (HTTP 404).
    #[error("{kind} {id} not found")]
    NotFound { kind: &'static str, id: String },
    /// A field of the caller's input is not acceptable (HTTP 400).
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// The object is not in a state that allows this change (HTTP 409); `allowed` lists
    /// what is possible from where it stands.
    #[error("{message}")]
    Conflict {
        message: String,
        allowed: Vec<String>,
    },
    /// A CSV upload with a problem; nothing of it was stored.
    #[error("CSV line {line}: {message}")]
    Csv { line: u64, message: String },
}

impl ObjectError {
    pub fn not_found(kind: &'static str, id: impl ToString) -> Self {
        Self::NotFound {
            kind,
            id: id.to_string(),
        }
    }
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}
