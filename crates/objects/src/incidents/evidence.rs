//! Uploaded evidence files: stored once by content hash, readable only through an
//! incident that pinned them.

use super::{text, IncidentRecord};
use crate::{ObjectError, ObjectStore};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use steward_secops::{Evidence, SlaPolicy};

const MAX_FILE_NAME: usize = 255;

/// Distinguishes temporary files of concurrent uploads within this process.
static TEMP_SEQ: AtomicU64 = AtomicU64::new(0);

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ObjectError + '_ {
    move |source| ObjectError::Io {
        path: path.to_owned(),
        source,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A SHA-256 in lowercase hex, or why not; nothing else may name a file in the store.
fn check_sha256(s: &str) -> Result<String, ObjectError> {
    let s = s.trim().to_ascii_lowercase();
    if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(s)
    } else {
        Err(ObjectError::invalid("sha256", "expected 64 hex digits"))
    }
}

/// Writes the bytes under their hash: to a temporary file first, synced, then renamed,
/// so a crash never leaves a truncated file under a valid name.
fn store_file(dir: &Path, sha: &str, bytes: &[u8]) -> Result<(), ObjectError> {
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    let path = dir.join(sha);
    if path.is_file() {
        return Ok(());
    }
    let seq = TEMP_SEQ.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(".{sha}.{}.{seq}.tmp", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp).map_err(io_err(&tmp))?;
        f.write_all(bytes).map_err(io_err(&tmp))?;
        f.sync_all().map_err(io_err(&tmp))?;
        fs::rename(&tmp, &path).map_err(io_err(&path))?;
        // The rename itself must survive a crash too.
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

impl ObjectStore {
    /// Stores an uploaded file and pins it to the incident as evidence.
    pub fn attach_file(
        &self,
        id: i64,
        name: &str,
        bytes: &[u8],
        policy: &SlaPolicy,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<IncidentRecord, ObjectError> {
        let name = text("name", name, MAX_FILE_NAME, true)?;
        if name
            .chars()
            .any(|c| c.is_control() || c == '/' || c == '\\')
        {
            return Err(ObjectError::invalid(
                "name",
                "must not contain path separators or control characters",
            ));
        }
        if bytes.is_empty() {
            return Err(ObjectError::invalid(
                "body",
                "an evidence file must not be empty",
            ));
        }
        let sha = hex(&Sha256::digest(bytes));
        let dir = self.evidence_dir().to_owned();
        self.change(id, policy, now, |_, inc| {
            // Inside the transaction, after the incident is known to exist: an upload
            // to a missing incident leaves no file behind.
            store_file(&dir, &sha, bytes)?;
            inc.pin_evidence(
                Evidence::File {
                    name,
                    sha256: sha.clone(),
                    size: bytes.len() as u64,
                },
                actor,
                now,
            );
            Ok(())
        })
    }

    /// The name and bytes of an evidence file, only if this incident pinned it.
    pub fn evidence_file(&self, id: i64, sha256: &str) -> Result<(String, Vec<u8>), ObjectError> {
        let sha = check_sha256(sha256)?;
        let (inc, _) = self.read(|conn| super::store::load(conn, id))?;
        let name = inc
            .evidence
            .iter()
            .find_map(|e| match e {
                Evidence::File { name, sha256, .. } if *sha256 == sha => Some(name.clone()),
                _ => None,
            })
            .ok_or_else(|| ObjectError::not_found("evidence", &sha))?;
        let path = self.evidence_dir().join(&sha);
        let bytes = fs::read(&path).map_err(io_err(&path))?;
        Ok((name, bytes))
    }
}
