//! The anchor: the last seq and hash, kept beside the log so a cut-off tail is noticed.

use crate::error::AuditError;
use serde::{Deserialize, Serialize};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The newest entry the writer knew of when it last appended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub seq: u64,
    pub hash: String,
}

/// `<log>.anchor`, next to the log file.
pub fn anchor_path(log: &Path) -> PathBuf {
    let mut name = log.as_os_str().to_owned();
    name.push(".anchor");
    PathBuf::from(name)
}

/// `None` when no anchor was ever written.
pub fn read_anchor(path: &Path) -> Result<Option<Anchor>, AuditError> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(AuditError::Io {
                path: path.to_owned(),
                source,
            })
        }
    };
    serde_json::from_str(text.trim())
        .map(Some)
        .map_err(|e| AuditError::BadAnchor {
            path: path.to_owned(),
            reason: e.to_string(),
        })
}

/// Replaces the anchor atomically (temp file, fsync, rename) so a crash leaves either the old
/// or the new anchor, never a torn one. The directory is not synced: a rename lost in a crash
/// leaves the previous anchor, which only lags the log, and `AuditLog::open` catches it up.
pub fn write_anchor(path: &Path, anchor: &Anchor) -> std::io::Result<()> {
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(".tmp");
    let tmp = PathBuf::from(tmp_name);
    let line = serde_json::to_string(anchor).map_err(std::io::Error::other)?;
    {
        let mut f = File::create(&tmp)?;
        f.write_all(line.as_bytes())?;
        f.write_all(b"\n")?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)
}
