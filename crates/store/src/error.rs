use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid cursor: {0}")]
    BadCursor(String),
    #[error("invalid request: {0}")]
    BadRequest(String),
    #[error("the store's writer has stopped")]
    WriterGone,
    #[error("alerts database: {0}")]
    Alerts(#[from] rusqlite::Error),
    #[error("alerts: {0}")]
    Json(#[from] serde_json::Error),
}

impl StoreError {
    pub(crate) fn sqlite(path: impl Into<PathBuf>) -> impl FnOnce(rusqlite::Error) -> StoreError {
        let path = path.into();
        move |source| StoreError::Sqlite { path, source }
    }
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> StoreError {
        let path = path.into();
        move |source| StoreError::Io { path, source }
    }
}
